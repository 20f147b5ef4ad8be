from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from console.accounts.models import Reseller
from console.bulk import bulk_insert
from console.outbox.models import OutboxMessage
from console.outbox.rendering import NotEncodable, context_encode, render
from console.outbox.tasks import outbox_flush, outbox_send

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
    subject, body_text, body_html = render(mail.template, mail.language, mail.context)
    return _message(mail, now, subject=subject, body_text=body_text, body_html=body_html)


def _message(mail: Mail, now: datetime, **content: Any) -> OutboxMessage:
    return OutboxMessage(
        reseller=mail.reseller,
        template=mail.template,
        to_email=mail.to,
        language=mail.language,
        created_at=now,
        next_attempt_at=now,
        dedupe_key=mail.dedupe_key,
        **content,
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

    # robust: a broker that is down must not turn the user's committed action into an error; the
    # message is in the table and the periodic flush sends it (MAIL-1).
    transaction.on_commit(lambda: outbox_send.delay(message.pk), robust=True)
    return message


def mail_enqueue_bulk(mails: list[Mail]) -> None:
    """Queue many emails with one INSERT (for periodic jobs, JOB-3). Messages whose
    de-duplication key was used already are skipped by the database (JOB-2). Each is stored with its
    context and rendered when it is sent (console.outbox.rendering: rendering thousands here took most
    of the job's time); one whose context cannot be stored is rendered now (a second INSERT). One flush
    after commit sends them."""
    if not mails:
        return
    now = timezone.now()
    deferred, rendered = [], []
    for mail in mails:
        try:
            deferred.append(
                {
                    "reseller_id": mail.reseller.pk if mail.reseller else None,
                    "template": mail.template,
                    "to_email": mail.to,
                    "language": mail.language,
                    "context": context_encode(mail.context, mail.language),
                    "dedupe_key": mail.dedupe_key,
                }
            )
        except NotEncodable:
            rendered.append(_render(mail, now))
    same = {"created_at": now, "next_attempt_at": now, "subject": "", "body_text": "", "body_html": ""}
    bulk_insert(OutboxMessage, deferred, same=same, ignore_conflicts=True)
    OutboxMessage.objects.bulk_create(rendered, ignore_conflicts=True)

    transaction.on_commit(outbox_flush.delay, robust=True)


def outbox_retry_now(*, message_ids: list[int]) -> int:
    """Operator action: make failed or waiting messages due again."""
    return OutboxMessage.objects.filter(
        pk__in=message_ids, status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED]
    ).update(status=OutboxMessage.Status.PENDING, next_attempt_at=timezone.now())
