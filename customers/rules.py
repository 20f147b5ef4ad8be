"""The customer-list rules (LIST-2) and the PA-2 payment rule, each written once as a pure function
with the SQL expression built next to it, used by the list filters, the badges, the report, the Plans
tab, the member portal and the periodic job alike (JOB-4).

Everything is a function of stored columns and *today*, so a customer moves between filters the
moment the date changes, with no job run. The payment rule lives here, below purchasing, because the
customer list needs it and `customers` does not import `purchase_auth`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, CharField, F, Func, IntegerField, Q, TextChoices, Value, When
from django.db.models.sql.compiler import SQLCompiler
from django.utils.translation import gettext_lazy as _

from console.clock import policy
from customers.models import Customer, InvitationStatus

# PA-2: what an open purchase authorization is on a given day.
PAYMENT_PENDING, PAYMENT_OVERDUE, PAYMENT_SUSPENDED = "pending", "overdue", "suspended"


def payment_due_date(created_on: date) -> date:
    """PA-2: payment is due 14 days (policy) after creation. Fixed when the PA is created."""
    return created_on + timedelta(days=policy("PA_DUE_DAYS"))


def payment_suspends_on(created_on: date) -> date:
    """PA-2: overdue until day 60 (policy) after creation, suspended from day 61. Fixed when the PA is
    created, like the due date, so a later change of either policy never moves an existing PA."""
    return created_on + timedelta(days=max(policy("PA_SUSPEND_AFTER_DAYS"), policy("PA_DUE_DAYS")) + 1)


def is_past_due(due_date: date, on: date) -> bool:
    """PA-2: past due (overdue or suspended) once the due date has passed."""
    return on > due_date


def is_suspended(suspends_on: date, on: date) -> bool:
    """PA-2: suspended from `suspends_on` on (always after the due date: a check constraint)."""
    return on >= suspends_on


def payment_state(*, due_date: date, suspends_on: date, on: date) -> str:
    """PA-2: pending up to and including the due date, then overdue, suspended from `suspends_on`."""
    if not is_past_due(due_date, on):
        return PAYMENT_PENDING
    return PAYMENT_SUSPENDED if is_suspended(suspends_on, on) else PAYMENT_OVERDUE


def past_due_q(on: date, *, due_date: str = "due_date") -> Q:
    """`is_past_due` in SQL."""
    return Q(**{f"{due_date}__lt": on})


def pending_q(on: date, *, due_date: str = "due_date") -> Q:
    """`not is_past_due` in SQL (a NULL date is never pending)."""
    return Q(**{f"{due_date}__gte": on})


def suspended_q(on: date, *, suspends_on: str = "suspends_on") -> Q:
    """`is_suspended` in SQL."""
    return Q(**{f"{suspends_on}__lte": on})


def payment_state_sql(on: date, *, due_date: str = "due_date", suspends_on: str = "suspends_on") -> Case:
    """`payment_state` as one SQL expression over the named date columns."""
    return Case(
        When(pending_q(on, due_date=due_date), then=Value(PAYMENT_PENDING)),
        When(suspended_q(on, suspends_on=suspends_on), then=Value(PAYMENT_SUSPENDED)),
        default=Value(PAYMENT_OVERDUE),
        output_field=CharField(),
    )


class DuesBefore(Func):
    """How many of the ISO dates in a JSON array column come before a day (ISO text compares as dates)."""

    output_field = IntegerField()

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> tuple[str, Any]:
        template = "(SELECT count(*) FROM jsonb_array_elements_text(%(expressions)s) AS d(v) WHERE d.v < %%s)"
        sql, params = self.as_sql(compiler, connection, template=template, **extra)
        return sql, (*params, self.day)

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> tuple[str, Any]:
        template = "(SELECT count(*) FROM json_each(%(expressions)s) WHERE value < %%s)"
        sql, params = self.as_sql(compiler, connection, template=template, **extra)
        return sql, (*params, self.day)

    def __init__(self, dues: Any, on: date) -> None:
        super().__init__(dues)
        self.day = on.isoformat()


def open_pa_counts(*, dues: list[str], on: date) -> tuple[int, int]:
    """PA-2 over a customer's open purchase authorizations (their due dates, stored on its row): how many
    are pending and how many past due on `on`."""
    past_due = sum(1 for due in dues if is_past_due(date.fromisoformat(due), on))
    return len(dues) - past_due, past_due


def open_pa_past_due_sql(on: date) -> Case:
    """`open_pa_counts(...)[1]` in SQL over the customer row. The earliest and latest due dates settle
    almost every row; only a customer whose open PAs fall on both sides of `on` counts its due dates."""
    return Case(
        When(Q(open_pa_count=0) | pending_q(on, due_date="open_pa_min_due"), then=Value(0)),
        When(past_due_q(on, due_date="open_pa_max_due"), then=F("open_pa_count")),
        default=DuesBefore(F("open_pa_dues"), on),
        output_field=IntegerField(),
    )


def open_pa_pending_sql(on: date) -> Case:
    """`open_pa_counts(...)[0]` in SQL over the customer row."""
    return Case(
        When(Q(open_pa_count=0) | past_due_q(on, due_date="open_pa_max_due"), then=Value(0)),
        When(pending_q(on, due_date="open_pa_min_due"), then=F("open_pa_count")),
        default=F("open_pa_count") - DuesBefore(F("open_pa_dues"), on),
        output_field=IntegerField(),
    )


class CustomerFilter(TextChoices):
    NO_PRODUCTS = "no_products", _("No Products")
    PENDING = "pending", _("Pending Requests")
    PAST_DUE = "past_due", _("Past Due Requests")
    UPCOMING = "upcoming", _("Upcoming Renewals")
    READY = "ready", _("Ready for Renewal")
    ALL = "all", _("All Customers")


def filter_q(customer_filter: str, on: date) -> Q:
    """LIST-2 as a WHERE clause over customers_customer. A customer's open PAs are summarised on its
    row (earliest and latest due date, earliest suspension date) by the purchasing services."""
    match customer_filter:
        case CustomerFilter.NO_PRODUCTS:
            return Q(has_products=False)
        case CustomerFilter.PENDING:  # the latest due date has not passed: some open PA is pending
            return pending_q(on, due_date="open_pa_max_due")
        case CustomerFilter.PAST_DUE:  # the earliest due date has passed: some open PA is past due
            return past_due_q(on, due_date="open_pa_min_due")
        case CustomerFilter.UPCOMING:
            return renewal_state_q(RenewalState.UPCOMING, on)
        case CustomerFilter.READY:  # inside the window and not fully renewed (REN-8)
            return ready_for_renewal_q(on)
    return Q()


def customer_flags(
    *,
    has_products: bool,
    open_pa_min_due: date | None,
    open_pa_max_due: date | None,
    open_pa_min_suspends: date | None,
    anniversary_date: date | None,
    renewed_ad: date | None = None,
    renewal_shortfall: int = 0,
    on: date,
) -> dict[str, bool]:
    """The same rules as `filter_q`, for one customer: which filters hold and which badge to show.
    Over a customer's open PAs, the latest due date says whether one is pending, the earliest due
    date whether one is past due, and the earliest suspension date whether one is suspended."""
    renewal = renewal_state(
        anniversary_date=anniversary_date, renewed_ad=renewed_ad, renewal_shortfall=renewal_shortfall, on=on
    )
    return {
        CustomerFilter.NO_PRODUCTS: not has_products,
        CustomerFilter.PENDING: open_pa_max_due is not None and not is_past_due(open_pa_max_due, on),
        CustomerFilter.PAST_DUE: open_pa_min_due is not None and is_past_due(open_pa_min_due, on),
        PAYMENT_SUSPENDED: open_pa_min_suspends is not None and is_suspended(open_pa_min_suspends, on),
        CustomerFilter.UPCOMING: renewal == RenewalState.UPCOMING,
        CustomerFilter.READY: renewal in READY_STATES,
        # The badge: one of renewal_upcoming, renewal_ready, renewal_in_grace, renewal_partial, …
        **{f"renewal_{state}": renewal == state for state in RenewalState.values},
    }


def customer_flags_for(customer: Customer, on: date) -> dict[str, bool]:
    """`customer_flags` for a customer row."""
    return customer_flags(
        has_products=customer.has_products,
        open_pa_min_due=customer.open_pa_min_due,
        open_pa_max_due=customer.open_pa_max_due,
        open_pa_min_suspends=customer.open_pa_min_suspends,
        anniversary_date=customer.anniversary_date,
        renewed_ad=customer.renewed_ad,
        renewal_shortfall=customer.renewal_shortfall,
        on=on,
    )


# REN-8: the renewal states of a customer's current term.
class RenewalState(TextChoices):
    NONE = "none", _("None")
    UPCOMING = "upcoming", _("Upcoming")
    READY = "ready", _("Ready for renewal")
    RENEWED = "renewed", _("Renewed")
    PARTIAL = "partial", _("Partially renewed")
    IN_GRACE = "in_grace", _("In grace")
    LAPSED = "lapsed", _("Lapsed")


def renewal_term_ad(*, anniversary_date: date | None, renewed_ad: date | None, on: date) -> date | None:
    """The Anniversary Date of the term being renewed on `on`: the last renewed one while its window
    is still open (a second renewal order in the same window adds licences, REN-3), else the current AD."""
    if renewed_ad is not None and on <= renewed_ad + timedelta(days=policy("RENEWAL_GRACE_DAYS")):
        return renewed_ad
    return anniversary_date


def renewal_term_renewed(*, anniversary_date: date | None, renewed_ad: date | None, on: date) -> bool:
    """True once a renewal of the term being renewed on `on` was accepted (REN-3: the AD moved already)."""
    ad = renewal_term_ad(anniversary_date=anniversary_date, renewed_ad=renewed_ad, on=on)
    return ad is not None and ad == renewed_ad


def renewal_state(*, anniversary_date: date | None, renewed_ad: date | None, renewal_shortfall: int, on: date) -> str:
    """REN-8 for one customer on `on`. Renewing moves the AD 12 months on and records the renewed AD,
    so a renewed customer is *renewed* (or *partially renewed*) until its old window closes; one that
    did not renew is *in grace* for 30 days (policy) after its AD, then *lapsed* (REN-4, REN-7)."""
    notice, window, grace = policy("RENEWAL_NOTICE_DAYS"), policy("RENEWAL_WINDOW_DAYS"), policy("RENEWAL_GRACE_DAYS")
    if renewed_ad is not None and renewed_ad - timedelta(days=window) <= on <= renewed_ad + timedelta(days=grace):
        return RenewalState.PARTIAL if renewal_shortfall else RenewalState.RENEWED
    if anniversary_date is None or on < anniversary_date - timedelta(days=notice):
        return RenewalState.NONE
    if on < anniversary_date - timedelta(days=window):
        return RenewalState.UPCOMING
    if on < anniversary_date:
        return RenewalState.READY
    if on <= anniversary_date + timedelta(days=grace):
        return RenewalState.IN_GRACE
    return RenewalState.LAPSED


def _renewed_q(on: date) -> Q:
    """The renewed AD's window is still open on `on`: *renewed* or *partially renewed* (REN-8)."""
    window, grace = policy("RENEWAL_WINDOW_DAYS"), policy("RENEWAL_GRACE_DAYS")
    return Q(renewed_ad__range=(on - timedelta(days=grace), on + timedelta(days=window)))


