"""Taking a customer over in Chromium (RC-1…RC-9): reseller B's member sends a code for reseller A's
customer from the Customers page, the code arrives in the outbox, the customer's admin enters it in the
member portal, reads the preview and confirms; the customer is then on B's Customers page managed by
that member, gone from A's, and listed under A's Transferred away with the order A placed. The send
form and the preview are photographed at 1280 px and 360 px, checked with axe and for sideways scroll."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from customers.models import CustomerAdmin, InvitationStatus
from reseller_change.models import CustomerTransfer
from tests.browser.test_accessibility import PHONE_WIDTH, axe_violations, describe
from tests.browser.test_purchasing import has_no_page_scroll
from tests.conftest import Triad
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory, UserFactory
from tests.reseller_change.conftest import code_from_outbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "Harbor Takeover Studio"


def checked(page: Page, screenshot: Callable[[Page, str], Path], name: str) -> None:
    has_no_page_scroll(page)
    violations = axe_violations(page)
    assert not violations, describe(violations)
    screenshot(page, name)


@pytest.mark.unscoped
def test_reseller_b_takes_over_a_customer_of_reseller_a(
    live_server: Any,
    triad: Triad,
    signed_in_page: Callable[..., Page],
    signed_in_user_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    owner = UserFactory(email="hanna@harbor.example", first_name="Hanna", last_name="Harbor")
    customer = CustomerFactory(
        managed_by=triad.member_a,
        name=NAME,
        contract_owner=owner,
        contact_email=owner.email,
        invitation_status=InvitationStatus.ACCEPTED,
    )
    CustomerAdmin.objects.create(customer=customer, user=owner)
    order = OrderFactory(customer=customer)
    OrderLineFactory(order=order, product=ProductFactory(name="Design Suite"), quantity=3)

    # 1. Reseller B's member: Customers → Reseller Change for Customer → VIP ID + admin email → Send email.
    page_b = signed_in_page(triad.member_b, width=PHONE_WIDTH)
    page_b.goto(f"{live_server.url}/customers/")
    has_no_page_scroll(page_b)  # the Customers page's action buttons wrap on a phone
    screenshot(page_b, "reseller-change-customers-360")
    page_b.set_viewport_size({"width": 1280, "height": 800})
    page_b.get_by_role("link", name="Reseller Change for Customer").click()
    expect(page_b.get_by_role("heading", name="Reseller Change for Customer")).to_be_visible()
    expect(page_b.locator("[data-codes-left]")).to_have_text("5 of 5 codes left today.")
    page_b.get_by_label("VIP ID").fill(customer.vip_id.lower())
    page_b.get_by_label("Admin email").fill(owner.email)
    checked(page_b, screenshot, "reseller-change-send-1280")
    page_b.get_by_role("button", name="Send email").click()
    expect(page_b.get_by_role("status")).to_contain_text("If this VIP ID belongs to a customer")
    expect(page_b.locator("[data-codes-left]")).to_have_text("4 of 5 codes left today.")
    expect(page_b.locator("tbody tr")).to_have_count(1)
    expect(page_b.locator("tbody tr").first).to_contain_text("Pending")
    page_b.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    checked(page_b, screenshot, "reseller-change-send-360")

    # 2. The code email, to the customer's system admin.
    code = code_from_outbox(owner.email)

    # 3. The customer admin enters it in the portal, reads the preview, confirms.
    portal = signed_in_user_page(owner)
    portal.goto(f"{live_server.url}/portal/")
    portal.get_by_role("link", name=NAME).click()
    portal.get_by_role("link", name="Change reseller").click()
    portal.get_by_label("Reseller change code").fill(f"{code[:4].lower()} {code[4:]}")
    portal.get_by_role("button", name="Continue").click()
    preview = portal.locator("#reseller-change-preview")
    expect(preview).to_contain_text(triad.reseller_b.name)
    expect(preview).to_contain_text(triad.reseller_b.reseller_id)
    expect(preview).to_contain_text("1 order placed so far")
    checked(portal, screenshot, "reseller-change-preview-1280")
    portal.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    checked(portal, screenshot, "reseller-change-preview-360")
    portal.get_by_role("button", name=f"Move to {triad.reseller_b.name}").click()
    expect(portal.get_by_role("status")).to_have_text(f"{NAME} has moved to {triad.reseller_b.name}.")
    expect(portal.get_by_text(f"Reseller: {triad.reseller_b.name}")).to_be_visible()
    assert CustomerTransfer.objects.count() == 1

    # 4. On B's Customers page, managed by the member who sent the code.
    page_b.set_viewport_size({"width": 1280, "height": 800})
    page_b.goto(f"{live_server.url}/customers/?q=Harbor")
    row = page_b.locator("tbody tr", has_text=NAME)
    expect(row).to_have_count(1)
    member_b = triad.member_b.user
    expect(row).to_contain_text(member_b.get_full_name() or member_b.email)

    # 5. Gone from A's Customers page; under A's Transferred away with the order A placed.
    page_a = signed_in_page(triad.member_a)
    page_a.goto(f"{live_server.url}/customers/?q=Harbor")
    expect(page_a.locator("tbody tr", has_text=NAME)).to_have_count(0)
    page_a.goto(f"{live_server.url}/customers/")
    page_a.get_by_role("link", name="Transferred away").click()
    card = page_a.locator("section.card", has_text=NAME)
    expect(card).to_contain_text(order.number)
    expect(card).to_contain_text("3 × Design Suite")
    expect(card.get_by_role("link")).to_have_count(0)  # read-only
    checked(page_a, screenshot, "reseller-change-transferred-away-1280")
    response = page_a.goto(f"{live_server.url}/customers/{customer.vip_id}/")
    assert response is not None and response.status == 404
