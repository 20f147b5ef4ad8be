from __future__ import annotations

from celery import shared_task
from django_scopes import scopes_disabled

from console.clock import today
from console.periodic import periodic_run


@shared_task(ignore_result=True)
def periodic_run_task() -> dict[str, dict[str, int]]:
    """JOB-1: beat runs every app's periodic steps for today (see console.periodic)."""
    with scopes_disabled():
        return periodic_run(on=today())
