"""Purchasing rules as pure functions, shared by the request path and the periodic job (JOB-4). The PA-2
payment rule (pending → overdue → suspended) lives in `customers.rules`, which the customer list needs."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings

from console.accounts.models import MarketSegment

CENT = Decimal("0.01")

# CAT-3: (lowest quantity, level) from the top.
VOLUME_LEVELS = [(100, "04"), (50, "03"), (10, "02"), (1, "01")]
COMMIT_LEVELS: dict[str, dict[str, str]] = {
    MarketSegment.COMMERCIAL: {"02": "12", "03": "13", "04": "14"},
    MarketSegment.GOVERNMENT: {"02": "12", "03": "13", "04": "14"},
    MarketSegment.EDUCATION: {"02": "02", "03": "03", "04": "04"},
}
VIP_SELECT_MINIMUM = 10


def volume_level(quantity: int) -> str:
    """CAT-3: the discount level that `quantity` qualifying licences reach."""
    return next(level for lowest, level in VOLUME_LEVELS if quantity >= lowest) if quantity >= 1 else "01"


def level_bounds() -> list[tuple[str, tuple[int, int | None]]]:
    """CAT-3: each volume level with its lowest and highest quantity (None: no upper bound), from 01 up."""
    ascending = sorted(VOLUME_LEVELS)
    return [
        (level, (lowest, ascending[i + 1][0] - 1 if i + 1 < len(ascending) else None))
        for i, (lowest, level) in enumerate(ascending)
    ]


def next_level(quantity: int) -> tuple[str, int] | None:
    """ORD-3/CAT-3: the next volume level above what `quantity` qualifying licences reach, and how many
    more licences reach it (01 is where everyone starts, so 0 licences are 10 short of 02); None at the top."""
    current = volume_level(quantity)
    for lowest, level in sorted(VOLUME_LEVELS):
        if level > current and quantity < lowest:
            return level, lowest - quantity
    return None


def commit_level(segment: str, quantity: int) -> str:
    """CAT-3: the three-year-commit level for a committed quantity (at least 10)."""
    return COMMIT_LEVELS[segment][volume_level(max(quantity, VIP_SELECT_MINIMUM))]


def first_anniversary(start: date) -> date:
    """PA-5: 12 months after the initial purchase authorization or order."""
    return start + relativedelta(months=12)


def months_to_anniversary(on: date, anniversary: date) -> int:
    """ORD-2: whole months from `on` to the Anniversary Date, counted on the AD's day of the month; a
    started month counts whole (no partial months): the smallest n with AD − n months ≤ on. At least 1."""
    months = max((anniversary.year - on.year) * 12 + (anniversary.month - on.month) - 1, 1)
    while anniversary - relativedelta(months=months) > on:
        months += 1
    return months


def line_total(*, unit_price: Decimal, quantity: int, months: int) -> Decimal:
    """ORD-2/ORD-7: yearly price × quantity × months / 12, rounded half-up to cents, in Decimal."""
    return (unit_price * quantity * months / Decimal(12)).quantize(CENT, rounding=ROUND_HALF_UP)


def return_last_day(ordered_on: date) -> date:
    """ORD-5: an order can be returned up to and including 14 days (policy) after its date."""
    return ordered_on + timedelta(days=settings.VIP_POLICY["RETURN_DAYS"])


def is_returnable_on(ordered_on: date, on: date) -> bool:
    """ORD-5: whether the return window of an order placed on `ordered_on` is open on `on`."""
    return on <= return_last_day(ordered_on)
