"""The customer-list rules (LIST-2) as one set of date windows, used both as SQL (`filter_q`) and in
Python (`customer_flags`). Everything is a function of stored columns and *today*, so a customer moves
between filters the moment the date changes, with no job run (JOB-4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q, TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def today() -> date:
    """Today's calendar date in the project's TIME_ZONE (the one clock)."""
    return timezone.localdate()


def policy(key: str) -> int:
    return settings.VIP_POLICY[key]


class CustomerFilter(TextChoices):
    NO_PRODUCTS = "no_products", _("No Products")
    PENDING = "pending", _("Pending Requests")
    PAST_DUE = "past_due", _("Past Due Requests")
    UPCOMING = "upcoming", _("Upcoming Renewals")
    READY = "ready", _("Ready for Renewal")
    ALL = "all", _("All Customers")


@dataclass(frozen=True)
class Windows:
    """Inclusive ranges of dates, computed from today and the policies."""

    upcoming_ad: tuple[date, date]  # AD-45 … AD-31: the AD lies 31…45 days ahead
    ready_ad: tuple[date, date]  # AD-30 … AD+30 grace: the AD lies 30 days back … 30 days ahead
    suspended_due_before: date  # an open PA whose due date is before this is suspended (PA-2)


def windows(on: date) -> Windows:
    notice, window, grace = policy("RENEWAL_NOTICE_DAYS"), policy("RENEWAL_WINDOW_DAYS"), policy("RENEWAL_GRACE_DAYS")
    overdue_days = policy("PA_SUSPEND_AFTER_DAYS") - policy("PA_DUE_DAYS")  # overdue until day 60 after creation
    return Windows(
        upcoming_ad=(on + timedelta(days=window + 1), on + timedelta(days=notice)),
        ready_ad=(on - timedelta(days=grace), on + timedelta(days=window)),
        suspended_due_before=on - timedelta(days=overdue_days),
    )


def filter_q(customer_filter: str, on: date) -> Q:
    """LIST-2 as a WHERE clause over customers_customer."""
    w = windows(on)
    match customer_filter:
        case CustomerFilter.NO_PRODUCTS:
            return Q(has_products=False)
        case CustomerFilter.PENDING:
            return Q(open_pa_max_due__gte=on)
        case CustomerFilter.PAST_DUE:
            return Q(open_pa_min_due__lt=on)
        case CustomerFilter.UPCOMING:
            return Q(anniversary_date__range=w.upcoming_ad)
        case CustomerFilter.READY:
            return Q(anniversary_date__range=w.ready_ad)
    return Q()


def _within(value: date | None, bounds: tuple[date, date]) -> bool:
    return value is not None and bounds[0] <= value <= bounds[1]


def customer_flags(
    *,
    has_products: bool,
    open_pa_min_due: date | None,
    open_pa_max_due: date | None,
    anniversary_date: date | None,
    on: date,
) -> dict[str, bool]:
    """The same rules as `filter_q`, for one customer: which filters hold and which badge to show."""
    w = windows(on)
    past_due = open_pa_min_due is not None and open_pa_min_due < on
    return {
        CustomerFilter.NO_PRODUCTS: not has_products,
        CustomerFilter.PENDING: open_pa_max_due is not None and open_pa_max_due >= on,
        CustomerFilter.PAST_DUE: past_due,
        "suspended": past_due and open_pa_min_due < w.suspended_due_before,  # type: ignore[operator]
        CustomerFilter.UPCOMING: _within(anniversary_date, w.upcoming_ad),
        CustomerFilter.READY: _within(anniversary_date, w.ready_ad),
    }
