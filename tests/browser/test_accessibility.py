"""axe-core on the main pages, keyboard order, and a phone-sized viewport."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.conftest import Triad

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PHONE_WIDTH = 360


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The current page's axe-core violations of impact serious or critical."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document)")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.extend(f"    {node['target']}: {node['failureSummary']}" for node in violation["nodes"])
    return "\n".join(lines)


def focused(page: Page) -> str:
    """A short description of the focused element: tag, then its id or its text."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return `${el.tagName.toLowerCase()}:${el.id || el.textContent.trim()}`;
        }"""
    )


def test_login_page_has_no_serious_axe_violations(
    page: Page, live_server: Any, screenshot: Callable[[Page, str], Path]
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    screenshot(page, "login")
    violations = axe_violations(page)
    assert not violations, describe(violations)


@pytest.mark.parametrize("path, name", [("/", "home"), ("/team/", "team")])
def test_console_page_has_no_serious_axe_violations(
    path: str,
    name: str,
    live_server: Any,
    triad: Triad,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    page = signed_in_page(triad.admin_a)
    page.goto(live_server.url + path)
    screenshot(page, f"{name}-admin")
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_login_form_is_reached_with_tab(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    assert focused(page) == "input:id_username"  # autofocus

    # Start again from the top of the page, as a keyboard user arriving there would.
    page.get_by_role("heading", level=1).click()
    page.keyboard.press("Tab")
    assert focused(page) == "input:id_username"
    page.keyboard.press("Tab")
    assert focused(page) == "input:id_password"
    page.keyboard.press("Tab")
    assert focused(page) == "button:Sign in"


@pytest.mark.parametrize("path", ["/", "/team/"])
def test_skip_link_comes_first_and_moves_focus_to_main(
    path: str, live_server: Any, triad: Triad, signed_in_page: Callable[..., Page]
) -> None:
    page = signed_in_page(triad.member_a)
    page.goto(live_server.url + path)

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


@pytest.mark.parametrize("path, name", [("/", "home"), ("/team/", "team")])
def test_phone_width_has_no_horizontal_scroll_and_a_collapsed_navbar(
    path: str,
    name: str,
    live_server: Any,
    triad: Triad,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    page = signed_in_page(triad.primary_a, width=PHONE_WIDTH, height=740)
    page.goto(live_server.url + path)
    screenshot(page, f"{name}-{PHONE_WIDTH}")

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE_WIDTH, f"{path} is {scroll_width}px wide at {PHONE_WIDTH}px"

    toggler = page.get_by_role("button", name="Toggle navigation")
    expect(toggler).to_be_visible()
    expect(page.locator("#main-nav")).to_be_hidden()
    toggler.click()
    expect(page.locator("#main-nav")).to_have_class("navbar-collapse collapse show")  # animation done
    expect(page.get_by_role("link", name="Team", exact=True)).to_be_visible()
    screenshot(page, f"{name}-{PHONE_WIDTH}-menu-open")
