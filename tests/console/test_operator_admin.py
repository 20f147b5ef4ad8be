"""Operator tools that cannot break invariants (issue 13): deactivating a reseller is audited and its
staff are told why; the 403 page names the reason; reseller staff never get Django staff flags;
emails typed in the admin are normalised; a first admin's invitation can be sent again."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.accounts.models import Membership, Reseller, User
from console.accounts.services import team_email_refusal
from console.audit.models import AuditEvent
from console.outbox.models import OutboxMessage
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.unscoped  # the operator's admin looks across resellers


def _reseller_form(reseller: Reseller, *, active: bool) -> dict[str, object]:
    data: dict[str, object] = {
        "name": reseller.name,
        "segments": reseller.segments,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    if active:
        data["is_active"] = "on"
    return data


def test_deactivating_and_reactivating_a_reseller_is_audited_and_its_staff_are_told_why(triad, admin_client):
    change = reverse("admin:accounts_reseller_change", args=[triad.reseller_a.pk])
    staff = triad.client_for(triad.member_a)

    response = admin_client.post(change, _reseller_form(triad.reseller_a, active=False))
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action="reseller.deactivate")
    assert event.reseller == triad.reseller_a and event.changes == {"is_active": [True, False]}

    page = staff.get(reverse("console:home"))
    assert page.status_code == 403
    assert "console has been deactivated" in page.content.decode()
    assert "Your role" not in page.content.decode()

    admin_client.post(change, _reseller_form(triad.reseller_a, active=True))
    assert AuditEvent.objects.filter(action="reseller.reactivate", reseller=triad.reseller_a).count() == 1
    assert staff.get(reverse("console:home")).status_code == 200


def test_the_403_page_names_the_real_reason(triad):
    viewer = triad.client_for(triad.viewer_a)
    response = viewer.post(reverse("console:team_invite"), {})
    assert response.status_code == 403
    assert "Your role in this team does not allow this action" in response.content.decode()

    outsider = triad.client_for(MembershipFactory(status=Membership.Status.REMOVED))
    response = outsider.get(reverse("console:home"))
    assert response.status_code == 403
    assert "This account has no access to a reseller console." in response.content.decode()


def _user_form(user: User, **changes: str) -> dict[str, str]:
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "language": "en",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        **changes,
    }


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_reseller_staff_cannot_be_given_django_staff_or_superuser_flags(triad, admin_client, flag):
    user = triad.member_a.user
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]), _user_form(user, **{flag: "on"})
    )
    assert response.status_code == 200
    assert "cannot be given Django staff or superuser status" in response.content.decode()
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser


def test_an_operator_can_still_make_another_operator(db, admin_client):
    user = UserFactory()
    response = admin_client.post(reverse("admin:accounts_user_change", args=[user.pk]), _user_form(user, is_staff="on"))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_staff


def test_an_operators_account_cannot_be_invited_to_a_team(db):
    operator = UserFactory(is_staff=True)
    assert "operator's account" in (team_email_refusal(operator.email) or "")


def test_an_uppercase_email_typed_in_the_admin_is_stored_lower_case(db, admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {"email": "New.Operator@Example.COM", "password1": "a-Strong-pass-2026", "password2": "a-Strong-pass-2026"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.filter(email="new.operator@example.com").exists()

    user = User.objects.get(email="new.operator@example.com")
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]), _user_form(user, email="NEW.Operator@example.com")
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "new.operator@example.com"


def test_an_uppercase_duplicate_email_is_refused_with_a_message_not_a_500(db, admin_client):
    UserFactory(email="taken@example.com")
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {"email": "TAKEN@example.com", "password1": "a-Strong-pass-2026", "password2": "a-Strong-pass-2026"},
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_a_first_admins_lost_invitation_can_be_sent_again(db, admin_client, django_capture_on_commit_callbacks):
    pending = MembershipFactory(role=Membership.Role.PRIMARY_ADMIN, status=Membership.Status.PENDING)
    pending.invitation_nonce = "old"
    pending.save()
    joined = MembershipFactory(role=Membership.Role.PRIMARY_ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:accounts_reseller_changelist"),
            {
                "action": "primary_admin_invitation_resend",
                "_selected_action": [pending.reseller_id, joined.reseller_id],
            },
            follow=True,
        )
    text = response.content.decode()
    assert f"A new invitation was queued for {pending.user.email}" in text
    assert "its primary admin has joined already" in text
    assert list(OutboxMessage.objects.values_list("to_email", flat=True)) == [pending.user.email]
    pending.refresh_from_db()
    assert pending.invitation_nonce not in ("", "old")  # the lost link no longer works
    assert AuditEvent.objects.filter(action="team.invite_resend", reseller=pending.reseller).exists()
