from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """An email written in the same transaction as the change that causes it (MAIL-1).

    A Celery task sends it after commit; a failed send stays *pending* with a later
    `next_attempt_at` (exponential back-off) until the periodic flush delivers it, or it runs out of
    attempts and becomes *failed*. Operators read it in the Django admin.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    reseller = models.ForeignKey("accounts.Reseller", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    template = models.CharField(_("template"), max_length=64)
    to_email = models.EmailField(_("to"), max_length=240)
    language = models.CharField(_("language"), max_length=8, default="en")
    subject = models.CharField(_("subject"), max_length=250)
    body_text = models.TextField(_("plain-text body"))
    body_html = models.TextField(_("HTML body"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"))
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # MAIL-2: what the templates need, when the message is rendered as it is sent (console.outbox.rendering);
    # null once rendered.
    context = models.JSONField(_("context to render"), null=True, blank=True, editable=False)
    dedupe_key = models.CharField(
        _("de-duplication key"),
        max_length=200,
        null=True,
        blank=True,
        help_text=_("Set by senders that must never send the same message twice (JOB-2)."),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], condition=Q(dedupe_key__isnull=False), name="outbox_dedupe"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="outbox_pending_due"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_email}"
