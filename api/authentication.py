"""API-3: a request authenticates with `Authorization: Bearer rck_…`. No session, no password."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from api.models import ApiKey
from api.services import api_key_for, api_key_touch
from console.accounts.models import User


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`request.user` is the key's creator (the person accountable for what it does), `request.auth`
    the ApiKey. A missing header leaves the request anonymous (the permission answers 401); a key that
    is unknown, expired or revoked is refused with 401 here."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the API key as “Authorization: Bearer <key>”."))
        try:
            text = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("This API key is not valid.")) from error
        key = api_key_for(text)
        if key is None:
            raise exceptions.AuthenticationFailed(_("This API key is not valid, has expired or was revoked."))
        api_key_touch(key)
        return key.created_by, key

    def authenticate_header(self, request: Any) -> str:
        return f'{self.keyword} realm="api"'
