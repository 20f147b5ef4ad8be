"""Reseller change (SPEC §8): send a code (RC-1…RC-4), check it and preview the change in the portal
(RC-6, RC-7), move the customer (RC-5), expire codes in the periodic job (RC-6).

Every write follows the house order: check → transaction and row locks → save → audit → email
through the outbox. Locks are always taken in the same order — the admin's user row, then the
customer row, then code rows — so a change, a purchase authorization (which locks the customer row
first) and a second change never deadlock; the loser of a race sees the winner's result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from console.accounts.models import Membership, Reseller, User
from console.audit.services import AuditEntry, audit_log, audit_log_bulk
from console.outbox.services import Mail, mail_enqueue, mail_enqueue_bulk
from customers.actions import customer_move_run
from customers.models import Customer
from purchase_auth.models import LicencePool, Order, PurchaseAuthorization, ThreeYearCommit
from reseller_change import rules
from reseller_change.models import (
    CODE_ALPHABET,
    CODE_LENGTH,
    CodeState,
    CustomerTransfer,
    ResellerChangeCode,
    ResellerChangeFailure,
    code_hash,
    code_normalise,
    new_code,
)


class ResellerChangeError(Exception):
    """A reseller change step the rules refuse; the message is shown to the user."""


class DailyLimitReached(ResellerChangeError):
    pass


class CodeRefused(ResellerChangeError):
    """RC-6: an unknown, expired, used or invalidated code (a failed attempt, counted)."""


class TooManyAttempts(ResellerChangeError):
    pass


class ChangeRefused(ResellerChangeError):
    """RC-7: a valid code, but the change is not allowed now (the reason says why)."""


# ---- sending codes (RC-1…RC-4, RC-8) -----------------------------------------------------------------


def codes_left_today(*, reseller: Reseller, now: datetime | None = None) -> int:
    day = rules.sending_day(now or timezone.now())
    sent = ResellerChangeCode.objects.with_scopes_disabled().filter(reseller=reseller, sent_on=day).count()
    return max(0, rules.codes_per_day() - sent)


def _matching_customer(vip_id: str, admin_email: str) -> Customer | None:
    """The customer with this VIP ID that has a system admin with this email (RC-1), if any."""
    return (
        Customer.objects.with_scopes_disabled()
        .filter(vip_id=vip_id, removed_at__isnull=True, admins__user__email__iexact=admin_email)
        .select_related("reseller")
        .first()
    )


def _portal_link(customer_vip_id: str) -> str:
    return settings.SITE_URL + reverse("portal:reseller_change", args=[customer_vip_id])


def code_send(*, membership: Membership, vip_id: str, admin_email: str) -> ResellerChangeCode:
    """RC-1…RC-4: store the attempt in one of today's N slots (the database refuses an N+1st, also under
    parallel requests) and, when the pair is right, email a new code to every system admin of the
    customer. Right and wrong pairs do the same work and return alike; the caller answers both with
    the same neutral message. Raises DailyLimitReached when today's codes are used up."""
    reseller = membership.reseller
    vip_id = vip_id.strip().upper()
    admin_email = admin_email.strip().lower()
    now = timezone.now()
    day = rules.sending_day(now)
    with transaction.atomic():
        customer = _matching_customer(vip_id, admin_email)
        if customer is not None and customer.reseller_id == reseller.pk:
            customer = None  # already ours: nothing to take over, and nothing to tell the customer
        code = new_code()
        row = _claim_slot(
            ResellerChangeCode(
                reseller=reseller,
                sent_by=membership,
                sent_at=now,
                sent_on=day,
                vip_id=vip_id,
                admin_email=admin_email,
                customer=customer,
                code_hash=code_hash(code) if customer else "",
                expires_at=now + rules.code_lifetime(),
            )
        )
        audit_log(
            reseller=reseller,
            actor=membership.user,
            action="reseller_change.code_sent",
            obj=row,
            changes={"vip_id": [None, vip_id], "admin_email": [None, admin_email], "state": [None, row.state]},
        )
        admins = list(_admins_of(customer)) if customer else []
        context = {"customer": customer, "reseller": reseller, "code": code, "expires_at": row.expires_at}
        if customer is not None:
            context["link"] = _portal_link(customer.vip_id)
            for admin in admins:
                mail_enqueue(
                    to=admin.email,
                    template="reseller_change_code",
                    context=context,
                    language=admin.language,
                    reseller=reseller,
                    dedupe_key=f"reseller-change-code:{row.pk}:{admin.pk}",
                )
        else:
            # No enumeration by timing (RC-1): a wrong pair renders the same email, and stores nothing.
            with translation.override("en"):
                render_to_string("emails/reseller_change_code_body.html", context | {"link": settings.SITE_URL})
    return row


