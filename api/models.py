"""API keys (API-3) and the stored answers of idempotent POSTs (API-6)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

if TYPE_CHECKING:
    from django_scopes import ScopedManagerType


class ApiKey(models.Model):
    """A reseller's key for the REST API. Only the prefix and a SHA-256 hash of the secret are stored:
    the whole key is shown once, when it is created (NF-5). A key acts for its reseller, with the
    creator as the accountable person; the audit log names the key (API-3)."""

    class Role(models.TextChoices):
        READ_ONLY = "read_only", _("Read-only")
        READ_WRITE = "read_write", _("Read and write")

    reseller = models.ForeignKey("accounts.Reseller", on_delete=models.PROTECT, related_name="api_keys")
    name = models.CharField(_("name"), max_length=80)
    role = models.CharField(_("access"), max_length=10, choices=Role.choices, default=Role.READ_ONLY)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects: ClassVar[ScopedManagerType[Self]] = ScopedManager(reseller="reseller")

    # Set by authentication (api.services.api_key_for): whether the creator's role still may write, and
    # that role itself (a key never reaches what its creator's role cannot in the console).
    creator_may_write = False
    creator_role = ""

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def label(self) -> str:
        """How the audit log names the key as the actor."""
        return f"API key {self.prefix} ({self.name})"[:254]

    @property
    def can_write(self) -> bool:
        return self.role == self.Role.READ_WRITE and self.creator_may_write

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an `Idempotency-Key` (API-6). The unique constraint decides
    between concurrent retries: the second INSERT waits for the first transaction and then fails, and
    that request replays the answer the first one stored. Kept for API_IDEMPOTENCY_HOURS."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body")
    created_at = models.DateTimeField(db_index=True)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=64, blank=True)
    body = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "key"], name="idempotency_one_per_key")]

    def __str__(self) -> str:
        return f"{self.api_key_id}:{self.key}"


class WebhookEndpoint(models.Model):
    """HOOK-1: a reseller's receiver of events. The signing secret is stored encrypted (NF-5) and shown
    once; an endpoint failing for WEBHOOK_DISABLE_AFTER_HOURS is disabled and its admins emailed (HOOK-4)."""

    reseller = models.ForeignKey("accounts.Reseller", on_delete=models.PROTECT, related_name="webhook_endpoints")
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    secret_encrypted = models.TextField()
    is_active = models.BooleanField(_("active"), default=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"))

    objects: ClassVar[ScopedManagerType[Self]] = ScopedManager(reseller="reseller")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """HOOK-3: one event for one endpoint — the outbox row written with the change, then sent (and
    retried with back-off) by Celery. `event_id` is the Standard Webhooks `webhook-id`: a redelivery
    keeps it, so a receiver can drop duplicates."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries")
    event_id = models.CharField(max_length=40)
    event_type = models.CharField(_("event"), max_length=64)
    payload = models.JSONField()
    created_at = models.DateTimeField(_("created"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True)
    last_error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"
