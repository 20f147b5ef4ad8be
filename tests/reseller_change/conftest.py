"""A customer of reseller A with two system admins (one reads German), and helpers to send a code as
reseller B's member and read it back from the outbox."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from console.accounts.models import Membership, User
from console.outbox.models import OutboxMessage
from customers.models import Customer, CustomerAdmin, InvitationStatus
from tests.conftest import Triad
from tests.factories import CustomerFactory, MembershipFactory, UserFactory

CODE_RE = re.compile(r"^\s+([2-9A-HJ-NP-Z]{8})\s*$", re.MULTILINE)


@dataclass
class Takeover:
    triad: Triad
    customer: Customer
    owner: User
    second_admin: User
    primary_b: Membership

    def client_of(self, user: User) -> Client:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    def send(self, client: Client | None = None, *, vip_id: str | None = None, email: str | None = None):
        client = client or self.triad.client_for(self.triad.member_b)
        return client.post(
            reverse("reseller_change:codes"),
            {"vip_id": vip_id or self.customer.vip_id, "admin_email": email or self.owner.email},
        )

    def enter(self, code: str, *, user: User | None = None, confirm: bool = False, client: Client | None = None):
        client = client or self.client_of(user or self.owner)
        data = {"code": code} | ({"confirm": "1"} if confirm else {})
        return client.post(reverse("portal:reseller_change", args=[self.customer.vip_id]), data)


def code_from_outbox(to: str) -> str:
    message = OutboxMessage.objects.filter(template="reseller_change_code", to_email=to).latest("pk")
    match = CODE_RE.search(message.body_text)
    assert match, message.body_text
    return match.group(1)


@pytest.fixture
def takeover(triad) -> Takeover:
    owner = UserFactory(email="owner@harbor.example")
    second = UserFactory(email="it@harbor.example", language="de")
    customer = CustomerFactory(
        managed_by=triad.member_a,
        name="Harbor Studio",
        contract_owner=owner,
        contact_email=owner.email,
        invitation_status=InvitationStatus.ACCEPTED,
    )
    CustomerAdmin.objects.create(customer=customer, user=owner)
    CustomerAdmin.objects.create(customer=customer, user=second)
    primary_b = MembershipFactory(reseller=triad.reseller_b, role=Membership.Role.PRIMARY_ADMIN)
    return Takeover(triad=triad, customer=customer, owner=owner, second_admin=second, primary_b=primary_b)
