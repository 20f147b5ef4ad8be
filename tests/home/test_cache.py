"""NF-4/DASH-3: the home page's figures read from the customer rows (counts, the first rows of the customer
items, the pipeline and the new and lost customers) are cached under the reseller's CustomerListVersion and
the day, so the page is the page computed afresh the moment a write commits and the moment the date
changes. These tests commit for real (transaction=True): nothing is cached in a transaction that wrote."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer, InvitationStatus
from customers.rules import INVITATION_STALE_DAYS
from tests.factories import CustomerFactory
from tests.home.conftest import NOW

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/"
CUSTOMER_QUERY = 'FROM "customers_customer"'
CSRF = re.compile(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+')


def _page(client, params=None) -> tuple[str, int]:
    """The page (its CSRF tokens blanked) and how many queries read the customer rows."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params or {})
    assert response.status_code == 200
    return CSRF.sub(r"\1", response.content.decode()), sum(CUSTOMER_QUERY in q["sql"] for q in captured)


def _afresh(client, params=None) -> str:
    cache.clear()
    return _page(client, params)[0]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("params", [{}, {"mine": "on"}])
def test_the_second_view_reads_the_figures_from_the_cache(triad, books, params):
    client = triad.client_for(triad.member_a)
    first, queries = _page(client, params)
    again, cached_queries = _page(client, params)
    assert again == first
    assert queries >= 9 and cached_queries == 0


def test_a_committed_write_shows_on_the_next_view(triad, books):
    client = triad.client_for(triad.member_a)
    before, _queries = _page(client)
    Customer.objects.filter(pk=books["member_a"]["pending_pa"].pk).update(
        open_pa_min_due=NOW.date() - timedelta(days=1)
    )
    after, queries = _page(client)
    assert queries > 0, "the write raised the version: the figures are read again"
    assert after != before
    assert item_counts_of(after)["past_due"] == item_counts_of(before)["past_due"] + 1
    assert after == _afresh(client)


def test_a_customer_removed_by_the_service_leaves_the_figures_at_once(triad, books):
    from customers import services

    client = triad.client_for(triad.member_a)
    before, _queries = _page(client, {"mine": "on"})
    services.customer_remove(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=books["member_a"]["no_products"].vip_id
    )
    after, _queries = _page(client, {"mine": "on"})
    assert after != before
    assert after == _afresh(client, {"mine": "on"})


def test_the_next_day_is_computed_afresh(triad, books):
    client = triad.client_for(triad.member_a)
    today, _queries = _page(client)
    # Ten days on, Pending PA Org (due in 3 days) is past due.
    with time_machine.travel(NOW + timedelta(days=10), tick=False):
        later, queries = _page(client)
        assert queries > 0
        assert item_counts_of(later)["past_due"] == item_counts_of(today)["past_due"] + 2
        assert later == _afresh(client)


def item_counts_of(html: str) -> dict[str, int]:
    return {name: int(n) for name, n in re.findall(r'data-count="(\w+)">(\d+)<', html)}


def test_an_invitation_turning_stale_later_today_is_counted_at_once(triad, books):
    """The stale invitations follow the clock's time, not only the day: the entry holds until the oldest
    invitation not yet stale turns stale."""
    CustomerFactory(
        managed_by=triad.member_a,
        invitation_status=InvitationStatus.PENDING,
        invited_at=NOW - timedelta(days=INVITATION_STALE_DAYS) + timedelta(hours=1),
    )
    client = triad.client_for(triad.member_a)
    now, _queries = _page(client)
    with time_machine.travel(NOW + timedelta(minutes=59), tick=False):
        before, queries = _page(client)
        assert queries == 0 and item_counts_of(before) == item_counts_of(now)
    with time_machine.travel(NOW + timedelta(minutes=61), tick=False):
        after, queries = _page(client)
        assert queries > 0
        assert item_counts_of(after)["stale_invitations"] == item_counts_of(now)["stale_invitations"] + 1
        assert after == _afresh(client)
