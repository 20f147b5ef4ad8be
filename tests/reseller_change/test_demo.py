"""`make run`'s demo data lets a person try the reseller change end to end: a customer of the first
demo reseller that the second may take over, whose system admin's portal login seed_demo prints."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from console.accounts.models import Membership
from console.demo import DEMO_PASSWORD
from customers.models import Customer
from reseller_change.demo import DEMO_ADMIN_EMAIL, DEMO_VIP_ID
from tests.reseller_change.conftest import code_from_outbox

pytestmark = pytest.mark.unscoped


def test_the_demo_customer_can_be_taken_over_by_the_second_demo_reseller(db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    output = capsys.readouterr().out
    assert DEMO_ADMIN_EMAIL in output and "member portal" in output
    customer = Customer.objects.get(vip_id=DEMO_VIP_ID)
    assert customer.reseller.reseller_id == "1000000001"
    assert not customer.purchase_authorizations.exists()

    member = Membership.objects.get(user__email="member@contoso.example")
    console = Client()
    console.force_login(member.user, backend="django.contrib.auth.backends.ModelBackend")
    console.post(reverse("reseller_change:codes"), {"vip_id": DEMO_VIP_ID, "admin_email": DEMO_ADMIN_EMAIL})
    code = code_from_outbox(DEMO_ADMIN_EMAIL)

    portal = Client()
    signed_in = portal.post(reverse("login"), {"username": DEMO_ADMIN_EMAIL, "password": DEMO_PASSWORD})
    assert signed_in.status_code == 302
    url = reverse("portal:reseller_change", args=[DEMO_VIP_ID])
    assert portal.post(url, {"code": code, "confirm": "1"}).status_code == 302
    customer.refresh_from_db()
    assert customer.reseller == member.reseller and customer.managed_by == member