def _claim_slot(row: ResellerChangeCode) -> ResellerChangeCode:
    """Save `row` in the first free slot 1…N of its reseller's day. Parallel sends wait on each
    other's uncommitted slot and move on to the next when it is taken (the unique constraint), so
    exactly N succeed whatever the timing."""
    taken = set(
        ResellerChangeCode.objects.with_scopes_disabled()
        .filter(reseller=row.reseller, sent_on=row.sent_on)
        .values_list("slot", flat=True)
    )
    for slot in range(1, rules.codes_per_day() + 1):
        if slot in taken:
            continue
        row.slot = slot
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            row.pk = None
            continue
        return row
    raise DailyLimitReached(
        _("Your team has sent %(count)d reseller change codes today, the most allowed. Try again tomorrow.")
        % {"count": rules.codes_per_day()}
    )


def _admins_of(customer: Customer) -> list[User]:
    return list(User.objects.filter(customer_admin_roles__customer=customer, is_active=True).order_by("pk"))


# ---- entering a code in the portal (RC-5…RC-7) -------------------------------------------------------

_REFUSED_MESSAGES = {
    "unknown": lambda: _("This code is not right. Check it in the email, or ask the reseller to send a new one."),
    "expired": lambda: _("This code has expired. Ask the reseller to send a new one."),
    "used": lambda: _("This code has been used already; each code works once."),
    "invalidated": lambda: _(
        "This code no longer works: the organization has changed reseller since it was sent. "
        "Ask the reseller for a new one if you still want to move."
    ),
}


@dataclass(frozen=True)
class Preview:
    """RC-7: what the customer admin confirms."""

    code: ResellerChangeCode
    new_reseller: Reseller
    managed_by: Membership
    licences_total: int
    licences_assigned: int
    orders: int
    commit: ThreeYearCommit | None
    refusal: str


def _lock_user(user: User) -> None:
    """Serialise one admin's attempts (RC-6). FOR NO KEY UPDATE: rows that merely reference the user
    (audit events, purchase authorizations) take KEY SHARE locks on it and must not wait for this."""
    User.objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk", flat=True).first()


def _attempts_check(user: User, now: datetime) -> None:
    """RC-6: refuse while the admin has N failures in the past hour. Call with the user row locked."""
    hour_ago = now - timedelta(hours=1)
    recent = list(
        ResellerChangeFailure.objects.filter(user=user, failed_at__gt=hour_ago)
        .order_by("failed_at")
        .values_list("failed_at", flat=True)
    )
    if len(recent) >= rules.failures_per_hour():
        again = recent[len(recent) - rules.failures_per_hour()] + timedelta(hours=1)
        raise TooManyAttempts(
            _("Too many wrong codes. Try again after %(time)s.")
            % {"time": formats.time_format(timezone.localtime(again), "TIME_FORMAT")}
        )


def _code_row(customer: Customer, text: str, *, lock: bool) -> ResellerChangeCode | None:
    normalised = code_normalise(text)
    if len(normalised) != CODE_LENGTH or set(normalised) - set(CODE_ALPHABET):
        return None
    rows = ResellerChangeCode.objects.with_scopes_disabled().filter(customer=customer, code_hash=code_hash(normalised))
    if lock:
        rows = rows.select_for_update(of=("self",))
    return rows.select_related("reseller", "sent_by__user").order_by("-sent_at").first()


def _failure_reason(row: ResellerChangeCode | None, now: datetime) -> str:
    if row is None:
        return "unknown"
    state = row.state_at(now)
    return "" if state == CodeState.PENDING else state


def _failure_record(user: User, customer: Customer, reason: str, now: datetime) -> CodeRefused:
    ResellerChangeFailure.objects.create(user=user, customer=customer, failed_at=now, reason=reason)
    return CodeRefused(_REFUSED_MESSAGES[reason]())


def _is_admin(user: User, customer: Customer) -> bool:
    return customer.admins.filter(user=user).exists()


