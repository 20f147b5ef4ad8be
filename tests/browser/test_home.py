"""DASH-1/DASH-2 through an account manager's eyes: sign in, see the to-do list and the charts drawn by
Chart.js, click an item and land on the filtered list with the same count, switch *Managed by me*; the
page at 1280 px and 360 px (screenshots in test-artifacts/), with no serious accessibility issue."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

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


def test_the_home_page_is_a_to_do_list_whose_counts_are_the_lists(
    live_server: Any, seeded: Triad, signed_in_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    page = signed_in_page(seeded.member_a)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="To do")).to_be_visible()
    assert count_of(page, "past_due") == 4 and count_of(page, "ready") == 6
    # Chart.js drew every chart; the tables folded into their <details>
    charts = page.locator("figure[data-chart]")
    assert charts.count() == 3
    for index in range(3):
        canvas = charts.nth(index).locator("canvas")
        expect(canvas).to_be_visible()
        assert canvas.bounding_box()["height"] > 100
        assert charts.nth(index).locator("details").get_attribute("open") is None
    expect(page.get_by_role("button", name="Apply")).to_have_count(0)  # the switch submits by itself
    assert not axe_violations(page), describe(axe_violations(page))
    screenshot(page, "home-1280")

    # an item leads to its filtered list, with the same count
    ready = count_of(page, "ready")
    page.locator('[data-item="ready"]').get_by_role("link", name=re.compile("See all")).click()
    expect(page).to_have_url(re.compile(r"/customers/\?filter=ready$"))
    expect(page.get_by_text(f"{ready} customers", exact=True)).to_be_visible()

    # Managed by me filters every item, and the link keeps it
    page.go_back()
    page.get_by_label("Managed by me").check()
    expect(page).to_have_url(re.compile(r"/\?mine=on$"))
    assert count_of(page, "past_due") == 2 and count_of(page, "failed_orders") == 1
    page.locator('[data-item="past_due"]').get_by_role("link", name=re.compile("See all")).click()
    expect(page).to_have_url(re.compile(r"/customers/\?filter=past_due&mine=on$"))
    expect(page.get_by_text("2 customers", exact=True)).to_be_visible()


def test_the_home_page_on_a_phone(
    live_server: Any, seeded: Triad, signed_in_page: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    page = signed_in_page(seeded.member_a, width=PHONE_WIDTH, height=740)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="To do")).to_be_visible()
    has_no_page_scroll(page)
    assert not axe_violations(page), describe(axe_violations(page))
    screenshot(page, "home-360")
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
