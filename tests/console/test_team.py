"""TEAM-1…TEAM-5 and the sign-in paths (login throttling, password reset) — NF-5."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from console.accounts import services
from console.accounts.models import Membership, User
from console.audit.models import AuditEvent
from console.outbox.models import OutboxMessage
from tests.factories import PASSWORD, MembershipFactory

NEW_PASSWORD = "a much better passphrase 42"


def _link(message: OutboxMessage) -> str:
    return re.search(r"https?://\S+", message.body_text).group(0).replace("http://testserver", "")


def _invite(triad, email="newbie@example.com", role="member"):
    return services.team_member_invite(
        reseller=triad.reseller_a, actor=triad.admin_a.user, email=email, first_name="New", last_name="Bie", role=role
    )


def test_invite_creates_a_pending_member_an_audit_event_and_an_email(
    triad, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        membership = _invite(triad, email="  NewBie@Example.com ")
    assert membership.status == Membership.Status.PENDING
    assert membership.user.email == "newbie@example.com"
    assert not membership.user.has_usable_password()
    event = AuditEvent.objects.get(action="team.invite")
    assert event.reseller == triad.reseller_a and event.actor == triad.admin_a.user
    assert event.changes["role"] == [None, "member"]
    message = OutboxMessage.objects.get(to_email="newbie@example.com")
    assert message.status == OutboxMessage.Status.SENT
    assert "/accounts/join/" in message.body_text and "Alpha Resale" in message.subject
    assert [m.to for m in mailoutbox] == [["newbie@example.com"]]


def test_the_invitation_link_sets_a_password_signs_in_and_works_once(triad, client):
    _invite(triad)
    link = _link(OutboxMessage.objects.get())
    page = client.get(link)
    assert page.status_code == 200 and "newbie@example.com" in page.content.decode()
    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("console:home")
    assert client.get(reverse("console:home")).status_code == 200
    membership = Membership.objects.get(user__email="newbie@example.com")
    assert membership.status == Membership.Status.ACTIVE
    assert membership.user.check_password(NEW_PASSWORD)
    again = client.post(link, {"new_password1": "another one 12345", "new_password2": "another one 12345"})
    assert again.status_code == 410
    assert "already been used" in again.content.decode()


def test_a_weak_password_is_refused_on_the_page(triad, client):
    _invite(triad)
    link = _link(OutboxMessage.objects.get())
    response = client.post(link, {"new_password1": "password", "new_password2": "password"})
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    assert Membership.objects.get(user__email="newbie@example.com").status == Membership.Status.PENDING


def test_an_invitation_link_expires(triad, client):
    _invite(triad)
    link = _link(OutboxMessage.objects.get())
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.get(link)
    assert response.status_code == 410 and "expired" in response.content.decode()


def test_a_forged_link_is_refused(client, db):
    response = client.get(reverse("team_invitation_accept", args=["not-a-token"]))
    assert response.status_code == 410 and "not valid" in response.content.decode()


def test_resending_an_invitation_invalidates_the_old_link(triad, client):
    membership = _invite(triad)
    old_link = _link(OutboxMessage.objects.get())
    services.team_invitation_resend(reseller=triad.reseller_a, actor=triad.admin_a.user, membership_id=membership.pk)
    new_link = _link(OutboxMessage.objects.order_by("-id").first())
    assert old_link != new_link
    assert client.get(old_link).status_code == 410
    assert client.get(new_link).status_code == 200


def test_a_person_already_in_a_team_cannot_be_invited_again(triad):
    with pytest.raises(services.TeamError, match="already belongs"):
        _invite(triad, email=triad.member_b.user.email)
    with scopes_disabled():  # the person's membership of reseller B is untouched
        assert Membership.objects.filter(user=triad.member_b.user).count() == 1


def test_the_invite_form_answers_bad_input_on_the_page_and_saves_nothing(triad, admin_client_a):
    url = reverse("console:team_invite")
    bad_inputs = [
        {"email": "a\x00b@example.com", "first_name": "A", "last_name": "B", "role": "member"},
        {"email": "x@example.com", "first_name": "A\x00", "last_name": "B", "role": "member"},
        {"email": "x@example.com", "first_name": "A" * 36, "last_name": "B", "role": "member"},
        {"email": "x@example.com", "first_name": "<script>alert(1)</script>", "last_name": "B", "role": "owner"},
        {"email": "'; DROP TABLE accounts_user; --", "first_name": "A", "last_name": "B", "role": "member"},
        {"email": "x@example.com", "first_name": "A", "last_name": "B", "role": "primary_admin"},
        {"email": "", "first_name": "", "last_name": "", "role": ""},
    ]
    before = Membership.objects.count()
    for data in bad_inputs:
        response = admin_client_a.post(url, data)
        assert response.status_code == 200, data
        assert "invalid-feedback" in response.content.decode(), data
        assert "<script>alert(1)</script>" not in response.content.decode()
    assert Membership.objects.count() == before


def test_cyrillic_and_combining_names_are_stored_nfc(triad, admin_client_a):
    # И + combining breve composes to Й, Ï is I + combining diaeresis; е + combining acute has no
    # precomposed form and stays two code points.
    first_name, last_name = "\u0418\u0306осип", "Ле\u0301сі\u0308в"
    assert not unicodedata.is_normalized("NFC", first_name) and not unicodedata.is_normalized("NFC", last_name)
    response = admin_client_a.post(
        reverse("console:team_invite"),
        {"email": "olena@example.com", "first_name": first_name, "last_name": last_name, "role": "viewer"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="olena@example.com")
    assert user.first_name == "\u0419осип"
    assert user.last_name == "Ле\u0301с\u0457в"


def test_the_primary_admin_hands_the_role_over_and_there_is_always_exactly_one(triad):
    services.primary_admin_handover(
        reseller=triad.reseller_a, actor=triad.primary_a.user, membership_id=triad.admin_a.pk
    )
    roles = dict(Membership.objects.filter(reseller=triad.reseller_a).values_list("pk", "role"))
    assert roles[triad.admin_a.pk] == Membership.Role.PRIMARY_ADMIN
    assert roles[triad.primary_a.pk] == Membership.Role.ADMIN
    assert list(roles.values()).count(Membership.Role.PRIMARY_ADMIN) == 1
    assert AuditEvent.objects.filter(action="team.primary_handover").exists()


@pytest.mark.parametrize("target", ["member_a", "viewer_a", "primary_a"])
def test_the_primary_role_only_goes_to_another_admin(triad, target):
    with pytest.raises(services.TeamError):
        services.primary_admin_handover(
            reseller=triad.reseller_a, actor=triad.primary_a.user, membership_id=getattr(triad, target).pk
        )


def test_only_the_primary_admin_can_hand_over(triad):
    other_admin = MembershipFactory(reseller=triad.reseller_a, role=Membership.Role.ADMIN)
    with pytest.raises(services.TeamError, match="Only the primary"):
        services.primary_admin_handover(
            reseller=triad.reseller_a, actor=triad.admin_a.user, membership_id=other_admin.pk
        )


def test_the_database_refuses_a_second_primary_admin(triad):
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(reseller=triad.reseller_a, role=Membership.Role.PRIMARY_ADMIN)


def test_removing_a_member_ends_their_console_access(triad):
    client = triad.client_for(triad.member_a)
    services.team_member_remove(reseller=triad.reseller_a, actor=triad.admin_a.user, membership_id=triad.member_a.pk)
    assert client.get(reverse("console:home")).status_code == 403
    event = AuditEvent.objects.get(action="team.remove")
    assert event.changes == {"status": ["active", "removed"]}


def test_removing_a_member_hands_their_customers_to_another_member_in_the_same_action(triad, admin_client_a):
    from customers.models import Customer
    from tests.factories import CustomerFactory

    for _ in range(3):
        CustomerFactory(managed_by=triad.member_a)
    url = reverse("console:team_member_remove", args=[triad.member_a.pk])
    page = admin_client_a.get(url).content.decode()
    assert "They manage 3 customers" in page
    refused = admin_client_a.post(url, {})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    triad.member_a.refresh_from_db()
    assert triad.member_a.status == Membership.Status.ACTIVE
    for wrong in (triad.viewer_a.pk, triad.member_b.pk, triad.member_a.pk, "x"):
        assert admin_client_a.post(url, {"reassign_to": wrong}).status_code == 200
    response = admin_client_a.post(url, {"reassign_to": triad.admin_a.pk})
    assert response.status_code == 302
    triad.member_a.refresh_from_db()
    assert triad.member_a.status == Membership.Status.REMOVED
    assert set(Customer.objects.values_list("managed_by", flat=True)) == {triad.admin_a.pk}
    event = AuditEvent.objects.get(action="team.remove")
    assert event.changes["customers_reassigned_to"][1] == f"{triad.admin_a.user.email} (3)"


def test_the_primary_admin_cannot_be_removed_or_demoted(triad):
    with pytest.raises(services.TeamError):
        services.team_member_remove(
            reseller=triad.reseller_a, actor=triad.admin_a.user, membership_id=triad.primary_a.pk
        )
    with pytest.raises(services.TeamError):
        services.team_member_role_change(
            reseller=triad.reseller_a, actor=triad.admin_a.user, membership_id=triad.primary_a.pk, role="viewer"
        )


def test_role_change_is_audited_with_before_and_after(triad, admin_client_a):
    response = admin_client_a.post(reverse("console:team_member_role", args=[triad.member_a.pk]), {"role": "viewer"})
    assert response.status_code == 302
    triad.member_a.refresh_from_db()
    assert triad.member_a.role == Membership.Role.VIEWER
    assert AuditEvent.objects.get(action="team.role_change").changes == {"role": ["member", "viewer"]}


def test_an_unknown_role_is_refused_with_a_message(triad, admin_client_a):
    response = admin_client_a.post(
        reverse("console:team_member_role", args=[triad.member_a.pk]), {"role": "primary_admin"}, follow=True
    )
    assert "Choose admin, team member or viewer" in response.content.decode()
    triad.member_a.refresh_from_db()
    assert triad.member_a.role == Membership.Role.MEMBER


def test_login_works_with_email_and_password(triad, client):
    response = client.post(reverse("login"), {"username": triad.member_a.user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("console:home")).status_code == 200


def test_login_is_throttled_after_repeated_failures(triad, client):
    email = triad.member_a.user.email
    for _ in range(5):
        response = client.post(reverse("login"), {"username": email, "password": "wrong"})
    assert response.status_code == 429
    locked = client.post(reverse("login"), {"username": email, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()


def test_password_reset_goes_through_the_outbox_and_its_link_works(triad, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": triad.member_a.user.email})
    message = OutboxMessage.objects.get(template="password_reset")
    assert message.to_email == triad.member_a.user.email and message.status == OutboxMessage.Status.SENT
    link = _link(message)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    triad.member_a.user.refresh_from_db()
    assert triad.member_a.user.check_password(NEW_PASSWORD)


def test_password_reset_for_an_unknown_email_reveals_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert not OutboxMessage.objects.exists()
