"""Signing in and out through the real login page, and what a viewer is (not) offered."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from console.accounts.models import Membership
from tests.conftest import Triad
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, live_server: Any, membership: Membership, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(membership.user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")


def test_member_signs_in_and_out(
    page: Page, live_server: Any, triad: Triad, screenshot: Callable[[Page, str], Path]
) -> None:
    sign_in(page, live_server, triad.member_a)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alpha Resale")
    expect(page.get_by_role("navigation", name="Main navigation")).to_contain_text("Alpha Resale")
    screenshot(page, "home-member")

    user_menu = page.locator("#user-menu")
    user_menu.click()
    expect(user_menu).to_have_attribute("aria-expanded", "true")
    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("heading", name="Sign in to the Reseller Console")).to_be_visible()
    expect(page.locator("#user-menu")).to_have_count(0)


def test_wrong_password_shows_an_error(
    page: Page, live_server: Any, triad: Triad, screenshot: Callable[[Page, str], Path]
) -> None:
    sign_in(page, live_server, triad.member_a, password="not the password")

    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct email address and password")
    screenshot(page, "login-wrong-password")


def test_viewer_is_offered_no_write_actions(
    page: Page, live_server: Any, triad: Triad, screenshot: Callable[[Page, str], Path]
) -> None:
    sign_in(page, live_server, triad.viewer_a)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alpha Resale")
    expect(page.get_by_text(re.compile("invite", re.IGNORECASE))).to_have_count(0)
    expect(page.get_by_role("link", name="Activity")).to_have_count(0)

    page.get_by_role("link", name="Team", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/team/")
    expect(page.get_by_role("row")).to_have_count(5)  # header + primary, admin, member, viewer
    expect(page.get_by_text(re.compile("invite", re.IGNORECASE))).to_have_count(0)
    expect(page.locator("main form")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Remove|Change role|Resend"))).to_have_count(0)
    screenshot(page, "team-viewer")

    response = page.goto(f"{live_server.url}/team/invite/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="You are not allowed to do this")).to_be_visible()
    expect(page.locator("main form")).to_have_count(0)
    screenshot(page, "team-invite-403")
