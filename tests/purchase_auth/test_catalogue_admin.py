"""Issue 13 (CAT-1, CAT-2): products and prices that orders reference cannot be deleted from the Django
admin — the delete page, *Delete selected* and the price rows on a product's page all refuse with a
message saying to deactivate instead, never a 500; what no order references can still be deleted."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from console.accounts.models import MarketSegment
from purchase_auth.models import Price, Product
from tests.factories import OrderLineFactory, ProductFactory

pytestmark = pytest.mark.unscoped  # the operator's admin looks across resellers

DEACTIVATE = "so it cannot be deleted: deactivate it instead"


@pytest.fixture
def ordered(db: None) -> Product:
    """A product on two orders, both commercial customers at level 02."""
    product = ProductFactory(name="Ordered Suite")
    OrderLineFactory.create_batch(2, product=product, level="02")
    return product


def used_price(product: Product) -> Price:
    return product.prices.get(segment=MarketSegment.COMMERCIAL, currency="USD", level="02")


def test_deleting_a_product_on_orders_is_refused_with_a_message(ordered, admin_client):
    url = reverse("admin:purchase_auth_product_delete", args=[ordered.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert f"“Ordered Suite ({ordered.code})” is on 2 orders, {DEACTIVATE}" in text

    refused = admin_client.post(url, {"post": "yes"})
    assert refused.status_code == 200
    assert DEACTIVATE in refused.content.decode()
    assert Product.objects.filter(pk=ordered.pk).exists()


def test_delete_selected_refuses_products_on_orders(ordered, admin_client):
    spare = ProductFactory(prices=False)
    response = admin_client.post(
        reverse("admin:purchase_auth_product_changelist"),
        {"action": "delete_selected", "_selected_action": [ordered.pk, spare.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert DEACTIVATE in response.content.decode()
    assert Product.objects.filter(pk__in=[ordered.pk, spare.pk]).count() == 2


def test_a_product_no_order_references_can_still_be_deleted(db, admin_client):
    spare = ProductFactory(prices=False)
    response = admin_client.post(reverse("admin:purchase_auth_product_delete", args=[spare.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Product.objects.filter(pk=spare.pk).exists()


def test_deleting_a_price_that_priced_orders_is_refused_but_an_unused_one_is_deleted(ordered, admin_client):
    price = used_price(ordered)
    url = reverse("admin:purchase_auth_price_delete", args=[price.pk])
    refused = admin_client.post(url, {"post": "yes"})
    assert refused.status_code == 200
    assert "priced orders, so it cannot be deleted" in refused.content.decode()
    assert "deactivate the product “Ordered Suite" in refused.content.decode()
    assert Price.objects.filter(pk=price.pk).exists()

    # Level 03 and another segment's level 02 priced nothing.
    unused = [
        ordered.prices.get(segment=MarketSegment.COMMERCIAL, level="03"),
        ordered.prices.exclude(segment=MarketSegment.COMMERCIAL).filter(level="02").first(),
    ]
    for spare in unused:
        response = admin_client.post(reverse("admin:purchase_auth_price_delete", args=[spare.pk]), {"post": "yes"})
        assert response.status_code == 302
        assert not Price.objects.filter(pk=spare.pk).exists()


def _product_form(product: Product, delete: set[int]) -> dict[str, Any]:
    prices = list(product.prices.order_by("pk"))
    data: dict[str, Any] = {
        "code": product.code,
        "name": product.name,
        "offering_type": product.offering_type,
        "segments": product.segments,
        "counts_for_vip_select": "on",
        "is_active": "on",
        "prices-TOTAL_FORMS": str(len(prices)),
        "prices-INITIAL_FORMS": str(len(prices)),
        "prices-MIN_NUM_FORMS": "0",
        "prices-MAX_NUM_FORMS": "1000",
    }
    for index, price in enumerate(prices):
        data |= {
            f"prices-{index}-id": price.pk,
            f"prices-{index}-product": product.pk,
            f"prices-{index}-segment": price.segment,
            f"prices-{index}-currency": price.currency,
            f"prices-{index}-level": price.level,
            f"prices-{index}-unit_price": str(price.unit_price),
        }
        if price.pk in delete:
            data[f"prices-{index}-DELETE"] = "on"
    return data


def test_a_used_price_row_cannot_be_deleted_from_the_products_page(ordered, admin_client):
    url = reverse("admin:purchase_auth_product_change", args=[ordered.pk])
    price = used_price(ordered)
    spare = ordered.prices.get(segment=MarketSegment.COMMERCIAL, level="04")

    refused = admin_client.post(url, _product_form(ordered, {price.pk, spare.pk}))
    assert refused.status_code == 200
    assert "priced orders, so it cannot be deleted" in refused.content.decode()
    assert Price.objects.filter(pk__in=[price.pk, spare.pk]).count() == 2

    saved = admin_client.post(url, _product_form(ordered, {spare.pk}))
    assert saved.status_code == 302
    assert not Price.objects.filter(pk=spare.pk).exists()
    assert Price.objects.filter(pk=price.pk).exists()
