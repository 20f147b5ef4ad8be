"""Browser fixtures: Debian's Chromium through pytest-playwright, a live server on PostgreSQL, and a
signed-in page without typing the password in every test."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page

from console.accounts.models import Membership, User

# Playwright's sync API keeps an asyncio event loop running in the test thread, so Django takes the
# ORM calls made there (fixtures, assertions) for async code and raises SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # Fail rather than skip: a suite that silently skips its browser tests looks green but proves nothing.
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium` "
            "(never `playwright install`, there is no internet).",
            pytrace=False,
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def screenshot() -> Callable[..., Path]:
    """Save what a person sees to test-artifacts/<name>.png (gitignored): the whole page, or with
    full_page=False only the first screen (the window), at full resolution for a long phone page."""
    ARTIFACTS.mkdir(exist_ok=True)

    def save(page: Page, name: str, *, full_page: bool = True) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save


@pytest.fixture
def signed_in_user_page(browser: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    """A fresh browser page whose session belongs to the user (a member, an operator, a customer admin).

    The login form has its own tests; the others start signed in through a session cookie, which is
    faster and keeps django-axes out of the way.
    """
    contexts: list[BrowserContext] = []

    def make(user: User, *, width: int = 1280, height: int = 800) -> Page:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def signed_in_page(signed_in_user_page: Callable[..., Page]) -> Callable[..., Page]:
    """`signed_in_user_page` for a membership's user."""

    def make(membership: Membership, *, width: int = 1280, height: int = 800) -> Page:
        return signed_in_user_page(membership.user, width=width, height=height)

    return make
