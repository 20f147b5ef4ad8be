"""Renewing through a reseller's eyes (REN-2, REN-3, REN-8, REN-10): a customer under Ready for Renewal,
the renewal order prefilled with what expires and previewed, a changed quantity re-priced at the level
it reaches, the order accepted, the AD 12 months on, the customer gone from Ready for Renewal and the
order listed as Renewal on the Orders tab."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.utils import formats, translation
from playwright.sync_api import Locator, Page, expect

from console.clock import today
from customers.models import Customer
from purchase_auth.models import Order, Product
from purchase_auth.services import orders
from purchase_auth.services.common import Line
from tests.browser.test_accessibility import PHONE_WIDTH, axe_violations, describe
from tests.browser.test_purchasing import has_no_page_scroll
from tests.conftest import Triad
from tests.factories import CustomerFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "Harbor Design Co"


def long_date(day: date) -> str:
    with translation.override("en"):
        return formats.date_format(day, "DATE_FORMAT")


def listed_names(page: Page) -> Locator:
    return page.locator(".customer-table tbody tr td:first-child a")


def bought(triad: Triad, customer: Customer, product: Product, quantity: int, on: date) -> None:
    """An order accepted on `on` (outside a request: the eager Celery task accepts it on commit)."""
    with time_machine.travel(on, tick=False):
        order = orders.order_place(
            reseller=triad.reseller_a,
            actor=triad.member_a.user,
            vip_id=customer.vip_id,
            lines=[Line(product, quantity)],
        )
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETE, order.failure_reason


def test_a_ready_customer_is_renewed_with_a_changed_quantity(
    live_server: Any,
    triad: Triad,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    suite = ProductFactory(code="SUITE-B", name="Design Suite")
    ad = today() + timedelta(days=20)
    customer = CustomerFactory(managed_by=triad.member_a, name=NAME, segment="COM")
    bought(triad, customer, suite, 20, ad - relativedelta(months=12))
    later = CustomerFactory(managed_by=triad.member_a, name="Later Renewals Ltd", segment="COM")
    bought(triad, later, suite, 5, today() - timedelta(days=30))  # its AD is 11 months away

    page = signed_in_page(triad.member_a)
    page.goto(f"{live_server.url}/customers/?filter=ready")
    expect(listed_names(page)).to_have_text([NAME])
    listed_names(page).first.click()

    # The overview: the state, the Renew action and the auto-renewal preview (20 × 108.00 at level 02).
    renewal = page.locator("[data-renewal-state]")
    expect(renewal).to_have_attribute("data-renewal-state", "ready")
    expect(page.locator("[data-auto-renewal=on] [data-quote-total]")).to_have_text("2,160.00 USD")
    screenshot(page, "renewals-overview")
    page.get_by_role("link", name="Orders").click()
    page.locator(".alert").get_by_role("link", name="Renew").click()

    expect(page).to_have_url(f"{live_server.url}/customers/{customer.vip_id}/renewal-orders/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Renewal order")
    expect(page.get_by_label("Product, line 1")).to_have_value(str(suite.pk))
    quantity = page.get_by_label("Quantity, line 1")
    expect(quantity).to_have_value("20")
    preview = page.locator("#renewal-preview")
    expect(preview.locator("[data-level]")).to_have_attribute("data-level", "02")
    expect(preview.locator("[data-quote-total]")).to_have_text("2,160.00 USD")

    # A changed quantity is re-priced at the level it reaches (htmx on change; Preview without JS).
    quantity.fill("60")
    quantity.press("Tab")
    expect(preview.locator("[data-level]")).to_have_attribute("data-level", "03")
    expect(preview.locator("[data-quote-product=SUITE-B] td")).to_have_text(["60 × Design Suite", "96.00", "5,760.00"])
    expect(preview.locator("[data-quote-total]")).to_have_text("5,760.00 USD")
    screenshot(page, "renewals-order-preview")
    page.get_by_role("button", name="Place renewal order").click()

    # Accepted by the (eager) Celery task: the AD moves 12 months on, once.
    expect(page).to_have_url(f"{live_server.url}/customers/{customer.vip_id}/?tab=orders")
    order = Order.objects.get(customer=customer, kind=Order.Kind.RENEWAL)
    expect(page.locator(".messages [role=status]")).to_have_text(
        f"Renewal order {order.number} placed: the licences renew for 12 months from {long_date(ad)}."
    )
    row = page.locator(f'tr[data-order="{order.number}"]')
    expect(row.locator("td").nth(1)).to_have_text("Renewal")
    expect(row.locator(".badge")).to_have_text("Complete")
    expect(row).to_contain_text("60 × Design Suite")
    expect(page.locator(".alert").get_by_role("link", name="Renew")).to_have_count(0)
    screenshot(page, "renewals-orders-tab")
    customer.refresh_from_db()
    assert customer.anniversary_date == ad + relativedelta(months=12)

    page.get_by_role("link", name="Overview").click()
    expect(page.locator("main")).to_contain_text(long_date(ad + relativedelta(months=12)))
    expect(page.locator(".badge", has_text="Renewed")).to_be_visible()
    expect(page.locator("[data-renewal-state]")).to_have_attribute("data-renewal-state", "renewed")

    page.goto(f"{live_server.url}/customers/?filter=ready")
    expect(listed_names(page)).to_have_count(0)


def test_auto_renewal_is_changed_and_the_renewal_pages_pass_axe_at_phone_width(
    live_server: Any,
    triad: Triad,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    suite = ProductFactory(code="SUITE-B", name="Design Suite")
    customer = CustomerFactory(managed_by=triad.member_a, name=NAME, segment="COM")
    bought(triad, customer, suite, 20, today() + timedelta(days=20) - relativedelta(months=12))

    page = signed_in_page(triad.member_a, width=PHONE_WIDTH)
    page.goto(f"{live_server.url}/customers/{customer.vip_id}/")
    page.get_by_role("link", name="Change auto-renewal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Auto-renewal")
    expect(page.get_by_role("switch", name="Renew automatically on the Anniversary Date")).to_be_checked()
    page.get_by_role("spinbutton", name="Design Suite").fill("12")
    assert not axe_violations(page), describe(axe_violations(page))
    has_no_page_scroll(page)
    screenshot(page, "renewals-auto-renewal-phone")
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".messages [role=status]")).to_have_text("Auto-renewal is on with the quantities you set.")
    expect(page.locator("[data-auto-renewal=on] [data-quote-total]")).to_have_text("1,296.00 USD")  # 12 × 108.00
    page.get_by_role("link", name="Change auto-renewal").click()
    page.get_by_role("switch", name="Renew automatically on the Anniversary Date").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-auto-renewal]")).to_have_attribute("data-auto-renewal", "off")

    page.get_by_role("link", name="Renew", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Renewal order")
    assert not axe_violations(page), describe(axe_violations(page))
    has_no_page_scroll(page)
    screenshot(page, "renewals-order-phone")
