from __future__ import annotations

from celery import shared_task

from console.outbox.delivery import outbox_deliver, outbox_due_ids


@shared_task(ignore_result=True)
def outbox_send(message_id: int) -> bool:
    """Send one outbox message (queued after the transaction that wrote it commits)."""
    return outbox_deliver(message_id=message_id)


@shared_task(ignore_result=True)
def outbox_flush() -> int:
    """Periodic: send every due pending message (retries with back-off, or a lost broker message)."""
    ids = outbox_due_ids()
    for message_id in ids:
        outbox_send.delay(message_id)
    return len(ids)
