"""JOB-2 across processes (README, "Running on more than one machine"): two periodic runs that overlap, each
on its own database connection as two Celery workers would, produce every transition once — PA states,
auto-renewal orders, renewal reminders, licence expiry — with its email and its audit event once, and
neither run fails a step (a deadlock or a unique-key clash would show as a failed step)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
import time_machine
from django_scopes import scopes_disabled

from console.audit.models import AuditEvent
from console.jobs.models import PeriodicRun
from console.outbox.models import OutboxMessage
from console.periodic import periodic_run
from purchase_auth.models import Order, PurchaseAuthorization
from purchase_auth.services import order_acceptance, orders, purchase_authorizations
from purchase_auth.services.common import Line
from renewals import services as renewals
from tests.factories import CustomerFactory, ProductFactory
from tests.parallel import in_parallel

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.unscoped]

BOUGHT = date(2026, 3, 10)
AD = date(2027, 3, 10)
# The emails the job's own transitions send (an auto-renewal order's confirmation comes from its acceptance).
JOB_EMAILS = ["pa_overdue", "pa_suspended", "renewal_reminder", "renewal_digest", "auto_renewal_notice"]
PA_ON = AD - timedelta(days=80)  # a PA requested then is overdue on PA_ON + 15 and suspended on PA_ON + 61


def _buy(triad, product, name: str):
    customer = CustomerFactory(managed_by=triad.member_a, segment="COM", name=name)
    with time_machine.travel(BOUGHT, tick=False):
        order = orders.order_place(
            reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 20)]
        )
        accepted = order_acceptance.order_accept(order_id=order.pk)  # what the Celery task does after commit
    assert accepted is not None and accepted.status == Order.Status.COMPLETE, accepted
    customer.refresh_from_db()
    return customer


def _moved(results: list) -> Counter[str]:
    total: Counter[str] = Counter()
    for result in results:
        assert isinstance(result, dict), f"a run raised {result!r}"
        for step, counts in result.items():
            total.update({f"{step}.{key}": value for key, value in counts.items()})
    return total


def test_two_overlapping_runs_make_each_transition_once(triad):
    product = ProductFactory(code="SUITE-P", name="Design Suite")
    with scopes_disabled():
        renewing = _buy(triad, product, "Renews Automatically")
        lapsing = _buy(triad, product, "Lets It Lapse")
        with time_machine.travel(AD - timedelta(days=40), tick=False):
            renewals.auto_renewal_update(
                reseller=triad.reseller_a,
                actor=triad.member_a.user,
                vip_id=lapsing.vip_id,
                enabled=False,
                quantities={},
            )
        payer = CustomerFactory(managed_by=triad.member_a, name="Pays Late")
        with time_machine.travel(PA_ON, tick=False):
            pa = purchase_authorizations.purchase_authorization_create(
                reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=payer.vip_id, lines=[Line(product, 4)]
            )
    days = [
        PA_ON + timedelta(days=15),
        AD - timedelta(days=30),
        PA_ON + timedelta(days=61),
        AD,
        AD + timedelta(days=31),
    ]
    total: Counter[str] = Counter()
    for day in days:
        assert renewing.anniversary_date == AD
        emails_before = OutboxMessage.objects.filter(template__in=JOB_EMAILS).count()

        def run(on: date = day) -> dict:
            with scopes_disabled():
                return periodic_run(on=on)

        moved = _moved(in_parallel([run, run]))
        total += moved
        with scopes_disabled():
            again = periodic_run(on=day)  # JOB-2: and a third run, after both, moves nothing
        assert not any(count for counts in again.values() for count in counts.values()), again
        emails = OutboxMessage.objects.filter(template__in=JOB_EMAILS).count() - emails_before
        mailed = sum(
            moved[k] for k in moved if k.startswith("renewal_reminders.") or k.startswith("purchase_authorizations.")
        )
        assert emails == mailed, f"{day}: {emails} emails queued for {mailed} transitions that send one: {moved}"

    assert not PeriodicRun.objects.exclude(status=PeriodicRun.Status.SUCCEEDED).exists()
    assert total["purchase_authorizations.overdue"] == 1 and total["purchase_authorizations.suspended"] == 1
    assert total["auto_renewals.placed"] == 1 and total["licence_expiry.lapsed"] == 1
    assert total["renewal_reminders.reminders"] >= 2  # the window opens and the AD passes: once each
    with scopes_disabled():
        assert PurchaseAuthorization.objects.get(pk=pa.pk).state == PurchaseAuthorization.State.SUSPENDED
        assert Order.objects.filter(customer=renewing, auto_renewal=True).count() == 1
        assert not Order.objects.filter(customer=lapsing, auto_renewal=True).exists()
        assert Counter(OutboxMessage.objects.values_list("template", flat=True))["pa_overdue"] == 1
        assert Counter(OutboxMessage.objects.values_list("template", flat=True))["pa_suspended"] == 1
        assert AuditEvent.objects.filter(action="pa.overdue").count() == 1
        assert AuditEvent.objects.filter(action="pa.suspended").count() == 1
        keys = list(OutboxMessage.objects.exclude(dedupe_key=None).values_list("dedupe_key", flat=True))
        assert len(keys) == len(set(keys))
