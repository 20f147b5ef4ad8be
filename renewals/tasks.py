from __future__ import annotations

from celery import shared_task
from django_scopes import scopes_disabled

from customers.rules import today
from renewals.services import periodic_refresh


@shared_task(ignore_result=True)
def periodic_refresh_task() -> dict[str, dict[str, int]]:
    """JOB-1: beat runs this hourly."""
    with scopes_disabled():
        return periodic_refresh(on=today())
