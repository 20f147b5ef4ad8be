"""Purchasing through a reseller's eyes (SPEC §5–§6, DET-2, DET-3): create a purchase authorization,
watch it fall past due, place its order, let the customer admin assign licences in the member portal,
return part of an order, cancel a PA, and what a viewer may not touch."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import formats, translation
from playwright.sync_api import Dialog, Locator, Page, expect

from console.accounts.models import User
from console.clock import today
from customers.models import Customer, CustomerAdmin, InvitationStatus
from purchase_auth.models import LicencePool, Order, Product, PurchaseAuthorization
from purchase_auth.services import orders, purchase_authorizations
from purchase_auth.services.common import Line
from tests.browser.languages import LANGUAGES, expect_language, money, speaks, text
from tests.conftest import Triad
from tests.factories import CustomerFactory, ProductFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 360
CUSTOMER_NAME = "Northwind Studio"
SUITE, PHOTO = "SUITE-T", "PHOTO-T"


@dataclass
class Shop:
    customer: Customer
    suite: Product
    photo: Product


# --- fixtures and helpers --------------------------------------------------------------------------------


@pytest.fixture
def shop(triad: Triad) -> Shop:
    """A Commercial Team customer of reseller A and two products at 120.00 USD a year (level 01)."""
    return Shop(
        customer=CustomerFactory(managed_by=triad.member_a, name=CUSTOMER_NAME, segment="COM"),
        suite=ProductFactory(code=SUITE, name="Design Suite"),
        photo=ProductFactory(code=PHOTO, name="Photo Studio"),
    )


def create_pa(triad: Triad, customer: Customer, *lines: tuple[Product, int]) -> PurchaseAuthorization:
    return purchase_authorizations.purchase_authorization_create(
        reseller=triad.reseller_a,
        actor=triad.member_a.user,
        vip_id=customer.vip_id,
        lines=[Line(product, quantity) for product, quantity in lines],
    )


def place_order(triad: Triad, customer: Customer, *lines: tuple[Product, int]) -> Order:
    """An order placed outside a request: the transaction commits, so the eager Celery task accepts it."""
    order = orders.order_place(
        reseller=triad.reseller_a,
        actor=triad.member_a.user,
        vip_id=customer.vip_id,
        lines=[Line(product, quantity) for product, quantity in lines],
    )
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETE, order.failure_reason
    return order


def make_customer_admin(customer: Customer) -> User:
    admin = UserFactory(first_name="Ann", last_name="Lee", email=customer.contact_email)
    CustomerAdmin.objects.create(customer=customer, user=admin)
    customer.contract_owner = admin
    customer.invitation_status = InvitationStatus.ACCEPTED
    customer.save(update_fields=["contract_owner", "invitation_status"])
    return admin


def short_date(day: date) -> str:
    with translation.override("en"):
        return formats.date_format(day, "SHORT_DATE_FORMAT")


def long_date(day: date, language: str = "en") -> str:
    with translation.override(language):
        return formats.date_format(day, "DATE_FORMAT")


def tab_url(live_server: Any, customer: Customer, tab: str) -> str:
    return f"{live_server.url}/customers/{customer.vip_id}/?tab={tab}"


def section(page: Page, name: str) -> Locator:
    """A tab of the customer page (`name` in the page's language)."""
    language = page.locator("html").get_attribute("lang") or "en"
    return page.get_by_role("navigation", name=text(language, "Customer sections")).get_by_role("link", name=name)


def status_message(page: Page) -> Locator:
    return page.locator(".messages [role=status]")


def error_message(page: Page) -> Locator:
    return page.locator(".messages [role=alert]")


def pa_row(page: Page, pa: PurchaseAuthorization | str) -> Locator:
    return page.locator(f'tr[data-pa="{pa}"]')


def order_row(page: Page, order: Order | str) -> Locator:
    return page.locator(f'tr[data-order="{order}"]')


def expect_pool(page: Page, code: str, *, fulfilled: int, pending: int, assigned: int, available: int) -> None:
    """A Plans-tab licence row: product, fulfilled, pending, active (assigned), available."""
    cells = page.locator(f'tr[data-product="{code}"] td')
    expect(cells.nth(1)).to_have_text(str(fulfilled))
    expect(cells.nth(2)).to_have_text(str(pending))
    expect(cells.nth(3)).to_have_text(str(assigned))
    expect(cells.nth(4)).to_have_text(str(available))


def expect_totals(page: Page, *, active: int, available: int) -> None:
    expect(page.locator('[data-total="active"]')).to_have_text(str(active))
    expect(page.locator('[data-total="available"]')).to_have_text(str(available))


def listed_names(page: Page) -> Locator:
    return page.locator(".customer-table tbody tr td:first-child a")


def list_row(page: Page, name: str) -> Locator:
    return page.locator(".customer-table tbody tr").filter(has=page.get_by_role("link", name=name, exact=True))


def has_no_page_scroll(page: Page) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    inner_width = page.evaluate("window.innerWidth")
    assert scroll_width <= inner_width, f"{page.url} is {scroll_width}px wide in a {inner_width}px window"


# --- 1: create a PA ---------------------------------------------------------------------------------------


def test_member_creates_a_pa_and_the_customer_gets_pending_licences(
    live_server: Any,
    triad: Triad,
    shop: Shop,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    page = signed_in_page(triad.member_a)
    page.goto(tab_url(live_server, shop.customer, "plans"))
    expect(page.get_by_text("No licences yet.")).to_be_visible()
    expect(page.get_by_text("No purchase authorizations.")).to_be_visible()

    page.get_by_role("link", name="Create purchase authorization").click()
    expect(page).to_have_url(f"{live_server.url}/customers/{shop.customer.vip_id}/purchase-authorizations/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create purchase authorization")
    page.locator("#id_lines-0-product").select_option(label="Design Suite · Team")
    page.locator("#id_lines-0-quantity").fill("3")
    page.get_by_label("Product, line 2").select_option(label="Photo Studio · Team")
    page.get_by_label("Quantity, line 2").fill("4")
    page.get_by_label(re.compile(r"End-user PO number")).fill("PO-7731")
    screenshot(page, "purchasing-pa-form")
    page.get_by_role("button", name="Create purchase authorization").click()

    expect(page).to_have_url(tab_url(live_server, shop.customer, "plans"))
    pa = PurchaseAuthorization.objects.get(customer=shop.customer)
    due = today() + timedelta(days=14)
    assert pa.due_date == due
    expect(status_message(page)).to_contain_text(
        f"Purchase authorization {pa.number} created; payment is due on {long_date(due)}."
    )
    row = pa_row(page, pa)
    expect(row.locator("td").nth(0)).to_have_text(pa.number)
    expect(row.locator("td").nth(1)).to_have_text(short_date(today()))
    expect(row.locator("td").nth(2)).to_have_text(short_date(due))
    expect(row.locator(".badge")).to_have_text("Pending")
    expect(row).to_contain_text("3 × Design Suite")
    expect(row).to_contain_text("4 × Photo Studio")
    expect(row).to_contain_text("PO PO-7731")
    expect(row.get_by_role("link", name="Place order")).to_be_visible()
    expect(row.get_by_role("button", name="Cancel")).to_be_visible()
    expect_pool(page, SUITE, fulfilled=0, pending=3, assigned=0, available=3)
    expect_pool(page, PHOTO, fulfilled=0, pending=4, assigned=0, available=4)
    expect_totals(page, active=0, available=7)
    expect(page.get_by_text("Pending request", exact=True)).to_be_visible()  # the customer's badge
    screenshot(page, "purchasing-plans-tab")

    page.goto(f"{live_server.url}/customers/?filter=pending")
    expect(listed_names(page)).to_have_text([CUSTOMER_NAME])
    expect(list_row(page, CUSTOMER_NAME)).to_contain_text("Pending request")
    page.goto(f"{live_server.url}/customers/?filter=past_due")
    expect(listed_names(page)).to_have_count(0)


# --- 2: past due ------------------------------------------------------------------------------------------


def test_a_pa_past_its_due_date_is_overdue_and_blocks_another_request(
    live_server: Any,
    triad: Triad,
    shop: Shop,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    created_on = today() - timedelta(days=20)
    with time_machine.travel(created_on, tick=False):
        pa = create_pa(triad, shop.customer, (shop.suite, 5))
    assert pa.due_date == created_on + timedelta(days=14) < today()

    page = signed_in_page(triad.member_a)
    # No job has run: the list reads the due dates.
    page.goto(f"{live_server.url}/customers/?filter=past_due")
    expect(listed_names(page)).to_have_text([CUSTOMER_NAME])
    expect(list_row(page, CUSTOMER_NAME).locator(".badge", has_text="Overdue")).to_be_visible()
    page.goto(f"{live_server.url}/customers/?filter=pending")
    expect(listed_names(page)).to_have_count(0)

    page.goto(tab_url(live_server, shop.customer, "plans"))
    row = pa_row(page, pa)
    expect(row.locator(".badge")).to_have_text("Overdue")
    expect(row.locator("td").nth(2)).to_have_text(short_date(pa.due_date))
    expect_pool(page, SUITE, fulfilled=0, pending=5, assigned=0, available=5)  # still usable until day 60

    page.get_by_role("link", name="Create purchase authorization").click()
    page.locator("#id_lines-0-product").select_option(label="Photo Studio · Team")
    page.locator("#id_lines-0-quantity").fill("2")
    page.get_by_role("button", name="Create purchase authorization").click()
    expect(page).to_have_url(f"{live_server.url}/customers/{shop.customer.vip_id}/purchase-authorizations/new/")
    expect(page.get_by_role("alert")).to_be_focused()  # the error summary (NF-6)
    expect(page.get_by_role("alert")).to_contain_text(
        f"{CUSTOMER_NAME} has a past-due purchase authorization: place its order before requesting more."
    )
    # What was typed is still there.
    expect(page.locator("#id_lines-0-quantity")).to_have_value("2")
    screenshot(page, "purchasing-pa-form-past-due")
    assert PurchaseAuthorization.objects.filter(customer=shop.customer).count() == 1


# --- 3: place the order of a PA ---------------------------------------------------------------------------


def test_placing_the_order_of_a_pa_fulfils_it(
    live_server: Any,
    triad: Triad,
    shop: Shop,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    pa = create_pa(triad, shop.customer, (shop.suite, 3), (shop.photo, 4))
    page = signed_in_page(triad.member_a)
    page.goto(tab_url(live_server, shop.customer, "plans"))
    pa_row(page, pa).get_by_role("link", name="Place order").click()

    expect(page).to_have_url(f"{live_server.url}/customers/{shop.customer.vip_id}/orders/new/?pa={pa.number}")
    expect(page.locator("main")).to_contain_text(f"This order pays for purchase authorization {pa.number}")
    expect(page.locator("main form li")).to_have_text(["3 × Design Suite", "4 × Photo Studio"])
    # The prices are shown before placing it (pricing.order_quote).
    expect(page.locator("[data-quote-total]")).to_have_text(re.compile(r"^[\d,]+\.\d\d USD$"))
    screenshot(page, "purchasing-order-form-from-pa")
    page.get_by_role("button", name="Place order").click()

    # CELERY_TASK_ALWAYS_EAGER: accepted on commit, before the redirect is answered.
    expect(page).to_have_url(tab_url(live_server, shop.customer, "orders"))
    order = Order.objects.get(customer=shop.customer)
    expect(status_message(page)).to_have_text(f"Order {order.number} placed.")
    row = order_row(page, order)
    expect(row.locator(".badge")).to_have_text("Complete")
    expect(row.locator("td").nth(1)).to_have_text("New")
    expect(row.locator("td").nth(2)).to_have_text(short_date(today()))
    lines = row.locator("td").nth(4).locator(":scope > div")
    # Ordered on the day of the PA: 12 whole months to the Anniversary Date, level 01 (7 licences).
    expect(lines.nth(0)).to_contain_text("3 × Design Suite")
    expect(lines.nth(0)).to_contain_text("120.00 × 12/12 · level 01 = 360.00")
    expect(lines.nth(1)).to_contain_text("4 × Photo Studio")
    expect(lines.nth(1)).to_contain_text("120.00 × 12/12 · level 01 = 480.00")
    expect(row.locator("td").nth(5)).to_have_text("840.00 USD")
    screenshot(page, "purchasing-orders-tab")

    section(page, "Plans").click()
    row = pa_row(page, pa)
    expect(row.locator(".badge")).to_have_text("Ordered")
    expect(row.get_by_role("link", name="Place order")).to_have_count(0)
    expect(row.get_by_role("button", name="Cancel")).to_have_count(0)
    expect_pool(page, SUITE, fulfilled=3, pending=0, assigned=0, available=3)
    expect_pool(page, PHOTO, fulfilled=4, pending=0, assigned=0, available=4)
    expect_totals(page, active=0, available=7)

    # No open PA any more: the customer has left Pending Requests.
    page.goto(f"{live_server.url}/customers/?filter=pending")
    expect(listed_names(page)).to_have_count(0)


# --- 4: the customer admin assigns licences ---------------------------------------------------------------


def test_the_customer_admin_assigns_licences_in_the_portal(
    live_server: Any,
    triad: Triad,
    shop: Shop,
    signed_in_page: Callable[..., Page],
    signed_in_user_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    admin = make_customer_admin(shop.customer)
    place_order(triad, shop.customer, (shop.suite, 3))
    create_pa(triad, shop.customer, (shop.photo, 4))
    portal_url = f"{live_server.url}/portal/{shop.customer.vip_id}/"

    portal = signed_in_user_page(admin)
    portal.goto(portal_url)
    expect(portal.get_by_role("heading", level=1)).to_have_text(CUSTOMER_NAME)
    expect(portal.locator('[data-total="active"]')).to_have_text("0")
    expect(portal.locator('[data-total="available"]')).to_have_text("7")
    suite_row = portal.locator(f'tr[data-product="{SUITE}"]')
    suite_row.get_by_label("Assigned licences of Design Suite").fill("2")
    suite_row.get_by_role("button", name="Save").click()
    expect(portal.get_by_role("status")).to_have_text("2 licences of Design Suite assigned.")
    expect(portal.get_by_label("Assigned licences of Design Suite")).to_have_value("2")
    # Pending licences (an open PA) can be assigned too: immediate access (PA-1).
    photo_row = portal.locator(f'tr[data-product="{PHOTO}"]')
    photo_row.get_by_label("Assigned licences of Photo Studio").fill("1")
    photo_row.get_by_role("button", name="Save").click()
    expect(portal.get_by_role("status")).to_have_text("1 licence of Photo Studio assigned.")
    expect(portal.locator('[data-total="active"]')).to_have_text("3")
    expect(portal.locator('[data-total="available"]')).to_have_text("4")
    screenshot(portal, "purchasing-portal")

    phone = signed_in_user_page(admin, width=PHONE_WIDTH, height=780)
    phone.goto(portal_url)
    expect(phone.get_by_label("Assigned licences of Design Suite")).to_have_value("2")
    has_no_page_scroll(phone)
    screenshot(phone, "purchasing-portal-phone")

    page = signed_in_page(triad.member_a)
    page.goto(tab_url(live_server, shop.customer, "plans"))
    expect_totals(page, active=3, available=4)
    expect_pool(page, SUITE, fulfilled=3, pending=0, assigned=2, available=1)
    expect_pool(page, PHOTO, fulfilled=0, pending=4, assigned=1, available=3)


# --- 5: return part of an order ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_member_returns_part_of_an_order_within_14_days(
    language: str,
    live_server: Any,
    triad: Triad,
    shop: Shop,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    # An order of another customer, 15 days old: too late to return.
    late_customer = CustomerFactory(managed_by=triad.member_a, name="Late Returns Inc", segment="COM")
    ordered_on = today() - timedelta(days=15)
    with time_machine.travel(ordered_on, tick=False):
        late_order = place_order(triad, late_customer, (shop.suite, 2))
    order = place_order(triad, shop.customer, (shop.suite, 5), (shop.photo, 4))

    speaks(triad.member_a, language)
    page = signed_in_page(triad.member_a)
    page.goto(tab_url(live_server, shop.customer, "orders"))
    expect_language(page, language)
    expect(order_row(page, order).locator("td").nth(5)).to_have_text(f"{money(language, 1080)} USD")
    order_row(page, order).get_by_role("link", name=text(language, "Return")).click()

    expect(page).to_have_url(f"{live_server.url}/customers/{shop.customer.vip_id}/orders/{order.number}/return/")
    heading = text(language, "Return order %(number)s", number=order.number)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    last_day = today() + timedelta(days=14)
    until = text(
        language,
        "Return all or part of a line until %(day)s. The licences are removed at once and credited at the "
        "original prices.",
        day=long_date(last_day, language),
    )
    expect(page.locator("main")).to_contain_text(until)
    suite = page.get_by_role("spinbutton", name="Design Suite")
    expect(suite).to_have_value("0")
    expect(page.get_by_text(text(language, "Up to %(count)d", count=5))).to_be_visible()
    suite.fill("2")
    screenshot(page, f"purchasing-return-form-{language}")
    # The credit is shown first, and nothing is returned until it is confirmed.
    page.get_by_role("button", name=text(language, "Check the credit"), exact=True).click()
    confirm = page.get_by_role("region", name=text(language, "Confirm the return"))
    expect(confirm).to_be_focused()
    credit = f"{money(language, 240)} USD"
    line_credit = text(
        language,
        "%(n)s × %(product)s: credit %(amount)s %(currency)s",
        n=2,
        product="Design Suite",
        amount=money(language, 240),
        currency="USD",
    )
    expect(confirm).to_contain_text(line_credit)
    expect(confirm.locator("[data-credit]")).to_have_text(credit)
    assert not order.returns.exists()
    page.get_by_role("button", name=text(language, "Confirm return")).click()

    expect(page).to_have_url(tab_url(live_server, shop.customer, "orders"))
    returned = order.returns.get()
    processed = text(
        language,
        "Return %(number)s processed: credit %(credit)s %(currency)s.",
        number=returned.number,
        credit=money(language, 240),
        currency="USD",
    )
    expect(status_message(page)).to_have_text(processed)
    row = order_row(page, order)
    expect(row).to_contain_text(
        text(
            language,
            "Return %(number)s: credit %(credit)s %(currency)s",
            number=returned.number,
            credit=money(language, 240),
            currency="USD",
        )
    )
    expect(row.locator(".badge", has_text=text(language, "%(n)s returned", n=2))).to_be_visible()
    screenshot(page, f"purchasing-orders-tab-after-return-{language}")

    section(page, text(language, "Plans")).click()
    expect_pool(page, SUITE, fulfilled=3, pending=0, assigned=0, available=3)
    expect_pool(page, PHOTO, fulfilled=4, pending=0, assigned=0, available=4)
    expect_totals(page, active=0, available=7)

    # Day 15: the form says it is too late instead of offering the inputs.
    page.goto(f"{live_server.url}/customers/{late_customer.vip_id}/orders/{late_order.number}/return/")
    too_late = text(
        language,
        "This order can no longer be returned: the last day was %(day)s.",
        day=long_date(ordered_on + timedelta(days=14), language),
    )
    expect(page.get_by_role("alert")).to_have_text(too_late)
    expect(page.get_by_role("spinbutton")).to_have_count(0)


# --- 6: cancel a PA ---------------------------------------------------------------------------------------


def test_member_cancels_a_pending_pa_but_not_one_with_assigned_licences(
    live_server: Any,
    triad: Triad,
    shop: Shop,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    free = create_pa(triad, shop.customer, (shop.suite, 3))
    in_use = create_pa(triad, shop.customer, (shop.photo, 2))
    LicencePool.objects.filter(customer=shop.customer, product=shop.photo).update(assigned=1)
    page = signed_in_page(triad.member_a)
    page.goto(tab_url(live_server, shop.customer, "plans"))
    expect_totals(page, active=1, available=4)

    # Dismissing the confirmation changes nothing.
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    pa_row(page, free).get_by_role("button", name="Cancel").click()
    expect(pa_row(page, free).locator(".badge")).to_have_text("Pending")
    expect(status_message(page)).to_have_count(0)
    assert dialogs == [f"Cancel purchase authorization {free.number}? The customer loses access to its licences."]
    free.refresh_from_db()
    assert free.state == PurchaseAuthorization.State.PENDING

    page.once("dialog", lambda dialog: dialog.accept())
    pa_row(page, free).get_by_role("button", name="Cancel").click()
    expect(status_message(page)).to_have_text(f"Purchase authorization {free.number} was cancelled.")
    row = pa_row(page, free)
    expect(row.locator(".badge")).to_have_text("Cancelled")
    expect(row.get_by_role("button", name="Cancel")).to_have_count(0)
    expect(row.get_by_role("link", name="Place order")).to_have_count(0)
    expect(page.locator(f'tr[data-product="{SUITE}"]')).to_have_count(0)  # its pending licences are gone
    expect_totals(page, active=1, available=1)

    page.once("dialog", lambda dialog: dialog.accept())
    pa_row(page, in_use).get_by_role("button", name="Cancel").click()
    expect(error_message(page)).to_contain_text(
        "Some of these licences are assigned to users; the customer must unassign them before you cancel."
    )
    expect(pa_row(page, in_use).locator(".badge")).to_have_text("Pending")
    expect_pool(page, PHOTO, fulfilled=0, pending=2, assigned=1, available=1)
    screenshot(page, "purchasing-plans-tab-cancel-refused")
    in_use.refresh_from_db()
    assert in_use.state == PurchaseAuthorization.State.PENDING


# --- 7: a viewer looks but does not touch -----------------------------------------------------------------


def test_a_viewer_sees_plans_and_orders_without_purchase_controls(
    live_server: Any,
    triad: Triad,
    shop: Shop,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    order = place_order(triad, shop.customer, (shop.suite, 3))
    pa = create_pa(triad, shop.customer, (shop.photo, 2))
    page = signed_in_page(triad.viewer_a)

    page.goto(tab_url(live_server, shop.customer, "plans"))
    expect(pa_row(page, pa).locator(".badge")).to_have_text("Pending")
    expect_pool(page, SUITE, fulfilled=3, pending=0, assigned=0, available=3)
    expect_pool(page, PHOTO, fulfilled=0, pending=2, assigned=0, available=2)
    main = page.locator("main")
    expect(main.get_by_role("link", name="Create purchase authorization")).to_have_count(0)
    expect(main.get_by_role("link", name="Place order")).to_have_count(0)
    expect(main.get_by_role("button", name="Cancel")).to_have_count(0)

    section(page, "Orders").click()
    expect(page).to_have_url(tab_url(live_server, shop.customer, "orders"))
    expect(order_row(page, order).locator(".badge")).to_have_text("Complete")
    expect(main.get_by_role("link", name="Return")).to_have_count(0)
    expect(main.get_by_role("link", name="Place order")).to_have_count(0)
    screenshot(page, "purchasing-orders-tab-viewer")

    # Typing the address does not help either.
    response = page.goto(f"{live_server.url}/customers/{shop.customer.vip_id}/purchase-authorizations/new/")
    assert response is not None and response.status == 403


# --- phone ------------------------------------------------------------------------------------------------


def test_plans_and_orders_tabs_fit_a_phone(
    live_server: Any,
    triad: Triad,
    shop: Shop,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    place_order(triad, shop.customer, (shop.suite, 3), (shop.photo, 12))
    create_pa(triad, shop.customer, (shop.photo, 2))
    page = signed_in_page(triad.member_a, width=PHONE_WIDTH, height=780)
    for tab in ("plans", "orders"):
        page.goto(tab_url(live_server, shop.customer, tab))
        expect(page.locator("main table").first).to_be_visible()
        has_no_page_scroll(page)
        screenshot(page, f"purchasing-{tab}-tab-phone")
