"""PA-1…PA-5, ORD-1…ORD-4, ORD-8: purchase authorizations, orders and licences through the services,
with the clock moved by time-machine."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django_scopes import scope

from console.audit.models import AuditEvent
from console.outbox.models import OutboxMessage
from customers.models import Customer
from purchase_auth.models import LicencePool, Order, PurchaseAuthorization
from purchase_auth.services import common, order_acceptance, orders, purchase_authorizations
from purchase_auth.services.common import Line
from tests.factories import CustomerFactory, ProductFactory
from tests.purchase_auth.conftest import TODAY


def create_pa(triad, customer, product, quantity=5) -> PurchaseAuthorization:
    return purchase_authorizations.purchase_authorization_create(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, quantity)]
    )


def pool(customer, product) -> LicencePool:
    return LicencePool.objects.get(customer=customer, product=product)


def test_a_purchase_authorization_gives_immediate_access_and_sets_the_anniversary(
    triad, customer, product, frozen, django_capture_on_commit_callbacks, member_client
):
    with django_capture_on_commit_callbacks(execute=True):
        pa = create_pa(triad, customer, product, 5)
    assert pa.number.startswith("PA") and len(pa.number) == 20
    assert pa.due_date == TODAY + timedelta(days=14) and pa.state == "pending"
    assert (pool(customer, product).pending, pool(customer, product).fulfilled) == (5, 0)
    customer.refresh_from_db()
    assert customer.anniversary_date == date(2027, 3, 10) and customer.anniversary_source == "pa"
    assert customer.has_products and customer.open_pa_max_due == pa.due_date
    message = OutboxMessage.objects.get(template="pa_requested")
    assert message.to_email == triad.member_a.user.email
    assert "24 Mar 2026" in message.body_text
    listed = member_client.get(reverse("customers:list"), {"filter": "pending"}).content.decode()
    assert customer.name in listed  # JOB-4: under Pending Requests at once, no job run
    assert AuditEvent.objects.filter(action="pa.create", object_id=str(pa.pk)).exists()


def test_no_new_purchase_authorization_while_one_is_past_due(triad, customer, product, frozen):
    create_pa(triad, customer, product)
    frozen.move_to(TODAY + timedelta(days=15))
    with pytest.raises(common.PurchaseError, match="past-due"):
        create_pa(triad, customer, product)
    frozen.move_to(TODAY + timedelta(days=14))
    create_pa(triad, customer, product)  # still within the due date: fine


@pytest.mark.parametrize(
    ("kwargs", "quantity", "message"),
    [
        ({"is_consumable": True}, 1, "Consumables"),
        ({"segments": ["EDU"]}, 1, "not sold in the Commercial segment"),
        ({"is_active": False}, 1, "not sold any more"),
        ({}, 0, "Order 1 to"),
        ({}, 10_001, "Order 1 to 10,000"),
        ({"offering_type": "ENTERPRISE"}, 200_001, "Order 1 to 200,000"),
    ],
)
def test_purchase_authorizations_refuse_what_the_catalogue_forbids(triad, customer, kwargs, quantity, message):
    product = ProductFactory(**kwargs)
    with pytest.raises(common.PurchaseError, match=message):
        create_pa(triad, customer, product, quantity)
    assert not PurchaseAuthorization.objects.exists() and not LicencePool.objects.filter(pending__gt=0).exists()


def test_team_and_enterprise_products_can_be_bought_on_one_vip(triad, customer):
    team, enterprise = ProductFactory(offering_type="TEAM"), ProductFactory(offering_type="ENTERPRISE")
    pa = purchase_authorizations.purchase_authorization_create(
        reseller=triad.reseller_a,
        actor=triad.member_a.user,
        vip_id=customer.vip_id,
        lines=[Line(team, 2), Line(enterprise, 3)],
    )
    assert pa.lines.count() == 2


def test_cancel_removes_the_pending_licences(triad, customer, product, frozen):
    pa = create_pa(triad, customer, product, 5)
    purchase_authorizations.purchase_authorization_cancel(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, number=pa.number
    )
    pa.refresh_from_db()
    assert pa.state == "cancelled" and pool(customer, product).pending == 0
    customer.refresh_from_db()
    assert customer.open_pa_max_due is None and customer.has_products  # it had a PA, so it stays removable-proof


def test_cancel_is_refused_once_licences_are_assigned(triad, customer, product):
    pa = create_pa(triad, customer, product, 5)
    LicencePool.objects.filter(customer=customer, product=product).update(assigned=1)
    with pytest.raises(common.PurchaseError, match="assigned"):
        purchase_authorizations.purchase_authorization_cancel(
            reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, number=pa.number
        )
    pa.refresh_from_db()
    assert pa.state == "pending" and pool(customer, product).pending == 5


def test_a_customer_with_a_purchase_authorization_cannot_be_removed(triad, customer, product):
    from customers import services as customer_services

    create_pa(triad, customer, product)
    with pytest.raises(customer_services.CustomerError):
        customer_services.customer_remove(reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id)


def test_an_order_from_the_pa_is_accepted_fulfils_the_licences_and_emails_the_customer(
    triad, customer, product, frozen, django_capture_on_commit_callbacks
):
    pa = create_pa(triad, customer, product, 12)
    frozen.move_to(TODAY + timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        order = orders.order_place(
            reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, pa_number=pa.number
        )
    order.refresh_from_db()
    assert order.status == "complete" and order.accepted_at
    line = order.lines.get()
    # The AD was set by the PA (2027-03-10); 13 March → 10 March next year is 12 whole months.
    assert (line.quantity, line.months, line.level) == (12, 12, "02")
    assert line.line_total == Decimal("1296.00") and order.total == Decimal("1296.00")
    pa.refresh_from_db()
    assert pa.state == "ordered"
    assert (pool(customer, product).fulfilled, pool(customer, product).pending) == (12, 0)
    customer.refresh_from_db()
    assert customer.vip_select_level == "02" and customer.anniversary_date == date(2027, 3, 10)
    assert customer.open_pa_max_due is None
    templates = set(OutboxMessage.objects.values_list("template", flat=True))
    assert {"pa_requested", "order_confirmation", "vip_select_welcome"} <= templates


def test_a_mid_term_order_is_prorated_to_the_anniversary(
    triad, customer, product, frozen, django_capture_on_commit_callbacks
):
    Customer.objects.filter(pk=customer.pk).update(anniversary_date=date(2026, 7, 15), has_products=True)
    with django_capture_on_commit_callbacks(execute=True):
        order = orders.order_place(
            reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 3)]
        )
    line = order.lines.get()
    assert (line.months, line.unit_price, line.line_total) == (5, Decimal("120.00"), Decimal("150.00"))


def test_a_first_order_without_pa_sets_the_anniversary_when_accepted(
    triad, customer, product, frozen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_place(
            reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 1)]
        )
    customer.refresh_from_db()
    assert customer.anniversary_date == date(2027, 3, 10) and customer.anniversary_source == "order"


def test_a_failed_acceptance_leaves_a_failed_order_and_nothing_else(
    triad, customer, product, django_capture_on_commit_callbacks
):
    pa = create_pa(triad, customer, product, 4)
    order = orders.order_place(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, pa_number=pa.number
    )
    product.is_active = False
    product.save()
    order_acceptance.order_accept(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == "failed" and "not sold" in order.failure_reason
    assert (pool(customer, product).fulfilled, pool(customer, product).pending) == (0, 4)
    pa.refresh_from_db()
    assert pa.state == "pending"
    assert not OutboxMessage.objects.filter(template="order_confirmation").exists()


def test_accepting_twice_changes_nothing_the_second_time(triad, customer, product):
    order = orders.order_place(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 2)]
    )
    order_acceptance.order_accept(order_id=order.pk)
    order_acceptance.order_accept(order_id=order.pk)
    assert pool(customer, product).fulfilled == 2
    assert OutboxMessage.objects.filter(template="order_confirmation").count() == 1


def test_the_level_never_drops_mid_term(triad, customer, product):
    Customer.objects.filter(pk=customer.pk).update(vip_select_level="03")
    order = orders.order_place(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 1)]
    )
    assert order.lines.get().level == "03"
    order_acceptance.order_accept(order_id=order.pk)
    customer.refresh_from_db()
    assert customer.vip_select_level == "03"


def _race(triad, actions) -> list[str]:
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []

    def run(action) -> None:
        try:
            barrier.wait(timeout=10)
            with scope(reseller=triad.reseller_a.pk):  # as a request would run it
                action()
            outcomes.append("ok")
        except common.PurchaseError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_cancels_one_wins(triad):
    customer, product = CustomerFactory(managed_by=triad.member_a), ProductFactory()
    pa = create_pa(triad, customer, product, 3)

    def cancel():
        purchase_authorizations.purchase_authorization_cancel(
            reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, number=pa.number
        )

    outcomes = _race(triad, [cancel, cancel])
    assert sorted(outcomes)[0].startswith("Purchase authorization") and outcomes.count("ok") == 1
    assert pool(customer, product).pending == 0


@pytest.mark.django_db(transaction=True)
def test_two_orders_from_the_same_pa_one_wins(triad, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    customer, product = CustomerFactory(managed_by=triad.member_a), ProductFactory()
    pa = create_pa(triad, customer, product, 3)

    def order():
        orders.order_place(
            reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, pa_number=pa.number
        )

    outcomes = _race(triad, [order, order])
    assert outcomes.count("ok") == 1 and Order.objects.count() == 1
    assert "placed already" in next(o for o in outcomes if o != "ok") or "not pending" in next(
        o for o in outcomes if o != "ok"
    )


@pytest.mark.django_db(transaction=True)
def test_an_order_racing_a_cancel_one_wins(triad):
    customer, product = CustomerFactory(managed_by=triad.member_a), ProductFactory()
    pa = create_pa(triad, customer, product, 3)

    def order():
        orders.order_place(
            reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, pa_number=pa.number
        )

    def cancel():
        purchase_authorizations.purchase_authorization_cancel(
            reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, number=pa.number
        )

    outcomes = _race(triad, [order, cancel])
    assert outcomes.count("ok") == 1
    pa.refresh_from_db()
    assert (pa.state == "cancelled") == (not Order.objects.exists())
