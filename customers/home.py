"""What `customers` puts on the home page (DASH-1, DASH-2): past-due purchase authorizations (PA-2's
state is summarised on the customer row), invitations pending for more than 14 days, customers by
state and new and lost customers per month. Registered in CustomersConfig.ready().

The filter counts (LIST-1) and the lapsed customers per month come from one index-only scan,
`customer_figures`, shared by the items of this app and of renewals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Count, DateField, F, Min, QuerySet, Value
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from console.clock import policy
from console.home import ROWS_SHOWN, ChartData, ChartSeries, HomeView, TodoFigure, TodoRow, month_starts
from customers.models import Customer, InvitationStatus
from customers.rules import (
    CustomerFilter,
    RenewalState,
    filter_q,
    invitation_stale_q,
    is_invitation_stale,
    is_suspended,
    renewal_state_q,
)
from customers.selectors import (
    COUNTS_CACHED,
    customer_counts,
    customer_rows_cached,
    customer_rows_version,
    customers_visible,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

T = TypeVar("T")

# DASH-2: how many months the new-and-lost chart looks back (this month and the 11 before it).
CHURN_MONTHS = 12


def _listed(view: HomeView) -> QuerySet[Customer]:
    customers = customers_visible(reseller=view.reseller)
    return customers.filter(managed_by=view.managed_by) if view.managed_by is not None else customers


def lapsed_on(anniversary_date: date) -> date:
    """REN-4/REN-7: the first day a customer that did not renew is lapsed (the day after its grace)."""
    return anniversary_date + timedelta(days=policy("RENEWAL_GRACE_DAYS") + 1)


def customer_rows(
    view: HomeView, name: str, compute: Callable[[], T], *, fresh: Callable[[T], bool] | None = None
) -> T:
    """`compute()` cached under the reseller's CustomerListVersion, the day and *Managed by me*
    (customers.selectors.customer_rows_cached): only for what follows from the reseller's customer rows
    and the day alone, never from another table; from the clock's time only with `fresh`. `compute()`
    returns plain values (numbers, strings, dates, tuples, dicts), never a model instance or a project
    class: a shared cache outlives a deployment. The version is read once a page."""
    return customer_rows_cached(
        name,
        compute,
        reseller=view.reseller,
        on=view.on,
        managed_by=view.managed_by,
        version=customer_rows_version_of(view),
        fresh=fresh,
    )


def customer_rows_version_of(view: HomeView) -> int | None:
    """The reseller's CustomerListVersion (customers.selectors.customer_rows_version), read once a page."""
    return view.shared("customers.version", lambda: customer_rows_version(reseller=view.reseller))


def customer_figures(view: HomeView) -> dict[str, Any]:
    """The list's filter counts (the same function and cache entry as the customer list's tabs: one
    index-only scan), shared by this app's and the renewals app's items and the customers-by-state chart."""
    return view.shared(
        "customers.figures",
        lambda: customer_rows(
            view,
            COUNTS_CACHED,
            lambda: customer_counts(reseller=view.reseller, on=view.on, managed_by=view.managed_by),
        ),
    )


