"""SPEC §1, separate identities: a sign-in belongs either to a reseller team or to customer
organisations, never both. The portal refuses an acceptance by reseller staff, the console (and the
operator's admin) refuse a team invitation to a customer admin — each saying to use another email —
and neither kind of user reaches the other's pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from console.accounts import services as team_services
from console.accounts.models import Membership, Reseller
from console.outbox.models import OutboxMessage
from customers import services
from customers.models import Customer, CustomerAdmin, InvitationStatus
from tests.factories import PASSWORD, CustomerFactory, UserFactory
from tests.parallel import client_for, crashes, in_parallel

ANOTHER_EMAIL = "another email"


def _invitation_link(customer: Customer) -> str:
    services.customer_reminder_send(
        reseller=customer.reseller, actor=customer.managed_by.user, vip_id=customer.vip_id, email=customer.contact_email
    )
    message = OutboxMessage.objects.filter(to_email=customer.contact_email).latest("pk")
    return re.search(r"https?://\S+", message.body_text).group(0).replace("http://testserver", "")


@pytest.fixture
def customer_admin(triad):
    owner = UserFactory(email="owner@org.example")
    customer = CustomerFactory(
        managed_by=triad.member_a, contract_owner=owner, invitation_status=InvitationStatus.ACCEPTED
    )
    CustomerAdmin.objects.create(customer=customer, user=owner)
    return owner


@pytest.mark.parametrize("pending", [False, True], ids=["active", "invited"])
def test_the_portal_refuses_an_acceptance_by_reseller_staff(triad, client, pending):
    staff = triad.member_b
    if pending:
        Membership.objects.filter(pk=staff.pk).update(status=Membership.Status.PENDING)
    customer = CustomerFactory(managed_by=triad.member_a, contact_email=staff.user.email)
    link = _invitation_link(customer)
    page = client.get(link)
    assert page.status_code == 403
    assert ANOTHER_EMAIL in page.content.decode() and "<form" not in page.content.decode()
    response = client.post(link, {"password1": PASSWORD, "accept_terms": "on"})
    assert response.status_code == 403 and ANOTHER_EMAIL in response.content.decode()
    customer.refresh_from_db()
    assert customer.is_pending and not CustomerAdmin.objects.exists()
    with pytest.raises(services.StaffAccount, match=ANOTHER_EMAIL):
        services.customer_invitation_accept(token=link.split("/")[-2], user=staff.user, password=PASSWORD)


def test_a_former_team_member_may_accept(triad, client):
    Membership.objects.with_scopes_disabled().filter(pk=triad.member_b.pk).update(status=Membership.Status.REMOVED)
    customer = CustomerFactory(managed_by=triad.member_a, contact_email=triad.member_b.user.email)
    response = client.post(_invitation_link(customer), {"password1": PASSWORD, "accept_terms": "on"})
    assert response.status_code == 302 and response.url == reverse("portal:home")


def test_the_console_refuses_a_team_invitation_to_a_customer_admin(triad, customer_admin, admin_client_a):
    response = admin_client_a.post(
        reverse("console:team_invite"),
        {"email": "OWNER@org.example", "first_name": "O", "last_name": "W", "role": "member"},
    )
    assert response.status_code == 200
    assert "owner@org.example administers a customer organization" in response.content.decode()
    assert ANOTHER_EMAIL in response.content.decode()
    assert not Membership.objects.filter(user=customer_admin).exists()


def test_the_operator_cannot_make_a_customer_admin_a_resellers_first_admin(triad, customer_admin, admin_client):
    response = admin_client.post(
        reverse("admin:accounts_reseller_add"),
        {
            "name": "Delta",
            "reseller_id": "3000000001",
            "segments": ["COM"],
            "admin_email": customer_admin.email,
            "admin_first_name": "X",
            "admin_last_name": "Y",
        },
    )
    assert response.status_code == 200 and ANOTHER_EMAIL in response.content.decode()
    assert not Reseller.objects.filter(name="Delta").exists()
    with pytest.raises(team_services.TeamError, match=ANOTHER_EMAIL):
        team_services.reseller_create(
            actor=None,
            name="Delta",
            reseller_id="3000000001",
            segments=["COM"],
            admin_email=customer_admin.email,
            admin_first_name="X",
            admin_last_name="Y",
        )


def test_console_users_never_reach_the_portal_and_portal_users_never_reach_the_console(triad, customer_admin):
    staff = triad.client_for(triad.member_a)
    assert staff.get(reverse("portal:home")).url == reverse("console:home")
    owner = client_for(customer_admin)
    assert owner.get(reverse("console:home")).url == reverse("portal:home")
    assert owner.get(reverse("customers:list")).url == reverse("portal:home")
    # an account that is both (made before the rule) still acts only in the console
    organisation = CustomerAdmin.objects.get(user=customer_admin).customer
    CustomerAdmin.objects.create(customer=organisation, user=triad.member_a.user)
    assert staff.get(reverse("portal:organization", args=[organisation.vip_id])).status_code == 404
    assert staff.post(reverse("portal:assign", args=[organisation.vip_id]), {}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_team_invitation_racing_the_same_persons_acceptance_lets_only_one_through(triad):
    for round_ in range(3):
        person = UserFactory(email=f"both{round_}@example.com")
        customer = CustomerFactory(managed_by=triad.member_a, contact_email=person.email)
        link = _invitation_link(customer)

        def invite(client, person=person):
            return client.post(
                reverse("console:team_invite"),
                {"email": person.email, "first_name": "B", "last_name": "O", "role": "member"},
            )

        def accept(client, link=link):
            return client.post(link, {"password1": PASSWORD, "accept_terms": "on"})

        results = in_parallel([invite, accept], prepare=lambda i: client_for(triad.admin_a.user if i == 0 else None))
        assert not crashes(results)
        joined = Membership.objects.filter(user=person).exists()
        administers = CustomerAdmin.objects.filter(user=person).exists()
        assert joined != administers, (round_, [r.status_code for r in results])
        refused = results[1] if joined else results[0]
        assert ANOTHER_EMAIL in refused.content.decode()
