"""The one clock and the policy numbers: everything that depends on "today" asks here, so tests move
time with time-machine and operators change a *(policy)* number in one setting."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils import timezone


def today() -> date:
    """Today's calendar date in the project's TIME_ZONE."""
    return timezone.localdate()


def policy(key: str) -> int:
    """A SPEC *(policy)* number from `settings.VIP_POLICY` (environment variables `POLICY_…`)."""
    return int(settings.VIP_POLICY[key])
