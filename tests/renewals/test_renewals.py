"""REN-2…REN-4, REN-7, REN-9, REN-12 through the services and the periodic job, with the clock moved by
time-machine: renewal orders early and late, the AD moving once per term, grace and expiry, lapse,
auto-renewal exactly once."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from console.audit.models import AuditEvent
from console.periodic import periodic_run
from customers.models import Customer
from customers.rules import RenewalState, renewal_state_for
from purchase_auth.models import LicencePool, Order
from purchase_auth.services import order_acceptance, orders
from purchase_auth.services.common import Line, PurchaseError
from renewals import selectors, services
from tests.factories import CustomerFactory, ProductFactory
from tests.fixtures.renewals import AD


def renew(triad, customer, *lines, capture) -> Order:
    with capture(execute=True):
        order = services.renewal_order_place(
            reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=list(lines)
        )
    order.refresh_from_db()
    customer.refresh_from_db()
    return order


def pool(customer, product) -> LicencePool:
    return LicencePool.objects.get(customer=customer, product=product)


def test_an_early_renewal_moves_the_ad_once_and_leaves_the_rest_in_grace(
    triad, customer, product, django_capture_on_commit_callbacks
):
    with time_machine.travel(AD - timedelta(days=20), tick=False):
        order = renew(triad, customer, Line(product, 12), capture=django_capture_on_commit_callbacks)
        assert order.kind == Order.Kind.RENEWAL and order.status == Order.Status.COMPLETE
        assert order.renews_ad == AD and order.lines.get().months == 12  # REN-2: a full 12-month term
        assert customer.anniversary_date == AD + relativedelta(months=12) and customer.renewed_ad == AD
        assert (pool(customer, product).fulfilled, pool(customer, product).grace) == (12, 8)
        assert renewal_state_for(customer, AD - timedelta(days=20)) == RenewalState.PARTIAL
        # REN-3: a second renewal order in the same window adds licences; the AD does not move again.
        renew(triad, customer, Line(product, 8), capture=django_capture_on_commit_callbacks)
        assert customer.anniversary_date == AD + relativedelta(months=12)
        assert (pool(customer, product).fulfilled, pool(customer, product).grace) == (20, 0)
        assert customer.renewal_shortfall == 0
        assert renewal_state_for(customer, AD - timedelta(days=20)) == RenewalState.RENEWED


def test_a_renewal_is_priced_at_the_level_its_quantity_reaches(triad, customer, product):
    with time_machine.travel(AD - timedelta(days=5), tick=False):
        quote = selectors.renewal_quote(customer, [Line(product, 60)])
        assert quote.level == "03" and quote.lines[0].unit_price == Decimal("96.00")
        assert quote.total == Decimal("5760.00")  # 60 × 96.00 for 12 months
        assert selectors.renewal_quote(customer, [Line(product, 5)]).level == "01"  # it may go down


def test_renewal_orders_open_at_ad_minus_30(triad, customer, product, django_capture_on_commit_callbacks):
    with time_machine.travel(AD - timedelta(days=31), tick=False), pytest.raises(PurchaseError, match="30 days"):
        renew(triad, customer, Line(product, 20), capture=django_capture_on_commit_callbacks)
    with time_machine.travel(AD - timedelta(days=30), tick=False):
        assert renew(triad, customer, Line(product, 20), capture=django_capture_on_commit_callbacks).pk


def test_a_late_renewal_renews_only_what_expires(triad, customer, product, django_capture_on_commit_callbacks):
    other = ProductFactory(name="Photo Studio")
    with time_machine.travel(AD + timedelta(days=3), tick=False):
        with pytest.raises(PurchaseError, match="at most 0 of Photo Studio"):
            renew(triad, customer, Line(other, 1), capture=django_capture_on_commit_callbacks)
        with pytest.raises(PurchaseError, match="at most 20 of Design Suite"):
            renew(triad, customer, Line(product, 21), capture=django_capture_on_commit_callbacks)
        renew(triad, customer, Line(product, 20), capture=django_capture_on_commit_callbacks)
        assert customer.anniversary_date == AD + relativedelta(months=12)


def test_after_the_grace_the_customer_is_lapsed_and_needs_a_new_order(
    triad, customer, product, django_capture_on_commit_callbacks
):
    LicencePool.objects.filter(customer=customer).update(assigned=15)
    day = AD + timedelta(days=31)
    with time_machine.travel(day, tick=False):
        with pytest.raises(PurchaseError, match="grace period"):
            renew(triad, customer, Line(product, 20), capture=django_capture_on_commit_callbacks)
        assert periodic_run(on=day)["licence_expiry"] == {"partial": 0, "lapsed": 1}
        assert periodic_run(on=day)["licence_expiry"] == {"partial": 0, "lapsed": 0}  # JOB-2
        expired = pool(customer, product)
        assert (expired.fulfilled, expired.expired, expired.assigned, expired.available) == (0, 20, 0, 0)
        customer.refresh_from_db()
        assert renewal_state_for(customer, day) == RenewalState.LAPSED
        with django_capture_on_commit_callbacks(execute=True):
            orders.order_place(
                reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 5)]
            )
        customer.refresh_from_db()
        assert customer.anniversary_date == day + relativedelta(months=12)  # a new term (REN-7)
        assert pool(customer, product).fulfilled == 5


def test_in_grace_only_a_renewal_order_is_possible(triad, customer, product):
    with time_machine.travel(AD + timedelta(days=1), tick=False), pytest.raises(PurchaseError, match="renewal order"):
        orders.order_place(
            reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 5)]
        )


def test_licences_left_in_grace_expire_when_it_ends(triad, customer, product, django_capture_on_commit_callbacks):
    with time_machine.travel(AD - timedelta(days=2), tick=False):
        renew(triad, customer, Line(product, 12), capture=django_capture_on_commit_callbacks)
    LicencePool.objects.filter(customer=customer).update(assigned=18)
    assert periodic_run(on=AD + timedelta(days=30))["licence_expiry"]["partial"] == 0
    assert periodic_run(on=AD + timedelta(days=31))["licence_expiry"]["partial"] == 1
    after = pool(customer, product)
    assert (after.fulfilled, after.grace, after.expired, after.assigned) == (12, 0, 8, 12)


def test_returning_a_renewal_does_not_move_the_ad_back(triad, customer, product, django_capture_on_commit_callbacks):
    with time_machine.travel(AD - timedelta(days=10), tick=False):
        order = renew(triad, customer, Line(product, 20), capture=django_capture_on_commit_callbacks)
        orders.order_return(
            reseller=triad.reseller_a,
            actor=triad.member_a.user,
            vip_id=customer.vip_id,
            order_number=order.number,
            quantities={order.lines.get().pk: 5},
        )
    customer.refresh_from_db()
    assert customer.anniversary_date == AD + relativedelta(months=12)  # REN-12
    assert pool(customer, product).fulfilled == 15


def test_the_job_auto_renews_on_the_ad_once(triad, customer, product, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert periodic_run(on=AD - timedelta(days=1))["auto_renewals"]["placed"] == 0
        assert periodic_run(on=AD)["auto_renewals"]["placed"] == 1
    assert periodic_run(on=AD)["auto_renewals"]["placed"] == 0  # JOB-2
    order = Order.objects.get(auto_renewal=True)
    assert order.kind == Order.Kind.RENEWAL and order.status == Order.Status.COMPLETE
    assert order.lines.get().quantity == 20
    customer.refresh_from_db()
    assert customer.anniversary_date == AD + relativedelta(months=12)


def test_auto_renewal_switched_off_leaves_the_customer_to_lapse(triad, customer, product):
    with time_machine.travel(AD - timedelta(days=3), tick=False):  # REN-9: until AD−3 (policy)
        services.auto_renewal_update(
            reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, enabled=False, quantities={}
        )
    with time_machine.travel(AD - timedelta(days=2), tick=False), pytest.raises(PurchaseError, match="changed until"):
        services.auto_renewal_update(
            reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, enabled=True, quantities={}
        )
    assert periodic_run(on=AD)["auto_renewals"]["placed"] == 0
    assert not Order.objects.filter(auto_renewal=True).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.unscoped
def test_overlapping_job_runs_place_one_auto_renewal_order(triad, customer, product):
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with scopes_disabled():
                barrier.wait()
                periodic_run(on=AD)
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with scopes_disabled():
        assert Order.objects.filter(customer=customer, auto_renewal=True).count() == 1
        assert Customer.objects.get(pk=customer.pk).anniversary_date == AD + relativedelta(months=12)


def test_the_orders_tab_lists_a_renewal(triad, customer, product, django_capture_on_commit_callbacks):
    with time_machine.travel(AD - timedelta(days=10), tick=False):
        order = renew(triad, customer, Line(product, 20), capture=django_capture_on_commit_callbacks)
        client = triad.client_for(triad.member_a)
        page = client.get(reverse("customers:detail", args=[customer.vip_id]), {"tab": "orders"})
    assert order.number in page.content.decode() and "Renewal" in page.content.decode()


def test_acceptance_of_an_unknown_kind_of_order_fails_cleanly(triad, customer, product):
    order = Order.objects.filter(customer=customer).first()
    Order.objects.filter(pk=order.pk).update(status=Order.Status.OPEN, kind="other")
    accepted = order_acceptance.order_accept(order_id=order.pk)
    assert accepted is not None and accepted.status == Order.Status.FAILED


def _auto_renewal_statements(triad, product, count: int, django_capture_on_commit_callbacks) -> int:
    ad = date(2027, 6, 1)
    for _ in range(count):
        customer = CustomerFactory(managed_by=triad.member_a, segment="COM", anniversary_date=ad, has_products=True)
        LicencePool.objects.create(customer=customer, product=product, fulfilled=5)
    with CaptureQueriesContext(connection) as queries:
        placed = services.auto_renewals_place(on=ad)["placed"]
    assert placed == count
    return len(queries)


def test_auto_renewal_orders_take_the_same_statements_for_3_or_12_customers(
    triad, product, django_capture_on_commit_callbacks
):
    """JOB-3: the step is set-based; the orders' acceptance runs afterwards in Celery tasks."""
    few = _auto_renewal_statements(triad, product, 3, django_capture_on_commit_callbacks)
    many = _auto_renewal_statements(triad, product, 12, django_capture_on_commit_callbacks)
    assert many == few


def test_auto_renewal_orders_get_their_own_lines_and_audit_entries(triad, product):
    """The job inserts orders and lines in one statement each (console.bulk): every order its customer's
    lines, every audit entry its order."""
    ad = date(2027, 6, 1)
    customers = []
    for quantity in (3, 7, 11):
        customer = CustomerFactory(managed_by=triad.member_a, segment="COM", anniversary_date=ad, has_products=True)
        LicencePool.objects.create(customer=customer, product=product, fulfilled=quantity)
        customers.append((customer, quantity))
    assert services.auto_renewals_place(on=ad)["placed"] == 3
    with scopes_disabled():
        for customer, quantity in customers:
            order = Order.objects.get(customer=customer, auto_renewal=True)
            assert [line.quantity for line in order.lines.all()] == [quantity]
            assert order.created_by_id == triad.member_a.user_id and order.created_on == ad
            assert order.total == sum(line.line_total for line in order.lines.all()) > 0
            event = AuditEvent.objects.get(action="order.place", object_id=str(order.pk))
            assert event.object_repr == order.number and event.reseller_id == order.reseller_id
