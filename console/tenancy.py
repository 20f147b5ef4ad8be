"""Tenancy: each request is resolved to the signed-in user's reseller once (TenantMiddleware), and
every scoped query runs inside that reseller (django-scopes). A console URL naming another reseller's
object answers 404 because the object is simply not in the scoped queryset; a write without the role
answers 403; an anonymous request goes to the login page (SPEC §1, NF-1).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import wraps
from typing import Any, Concatenate, ParamSpec, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from console.accounts.models import Membership
from console.http import ConsoleRequest, TenantRequest

P = ParamSpec("P")

Role = Membership.Role
ALL_ROLES = frozenset(Role.values)
WRITERS = frozenset({Role.PRIMARY_ADMIN, Role.ADMIN, Role.MEMBER})
TEAM_ADMINS = frozenset({Role.PRIMARY_ADMIN, Role.ADMIN})
PRIMARY_ONLY = frozenset({Role.PRIMARY_ADMIN})

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def active_membership(user: Any) -> Membership | None:
    """The user's active membership of an active reseller, or None."""
    if not user.is_authenticated:
        return None
    with scopes_disabled():
        return (
            Membership.objects.select_related("reseller", "user")
            .filter(user=user, status=Membership.Status.ACTIVE, reseller__is_active=True)
            .first()
        )


def _member_of_a_deactivated_reseller(user: Any) -> bool:
    with scopes_disabled():
        return Membership.objects.filter(user=user, status=Membership.Status.ACTIVE, reseller__is_active=False).exists()


class TenantMiddleware:
    """Sets request.membership and request.reseller, then runs the view inside that reseller's scope.

    The Django admin is for operators and sees every tenant; every other request without a reseller
    runs in an empty scope, where a scoped query raises ScopeError instead of leaking rows.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, http_request: HttpRequest) -> HttpResponse:
        request = cast(TenantRequest, http_request)
        membership = active_membership(request.user)
        request.membership = membership
        request.reseller = membership.reseller if membership else None
        if request.path.startswith(reverse("admin:index")):
            with scopes_disabled():
                return self.get_response(request)
        if request.reseller is None:
            with scope():  # enabled, but no reseller: scoped queries raise
                return self.get_response(request)
        with scope(reseller=request.reseller.pk):
            return self.get_response(request)


def console_view(
    *, read: Collection[str] = ALL_ROLES, write: Collection[str] = WRITERS
) -> Callable[
    [Callable[Concatenate[ConsoleRequest, P], HttpResponseBase]],
    Callable[Concatenate[HttpRequest, P], HttpResponseBase],
]:
    """Guard a console view: anonymous → login, no reseller or wrong role → 403. The view receives a
    ConsoleRequest (user, membership and reseller set).

    `read` are the roles allowed to GET the view, `write` the roles allowed any other method.
    """

    def decorator(
        view: Callable[Concatenate[ConsoleRequest, P], HttpResponseBase],
    ) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
        @wraps(view)
        def wrapped(http_request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            request = cast(TenantRequest, http_request)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.membership is None:
                if request.user.customer_admin_roles.exists():
                    return redirect("portal:home")  # a customer's admin signed in: their place is the portal
                if _member_of_a_deactivated_reseller(request.user):
                    raise PermissionDenied(
                        _("Your reseller's console has been deactivated. Contact the programme's operator.")
                    )
                raise PermissionDenied(_("This account has no access to a reseller console."))
            allowed = read if request.method in SAFE_METHODS else write
            if request.membership.role not in allowed:
                raise PermissionDenied(
                    _("Your role in this team does not allow this action. Ask an admin of your team if you need it.")
                )
            return view(cast(ConsoleRequest, request), *args, **kwargs)

        # Read by the permission matrix test, which checks every URL against these roles (NF-1).
        setattr(wrapped, "console_access", {"read": frozenset(read), "write": frozenset(write)})  # noqa: B010
        return wrapped

    return decorator


def tenant_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "membership": getattr(request, "membership", None),
        "reseller": getattr(request, "reseller", None),
    }
