"""NF-4: the renewals page's figures per month and state and its pages' order are cached under the reseller's
CustomerListVersion and the day, so they are exact the moment a write commits and the moment the date
changes; what a row shows from elsewhere (auto-renewal) is read afresh. These tests commit for real
(transaction=True): the cache is only used outside a transaction that has written."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from renewals.models import AutoRenewal
from tests.factories import CustomerFactory, LicencePoolFactory, ProductFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.unscoped]

TODAY = date(2027, 3, 15)
URL = "/renewals/"
CELLS_SQL = 'COUNT("customers_customer"."id")'  # the grouped scans of pipeline_cells
IDS_SQL = "UNION ALL"  # pipeline_page_ids


def _view(client, **params) -> tuple[str, int, int]:
    """The page, how many cell queries and how many page-id queries it ran."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params)
    assert response.status_code == 200
    queries = [q["sql"] for q in captured.captured_queries]
    return response.content.decode(), sum(CELLS_SQL in q for q in queries), sum(IDS_SQL in q for q in queries)


def _count(html: str, key: str) -> int:
    match = re.search(rf'data-count="{key}">(\d+)<', html)
    assert match, key
    return int(match.group(1))


def _vips(html: str) -> list[str]:
    return re.findall(r'<tr data-vip="([0-9A-F]{20})"', html)


def _customer(triad, days_to_ad: int, quantity: int = 2) -> Customer:
    customer = CustomerFactory(managed_by=triad.member_a, anniversary_date=TODAY + timedelta(days=days_to_ad))
    LicencePoolFactory(customer=customer, product=ProductFactory(), fulfilled=quantity)
    return customer


@time_machine.travel(TODAY, tick=False)
def test_the_figures_and_the_page_are_cached_until_a_committed_write_changes_them(triad):
    first = _customer(triad, 10)
    client = triad.client_for(triad.member_a)
    html, cells, ids = _view(client)
    assert _count(html, "ready") == 1 and _vips(html) == [first.vip_id] and (cells, ids) == (2, 1)
    again, cells, ids = _view(client)
    assert _vips(again) == _vips(html) and _count(again, "ready") == 1
    assert (cells, ids) == (0, 0), "the second view reads the figures and the order from the cache"

    second = _customer(triad, 5)  # committed: the very next view counts and lists it
    html, cells, ids = _view(client)
    assert _count(html, "ready") == 2 and _vips(html) == [second.vip_id, first.vip_id] and (cells, ids) == (2, 1)

    # A set-based UPDATE (as the periodic job writes) is a write too.
    Customer.objects.filter(pk=second.pk).update(anniversary_date=TODAY - timedelta(days=3))
    html, cells, _ids = _view(client)
    assert (_count(html, "ready"), _count(html, "in_grace")) == (1, 1) and cells == 2


@time_machine.travel(TODAY, tick=False)
def test_a_row_shows_a_changed_auto_renewal_from_a_cached_page(triad):
    customer = _customer(triad, 10)
    client = triad.client_for(triad.member_a)
    assert 'data-auto="on"' in _view(client)[0]
    AutoRenewal.objects.create(
        reseller=triad.reseller_a,
        customer=customer,
        enabled=False,
        updated_at=customer.created_at,
        updated_by=triad.admin_a.user,
    )
    html, cells, ids = _view(client)
    assert (cells, ids) == (0, 0) and 'data-auto="off"' in html and 'data-auto="on"' not in html


def test_the_figures_and_the_page_follow_the_date(triad):
    customer = _customer(triad, 1)  # ready today, in grace from tomorrow (its AD)
    with time_machine.travel(TODAY, tick=False):
        client = triad.client_for(triad.member_a)
        html = _view(client)[0]
        assert (_count(html, "ready"), _count(html, "in_grace")) == (1, 0) and "data-days>1<" in html
        assert _view(client)[1:] == (0, 0)  # cached for today
    with time_machine.travel(TODAY + timedelta(days=1), tick=False):
        html, cells, ids = _view(client)
    assert (_count(html, "ready"), _count(html, "in_grace")) == (0, 1) and (cells, ids) == (2, 1)
    assert _vips(html) == [customer.vip_id] and "data-days>0<" in html


@time_machine.travel(TODAY, tick=False)
def test_mine_and_each_view_are_cached_apart(triad):
    mine = _customer(triad, 10)
    theirs = CustomerFactory(managed_by=triad.admin_a, anniversary_date=TODAY + timedelta(days=20))
    client = triad.client_for(triad.member_a)
    assert _vips(_view(client)[0]) == [mine.vip_id, theirs.vip_id]
    html, cells, ids = _view(client, mine="on")
    assert _vips(html) == [mine.vip_id] and _count(html, "all") == 1 and (cells, ids) == (2, 1)
    html, cells, ids = _view(client, sort="-ad")
    assert _vips(html) == [theirs.vip_id, mine.vip_id] and (cells, ids) == (0, 1), "same figures, another order"
    # The rows query is compiled once per process (pipeline._rows_statement): another reseller's page, and
    # its Managed by me, still read its own customers only.
    other = CustomerFactory(managed_by=triad.member_b, anniversary_date=TODAY + timedelta(days=10))
    other_reseller = triad.client_for(triad.member_b)
    assert _vips(_view(other_reseller)[0]) == [other.vip_id]
    assert _vips(_view(other_reseller, mine="on")[0]) == [other.vip_id]
