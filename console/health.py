"""Health URLs for load balancers, orchestrators and monitoring (README, "Monitoring").

- `/health/live/`: the process answers; no dependency is touched.
- `/health/ready/`: the database answers and has every migration this code knows, the broker accepts a
  connection, and the periodic job succeeded recently. 200 when all hold, else 503; JSON either way.

They are answered by a middleware at the top of MIDDLEWARE, before SecurityMiddleware and anything that
validates the Host header, so a probe may call a pod's own address over plain HTTP. They carry no
tenant data and no connection details: a failing check names the error's class only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from kombu import Connection

from console.jobs.models import PeriodicRun

LIVE_PATH = "/health/live/"
READY_PATH = "/health/ready/"
BROKER_TIMEOUT_SECONDS = 2

Check = dict[str, Any]


@functools.cache
def migration_leaves() -> frozenset[tuple[str, str]]:
    """The newest migration of each app, read from the code once per process (no database)."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


def _failed(error: Exception) -> Check:
    return {"ok": False, "error": type(error).__name__}


def database_check() -> Check:
    """The database answers and every migration leaf of this code is applied (one query)."""
    leaves = migration_leaves()
    try:
        recorder = MigrationRecorder(connections[DEFAULT_DB_ALIAS])
        applied = set(recorder.migration_qs.filter(name__in={name for _app, name in leaves}).values_list("app", "name"))
    except Exception as error:
        return _failed(error)
    missing = sorted(f"{app}.{name}" for app, name in leaves - applied)
    return {"ok": not missing, "unapplied": missing} if missing else {"ok": True}


def broker_check() -> Check:
    """The Celery broker accepts a connection."""
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            connect_timeout=BROKER_TIMEOUT_SECONDS,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        ) as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as error:
        return _failed(error)
    return {"ok": True}


def periodic_check() -> Check:
    """The periodic job's last successful run finished within HEALTH_PERIODIC_MAX_AGE_MINUTES (0: not checked)."""
    max_age = settings.HEALTH_PERIODIC_MAX_AGE_MINUTES
    try:
        last = (
            PeriodicRun.objects.filter(status=PeriodicRun.Status.SUCCEEDED)
            .order_by("-finished_at")
            .values_list("finished_at", flat=True)
            .first()
        )
    except Exception as error:
        return _failed(error)
    check: Check = {"ok": True, "last_success": last.isoformat() if last else None}
    if max_age and (last is None or timezone.now() - last > timedelta(minutes=max_age)):
        check["ok"] = False
    return check


def readiness() -> JsonResponse:
    checks = {"database": database_check(), "broker": broker_check(), "periodic": periodic_check()}
    ok = all(check["ok"] for check in checks.values())
    return _answer({"status": "ok" if ok else "fail", "checks": checks}, 200 if ok else 503)


def _answer(data: dict[str, Any], status: int) -> JsonResponse:
    response = JsonResponse(data, status=status)
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == LIVE_PATH:
            return _answer({"status": "ok"}, 200)
        if request.path == READY_PATH:
            return readiness()
        return self.get_response(request)
