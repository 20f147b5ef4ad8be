"""Customers through a reseller's eyes (SPEC §3): invite, remind, accept in the member portal, find in
the list, download the report, remove, filter, sort, search, and the same pages on a phone."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from console.clock import today
from console.outbox.models import OutboxMessage
from customers.models import Customer
from tests.browser.test_accessibility import axe_violations, describe
from tests.conftest import Triad
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 360
PASSWORD = "a long and unusual passphrase 42"
CYRILLIC_NAME = "Рога і Копита"
ENGLISH_NAME = "Roga i Kopyta"
FIRST_EMAIL = "ostap@roga.example"
SECOND_EMAIL = "bender@kopyta.example"
FILTER_LABELS = {
    "no_products": "No Products",
    "pending": "Pending Requests",
    "past_due": "Past Due Requests",
    "upcoming": "Upcoming Renewals",
    "ready": "Ready for Renewal",
    "all": "All Customers",
}
# LIST-6, in the SPEC's order.
REPORT_COLUMNS = [
    "VIP ID",
    "Organization name",
    "Organization name (English)",
    "Market segment",
    "Type",
    "Country",
    "Region",
    "City",
    "Postal code",
    "Address line 1",
    "Address line 2",
    "Primary contact name",
    "Primary contact email",
    "Invitation status",
    "Anniversary Date",
    "Extended term months",
    "Managed by",
    "VIP Select level",
    "3-year commit status",
    "Pending PA count",
    "Past-due PA count",
    "Renewal state",
    "Active licences",
    "Available licences",
    "Created at",
]


# --- helpers -----------------------------------------------------------------------------------------


def field(label: str) -> re.Pattern[str]:
    """A form field's label: crispy adds "*" to required ones, and get_by_label does not trim."""
    return re.compile(rf"^\s*{re.escape(label)}\W*$")


