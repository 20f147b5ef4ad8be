from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from console.accounts import services
from console.accounts.forms import InvitationPasswordForm, RemoveMemberForm, RoleChangeForm, TeamInviteForm
from console.accounts.models import Membership
from console.http import ConsoleRequest
from console.tenancy import PRIMARY_ONLY, TEAM_ADMINS, console_view


@require_safe
@console_view()
def team(request: ConsoleRequest) -> HttpResponse:
    members = (
        Membership.objects.filter(reseller=request.reseller)
        .exclude(status=Membership.Status.REMOVED)
        .select_related("user")
    )
    counts = members.aggregate(
        active=Count("pk", filter=Q(status=Membership.Status.ACTIVE)),
        pending=Count("pk", filter=Q(status=Membership.Status.PENDING)),
    )
    return render(
        request,
        "console/team.html",
        {"members": members, "counts": counts, "role_form": RoleChangeForm(), "nav": "team"},
    )


@console_view(read=TEAM_ADMINS, write=TEAM_ADMINS)
def team_invite(request: ConsoleRequest) -> HttpResponse:
    form = TeamInviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.team_member_invite(reseller=request.reseller, actor=request.user, **form.cleaned_data)
        except services.TeamError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": membership.user.email})
            return redirect("console:team")
    return render(request, "console/team_invite.html", {"form": form, "nav": "team"})


def _team_action(
    request: ConsoleRequest, pk: int, service: Callable[..., Membership], success: str, **extra: str
) -> HttpResponse:
    """Run a team service on member `pk` (404 for another reseller's member) and say how it went."""
    get_object_or_404(Membership, reseller=request.reseller, pk=pk)
    try:
        membership = service(reseller=request.reseller, actor=request.user, membership_id=pk, **extra)
    except services.TeamError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success % {"name": membership.user})
    return redirect("console:team")


@require_POST
@console_view(read=TEAM_ADMINS, write=TEAM_ADMINS)
def team_invitation_resend(request: ConsoleRequest, pk: int) -> HttpResponse:
    return _team_action(request, pk, services.team_invitation_resend, _("A new invitation was sent to %(name)s."))


@require_POST
@console_view(read=TEAM_ADMINS, write=TEAM_ADMINS)
def team_member_role(request: ConsoleRequest, pk: int) -> HttpResponse:
    form = RoleChangeForm(request.POST)
    if not form.is_valid():
        get_object_or_404(Membership, reseller=request.reseller, pk=pk)
        messages.error(request, _("Choose admin, team member or viewer."))
        return redirect("console:team")
    return _team_action(
        request, pk, services.team_member_role_change, _("%(name)s’s role was changed."), role=form.cleaned_data["role"]
    )


@console_view(read=TEAM_ADMINS, write=TEAM_ADMINS)
def team_member_remove(request: ConsoleRequest, pk: int) -> HttpResponse:
    """TEAM-2: a confirmation page; the member's customers go to another active member in the same action."""
    membership = get_object_or_404(
        Membership.objects.select_related("user").exclude(status=Membership.Status.REMOVED),
        reseller=request.reseller,
        pk=pk,
    )
    managed = services.managed_count(membership=membership)
    form = RemoveMemberForm(
        request.POST if request.method == "POST" else None,
        reseller=request.reseller,
        removing=membership,
        needs_target=managed > 0,
    )
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data.get("reassign_to")
        try:
            services.team_member_remove(
                reseller=request.reseller,
                actor=request.user,
                membership_id=pk,
                reassign_to_id=target.pk if target else None,
            )
        except services.TeamError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("%(name)s was removed from the team.") % {"name": membership.user})
        return redirect("console:team")
    return render(
        request,
        "console/team_remove.html",
        {"member": membership, "managed": managed, "form": form, "nav": "team"},
    )


@require_POST
@console_view(read=PRIMARY_ONLY, write=PRIMARY_ONLY)
def team_primary_handover(request: ConsoleRequest, pk: int) -> HttpResponse:
    return _team_action(request, pk, services.primary_admin_handover, _("%(name)s is now the primary admin."))


def team_invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Public page behind the emailed link: the invitee sets a password and is signed in. A second
    submit after the first joined (a double click) gets the first one's result when its password is the
    one just set (NF-3)."""
    try:
        membership = services.team_invitation_membership(token)
    except services.TeamInvitationUsed as error:
        if joined := _same_person(request, error.membership):
            return _welcome(request, joined)
        return render(request, "registration/invitation_invalid.html", {"error": str(error)}, status=410)
    except services.TeamError as error:
        return render(request, "registration/invitation_invalid.html", {"error": str(error)}, status=410)
    form = InvitationPasswordForm(membership.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.team_invitation_accept(token=token, password=form.cleaned_data["new_password1"])
        except services.TeamInvitationUsed as error:
            if joined := _same_person(request, error.membership):
                return _welcome(request, joined)
            return render(request, "registration/invitation_invalid.html", {"error": str(error)}, status=410)
        except services.TeamError as error:
            return render(request, "registration/invitation_invalid.html", {"error": str(error)}, status=410)
        except ValidationError as error:
            form.add_error("new_password1", error)
        else:
            return _welcome(request, membership)
    return render(request, "registration/invitation_accept.html", {"form": form, "membership": membership})


def _same_person(request: HttpRequest, membership: Membership | None) -> Membership | None:
    """The joined membership, if this POST carries the password its person has just set."""
    password = request.POST.get("new_password1", "") if request.method == "POST" else ""
    if membership is None or not password:
        return None
    user = authenticate(request, username=membership.user.email, password=password)
    return membership if user is not None else None


def _welcome(request: HttpRequest, membership: Membership) -> HttpResponse:
    login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Welcome to %(reseller)s.") % {"reseller": membership.reseller.name})
    return redirect("console:home")
