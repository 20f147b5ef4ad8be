"""What the reseller change puts on the home page: the codes awaiting use (DASH-1), and customers
transferred away as a kind of lost customer in the churn chart (DASH-2). Registered in
ResellerChangeConfig.ready()."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from django.db.models import Count, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import ngettext

from console.home import ROWS_SHOWN, HomeView, TodoFigure, TodoRow
from customers.home import customer_rows
from reseller_change.models import CodeState, CustomerTransfer
from reseller_change.selectors import sent_codes


def codes_figure(view: HomeView) -> TodoFigure:
    """DASH-1: the reseller's codes still pending (not used, expired or invalidated), the first to
    expire first; *Managed by me*: the codes the member sent. Links to the sent codes filtered the same."""
    now = timezone.now()
    codes = sent_codes(reseller=view.reseller, state=CodeState.PENDING, sent_by=view.managed_by, now=now)
    count = codes.count()
    url = view.url("reseller_change:codes", state=CodeState.PENDING)
    rows = []
    for code in codes.order_by("expires_at", "pk")[:ROWS_SHOWN] if count else []:
        left = code.expires_at - now
        rows.append(TodoRow(f"{code.vip_id} · {code.admin_email}", url, expires_in(left), left <= URGENT))
    return TodoFigure(count, rows, url)


# A code with a day or less left shows as urgent.
URGENT = timedelta(hours=24)


def expires_in(left: timedelta) -> str:
    """ "Expires in 5 hours" up to two days, then "Expires in 3 days" (rounded up: never says 0)."""
    hours = max(1, math.ceil(left.total_seconds() / 3600))
    if hours < 48:
        return ngettext("Expires in %(n)d hour", "Expires in %(n)d hours", hours) % {"n": hours}
    days = math.ceil(hours / 24)
    return ngettext("Expires in %(n)d day", "Expires in %(n)d days", days) % {"n": days}


def transferred_away_per_month(view: HomeView, months: list[date]) -> dict[date, int]:
    """Customers that moved to another reseller, by the month they left (for *Managed by me*: those
    the member managed when they left). Cached with the figures of the old reseller's customer rows
    (customer_rows): a transfer is only ever written with the move of its customer's row, in the same
    transaction (services._move), and never changed or deleted after."""

    def compute() -> dict[date, int]:
        start = timezone.make_aware(datetime.combine(months[0], datetime.min.time()))
        transfers = CustomerTransfer.objects.filter(from_reseller=view.reseller, transferred_at__gte=start)
        if view.managed_by is not None:
            transfers = transfers.filter(previous_manager=view.managed_by)
        rows = (
            transfers.annotate(month=TruncMonth("transferred_at"))
            .order_by()
            .values("month")
            .annotate(n=Count(Value(1)))
        )
        return {_as_date(row["month"]): row["n"] for row in rows}

    return customer_rows(view, f"home-transferred-away:1:{months[0]}:{len(months)}", compute)


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
