"""Place order and Return show the price or credit first (issue 10, NF-6): the order preview prices with
pricing.order_quote — the function order_place saves with — and a return is only made once its credit
was shown and confirmed. A double submit of either is never a 500 and never acts twice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from purchase_auth.models import Order, PurchaseAuthorization, Return
from purchase_auth.services import order_acceptance, orders, purchase_authorizations
from purchase_auth.services.common import Line
from tests.factories import ProductFactory, lines_data
from tests.parallel import client_for, crashes, in_parallel, messages_of
from tests.purchase_auth.conftest import MID_TERM_AD, TODAY


def _priced(lines: Any) -> list[tuple[Any, ...]]:
    return sorted(
        (line.product.pk, line.quantity, line.level, line.unit_price, line.months, line.line_total) for line in lines
    )


def test_the_order_preview_shows_the_prices_the_order_is_then_placed_at(
    triad, member_client, mid_term_customer, product, frozen
):
    photo = ProductFactory(code="PHOTO-T", name="Photo Studio")
    url = reverse("purchasing:order_place", args=[mid_term_customer.vip_id])
    data = lines_data((product.pk, 7), (photo.pk, 4))

    preview = member_client.post(url, {**data, "action": "preview"})
    quote = preview.context["quote"]
    assert preview.status_code == 200 and not Order.objects.exists()
    assert quote.months == 7 and quote.anniversary == MID_TERM_AD
    page = preview.content.decode()
    assert f'data-quote-total="{quote.total}"' in page and 'value="place"' in page

    response = member_client.post(url, {**data, "action": "place", "previewed": preview.context["previewed"]})
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.total == quote.total > Decimal("0.00")
    assert _priced(order.lines.select_related("product")) == _priced(quote.lines)


def test_an_order_is_not_placed_for_lines_whose_prices_were_not_shown(
    triad, member_client, mid_term_customer, product, frozen
):
    url = reverse("purchasing:order_place", args=[mid_term_customer.vip_id])
    first = member_client.get(url)
    assert first.context["quote"] is None and 'value="place"' not in first.content.decode()

    unseen = member_client.post(url, {**lines_data((product.pk, 2)), "action": "place", "previewed": ""})
    preview = member_client.post(url, {**lines_data((product.pk, 2)), "action": "preview"})
    changed = member_client.post(
        url, {**lines_data((product.pk, 3)), "action": "place", "previewed": preview.context["previewed"]}
    )
    for response in (unseen, changed):
        assert response.status_code == 200
        assert "check the new prices, then place the order" in response.content.decode()
        assert response.context["quote"] is not None  # the new prices are shown to look at
    assert not Order.objects.exists()


def test_the_order_of_a_pa_shows_its_prices_at_once_and_a_second_submit_is_a_message(
    triad, member_client, mid_term_customer, product, frozen
):
    pa = purchase_authorizations.purchase_authorization_create(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=mid_term_customer.vip_id, lines=[Line(product, 3)]
    )
    url = reverse("purchasing:order_place", args=[mid_term_customer.vip_id]) + f"?pa={pa.number}"
    page = member_client.get(url)
    assert page.context["quote"].lines[0].quantity == 3
    data = {"pa": pa.number, "action": "place", "previewed": page.context["previewed"]}
    assert member_client.post(url, data).status_code == 302
    again = member_client.post(url, data)
    assert again.status_code == 302
    assert any("not pending any more" in message or "placed already" in message for message in messages_of(again))
    assert Order.objects.count() == 1
    assert PurchaseAuthorization.objects.get().orders.count() == 1


def _completed_order(triad, customer, product, quantity: int) -> Order:
    order = orders.order_place(
        reseller=triad.reseller_a,
        actor=triad.member_a.user,
        vip_id=customer.vip_id,
        lines=[Line(product, quantity)],
    )
    order_acceptance.order_accept(order_id=order.pk)
    return order


def test_a_return_shows_its_credit_and_asks_for_confirmation_before_returning(
    triad, member_client, mid_term_customer, product, frozen
):
    order = _completed_order(triad, mid_term_customer, product, 12)
    line = order.lines.get()
    frozen.move_to(TODAY + timedelta(days=3))
    url = reverse("purchasing:order_return", args=[mid_term_customer.vip_id, order.number])
    data = {f"line_{line.pk}": 5}

    check = member_client.post(url, {**data, "action": "check"})
    page = check.content.decode()
    assert check.status_code == 200 and not Return.objects.exists()
    assert "Confirm the return" in page and 'value="confirm"' in page
    shown = check.context["credit"]
    assert shown == line.line_total * 5 / 12  # 5 of 12 licences at the original prices and months
    assert f'data-credit="{shown}"' in page

    confirmed = member_client.post(url, {**data, "action": "confirm", "confirmation": check.context["confirmation"]})
    assert confirmed.status_code == 302
    assert Return.objects.get().credit == shown

    # The same confirmation sent again (a double click) returns nothing more and says why.
    again = member_client.post(url, {**data, "action": "confirm", "confirmation": check.context["confirmation"]})
    assert again.status_code == 200 and "check the new credit" in again.content.decode()
    assert Return.objects.count() == 1
    line.refresh_from_db()
    assert line.returned_quantity == 5


def test_a_return_confirmed_for_other_quantities_is_checked_again(
    triad, member_client, mid_term_customer, product, frozen
):
    order = _completed_order(triad, mid_term_customer, product, 4)
    line = order.lines.get()
    url = reverse("purchasing:order_return", args=[mid_term_customer.vip_id, order.number])
    check = member_client.post(url, {f"line_{line.pk}": 1, "action": "check"})
    response = member_client.post(
        url, {f"line_{line.pk}": 2, "action": "confirm", "confirmation": check.context["confirmation"]}
    )
    assert response.status_code == 200 and response.context["credit"] == line.line_total * 2 / 4
    assert not Return.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_confirmations_of_one_return_return_once(triad, mid_term_customer, product, frozen):
    order = _completed_order(triad, mid_term_customer, product, 6)
    line = order.lines.get()
    url = reverse("purchasing:order_return", args=[mid_term_customer.vip_id, order.number])
    check = client_for(triad.member_a.user).post(url, {f"line_{line.pk}": 2, "action": "check"})
    data = {f"line_{line.pk}": 2, "action": "confirm", "confirmation": check.context["confirmation"]}

    results = in_parallel(
        [lambda client: client.post(url, data)] * 2, prepare=lambda i: client_for(triad.member_a.user)
    )
    assert not crashes(results)
    assert sorted(r.status_code for r in results) == [200, 302]
    assert any("processed" in " ".join(messages_of(r)) for r in results if r.status_code == 302)
    assert Return.objects.count() == 1
    line.refresh_from_db()
    assert line.returned_quantity == 2
