"""Beat's scheduler: django-celery-beat's database scheduler, but the schedule declared in code
(settings.CELERY_BEAT_SCHEDULE, JOB-1) always wins. django-celery-beat re-creates a deleted entry at
start but leaves a disabled one disabled; this scheduler enables it again and says so in the log."""

from __future__ import annotations

import logging

from django.conf import settings
from django_celery_beat.models import PeriodicTask, PeriodicTasks
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)


def code_schedule_names() -> frozenset[str]:
    return frozenset(settings.CELERY_BEAT_SCHEDULE)


def code_schedule_restore() -> list[str]:
    """Enable every disabled entry of the schedule declared in code; returns their names."""
    disabled = list(
        PeriodicTask.objects.filter(name__in=code_schedule_names(), enabled=False).values_list("name", flat=True)
    )
    if disabled:
        PeriodicTask.objects.filter(name__in=disabled).update(enabled=True)
        PeriodicTasks.update_changed()
        logger.warning("Re-enabled the periodic tasks declared in code: %s", ", ".join(sorted(disabled)))
    return disabled


class CodeScheduleScheduler(DatabaseScheduler):
    def setup_schedule(self) -> None:
        code_schedule_restore()
        super().setup_schedule()  # re-creates deleted entries and resets changed ones from the code
