"""Writes for resellers and their team (SPEC §1, §9). Each service checks, locks, saves, audits and
queues its email in one transaction."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from console.accounts.models import Membership, Reseller, User
from console.accounts.selectors import members_who_may_write
from console.audit.services import audit_log
from console.outbox.services import mail_enqueue
from console.signing import LinkExpired, LinkInvalid, link_read, link_sign

INVITATION_SALT = "console.team-invitation"


class TeamError(Exception):
    """A team change that the rules refuse; the message is shown to the user."""


class TeamInvitationUsed(TeamError):
    """The team-invitation link was used already (or replaced); `membership` is the one it named once
    that person joined, so a second click of the same person can be signed in (NF-3)."""

    def __init__(self, message: str, membership: Membership | None = None) -> None:
        super().__init__(message)
        self.membership = membership


def _joined(pk: int) -> Membership | None:
    return (
        Membership.objects.with_scopes_disabled()
        .select_related("user", "reseller")
        .filter(pk=pk, status=Membership.Status.ACTIVE)
        .first()
    )


def _invitation_token(membership: Membership) -> str:
    return link_sign(INVITATION_SALT, {"m": membership.pk, "n": membership.invitation_nonce})


def _send_team_invitation(membership: Membership, *, actor: User | None) -> None:
    membership.invitation_nonce = secrets.token_hex(16)
    membership.save(update_fields=["invitation_nonce"])
    link = settings.SITE_URL + reverse("team_invitation_accept", args=[_invitation_token(membership)])
    mail_enqueue(
        to=membership.user.email,
        template="team_invitation",
        language=membership.user.language,
        reseller=membership.reseller,
        context={
            "reseller": membership.reseller,
            "membership": membership,
            "invited_by": actor,
            "link": link,
            "days": settings.VIP_POLICY["TEAM_INVITATION_DAYS"],
        },
    )


def user_is_reseller_staff(user: User) -> bool:
    """SPEC §1: the account belongs to a reseller team (invited or active), so it signs in to the console."""
    memberships = Membership.objects.with_scopes_disabled().filter(user=user)
    return memberships.exclude(status=Membership.Status.REMOVED).exists()


def user_is_customer_admin(user: User) -> bool:
    """SPEC §1: the account administers a customer organisation in the member portal."""
    return user.customer_admin_roles.exists()


def team_email_refusal(email: str, *, reseller: Reseller | None = None) -> str | None:
    """Why `email` cannot be invited to a team (by `reseller`), or None: it already belongs to a team,
    or it is a customer admin's account (SPEC §1: one sign-in is either staff or customer, never both)."""
    user = User.objects.filter(email=email.strip().lower()).first()
    if user is None:
        return None
    membership = (
        Membership.objects.with_scopes_disabled()
        .filter(user=user)
        .exclude(status=Membership.Status.REMOVED)
        .select_related("reseller")
        .first()
    )
    if membership is not None and reseller is not None and membership.reseller_id == reseller.pk:
        if membership.status == Membership.Status.PENDING:
            return _("%(email)s has been invited to your team already.") % {"email": user.email}
        return _("%(email)s is in your team already.") % {"email": user.email}
    if membership is not None:
        return _("%(email)s already belongs to a reseller team.") % {"email": user.email}
    if user.is_staff or user.is_superuser:
        return _("%(email)s is an operator's account, so it cannot also join a reseller's team. Use another email.") % {
            "email": user.email
        }
    if user_is_customer_admin(user):
        return _(
            "%(email)s administers a customer organization in the member portal, so it cannot also sign in "
            "to a reseller's console. Use another email."
        ) % {"email": user.email}
    return None


def _user_for_invitation(
    *, email: str, first_name: str, last_name: str, reseller: Reseller, language: str = "en"
) -> User:
    """The account to invite, created when new, locked for the rest of the transaction (customer
    acceptances lock it too, so SPEC §1 holds under parallel requests). Raises TeamError when it cannot
    join a team. Two parallel invitations of a new email: the loser finds the winner's account (NF-3).
    A new account starts in `language` (the inviter's: the best guess until the person chooses, I18N-2)."""
    email = email.strip().lower()
    if User.objects.filter(email=email).first() is None:
        try:
            with transaction.atomic():
                User.objects.create_user(email=email, first_name=first_name, last_name=last_name, language=language)
        except IntegrityError:
            pass  # created a moment ago by a parallel invitation; refused or reused below
    user = User.objects.select_for_update().get(email=email)
    if refusal := team_email_refusal(email, reseller=reseller):
        raise TeamError(refusal)
    return user


def _membership_create(*, reseller: Reseller, user: User, role: str, actor: User | None) -> Membership:
    try:
        with transaction.atomic():
            return Membership.objects.create(reseller=reseller, user=user, role=role, invited_by=actor)
    except IntegrityError as error:  # a parallel invitation of the same person won (NF-3)
        raise TeamError(
            team_email_refusal(user.email, reseller=reseller)
            or _("%(email)s already belongs to a reseller team.") % {"email": user.email}
        ) from error