def rail(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Customer filters")


def filter_link(page: Page, value: str) -> Locator:
    return rail(page).get_by_role("link", name=re.compile(rf"^{FILTER_LABELS[value]}\b"))


def filter_count(page: Page, value: str) -> int:
    return int(rail(page).locator(f'[data-count="{value}"]').inner_text())


def listed_names(page: Page) -> Locator:
    """The organisation names in the results table, top to bottom."""
    return page.locator(".customer-table tbody tr td:first-child a")


def result_total(page: Page) -> int:
    """The "N customers" line above the table."""
    text = page.get_by_text(re.compile(r"^\s*\d+ customers?\s*$")).inner_text().strip()
    return int(text.split()[0])


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def emailed_link(to: str, template: str, base_url: str) -> str:
    """The accept link of the invitation emailed to `to`, on the live server."""
    message = OutboxMessage.objects.get(to_email=to, template=template)
    match = re.search(r"https?://\S+/portal/accept/\S+/", message.body_text)
    assert match, f"no accept link in the email:\n{message.body_text}"
    return base_url + urlsplit(match.group()).path


def read_report(page: Page) -> tuple[bytes, list[list[str]]]:
    """Click "Download customer report" and return the raw bytes and the parsed rows."""
    with page.expect_download() as info:
        page.get_by_role("link", name="Download customer report").click()
    download = info.value
    assert download.failure() is None, download.failure()
    assert re.fullmatch(r"customers-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    raw = Path(download.path()).read_bytes()
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def has_no_page_scroll(page: Page) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    inner_width = page.evaluate("window.innerWidth")
    assert scroll_width <= inner_width, f"{page.url} is {scroll_width}px wide in a {inner_width}px window"


def no_serious_axe_violations(page: Page) -> None:
    """No axe violation of any impact (the name stayed when the bar was raised from serious)."""
    violations = axe_violations(page)
    assert not violations, f"{page.url}:\n" + describe(violations)


def table_fits(page: Page) -> None:
    widths = page.locator(".table-responsive").evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] <= widths[1], f"the customer table scrolls sideways: {widths}"


# --- 1 + 2: invite, find, remind, accept -----------------------------------------------------------------


def test_member_invites_a_cyrillic_customer_who_accepts_after_a_reminder(
    browser: Browser,
    live_server: Any,
    triad: Triad,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    CustomerFactory(managed_by=triad.member_a, name="Existing Widgets")
    page = signed_in_page(triad.member_a)
    page.goto(f"{live_server.url}/customers/")
    no_products_before = filter_count(page, "no_products")
    assert no_products_before == 1

    page.get_by_role("link", name="Add Customer Organization").click()
    expect(page).to_have_url(f"{live_server.url}/customers/add/")
    # Crispy appends "*" to a required field's label.
    page.get_by_label(field("Organization name")).fill(CYRILLIC_NAME)
    page.get_by_label(field("Organization name in US-English characters")).fill(ENGLISH_NAME)
    page.get_by_label(field("Market segment")).select_option(label="Commercial")
    page.get_by_label(field("Type")).select_option(label="Team")
    page.get_by_label(field("Country")).select_option("UA")
    # htmx swaps the disabled region input for the country's regions.
    region = page.locator("select#id_region")
    expect(region.locator('option[value="UA-30"]')).to_have_text("Kyiv")
    region.select_option("UA-30")
    page.get_by_label(field("City")).fill("Київ")
    page.get_by_label(field("Address line 1")).fill("вул. Хрещатик, 1")
    page.get_by_label(field("ZIP or postal code")).fill("01001")
    page.get_by_label(field("Primary contact first name")).fill("Остап")
    page.get_by_label(field("Primary contact last name")).fill("Бендер")
    page.get_by_label(field("Primary contact email")).fill(FIRST_EMAIL)
    page.get_by_label(field("Preferred language")).select_option("uk")
    screenshot(page, "customers-invite-form")
    no_serious_axe_violations(page)
    page.get_by_role("button", name="Invite Customer").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/customers/[0-9A-F]{{20}}/$"))
    vip_id = page.url.rstrip("/").rsplit("/", 1)[1]
    detail_url = page.url
    expect(page.get_by_role("status")).to_contain_text(f"Invitation sent to {FIRST_EMAIL}. VIP ID {vip_id}.")
    expect(page.get_by_role("heading", level=1)).to_have_text(CYRILLIC_NAME)
    expect(page.get_by_text(ENGLISH_NAME, exact=True)).to_be_visible()
    facts = page.locator(".customer-facts").first
    expect(facts).to_contain_text(vip_id)
    expect(facts).to_contain_text("01001 Київ")
    expect(facts).to_contain_text("Kyiv, Ukraine")
    expect(facts.locator(".badge")).to_have_text("Pending")
    expect(page.get_by_role("link", name="Send reminder")).to_be_visible()
    screenshot(page, "customers-detail")
    no_serious_axe_violations(page)
    customer = Customer.objects.get(vip_id=vip_id)
    assert (customer.name, customer.name_en, customer.region, customer.managed_by) == (
        CYRILLIC_NAME,
        ENGLISH_NAME,
        "UA-30",
        triad.member_a,
    )

    # The list: under No Products, whose count went up by one.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Customers").click()
    filter_link(page, "no_products").click()
    expect(page).to_have_url(re.compile(r"filter=no_products"))
    expect(rail(page).locator('[data-count="no_products"]')).to_have_text(str(no_products_before + 1))
    expect(listed_names(page)).to_have_text(["Existing Widgets", CYRILLIC_NAME])
    row = page.get_by_role("row").filter(has_text=CYRILLIC_NAME)
    expect(row).to_contain_text(vip_id)
    expect(row).to_contain_text(FIRST_EMAIL)
    expect(row).to_contain_text("Pending")
    screenshot(page, "customers-list")
    table_fits(page)  # at 1280px every column shows without scrolling the table

    # Send a reminder to another address: the first link stops working.
    row.get_by_role("link", name=CYRILLIC_NAME).click()
    expect(page).to_have_url(detail_url)
    page.get_by_role("link", name="Send reminder").click()
    expect(page).to_have_url(f"{detail_url}reminder/")
    email_field = page.get_by_label(field("Primary contact email"))
    expect(email_field).to_have_value(FIRST_EMAIL)
    email_field.fill(SECOND_EMAIL)
    page.get_by_role("button", name="Send reminder").click()
    expect(page).to_have_url(detail_url)
    expect(page.get_by_role("status")).to_contain_text(f"Reminder sent to {SECOND_EMAIL}.")
    expect(page.locator(".customer-facts").first).to_contain_text(SECOND_EMAIL)

    first_link = emailed_link(FIRST_EMAIL, "customer_invitation", live_server.url)
    second_link = emailed_link(SECOND_EMAIL, "customer_reminder", live_server.url)
    customer_context = browser.new_context()
    try:
        contact = customer_context.new_page()
        contact.goto(first_link)
        expect(contact.get_by_role("heading", name="Invitation link not valid")).to_be_visible()
        expect(contact.get_by_role("alert")).to_contain_text("replaced by a newer one")

        contact.goto(second_link)
        expect(contact.get_by_role("heading", name="Join the Value Incentive Plan")).to_be_visible()
        expect(contact.get_by_role("main")).to_contain_text(f"Alpha Resale invites {CYRILLIC_NAME}")
        expect(contact.get_by_role("main")).to_contain_text(SECOND_EMAIL)
        contact.get_by_label(field("Password")).fill(PASSWORD)
        contact.get_by_label(field("Password again")).fill(PASSWORD)
        contact.get_by_label(field("I accept the VIP terms and conditions on behalf of the organization")).check()
        screenshot(contact, "customers-portal-accept")
        contact.get_by_role("button", name="Accept and join").click()

        # Signed in, the contact reads the portal in the preferred language the reseller chose (I18N-2).
        expect(contact).to_have_url(f"{live_server.url}/portal/")
        expect(contact.locator("html")).to_have_attribute("lang", "uk")
        expect(contact.get_by_role("status")).to_contain_text(f"Вітаємо у Value Incentive Plan, {CYRILLIC_NAME}.")
        organisation = contact.get_by_role("listitem").filter(has_text=CYRILLIC_NAME)
        expect(organisation).to_contain_text(vip_id)
        expect(organisation).to_contain_text("Alpha Resale")
        expect(organisation).to_contain_text("Прийнято")
        screenshot(contact, "customers-portal-home")

        contact.goto(second_link)  # single use
        expect(contact.get_by_role("heading", name="Посилання-запрошення недійсне")).to_be_visible()
    finally:
        customer_context.close()

    page.reload()
    facts = page.locator(".customer-facts").first
    expect(facts.locator(".badge")).to_have_text("Accepted")
    expect(facts).to_contain_text(SECOND_EMAIL)
    expect(page.get_by_role("link", name="Send reminder")).to_have_count(0)


# --- 3: the report ------------------------------------------------------------------------------------


def test_customer_report_holds_the_customers_of_the_current_view(
    live_server: Any, triad: Triad, signed_in_page: Callable[..., Page]
) -> None:
    cyrillic = CustomerFactory(
        managed_by=triad.member_a,
        name=CYRILLIC_NAME,
        name_en=ENGLISH_NAME,
        country="UA",
        region="UA-30",
        city="Київ",
        postal_code="01001",
    )
    CustomerFactory(managed_by=triad.member_a, name="Birch Supplies", city="=HYPERLINK(1)")
    CustomerFactory(managed_by=triad.admin_a, name="Cedar Holdings", has_products=True)
    CustomerFactory(managed_by=triad.member_b, name="Not Our Customer")  # reseller B

    page = signed_in_page(triad.member_a)
    page.goto(f"{live_server.url}/customers/")
    expect(listed_names(page)).to_have_count(3)
    raw, rows = read_report(page)
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:20]
    header, *body = rows
    assert header[:18] == REPORT_COLUMNS[:18]
    assert header[-1] == "Created at"
    assert len(body) == result_total(page) == 3
    by_vip = {row[0]: row for row in body}
    assert by_vip[cyrillic.vip_id][1:3] == [CYRILLIC_NAME, ENGLISH_NAME]
    assert by_vip[cyrillic.vip_id][5:9] == ["UA", "UA-30", "Київ", "01001"]
    assert CYRILLIC_NAME.encode() in raw  # UTF-8 bytes, not an escape
    birch = next(row for row in body if row[1] == "Birch Supplies")
    assert birch[7] == "'=HYPERLINK(1)"  # no formula injection
    assert "Not Our Customer" not in raw.decode("utf-8-sig")

    # Another view, another report: No Products and a search.
    filter_link(page, "no_products").click()
    expect(page).to_have_url(re.compile(r"filter=no_products"))
    expect(listed_names(page)).to_have_count(2)
    _, rows = read_report(page)
    assert sorted(row[1] for row in rows[1:]) == ["Birch Supplies", CYRILLIC_NAME]
    assert len(rows) - 1 == result_total(page) == filter_count(page, "no_products")

    page.get_by_role("searchbox", name="Search customers").fill("копита")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=%D0%BA"))
    expect(listed_names(page)).to_have_text([CYRILLIC_NAME])
    _, rows = read_report(page)
    assert [row[1] for row in rows[1:]] == [CYRILLIC_NAME]


def test_customer_report_has_every_column_of_the_spec(
    live_server: Any, triad: Triad, signed_in_page: Callable[..., Page]
) -> None:
    CustomerFactory(managed_by=triad.member_a)
    page = signed_in_page(triad.member_a)
    page.goto(f"{live_server.url}/customers/")
    _, rows = read_report(page)
    assert [name.casefold() for name in rows[0]] == [name.casefold() for name in REPORT_COLUMNS]


# --- 4: remove ----------------------------------------------------------------------------------------


def test_no_products_customer_is_removed_after_confirming(
    live_server: Any, triad: Triad, signed_in_page: Callable[..., Page]
) -> None:
    CustomerFactory(managed_by=triad.member_a, name="Typo Organisaton")
    CustomerFactory(managed_by=triad.member_a, name="Solid Products", has_products=True)
    CustomerFactory(managed_by=triad.member_a, name="Another Prospect")

    page = signed_in_page(triad.member_a)
    page.goto(f"{live_server.url}/customers/")
    assert (filter_count(page, "all"), filter_count(page, "no_products")) == (3, 2)

    page.get_by_role("link", name="Typo Organisaton").click()
    detail_url = page.url
    remove = page.get_by_role("button", name="Remove customer")
    messages: list[str] = []

    # Cancel in the confirm dialog: nothing happens.
    def dismiss(dialog: Any) -> None:
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    remove.click()
    assert messages and messages[0].startswith("Remove Typo Organisaton?")
    expect(page).to_have_url(detail_url)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Typo Organisaton")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove customer").click()
    expect(page).to_have_url(f"{live_server.url}/customers/")
    expect(page.get_by_role("status")).to_contain_text("Typo Organisaton was removed.")
    expect(listed_names(page)).to_have_text(["Another Prospect", "Solid Products"])
    assert (filter_count(page, "all"), filter_count(page, "no_products")) == (2, 1)
    page.goto(detail_url)
    expect(page.get_by_role("heading", name=re.compile("not found", re.IGNORECASE))).to_be_visible()

    # A customer with products cannot be removed: no button.
    page.goto(f"{live_server.url}/customers/")
    page.get_by_role("link", name="Solid Products").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Solid Products")
    expect(page.get_by_role("button", name="Remove customer")).to_have_count(0)


