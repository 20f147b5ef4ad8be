"""Tenancy scoping, the append-only audit log, the activity log (AUD-2), the admin's reseller
creation and the production settings (NF-5)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django_scopes import scope
from django_scopes.exceptions import ScopeError

from console.accounts.models import Membership, Reseller
from console.audit.models import AppendOnlyError, AuditEvent
from console.audit.services import audit_log
from console.outbox.models import OutboxMessage
from tests.factories import PASSWORD, AuditEventFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.unscoped  # starts from no scope at all, as a request without a tenant does
def test_a_scoped_query_without_a_reseller_fails_loudly(triad):
    with scope():  # enabled, no reseller: what a request without a tenant gets
        with pytest.raises(ScopeError):
            list(Membership.objects.all())
        with pytest.raises(ScopeError):
            AuditEvent.objects.filter(action="x").count()


def test_a_scoped_query_only_sees_its_resellers_rows(triad):
    with scope(reseller=triad.reseller_b.pk):
        assert set(Membership.objects.values_list("reseller_id", flat=True)) == {triad.reseller_b.pk}


def test_the_admin_runs_unscoped_for_operators(triad, admin_client):
    response = admin_client.get(reverse("admin:accounts_membership_changelist"))
    assert response.status_code == 200
    assert "Bravo Resale" in response.content.decode()


def test_audit_events_cannot_be_changed_or_deleted_by_the_application(triad):
    event = audit_log(reseller=triad.reseller_a, actor=triad.admin_a.user, action="team.invite", obj=triad.member_a)
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.parametrize("statement", ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"])
def test_the_database_refuses_to_change_audit_events(triad, statement):
    AuditEventFactory(reseller=triad.reseller_a)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 1


def test_audit_log_records_actor_object_and_changes(triad):
    event = audit_log(
        reseller=triad.reseller_a,
        actor=None,
        action="team.role_change",
        obj=triad.member_a,
        changes={"role": ("member", "viewer")},
    )
    event.refresh_from_db()
    assert event.actor_label == "system"
    assert event.object_type == "accounts.membership" and event.object_id == str(triad.member_a.pk)
    assert event.changes == {"role": ["member", "viewer"]}


def test_the_activity_log_shows_only_this_resellers_events_and_filters(triad, admin_client_a):
    AuditEventFactory(reseller=triad.reseller_a, action="team.invite", object_repr="ours-invite")
    AuditEventFactory(reseller=triad.reseller_a, action="reseller.create", object_repr="ours-reseller")
    AuditEventFactory(reseller=triad.reseller_b, action="team.invite", object_repr="theirs")
    page = admin_client_a.get(reverse("console:activity")).content.decode()
    assert "ours-invite" in page and "ours-reseller" in page and "theirs" not in page
    filtered = admin_client_a.get(reverse("console:activity"), {"action": "team."}).content.decode()
    assert "ours-invite" in filtered and "ours-reseller" not in filtered


@pytest.mark.parametrize(
    "params",
    [{"action": "nope"}, {"actor": "x" * 300}, {"actor": "a\x00b"}, {"page": "abc"}, {"page": "-1"}, {"page": "1e9"}],
)
def test_the_activity_log_answers_bad_parameters_without_a_500(triad, admin_client_a, params):
    response = admin_client_a.get(reverse("console:activity"), params)
    assert response.status_code == 200


def test_the_activity_csv_has_a_bom_and_neutralises_formulas(triad, admin_client_a):
    AuditEventFactory(reseller=triad.reseller_a, object_repr='=HYPERLINK("http://evil")', actor_label="Кирило")
    AuditEventFactory(reseller=triad.reseller_b, object_repr="theirs")
    response = admin_client_a.get(reverse("console:activity"), {"format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["when", "actor", "action", "what", "object", "changes"]
    assert len(rows) == 2
    assert rows[1][4] == '\'=HYPERLINK("http://evil")' and rows[1][1] == "Кирило"


@pytest.mark.unscoped  # an operator's view: every reseller
def test_an_operator_creates_a_reseller_with_its_primary_admin_in_the_admin(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:accounts_reseller_add"),
            {
                "name": "Gamma Distribution",
                "reseller_id": "2000000001",
                "segments": ["COM", "EDU"],
                "is_active": "on",
                "admin_email": "Boss@Gamma.example.com",
                "admin_first_name": "Gina",
                "admin_last_name": "Boss",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    reseller = Reseller.objects.get(reseller_id="2000000001")
    assert reseller.segments == ["COM", "EDU"]
    membership = Membership.objects.get(reseller=reseller)
    assert membership.role == Membership.Role.PRIMARY_ADMIN and membership.status == Membership.Status.PENDING
    assert membership.user.email == "boss@gamma.example.com"
    assert OutboxMessage.objects.get(to_email="boss@gamma.example.com").template == "team_invitation"
    assert AuditEvent.objects.filter(reseller=reseller, action="reseller.create").exists()


@pytest.mark.parametrize("reseller_id", ["123", "12345678901", "abcdefghij", "123456789\x00"])
def test_the_admin_refuses_a_malformed_reseller_id(admin_client, reseller_id):
    response = admin_client.post(
        reverse("admin:accounts_reseller_add"),
        {
            "name": "Bad",
            "reseller_id": reseller_id,
            "segments": ["COM"],
            "admin_email": "x@example.com",
            "admin_first_name": "X",
            "admin_last_name": "Y",
        },
    )
    assert response.status_code == 200
    assert not Reseller.objects.filter(name="Bad").exists()


def test_the_admin_refuses_a_first_admin_who_is_already_in_a_team(triad, admin_client):
    response = admin_client.post(
        reverse("admin:accounts_reseller_add"),
        {
            "name": "Delta",
            "reseller_id": "3000000001",
            "segments": ["COM"],
            "admin_email": triad.member_b.user.email,
            "admin_first_name": "X",
            "admin_last_name": "Y",
        },
    )
    assert response.status_code == 200
    assert "already belongs" in response.content.decode()
    assert not Reseller.objects.filter(name="Delta").exists()


def test_audit_and_outbox_are_read_only_in_the_admin(triad, admin_client):
    event = AuditEventFactory(reseller=triad.reseller_a)
    assert admin_client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).status_code == 200
    assert (
        admin_client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()


READ_ONLY_MODELS = [
    "audit.AuditEvent",
    "outbox.OutboxMessage",
    "customers.Customer",
    "customers.CustomerAdmin",
    "purchase_auth.PurchaseAuthorization",
    "purchase_auth.Order",
    "purchase_auth.Return",
    "purchase_auth.LicencePool",
]


@pytest.mark.parametrize("label", READ_ONLY_MODELS)
def test_service_managed_records_are_read_only_in_the_admin(rf, admin_user, label):
    from django.apps import apps
    from django.contrib import admin

    from console.admin import ReadOnlyAdmin

    model_admin = admin.site._registry[apps.get_model(label)]
    request = rf.get("/")
    request.user = admin_user
    assert isinstance(model_admin, ReadOnlyAdmin)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)
    for inline in model_admin.get_inline_instances(request):
        assert not inline.has_add_permission(request, None) and not inline.can_delete


def test_the_beat_schedule_is_visible_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:django_celery_beat_periodictask_changelist")).status_code == 200


HASH_A_PASSWORD = """
import django
django.setup()
from django.contrib.auth.hashers import check_password, make_password
encoded = make_password("correct horse")
assert check_password("correct horse", encoded)
print(encoded)
"""


def _production_env() -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},  # set for browser tests only
        "DJANGO_SETTINGS_MODULE": "console.settings.production",
        "SECRET_KEY": "a-long-random-production-secret-key-that-is-not-in-the-repository-0123456789",
        "ALLOWED_HOSTS": "console.example.com",
        "DATABASE_URL": "sqlite:///:memory:",
    }


def test_users_are_hashed_with_a_modern_hasher_in_production_settings():
    """Hash a password the way production does (its own process, production settings), not a string
    read from the base settings."""
    result = subprocess.run(
        [sys.executable, "-c", HASH_A_PASSWORD],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    algorithm, work_factor, *_ = result.stdout.strip().split("$")
    assert algorithm == "scrypt" and int(work_factor) >= 2**14


def test_production_settings_pass_the_deploy_check():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update({"DJANGO_SETTINGS_MODULE": "console.settings.production", "ALLOWED_HOSTS": "x.example.com"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_user_signs_in_by_email_whatever_its_case(triad):
    user = triad.member_a.user
    client = Client()
    response = client.post(reverse("login"), {"username": f"  {user.email.upper()} ", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("console:home")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("console:home")).status_code == 200


def test_a_wrong_password_does_not_sign_in(triad):
    client = Client()
    response = client.post(reverse("login"), {"username": triad.member_a.user.email, "password": PASSWORD + "x"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_a_user_is_shown_by_name_or_else_by_email(db):
    named = UserFactory(first_name="Ann", last_name="Lee")
    unnamed = UserFactory(email="mixed@example.com", first_name="", last_name="")
    assert (str(named), str(unnamed)) == ("Ann Lee", "mixed@example.com")


def test_a_test_body_runs_in_reseller_as_scope(triad):
    """tests/conftest.py: a service or selector that forgets its reseller fails its test."""
    assert set(Membership.objects.values_list("reseller_id", flat=True)) == {triad.reseller_a.pk}


def test_a_test_body_without_a_reseller_runs_in_an_empty_scope(db):
    with pytest.raises(ScopeError):
        Membership.objects.count()