def renewal_state_q(state: str, on: date) -> Q:
    """`renewal_state(...) == state` as a WHERE clause over customers_customer."""
    notice, window, grace = policy("RENEWAL_NOTICE_DAYS"), policy("RENEWAL_WINDOW_DAYS"), policy("RENEWAL_GRACE_DAYS")
    renewed = _renewed_q(on)
    match state:
        case RenewalState.RENEWED:
            return renewed & Q(renewal_shortfall=0)
        case RenewalState.PARTIAL:
            return renewed & Q(renewal_shortfall__gt=0)
        case RenewalState.UPCOMING:
            return ~renewed & Q(anniversary_date__range=(on + timedelta(days=window + 1), on + timedelta(days=notice)))
        case RenewalState.READY:
            return ~renewed & Q(anniversary_date__range=(on + timedelta(days=1), on + timedelta(days=window)))
        case RenewalState.IN_GRACE:
            return ~renewed & Q(anniversary_date__range=(on - timedelta(days=grace), on))
        case RenewalState.LAPSED:
            return ~renewed & Q(anniversary_date__lt=on - timedelta(days=grace))
    return ~renewed & (Q(anniversary_date__isnull=True) | Q(anniversary_date__gt=on + timedelta(days=notice)))


# LIST-2's *Ready for Renewal*: inside the window (AD−30 … AD+30) and not fully renewed.
READY_STATES = frozenset({RenewalState.READY, RenewalState.IN_GRACE, RenewalState.PARTIAL})


