"""An admin invites a team member; the invitee follows the emailed link and joins."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from console.outbox.models import OutboxMessage
from tests.conftest import Triad

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INVITEE = "new.person@example.com"


def test_invited_member_joins_through_the_emailed_link(
    browser: Browser,
    live_server: Any,
    triad: Triad,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    page = signed_in_page(triad.admin_a)
    page.goto(f"{live_server.url}/team/")
    page.get_by_role("link", name="Invite team member").click()

    expect(page).to_have_url(f"{live_server.url}/team/invite/")
    page.get_by_label("Email").fill(INVITEE)
    page.get_by_label("First name").fill("Nova")
    page.get_by_label("Last name").fill("Person")
    page.get_by_label("Role").select_option(label="Viewer")
    screenshot(page, "team-invite-form")
    page.get_by_role("button", name="Send invitation").click()

    expect(page).to_have_url(f"{live_server.url}/team/")
    expect(page.get_by_role("status")).to_contain_text(f"Invitation sent to {INVITEE}.")
    row = page.get_by_role("row").filter(has_text=INVITEE)
    expect(row).to_contain_text("Nova Person")
    expect(row).to_contain_text("Viewer")
    expect(row).to_contain_text("Pending")
    expect(row.get_by_role("button", name="Resend invitation")).to_be_visible()
    screenshot(page, "team-after-invite")

    message = OutboxMessage.objects.get(to_email=INVITEE, template="team_invitation")
    match = re.search(r"https?://\S+/accounts/join/\S+/", message.body_text)
    assert match, f"no invitation link in the email:\n{message.body_text}"
    invitation_url = live_server.url + urlsplit(match.group()).path

    invitee_context = browser.new_context()
    try:
        invitee = invitee_context.new_page()
        invitee.goto(invitation_url)
        expect(invitee.get_by_role("heading", name="Join Alpha Resale")).to_be_visible()
        expect(invitee.get_by_text(INVITEE)).to_be_visible()
        # Crispy appends "*" to a required field's label.
        password = "a long and unusual passphrase 42"
        invitee.get_by_role("textbox", name=re.compile(r"^New password\W*$")).fill(password)
        invitee.get_by_role("textbox", name=re.compile(r"^New password confirmation")).fill(password)
        screenshot(invitee, "invitation-accept")
        invitee.get_by_role("button", name="Set password and sign in").click()

        expect(invitee).to_have_url(f"{live_server.url}/")
        expect(invitee.get_by_role("status")).to_contain_text("Welcome to Alpha Resale.")
        expect(invitee.locator("#user-menu")).to_contain_text("Nova Person")

        invitee.goto(invitation_url)
        expect(invitee.get_by_role("heading", name="Invitation link not valid")).to_be_visible()
        expect(invitee.get_by_role("alert")).to_contain_text("already been used")
        screenshot(invitee, "invitation-used")
    finally:
        invitee_context.close()
