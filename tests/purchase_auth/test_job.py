"""PA-7, JOB-1…JOB-4: the periodic job moves purchase authorizations with time — set-based,
idempotent (twice or concurrently: no change and no email the second time)."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from console.audit.models import AuditEvent
from console.outbox.models import OutboxMessage
from console.periodic import periodic_run
from purchase_auth.models import PurchaseAuthorization
from purchase_auth.services import purchase_authorizations
from purchase_auth.services.common import Line
from tests.factories import CustomerFactory, ProductFactory

CREATED = date(2026, 1, 5)


def make_pas(triad, count: int) -> list[PurchaseAuthorization]:
    product = ProductFactory()
    pas = []
    with time_machine.travel(CREATED, tick=False):
        for _ in range(count):
            customer = CustomerFactory(managed_by=triad.member_a)
            pas.append(
                purchase_authorizations.purchase_authorization_create(
                    reseller=triad.reseller_a,
                    actor=triad.member_a.user,
                    vip_id=customer.vip_id,
                    lines=[Line(product, 1)],
                )
            )
    return pas


def states() -> list[str]:
    return sorted(PurchaseAuthorization.objects.values_list("state", flat=True))


def test_pas_go_overdue_after_the_due_date_then_suspended_from_day_61(triad, django_capture_on_commit_callbacks):
    make_pas(triad, 2)
    assert periodic_run(on=CREATED + timedelta(days=14))["purchase_authorizations"] == {
        "overdue": 0,
        "suspended": 0,
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert periodic_run(on=CREATED + timedelta(days=15))["purchase_authorizations"]["overdue"] == 2
    assert states() == ["overdue", "overdue"]
    assert OutboxMessage.objects.filter(template="pa_overdue").count() == 2
    assert AuditEvent.objects.filter(action="pa.overdue", actor_label="system").count() == 2
    assert periodic_run(on=CREATED + timedelta(days=60))["purchase_authorizations"]["suspended"] == 0
    assert periodic_run(on=CREATED + timedelta(days=61))["purchase_authorizations"]["suspended"] == 2
    assert states() == ["suspended", "suspended"]
    assert OutboxMessage.objects.filter(template="pa_suspended").count() == 2


def test_a_pa_found_late_goes_straight_to_suspended(triad):
    make_pas(triad, 1)
    assert periodic_run(on=CREATED + timedelta(days=90))["purchase_authorizations"] == {
        "overdue": 0,
        "suspended": 1,
    }


def test_running_twice_changes_nothing_and_sends_nothing_the_second_time(triad):
    make_pas(triad, 3)
    on = CREATED + timedelta(days=20)
    periodic_run(on=on)
    emails, events = OutboxMessage.objects.count(), AuditEvent.objects.count()
    assert periodic_run(on=on)["purchase_authorizations"] == {"overdue": 0, "suspended": 0}
    assert (OutboxMessage.objects.count(), AuditEvent.objects.count()) == (emails, events)


def test_ordered_and_cancelled_pas_do_not_move(triad):
    first, second = make_pas(triad, 2)
    PurchaseAuthorization.objects.filter(pk=first.pk).update(state="ordered")
    PurchaseAuthorization.objects.filter(pk=second.pk).update(state="cancelled")
    assert periodic_run(on=CREATED + timedelta(days=100))["purchase_authorizations"] == {
        "overdue": 0,
        "suspended": 0,
    }


def test_the_number_of_statements_does_not_grow_with_the_customers(triad):
    make_pas(triad, 2)
    with CaptureQueriesContext(connection) as few:
        periodic_run(on=CREATED + timedelta(days=30))
    PurchaseAuthorization.objects.update(state="pending")
    OutboxMessage.objects.all().delete()
    make_pas(triad, 20)
    with CaptureQueriesContext(connection) as many:
        periodic_run(on=CREATED + timedelta(days=31))

    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_move_each_pa_once_and_email_once(triad):
    make_pas(triad, 5)
    barrier = threading.Barrier(2)
    results: list[dict] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            with scopes_disabled():
                results.append(periodic_run(on=CREATED + timedelta(days=20))["purchase_authorizations"])
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(r["overdue"] for r in results) == [0, 5]
    assert OutboxMessage.objects.filter(template="pa_overdue").count() == 5
    assert AuditEvent.objects.filter(action="pa.overdue").count() == 5
