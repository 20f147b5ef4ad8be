from __future__ import annotations

from celery import shared_task

from api.webhooks import webhook_deliver, webhook_due_ids


@shared_task(ignore_result=True)
def webhook_send(delivery_id: int) -> bool:
    """Send one webhook delivery (queued after the transaction that wrote it commits)."""
    return webhook_deliver(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def webhook_flush() -> int:
    """Periodic: send every due delivery (retries with back-off, or a lost broker message)."""
    ids = webhook_due_ids()
    for delivery_id in ids:
        webhook_send.delay(delivery_id)
    return len(ids)
