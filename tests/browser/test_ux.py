"""Issue 10 in Chromium (NF-6), in English and Ukrainian: the invite form's error summary and character
counter, the Anniversary Date box rule, the order preview before placing; the customer list as cards at
360px with the first customer on the first screen, the 1280px table without a clipped header, and
screenshots of the home page, customer list, details and renewals page at both widths in both languages
(test-artifacts/ux-*.png)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from console.accounts.models import User
from console.clock import today
from customers.models import Customer
from purchase_auth.models import Order
from purchase_auth.services import order_acceptance, orders
from purchase_auth.services.common import Line
from tests.browser.languages import LANGUAGES, expect_language, money, plural, speaks, text
from tests.browser.test_accessibility import axe_violations, describe
from tests.conftest import Triad
from tests.factories import CustomerFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = 360, 1280
NAME_96 = "Consolidated International Widget Manufacturers, Importers & Distributors of Kyiv (Holdings) Ltd"


def field(label: str) -> re.Pattern[str]:
    """A form field's label: crispy adds "*" to required ones. (Not `\\W*`: the pattern runs as a JavaScript
    regex, where Cyrillic letters are \\W.)"""
    return re.compile(rf"^\s*{re.escape(label)}[\s*]*$")


def focused_id(page: Page) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def has_no_page_scroll(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]}px wide in a {widths[1]}px window"


# --- the invite form ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_invite_form_counts_characters_and_its_error_summary_takes_the_focus_and_links_to_fields(
    language: str,
    live_server: Any,
    triad: Triad,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    speaks(triad.member_a, language)
    page = signed_in_page(triad.member_a)
    page.goto(f"{live_server.url}/customers/add/")
    expect_language(page, language)
    name = page.get_by_label(field(text(language, "Organization name")))
    counter = page.locator("#id_name-counter")
    expect(counter).to_have_text("0 / 80")
    name.fill("Acme")
    expect(counter).to_have_text("4 / 80")

    # A 96-character paste is kept whole, and the counter says how much is over.
    name.fill(NAME_96)
    expect(name).to_have_value(NAME_96)
    # The template's {% translate %} doubles "%" in its msgid; the script puts the number in place of "%s".
    over_by = text(language, "over the limit by %%s").replace("%%s", "16")
    expect(counter).to_have_text(f"96 / 80 · {over_by}")
    expect(counter).to_have_class(re.compile(r"text-danger"))
    page.get_by_label(field(text(language, "City"))).fill("Kyiv")
    page.get_by_role("button", name=text(language, "Invite Customer")).click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    too_long = plural(
        language,
        "This can have at most %(limit_value)d character and has %(show_value)d. Nothing was cut: shorten it.",
        "This can have at most %(limit_value)d characters and has %(show_value)d. Nothing was cut: shorten it.",
        80,
        limit_value=80,
        show_value=96,
    )
    expect(summary).to_contain_text(too_long)
    expect(name).to_have_value(NAME_96)  # nothing lost on the way back
    screenshot(page, f"ux-invite-error-summary-{language}")
    assert not axe_violations(page), describe(axe_violations(page))

    organization = text(language, "Organization name")
    summary.get_by_role("link", name=f"{organization}: {too_long}").click()
    expect(name).to_be_focused()
    contact_email = text(language, "Primary contact email")
    summary.get_by_role("link", name=re.compile(rf"^{re.escape(contact_email)}:")).click()
    assert focused_id(page) == "id_contact_email"
    # The summary lists each field's problem once, each with a link.
    assert summary.get_by_role("link").count() == page.locator(".invalid-feedback").count()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_anniversary_date_can_only_be_typed_with_its_box_ticked(
    language: str, live_server: Any, triad: Triad, signed_in_page: Callable[..., Page]
) -> None:
    speaks(triad.member_a, language)
    page = signed_in_page(triad.member_a)
    page.goto(f"{live_server.url}/customers/add/")
    expect_language(page, language)
    box = page.get_by_label(field(text(language, "Select customer Anniversary Date for customer")))
    date = page.locator("#id_anniversary_date")
    term = page.locator("#id_extended_term_months")
    expect(box).not_to_be_checked()
    expect(date).to_be_hidden()
    expect(date).to_be_disabled()
    expect(term).to_be_disabled()

    box.check()
    expect(date).to_be_visible()
    expect(date).to_be_enabled()
    expect(page.get_by_label(field(text(language, "Anniversary Date")))).to_be_visible()
    expect(box).to_have_attribute("aria-controls", "anniversary-fields")
    date.fill((today() + timedelta(days=60)).isoformat())
    box.uncheck()
    expect(date).to_be_hidden()
    expect(date).to_be_disabled()  # a disabled field is not sent: no date without the box


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_date_sent_without_the_box_comes_back_visible_with_the_servers_message(
    language: str, live_server: Any, triad: Triad, signed_in_page: Callable[..., Page]
) -> None:
    """Without JavaScript (or with a form posted by hand) the server refuses it; the page keeps the date in sight."""
    speaks(triad.member_a, language)
    page = signed_in_page(triad.member_a)
    page.goto(f"{live_server.url}/customers/add/")
    day = (today() + timedelta(days=60)).isoformat()
    page.evaluate(
        """(day) => {
          const date = document.getElementById('id_anniversary_date');
          date.disabled = false; date.value = day;
          document.getElementById('anniversary-fields').hidden = false;
        }""",
        day,
    )
    page.get_by_role("button", name=text(language, "Invite Customer")).click()
    expect_language(page, language)
    refused = text(
        language,
        "An Anniversary Date was entered but “Select customer Anniversary Date for customer” is not "
        "ticked. Tick the box to keep the date, or clear the date.",
    )
    box = text(language, "Select customer Anniversary Date for customer")
    expect(page.locator("[data-error-summary]").get_by_role("link", name=f"{box}: {refused}")).to_be_visible()
    expect(page.locator("#id_anniversary_date")).to_be_visible()
    expect(page.locator("#id_anniversary_date")).to_have_value(day)
    assert not Customer.objects.exists()


# --- the order preview --------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_order_shows_its_prices_before_it_is_placed(
    language: str,
    live_server: Any,
    triad: Triad,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    customer = CustomerFactory(managed_by=triad.member_a, name="Preview Studio", segment="COM")
    suite = ProductFactory(code="SUITE-T", name="Design Suite")
    speaks(triad.member_a, language)
    page = signed_in_page(triad.member_a)
    page.goto(f"{live_server.url}/customers/{customer.vip_id}/orders/new/")
    expect_language(page, language)
    place = page.get_by_role("button", name=text(language, "Place order"))
    expect(place).to_have_count(0)
    page.get_by_label(text(language, "Product, line %(n)s", n=1)).select_option(str(suite.pk))
    page.get_by_label(text(language, "Quantity, line %(n)s", n=1)).fill("3")
    page.get_by_role("button", name=text(language, "Preview prices")).click()

    expect(page.locator("#order-preview")).to_be_focused()  # the answer to "Preview prices" takes the focus
    preview = page.get_by_role("region", name=text(language, "Order preview"))
    expect(preview.locator("[data-quote-product=SUITE-T]")).to_contain_text("3 × Design Suite")
    total = page.locator("[data-quote-total]")
    expect(total).to_have_text(f"{money(language, 360)} USD")  # 3 × 120.00, 12 months to a first Anniversary Date
    previewed = total.get_attribute("data-quote-total")
    assert not Order.objects.exists()
    assert not axe_violations(page), describe(axe_violations(page))
    screenshot(page, f"ux-order-preview-{language}")
    place.click()

    expect(page).to_have_url(re.compile(r"\?tab=orders$"))
    order = Order.objects.get()
    assert str(order.total) == previewed  # placed at the prices it showed
    expect(page.locator(f'tr[data-order="{order.number}"]')).to_contain_text(f"{money(language, 360)} USD")


# --- lists at 360px and 1280px ----------------------------------------------------------------------------------


def _customers(triad: Triad) -> Customer:
    on = today()
    first = CustomerFactory(
        managed_by=triad.member_a,
        name="Aardvark International Consolidated Widget Manufacturers",
        contact_email="procurement.department.contact@aardvark-international.example",
    )
    CustomerFactory(
        managed_by=triad.admin_a,
        name="Bright Renewals",
        has_products=True,
        anniversary_date=on + timedelta(days=10),
        vip_select_level="02",
    )
    CustomerFactory(
        managed_by=triad.member_a, name="Past Due Co", has_products=True, open_pa_min_due=on - timedelta(days=40)
    )
    CustomerFactory(managed_by=triad.member_a, name="ÜberlangeorganisationsbezeichnungsgesellschaftmbH")
    for index in range(7):
        CustomerFactory(managed_by=triad.member_a, name=f"Zebra Trading {index}", has_products=True)
    return first


def test_at_360px_the_customer_list_is_cards_with_the_first_customer_on_the_first_screen(
    live_server: Any, triad: Triad, signed_in_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    first = _customers(triad)
    page = signed_in_page(triad.member_a, width=PHONE, height=740)
    page.goto(f"{live_server.url}/customers/")
    screenshot(page, f"ux-customers-list-{PHONE}")
    has_no_page_scroll(page)

    card = page.locator(f'tr[data-vip="{first.vip_id}"]')
    expect(card).to_be_visible()
    box = card.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 740, f"the first customer ends at {box}"
    assert card.evaluate("el => getComputedStyle(el).display") == "block"  # a card, not a table row
    expect(page.locator(".customer-table thead")).to_have_css("position", "absolute")  # headers for readers only
    # The card's facts: name, VIP ID, badges, Anniversary Date and Managed by, each visible and labelled.
    expect(card.get_by_role("link", name=first.name)).to_be_visible()
    expect(card.locator(".cell-vip")).to_have_text(first.vip_id)
    expect(card.locator("td[data-label='Anniversary Date']")).to_be_visible()
    expect(card.locator("td[data-label='Managed by']")).to_be_visible()
    expect(card.locator(".badge").first).to_be_visible()
    expect(card.get_by_role("button", name=f"Remove {first.name}")).to_be_visible()
    expect(page.get_by_role("link", name="Past Due Co")).to_be_visible()
    assert not axe_violations(page), describe(axe_violations(page))

    # The rail is one button; it opens with the keyboard.
    expect(page.get_by_role("navigation", name="Customer filters")).to_be_hidden()
    toggle = page.get_by_role("button", name=re.compile(r"^Filters: All Customers"))
    toggle.focus()
    page.keyboard.press("Space")
    expect(page.get_by_role("navigation", name="Customer filters")).to_be_visible()
    has_no_page_scroll(page)


@pytest.mark.parametrize("language", ["en", "uk"])  # Ukrainian labels are longer: the table must still fit
def test_at_1280px_the_customer_table_fits_without_a_clipped_header(
    live_server: Any,
    triad: Triad,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
    language: str,
) -> None:
    _customers(triad)
    User.objects.filter(pk=triad.member_a.user_id).update(language=language)
    page = signed_in_page(triad.member_a, width=DESKTOP, height=800)
    for query in ("", "?filter=ready", "?filter=past_due&sort=-vip_select"):
        page.goto(f"{live_server.url}/customers/{query}")
        container = page.locator("#results .table-responsive")
        widths = container.evaluate("el => [el.scrollWidth, el.clientWidth]")
        assert widths[0] <= widths[1], f"the customer table scrolls sideways at 1280px ({query}): {widths}"
        header = page.locator(".customer-table thead th").last  # VIP Select
        edge = container.evaluate("el => el.getBoundingClientRect().right")
        assert header.evaluate("el => el.getBoundingClientRect().right") <= edge
        expect(page.locator("#customer-filters")).to_be_visible()
    page.goto(f"{live_server.url}/customers/")
    screenshot(page, f"ux-customers-list-{DESKTOP}-{language}")


def test_page_size_choice_keeps_the_view(live_server: Any, triad: Triad, signed_in_page: Callable[..., Page]) -> None:
    CustomerFactory.create_batch(30, managed_by=triad.member_a)
    page = signed_in_page(triad.member_a)
    page.goto(f"{live_server.url}/customers/?filter=no_products&sort=-name")
    expect(page.locator(".customer-table tbody tr")).to_have_count(25)
    page.get_by_label("Per page").select_option("50")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"filter=no_products&sort=-name&per_page=50$"))
    expect(page.locator(".customer-table tbody tr")).to_have_count(30)


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("language", LANGUAGES)
def test_screenshots_of_the_customer_list_details_home_and_renewals_page(
    language: str,
    width: int,
    live_server: Any,
    triad: Triad,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[..., Path],
) -> None:
    """test-artifacts/ux-{page}-{language}-{width}.png, looked at by a person before a layout change is
    called done; each page also fits its width here (no sideways scroll)."""
    _customers(triad)
    suite = ProductFactory(code="SUITE-T", name="Design Suite")
    customer = CustomerFactory(managed_by=triad.member_a, name="Renewing Studio", segment="COM")
    order = orders.order_place(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(suite, 12)]
    )
    order_acceptance.order_accept(order_id=order.pk)
    Customer.objects.filter(pk=customer.pk).update(anniversary_date=today() + timedelta(days=20))
    speaks(triad.member_a, language)
    page = signed_in_page(triad.member_a, width=width, height=740 if width == PHONE else 800)

    def shots(name: str) -> None:
        screenshot(page, name)
        if width == PHONE:  # a long page shrinks to a sliver when viewed whole: its first screen too
            screenshot(page, f"{name}-first-screen", full_page=False)

    page.goto(f"{live_server.url}/")
    expect_language(page, language)
    expect(page.get_by_role("heading", name=text(language, "To do"))).to_be_visible()
    has_no_page_scroll(page)
    shots(f"ux-home-{language}-{width}")

    page.goto(f"{live_server.url}/customers/")
    expect(page.locator(f'tr[data-vip="{customer.vip_id}"]')).to_be_visible()
    has_no_page_scroll(page)
    shots(f"ux-customers-list-{language}-{width}")

    page.goto(f"{live_server.url}/customers/{customer.vip_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Renewing Studio")
    has_no_page_scroll(page)
    shots(f"ux-customer-detail-{language}-{width}")

    page.goto(f"{live_server.url}/renewals/")
    row = page.locator(f'tr[data-vip="{customer.vip_id}"]')
    expect(row).to_be_visible()
    has_no_page_scroll(page)
    if width == PHONE:
        box = row.bounding_box()
        assert box is not None and box["y"] < 740, "the first renewal is below the first screen"
        expect(page.get_by_role("navigation", name=text(language, "Renewal filters"))).to_be_hidden()
        assert not axe_violations(page), describe(axe_violations(page))
    shots(f"ux-renewals-{language}-{width}")
    if width == DESKTOP:
        widths = page.locator(".renewal-table").evaluate(
            "el => [el.parentElement.scrollWidth, el.parentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"the renewals table scrolls sideways at {width}px: {widths}"
