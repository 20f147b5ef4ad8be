"""ORD-2, ORD-7, CAT-3, PA-2, PA-5 as pure functions: proration by whole months on month ends,
29 February and leap years; Decimal money rounded half-up."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from customers.models import Customer
from customers.rules import payment_due_date, payment_state, payment_state_sql, payment_suspends_on
from purchase_auth import rules
from tests.factories import CustomerFactory


@pytest.mark.parametrize(
    ("on", "anniversary", "months"),
    [
        (date(2026, 3, 10), date(2026, 7, 15), 5),  # a started month counts whole
        (date(2026, 3, 15), date(2026, 7, 15), 4),  # on the proration day: exactly 4
        (date(2026, 3, 16), date(2026, 7, 15), 4),
        (date(2026, 7, 14), date(2026, 7, 15), 1),
        (date(2026, 7, 15), date(2026, 7, 15), 1),
        (date(2026, 1, 31), date(2026, 2, 28), 1),  # month end
        (date(2026, 1, 30), date(2026, 3, 31), 3),  # Feb 28 proration day < Jan 30 → three started months
        (date(2026, 2, 28), date(2026, 3, 31), 1),
        (date(2026, 3, 1), date(2027, 3, 1), 12),
        (date(2024, 2, 29), date(2025, 2, 28), 12),  # leap day to the next year's last February day
        (date(2027, 3, 1), date(2028, 2, 29), 12),  # into a leap year
        (date(2028, 2, 29), date(2028, 8, 31), 6),  # Feb 29 is that month's (clamped) proration day
        (date(2026, 6, 15), date(2029, 6, 15), 36),  # extended term paid up front
    ],
)
def test_months_to_anniversary_counts_whole_months_on_the_proration_day(on, anniversary, months):
    assert rules.months_to_anniversary(on, anniversary) == months


@pytest.mark.parametrize(
    ("unit_price", "quantity", "months", "total"),
    [
        (Decimal("120.00"), 1, 12, Decimal("120.00")),
        (Decimal("120.00"), 1, 1, Decimal("10.00")),
        (Decimal("99.99"), 3, 7, Decimal("174.98")),  # 174.9825 → half-up
        (Decimal("0.05"), 1, 1, Decimal("0.00")),  # 0.004166…
        (Decimal("0.06"), 1, 1, Decimal("0.01")),  # 0.005 → half-up to 0.01
        (Decimal("29.99"), 200000, 11, Decimal("5498166.67")),
    ],
)
def test_line_totals_are_exact_decimals_rounded_half_up(unit_price, quantity, months, total):
    result = rules.line_total(unit_price=unit_price, quantity=quantity, months=months)
    assert result == total and isinstance(result, Decimal) and result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("quantity", "level"), [(1, "01"), (9, "01"), (10, "02"), (49, "02"), (50, "03"), (99, "03"), (100, "04")]
)
def test_volume_levels(quantity, level):
    assert rules.volume_level(quantity) == level


@pytest.mark.parametrize(
    ("segment", "quantity", "level"),
    [("COM", 10, "12"), ("GOV", 75, "13"), ("COM", 500, "14"), ("EDU", 10, "02"), ("EDU", 100, "04")],
)
def test_three_year_commit_levels(segment, quantity, level):
    assert rules.commit_level(segment, quantity) == level


@pytest.mark.parametrize(
    ("day", "state"),
    [(0, "pending"), (14, "pending"), (15, "overdue"), (60, "overdue"), (61, "suspended"), (400, "suspended")],
)
def test_purchase_authorizations_go_overdue_then_suspended(day, state):
    created = date(2026, 1, 1)
    due, suspends_on = payment_due_date(created), payment_suspends_on(created)
    assert payment_state(due_date=due, suspends_on=suspends_on, on=created + timedelta(days=day)) == state


@pytest.mark.unscoped
@pytest.mark.parametrize("offset", range(-3, 4))
@pytest.mark.parametrize("state", ["pending", "overdue", "suspended"])
def test_the_payment_state_in_sql_is_the_python_rule(db, offset, state):
    """One rule, two evaluations: the SQL expression the job and the report use gives what the
    function gives, on every side of both boundaries."""
    due, suspends_on = date(2026, 1, 15), date(2026, 3, 3)
    on = {"pending": due, "overdue": due + timedelta(days=1), "suspended": suspends_on}[state] + timedelta(offset)
    customer = CustomerFactory(open_pa_min_due=due, open_pa_min_suspends=suspends_on, has_products=True)
    in_sql = Customer.objects.filter(pk=customer.pk).annotate(
        s=payment_state_sql(on, due_date="open_pa_min_due", suspends_on="open_pa_min_suspends")
    )
    assert in_sql.get().s == payment_state(due_date=due, suspends_on=suspends_on, on=on)


def test_the_first_anniversary_is_twelve_months_later_even_from_29_february():
    assert rules.first_anniversary(date(2028, 2, 29)) == date(2029, 2, 28)
    assert rules.first_anniversary(date(2026, 8, 31)) == date(2027, 8, 31)
