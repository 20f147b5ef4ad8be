"""Typed requests (as healthchecks' `AuthenticatedHttpRequest`): what TenantMiddleware and
`console_view` guarantee, spelled out so the type checker holds views to it."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from console.accounts.models import Membership, Reseller, User


class TenantRequest(HttpRequest):
    """Any request after TenantMiddleware: the signed-in user's active membership and its reseller,
    or None for anonymous users, operators and customer admins."""

    membership: Membership | None
    reseller: Reseller | None


class AuthenticatedRequest(HttpRequest):
    """A request whose user is signed in (the member portal's organisation pages check it first)."""

    user: User


class ConsoleRequest(HttpRequest):
    """A request inside a `console_view`: signed in, with an active membership of an active reseller
    whose role the view allows."""

    user: User
    membership: Membership
    reseller: Reseller
    htmx: HtmxDetails
