"""What `renewals` puts on the home page (DASH-1, DASH-2): customers ready for renewal and not renewed
(with days to the AD or days left in grace), upcoming renewals, and the renewal pipeline by month
with its projected value. Registered in RenewalsConfig.ready().

The counts are the customer list's filter counts (REN-8's rules in customers.rules, one shared query);
the pipeline chart is the renewals page's totals per month (renewals.pipeline), so both equal the
lists they link to."""

from __future__ import annotations

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from console.clock import policy
from console.home import ROWS_SHOWN, ChartData, ChartSeries, HomeView, TodoFigure, TodoRow
from customers.home import customer_figures
from customers.rules import CustomerFilter, RenewalState, filter_q, renewal_state_for
from customers.selectors import customers_visible
from renewals.pipeline import pipeline_month_totals, renewal_pipeline, term_ad_sql


def _rows(view: HomeView, customer_filter: str) -> list[TodoRow]:
    customers = customers_visible(reseller=view.reseller).filter(filter_q(customer_filter, view.on))
    if view.managed_by is not None:
        customers = customers.filter(managed_by=view.managed_by)
    customers = (
        customers.annotate(rn_ad=term_ad_sql(view.on))
        .order_by("rn_ad", "id")
        .only("vip_id", "name", "anniversary_date", "renewed_ad", "renewal_shortfall")[:ROWS_SHOWN]
    )
    grace = policy("RENEWAL_GRACE_DAYS")
    rows = []
    for customer in customers:
        state = renewal_state_for(customer, view.on)
        days = (customer.rn_ad - view.on).days
        if state == RenewalState.IN_GRACE:
            left = days + grace
            note = ngettext("In grace · %(days)d day left", "In grace · %(days)d days left", left) % {"days": left}
        elif state == RenewalState.PARTIAL:
            note = str(_("Partially renewed"))
        else:
            note = ngettext("Anniversary Date in %(days)d day", "Anniversary Date in %(days)d days", days) % {
                "days": days
            }
        url = reverse("customers:detail", args=[customer.vip_id])
        rows.append(TodoRow(customer.name, url, note, urgent=state == RenewalState.IN_GRACE))
    return rows


def ready_figure(view: HomeView) -> TodoFigure:
    """DASH-1/REN-8: in the renewal window or in grace and not fully renewed (the list's Ready for
    Renewal), the soonest to lapse first."""
    count = customer_figures(view)[CustomerFilter.READY]
    rows = _rows(view, CustomerFilter.READY) if count else []
    return TodoFigure(count, rows, view.url("customers:list", filter=CustomerFilter.READY))


def upcoming_figure(view: HomeView) -> TodoFigure:
    """DASH-1/REN-1: the renewals notified before the window opens, on the renewals page."""
    count = customer_figures(view)[CustomerFilter.UPCOMING]
    rows = _rows(view, CustomerFilter.UPCOMING) if count else []
    return TodoFigure(count, rows, view.url("renewal_pages:list", state=RenewalState.UPCOMING))


def pipeline_chart(view: HomeView) -> ChartData:
    """DASH-2/REN-11: the renewals page's totals per month — customers and projected value."""
    totals = pipeline_month_totals(
        renewal_pipeline(reseller=view.reseller, on=view.on, managed_by=view.managed_by), view.on
    )
    return ChartData(
        labels=[date_format(total.month, "YEAR_MONTH_FORMAT") for total in totals],
        series=[
            ChartSeries(_("Customers"), [total.customers for total in totals]),
            ChartSeries(_("Projected value (USD)"), [total.value for total in totals], unit="money", kind="line"),
        ],
        urls=[view.url("renewal_pages:list", month=total.month.strftime("%Y-%m")) for total in totals],
    )
