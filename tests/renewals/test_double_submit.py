"""NF-3, REN-2: a double click on Place renewal order is never a second renewal order nor a 500. The form
carries a hidden submission key (kept through the previews), stored on the order like the Place order
form's (order_one_per_submission); the second submit of the same form — one after the other or at the
same moment on its own connection — places nothing and answers "This order was already placed"."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from customers.models import Customer
from purchase_auth.models import Order
from purchase_auth.services import orders
from purchase_auth.services.common import Line
from renewals.services import renewal_order_place
from tests.fixtures.renewals import AD
from tests.parallel import client_for, crashes, in_parallel
from tests.renewals.test_views import fingerprint, lines_post

READY_DAY = AD - timedelta(days=20)


@pytest.fixture(autouse=True)
def ready_day():
    """A day the renewal orders of `customer` (tests/fixtures/renewals.py) are open."""
    with time_machine.travel(READY_DAY, tick=False):
        yield


def _url(customer: Customer) -> str:
    return reverse("renewals:order", args=[customer.vip_id])


def _key_of(page) -> str:
    match = re.search(r'name="submission_key" value="([0-9a-f-]{36})"', page.content.decode())
    assert match, "the form carries its submission key"
    return match.group(1)


def _previewed(client, customer: Customer, product) -> dict[str, str]:
    """The form as the browser holds it after Preview: lines, key and what was previewed."""
    key = _key_of(client.get(_url(customer)))
    preview = client.post(_url(customer), lines_post((product.pk, 12)) | {"submission_key": key})
    assert _key_of(preview) == key  # the preview keeps the form's key
    return lines_post((product.pk, 12), action="place", previewed=fingerprint((product.pk, 12))) | {
        "submission_key": key
    }


def _renewal_orders():
    return Order.objects.with_scopes_disabled().filter(kind=Order.Kind.RENEWAL)


def test_a_resubmitted_renewal_order_form_places_one_order_and_says_it_was_placed(triad, customer, product):
    client = triad.client_for(triad.member_a)
    data = _previewed(client, customer, product)
    assert client.post(_url(customer), data).status_code == 302
    order = _renewal_orders().get()
    assert str(order.submission_key) == data["submission_key"]

    again = client.post(_url(customer), data)
    assert again.status_code == 200
    page = again.content.decode()
    assert f"This order was already placed: order {order.number}." in page
    assert f'href="/customers/{customer.vip_id}/?tab=orders"' in page
    assert _renewal_orders().count() == 1


def test_a_new_renewal_order_form_places_another_order(triad, customer, product):
    client = triad.client_for(triad.member_a)
    first, second = _previewed(client, customer, product), _previewed(client, customer, product)
    assert first["submission_key"] != second["submission_key"]
    for data in (first, second):
        assert client.post(_url(customer), data).status_code == 302
    assert _renewal_orders().count() == 2  # a second renewal order in the window adds licences (REN-3)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_clicks_on_place_renewal_order_place_one_order(triad, customer, product):
    data = _previewed(client_for(triad.member_a.user), customer, product)
    results = in_parallel(
        [lambda client: client.post(_url(customer), data)] * 2, prepare=lambda i: client_for(triad.member_a.user)
    )
    assert not crashes(results)
    assert sorted(r.status_code for r in results) == [200, 302]
    order = _renewal_orders().get()
    loser = next(r for r in results if r.status_code == 200)
    assert f"This order was already placed: order {order.number}." in loser.content.decode()
    assert str(order.submission_key) == data["submission_key"]


def test_the_service_refuses_a_second_renewal_order_of_one_submission(triad, customer, product):
    key = uuid.uuid4()
    place = dict(reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 5)])
    first = renewal_order_place(**place, submission_key=key)
    with pytest.raises(orders.OrderAlreadyPlaced) as refused:
        renewal_order_place(**place, submission_key=key)
    assert refused.value.order == first
    assert _renewal_orders().count() == 1