def reseller_create(
    *,
    actor: User | None,
    name: str,
    reseller_id: str,
    segments: Iterable[str],
    admin_email: str,
    admin_first_name: str,
    admin_last_name: str,
) -> Reseller:
    """Operator: create a reseller with its primary admin, who is emailed an invitation to set a password.

    Raises TeamError when the admin's email already belongs to another team.
    """
    with transaction.atomic():
        reseller = Reseller.objects.create(name=name, reseller_id=reseller_id, segments=list(segments))
        user = _user_for_invitation(
            email=admin_email, first_name=admin_first_name, last_name=admin_last_name, reseller=reseller
        )
        membership = _membership_create(reseller=reseller, user=user, role=Membership.Role.PRIMARY_ADMIN, actor=actor)
        audit_log(
            reseller=reseller,
            actor=actor,
            action="reseller.create",
            obj=reseller,
            changes={"name": [None, name], "reseller_id": [None, reseller_id], "primary_admin": [None, user.email]},
        )
        _send_team_invitation(membership, actor=actor)
    return reseller


def team_member_invite(
    *, reseller: Reseller, actor: User, email: str, first_name: str, last_name: str, role: str
) -> Membership:
    """TEAM-1: invite a person to the reseller's team as admin, team member or viewer.

    Raises TeamError for the primary-admin role, an email that already belongs to a team (also when a
    parallel invitation took it a moment ago) or a customer admin's account (SPEC §1).
    """
    if role not in (Membership.Role.ADMIN, Membership.Role.MEMBER, Membership.Role.VIEWER):
        raise TeamError(_("Choose admin, team member or viewer."))
    with transaction.atomic():
        user = _user_for_invitation(
            email=email, first_name=first_name, last_name=last_name, reseller=reseller, language=actor.language
        )
        membership = _membership_create(reseller=reseller, user=user, role=role, actor=actor)
        audit_log(
            reseller=reseller,
            actor=actor,
            action="team.invite",
            obj=membership,
            changes={"email": [None, user.email], "role": [None, role], "status": [None, membership.status]},
        )
        _send_team_invitation(membership, actor=actor)
    return membership


def team_invitation_resend(*, reseller: Reseller, actor: User, membership_id: int) -> Membership:
    """Send a pending member a new invitation link; the previous link stops working."""
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().select_related("user").get(reseller=reseller, pk=membership_id)
        )
        if membership.status != Membership.Status.PENDING:
            raise TeamError(_("Only a pending invitation can be sent again."))
        audit_log(reseller=reseller, actor=actor, action="team.invite_resend", obj=membership)
        _send_team_invitation(membership, actor=actor)
    return membership


def team_invitation_membership(token: str) -> Membership:
    """The pending membership a team-invitation link points to. Raises TeamError when the link is
    forged, expired, already used or replaced by a newer one."""
    max_age = settings.VIP_POLICY["TEAM_INVITATION_DAYS"] * 24 * 3600
    try:
        data = link_read(INVITATION_SALT, token, max_age=max_age)
    except LinkExpired as exc:
        raise TeamError(_("This invitation link has expired. Ask your admin to send a new one.")) from exc
    except LinkInvalid as exc:
        raise TeamError(_("This invitation link is not valid.")) from exc
    membership = (
        Membership.objects.with_scopes_disabled()
        .select_related("user", "reseller")
        .filter(pk=data.get("m", 0), invitation_nonce=data.get("n", ""), status=Membership.Status.PENDING)
        .first()
    )
    if membership is None:
        raise TeamInvitationUsed(
            _("This invitation link has already been used or replaced by a newer one."), _joined(data.get("m", 0))
        )
    return membership


def team_invitation_accept(*, token: str, password: str) -> Membership:
    """TEAM-1: the invitee sets a password; the membership becomes active. Single use: the row is
    locked and must still be pending with the link's nonce."""
    membership = team_invitation_membership(token)
    validate_password(password, user=membership.user)
    with transaction.atomic():
        locked = (
            Membership.objects.with_scopes_disabled()
            .select_for_update()
            .select_related("user", "reseller")
            .filter(pk=membership.pk, invitation_nonce=membership.invitation_nonce, status=Membership.Status.PENDING)
            .first()
        )
        if locked is None:
            raise TeamInvitationUsed(
                _("This invitation link has already been used or replaced by a newer one."), _joined(membership.pk)
            )
        locked.user.set_password(password)
        locked.user.save(update_fields=["password"])
        locked.status = Membership.Status.ACTIVE
        locked.activated_at = timezone.now()
        locked.invitation_nonce = ""
        locked.save(update_fields=["status", "activated_at", "invitation_nonce"])
        audit_log(
            reseller=locked.reseller,
            actor=locked.user,
            action="team.join",
            obj=locked,
            changes={"status": [Membership.Status.PENDING, Membership.Status.ACTIVE]},
        )
    return locked


