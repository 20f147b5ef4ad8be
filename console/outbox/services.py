from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from console.accounts.models import Reseller
from console.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=10)


@dataclass(frozen=True)
class Mail:
    """One email to queue: rendered from templates/emails/<template>_* in `language`."""

    to: str
    template: str
    context: dict[str, Any]
    language: str = "en"
    reseller: Reseller | None = None
    dedupe_key: str | None = None


def _render(mail: Mail, now: datetime) -> OutboxMessage:
    # render_to_string has no request, so the i18n context processor does not run: pass the language
    # ourselves, or the HTML part would always say lang="en".
    context = {"site_url": settings.SITE_URL, "LANGUAGE_CODE": mail.language, **mail.context}
    with translation.override(mail.language):
        subject = " ".join(render_to_string(f"emails/{mail.template}_subject.txt", context).split())
        body_text = render_to_string(f"emails/{mail.template}_body.txt", context)
        body_html = render_to_string(f"emails/{mail.template}_body.html", context)
    return OutboxMessage(
        reseller=mail.reseller,
        template=mail.template,
        to_email=mail.to,
        language=mail.language,
        subject=subject[:250],
        body_text=body_text,
        body_html=body_html,
        created_at=now,
        next_attempt_at=now,
        dedupe_key=mail.dedupe_key,
    )


def mail_enqueue(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str = "en",
    reseller: Reseller | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Render `templates/emails/<template>_{subject.txt,body.txt,body.html}` in `language`, store the
    message in the outbox and send it after the surrounding transaction commits (MAIL-1, MAIL-2).

    With a `dedupe_key` that was already used, nothing is stored and None is returned (JOB-2).
    """
    message = _render(Mail(to, template, context, language, reseller, dedupe_key), timezone.now())
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        if dedupe_key and OutboxMessage.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise

    from console.outbox.tasks import outbox_send  # the task module imports this one

    # robust: a broker that is down must not turn the user's committed action into an error; the
    # message is in the table and the periodic flush sends it (MAIL-1).
    transaction.on_commit(lambda: outbox_send.delay(message.pk), robust=True)
    return message


def mail_enqueue_bulk(mails: list[Mail]) -> None:
    """Queue many emails with one INSERT (for periodic jobs, JOB-3). Messages whose
    de-duplication key was used already are skipped by the database (JOB-2). One flush after commit
    sends them."""
    if not mails:
        return
    now = timezone.now()
    OutboxMessage.objects.bulk_create([_render(mail, now) for mail in mails], ignore_conflicts=True)

    from console.outbox.tasks import outbox_flush

    transaction.on_commit(outbox_flush.delay, robust=True)


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


def outbox_retry_now(*, message_ids: list[int]) -> int:
    """Operator action: make failed or waiting messages due again."""
    return OutboxMessage.objects.filter(
        pk__in=message_ids, status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED]
    ).update(status=OutboxMessage.Status.PENDING, next_attempt_at=timezone.now())
