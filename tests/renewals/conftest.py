"""The renewing customer most renewal tests start from."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from purchase_auth.services import orders
from purchase_auth.services.common import Line
from tests.factories import CustomerFactory, ProductFactory

BOUGHT = date(2026, 3, 10)
AD = date(2027, 3, 10)


@pytest.fixture
def product(db):
    return ProductFactory(code="SUITE-R", name="Design Suite")


@pytest.fixture
def customer(triad, product, django_capture_on_commit_callbacks):
    """A customer who bought 20 licences on BOUGHT: its AD is a year later."""
    customer = CustomerFactory(managed_by=triad.member_a, segment="COM", name="Renewing Co")
    with time_machine.travel(BOUGHT, tick=False), django_capture_on_commit_callbacks(execute=True):
        orders.order_place(
            reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 20)]
        )
    customer.refresh_from_db()
    assert customer.anniversary_date == AD
    return customer
