"""Writes for customers (SPEC §3). Each service checks, locks, saves, audits and queues its email in one
transaction; a refused change raises CustomerError with a message for the user."""

from __future__ import annotations

import secrets
import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from console.accounts.models import Membership, Reseller, User
from console.accounts.selectors import members_who_may_write
from console.accounts.services import user_is_reseller_staff
from console.audit.services import audit_log
from console.outbox.services import mail_enqueue
from console.signing import LinkExpired, LinkInvalid, link_read, link_sign
from customers.models import AnniversarySource, Customer, CustomerAdmin, InvitationStatus

INVITATION_SALT = "customers.invitation"
CONTACT_NAME_TAKEN = _(
    "This person is already the primary admin of an organization with exactly this name. "
    "Check the organization name or choose another primary contact."
)

# The fields a team member fills in when inviting (CUST-1); nothing else is taken from a form.
INVITE_FIELDS = (
    "name",
    "name_en",
    "segment",
    "type",
    "country",
    "region",
    "city",
    "address_line1",
    "address_line2",
    "postal_code",
    "contact_first_name",
    "contact_last_name",
    "contact_email",
    "language",
)


class CustomerError(Exception):
    """A customer change that the rules refuse; the message is shown to the user."""


class CustomerRemoved(CustomerError):
    """The customer was removed (CUST-6), typically by someone else a moment ago (NF-3)."""


class InvitationUsed(CustomerError):
    """The invitation link was used already (or replaced); `customer` is the customer it named, if any."""

    def __init__(self, message: str, customer: Customer | None = None) -> None:
        super().__init__(message)
        self.customer = customer


class StaffAccount(CustomerError):
    """SPEC §1: the contact's account belongs to a reseller team, so it cannot administer a customer."""


class AccountExists(CustomerError):
    """An account for the contact's email exists (perhaps created a moment ago by another acceptance):
    the contact confirms with its password instead of choosing one."""


INVITATION_USED = _("This invitation link has already been used or replaced by a newer one.")


def contact_name_taken(*, email: str, name: str, exclude_pk: int | None = None) -> bool:
    """CUST-7: is this email already primary contact (or contract owner) of a customer named exactly `name`?"""
    customers = Customer.objects.with_scopes_disabled().filter(name=name, removed_at__isnull=True)
    if exclude_pk:
        customers = customers.exclude(pk=exclude_pk)
    return (
        customers.filter(contact_email__iexact=email).exists()
        or customers.filter(contract_owner__email__iexact=email).exists()
    )


def invitation_token(customer: Customer) -> str:
    return link_sign(INVITATION_SALT, {"c": customer.pk, "n": customer.invitation_nonce})


def _send_invitation(customer: Customer, *, template: str) -> None:
    customer.invitation_nonce = secrets.token_hex(16)
    Customer.objects.with_scopes_disabled().filter(pk=customer.pk).update(invitation_nonce=customer.invitation_nonce)
    link = settings.SITE_URL + reverse("portal:accept", args=[invitation_token(customer)])
    mail_enqueue(
        to=customer.contact_email,
        template=template,
        language=customer.language,
        reseller=customer.reseller,
        context={
            "customer": customer,
            "reseller": customer.reseller,
            "link": link,
            "days": settings.VIP_POLICY["INVITATION_LINK_DAYS"],
        },
    )


