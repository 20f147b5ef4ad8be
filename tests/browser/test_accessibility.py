"""axe-core on every page (no violation of any impact), no Content-Security-Policy violation in
the browser, keyboard order, and a phone-sized viewport."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from console.accounts.models import User
from tests.browser.languages import LANGUAGES
from tests.conftest import Triad
from tests.factories import UserFactory
from tests.pages import Visit, admin_pages, every_page, portal_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PHONE_WIDTH = 360


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The current page's axe-core violations, of any impact (minor included).

    axe is evaluated through the DevTools protocol, not added as an inline <script>: the page's
    Content-Security-Policy (NF-5) rightly blocks inline scripts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text() + "\n;undefined")
    result = page.evaluate("async () => await axe.run(document)")
    return list(result["violations"])


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


def test_login_page_has_no_axe_violations(
    page: Page, live_server: Any, screenshot: Callable[[Page, str], Path]
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    screenshot(page, "login")
    violations = axe_violations(page)
    assert not violations, describe(violations)


@pytest.mark.parametrize("path, name", [("/", "home"), ("/team/", "team")])
def test_console_page_has_no_axe_violations(
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


# The impacts axe grades by; the operators' admin (Django's stock markup) is held to the top two.
SERIOUS = {"serious", "critical"}
# What axe finds in markup that Django's admin itself writes, which the console's templates cannot
# change: (rule id, the element's selector) and why. Anything else in the admin fails the test.
DJANGO_ADMIN_STOCK = [
    # AdminSplitDateTime (a DateTimeField: last_login, a clocked time, a task's start time) writes
    # "Date:" and "Time:" as text before its two inputs, not as <label>s; the field's own label points
    # at neither input.
    ("label", re.compile(r"^#id_\w+_[01]$")),
    # SelectFilter2.js (the many-to-many chooser: groups, permissions) puts aria-label on a role-less
    # <span> (the search icon's tooltip).
    ("aria-prohibited-attr", re.compile(r"\.help-tooltip\.search-label-icon$")),
]


def outside_stock_admin(violation: dict[str, Any]) -> dict[str, Any] | None:
    """The violation without the nodes DJANGO_ADMIN_STOCK accounts for (None when nothing is left)."""
    nodes = [
        node
        for node in violation["nodes"]
        if not any(
            violation["id"] == rule and pattern.search(" ".join(node["target"])) for rule, pattern in DJANGO_ADMIN_STOCK
        )
    ]
    return {**violation, "nodes": nodes} if nodes else None


def csp_blocked(message: ConsoleMessage) -> list[str]:
    """What a console message says the page's Content-Security-Policy blocked, if it says so.

    Not what axe itself does: its CSSOM preload re-reads an @import-ed stylesheet into a <style> element
    it adds (Django admin's forms.css imports widgets.css, so on every admin change form), which the
    policy blocks. axe is evaluated through DevTools, so its messages come from no URL; anything the
    page's markup or its own scripts do is reported from the page's or the script's URL."""
    if "Content Security Policy" not in message.text or not message.location.get("url"):
        return []
    return [message.text]


def sweep(
    browser: Browser,
    live_server: Any,
    visits: list[Visit],
    language: str,
    impacts: set[str] | None = None,
    *,
    django_admin: bool = False,
) -> list[str]:
    """Each page of `visits` in `language` (stored on each signed-in person, and the browser's language for
    the pages before sign-in), signed in as the person who sees it: its axe violations (of the `impacts`
    given, or any; in `django_admin`, less what DJANGO_ADMIN_STOCK accounts for) and what the
    Content-Security-Policy blocked."""
    User.objects.update(language=language)
    problems: list[str] = []
    contexts: dict[int | None, BrowserContext] = {}
    for visit in visits:
        if visit.post is not None or visit.partial:
            continue
        key = visit.user.pk if visit.user else None
        if key not in contexts:
            contexts[key] = browser.new_context(viewport={"width": 1280, "height": 800}, locale=language)
            if visit.user is not None:
                client = Client()
                client.force_login(visit.user, backend="django.contrib.auth.backends.ModelBackend")
                cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
                contexts[key].add_cookies(
                    [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
                )
        page = contexts[key].new_page()
        blocked: list[str] = []
        page.on("console", lambda message, blocked=blocked: blocked.extend(csp_blocked(message)))
        response = page.goto(live_server.url + visit.url)
        assert response is not None and response.status == visit.status, (visit.name, response and response.status)
        expect(page.locator("html")).to_have_attribute("lang", language)
        violations = [v for v in axe_violations(page) if impacts is None or v["impact"] in impacts]
        if django_admin:
            violations = [left for v in violations if (left := outside_stock_admin(v))]
        if violations:
            problems.append(f"== {visit.name} ({visit.url})\n{describe(violations)}")
        problems.extend(f"== {visit.name}: CSP blocked: {text}" for text in blocked)
        page.close()
    for context in contexts.values():
        context.close()
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_has_no_axe_violation_and_no_csp_violation(
    language: str, browser: Browser, live_server: Any, triad: Triad
) -> None:
    """Every page of tests/pages.py that a GET reaches (the permission matrix's URLs, each customer tab,
    the portal, sign-in, emailed links, error pages), signed in as the person who sees it."""
    problems = sweep(browser, live_server, every_page(triad), language)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_operators_admin_has_no_serious_axe_violation_and_no_csp_violation(
    language: str, browser: Browser, live_server: Any, triad: Triad
) -> None:
    """The Django admin (its index, each registered model's list and a change form: tests/pages.py
    admin_pages), signed in as a superuser."""
    problems = sweep(browser, live_server, admin_pages(triad), language, SERIOUS, django_admin=True)
    assert not problems, "\n".join(problems)


def test_the_periodic_task_form_writes_the_crontab_in_words_without_an_inline_script(
    live_server: Any, signed_in_user_page: Callable[..., Page]
) -> None:
    """django-celery-beat's periodic task form ran an inline script, which the CSP blocked; the console's
    override (templates/admin/djcelery/) runs it from static/js/admin_periodic_task.js."""
    operator = UserFactory(email="operator@console.example", is_staff=True, is_superuser=True)
    nightly = CrontabSchedule.objects.create(minute="5", hour="2")
    hourly = CrontabSchedule.objects.create(minute="0", hour="*")
    task = PeriodicTask.objects.create(name="Nightly states", task="console.tasks.periodic_run", crontab=nightly)
    page = signed_in_user_page(operator)
    blocked: list[str] = []
    page.on("console", lambda message: blocked.extend(csp_blocked(message)))
    page.goto(f"{live_server.url}/admin/django_celery_beat/periodictask/{task.pk}/change/")
    expect(page.locator(".field-crontab_translation")).to_be_hidden()
    help_text = page.locator(".field-crontab .help")
    expect(help_text).not_to_contain_text("Translation:")
    page.locator("#id_crontab").select_option(str(hourly.pk))
    expect(help_text).to_contain_text(f"Translation: {hourly.human_readable}")
    page.locator("#id_crontab").select_option(str(nightly.pk))
    expect(help_text).to_contain_text(f"Translation: {nightly.human_readable}")
    expect(help_text).not_to_contain_text(hourly.human_readable)
    assert not blocked, blocked


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() colours."""

    def luminance(colour: str) -> float:
        red, green, blue = (int(float(v)) / 255 for v in re.findall(r"[\d.]+", colour)[:3])
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("path, bar", [("/", "nav.navbar"), ("/portal/", "header.navbar")])
def test_keyboard_focus_is_clearly_visible_in_the_dark_bars(
    path: str,
    bar: str,
    live_server: Any,
    triad: Triad,
    signed_in_page: Callable[..., Page],
    signed_in_user_page: Callable[..., Page],
) -> None:
    if path.startswith("/portal/"):
        owner, _vip_id = portal_owner(triad)
        page = signed_in_user_page(owner)  # a customer admin
    else:
        page = signed_in_page(triad.primary_a)
    page.goto(live_server.url + path)
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the bar's first link
    style = page.evaluate(
        """(bar) => {
            const el = document.activeElement;
            const s = getComputedStyle(el);
            return {inBar: !!el.closest(bar), outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
                    colour: s.outlineColor, background: getComputedStyle(document.querySelector(bar)).backgroundColor};
        }""",
        bar,
    )
    assert style["inBar"], style
    assert style["outline"] == "solid" and style["width"] >= 2, style
    assert contrast(style["colour"], style["background"]) >= 3, style


@pytest.mark.parametrize("path, ready", [("/api/v1/docs/", ".swagger-ui .info .title"), ("/api/v1/redoc/", "h1")])
def test_the_api_docs_render_under_the_content_security_policy(
    page: Page, live_server: Any, path: str, ready: str
) -> None:
    """Swagger UI and Redoc (third-party pages, not swept by axe) still draw the API under NF-5's CSP,
    which blocks no script of theirs (Redoc's fonts and logo from a CDN are blocked on purpose)."""
    blocked: list[str] = []
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.goto(live_server.url + path)
    expect(page.locator(ready).first).to_contain_text("Reseller Console", timeout=15000)
    own = [text for text in blocked if "https://" not in text]  # what the page itself brings, not a CDN
    assert not own, own
