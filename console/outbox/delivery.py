"""MAIL-1: the sending side of the outbox, called by its Celery tasks: claim a due message with a
conditional UPDATE, send it outside any transaction, back off on failure. `services` writes the
messages and enqueues the tasks; the tasks call this module; neither imports the other back."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.utils import timezone

from console.outbox.models import OutboxMessage
from console.outbox.rendering import message_render

logger = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=10)


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off: base, 2×base, 4×base … capped at six hours."""
    seconds = settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, 6 * 3600))


def outbox_deliver(*, message_id: int) -> bool:
    """Send one outbox message if it is due and nobody else is sending it. Returns True when sent.

    The claim is a conditional UPDATE, so two workers never send the same message. SMTP runs
    outside any transaction. A failure leaves the message pending with a back-off, or failed after
    OUTBOX_MAX_ATTEMPTS.
    """
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
    ).update(status=OutboxMessage.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    if message.context is not None:  # queued by the job with its context: rendered once, now (MAIL-2)
        try:
            message_render(message)
        except Exception as exc:  # a template error or a row gone since: no retry makes it render
            logger.exception("Outbox message %s not rendered", message.pk)
            OutboxMessage.objects.filter(pk=message.pk).update(
                status=OutboxMessage.Status.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:2000], claimed_at=None
            )
            return False
        OutboxMessage.objects.filter(pk=message.pk).update(
            subject=message.subject, body_text=message.body_text, body_html=message.body_html, context=None
        )
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_email],
    )
    email.attach_alternative(message.body_html, "text/html")
    try:
        email.send()
    except Exception as exc:  # any transport error: keep the message and try again later
        logger.warning("Outbox message %s not sent (attempt %s): %s", message.pk, message.attempts, exc)
        failed = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxMessage.Status.FAILED if failed else OutboxMessage.Status.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now() + retry_delay(message.attempts),
            claimed_at=None,
        )
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.SENT, sent_at=timezone.now(), last_error="", claimed_at=None
    )
    return True


def outbox_due_ids(*, limit: int = 500) -> list[int]:
    """Messages to (re)send now: due pending ones, after releasing claims of crashed workers."""
    now = timezone.now()
    OutboxMessage.objects.filter(status=OutboxMessage.Status.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=OutboxMessage.Status.PENDING, claimed_at=None
    )
    return list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
