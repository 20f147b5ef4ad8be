"""What `renewals` puts on the home page (DASH-1, DASH-2): customers ready for renewal and not renewed
(with days to the AD or days left in grace), upcoming renewals, and the renewal pipeline by month
with its projected value. Registered in RenewalsConfig.ready().

The counts are the customer list's filter counts (REN-8's rules in customers.rules, one shared query);
the pipeline chart is the renewals page's totals per month (renewals.pipeline), so both equal the
lists they link to."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from console.clock import policy
from console.home import ROWS_SHOWN, ChartData, ChartSeries, HomeView, TodoFigure, TodoRow
from customers.home import customer_figures, customer_rows, customer_rows_version_of
from customers.models import Customer
from customers.rules import CustomerFilter, RenewalState, renewal_state, renewal_state_q, renewal_term_ad
from customers.selectors import customers_visible
from renewals.pipeline import month_totals, pipeline_cells_cached


def _customers(view: HomeView, q: Q) -> QuerySet[Customer]:
    customers = customers_visible(reseller=view.reseller).filter(q)
    if view.managed_by is not None:
        customers = customers.filter(managed_by=view.managed_by)
    return customers.only("vip_id", "name", "anniversary_date", "renewed_ad", "renewal_shortfall")


# A customer's row as the page caches it (customer_rows): plain values, so that an entry never holds a model
# instance: (name, details URL, anniversary_date, renewed_ad, renewal_shortfall).
Shown = tuple[str, str, date | None, date | None, int]


def _row(view: HomeView, shown: Shown) -> TodoRow:
    name, url, anniversary_date, renewed_ad, shortfall = shown
    state = renewal_state(
        anniversary_date=anniversary_date, renewed_ad=renewed_ad, renewal_shortfall=shortfall, on=view.on
    )
    term_ad = renewal_term_ad(anniversary_date=anniversary_date, renewed_ad=renewed_ad, on=view.on)
    days = (term_ad - view.on).days if term_ad else 0
    if state == RenewalState.IN_GRACE:
        left = days + policy("RENEWAL_GRACE_DAYS")
        note = ngettext("In grace · %(days)d day left", "In grace · %(days)d days left", left) % {"days": left}
    elif state == RenewalState.PARTIAL:
        note = str(_("Partially renewed"))
    else:
        note = ngettext("Anniversary Date in %(days)d day", "Anniversary Date in %(days)d days", days) % {"days": days}
    return TodoRow(name, url, note, urgent=state == RenewalState.IN_GRACE)


def _shown(customers: list[Customer]) -> list[Shown]:
    return [
        (c.name, reverse("customers:detail", args=[c.vip_id]), c.anniversary_date, c.renewed_ad, c.renewal_shortfall)
        for c in customers
    ]


def _ready_customers(view: HomeView) -> list[Shown]:
    """In grace (the soonest to lapse first), then ready by AD, then partially renewed ones. The AD range
    is what the two states' rules already say; written out, it lets PostgreSQL walk the AD index and
    stop after a few rows."""
    on, grace, window = view.on, policy("RENEWAL_GRACE_DAYS"), policy("RENEWAL_WINDOW_DAYS")
    in_window = (renewal_state_q(RenewalState.IN_GRACE, on) | renewal_state_q(RenewalState.READY, on)) & Q(
        anniversary_date__range=(on - timedelta(days=grace), on + timedelta(days=window))
    )
    customers = list(_customers(view, in_window).order_by("anniversary_date", "id")[:ROWS_SHOWN])
    # Always asked, so the page runs the same queries whatever the data (DASH-3).
    partial = _customers(view, renewal_state_q(RenewalState.PARTIAL, on)).order_by("renewed_ad", "id")
    return _shown((customers + list(partial[:ROWS_SHOWN]))[:ROWS_SHOWN])


def _upcoming_customers(view: HomeView) -> list[Shown]:
    customers = _customers(view, renewal_state_q(RenewalState.UPCOMING, view.on)).order_by("anniversary_date", "id")
    return _shown(list(customers[:ROWS_SHOWN]))


def ready_figure(view: HomeView) -> TodoFigure:
    """DASH-1/REN-8: in the renewal window or in grace and not fully renewed (the list's Ready for
    Renewal), the soonest to lapse first."""
    count = customer_figures(view)[CustomerFilter.READY]
    shown = customer_rows(view, "home-ready:1", lambda: _ready_customers(view)) if count else []
    rows = [_row(view, customer) for customer in shown]
    return TodoFigure(count, rows, view.url("customers:list", filter=CustomerFilter.READY))


def upcoming_figure(view: HomeView) -> TodoFigure:
    """DASH-1/REN-1: the renewals notified before the window opens, on the renewals page."""
    count = customer_figures(view)[CustomerFilter.UPCOMING]
    shown = customer_rows(view, "home-upcoming:1", lambda: _upcoming_customers(view)) if count else []
    rows = [_row(view, customer) for customer in shown]
    return TodoFigure(count, rows, view.url("renewal_pages:list", state=RenewalState.UPCOMING))


def pipeline_chart(view: HomeView) -> ChartData:
    """DASH-2/REN-11: the renewals page's totals per month — customers and projected value."""

    # The renewals page's own cells, from the same cache entry (pipeline_cells_cached: the customer rows' version,
    # the day, the policy numbers and Managed by me).
    cells = pipeline_cells_cached(
        reseller=view.reseller, on=view.on, managed_by=view.managed_by, version=customer_rows_version_of(view)
    )
    totals = month_totals(cells, view.on)
    return ChartData(
        labels=[date_format(total.month, "YEAR_MONTH_FORMAT") for total in totals],
        series=[
            ChartSeries(_("Customers"), [total.customers for total in totals]),
            ChartSeries(_("Projected value (USD)"), [total.value for total in totals], unit="money", kind="line"),
        ],
        urls=[view.url("renewal_pages:list", month=total.month.strftime("%Y-%m")) for total in totals],
    )
