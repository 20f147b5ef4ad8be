"""Celery: the beat schedule declared in settings reaches the database (where operators see it), a
real worker executes what beat sends, and the embedded default (SQLite + kombu's filesystem broker,
no Redis) delivers an outbox message through `celery worker` and `celery beat` processes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

import kombu.pools
import pytest
import redis
from celery import beat
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

import console
from console.outbox.models import OutboxMessage
from tests.factories import OutboxMessageFactory, UserFactory

app = console.celery_app
FLUSH_TASK = "console.outbox.tasks.outbox_flush"
TEST_BROKER_URL = "redis://127.0.0.1:6379/14"
BASE_DIR = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent


def _wait_for(condition: Callable[[], bool], *, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


# --- The schedule ---------------------------------------------------------------------------------


def test_beat_schedule_names_only_registered_tasks() -> None:
    app.loader.import_default_modules()  # what a worker does at start: autodiscover tasks.py modules
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert "outbox-flush" in schedule
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, f"{name} names an unknown task {entry['task']}"
    assert schedule["outbox-flush"]["task"] == FLUSH_TASK
    assert schedule["outbox-flush"]["schedule"] <= timedelta(minutes=1)


@pytest.mark.django_db(transaction=True)
def test_database_scheduler_copies_the_schedule_into_periodic_tasks_operators_see() -> None:
    scheduler = DatabaseScheduler(app=app)
    try:
        assert "outbox-flush" in scheduler.schedule
    finally:
        # Run its exit-time sync now: left to the garbage collector it would close the database
        # connection in the middle of some later test.
        scheduler._finalize()

    task = PeriodicTask.objects.get(name="outbox-flush")
    assert task.task == FLUSH_TASK
    assert task.enabled
    assert task.interval is not None
    run_every = settings.CELERY_BEAT_SCHEDULE["outbox-flush"]["schedule"]
    assert timedelta(**{task.interval.period: task.interval.every}) == run_every

    operator = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("admin:django_celery_beat_periodictask_changelist"))
    assert response.status_code == 200
    assert "outbox-flush" in response.content.decode()


# --- A real worker on Redis -----------------------------------------------------------------------


def _reset_broker_connections() -> None:
    # The app caches its broker connection pools; drop them so the next publish uses broker_url.
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    # kombu also keeps producer pools per broker URL in a global registry; one left there would point
    # at the pool closed above, and the next eager task (Celery acquires a producer even then) fails.
    kombu.pools.reset()


@pytest.fixture
def redis_worker_app() -> Iterator[Any]:
    """The project's Celery app, not eager, on Redis db 14 for the length of one test. Its keys carry
    a prefix of their own, so a test run in parallel (another checkout, CI) cannot take its tasks."""
    client = redis.Redis.from_url(TEST_BROKER_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis is needed at {TEST_BROKER_URL} for the worker test: {exc}")
    prefix = f"console-test-{uuid.uuid4().hex}:"
    names = [
        "broker_url",
        "broker_transport_options",
        "task_always_eager",
        "task_eager_propagates",
        "worker_hijack_root_logger",
    ]
    saved = {name: app.conf[name] for name in names}
    app.conf.update(
        broker_url=TEST_BROKER_URL,
        broker_transport_options={"global_keyprefix": prefix},
        task_always_eager=False,
        task_eager_propagates=False,
        worker_hijack_root_logger=False,
    )
    _reset_broker_connections()
    try:
        yield app
    finally:
        app.conf.update(saved)
        _reset_broker_connections()
        leftovers = list(client.scan_iter(match=f"{prefix}*"))
        if leftovers:
            client.delete(*leftovers)
        client.close()


@pytest.mark.django_db(transaction=True)
def test_the_outbox_flush_that_beat_sends_is_executed_by_a_real_worker(redis_worker_app: Any) -> None:
    message = OutboxMessageFactory()
    executed: list[tuple[str, str]] = []

    def record(sender: Any = None, **kwargs: Any) -> None:
        executed.append((sender.name, threading.current_thread().name))
        # the worker thread's connection must not outlive the test
        connections.close_all()

    task_postrun.connect(record, weak=False)
    scheduler = beat.Scheduler(app=redis_worker_app)
    try:
        entry = scheduler.schedule["outbox-flush"]
        assert entry.task == FLUSH_TASK
        entry.last_run_at = timezone.now() - entry.schedule.run_every - timedelta(seconds=1)
        with start_worker(redis_worker_app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            scheduler.tick()
            assert scheduler.schedule["outbox-flush"].total_run_count == 1

            def delivered() -> bool:
                return OutboxMessage.objects.get(pk=message.pk).status == OutboxMessage.Status.SENT

            assert _wait_for(delivered, timeout=30), f"not delivered; tasks run: {executed}"
            assert _wait_for(lambda: len(executed) >= 2, timeout=10)
    finally:
        scheduler.close()
        task_postrun.disconnect(record)

    message.refresh_from_db()
    assert message.attempts == 1
    assert [sent.to for sent in mail.outbox] == [[message.to_email]]
    main = threading.current_thread().name
    assert [name for name, _ in executed] == [FLUSH_TASK, "console.outbox.tasks.outbox_send"]
    assert all(thread != main for _, thread in executed)  # the worker ran them, not eager mode


# --- The embedded default: worker and beat processes without Redis --------------------------------


def _embedded_env(tmp_path: Path, mail_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CELERY")}
    for key in ("REDIS_URL", "DATABASE_URL", "EMAIL_URL"):
        env.pop(key, None)
    env.update(
        DJANGO_SETTINGS_MODULE="console.settings.base",
        # four slashes: django-environ drops the first one of the path
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        EMAIL_URL=f"filemail:///{mail_dir}",
        CELERY_FS_BROKER_DIR=str(tmp_path / "run"),
        OUTBOX_FLUSH_SECONDS="2",
        PYTHONUNBUFFERED="1",
    )
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _terminate(process: subprocess.Popen[bytes]) -> None:
    process.terminate()  # warm shutdown: the worker stops its own pool processes
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    # It runs in a session of its own: whatever is left of it (a stuck pool child) goes too.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def test_embedded_default_worker_and_beat_send_the_outbox_without_redis(tmp_path: Path) -> None:
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = _embedded_env(tmp_path, mail_dir)
    assert env["EMAIL_URL"].startswith("filemail:////")
    check = "from django.conf import settings; print(settings.EMAIL_FILE_PATH, settings.CELERY_BROKER_URL)"
    assert _manage(env, "shell", "--no-imports", "-c", check).split() == [str(mail_dir), "filesystem://"]
    _manage(env, "migrate", "--noinput", "-v0")
    insert = (
        "from django.utils import timezone\n"
        "from console.outbox.models import OutboxMessage\n"
        "now = timezone.now()\n"
        "m = OutboxMessage.objects.create(template='probe', to_email='ops@example.com', "
        "subject='Embedded default works', body_text='Hello', body_html='<p>Hello</p>', "
        "created_at=now, next_attempt_at=now)\n"
        "print(m.pk)\n"
    )
    message_id = int(_manage(env, "shell", "--no-imports", "-c", insert))

    processes: dict[str, subprocess.Popen[bytes]] = {}
    logs = {name: tmp_path / f"{name}.log" for name in ("worker", "beat")}
    commands = {
        "worker": [str(BIN / "celery"), "-A", "console", "worker", "--loglevel=INFO", "--concurrency=1"],
        "beat": [str(BIN / "celery"), "-A", "console", "beat", "--loglevel=INFO"],
    }

    def status() -> tuple[str, int]:
        with closing(sqlite3.connect(tmp_path / "db.sqlite3", timeout=10)) as db:
            row = db.execute("SELECT status, attempts FROM outbox_outboxmessage WHERE id = ?", (message_id,)).fetchone()
        return row[0], row[1]

    def sent_or_dead() -> bool:
        return status()[0] == "sent" or any(p.poll() is not None for p in processes.values())

    try:
        for name, command in commands.items():
            with logs[name].open("wb") as log:
                processes[name] = subprocess.Popen(
                    command,
                    cwd=BASE_DIR,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        _wait_for(sent_or_dead, timeout=90, interval=0.5)
        outcome = status()
    finally:
        for process in processes.values():
            _terminate(process)

    output = "\n".join(f"--- {name}\n{path.read_text()[-3000:]}" for name, path in logs.items())
    assert outcome == ("sent", 1), output
    assert "Sending due task outbox-flush" in logs["beat"].read_text()
    files = list(mail_dir.iterdir())
    assert len(files) == 1
    written = files[0].read_text()
    assert "Subject: Embedded default works" in written
    assert "To: ops@example.com" in written
