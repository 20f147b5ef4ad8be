"""API-3: who may call what. Every API route needs a key; a read-only key may only read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request

from api.models import ApiKey

if TYPE_CHECKING:
    from rest_framework.views import APIView


class ApiKeyPermission(permissions.BasePermission):
    """No (valid) key → 401 (DRF turns a refusal of an unauthenticated request into 401); a read-only
    key's write → 403. Another reseller's objects are simply not found (404): the view runs inside the
    key's reseller scope."""

    message = _("This API key is read-only.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False
        return request.method in permissions.SAFE_METHODS or key.can_write


class CreatorRolePermission(permissions.BasePermission):
    """A route the console shows only to some roles (the view's `creator_roles`, e.g. the activity log:
    TEAM_ADMINS, as console.audit.views.activity) answers only keys whose creator has one of them now;
    any other key gets 403."""

    message = _("Your role in this team does not allow this: the key's creator must be an admin of the team.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        key = request.auth
        roles = getattr(view, "creator_roles", None)
        return isinstance(key, ApiKey) and (roles is None or key.creator_role in roles)