def _month_end(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def past_due_figure(view: HomeView) -> TodoFigure:
    """DASH-1/PA-2: customers with a past-due purchase authorization, the longest overdue first."""
    count = customer_figures(view)[CustomerFilter.PAST_DUE]

    def first() -> list[tuple[str, str, date | None, date | None]]:
        customers = (
            _listed(view)
            .filter(filter_q(CustomerFilter.PAST_DUE, view.on))
            .order_by("open_pa_min_due", "id")
            .values_list("vip_id", "name", "open_pa_min_due", "open_pa_min_suspends")[:ROWS_SHOWN]
        )
        return [
            (name, reverse("customers:detail", args=[vip_id]), due, suspends)
            for vip_id, name, due, suspends in customers
        ]

    rows = []
    for name, url, due, suspends in customer_rows(view, "home-past-due:1", first) if count else []:
        late = (view.on - due).days if due else 0
        suspended = suspends is not None and is_suspended(suspends, view.on)
        state = _("Suspended") if suspended else _("Overdue")
        note = ngettext("%(state)s · %(days)d day late", "%(state)s · %(days)d days late", late) % {
            "state": state,
            "days": late,
        }
        rows.append(TodoRow(name, url, note, suspended))
    return TodoFigure(count, rows, view.url("customers:list", filter=CustomerFilter.PAST_DUE))


def stale_invitations_figure(view: HomeView) -> TodoFigure:
    """DASH-1: invitations pending for more than 14 days, the oldest first (one index range). Cached with
    the other figures until the oldest invitation not yet stale turns stale: the one change that time
    makes without a write."""
    now = timezone.now()

    def compute() -> tuple[int, list[tuple[str, str, datetime]], datetime | None]:
        # One range of the invitations index: the stale ones counted, and the first of the others.
        pending = _listed(view).filter(invitation_status=InvitationStatus.PENDING)
        figures = pending.aggregate(
            count=Count(Value(1), filter=invitation_stale_q(now)),
            next_stale=Min("invited_at", filter=~invitation_stale_q(now)),
        )
        stale = pending.filter(invitation_stale_q(now)).order_by("invited_at", "id")
        first = stale.values_list("vip_id", "name", "invited_at")[:ROWS_SHOWN] if figures["count"] else []
        rows = [(name, reverse("customers:detail", args=[vip_id]), invited_at) for vip_id, name, invited_at in first]
        return figures["count"], rows, figures["next_stale"]

    def fresh(value: tuple[int, list[tuple[str, str, datetime]], datetime | None]) -> bool:
        next_stale = value[2]
        return next_stale is None or not is_invitation_stale(
            invitation_status=InvitationStatus.PENDING, invited_at=next_stale, now=now
        )

    count, first, _next_stale = customer_rows(view, "home-stale-invitations:1", compute, fresh=fresh)
    rows = [
        TodoRow(
            name,
            url,
            ngettext("Pending for %(days)d day", "Pending for %(days)d days", (now - invited_at).days)
            % {"days": (now - invited_at).days},
        )
        for name, url, invited_at in first
    ]
    return TodoFigure(count, rows, view.url("customers:list", filter=CustomerFilter.ALL, invitation="stale"))


# DASH-2's customers by state: the customer list's filters, each bar links to its list.
STATE_FILTERS = [
    CustomerFilter.NO_PRODUCTS,
    CustomerFilter.PENDING,
    CustomerFilter.PAST_DUE,
    CustomerFilter.UPCOMING,
    CustomerFilter.READY,
]


def customers_by_state(view: HomeView) -> ChartData:
    counts = customer_figures(view)
    return ChartData(
        labels=[str(CustomerFilter(value).label) for value in STATE_FILTERS],
        series=[ChartSeries(_("Customers"), [counts[value] for value in STATE_FILTERS])],
        urls=[view.url("customers:list", filter=value) for value in STATE_FILTERS],
        horizontal=True,
    )


# DASH-2's churn: each kind of lost customer is a series. `month_counts(view, months)` returns how many
# customers were lost that way in each month ({first day of month: n}); another app adds a kind (e.g.
# customers transferred away to another reseller) with `lost_customers_register` from its ready().
MonthCounts = Callable[[HomeView, list[date]], dict[date, int]]


@dataclass(frozen=True)
class LostKind:
    name: str
    label: StrOrPromise
    month_counts: MonthCounts
    order: int


_lost_kinds: dict[str, LostKind] = {}


def lost_customers_register(kind: LostKind) -> None:
    _lost_kinds[kind.name] = kind


def _per_month(customers: QuerySet[Customer], column: str, months: list[date]) -> dict[date, int]:
    start = timezone.make_aware(datetime.combine(months[0], datetime.min.time()))
    rows = (
        customers.filter(**{f"{column}__gte": start})
        .annotate(month=TruncMonth(column))
        .order_by()
        .values("month")
        .annotate(n=Count(Value(1)))
    )
    return {_as_date(row["month"]): row["n"] for row in rows}


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def removed_per_month(view: HomeView, months: list[date]) -> dict[date, int]:
    """CUST-6: customers removed from the list, by the month they were removed."""

    def compute() -> dict[date, int]:
        customers = Customer.objects.filter(reseller=view.reseller, removed_at__isnull=False)
        if view.managed_by is not None:
            customers = customers.filter(managed_by=view.managed_by)
        return _per_month(customers, "removed_at", months)

    return customer_rows(view, f"home-removed:1:{months[0]}:{len(months)}", compute)


def lapsed_per_month(view: HomeView, months: list[date]) -> dict[date, int]:
    """REN-7: customers that did not renew and are lapsed now, by the month their grace ended (one
    range of the AD index: the ADs whose grace ended in the chart's months)."""

    def compute() -> dict[date, int]:
        after_grace = timedelta(days=policy("RENEWAL_GRACE_DAYS") + 1)
        lapsed = _listed(view).filter(
            renewal_state_q(RenewalState.LAPSED, view.on),
            anniversary_date__range=(months[0] - after_grace, _month_end(months[-1]) - after_grace),
        )
        rows = (
            lapsed.annotate(month=TruncMonth(F("anniversary_date") + after_grace, output_field=DateField()))
            .order_by()
            .values("month")
            .annotate(n=Count(Value(1)))
        )
        return {_as_date(row["month"]): row["n"] for row in rows}

    return customer_rows(view, f"home-lapsed:1:{months[0]}:{len(months)}", compute)


def new_per_month(view: HomeView, months: list[date]) -> dict[date, int]:
    """Customers invited in each month, removed ones included (they were new that month)."""

    def compute() -> dict[date, int]:
        customers = Customer.objects.filter(reseller=view.reseller)
        if view.managed_by is not None:
            customers = customers.filter(managed_by=view.managed_by)
        return _per_month(customers, "created_at", months)

    return customer_rows(view, f"home-new:1:{months[0]}:{len(months)}", compute)


def new_and_lost(view: HomeView) -> ChartData:
    months = month_starts(view.on, back=CHURN_MONTHS - 1)
    new = new_per_month(view, months)
    series = [ChartSeries(_("New customers"), [new.get(month, 0) for month in months])]
    for kind in sorted(_lost_kinds.values(), key=lambda k: (k.order, k.name)):
        counts = kind.month_counts(view, months)
        series.append(ChartSeries(kind.label, [counts.get(month, 0) for month in months]))
    return ChartData(labels=[date_format(month, "YEAR_MONTH_FORMAT") for month in months], series=series)


lost_customers_register(LostKind("lapsed", _("Lapsed (not renewed)"), lapsed_per_month, 10))
lost_customers_register(LostKind("removed", _("Removed"), removed_per_month, 20))
