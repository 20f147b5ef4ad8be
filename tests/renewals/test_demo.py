"""Issue 8 item 10: the demo data shows every renewal state, auto-renewal on and off, a partial renewal."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import Count

from console.clock import today
from customers.models import Customer
from customers.rules import RenewalState, renewal_state_sql
from purchase_auth.models import LicencePool, Order
from renewals.models import AutoRenewal


@pytest.mark.unscoped  # every reseller's demo customers, as an operator would see them
def test_the_demo_has_customers_in_every_renewal_state(db):
    call_command("seed_demo")
    states = dict(
        Customer.objects.annotate(renewal=renewal_state_sql(today()))
        .values_list("renewal")
        .annotate(n=Count("pk"))
        .values_list("renewal", "n")
    )
    for state in RenewalState.values:
        assert states.get(state, 0) > 0, f"no demo customer is {state}: {states}"
    assert AutoRenewal.objects.filter(enabled=False).exists()
    assert LicencePool.objects.filter(expired__gt=0).exists() and LicencePool.objects.filter(grace__gt=0).exists()
    renewal = Order.objects.filter(kind=Order.Kind.RENEWAL).first()
    assert renewal is not None and renewal.lines.get().months == 12
    counts = (Customer.objects.count(), Order.objects.count(), AutoRenewal.objects.count())
    call_command("seed_demo")
    assert (Customer.objects.count(), Order.objects.count(), AutoRenewal.objects.count()) == counts
