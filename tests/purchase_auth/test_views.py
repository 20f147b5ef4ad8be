"""The Plans and Orders tabs (DET-2, DET-3), returns (ORD-5), and bad input on every purchasing form."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse

from console.outbox.models import OutboxMessage
from purchase_auth.models import LicencePool, Order, PurchaseAuthorization, Return
from purchase_auth.services import common, order_acceptance, orders, purchase_authorizations
from purchase_auth.services.common import Line
from tests.factories import ProductFactory, lines_data
from tests.purchase_auth.conftest import TODAY


def place_after_preview(client: Any, url: str, data: dict[str, Any]) -> Any:
    """Preview the order's prices, then place it as the page's "Place order" button does."""
    preview = client.post(url, {**data, "action": "preview"})
    assert preview.status_code == 200 and preview.context["quote"] is not None
    return client.post(url, {**data, "action": "place", "previewed": preview.context["previewed"]})


def confirm_return(client: Any, url: str, data: dict[str, Any]) -> Any:
    """Check the return's credit, then confirm it as the page's "Confirm return" button does."""
    check = client.post(url, {**data, "action": "check"})
    assert check.status_code == 200 and check.context["confirmation"]
    return client.post(url, {**data, "action": "confirm", "confirmation": check.context["confirmation"]})


def tab(client, customer, name) -> str:
    return client.get(reverse("customers:detail", args=[customer.vip_id]), {"tab": name}).content.decode()


def test_a_member_creates_a_pa_from_the_plans_tab_and_sees_pending_licences(
    triad, member_client, customer, product, frozen
):
    url = reverse("purchasing:pa_create", args=[customer.vip_id])
    assert "Design Suite" in member_client.get(url).content.decode()
    response = member_client.post(url, lines_data((product.pk, 7), po_number="PO-42"))
    assert response.status_code == 302 and response.url.endswith("?tab=plans")
    plans = tab(member_client, customer, "plans")
    pa = PurchaseAuthorization.objects.get()
    assert pa.number in plans and "PO-42" in plans and "Pending" in plans
    assert 'data-total="available">7<' in plans and 'data-total="active">0<' in plans


def test_the_order_from_a_pa_shows_on_the_orders_tab_with_its_prices(
    triad, member_client, customer, product, frozen, django_capture_on_commit_callbacks
):
    pa = purchase_authorizations.purchase_authorization_create(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 3)]
    )
    url = reverse("purchasing:order_place", args=[customer.vip_id])
    preview = member_client.get(url, {"pa": pa.number})
    assert pa.number in preview.content.decode() and preview.context["quote"].total == Decimal("360.00")
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            url + f"?pa={pa.number}", {"pa": pa.number, "action": "place", "previewed": preview.context["previewed"]}
        )
    assert response.status_code == 302
    orders_html = tab(member_client, customer, "orders")
    order = Order.objects.get()
    assert order.number in orders_html and "Complete" in orders_html and "360.00 USD" in orders_html
    assert "Ordered" in tab(member_client, customer, "plans")


def test_a_partial_return_within_14_days_removes_licences_and_credits_original_prices(
    triad, member_client, customer, product, frozen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = orders.order_place(
            reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 12)]
        )
    line = order.lines.get()
    frozen.move_to(TODAY + timedelta(days=14))
    url = reverse("purchasing:order_return", args=[customer.vip_id, order.number])
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm_return(member_client, url, {f"line_{line.pk}": 5})
    assert response.status_code == 302
    record = Return.objects.get()
    assert len(record.number) == 9 and record.credit == Decimal("540.00")  # 5 × 108.00 (level 02) × 12/12
    assert LicencePool.objects.get(customer=customer, product=product).fulfilled == 7
    line.refresh_from_db()
    assert line.returned_quantity == 5
    assert OutboxMessage.objects.filter(template="return_processed").exists()
    assert record.number in tab(member_client, customer, "orders")


def test_no_return_after_14_days(triad, member_client, customer, product, frozen):
    order = orders.order_place(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 2)]
    )
    order_acceptance.order_accept(order_id=order.pk)
    frozen.move_to(TODAY + timedelta(days=15))
    url = reverse("purchasing:order_return", args=[customer.vip_id, order.number])
    assert "can no longer be returned" in member_client.get(url).content.decode()
    response = member_client.post(url, {f"line_{order.lines.get().pk}": 1})
    assert response.status_code == 200 and "can no longer be returned" in response.content.decode()
    assert not Return.objects.exists()


def test_returns_refuse_assigned_licences_and_consumables(triad, customer, product, frozen):
    stock = ProductFactory(is_consumable=True)
    order = orders.order_place(
        reseller=triad.reseller_a,
        actor=triad.member_a.user,
        vip_id=customer.vip_id,
        lines=[Line(product, 3), Line(stock, 1)],
    )
    order_acceptance.order_accept(order_id=order.pk)
    lines = {line.product_id: line for line in order.lines.all()}
    with pytest.raises(common.PurchaseError, match="consumable"):
        orders.order_return(
            reseller=triad.reseller_a,
            actor=triad.member_a.user,
            vip_id=customer.vip_id,
            order_number=order.number,
            quantities={lines[stock.pk].pk: 1},
        )
    LicencePool.objects.filter(customer=customer, product=product).update(assigned=3)
    with pytest.raises(common.PurchaseError, match="assigned"):
        orders.order_return(
            reseller=triad.reseller_a,
            actor=triad.member_a.user,
            vip_id=customer.vip_id,
            order_number=order.number,
            quantities={lines[product.pk].pk: 1},
        )
    assert not Return.objects.exists()
    assert LicencePool.objects.get(customer=customer, product=product).fulfilled == 3


@pytest.mark.parametrize(
    "data",
    [
        {},
        lines_data(),
        lines_data(("", "")),
        lines_data(("", "3")),
        lines_data(("{product}", "")),
        lines_data(("999999", "3")),
        lines_data(("abc", "3")),
        lines_data(("{product}", "0")),
        lines_data(("{product}", "-5")),
        lines_data(("{product}", "1e3")),
        lines_data(("{product}", "10001")),
        lines_data(("{product}", "99999999999999999999")),
        lines_data(("{product}", "3"), ("{product}", "2")),
        lines_data(("{product}", "3"), po_number="x" * 36),
        lines_data(("{product}", "3"), po_number="a\x00b"),
        lines_data(("{product}", "3\x00")),
        # the management form is the client's to tamper with
        {"lines-0-product": "{product}", "lines-0-quantity": "3"},
        lines_data(("{product}", "3"), total=1000),
        lines_data(("{product}", "3"), total="abc"),
        lines_data(("{product}", "3"), total=-1),
        lines_data(("{product}", "3"), total="1\x00"),
    ],
)
def test_the_pa_form_answers_bad_input_on_the_page_and_saves_nothing(triad, member_client, customer, product, data):
    data = {k: str(v).replace("{product}", str(product.pk)) for k, v in data.items()}
    response = member_client.post(reverse("purchasing:pa_create", args=[customer.vip_id]), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "invalid-feedback" in body or "alert-danger" in body
    assert not PurchaseAuthorization.objects.exists() and not LicencePool.objects.exists()


def _field_errors(response, name: str) -> list[str]:
    """The messages shown next to one field of the lines formset."""
    form_index, field = name.split("-")[1:]
    return [str(e) for e in response.context["lines"].forms[int(form_index)].errors.get(field, [])]


def test_an_order_without_a_pa_is_placed_from_its_lines_consumables_included(
    triad, member_client, customer, product, frozen
):
    stock = ProductFactory(name="Stock Credits", is_consumable=True)
    url = reverse("purchasing:order_place", args=[customer.vip_id])
    response = place_after_preview(member_client, url, lines_data((stock.pk, 2), ("", ""), (product.pk, 5)))
    assert response.status_code == 302 and response.url.endswith("?tab=orders")
    assert {(line.product_id, line.quantity) for line in Order.objects.get().lines.all()} == {
        (stock.pk, 2),
        (product.pk, 5),
    }


def test_each_line_error_is_shown_next_to_its_field_and_what_was_typed_stays(triad, member_client, customer, product):
    other = ProductFactory(name="Photo Studio")
    url = reverse("purchasing:pa_create", args=[customer.vip_id])
    response = member_client.post(
        url, lines_data((product.pk, 3), (other.pk, ""), ("", 4), (product.pk, 2), (other.pk, 10001))
    )
    assert response.status_code == 200
    assert _field_errors(response, "lines-1-quantity") == ["Enter a quantity."]
    assert _field_errors(response, "lines-2-product") == ["Choose a product."]
    assert _field_errors(response, "lines-4-quantity") == ["At most 10,000."]
    assert _field_errors(response, "lines-0-product") == []
    body = response.content.decode()
    assert 'value="10001"' in body and "is-invalid" in body
    assert not PurchaseAuthorization.objects.exists()


def test_a_product_listed_twice_is_refused_on_its_second_line(triad, member_client, customer, product):
    url = reverse("purchasing:pa_create", args=[customer.vip_id])
    response = member_client.post(url, lines_data((product.pk, 3), ("", ""), (product.pk, 2)))
    assert response.status_code == 200
    assert _field_errors(response, "lines-0-product") == []
    assert _field_errors(response, "lines-2-product") == ["List each product once."]
    assert not PurchaseAuthorization.objects.exists()


def test_a_pa_without_any_line_asks_for_one_product(triad, member_client, customer, product):
    url = reverse("purchasing:pa_create", args=[customer.vip_id])
    response = member_client.post(url, lines_data(("", ""), po_number="PO-1"))
    assert response.status_code == 200
    assert list(response.context["lines"].non_form_errors()) == ["Add at least one product."]
    assert 'role="alert"' in response.content.decode()


def test_a_product_the_customer_may_not_buy_is_refused_even_if_posted(triad, member_client, customer, product):
    education_only = ProductFactory(name="Education Only", segments=["EDU"])
    stock = ProductFactory(name="Stock Credits", is_consumable=True)
    url = reverse("purchasing:pa_create", args=[customer.vip_id])
    for refused in (education_only, stock):
        response = member_client.post(url, lines_data((refused.pk, 1)))
        assert response.status_code == 200
        assert "Select a valid choice" in _field_errors(response, "lines-0-product")[0]
    assert not PurchaseAuthorization.objects.exists()


def test_a_tampered_row_count_is_refused_without_building_more_rows(triad, member_client, customer, product):
    url = reverse("purchasing:pa_create", args=[customer.vip_id])
    response = member_client.post(url, lines_data((product.pk, 3), total=100_000))
    assert response.status_code == 200
    assert len(response.context["lines"].forms) == 5
    assert list(response.context["lines"].non_form_errors()) == ["Add at most 5 products at a time."]
    assert not PurchaseAuthorization.objects.exists()


def test_a_service_refusal_of_an_order_is_shown_above_the_lines(triad, member_client, customer, product, frozen):
    url = reverse("purchasing:order_place", args=[customer.vip_id])
    with mock.patch(
        "purchase_auth.views.order_place_service", side_effect=common.PurchaseError("Refused for a reason.")
    ):
        response = place_after_preview(member_client, url, lines_data((product.pk, 1)))
    assert response.status_code == 200
    assert list(response.context["lines"].non_form_errors()) == ["Refused for a reason."]
    assert "Refused for a reason." in response.content.decode()


def test_products_of_another_segment_and_consumables_are_not_offered(triad, member_client, customer):
    ProductFactory(name="Education Only", segments=["EDU"])
    ProductFactory(name="Stock Credits", is_consumable=True)
    page = member_client.get(reverse("purchasing:pa_create", args=[customer.vip_id])).content.decode()
    assert "Education Only" not in page and "Stock Credits" not in page
    assert (
        "Stock Credits" in member_client.get(reverse("purchasing:order_place", args=[customer.vip_id])).content.decode()
    )


@pytest.mark.parametrize(
    "path",
    [
        "/customers/{vip}/orders/new/?pa=PA000000000000000000",
        "/customers/{vip}/orders/new/?pa=%00",
        "/customers/{vip}/orders/new/?pa=" + "9" * 500,
        "/customers/{vip}/orders/0000000000/return/",
        "/customers/{vip}/orders/%3Cscript%3E/return/",
        "/customers/NOPE/purchase-authorizations/new/",
    ],
)
def test_hostile_purchasing_urls_never_give_a_500(triad, member_client, customer, path):
    response = member_client.get(path.replace("{vip}", customer.vip_id))
    assert response.status_code in (302, 404)


def test_another_resellers_pa_cannot_be_cancelled_or_ordered(triad, customer, product):
    pa = purchase_authorizations.purchase_authorization_create(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 1)]
    )
    outsider = triad.client_for(triad.member_b)
    assert outsider.post(reverse("purchasing:pa_cancel", args=[customer.vip_id, pa.number])).status_code == 404
    assert outsider.get(reverse("purchasing:order_place", args=[customer.vip_id]), {"pa": pa.number}).status_code == 404
    pa.refresh_from_db()
    assert pa.state == "pending"


def test_return_form_bad_input(triad, member_client, customer, product, frozen):
    order = orders.order_place(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 2)]
    )
    order_acceptance.order_accept(order_id=order.pk)
    line = order.lines.get()
    url = reverse("purchasing:order_return", args=[customer.vip_id, order.number])
    for value in ["3", "-1", "abc", "0", "", "1\x00"]:
        response = member_client.post(url, {f"line_{line.pk}": value})
        assert response.status_code == 200, value
    assert not Return.objects.exists()


def test_licences_of_a_suspended_pa_are_shown_as_stopped(triad, member_client, customer, product, frozen):
    purchase_authorizations.purchase_authorization_create(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 4)]
    )
    frozen.move_to(TODAY + timedelta(days=60))
    assert "suspended" not in tab(member_client, customer, "plans").split("Purchase Authorizations")[0]
    frozen.move_to(TODAY + timedelta(days=61))
    member_client.force_login(triad.member_a.user, backend="django.contrib.auth.backends.ModelBackend")
    plans = tab(member_client, customer, "plans")
    assert "4 suspended" in plans and "Suspended" in plans
