"""LIST-4/NF-4: a customer taken over by another reseller holds its new manager's email as its sort key
(Customer.managed_by_email, kept by the database; tests/customers/test_managed_by_email.py has the rest)."""

from __future__ import annotations

import pytest

from customers.models import Customer
from tests.reseller_change.conftest import code_from_outbox

pytestmark = pytest.mark.unscoped


def test_a_reseller_change_gives_the_new_managers_email(takeover):
    takeover.send()
    assert takeover.enter(code_from_outbox(takeover.owner.email), confirm=True).status_code == 302
    customer = Customer.objects.select_related("managed_by__user").get(pk=takeover.customer.pk)
    assert customer.reseller == takeover.triad.reseller_b
    assert customer.managed_by_email == customer.managed_by.user.email != takeover.triad.member_a.user.email
