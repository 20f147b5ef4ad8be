"""The reseller change rules (RC-3, RC-4, RC-6, RC-7), each written once and used by the services,
the pages and the periodic job."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from console.clock import policy
from reseller_change.models import CodeState


def code_lifetime() -> timedelta:
    """RC-3: how long a code is valid (72 hours, policy)."""
    return timedelta(hours=policy("RESELLER_CHANGE_CODE_HOURS"))


def codes_per_day() -> int:
    """RC-4: codes a reseller may send per calendar day in TIME_ZONE, wrong pairs included (5, policy)."""
    return policy("RESELLER_CHANGE_CODES_PER_DAY")


def failures_per_hour() -> int:
    """RC-6: failed code entries per customer admin per hour (5, policy)."""
    return policy("RESELLER_CHANGE_FAILURES_PER_HOUR")


def sending_day(now: datetime) -> date:
    """The day a code counts on: the calendar date in the project's TIME_ZONE (RC-4)."""
    return timezone.localdate(now)


def expired_q(now: datetime) -> Q:
    """RC-6 as SQL: pending codes whose time is up (`ResellerChangeCode.state_at` in Python)."""
    return Q(state=CodeState.PENDING, expires_at__lte=now)