def customer_invite(
    *,
    reseller: Reseller,
    actor: User,
    managed_by: Membership,
    data: dict[str, Any],
    anniversary_date: date | None = None,
    extended_term_months: int | None = None,
    submission_key: uuid.UUID | None = None,
) -> tuple[Customer, bool]:
    """CUST-4: create the customer (invitation pending), issue its VIP ID, audit, and queue the invitation.

    Returns (customer, created). A second submit of the same form (same `submission_key`) returns
    the customer the first one created, even when both run at once. Raises CustomerError for CUST-7.
    """
    if existing := _submitted(reseller, submission_key):
        return existing, False
    if contact_name_taken(email=data["contact_email"], name=data["name"]):
        # The first submit of this same form may have committed since the look-up above (NF-3): its
        # customer is what the user asked for, not a CUST-7 clash with itself.
        if existing := _submitted(reseller, submission_key):
            return existing, False
        raise CustomerError(CONTACT_NAME_TAKEN)
    now = timezone.now()
    customer = Customer(
        reseller=reseller,
        managed_by=managed_by,
        created_by=actor,
        created_at=now,
        invited_at=now,
        submission_key=submission_key,
        anniversary_date=anniversary_date,
        anniversary_source=AnniversarySource.CHOSEN if anniversary_date else "",
        extended_term_months=extended_term_months,
        **{field: data[field] for field in INVITE_FIELDS},
    )
    try:
        with transaction.atomic():
            customer.save()
            audit_log(
                reseller=reseller,
                actor=actor,
                action="customer.invite",
                obj=customer,
                changes={field: [None, data[field]] for field in INVITE_FIELDS if data[field]}
                | {
                    "vip_id": [None, customer.vip_id],
                    "managed_by": [None, managed_by.user.email],
                    "anniversary_date": [None, anniversary_date],
                    "extended_term_months": [None, extended_term_months],
                },
            )
            _send_invitation(customer, template="customer_invitation")
    except IntegrityError as error:
        if existing := _submitted(reseller, submission_key):
            return existing, False
        if "customer_contact_name_unique" in str(error):
            raise CustomerError(CONTACT_NAME_TAKEN) from error
        raise
    return customer, True


def _submitted(reseller: Reseller, submission_key: uuid.UUID | None) -> Customer | None:
    """The customer an earlier submit of the same invitation form created (CUST-4), if any."""
    if not submission_key:
        return None
    return Customer.objects.filter(reseller=reseller, submission_key=submission_key).first()


def _locked(reseller: Reseller, vip_id: str) -> Customer:
    """The reseller's customer, locked for the rest of the transaction. Raises CustomerRemoved when it
    was removed — also when a removal committed while this one waited for the lock (NF-3)."""
    customer = (
        Customer.objects.select_for_update(of=("self",))
        .select_related("reseller")
        .filter(reseller=reseller, vip_id=vip_id)
        .first()
    )
    if customer is None:
        raise CustomerError(_("This customer does not exist."))
    if customer.removed_at is not None:
        raise CustomerRemoved(removed_message(customer))
    return customer


def removed_message(customer: Customer) -> str:
    return _("%(name)s was removed and is no longer in the customer list.") % {"name": customer.name}


def customer_reminder_send(*, reseller: Reseller, actor: User, vip_id: str, email: str) -> Customer:
    """CUST-5: while the invitation is pending, send it again — to a new contact email if given. The
    previous link stops working."""
    email = email.strip().lower()
    with transaction.atomic():
        customer = _locked(reseller, vip_id)
        if not customer.is_pending:
            raise CustomerError(
                _("The invitation was accepted already; the contract owner changes in the member portal.")
            )
        before = customer.contact_email
        if email.lower() != before.lower():
            if contact_name_taken(email=email, name=customer.name, exclude_pk=customer.pk):
                raise CustomerError(CONTACT_NAME_TAKEN)
            customer.contact_email = email
            try:
                with transaction.atomic():
                    customer.save(update_fields=["contact_email", "search_text"])
            except IntegrityError as error:  # a parallel change took the pair first (NF-3)
                if "customer_contact_name_unique" in str(error):
                    raise CustomerError(CONTACT_NAME_TAKEN) from error
                raise
        audit_log(
            reseller=reseller,
            actor=actor,
            action="customer.reminder",
            obj=customer,
            changes={"contact_email": [before, customer.contact_email]} if before != customer.contact_email else {},
        )
        _send_invitation(customer, template="customer_reminder")
    return customer


