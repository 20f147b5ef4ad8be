"""Writes for the REST API: API keys (API-3) and idempotent POSTs (API-6)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiKey, IdempotencyRecord
from console.accounts.models import Membership, Reseller, User
from console.audit.services import audit_log

KEY_PREFIX = "rck_"
LAST_USED_PRECISION = timedelta(minutes=1)


class ApiKeyError(Exception):
    """An API key change the rules refuse; the message is shown to the user."""


def _hash(secret: str) -> str:
    # The secret carries 256 random bits, so one SHA-256 is enough; a slow password hasher would only
    # slow every API call down (djangorestframework-api-key made the same choice).
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(
    *, reseller: Reseller, actor: User, name: str, role: str, expires_at: datetime | None
) -> tuple[ApiKey, str]:
    """API-3: create a key; returns it with the whole key text, which is never stored and is shown once.

    The text is `rck_<prefix>_<secret>`: the prefix finds the row, the secret is compared with its hash."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            reseller=reseller,
            name=name,
            role=role,
            prefix=prefix,
            secret_hash=_hash(secret),
            created_by=actor,
            created_at=timezone.now(),
            expires_at=expires_at,
        )
        audit_log(
            reseller=reseller,
            actor=actor,
            action="api_key.create",
            obj=key,
            changes={"name": [None, name], "role": [None, role], "expires_at": [None, expires_at]},
        )
    return key, f"{KEY_PREFIX}{prefix}_{secret}"


def api_key_revoke(*, reseller: Reseller, actor: User, key_id: int) -> ApiKey:
    """API-3: revoke a key for good; the next call with it answers 401. Revoking twice is refused."""
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().filter(reseller=reseller, pk=key_id).first()
        if key is None:
            raise ApiKeyError(_("This API key does not exist."))
        if key.revoked_at is not None:
            raise ApiKeyError(_("This API key was revoked already."))
        key.revoked_at = timezone.now()
        key.revoked_by = actor
        key.save(update_fields=["revoked_at", "revoked_by"])
        audit_log(reseller=reseller, actor=actor, action="api_key.revoke", obj=key, changes={"revoked": [False, True]})
    return key


def api_key_for(text: str) -> ApiKey | None:
    """The usable key this text names, or None: unknown, wrong secret, revoked, expired, or its
    creator no longer an active member of an active reseller (a key never outlives its creator's
    access). Looked up across resellers: the key is what tells the request its reseller."""
    if not text.startswith(KEY_PREFIX) or len(text) > 200:
        return None
    prefix, _sep, secret = text[len(KEY_PREFIX) :].partition("_")
    if not prefix or not secret:
        return None
    key = (
        ApiKey.objects.with_scopes_disabled()
        .select_related("reseller", "created_by")
        .filter(prefix=prefix, reseller__is_active=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)) or not key.is_usable:
        return None
    creator_role = (
        Membership.objects.with_scopes_disabled()
        .filter(reseller_id=key.reseller_id, user_id=key.created_by_id, status=Membership.Status.ACTIVE)
        .order_by()
        .values_list("role", flat=True)
        .first()
    )
    if creator_role is None:
        return None
    # A key never does more than its creator may: a creator now a viewer leaves a read-only key.
    key.creator_may_write = creator_role != Membership.Role.VIEWER
    key.creator_role = creator_role
    return key


def api_key_touch(key: ApiKey) -> None:
    """Record the key's last use, at most once a minute (one conditional UPDATE, no write otherwise)."""
    now = timezone.now()
    if key.last_used_at is not None and key.last_used_at >= now - LAST_USED_PRECISION:
        return
    ApiKey.objects.with_scopes_disabled().filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
    ).update(last_used_at=now)


def idempotency_cutoff() -> datetime:
    return timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)


def idempotency_records_purge(*, on: date | None = None) -> dict[str, int]:
    """API-6: forget idempotency keys older than API_IDEMPOTENCY_HOURS (a periodic step)."""
    deleted, _rows = IdempotencyRecord.objects.filter(created_at__lt=idempotency_cutoff()).delete()
    return {"idempotency_records_deleted": deleted}