def ready_for_renewal_q(on: date) -> Q:
    """`renewal_state(...) in READY_STATES` as a WHERE clause (LIST-2's Ready for Renewal), as short as it can be
    written: the list compiles it and PostgreSQL plans it on every request of that filter (NF-4). Not renewed
    and *ready* (AD from tomorrow to the end of the window) or *in grace* (AD from the start of grace to
    today): adjacent ranges, so one range of the AD; or *partially renewed*."""
    window, grace = policy("RENEWAL_WINDOW_DAYS"), policy("RENEWAL_GRACE_DAYS")
    in_window = Q(anniversary_date__range=(on - timedelta(days=grace), on + timedelta(days=window)))
    return (~_renewed_q(on) & in_window) | renewal_state_q(RenewalState.PARTIAL, on)


def renewal_state_sql(on: date) -> Case:
    """`renewal_state` as one SQL expression (the report's column, the renewals page)."""
    return Case(
        *(When(renewal_state_q(state, on), then=Value(state)) for state in RenewalState.values if state != "none"),
        default=Value(RenewalState.NONE),
        output_field=CharField(),
    )


def renewal_state_for(customer: Customer, on: date) -> str:
    return renewal_state(
        anniversary_date=customer.anniversary_date,
        renewed_ad=customer.renewed_ad,
        renewal_shortfall=customer.renewal_shortfall,
        on=on,
    )


# DASH-1: an invitation still pending after this many days is on the account manager's to-do list.
INVITATION_STALE_DAYS = 14


def invitation_stale_since(now: datetime) -> datetime:
    return now - timedelta(days=INVITATION_STALE_DAYS)


def is_invitation_stale(*, invitation_status: str, invited_at: datetime, now: datetime) -> bool:
    """DASH-1: the invitation has been pending for more than 14 days."""
    return invitation_status == InvitationStatus.PENDING and invited_at < invitation_stale_since(now)


def invitation_stale_q(now: datetime) -> Q:
    """`is_invitation_stale` in SQL (the customer list's `invitation=stale`, the home page's item)."""
    return Q(invitation_status=InvitationStatus.PENDING, invited_at__lt=invitation_stale_since(now))
