"""DASH-2: customers transferred away are a kind of lost customer in the home page's churn chart."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone

from console.home import HomeView
from reseller_change.models import CustomerTransfer


def transferred_away_per_month(view: HomeView, months: list[date]) -> dict[date, int]:
    """Customers that moved to another reseller, by the month they left (for *Managed by me*: those
    the member managed when they left)."""
    start = timezone.make_aware(datetime.combine(months[0], datetime.min.time()))
    transfers = CustomerTransfer.objects.filter(from_reseller=view.reseller, transferred_at__gte=start)
    if view.managed_by is not None:
        transfers = transfers.filter(previous_manager=view.managed_by)
    rows = transfers.annotate(month=TruncMonth("transferred_at")).order_by().values("month").annotate(n=Count(Value(1)))
    return {_as_date(row["month"]): row["n"] for row in rows}


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
