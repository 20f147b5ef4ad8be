"""NF-4: the list's filter counts are cached, and exact the moment a write commits and the moment the date
changes. These tests commit for real (transaction=True): the cache is only used outside a transaction that
has written, which is never the case inside an ordinary (rolled-back) test."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from customers import selectors
from customers.models import Customer, CustomerListVersion
from tests.customers.test_invitations import invite_data
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.unscoped]

TODAY = date(2026, 3, 10)
COUNTS_SQL = 'COUNT(1) FILTER (WHERE NOT "customers_customer"."has_products")'


def _counts(client) -> tuple[dict[str, str], int]:
    """The badges of the filter rail, and how many count queries the page ran."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("customers:list"))
    assert response.status_code == 200
    badges = response.context["counts"]
    return dict(badges), sum(COUNTS_SQL in q["sql"] for q in captured.captured_queries)


def _version(reseller) -> int:
    row = CustomerListVersion.objects.filter(reseller=reseller).first()
    return row.version if row else 0


@time_machine.travel(TODAY, tick=False)
def test_counts_are_cached_until_a_committed_write_changes_them(triad):
    CustomerFactory.create_batch(2, managed_by=triad.member_a, open_pa_max_due=TODAY + timedelta(days=3))
    client = triad.client_for(triad.member_a)
    first, queries = _counts(client)
    assert first["all"] == 2 and first["pending"] == 2 and queries == 1
    again, queries = _counts(client)
    assert again == first and queries == 0, "the second page view reads the counts from the cache"

    # A service write (the invitation), committed: the very next page counts it.
    from customers import services

    services.customer_invite(
        reseller=triad.reseller_a, actor=triad.member_a.user, managed_by=triad.member_a, data=invite_data()
    )
    after_invite, queries = _counts(client)
    assert after_invite["all"] == 3 and queries == 1

    # A raw set-based UPDATE (as the periodic job writes) is a write too.
    Customer.objects.filter(reseller=triad.reseller_a).update(open_pa_max_due=None)
    after_update, queries = _counts(client)
    assert after_update["pending"] == 0 and after_update["all"] == 3 and queries == 1


def test_counts_follow_the_date(triad):
    CustomerFactory(managed_by=triad.member_a, open_pa_min_due=TODAY, open_pa_max_due=TODAY)
    client = triad.client_for(triad.member_a)
    with time_machine.travel(TODAY, tick=False):
        assert _counts(client)[0]["pending"] == 1
        assert _counts(client)[1] == 0  # cached for today
    with time_machine.travel(TODAY + timedelta(days=1), tick=False):
        tomorrow, queries = _counts(client)
    assert tomorrow["pending"] == 0 and tomorrow["past_due"] == 1 and queries == 1


def test_the_counter_moves_once_per_statement_for_the_resellers_written_only(triad):
    mine = CustomerFactory(managed_by=triad.member_a)
    CustomerFactory(managed_by=triad.member_b)
    a, b = _version(triad.reseller_a), _version(triad.reseller_b)
    assert a >= 1 and b >= 1
    CustomerFactory.create_batch(3, managed_by=triad.member_a)
    assert _version(triad.reseller_a) == a + 3 and _version(triad.reseller_b) == b
    Customer.objects.filter(reseller=triad.reseller_a).update(city="Lviv")
    assert _version(triad.reseller_a) == a + 4, "one UPDATE of four rows raises the counter once"
    Customer.objects.filter(pk=mine.pk).update(reseller=triad.reseller_b, managed_by=triad.member_b)
    assert (_version(triad.reseller_a), _version(triad.reseller_b)) == (a + 5, b + 1), "both sides of a move"
    Customer.objects.filter(pk=mine.pk).delete()
    assert _version(triad.reseller_b) == b + 2


@time_machine.travel(TODAY, tick=False)
def test_a_transaction_that_wrote_sees_its_own_write_and_caches_nothing(triad):
    CustomerFactory(managed_by=triad.member_a)
    with scopes_disabled():
        assert selectors.customer_counts_cached(reseller=triad.reseller_a, on=TODAY)["all"] == 1
        with transaction.atomic():
            CustomerFactory(managed_by=triad.member_a)
            assert selectors.customer_counts_cached(reseller=triad.reseller_a, on=TODAY)["all"] == 2
            transaction.set_rollback(True)
        assert selectors.customer_counts_cached(reseller=triad.reseller_a, on=TODAY)["all"] == 1
        version = _version(triad.reseller_a)
        assert cache.get(f"customer-counts:1:{triad.reseller_a.pk}:all:{TODAY}:{version}") == {
            **selectors.customer_counts(reseller=triad.reseller_a, on=TODAY)
        }


def test_mine_is_counted_apart(triad):
    CustomerFactory(managed_by=triad.member_a)
    CustomerFactory(managed_by=triad.admin_a)
    with scopes_disabled(), time_machine.travel(TODAY, tick=False):
        assert selectors.customer_counts_cached(reseller=triad.reseller_a, on=TODAY)["all"] == 2
        mine = selectors.customer_counts_cached(reseller=triad.reseller_a, on=TODAY, managed_by=triad.member_a)
        assert mine["all"] == 1
