"""API-3 in the console: reseller admins create, list and revoke keys; the secret is shown once and
stored only as a hash (NF-5); last use is recorded."""

from __future__ import annotations

import hashlib
import re

from django.urls import reverse

from api.models import ApiKey
from console.audit.models import AuditEvent
from tests.api.conftest import api_client


def test_an_admin_creates_a_key_and_sees_its_secret_once(triad, admin_client_a):
    response = admin_client_a.post(
        reverse("api_keys:create"), {"name": "Billing sync", "role": "read_write", "expires_on": ""}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = re.search(rb'value="(rck_[^"]+)"', response.content).group(1).decode()
    key = ApiKey.objects.get(name="Billing sync")
    assert text.startswith(f"rck_{key.prefix}_") and key.created_by == triad.admin_a.user
    secret = text.split("_", 2)[2]
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in key.secret_hash
    listing = admin_client_a.get(reverse("api_keys:list"))
    assert key.prefix.encode() in listing.content and secret.encode() not in listing.content
    assert AuditEvent.objects.filter(action="api_key.create", object_id=str(key.pk)).exists()
    assert api_client(text).get(reverse("api:team")).status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_a_past_expiry_is_refused(triad, admin_client_a):
    response = admin_client_a.post(
        reverse("api_keys:create"), {"name": "Old", "role": "read_only", "expires_on": "2020-01-01"}
    )
    assert response.status_code == 200 and not ApiKey.objects.exists()
    assert b"Choose a day after today." in response.content


def test_revoking_a_key_stops_it_at_once_and_a_second_revoke_says_so(triad, admin_client_a, keys):
    key = keys.read_write_key
    response = admin_client_a.post(reverse("api_keys:revoke", kwargs={"pk": key.pk}), follow=True)
    assert b"was revoked" in response.content
    assert api_client(keys.read_write).get(reverse("api:team")).status_code == 401
    again = admin_client_a.post(reverse("api_keys:revoke", kwargs={"pk": key.pk}), follow=True)
    assert b"revoked already" in again.content


def test_another_resellers_key_cannot_be_revoked(triad, keys):
    from tests.factories import MembershipFactory

    outsider = MembershipFactory(reseller=triad.reseller_b, role="admin")
    response = triad.client_for(outsider).post(reverse("api_keys:revoke", kwargs={"pk": keys.read_write_key.pk}))
    assert response.status_code == 404
    assert api_client(keys.read_write).get(reverse("api:team")).status_code == 200
