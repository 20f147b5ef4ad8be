from __future__ import annotations

from celery import shared_task
from django_scopes import scopes_disabled

from purchase_auth.services.order_acceptance import order_accept


@shared_task(ignore_result=True)
def order_accept_task(order_id: int) -> None:
    """ORD-1: accept an order (the stand-in for the upstream licensing system)."""
    with scopes_disabled():
        order_accept(order_id=order_id)
