"""API fixtures: keys of reseller A (read-write, read-only, expired, revoked) and reseller B."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiKey
from api.services import api_key_create, api_key_revoke
from tests.conftest import Triad


@dataclass
class Keys:
    read_write: str
    read_only: str
    expired: str
    revoked: str
    other: str  # a read-write key of reseller B
    read_write_key: ApiKey

    def text(self, who: str) -> str | None:
        return None if who == "none" else getattr(self, who)


def api_client(text: str | None) -> APIClient:
    client = APIClient()
    if text is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {text}")
    return client


@pytest.fixture
def keys(triad: Triad) -> Keys:
    admin = triad.admin_a.user

    def make(role: str, *, reseller=triad.reseller_a, actor=admin, expires_at=None) -> tuple[ApiKey, str]:
        return api_key_create(reseller=reseller, actor=actor, name=f"{role} key", role=role, expires_at=expires_at)

    read_write_key, read_write = make(ApiKey.Role.READ_WRITE)
    _key, read_only = make(ApiKey.Role.READ_ONLY)
    expired_key, expired = make(ApiKey.Role.READ_WRITE, expires_at=timezone.now() + timedelta(days=1))
    ApiKey.objects.filter(pk=expired_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked_key, revoked = make(ApiKey.Role.READ_WRITE)
    api_key_revoke(reseller=triad.reseller_a, actor=admin, key_id=revoked_key.pk)
    _key, other = make(ApiKey.Role.READ_WRITE, reseller=triad.reseller_b, actor=triad.member_b.user)
    return Keys(read_write, read_only, expired, revoked, other, read_write_key)


@pytest.fixture
def rw(keys: Keys) -> APIClient:
    return api_client(keys.read_write)
