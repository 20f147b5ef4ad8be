"""Reseller change (SPEC §8, RC-1…RC-9): the codes a reseller sends to take a customer over, the
failed attempts of customer admins at entering one, and the record of every completed change.

The database holds the limits: a reseller's codes of one day take the slots 1…N of a unique
(reseller, day, slot) constraint (RC-4, also under parallel requests); a code moves a customer at most
once (the transfer's one-to-one link to its code, RC-3)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

if TYPE_CHECKING:
    from django_scopes import ScopedManagerType

# SPEC §2: 8 characters from an unambiguous alphabet (no 0/O/1/I), from a CSPRNG.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8
_HASH_SALT = "reseller_change.code"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def code_normalise(text: str) -> str:
    """What a person types, as the code is stored: upper case, without spaces or dashes."""
    return "".join(text.split()).replace("-", "").upper()


def code_hash(code: str) -> str:
    """HMAC-SHA256 of the code with a key derived from SECRET_KEY: the code itself is never stored."""
    return salted_hmac(_HASH_SALT, code_normalise(code), algorithm="sha256").hexdigest()


def code_matches(code: str, stored_hash: str) -> bool:
    return bool(stored_hash) and constant_time_compare(code_hash(code), stored_hash)


class CodeState(models.TextChoices):
    PENDING = "pending", _("Pending")
    USED = "used", _("Used")
    EXPIRED = "expired", _("Expired")
    INVALIDATED = "invalidated", _("Invalidated")


class ResellerChangeCode(models.Model):
    """One *Send email* of RC-1: what the member typed, and — when the VIP ID and the admin email
    belong to one customer — that customer and the hash of the code emailed to its system admins.
    A wrong pair is stored the same way without customer and hash, counts towards the day's limit and
    is listed like any other (RC-4, RC-8), so nothing tells a right pair from a wrong one."""

    State = CodeState

    reseller = models.ForeignKey("accounts.Reseller", on_delete=models.PROTECT, related_name="+")
    sent_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="+", verbose_name=_("sent by")
    )
    sent_at = models.DateTimeField(_("sent"))
    sent_on = models.DateField(_("day"), help_text=_("The calendar day in TIME_ZONE the limit counts it on."))
    slot = models.PositiveSmallIntegerField()
    vip_id = models.CharField(_("VIP ID"), max_length=20)
    admin_email = models.CharField(_("admin email"), max_length=240)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="reseller_change_codes"
    )
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    state = models.CharField(_("state"), max_length=12, choices=CodeState.choices, default=CodeState.PENDING)
    closed_at = models.DateTimeField(_("used, expired or invalidated"), null=True, blank=True)

    objects: ClassVar[ScopedManagerType[Self]] = ScopedManager(reseller="reseller")

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            # RC-4: at most N codes per reseller and day; the service only takes slots 1…N.
            models.UniqueConstraint(fields=["reseller", "sent_on", "slot"], name="reseller_change_code_day_slot"),
            models.CheckConstraint(condition=Q(slot__gte=1), name="reseller_change_code_slot_positive"),
            models.CheckConstraint(
                condition=Q(customer__isnull=True, code_hash="")
                | Q(customer__isnull=False, code_hash__regex=r"^[0-9a-f]{64}$"),
                name="reseller_change_code_hash_with_customer",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("sent_at")), name="reseller_change_code_expires"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "code_hash"], name="reseller_change_code_lookup"),
            # The periodic job finds the pending codes that expired (RC-6).
            models.Index(fields=["expires_at"], name="reseller_change_code_pending", condition=Q(state="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.vip_id} · {self.admin_email}"

    def state_at(self, now: datetime) -> str:
        """RC-3/RC-6: a pending code past its expiry is expired, whether or not the job marked it yet."""
        if self.state == CodeState.PENDING and self.expires_at <= now:
            return CodeState.EXPIRED
        return self.state


class ResellerChangeFailure(models.Model):
    """RC-6: a failed attempt of a customer admin at entering a code (unknown, expired, used or
    invalidated); at most N an hour per admin. The services count them under a lock of the admin's
    user row, so parallel attempts cannot slip past the limit."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    failed_at = models.DateTimeField()
    reason = models.CharField(max_length=12)

    class Meta:
        indexes = [models.Index(fields=["user", "failed_at"], name="reseller_change_failure_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.failed_at:%Y-%m-%d %H:%M} {self.reason}"


class CustomerTransfer(models.Model):
    """RC-5/RC-9: a completed reseller change. Read by the old reseller's *Transferred away* list
    (scoped to `from_reseller`), with the orders it placed for the customer before `transferred_at`."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="transfers")
    from_reseller = models.ForeignKey("accounts.Reseller", on_delete=models.PROTECT, related_name="+")
    to_reseller = models.ForeignKey("accounts.Reseller", on_delete=models.PROTECT, related_name="+")
    # RC-3: one code moves one customer once; the database refuses a second transfer with it.
    code = models.OneToOneField(ResellerChangeCode, on_delete=models.PROTECT, related_name="transfer")
    managed_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    # Who managed it at the old reseller: that member's *Managed by me* view counts it as lost (DASH-2).
    previous_manager = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    transferred_at = models.DateTimeField(_("transferred"))

    objects: ClassVar[ScopedManagerType[Self]] = ScopedManager(reseller="from_reseller")

    class Meta:
        ordering = ["-transferred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_reseller=models.F("to_reseller")), name="customer_transfer_between_two"
            ),
        ]
        indexes = [models.Index(fields=["from_reseller", "-transferred_at"], name="customer_transfer_away")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_reseller_id} → {self.to_reseller_id}"