def change_refusal(customer: Customer, new_reseller: Reseller) -> str:
    """RC-7: why the customer cannot move to `new_reseller` now ('' when it can)."""
    if customer.reseller_id == new_reseller.pk:
        return _("%(reseller)s is already your reseller.") % {"reseller": new_reseller.name}
    if not new_reseller.is_active:
        return _("%(reseller)s cannot take over customers at the moment.") % {"reseller": new_reseller.name}
    if customer.segment not in new_reseller.segments:
        return _("%(reseller)s does not sell in the %(segment)s market segment.") % {
            "reseller": new_reseller.name,
            "segment": customer.get_segment_display(),
        }
    unpaid = (
        PurchaseAuthorization.objects.with_scopes_disabled()
        .filter(customer=customer, state__in=PurchaseAuthorization.OPEN_STATES)
        .order_by("due_date")
        .first()
    )
    if unpaid is not None:
        return _(
            "Purchase authorization %(number)s is not paid yet. The reseller can change once your current "
            "reseller has placed its order or cancelled it."
        ) % {"number": unpaid.number}
    return ""


def _new_manager(code: ResellerChangeCode) -> Membership:
    """RC-5: Managed by = the member who sent the code; its reseller's primary admin when that member
    has left the team or may no longer write since."""
    sender = Membership.objects.with_scopes_disabled().select_related("user").get(pk=code.sent_by_id)
    if sender.status == Membership.Status.ACTIVE and sender.role != Membership.Role.VIEWER:
        return sender
    return (
        Membership.objects.with_scopes_disabled()
        .select_related("user")
        .get(reseller_id=code.reseller_id, role=Membership.Role.PRIMARY_ADMIN, status=Membership.Status.ACTIVE)
    )


def change_preview(*, user: User, customer: Customer, code: str) -> Preview:
    """RC-6/RC-7: check the code the admin typed and show what the change does. An unknown, expired,
    used or invalidated code is a failed attempt (RC-6); a valid code whose change is not allowed now
    gives a preview with the reason."""
    now = timezone.now()
    error: ResellerChangeError | None = None
    with scopes_disabled(), transaction.atomic():
        _lock_user(user)
        _attempts_check(user, now)
        row = _code_row(customer, code, lock=False)
        if reason := _failure_reason(row, now):
            error = _failure_record(user, customer, reason, now)
    if error is not None:
        raise error
    assert row is not None  # noqa: S101 - no failure reason means a pending code
    with scopes_disabled():
        pools = list(LicencePool.objects.filter(customer=customer))
        return Preview(
            code=row,
            new_reseller=row.reseller,
            managed_by=_new_manager(row),
            licences_total=sum(p.total for p in pools),
            licences_assigned=sum(p.assigned for p in pools),
            orders=Order.objects.filter(customer=customer).count(),
            commit=ThreeYearCommit.objects.filter(customer=customer).order_by("-requested_at").first(),
            refusal=change_refusal(customer, row.reseller),
        )


def change_confirm(*, user: User, customer_id: int, code: str) -> CustomerTransfer:
    """RC-5: move the customer to the code's reseller in one transaction — new reseller, Managed by the
    sender, every other outstanding code invalidated, each app's rows of the customer moved, audit
    events in both resellers' logs, emails to both resellers and to the customer's system admins.

    Two admins confirming the same code, or codes of two resellers at once: the customer row lock
    serialises them; the second sees the code used (or invalidated) and gets that message."""
    now = timezone.now()
    error: ResellerChangeError | None = None
    transfer: CustomerTransfer | None = None
    with scopes_disabled(), transaction.atomic():
        _lock_user(user)
        _attempts_check(user, now)
        # No joins in the locking query: after waiting for a concurrent change, PostgreSQL re-checks
        # the locked row against the joined rows it read before, and a moved customer would vanish.
        customer = Customer.objects.select_for_update().filter(pk=customer_id, removed_at__isnull=True).first()
        if customer is None or not _is_admin(user, customer):
            raise ResellerChangeError(_("This organization does not exist."))
        row = _code_row(customer, code, lock=True)
        if reason := _failure_reason(row, now):
            error = _failure_record(user, customer, reason, now)
        else:
            assert row is not None  # noqa: S101 - no failure reason means a pending code
            if refusal := change_refusal(customer, row.reseller):
                error = ChangeRefused(refusal)
            else:
                transfer = _move(customer, row, user, now)
    if error is not None:
        raise error
    assert transfer is not None  # noqa: S101
    return transfer


