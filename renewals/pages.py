"""REN-11: the renewals page and its CSV. The URL holds the whole state (state, month, Managed by me,
sort, page); a part that cannot be used is dropped with a message, never a 500 (NF-2)."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from django import forms
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import dateformat
from django.utils.formats import date_format, get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from console.accounts.models import User
from console.clock import today
from console.forms import CleanTextMixin
from console.http import ConsoleRequest
from console.pagination import KnownCountPaginator
from console.tenancy import console_view
from customers.rules import RenewalState
from customers.selectors import customer_rows_version
from renewals import pipeline

STATE_BADGES: dict[str, str] = {
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


# One row of the renewals table (NF-4), formatted here with each value escaped once, as the customer list's
# rows (customers.views): through the template, its ~20 variables, translations and a URL tag per row cost
# more than the page's SQL. templates/renewals/list_results.html places the rows.
_ROW_HTML = """
      <tr data-vip="{vip_id}">
        <td>
          <a href="{url}" class="fw-semibold">{name}</a>
          <div class="small text-body-secondary font-monospace">{vip_id}</div>
        </td>
        <td data-label="{ad_label}">{ad}</td>
        <td class="text-end" data-label="{days_label}" data-days>{days}</td>
        <td class="cell-badges">
          <span class="badge {badge}" data-state="{state}">{state_label}</span>
        </td>
        <td data-auto="{auto}" data-label="{auto_label}">{auto_text}</td>
        <td class="text-end" data-label="{expiring_label}">{expiring}</td>
        <td class="text-end" data-label="{value_label}" data-value>{value}</td>
        <td data-label="{manager_label}">{manager}</td>
      </tr>"""


def _list_rows(rows: list[pipeline.PipelineRow], on: date) -> list[SafeString]:
    """Each row of the page as HTML; labels translated and the detail URL reversed once per page."""
    if not rows:
        return []
    page = {
        "ad_label": gettext("Anniversary Date"),
        "days_label": gettext("Days left"),
        "auto_label": gettext("Auto-renewal"),
        "expiring_label": gettext("Expiring licences"),
        "value_label": gettext("Projected value (USD)"),
        "manager_label": gettext("Managed by"),
    }
    states: dict[str, str] = {state: str(RenewalState(state).label) for state in pipeline.PIPELINE_STATES}
    switched = {True: ("on", gettext("On")), False: ("off", gettext("Off"))}
    head, tail = reverse("customers:detail", args=[rows[0].vip_id]).rsplit(rows[0].vip_id, 1)
    short_date = get_format("SHORT_DATE_FORMAT")
    managers: dict[tuple[str, str, str], str] = {}
    written = []
    for row in rows:
        manager = (row.manager_first_name, row.manager_last_name, row.manager_email)
        if manager not in managers:
            user = User(first_name=manager[0], last_name=manager[1], email=manager[2])
            managers[manager] = user.get_full_name() or user.email
        auto, auto_text = switched[bool(row.auto)]
        values = {
            **page,
            "vip_id": row.vip_id,
            "url": f"{head}{row.vip_id}{tail}",
            "name": row.name,
            "ad": dateformat.format(row.term_ad, short_date),
            "days": str((row.term_ad - on).days),
            "badge": STATE_BADGES.get(row.state, ""),
            "state": row.state,
            "state_label": states.get(row.state, ""),
            "auto": auto,
            "auto_text": auto_text,
            "expiring": str(row.expiring),
            "value": floatformat(row.value, "2g"),
            "manager": managers[manager],
        }
        # html.escape is what django.utils.html.escape does to a string, without a SafeString per value.
        markup = _ROW_HTML.format(**{key: html.escape(value) for key, value in values.items()})
        written.append(mark_safe(markup))  # noqa: S308 (every value escaped above)
    return written


@require_safe
@console_view()
def renewal_list(request: ConsoleRequest) -> HttpResponse:
    """REN-11: the renewal pipeline in at most four queries whatever the size (NF-4): customers and value per
    AD month and state (the counts per state, the totals per month and the paginator's count), one grouped
    index-only scan per part of the pipeline, cached until the reseller's customers change or the day does;
    the page's ids from the same indexes; the page's rows."""
    on = today()
    form, state = _view(request, on)
    managed_by = request.membership if state["mine"] else None
    version = customer_rows_version(reseller=request.reseller)  # read once, for the cells and the page's ids
    cells = pipeline.pipeline_cells_cached(reseller=request.reseller, on=on, managed_by=managed_by, version=version)
    counts = {s: sum(c.customers for c in cells if c.state == s) for s in pipeline.PIPELINE_STATES}
    totals = pipeline.month_totals(cells, on, state=state["state"])
    shown = [total for total in totals if state["month"] in (None, total.month)]

    def page_of(offset: int, limit: int) -> list[SafeString]:
        rows = pipeline.pipeline_page_cached(
            reseller=request.reseller,
            on=on,
            managed_by=managed_by,
            version=version,
            state=state["state"],
            month=state["month"],
            sort=state["sort"],
            descending=state["descending"],
            offset=offset,
            limit=limit,
        )
        return _list_rows(rows, on)

    page = KnownCountPaginator(page_of, state["per_page"], sum(t.customers for t in shown)).get_page(state["page"])
    context = {
        "state": state,
        "counts": [(s, RenewalState(s).label, counts[s]) for s in pipeline.PIPELINE_STATES],
        "pipeline_total": sum(counts.values()),
        "totals": totals,
        "totals_value": sum(t.value for t in totals),
        "totals_customers": sum(t.customers for t in totals),
        "month_label": date_format(state["month"], "YEAR_MONTH_FORMAT") if state["month"] else "",
        "page": page,
        "rows": page.object_list,
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
