"""REN-11: the renewals page and its CSV. The URL holds the whole state (state, month, Managed by me,
sort, page); a part that cannot be used is dropped with a message, never a 500 (NF-2)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from console.clock import today
from console.forms import CleanTextMixin
from console.http import ConsoleRequest
from console.pagination import KnownCountPaginator
from console.tenancy import console_view
from customers.models import Customer
from customers.rules import RenewalState
from customers.selectors import customers_visible
from renewals import pipeline

STATE_BADGES = {
    RenewalState.UPCOMING: "text-bg-info",
    RenewalState.READY: "text-bg-primary",
    RenewalState.PARTIAL: "text-bg-warning",
    RenewalState.RENEWED: "text-bg-success",
    RenewalState.IN_GRACE: "text-bg-danger",
    RenewalState.LAPSED: "text-bg-secondary",
}


class RenewalListForm(CleanTextMixin, forms.Form):
    """The renewals page's state in the URL; each bad part falls back to its default."""

    state = forms.ChoiceField(
        label=_("State"), choices=[(s, RenewalState(s).label) for s in pipeline.PIPELINE_STATES], required=False
    )
    month = forms.ChoiceField(label=_("Month"), required=False)
    mine = forms.BooleanField(label=_("Managed by me"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        choices=[(k, k) for k in pipeline.SORTS] + [(f"-{k}", k) for k in pipeline.SORTS],
        required=False,
    )
    page = forms.IntegerField(label=_("Page"), min_value=1, max_value=1_000_000, required=False)
    per_page = forms.TypedChoiceField(
        label=_("Per page"), choices=[(n, n) for n in (25, 50, 100)], coerce=int, required=False
    )

    def __init__(self, *args: Any, months: list[date], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.months = {month.strftime("%Y-%m"): month for month in months}
        self.fields["month"].choices = [(key, key) for key in self.months]  # type: ignore[attr-defined]

    def view_state(self) -> dict[str, Any]:
        valid = self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields if valid or name not in self.errors}
        sort = data.get("sort") or "ad"
        return {
            "state": data.get("state") or "",
            "month": self.months.get(data.get("month") or ""),
            "mine": bool(data.get("mine")),
            "sort": sort.lstrip("-"),
            "descending": sort.startswith("-"),
            "page": data.get("page") or 1,
            "per_page": data.get("per_page") or 25,
        }

    def problems(self) -> list[str]:
        """What was dropped from the URL, for the page to say (NF-2)."""
        return [
            f"{self.fields[name].label}: {' '.join(str(error) for error in errors)}"
            for name, errors in self.errors.items()
        ]


def _view(request: ConsoleRequest, on: date) -> tuple[RenewalListForm, dict[str, Any]]:
    form = RenewalListForm(request.GET, months=pipeline.pipeline_months(on))
    return form, form.view_state()


def _pipeline(request: ConsoleRequest, state: dict[str, Any], on: date, *, month: date | None) -> Any:
    return pipeline.renewal_pipeline(
        reseller=request.reseller,
        on=on,
        state=state["state"],
        month=month,
        managed_by=request.membership if state["mine"] else None,
        sort=state["sort"],
        descending=state["descending"],
    )


@require_safe
@console_view()
def renewal_list(request: ConsoleRequest) -> HttpResponse:
    """REN-11: the renewal pipeline in four queries whatever the size (NF-4): customers and value per AD
    month and state (the counts per state, the totals per month and the paginator's count), one grouped
    index-only scan per part of the pipeline; the page's ids from the same indexes; the page's rows."""
    on = today()
    form, state = _view(request, on)
    customers = customers_visible(reseller=request.reseller)
    if state["mine"]:
        customers = customers.filter(managed_by=request.membership)
    cells = pipeline.pipeline_cells(customers, on)
    counts = {s: sum(c.customers for c in cells if c.state == s) for s in pipeline.PIPELINE_STATES}
    totals = pipeline.month_totals(cells, on, state=state["state"])
    shown = [total for total in totals if state["month"] in (None, total.month)]

    def page_of(offset: int, limit: int) -> list[Customer]:
        return pipeline.pipeline_page(
            customers,
            on,
            state=state["state"],
            month=state["month"],
            sort=state["sort"],
            descending=state["descending"],
            offset=offset,
            limit=limit,
        )

    page = KnownCountPaginator(page_of, state["per_page"], sum(t.customers for t in shown)).get_page(state["page"])
    rows = [(customer, (customer.rn_ad - on).days, STATE_BADGES.get(customer.rn_state, "")) for customer in page]
    context = {
        "state": state,
        "counts": [(s, RenewalState(s).label, counts[s]) for s in pipeline.PIPELINE_STATES],
        "pipeline_total": sum(counts.values()),
        "totals": totals,
        "totals_value": sum(t.value for t in totals),
        "totals_customers": sum(t.customers for t in totals),
        "month_label": date_format(state["month"], "YEAR_MONTH_FORMAT") if state["month"] else "",
        "page": page,
        "rows": rows,
        "sorts": pipeline.SORTS,
        "problems": form.problems(),
        "nav": "renewals",
    }
    return render(request, "renewals/list.html", context)


@require_safe
@console_view()
def renewal_export(request: ConsoleRequest) -> HttpResponseBase:
    """REN-11: the CSV of the current view (state, month, Managed by me, sort), streamed."""
    on = today()
    _form, state = _view(request, on)
    return pipeline.pipeline_csv_response(_pipeline(request, state, on, month=state["month"]), on=on)
