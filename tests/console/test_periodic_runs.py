"""Job outcomes an operator can see (issue 13, JOB-1): each run of the periodic job is recorded, a failing
step does not stop the others, the operators are emailed once per failure streak, the run is in the
admin read-only, it runs at beat start and by hand; the schedule declared in code cannot be disabled
or deleted from the admin and beat restores it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import date

import pytest
from celery.signals import beat_init
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask

import console
from console import periodic
from console.jobs.models import PeriodicRun
from console.jobs.scheduler import CodeScheduleScheduler
from console.outbox.models import OutboxMessage
from tests.factories import PeriodicRunFactory, UserFactory

ON = date(2026, 3, 2)


class Broken:
    """A step that fails with a database error, as a real bug would, until it is repaired."""

    def __init__(self) -> None:
        self.broken = True

    def __call__(self, *, on: date) -> dict[str, int]:
        if self.broken:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1/0")
        return {"repaired": 1}


@pytest.fixture
def broken_step() -> Iterator[Broken]:
    step = Broken()
    periodic.periodic_step("aaa_broken", step, order=0)  # runs first: the others must still run after it
    yield step
    periodic._steps.pop("aaa_broken")


def _failure_emails() -> list[str]:
    return sorted(OutboxMessage.objects.filter(template="periodic_failure").values_list("to_email", flat=True))


def test_a_run_records_its_start_end_and_what_each_step_moved(db):
    counts = periodic.periodic_run(on=ON)
    run = PeriodicRun.objects.get()
    assert run.status == PeriodicRun.Status.SUCCEEDED
    assert run.on == ON
    assert run.started_at <= run.finished_at
    assert run.counts == counts
    assert {step.name for step in periodic.periodic_steps()} == set(counts)
    assert run.failures == {}


def test_a_failing_step_is_recorded_and_does_not_stop_the_others(db, broken_step):
    counts = periodic.periodic_run(on=ON)
    run = PeriodicRun.objects.get()
    assert run.status == PeriodicRun.Status.FAILED
    assert set(run.failures) == {"aaa_broken"}
    assert "division by zero" in run.failures["aaa_broken"]
    others = {step.name for step in periodic.periodic_steps()} - {"aaa_broken"}
    assert others and set(run.counts) == set(counts) == others


def test_the_operators_are_emailed_once_per_failure_streak(db, broken_step):
    UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    UserFactory(email="staff@example.com", is_staff=True)  # staff, not superuser: not an operator to alert
    UserFactory(email="gone@example.com", is_staff=True, is_superuser=True, is_active=False)

    periodic.periodic_run(on=ON)
    assert _failure_emails() == ["root@example.com"]
    message = OutboxMessage.objects.get(template="periodic_failure")
    assert "aaa_broken" in message.subject
    assert reverse("admin:jobs_periodicrun_change", args=[PeriodicRun.objects.get().pk]) in message.body_text

    periodic.periodic_run(on=ON)  # the same streak: no second email
    assert _failure_emails() == ["root@example.com"]

    broken_step.broken = False
    periodic.periodic_run(on=ON)  # a success ends the streak
    broken_step.broken = True
    periodic.periodic_run(on=ON)  # a new streak: a new email
    assert _failure_emails() == ["root@example.com", "root@example.com"]


@override_settings(ADMINS=[("Ops", "ops@example.com")])
def test_settings_admins_are_alerted_instead_of_the_superusers(db, broken_step):
    UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    periodic.periodic_run(on=ON)
    assert _failure_emails() == ["ops@example.com"]


def test_runs_are_shown_read_only_in_the_admin(admin_client):
    run = PeriodicRunFactory(status=PeriodicRun.Status.FAILED, failures={"renewals": "Traceback: <boom>"})
    listing = admin_client.get(reverse("admin:jobs_periodicrun_changelist"))
    assert listing.status_code == 200
    assert "renewals" in listing.content.decode()
    page = admin_client.get(reverse("admin:jobs_periodicrun_change", args=[run.pk]))
    assert page.status_code == 200
    assert "Traceback: &lt;boom&gt;" in page.content.decode()
    assert b'type="submit"' not in page.content.split(b'id="content"')[1]
    assert admin_client.get(reverse("admin:jobs_periodicrun_add")).status_code == 403
    delete = reverse("admin:jobs_periodicrun_delete", args=[run.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert PeriodicRun.objects.filter(pk=run.pk).exists()


def test_run_periodic_runs_the_job_by_hand_and_records_it(db, capsys):
    call_command("run_periodic", "--on", ON.isoformat())
    assert PeriodicRun.objects.get().on == ON
    assert "purchase_authorizations" in capsys.readouterr().out


def test_run_periodic_fails_loudly_when_a_step_fails(db, broken_step):
    with pytest.raises(CommandError, match="aaa_broken"):
        call_command("run_periodic")
    assert PeriodicRun.objects.get().status == PeriodicRun.Status.FAILED


def test_the_job_runs_once_when_beat_starts(db):
    beat_init.send(sender=None)  # what `celery beat` sends on start; tasks run eagerly in the tests
    assert PeriodicRun.objects.count() == 1


# --- The schedule declared in code ---------------------------------------------------------------


@pytest.fixture
def schedule(transactional_db: None) -> Iterator[None]:
    """The schedule synced into the database as beat does (beat closes connections: a transactional test)."""
    scheduler = CodeScheduleScheduler(app=console.celery_app)
    scheduler._finalize()  # its exit-time sync now, not in the middle of a later test
    yield


def test_a_declared_task_cannot_be_deleted_or_changed_from_the_admin(admin_client, schedule):
    task = PeriodicTask.objects.get(name="periodic-refresh")
    assert admin_client.get(reverse("admin:django_celery_beat_periodictask_delete", args=[task.pk])).status_code == 403
    page = admin_client.get(reverse("admin:django_celery_beat_periodictask_change", args=[task.pk]))
    assert "Declared in code" in page.content.decode()
    assert b'name="enabled"' not in page.content  # shown, not editable
    admin_client.post(
        reverse("admin:django_celery_beat_periodictask_change", args=[task.pk]), {"name": task.name, "enabled": ""}
    )
    assert PeriodicTask.objects.get(pk=task.pk).enabled


@pytest.mark.parametrize("action", ["disable_tasks", "toggle_tasks"])
def test_list_actions_leave_declared_tasks_alone(admin_client, schedule, action):
    every = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
    own = PeriodicTask.objects.create(name="operator's own", task="console.outbox.tasks.outbox_flush", interval=every)
    declared = PeriodicTask.objects.get(name="periodic-refresh")
    response = admin_client.post(
        reverse("admin:django_celery_beat_periodictask_changelist"),
        {"action": action, "_selected_action": [own.pk, declared.pk], "post": "yes"},
        follow=True,
    )
    assert "Declared in code" in response.content.decode()
    assert PeriodicTask.objects.get(pk=declared.pk).enabled
    assert not PeriodicTask.objects.get(pk=own.pk).enabled  # the operator's own task was disabled


def test_deleting_a_selection_with_a_declared_task_is_refused(admin_client, schedule):
    declared = PeriodicTask.objects.get(name="periodic-refresh")
    response = admin_client.post(
        reverse("admin:django_celery_beat_periodictask_changelist"),
        {"action": "delete_selected", "_selected_action": [declared.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert PeriodicTask.objects.filter(pk=declared.pk).exists()


def test_run_now_still_runs_a_declared_task(admin_client, schedule):
    declared = PeriodicTask.objects.get(name="periodic-refresh")
    admin_client.post(
        reverse("admin:django_celery_beat_periodictask_changelist"),
        {"action": "run_tasks", "_selected_action": [declared.pk]},
    )
    assert PeriodicRun.objects.count() == 1


def test_beat_restores_a_declared_task_that_was_disabled_or_deleted(schedule):
    PeriodicTask.objects.filter(name="periodic-refresh").update(enabled=False)
    PeriodicTask.objects.filter(name="outbox-flush").delete()
    scheduler = CodeScheduleScheduler(app=console.celery_app)
    scheduler._finalize()
    assert set(PeriodicTask.objects.filter(enabled=True).values_list("name", flat=True)) >= {
        "periodic-refresh",
        "outbox-flush",
    }
    assert {"periodic-refresh", "outbox-flush"} <= set(scheduler.schedule)


def test_the_cycle_collector_is_off_while_a_step_runs_and_back_on_after_it_even_when_it_fails(db, broken_step):
    seen: list[bool] = []

    def records(*, on: date) -> dict[str, int]:
        seen.append(gc.isenabled())
        return {}

    def fails(*, on: date) -> dict[str, int]:
        seen.append(gc.isenabled())
        raise RuntimeError("a bug")

    periodic.periodic_step("aab_records", records, order=0)
    periodic.periodic_step("aac_fails", fails, order=0)
    try:
        assert gc.isenabled()
        periodic.periodic_run(on=ON)
        assert seen == [False, False]
        assert gc.isenabled()
        assert PeriodicRun.objects.get().failures.keys() == {"aaa_broken", "aac_fails"}
    finally:
        periodic._steps.pop("aab_records")
        periodic._steps.pop("aac_fails")