# --- 5: filters, Managed by me, sort, search -------------------------------------------------------------


def test_filters_managed_by_me_sorting_and_search_keep_their_state_in_the_url(
    live_server: Any, triad: Triad, signed_in_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    on = today()
    day = timedelta(days=1)
    mine, theirs = triad.member_a, triad.admin_a
    # Names start with distinct capitals, so the database's collation and Python agree on the order.
    specs: list[tuple[str, Any, dict[str, Any]]] = [
        ("Aspen Fresh", mine, {}),
        ("Birch Pending", mine, {"has_products": True, "open_pa_min_due": on, "open_pa_max_due": on + 10 * day}),
        ("Cedar Overdue", mine, {"has_products": True, "open_pa_min_due": on - day, "open_pa_max_due": on - day}),
        # one PA overdue, another still within its due date: in both lists
        ("Dogwood Both", theirs, {"has_products": True, "open_pa_min_due": on - 3 * day, "open_pa_max_due": on}),
        ("Elm Upcoming", mine, {"has_products": True, "anniversary_date": on + 40 * day}),
        ("Fir Upcoming Edge", theirs, {"has_products": True, "anniversary_date": on + 45 * day}),
        ("Ginkgo Ready", mine, {"has_products": True, "anniversary_date": on + 30 * day}),
        ("Hazel Grace", theirs, {"has_products": True, "anniversary_date": on - 30 * day}),
        ("Ivy Too Far", mine, {"has_products": True, "anniversary_date": on + 46 * day}),
        ("Juniper Lapsed", theirs, {"has_products": True, "anniversary_date": on - 31 * day}),
        ("Kapok Fresh", theirs, {}),
        ("Larch Upcoming Start", theirs, {"has_products": True, "anniversary_date": on + 31 * day}),
    ]
    managed = {}
    for name, manager, fields in specs:
        CustomerFactory(managed_by=manager, name=name, **fields)
        managed[name] = manager
    CustomerFactory(managed_by=triad.member_b, name="Bravo Ready", anniversary_date=on)  # another reseller
    expected = {
        "no_products": ["Aspen Fresh", "Kapok Fresh"],
        "pending": ["Birch Pending", "Dogwood Both"],
        "past_due": ["Cedar Overdue", "Dogwood Both"],
        "upcoming": ["Elm Upcoming", "Fir Upcoming Edge", "Larch Upcoming Start"],
        "ready": ["Ginkgo Ready", "Hazel Grace"],
        "all": sorted(managed),
    }

    page = signed_in_page(triad.member_a)
    page.goto(f"{live_server.url}/customers/")
    expect(filter_link(page, "all")).to_have_attribute("aria-current", "true")
    for value, names in expected.items():
        filter_link(page, value).click()
        expect(page).to_have_url(re.compile(rf"filter={value}\b"))
        expect(filter_link(page, value)).to_have_attribute("aria-current", "true")
        expect(listed_names(page)).to_have_text(names)
        assert filter_count(page, value) == result_total(page) == len(names), value

    # Managed by me narrows every filter (and its counts) to member A's customers.
    filter_link(page, "upcoming").click()
    expect(listed_names(page)).to_have_text(expected["upcoming"])
    page.get_by_role("switch", name="Managed by me").check()
    expect(page).to_have_url(re.compile(r"mine=on"))
    assert query(page)["filter"] == ["upcoming"]
    expect(listed_names(page)).to_have_text(["Elm Upcoming"])
    for value, names in expected.items():
        assert filter_count(page, value) == len([n for n in names if managed[n] == mine]), value
    screenshot(page, "customers-list-mine")
    page.reload()  # the URL holds the state
    expect(page.get_by_role("switch", name="Managed by me")).to_be_checked()
    expect(filter_link(page, "upcoming")).to_have_attribute("aria-current", "true")
    expect(listed_names(page)).to_have_text(["Elm Upcoming"])
    filter_link(page, "ready").click()  # another filter keeps Managed by me
    assert query(page)["mine"] == ["on"]
    expect(listed_names(page)).to_have_text(["Ginkgo Ready"])
    page.get_by_role("switch", name="Managed by me").uncheck()
    expect(page).not_to_have_url(re.compile(r"mine=on"))
    expect(listed_names(page)).to_have_text(expected["ready"])

    # Sorting by a column header, both ways; aria-sort follows.
    filter_link(page, "all").click()
    expect(listed_names(page)).to_have_text(expected["all"])
    header = page.get_by_role("columnheader", name="Organization")
    expect(header).to_have_attribute("aria-sort", "ascending")
    header.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=-name"))
    expect(listed_names(page)).to_have_text(expected["all"][::-1])
    expect(page.get_by_role("columnheader", name="Organization")).to_have_attribute("aria-sort", "descending")
    page.get_by_role("columnheader", name="Anniversary Date").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=anniversary\b"))
    dated = sorted((s for s in specs if "anniversary_date" in s[2]), key=lambda s: s[2]["anniversary_date"])
    undated = sorted(name for name, _, fields in specs if "anniversary_date" not in fields)
    by_date = [name for name, _, _ in dated] + undated
    expect(listed_names(page)).to_have_text(by_date)  # no date last
    page.reload()
    expect(listed_names(page)).to_have_text(by_date)
    expect(page.get_by_role("columnheader", name="Anniversary Date")).to_have_attribute("aria-sort", "ascending")

    # Keyboard only: Tab from the top of the page to the search box, type, Enter. The sort stays.
    page.get_by_role("heading", level=1).click()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    expect(page.get_by_role("searchbox", name="Search customers")).to_be_focused()
    page.keyboard.type("upcoming")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=upcoming"))
    assert (query(page)["filter"], query(page)["sort"]) == (["all"], ["anniversary"])
    expect(listed_names(page)).to_have_text(["Larch Upcoming Start", "Elm Upcoming", "Fir Upcoming Edge"])
    expect(page.get_by_role("searchbox", name="Search customers")).to_have_value("upcoming")

    # Another filter starts a new search but keeps the sort.
    filter_link(page, "ready").click()
    expect(page).to_have_url(re.compile(r"filter=ready"))
    assert "q" not in query(page) and query(page)["sort"] == ["anniversary"]
    expect(listed_names(page)).to_have_text(["Hazel Grace", "Ginkgo Ready"])
    page.get_by_role("switch", name="Managed by me").check()  # and so does Managed by me
    expect(page).to_have_url(re.compile(r"mine=on"))
    assert (query(page)["filter"], query(page)["sort"]) == (["ready"], ["anniversary"])
    expect(listed_names(page)).to_have_text(["Ginkgo Ready"])

    page.get_by_role("searchbox", name="Search customers").fill("no such customer")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("No customers match “no such customer”.")
    no_serious_axe_violations(page)


# --- 6: a phone -----------------------------------------------------------------------------------------


def test_phone_width_has_no_page_scroll_and_reachable_filters(
    live_server: Any, triad: Triad, signed_in_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    on = today()
    long = CustomerFactory(
        managed_by=triad.member_a,
        name="International Consolidated Widget Manufacturers and Distributors Ltd",
        contact_email="procurement.department.contact@international-consolidated.example",
        anniversary_date=on + timedelta(days=10),
        has_products=True,
    )
    CustomerFactory(managed_by=triad.member_a, name=CYRILLIC_NAME, name_en=ENGLISH_NAME, country="UA", region="UA-30")
    CustomerFactory(
        managed_by=triad.admin_a, name="Short Co", has_products=True, open_pa_min_due=on - timedelta(days=40)
    )

    page = signed_in_page(triad.member_a, width=PHONE_WIDTH, height=740)
    page.goto(f"{live_server.url}/customers/")
    expect(listed_names(page)).to_have_count(3)
    screenshot(page, f"customers-list-{PHONE_WIDTH}")
    has_no_page_scroll(page)
    # The filter rail is folded behind one button on a phone (NF-6), which opens it from the keyboard.
    expect(filter_link(page, "ready")).to_be_hidden()
    toggle = page.get_by_role("button", name=re.compile(r"^Filters: All Customers"))
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#customer-filters")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    for value in FILTER_LABELS:
        expect(filter_link(page, value)).to_be_visible()
    expect(page.get_by_role("switch", name="Managed by me")).to_be_visible()
    expect(page.get_by_role("searchbox", name="Search customers")).to_be_visible()

    filter_link(page, "ready").click()
    expect(page).to_have_url(re.compile(r"filter=ready"))
    expect(listed_names(page)).to_have_text([long.name])
    has_no_page_scroll(page)
    page.get_by_role("button", name=re.compile(r"^Filters: Ready for Renewal")).click()
    expect(page.locator("#customer-filters")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))  # opened
    page.get_by_role("switch", name="Managed by me").click()
    expect(page).to_have_url(re.compile(r"mine=on"))
    expect(listed_names(page)).to_have_text([long.name])

    page.goto(f"{live_server.url}/customers/add/")
    page.get_by_label(field("Country")).select_option("UA")
    expect(page.locator('select#id_region option[value="UA-30"]')).to_be_attached()
    screenshot(page, f"customers-invite-{PHONE_WIDTH}")
    has_no_page_scroll(page)

    page.goto(f"{live_server.url}/customers/{long.vip_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(long.name)
    screenshot(page, f"customers-detail-{PHONE_WIDTH}")
    has_no_page_scroll(page)
    page.get_by_role("link", name="History").click()
    expect(page).to_have_url(re.compile(r"tab=history"))
    has_no_page_scroll(page)
