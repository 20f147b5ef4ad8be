from __future__ import annotations

import html
from decimal import Decimal

from django import forms
from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.utils.formats import localize
from django.utils.safestring import SafeString
from django.views.decorators.http import require_safe

from console.accounts.models import Membership
from console.audit.selectors import audit_events_for_reseller
from console.clock import today
from console.home import ChartData, HomeView, TodoRow, home_charts, home_items
from console.http import ConsoleRequest
from console.tenancy import console_view


class HomeForm(forms.Form):
    mine = forms.BooleanField(required=False)


@require_safe
@console_view()
def home(request: ConsoleRequest) -> HttpResponse:
    """DASH-1…DASH-3: the account manager's to-do list and charts, each contributed by its app
    (console.home), then the team at a glance."""
    membership = request.membership
    form = HomeForm(request.GET)
    mine = bool(form.cleaned_data.get("mine")) if form.is_valid() else False
    view = HomeView(reseller=request.reseller, membership=membership, on=today(), mine=mine)
    items = []
    for item in home_items():
        figure = item.figure(view)
        items.append((item, figure, _todo_rows_html(figure.rows)))
    charts = []
    for chart in home_charts():
        data = chart.data(view)
        charts.append((chart, data, data.for_script(), f"chart-{chart.name}", _chart_rows_html(data)))
    team = Membership.objects.filter(reseller=request.reseller).aggregate(
        active=Count("pk", filter=Q(status=Membership.Status.ACTIVE)),
        pending=Count("pk", filter=Q(status=Membership.Status.PENDING)),
    )
    recent = audit_events_for_reseller(reseller=request.reseller)[:5] if membership.can_manage_team else []
    context = {"state": {"mine": mine}, "items": items, "charts": charts, "team": team, "recent": recent, "nav": "home"}
    return render(request, "console/home.html", context)


# The repeated rows of the page (an item's first rows, a chart's table) are written here rather than in
# templates/console/home.html: a dozen template nodes a row or cell cost more than the rest of the page
# (DASH-3). The markup is the template's, which places the rows; every value is escaped as {{ }} would
# (`_escape`), with str.format: format_html and conditional_escape, lazy-aware, cost as much again.
_TODO_ROW_HTML = """
                    <li class="d-flex flex-wrap justify-content-between column-gap-2 py-1 border-top">
                      <a href="{}" class="text-break">{}</a>
                      <span class="{}">{}</span>
                    </li>"""
_CHART_ROW_HTML = """
                        <tr data-chart-row>
                          <th scope="row" class="fw-normal">
                            {}
                          </th>{}
                        </tr>"""
_CHART_LINK_HTML = '<a href="{}" data-row-link>{}</a>'
_CHART_CELL_HTML = """
                            <td class="text-end text-nowrap" data-unit="{}">
                              {}
                            </td>"""


def _escape(value: object) -> str:
    """conditional_escape without its lazy-string wrapper: markup stays as it is, text is escaped."""
    html_method = getattr(value, "__html__", None)
    return str(html_method()) if html_method is not None else html.escape(str(value))


def _todo_rows_html(rows: list[TodoRow]) -> SafeString:
    return SafeString(
        "".join(
            _TODO_ROW_HTML.format(
                _escape(row.url),
                _escape(row.label),
                "text-danger-emphasis" if row.urgent else "text-body-secondary",
                _escape(row.note),
            )
            for row in rows
        )
    )


def _chart_cell(value: int | Decimal, unit: str) -> str:
    """A value as the table shows it: money with two decimals and the language's grouping, as
    `floatformat:"2g"` writes it; a count as {{ }} does."""
    if unit == "money":
        text = floatformat(value, "2g")
    elif isinstance(value, int) and not settings.USE_THOUSAND_SEPARATOR:
        text = str(value)  # what localize() returns then, a tenth of its cost
    else:
        text = localize(value)
    return _CHART_CELL_HTML.format(_escape(unit), _escape(text))


def _chart_rows_html(data: ChartData) -> SafeString:
    """The chart's table rows: its label (linked to its list when it has one) and each series' value."""
    rows = []
    for label, url, values in data.table_rows():
        head = _CHART_LINK_HTML.format(_escape(url), _escape(label)) if url else _escape(label)
        cells = "".join(_chart_cell(value, unit) for value, unit in values)
        rows.append(_CHART_ROW_HTML.format(head, cells))
    return SafeString("".join(rows))


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
