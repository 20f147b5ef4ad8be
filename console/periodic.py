"""JOB-1: the periodic runner. It belongs to no domain app: each app contributes its steps from its
AppConfig.ready() with `periodic_step`, and beat runs them all, in order, at least hourly.

A step takes the day to run for and returns what it moved ({"overdue": 3, …}). Every step is
set-based (JOB-3) and idempotent (JOB-2): a second or concurrent run moves nothing and sends nothing.

Each run is recorded as a PeriodicRun (start, end, what each step moved, which failed) that operators
read in the admin and the readiness URL reads. A failing step does not stop the others; the first
failing run after a success emails the operators, later runs of the same failure streak do not.
"""

from __future__ import annotations

import gc
import logging
import traceback
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from console.accounts.models import User
from console.jobs.models import PeriodicRun
from console.outbox.services import mail_enqueue

logger = logging.getLogger(__name__)

StepFunction = Callable[..., dict[str, int]]


@dataclass(frozen=True)
class PeriodicStep:
    name: str
    run: StepFunction
    order: int


_steps: dict[str, PeriodicStep] = {}
STEP_LOCK_CLASS = 0x4A4F42  # "JOB": the advisory-lock namespace of the steps (two-int form: class, step)


def periodic_step(name: str, run: StepFunction, *, order: int) -> None:
    """Register `run(on=date)` as the step `name`; steps run by ascending `order`. Registering the same
    name again replaces the step (AppConfig.ready() may run more than once in tests)."""
    _steps[name] = PeriodicStep(name=name, run=run, order=order)


def periodic_steps() -> list[PeriodicStep]:
    return sorted(_steps.values(), key=lambda step: (step.order, step.name))


def step_claim(name: str) -> None:
    """Serialise one step across overlapping runs (two workers, a manual run beside beat's): a
    transaction-level advisory lock named after the step, released when the step's transaction ends.
    The second run's step starts after the first one's committed, sees its work done and moves nothing,
    so each transition is made, counted and mailed once and overlapping runs never deadlock on each
    other's rows. The steps' own guards (row locks, unique keys) still hold without it (JOB-2)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [STEP_LOCK_CLASS, zlib.crc32(name.encode()) >> 1])
            # The steps' set-based statements over a million customers carry correlated subqueries whose
            # estimated cost sets off PostgreSQL's JIT: compiling took 0.5–0.8 s per statement, longer
            # than running it (make bench, job stage). Off for the step's transaction only.
            cursor.execute("SET LOCAL jit = off")


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while a step runs. A heavy day's step holds tens of thousands of rows,
    emails and audit entries at once (none of them cyclic garbage, which reference counting frees): each
    allocation burst set off a collection pass over all of them, about 0.7 s of the bench's 1.9 s of Python
    (make bench, job stage). Those passes are saved, not deferred: the step's objects are freed as it returns,
    and the collector's next pass, once it is back on, finds any cycle the step left."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def periodic_run(*, on: date) -> dict[str, dict[str, int]]:
    """Run every registered step for `on` and record the run; returns what each step that succeeded
    moved, by step name. A step that raises is rolled back, logged and recorded; the others still run."""
    run = PeriodicRun.objects.create(on=on, started_at=timezone.now())
    counts: dict[str, dict[str, int]] = {}
    failures: dict[str, str] = {}
    for step in periodic_steps():
        try:
            # A failing step leaves nothing half-done, and the connection usable.
            with transaction.atomic(), _no_cycle_collection():
                step_claim(step.name)
                counts[step.name] = step.run(on=on)
        except Exception:
            logger.exception("Periodic step %s failed", step.name)
            failures[step.name] = traceback.format_exc()[-4000:]
    run.finished_at = timezone.now()
    run.status = PeriodicRun.Status.FAILED if failures else PeriodicRun.Status.SUCCEEDED
    run.counts, run.failures = counts, failures
    run.save(update_fields=["finished_at", "status", "counts", "failures"])
    if failures:
        _operators_alert(run)
    return counts


def operator_emails() -> list[str]:
    """Who hears about failures: settings.ADMINS, or else every active superuser."""
    if settings.ADMINS:
        # (name, email) pairs, or plain addresses as Django 6 allows
        return [admin if isinstance(admin, str) else admin[1] for admin in settings.ADMINS]
    return list(User.objects.filter(is_superuser=True, is_active=True).order_by("pk").values_list("email", flat=True))


def _operators_alert(run: PeriodicRun) -> None:
    """Email the operators once per failure streak: the streak is named by its first failed run, the
    outbox's de-duplication key makes a second email for it impossible (also for concurrent runs)."""
    last_success = (
        PeriodicRun.objects.filter(status=PeriodicRun.Status.SUCCEEDED, started_at__lte=run.started_at)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    streak = PeriodicRun.objects.filter(status=PeriodicRun.Status.FAILED, started_at__lte=run.started_at)
    if last_success is not None:
        streak = streak.filter(started_at__gt=last_success)
    first = streak.order_by("started_at", "pk").first() or run
    admin_path = reverse("admin:jobs_periodicrun_change", args=[run.pk])
    emails = operator_emails()
    # Each operator who has an account reads it in their language (I18N-2); an address only in ADMINS, in English.
    languages = dict(User.objects.filter(email__in=[e.lower() for e in emails]).values_list("email", "language"))
    for email in emails:
        mail_enqueue(
            to=email,
            template="periodic_failure",
            language=languages.get(email.lower(), "en"),
            context={"run": run, "steps": sorted(run.failures), "admin_path": admin_path},
            dedupe_key=f"periodic-failure:{first.pk}:{email}",
        )