def customer_remove(*, reseller: Reseller, actor: User, vip_id: str) -> Customer:
    """CUST-6: soft-remove a customer that never had a purchase authorization or an order."""
    with transaction.atomic():
        customer = _locked(reseller, vip_id)
        if not customer.can_be_removed:
            raise CustomerError(
                _("%(name)s has products, so it cannot be removed. Use a return to undo an order.")
                % {"name": customer.name}
            )
        customer.removed_at = timezone.now()
        customer.invitation_nonce = ""
        customer.save(update_fields=["removed_at", "invitation_nonce", "search_text"])
        audit_log(
            reseller=reseller,
            actor=actor,
            action="customer.remove",
            obj=customer,
            changes={"removed": [False, True]},
        )
    return customer


def customer_managed_by_change(*, reseller: Reseller, actor: User, vip_id: str, membership_id: int) -> Customer:
    """TEAM-4: the primary admin hands a customer to another active member who may write."""
    with transaction.atomic():
        acting = Membership.objects.filter(reseller=reseller, user=actor, role=Membership.Role.PRIMARY_ADMIN).first()
        if acting is None:
            raise CustomerError(_("Only the primary admin can change Managed by."))
        customer = _locked(reseller, vip_id)
        target = members_who_may_write(reseller=reseller).filter(pk=membership_id).first()
        if target is None:
            raise CustomerError(_("Choose an active team member."))
        before = Membership.objects.select_related("user").get(pk=customer.managed_by_id)
        customer.managed_by = target
        customer.save(update_fields=["managed_by", "search_text"])
        audit_log(
            reseller=reseller,
            actor=actor,
            action="customer.managed_by",
            obj=customer,
            changes={"managed_by": [before.user.email, target.user.email]},
        )
    return customer


def customer_for_invitation(token: str) -> Customer:
    """The customer an invitation link names, if the link is genuine, unexpired, unused and current.

    Raises InvitationUsed (carrying the customer, when it accepted) for a link used or replaced already,
    CustomerError for an expired or forged one."""
    max_age = settings.VIP_POLICY["INVITATION_LINK_DAYS"] * 24 * 3600
    try:
        data = link_read(INVITATION_SALT, token, max_age=max_age)
    except LinkExpired as error:
        raise CustomerError(_("This invitation link has expired. Ask your reseller to send a reminder.")) from error
    except LinkInvalid as error:
        raise CustomerError(_("This invitation link is not valid.")) from error
    customer = (
        Customer.objects.with_scopes_disabled()
        .select_related("reseller")
        .filter(pk=data.get("c", 0), invitation_nonce=data.get("n", ""), removed_at__isnull=True)
        .first()
    )
    if customer is None or not customer.is_pending or not data.get("n"):
        raise InvitationUsed(INVITATION_USED, _accepted_customer(data.get("c")))
    return customer


def _accepted_customer(pk: Any) -> Customer | None:
    return (
        Customer.objects.with_scopes_disabled()
        .select_related("reseller", "contract_owner")
        .filter(pk=pk, invitation_status=InvitationStatus.ACCEPTED, removed_at__isnull=True)
        .first()
    )


def _staff_refusal(user: User) -> StaffAccount:
    return StaffAccount(
        _(
            "%(email)s signs in to a reseller's console, so it cannot also administer a customer organization. "
            "Ask the reseller to send the invitation to another email."
        )
        % {"email": user.email}
    )


def _account_just_created(email: str) -> AccountExists:
    # The caller found no account for the email, then one appeared: whether it committed before this
    # transaction looked (found here) or while it was inserting its own (the unique index refused it),
    # the person is told the same thing, and the form asks for that account's password.
    return AccountExists(
        _(
            "An account for %(email)s was just created, perhaps by accepting another invitation: "
            "enter its password to accept this one too."
        )
        % {"email": email}
    )


