"""REN-8 on its boundary days, and the state in SQL agreeing with the function (the list filters, the
report column and the renewals page read the SQL; the badge reads the function)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from customers.models import Customer
from customers.rules import (
    CustomerFilter,
    RenewalState,
    customer_flags_for,
    filter_q,
    renewal_state,
    renewal_state_sql,
)
from tests.factories import CustomerFactory

AD = date(2027, 3, 1)


@pytest.mark.parametrize(
    ("days_from_ad", "state"),
    [
        (-46, RenewalState.NONE),
        (-45, RenewalState.UPCOMING),  # REN-1: notified from AD−45
        (-31, RenewalState.UPCOMING),
        (-30, RenewalState.READY),  # REN-2: the window opens at AD−30
        (-1, RenewalState.READY),
        (0, RenewalState.IN_GRACE),  # REN-4: the AD passed, not renewed
        (30, RenewalState.IN_GRACE),
        (31, RenewalState.LAPSED),
        (400, RenewalState.LAPSED),
    ],
)
def test_the_state_of_a_customer_that_did_not_renew(days_from_ad, state):
    on = AD + timedelta(days=days_from_ad)
    assert renewal_state(anniversary_date=AD, renewed_ad=None, renewal_shortfall=0, on=on) == state


@pytest.mark.parametrize(
    ("days_from_old_ad", "shortfall", "state"),
    [
        (-30, 0, RenewalState.RENEWED),
        (0, 0, RenewalState.RENEWED),
        (30, 0, RenewalState.RENEWED),
        (31, 0, RenewalState.NONE),  # the old window closed; the new AD is a year away
        (-10, 5, RenewalState.PARTIAL),
        (30, 5, RenewalState.PARTIAL),
        (31, 5, RenewalState.NONE),
    ],
)
def test_a_renewed_customer_is_renewed_until_its_old_window_closes(days_from_old_ad, shortfall, state):
    on = AD + timedelta(days=days_from_old_ad)
    new_ad = date(2028, 3, 1)
    assert renewal_state(anniversary_date=new_ad, renewed_ad=AD, renewal_shortfall=shortfall, on=on) == state


def test_no_anniversary_date_is_no_renewal():
    assert renewal_state(anniversary_date=None, renewed_ad=None, renewal_shortfall=0, on=AD) == RenewalState.NONE


def test_a_29_february_anniversary_counts_its_window_in_days():
    leap = date(2028, 2, 29)
    assert renewal_state(anniversary_date=leap, renewed_ad=None, renewal_shortfall=0, on=date(2028, 1, 30)) == (
        RenewalState.READY
    )
    assert renewal_state(anniversary_date=leap, renewed_ad=None, renewal_shortfall=0, on=date(2028, 1, 29)) == (
        RenewalState.UPCOMING
    )


@pytest.mark.parametrize("offset", range(-50, 40, 3))
@pytest.mark.parametrize(("renewed", "shortfall"), [(False, 0), (True, 0), (True, 3)])
def test_sql_filters_and_state_agree_with_the_python_rule(triad, offset, renewed, shortfall):
    on = AD + timedelta(days=offset)
    customer = CustomerFactory(
        managed_by=triad.member_a,
        has_products=True,
        anniversary_date=date(2028, 3, 1) if renewed else AD,
        renewed_ad=AD if renewed else None,
        renewal_shortfall=shortfall,
    )
    rows = Customer.objects.filter(pk=customer.pk)
    expected = renewal_state(
        anniversary_date=customer.anniversary_date,
        renewed_ad=customer.renewed_ad,
        renewal_shortfall=customer.renewal_shortfall,
        on=on,
    )
    assert rows.annotate(state=renewal_state_sql(on)).get().state == expected
    flags = customer_flags_for(customer, on)
    for value in (CustomerFilter.UPCOMING, CustomerFilter.READY):
        assert rows.filter(filter_q(value, on)).exists() == flags[value], value
    # LIST-2: the renewal filters exclude fully renewed customers.
    if expected == RenewalState.RENEWED:
        assert not flags[CustomerFilter.READY] and not flags[CustomerFilter.UPCOMING]