def _move(customer: Customer, row: ResellerChangeCode, user: User, now: datetime) -> CustomerTransfer:
    from_reseller, to_reseller = customer.reseller, row.reseller
    before_manager = customer.managed_by
    manager = _new_manager(row)
    customer.reseller, customer.managed_by = to_reseller, manager
    customer.save(update_fields=["reseller", "managed_by", "search_text"])
    customer_move_run(customer, from_reseller, to_reseller)

    ResellerChangeCode.objects.filter(pk=row.pk).update(state=CodeState.USED, closed_at=now)
    others = list(
        ResellerChangeCode.objects.select_for_update()
        .filter(customer=customer, state=CodeState.PENDING)
        .exclude(pk=row.pk)
    )
    ResellerChangeCode.objects.filter(pk__in=[o.pk for o in others]).update(state=CodeState.INVALIDATED, closed_at=now)
    transfer = CustomerTransfer.objects.create(
        customer=customer,
        from_reseller=from_reseller,
        to_reseller=to_reseller,
        code=row,
        managed_by=manager,
        previous_manager=before_manager,
        confirmed_by=user,
        transferred_at=now,
    )
    audit_log_bulk(
        [
            AuditEntry(
                to_reseller.pk, "reseller_change.code_used", row, {"state": [CodeState.PENDING, CodeState.USED]}
            ),
            *(
                AuditEntry(
                    o.reseller_id, "reseller_change.code_invalidated", o, {"state": [o.state, CodeState.INVALIDATED]}
                )
                for o in others
            ),
        ],
        actor=user,
    )
    # Each log names its own team member only: neither reseller learns the other's staff.
    moved = [from_reseller.reseller_id, to_reseller.reseller_id]
    audit_log(
        reseller=from_reseller,
        actor=user,
        action="reseller_change.transfer_away",
        obj=customer,
        changes={"reseller": moved, "managed_by": [before_manager.user.email, None]},
    )
    audit_log(
        reseller=to_reseller,
        actor=user,
        action="reseller_change.transfer_in",
        obj=customer,
        changes={"reseller": moved, "managed_by": [None, manager.user.email]},
    )
    _completed_emails(transfer, before_manager)
    return transfer


def _reseller_recipients(reseller: Reseller, *also: Membership) -> list[User]:
    people = {m.user for m in also if m.status == Membership.Status.ACTIVE}
    primary = (
        Membership.objects.select_related("user")
        .filter(reseller=reseller, role=Membership.Role.PRIMARY_ADMIN, status=Membership.Status.ACTIVE)
        .first()
    )
    if primary is not None:
        people.add(primary.user)
    return sorted(people, key=lambda u: u.pk)


def _completed_emails(transfer: CustomerTransfer, before_manager: Membership) -> None:
    """MAIL-3: reseller change completed — to both resellers and to the customer's system admins."""
    customer = transfer.customer
    base: dict[str, Any] = {
        "customer": customer,
        "from_reseller": transfer.from_reseller,
        "to_reseller": transfer.to_reseller,
        "managed_by": transfer.managed_by,
        "transferred_at": transfer.transferred_at,
    }
    audiences = [
        ("customer", transfer.to_reseller, _admins_of(customer)),
        ("old", transfer.from_reseller, _reseller_recipients(transfer.from_reseller, before_manager)),
        ("new", transfer.to_reseller, _reseller_recipients(transfer.to_reseller, transfer.managed_by)),
    ]
    mails = []
    for audience, reseller, people in audiences:
        for person in people:
            context = base | {"audience": audience, "recipient": person}
            if audience == "customer":
                context["link"] = settings.SITE_URL + reverse("portal:organization", args=[customer.vip_id])
            elif audience == "new":
                context["link"] = settings.SITE_URL + reverse("customers:detail", args=[customer.vip_id])
            else:
                context["link"] = settings.SITE_URL + reverse("reseller_change:transferred")
            mails.append(
                Mail(
                    to=person.email,
                    template="reseller_change_completed",
                    context=context,
                    language=person.language,
                    reseller=reseller,
                    dedupe_key=f"reseller-change-done:{transfer.pk}:{audience}:{person.pk}",
                )
            )
    mail_enqueue_bulk(mails)


# ---- the periodic job (RC-6, JOB-1) ----------------------------------------------------------------


def codes_expire(*, on: date) -> dict[str, int]:
    """Mark the pending codes whose 72 hours are over as expired: one locking SELECT, one UPDATE, one
    audit INSERT, whatever their number (JOB-3); a second or concurrent run finds nothing (JOB-2)."""
    now = timezone.now()
    with scopes_disabled():
        due = list(
            ResellerChangeCode.objects.select_for_update(skip_locked=True)
            .filter(rules.expired_q(now))
            .only("pk", "reseller_id", "vip_id", "admin_email")
        )
        if not due:
            return {"expired": 0}
        ResellerChangeCode.objects.filter(pk__in=[row.pk for row in due], state=CodeState.PENDING).update(
            state=CodeState.EXPIRED, closed_at=now
        )
        audit_log_bulk(
            AuditEntry(row.reseller_id, "reseller_change.code_expired", row, {"state": ["pending", "expired"]})
            for row in due
        )
    return {"expired": len(due)}