def team_member_role_change(*, reseller: Reseller, actor: User, membership_id: int, role: str) -> Membership:
    """Change a member's role among admin, team member and viewer (the primary role moves only by
    hand-over)."""
    if role not in (Membership.Role.ADMIN, Membership.Role.MEMBER, Membership.Role.VIEWER):
        raise TeamError(_("Choose admin, team member or viewer."))
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(reseller=reseller, pk=membership_id)
        if membership.role == Membership.Role.PRIMARY_ADMIN:
            raise TeamError(_("Hand the primary admin role over to another admin first."))
        if membership.status == Membership.Status.REMOVED:
            raise TeamError(_("This person is no longer in the team."))
        before = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_log(
            reseller=reseller, actor=actor, action="team.role_change", obj=membership, changes={"role": [before, role]}
        )
    return membership


def primary_admin_handover(*, reseller: Reseller, actor: User, membership_id: int) -> Membership:
    """TEAM-3: the primary admin hands the role to an active admin; the old primary becomes an admin.
    Both rows are locked; the partial unique index guarantees there is never a second primary."""
    with transaction.atomic():
        rows = {
            m.pk: m
            for m in Membership.objects.select_for_update()
            .select_related("user")
            .filter(reseller=reseller)
            .filter(Q(pk=membership_id, status=Membership.Status.ACTIVE) | Q(role=Membership.Role.PRIMARY_ADMIN))
        }
        current = next((m for m in rows.values() if m.role == Membership.Role.PRIMARY_ADMIN), None)
        target = rows.get(membership_id)
        if current is None or current.user_id != actor.pk:
            raise TeamError(_("Only the primary admin can hand over the role."))
        if target is None or target.pk == current.pk or target.role != Membership.Role.ADMIN:
            raise TeamError(_("The primary admin role can only go to another active admin."))
        current.role = Membership.Role.ADMIN
        current.save(update_fields=["role"])
        target.role = Membership.Role.PRIMARY_ADMIN
        target.save(update_fields=["role"])
        audit_log(
            reseller=reseller,
            actor=actor,
            action="team.primary_handover",
            obj=target,
            changes={"primary_admin": [current.user.email, target.user.email]},
        )
    return target


@dataclass(frozen=True)
class ManagedWork:
    """What team members manage in an app built on accounts (customers, …): TEAM-2 asks each app how
    much a member manages and has it reassign that work, so accounts never imports those apps."""

    count: Callable[[Membership], int]
    reassign: Callable[[Membership, Membership], int]  # (from, to) → rows moved, in the caller's transaction


_managed_work: dict[str, ManagedWork] = {}


def managed_work_register(name: str, work: ManagedWork) -> None:
    """Called from an app's AppConfig.ready(); registering a name again replaces it."""
    _managed_work[name] = work


def managed_count(*, membership: Membership) -> int:
    """How much `membership` manages across the apps (e.g. customers), for TEAM-2's reassignment."""
    return sum(work.count(membership) for work in _managed_work.values())


def team_member_remove(
    *, reseller: Reseller, actor: User, membership_id: int, reassign_to_id: int | None = None
) -> Membership:
    """TEAM-2: remove a member; they can no longer sign in to this reseller. The customers they manage
    move to `reassign_to_id` (an active member who may write) in the same transaction, with one
    set-based UPDATE. The primary admin cannot be removed."""
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(reseller=reseller, pk=membership_id)
        )
        if membership.role == Membership.Role.PRIMARY_ADMIN:
            raise TeamError(_("The primary admin cannot be removed; hand the role over first."))
        if membership.status == Membership.Status.REMOVED:
            raise TeamError(_("This person is no longer in the team."))
        if membership.user_id == actor.pk:
            raise TeamError(_("You cannot remove yourself."))
        changes: dict[str, list[str | None]] = {"status": [membership.status, Membership.Status.REMOVED]}
        if managed_count(membership=membership):
            if reassign_to_id is None:
                raise TeamError(_("Choose the active team member who takes over their customers."))
            target = (
                members_who_may_write(reseller=reseller)
                .select_for_update(of=("self",))
                .filter(pk=reassign_to_id)
                .exclude(pk=membership.pk)
                .first()
            )
            if target is None:
                raise TeamError(_("Choose the active team member who takes over their customers."))
            moved = sum(work.reassign(membership, target) for work in _managed_work.values())
            changes["customers_reassigned_to"] = [None, f"{target.user.email} ({moved})"]
        membership.status = Membership.Status.REMOVED
        membership.removed_at = timezone.now()
        membership.invitation_nonce = ""
        membership.save(update_fields=["status", "removed_at", "invitation_nonce"])
        audit_log(reseller=reseller, actor=actor, action="team.remove", obj=membership, changes=changes)
    return membership
