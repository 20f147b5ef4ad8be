"""The day, customer and product the purchasing tests start from."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from tests.factories import CustomerFactory, ProductFactory

TODAY = date(2026, 3, 10)
MID_TERM_AD = date(2026, 10, 10)  # 7 months after TODAY: an add-on order is prorated (ORD-2)


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def customer(triad):
    """A new commercial customer: its first order or purchase authorization sets its Anniversary Date."""
    return CustomerFactory(managed_by=triad.member_a, segment="COM")


@pytest.fixture
def mid_term_customer(triad):
    """A commercial customer in the middle of its term: its Anniversary Date is MID_TERM_AD."""
    return CustomerFactory(managed_by=triad.member_a, segment="COM", anniversary_date=MID_TERM_AD)


@pytest.fixture
def product(db):
    return ProductFactory(code="SUITE-T", name="Design Suite")
