"""LIST-4/NF-4: a customer taken over by another reseller is found by the new reseller's search and no longer
by the old one's (CustomerSearch, kept by the database; tests/customers/test_customer_search.py has the rest)."""

from __future__ import annotations

from datetime import date

import pytest
from django_scopes import scope

from customers import selectors
from customers.models import CustomerSearch
from tests.reseller_change.conftest import code_from_outbox

pytestmark = pytest.mark.unscoped
ON = date(2026, 3, 10)


def test_a_reseller_change_moves_the_customers_search_row(takeover):
    takeover.send()
    assert takeover.enter(code_from_outbox(takeover.owner.email), confirm=True).status_code == 302
    assert CustomerSearch.objects.get(pk=takeover.customer.pk).reseller == takeover.triad.reseller_b
    with scope(reseller=takeover.triad.reseller_a):
        assert not selectors.customer_list(reseller=takeover.triad.reseller_a, on=ON, query="harbor").exists()
    with scope(reseller=takeover.triad.reseller_b):
        found = selectors.customer_list(reseller=takeover.triad.reseller_b, on=ON, query="harbor")
        assert [customer.pk for customer in found] == [takeover.customer.pk]