def invitation_refusal(customer: Customer) -> str | None:
    """SPEC §1: why the invited contact's existing account cannot accept, or None."""
    user = User.objects.filter(email__iexact=customer.contact_email).first()
    return str(_staff_refusal(user)) if user is not None and user_is_reseller_staff(user) else None


def customer_invitation_accept(
    *, token: str, user: User | None, password: str, first_name: str = "", last_name: str = ""
) -> Customer:
    """CUST-8: the contact accepts the VIP terms and becomes contract owner and system admin.

    `user` is the signed-in (or password-verified) existing account of the contact, or None to create
    one with `password`. Single use: the customer row is locked and must still be pending with the
    link's nonce (InvitationUsed otherwise). CUST-7 is checked again here. SPEC §1: an account of a
    reseller's team is refused (the account row is locked, as team invitations lock it). AccountExists
    when `user` is None but the email has an account: the caller looked and found none, so another
    acceptance (or a team invitation) created it a moment ago, before or during this transaction.
    """
    customer = customer_for_invitation(token)
    with transaction.atomic():
        locked = (
            Customer.objects.with_scopes_disabled()
            .select_for_update(of=("self",))
            .select_related("reseller")
            .filter(pk=customer.pk, invitation_nonce=customer.invitation_nonce, removed_at__isnull=True)
            .first()
        )
        if locked is None or not locked.is_pending:
            raise InvitationUsed(INVITATION_USED, _accepted_customer(customer.pk))
        if contact_name_taken(email=locked.contact_email, name=locked.name, exclude_pk=locked.pk):
            raise CustomerError(CONTACT_NAME_TAKEN)
        if user is None:
            user = User.objects.filter(email__iexact=locked.contact_email).first()
            if user is not None:
                if user_is_reseller_staff(user):
                    raise _staff_refusal(user)
                raise _account_just_created(locked.contact_email)
            user = User(
                email=locked.contact_email.lower(),
                first_name=first_name or locked.contact_first_name,
                last_name=last_name or locked.contact_last_name,
                language=locked.language,
            )
            validate_password(password, user=user)
            user.set_password(password)
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError as error:  # another acceptance (or a team invitation) created it first
                raise _account_just_created(locked.contact_email) from error
        elif user.email.lower() != locked.contact_email.lower():
            raise CustomerError(_("This invitation is for %(email)s.") % {"email": locked.contact_email})
        else:
            User.objects.select_for_update().filter(pk=user.pk).first()  # serialise with team invitations
            if user_is_reseller_staff(user):
                raise _staff_refusal(user)
        if (
            Customer.objects.with_scopes_disabled()
            .filter(name=locked.name, contract_owner=user, removed_at__isnull=True)
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise CustomerError(CONTACT_NAME_TAKEN)
        locked.invitation_status = InvitationStatus.ACCEPTED
        locked.accepted_at = timezone.now()
        locked.contract_owner = user
        locked.invitation_nonce = ""
        locked.save(
            update_fields=["invitation_status", "accepted_at", "contract_owner", "invitation_nonce", "search_text"]
        )
        CustomerAdmin.objects.get_or_create(customer=locked, user=user)
        audit_log(
            reseller=locked.reseller,
            actor=user,
            action="customer.accept",
            obj=locked,
            changes={
                "invitation_status": [InvitationStatus.PENDING, InvitationStatus.ACCEPTED],
                "contract_owner": [None, user.email],
            },
        )
        mail_enqueue(
            to=user.email,
            template="customer_welcome",
            language=locked.language,
            reseller=locked.reseller,
            context={
                "customer": locked,
                "reseller": locked.reseller,
                "link": settings.SITE_URL + reverse("portal:home"),
            },
        )
    return locked


def customers_reassign(membership: Membership, to: Membership) -> int:
    """TEAM-2: every customer `membership` manages (removed ones included, so none keeps a removed
    member) is managed by `to` from now on; one UPDATE inside the caller's transaction."""
    return Customer.objects.filter(reseller_id=membership.reseller_id, managed_by=membership).update(managed_by=to)
