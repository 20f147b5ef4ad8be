"""I18N-2, I18N-3 in Chromium: the language menu switches the console to either language (from the other),
which stays after a reload and at the next sign-in; before sign-in the page follows the browser's
language; the customer list and details in Ukrainian show no English text of the console's own."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import formats, translation
from playwright.sync_api import Browser, Page, expect

from console.clock import today
from customers.geography import country_name, region_name
from customers.models import InvitationStatus
from tests.browser.languages import LANGUAGES, expect_language, plural, speaks, text
from tests.conftest import Triad
from tests.factories import PASSWORD, CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Words that stay as they are in the Ukrainian console: the programme's names, codes and the menu's
# own "English" (each language is named in itself).
NAMES = {"VIP", "Select", "English", "Value", "Incentive", "Plan", "Team", "Enterprise", "CSV", "USD", "ID"}


def english_words(text: str) -> set[str]:
    return set(re.findall(r"\b[A-Za-z]{2,}\b", re.sub(r"\S+@\S+", "", text))) - NAMES


def sign_in(page: Page, live_server: Any, email: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")


def customers_of(triad: Triad) -> None:
    """A list with Ukrainian names in every state, so any English left on the page is the console's."""
    member = triad.member_a
    contact = {
        "contact_first_name": "Олена",
        "contact_last_name": "Шевченко",
        "city": "Київ",
        "address_line1": "вул. Хрещатик, 1",
        "postal_code": "01001",
    }
    CustomerFactory(
        **contact, managed_by=member, name="Рога і Копита", name_en="Roga i Kopyta", country="UA", region="UA-30"
    )
    CustomerFactory(
        **contact,
        managed_by=member,
        name="Київські Ліцензії",
        name_en="Kyivski Litsenzii",
        country="UA",
        region="UA-46",
        invitation_status=InvitationStatus.ACCEPTED,
        anniversary_date=today() + timedelta(days=20),
    )
    CustomerFactory(
        **contact, managed_by=member, name="Дніпро Софт", name_en="Dnipro Soft", country="UA", region="UA-12"
    )


# Each language is named in itself in the menu, whatever the page's language.
NAMED = {"en": "English", "uk": "Українська"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_language_menu_switches_the_console_for_good(
    language: str, browser: Browser, live_server: Any, triad: Triad, signed_in_page: Callable[..., Page]
) -> None:
    """From the other language to `language` with the user's menu; the choice stays after a reload and at
    the next sign-in from a browser set to the other language."""
    (before,) = set(LANGUAGES) - {language}
    speaks(triad.member_a, before)
    customers_of(triad)
    page = signed_in_page(triad.member_a, width=1280)
    page.goto(f"{live_server.url}/customers/")
    expect_language(page, before)
    expect(page.get_by_role("link", name=text(before, "Customers"), exact=True)).to_be_visible()

    page.locator("#user-menu").click()
    page.get_by_role("button", name=NAMED[language]).click()

    expect(page).to_have_url(f"{live_server.url}/customers/")
    expect_language(page, language)
    expect(page.get_by_role("link", name=text(language, "Customers"), exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=text(language, "Add Customer Organization"))).to_be_visible()
    three = plural(language, "%(shown)s customer", "%(shown)s customers", 3, shown=3)
    expect(page.get_by_text(three, exact=True)).to_be_visible()
    page.reload()
    expect_language(page, language)
    expect(page.get_by_role("navigation", name=text(language, "Main navigation"))).to_be_visible()

    # The next sign-in, from a browser set to the other language, is in the chosen one: the choice is the user's.
    context = browser.new_context(locale=before, viewport={"width": 1280, "height": 800})
    try:
        fresh = context.new_page()
        sign_in(fresh, live_server, triad.member_a.user.email)
        expect(fresh).to_have_url(f"{live_server.url}/")
        expect_language(fresh, language)
        fresh.goto(f"{live_server.url}/customers/?filter=all")
        expect(fresh.get_by_role("link", name=text(language, "Customers"), exact=True)).to_be_visible()

        # And back from the menu.
        fresh.locator("#user-menu").click()
        fresh.get_by_role("button", name=NAMED[before]).click()
        expect_language(fresh, before)
        expect(fresh.get_by_role("link", name=text(before, "Customers"), exact=True)).to_be_visible()
    finally:
        context.close()


def test_the_ukrainian_customer_list_and_details_show_no_english_of_the_consoles_own(
    live_server: Any,
    triad: Triad,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    triad.member_a.user.first_name, triad.member_a.user.last_name = "Остап", "Бендер"
    triad.member_a.user.save(update_fields=["first_name", "last_name"])
    speaks(triad.member_a, "uk")
    customers_of(triad)
    page = signed_in_page(triad.member_a, width=1280)
    page.goto(f"{live_server.url}/customers/")
    expect_language(page, "uk")
    left_in_english = english_words(page.locator("body").inner_text()) - set(triad.reseller_a.name.split())
    screenshot(page, "i18n-customers-uk-1280")
    assert not left_in_english, f"Untranslated on the Ukrainian customer list: {sorted(left_in_english)}"

    # The details of the customer ready for renewal: facts, dates, region and country in Ukrainian.
    page.get_by_role("link", name="Київські Ліцензії").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Київські Ліцензії")
    facts = page.locator(".customer-facts").first
    with translation.override("uk"):  # the names come from iso-codes' Ukrainian catalogues
        region, country = region_name("UA", "UA-46"), country_name("UA")
    assert (region, country) != (region_name("UA", "UA-46"), country_name("UA"))  # not the English names
    expect(facts).to_contain_text(region)
    expect(facts).to_contain_text(country)
    left_in_english = english_words(page.locator("body").inner_text())
    left_in_english -= {*triad.reseller_a.name.split(), "Kyivski", "Litsenzii"}
    screenshot(page, "i18n-customer-detail-uk-1280")
    assert not left_in_english, f"Untranslated on the Ukrainian customer details: {sorted(left_in_english)}"
    with translation.override("uk"):
        expect(page.locator("main")).to_contain_text(formats.date_format(today() + timedelta(days=20)))


@pytest.mark.parametrize(
    ("locale", "language", "heading"),
    [("uk-UA", "uk", "Вхід до Консолі реселера"), ("en-GB", "en", "Sign in to the Reseller Console")],
)
def test_before_sign_in_the_page_follows_the_browser_language(
    browser: Browser, live_server: Any, locale: str, language: str, heading: str
) -> None:
    context = browser.new_context(locale=locale)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    finally:
        context.close()
