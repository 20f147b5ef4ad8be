"""NF-3, ORD-1: a double click is never a duplicate. The Place order form carries a hidden submission key
(kept through the price previews); the second submit of the same form — one after the other or truly at
the same moment — places no second order and answers "This order was already placed" with a link. The
database holds it (order_one_per_submission)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from purchase_auth.models import Order
from purchase_auth.services import orders
from purchase_auth.services.common import Line
from tests.factories import CustomerFactory, OrderFactory, lines_data
from tests.parallel import client_for, crashes, in_parallel

pytestmark = pytest.mark.usefixtures("frozen")


def _key_of(page) -> str:
    match = re.search(r'name="submission_key" value="([0-9a-f-]{36})"', page.content.decode())
    assert match, "the form carries its submission key"
    return match.group(1)


def _previewed(client, url: str, product) -> dict[str, str]:
    """The form as the browser holds it after "Preview prices": lines, key and what was previewed."""
    key = _key_of(client.get(url))
    preview = client.post(url, {**lines_data((product.pk, 3)), "action": "preview", "submission_key": key})
    assert _key_of(preview) == key  # the preview keeps the form's key
    return {
        **lines_data((product.pk, 3)),
        "action": "place",
        "previewed": preview.context["previewed"],
        "submission_key": key,
    }


def test_a_resubmitted_order_form_places_one_order_and_says_it_was_placed(
    triad, member_client, mid_term_customer, product
):
    url = reverse("purchasing:order_place", args=[mid_term_customer.vip_id])
    data = _previewed(member_client, url, product)
    assert member_client.post(url, data).status_code == 302
    order = Order.objects.get()
    assert str(order.submission_key) == data["submission_key"]

    again = member_client.post(url, data)
    assert again.status_code == 200
    page = again.content.decode()
    assert f"This order was already placed: order {order.number}." in page
    assert f'href="/customers/{mid_term_customer.vip_id}/?tab=orders"' in page
    assert Order.objects.count() == 1


def test_a_new_form_places_a_new_order(triad, member_client, mid_term_customer, product):
    url = reverse("purchasing:order_place", args=[mid_term_customer.vip_id])
    first, second = _previewed(member_client, url, product), _previewed(member_client, url, product)
    assert first["submission_key"] != second["submission_key"]
    for data in (first, second):
        assert member_client.post(url, data).status_code == 302
    assert Order.objects.count() == 2


@pytest.mark.parametrize("key", ["", "not-a-uuid", "x" * 5000])
def test_a_missing_or_mangled_key_still_places_the_order(triad, member_client, mid_term_customer, product, key):
    url = reverse("purchasing:order_place", args=[mid_term_customer.vip_id])
    data = _previewed(member_client, url, product) | {"submission_key": key}
    assert member_client.post(url, data).status_code == 302
    assert Order.objects.get().submission_key is None


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_clicks_on_place_order_place_one_order(triad, mid_term_customer, product):
    url = reverse("purchasing:order_place", args=[mid_term_customer.vip_id])
    data = _previewed(client_for(triad.member_a.user), url, product)

    results = in_parallel(
        [lambda client: client.post(url, data)] * 2, prepare=lambda i: client_for(triad.member_a.user)
    )
    assert not crashes(results)
    assert sorted(r.status_code for r in results) == [200, 302]
    order = Order.objects.with_scopes_disabled().get()
    loser = next(r for r in results if r.status_code == 200)
    assert f"This order was already placed: order {order.number}." in loser.content.decode()


def test_the_service_refuses_a_second_order_of_one_submission(triad, mid_term_customer, product):
    key = uuid.uuid4()
    place = dict(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=mid_term_customer.vip_id, lines=[Line(product, 2)]
    )
    first = orders.order_place(**place, submission_key=key)
    with pytest.raises(orders.OrderAlreadyPlaced) as refused:
        orders.order_place(**place, submission_key=key)
    assert refused.value.order == first
    assert orders.order_place(**place).submission_key is None  # no key: no guard, a second order
    assert Order.objects.count() == 2


def test_the_database_refuses_two_orders_with_one_submission_key(triad, mid_term_customer):
    key = uuid.uuid4()
    OrderFactory(customer=mid_term_customer, submission_key=key)
    OrderFactory(customer=CustomerFactory(managed_by=triad.member_b), submission_key=key)  # another reseller
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(customer=mid_term_customer, submission_key=key)
