"""DASH-1/DASH-2 through an account manager's eyes: sign in, see the to-do list and the charts drawn by
Chart.js, click each item and land on the filtered list with the same count, switch *Managed by me* (in
English and Ukrainian); the page at 1280 px and 360 px (screenshots in test-artifacts/), with no serious
accessibility issue."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.languages import LANGUAGES, expect_language, plural, speaks, text
from tests.browser.test_accessibility import PHONE_WIDTH, axe_violations, describe
from tests.browser.test_purchasing import has_no_page_scroll
from tests.conftest import Triad
from tests.factories import ProductFactory
from tests.home.conftest import seed_book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(triad: Triad) -> Triad:
    suite = ProductFactory(name="Suite")
    now = timezone.now()
    seed_book(triad.member_a, suite, on=timezone.localdate(), now=now)
    seed_book(triad.admin_a, suite, prefix="Admin ", on=timezone.localdate(), now=now)
    seed_book(triad.member_b, suite, prefix="Bravo ", on=timezone.localdate(), now=now)
    return triad


def count_of(page: Page, item: str) -> int:
    return int(page.locator(f'[data-count="{item}"]').inner_text())


def list_total(language: str, path: str, count: int) -> str:
    """How the list at `path` says how many rows it holds."""
    customers = ("%(shown)s customer", "%(shown)s customers", "shown")
    totals = {
        reverse("customers:list"): customers,
        reverse("renewal_pages:list"): customers,
        reverse("order_pages:failed"): ("%(total)s order", "%(total)s orders", "total"),
        reverse("reseller_change:codes"): ("%(total)s code", "%(total)s codes", "total"),
    }
    singular, many, name = totals[path]
    return plural(language, singular, many, count, **{name: count})


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_home_page_is_a_to_do_list_whose_counts_are_the_lists(
    language: str,
    live_server: Any,
    seeded: Triad,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    speaks(seeded.member_a, language)
    page = signed_in_page(seeded.member_a)
    page.goto(f"{live_server.url}/")
    expect_language(page, language)
    expect(page.get_by_role("heading", name=text(language, "To do"))).to_be_visible()
    assert count_of(page, "past_due") == 4 and count_of(page, "ready") == 6
    # Chart.js drew every chart; the tables folded into their <details>
    charts = page.locator("figure[data-chart]")
    assert charts.count() == 3
    for index in range(3):
        canvas = charts.nth(index).locator("canvas")
        expect(canvas).to_be_visible()
        assert canvas.bounding_box()["height"] > 100
        assert charts.nth(index).locator("details").get_attribute("open") is None
    expect(page.get_by_role("button", name=text(language, "Apply"))).to_have_count(0)  # the switch submits by itself
    assert not axe_violations(page), describe(axe_violations(page))
    screenshot(page, f"home-{language}-1280")

    # Each item leads to its filtered list, which holds as many rows as the item counts.
    names = page.locator("[data-item]").evaluate_all("items => items.map(item => item.dataset.item)")
    assert len(names) == 6, names
    for name in names:
        page.goto(f"{live_server.url}/")
        count = count_of(page, name)
        assert count > 0, name  # a seeded book: no item may pass by being empty on both pages
        see_all = plural(language, "See it in the list", "See all %(counter)s in the list", count, counter=count)
        page.locator(f'[data-item="{name}"]').get_by_role("link", name=see_all).click()
        expect(page).not_to_have_url(f"{live_server.url}/")
        expect_language(page, language)
        total = list_total(language, urlparse(page.url).path, count)
        expect(page.get_by_text(total, exact=True), f"{name}: {page.url}").to_be_visible()

    # Managed by me filters every item, and the link keeps it
    page.goto(f"{live_server.url}/")
    page.get_by_label(text(language, "Managed by me")).check()
    expect(page).to_have_url(re.compile(r"/\?mine=on$"))
    assert count_of(page, "past_due") == 2 and count_of(page, "failed_orders") == 1
    see_all = plural(language, "See it in the list", "See all %(counter)s in the list", 2, counter=2)
    page.locator('[data-item="past_due"]').get_by_role("link", name=see_all).click()
    expect(page).to_have_url(re.compile(r"/customers/\?filter=past_due&mine=on$"))
    expect(page.get_by_text(list_total(language, "/customers/", 2), exact=True)).to_be_visible()


def test_the_home_page_on_a_phone(
    live_server: Any, seeded: Triad, signed_in_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    page = signed_in_page(seeded.member_a, width=PHONE_WIDTH, height=740)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="To do")).to_be_visible()
    has_no_page_scroll(page)
    assert not axe_violations(page), describe(axe_violations(page))
    screenshot(page, "home-en-360")
    page.locator('[data-item="failed_orders"]').get_by_role("link", name=re.compile("See all")).click()
    expect(page).to_have_url(re.compile(r"/orders/failed/$"))
    expect(page.get_by_text("2 orders", exact=True)).to_be_visible()
    has_no_page_scroll(page)
    assert not axe_violations(page), describe(axe_violations(page))
    screenshot(page, "failed-orders-360")


def test_without_javascript_the_tables_show_the_figures(
    live_server: Any, seeded: Triad, browser: Any, signed_in_page: Callable[..., Page]
) -> None:
    page = signed_in_page(seeded.member_a)
    page.context.route("**/*.js", lambda route: route.abort())
    page.goto(f"{live_server.url}/")
    figure = page.locator('figure[data-chart="chart-customers_by_state"]')
    expect(figure.get_by_role("row", name=re.compile("Past Due Requests"))).to_be_visible()
    expect(figure.locator("canvas")).to_be_hidden()
    page.get_by_label("Managed by me").check()
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"/\?mine=on$"))
    assert count_of(page, "past_due") == 2
