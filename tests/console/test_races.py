"""NF-3 for the team: identical team invitations sent at once (a double click, or two resellers inviting
the same new email) create one account and one membership; every loser gets a clear message on the
form, never a 500. Real parallel requests, one test client and one database connection per thread."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from console.accounts import services
from console.accounts.models import Membership, User
from console.audit.models import AuditEvent
from console.outbox.models import OutboxMessage
from tests.factories import MembershipFactory
from tests.parallel import client_for, crashes, in_parallel, messages_of

pytestmark = pytest.mark.django_db(transaction=True)

INVITE = {"email": "newbie@example.com", "first_name": "New", "last_name": "Bie", "role": "member"}


def _post_invite(client):
    return client.post(reverse("console:team_invite"), INVITE)


def test_ten_identical_team_invitations_make_one_member_and_nine_clear_messages(triad):
    results = in_parallel([_post_invite] * 10, prepare=lambda i: client_for(triad.admin_a.user))
    assert not crashes(results)
    sent = [r for r in results if r.status_code == 302]
    assert len(sent) == 1 and messages_of(sent[0]) == ["Invitation sent to newbie@example.com."]
    for response in results:
        if response is not sent[0]:
            assert response.status_code == 200
            assert "newbie@example.com has been invited to your team already." in response.content.decode()
    assert User.objects.filter(email="newbie@example.com").count() == 1
    assert Membership.objects.filter(user__email="newbie@example.com").count() == 1
    assert OutboxMessage.objects.filter(to_email="newbie@example.com").count() == 1


def test_two_resellers_inviting_the_same_new_email_at_once_one_wins(triad):
    admin_b = MembershipFactory(reseller=triad.reseller_b, role=Membership.Role.ADMIN)
    admins = [triad.admin_a, admin_b] * 3
    results = in_parallel([_post_invite] * len(admins), prepare=lambda i: client_for(admins[i].user))
    assert not crashes(results)
    membership = Membership.objects.with_scopes_disabled().get(user__email="newbie@example.com")
    for admin, response in zip(admins, results, strict=True):
        if response.status_code == 302:
            assert admin.reseller == membership.reseller
            continue
        assert response.status_code == 200
        expected = (
            "has been invited to your team already"
            if admin.reseller == membership.reseller
            else "newbie@example.com already belongs to a reseller team."
        )
        assert expected in response.content.decode()
    assert sum(r.status_code == 302 for r in results) == 1


def test_a_double_click_on_join_signs_in_both_and_activates_once(triad):
    services.team_member_invite(
        reseller=triad.reseller_a,
        actor=triad.admin_a.user,
        email="joiner@example.com",
        first_name="J",
        last_name="O",
        role="member",
    )
    body = OutboxMessage.objects.get(to_email="joiner@example.com").body_text
    link = re.search(r"https?://\S+", body).group(0).replace("http://testserver", "")
    form = {"new_password1": "a much better passphrase 42", "new_password2": "a much better passphrase 42"}
    results = in_parallel([lambda client: client.post(link, form)] * 2, prepare=lambda i: client_for(None))
    assert not crashes(results)
    assert [r.status_code for r in results] == [302, 302]
    assert {r.url for r in results} == {reverse("console:home")}
    assert AuditEvent.objects.filter(action="team.join").count() == 1
