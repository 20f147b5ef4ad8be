"""Health URLs (issue 13): liveness without dependencies; readiness with the real database, broker and
periodic-job record — and with each of them really unreachable or stale, not mocked."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, override_settings
from django.utils import timezone

from console.health import LIVE_PATH, READY_PATH, migration_leaves
from tests.factories import PeriodicRunFactory


def _closed_port() -> int:
    """A loopback port nothing listens on: bound, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def recent_run(db: None) -> None:
    PeriodicRunFactory()


def test_liveness_needs_nothing_and_answers_json(client):
    response = client.get(LIVE_PATH)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_readiness_is_ok_with_the_database_migrated_the_broker_up_and_a_recent_run(client, recent_run):
    response = client.get(READY_PATH)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "broker": True,
        "periodic": True,
    }
    assert response["Cache-Control"] == "no-store"


def test_readiness_is_cheap_two_queries_and_no_migration_scan_per_request(
    client, recent_run, django_assert_num_queries
):
    client.get(READY_PATH)
    loads = migration_leaves.cache_info().misses
    with django_assert_num_queries(2):  # applied leaves, last successful run
        assert client.get(READY_PATH).status_code == 200
    assert migration_leaves.cache_info().misses == loads


@override_settings(ALLOWED_HOSTS=["console.example.com"], SECURE_SSL_REDIRECT=True)
def test_probes_by_address_over_plain_http_are_neither_redirected_nor_refused(recent_run):
    client = Client(HTTP_HOST="10.1.2.3:8000")
    assert client.get(LIVE_PATH).status_code == 200
    assert client.get(READY_PATH).status_code == 200
    assert client.get("/accounts/login/").status_code == 400  # other URLs still check the host


def test_health_answers_carry_no_tenant_data_or_connection_details(client, recent_run, triad):
    text = client.get(READY_PATH).content.decode()
    for secret in (triad.reseller_a.name, triad.reseller_a.reseller_id, "postgres", "127.0.0.1", "6379"):
        assert secret not in text


@override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{_closed_port()}/0")
def test_readiness_fails_when_the_broker_is_unreachable(client, recent_run):
    response = client.get(READY_PATH)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"] == {"ok": False, "error": "OperationalError"}
    assert checks["database"]["ok"] and checks["periodic"]["ok"]


@pytest.fixture
def database_down(transactional_db: None) -> Iterator[None]:
    """The default database's address turned to a closed port for the test's requests."""
    connection = connections["default"]
    connection.close()
    saved = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = str(_closed_port())
    connection.settings_dict["HOST"] = "127.0.0.1"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved


def test_readiness_fails_when_the_database_is_unreachable(database_down):
    response = Client().get(READY_PATH)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"ok": False, "error": "OperationalError"}
    assert checks["periodic"]["ok"] is False
    assert checks["broker"]["ok"] is True
    assert Client().get(LIVE_PATH).status_code == 200  # liveness does not care


def test_readiness_fails_while_a_migration_is_not_applied(client, recent_run):
    app, name = sorted(migration_leaves())[0]
    MigrationRecorder.Migration.objects.filter(app=app, name=name).delete()  # rolled back after the test
    response = client.get(READY_PATH)
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "unapplied": [f"{app}.{name}"]}


@override_settings(HEALTH_PERIODIC_MAX_AGE_MINUTES=45)
def test_readiness_fails_when_the_job_has_not_succeeded_recently(client, db):
    assert client.get(READY_PATH).json()["checks"]["periodic"] == {"ok": False, "last_success": None}
    run = PeriodicRunFactory()
    PeriodicRunFactory(status="failed", finished_at=run.finished_at + timedelta(minutes=40))
    with time_machine.travel(timezone.now() + timedelta(minutes=44)):
        assert client.get(READY_PATH).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=46)):
        response = client.get(READY_PATH)
    assert response.status_code == 503
    assert response.json()["checks"]["periodic"] == {"ok": False, "last_success": run.finished_at.isoformat()}


@override_settings(HEALTH_PERIODIC_MAX_AGE_MINUTES=0)
def test_the_job_check_can_be_turned_off(client, db):
    assert client.get(READY_PATH).status_code == 200
