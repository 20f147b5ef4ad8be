"""Renewals in the API (issue 11, API-1, API-2): the renewal of the current term with its preview, the
renewal preview, the renewal order and the auto-renewal settings — through the console's renewals
selectors and services, with problem-details errors and idempotent POSTs — and the renewal webhook
events (HOOK-2): a renewal order placed (by a key or by the job), renewed, auto-renewal changed,
lapsed and licences expired after a partial renewal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from api.models import WebhookDelivery, WebhookEndpoint
from api.webhooks import webhook_endpoint_create
from console.audit.models import AuditEvent
from console.periodic import periodic_run
from customers.models import Customer
from purchase_auth.models import Order
from purchase_auth.services import orders
from purchase_auth.services.common import Line
from purchase_auth.services.order_acceptance import order_accept
from renewals.models import AutoRenewal
from renewals.services import auto_renewals_place, licences_expire, renewal_order_place
from tests.api.conftest import Keys, api_client
from tests.factories import AutoRenewalFactory, CustomerFactory, ProductFactory
from tests.fixtures import renewals
from tests.fixtures.renewals import AD, BOUGHT

# The renewing customer of the console's renewal tests (tests/renewals/conftest.py), as fixtures here.
customer, product = renewals.customer, renewals.product

READY_DAY = AD - timedelta(days=20)
UPCOMING_DAY = AD - timedelta(days=40)
LEVEL_02 = "108.00"  # ProductFactory's price at level 02 (10–49 licences)


def url(name: str, customer: Customer) -> str:
    return reverse(f"api:{name}", kwargs={"vip_id": customer.vip_id})


def test_the_renewal_shows_state_dates_expiring_licences_and_their_preview(customer, rw):
    with time_machine.travel(READY_DAY, tick=False):
        response = rw.get(url("renewal", customer))
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "ready"
    assert body["anniversary_date"] == "2027-03-10"
    assert body["orders_open_on"] == "2027-02-08"
    assert body["grace_ends_on"] == "2027-04-09"
    assert body["late"] is False and body["can_renew"] is True
    assert body["expiring"] == [{"product": "SUITE-R", "quantity": 20}]
    assert body["preview"]["level"] == "02"
    assert body["preview"]["total"] == "2160.00"


def test_the_preview_prices_the_lines_the_order_would_and_refuses_what_it_would(customer, product, rw):
    with time_machine.travel(UPCOMING_DAY, tick=False):  # previewed before orders open at AD−30
        response = rw.post(
            url("renewal_preview", customer), {"lines": [{"product": "SUITE-R", "quantity": 55}]}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["level"] == "03"
        assert response.json()["lines"][0] == {
            "product": "SUITE-R",
            "quantity": 55,
            "level": "03",
            "unit_price": "96.00",
            "months": 12,
            "line_total": "5280.00",
        }
        assert response.json()["total"] == "5280.00" and response.json()["currency"] == "USD"
        # …but not placed: orders open at AD−30.
        early = rw.post(
            url("renewal_orders", customer), {"lines": [{"product": "SUITE-R", "quantity": 5}]}, format="json"
        )
        assert early.status_code == 422
        assert early["Content-Type"] == "application/problem+json"
        assert "from 30 days before the Anniversary Date" in early.json()["detail"]

    with time_machine.travel(AD + timedelta(days=3), tick=False):  # late: no lines = every expiring licence
        default = rw.post(url("renewal_preview", customer), {}, format="json")
        assert default.status_code == 200 and default.json()["total"] == "2160.00"
        late = rw.post(
            url("renewal_preview", customer), {"lines": [{"product": "SUITE-R", "quantity": 21}]}, format="json"
        )
        assert late.status_code == 422
        assert "at most 20 of Design Suite" in late.json()["detail"]

    with time_machine.travel(AD + timedelta(days=31), tick=False):
        lapsed = rw.post(url("renewal_preview", customer), {}, format="json")
        assert lapsed.status_code == 422 and "grace period" in lapsed.json()["detail"]


def test_a_renewal_order_is_placed_once_per_idempotency_key_and_moves_the_ad(
    triad, keys: Keys, customer, rw, django_capture_on_commit_callbacks
):
    body = {"lines": [{"product": "SUITE-R", "quantity": 25}]}
    with time_machine.travel(READY_DAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        first = rw.post(url("renewal_orders", customer), body, format="json", HTTP_IDEMPOTENCY_KEY="renew-1")
        again = rw.post(url("renewal_orders", customer), body, format="json", HTTP_IDEMPOTENCY_KEY="renew-1")
        other = rw.post(
            url("renewal_orders", customer),
            {"lines": [{"product": "SUITE-R", "quantity": 26}]},
            format="json",
            HTTP_IDEMPOTENCY_KEY="renew-1",
        )
    assert first.status_code == 201, first.json()
    assert again.status_code == 201 and again.json()["number"] == first.json()["number"]
    assert other.status_code == 422
    assert first.json()["kind"] == "renewal"
    assert first.json()["total"] == "2700.00"
    assert first["Location"].endswith(f"/orders/{first.json()['number']}/")
    assert Order.objects.filter(customer=customer, kind=Order.Kind.RENEWAL).count() == 1
    customer.refresh_from_db()
    assert customer.anniversary_date == date(2028, 3, 10)
    placed = AuditEvent.objects.get(action="order.place", object_repr__contains=first.json()["number"])
    assert placed.actor_label == keys.read_write_key.label


def test_bad_renewal_input_is_a_problem_not_a_500(customer, rw):
    with time_machine.travel(READY_DAY, tick=False):
        for body in ({}, {"lines": []}, {"lines": [{"product": "NOPE", "quantity": 1}]}, {"lines": "x"}):
            response = rw.post(url("renewal_orders", customer), body, format="json")
            assert response.status_code == 400, body
            assert response["Content-Type"] == "application/problem+json"
        for body in (
            {},
            {"enabled": "perhaps"},
            {"enabled": True, "lines": [{"product": "SUITE-R", "quantity": -1}]},
        ):
            response = rw.put(url("auto_renewal", customer), body, format="json")
            assert response.status_code == 400, body
    assert not Order.objects.filter(customer=customer, kind=Order.Kind.RENEWAL).exists()


def test_keys_reach_renewals_as_they_reach_other_routes(keys: Keys, customer):
    lines = {"lines": [{"product": "SUITE-R", "quantity": 5}]}
    with time_machine.travel(READY_DAY, tick=False):
        read_only = api_client(keys.read_only)
        assert read_only.get(url("renewal", customer)).status_code == 200
        assert read_only.get(url("auto_renewal", customer)).status_code == 200
        assert read_only.post(url("renewal_orders", customer), lines, format="json").status_code == 403
        assert read_only.put(url("auto_renewal", customer), {"enabled": False}, format="json").status_code == 403
        other = api_client(keys.other)
        assert other.get(url("renewal", customer)).status_code == 404
        assert other.post(url("renewal_preview", customer), lines, format="json").status_code == 404
        for who in ("none", "expired", "revoked"):
            assert api_client(keys.text(who)).get(url("auto_renewal", customer)).status_code == 401


def test_auto_renewal_settings_are_read_and_changed_through_the_console_service(triad, keys: Keys, customer, rw):
    with time_machine.travel(READY_DAY, tick=False):
        shown = rw.get(url("auto_renewal", customer)).json()
        assert shown["enabled"] is True and shown["editable"] is True
        assert shown["editable_until"] == "2027-03-07"
        assert shown["lines"] == [{"product": "SUITE-R", "quantity": 20}]
        assert shown["preview"]["total"] == "2160.00"

        changed = rw.put(
            url("auto_renewal", customer),
            {"enabled": True, "lines": [{"product": "SUITE-R", "quantity": 12}]},
            format="json",
        )
        assert changed.status_code == 200, changed.json()
        assert changed.json()["lines"] == [{"product": "SUITE-R", "quantity": 12}]
        assert changed.json()["preview"]["total"] == "1296.00"

        off = rw.put(url("auto_renewal", customer), {"enabled": False}, format="json")
        assert off.json()["enabled"] is False and off.json()["preview"] is None
        assert off.json()["lines"] == [{"product": "SUITE-R", "quantity": 12}]  # kept for when it is on again

        stranger = ProductFactory(code="NOT-OWNED")
        refused = rw.put(
            url("auto_renewal", customer),
            {"enabled": True, "lines": [{"product": stranger.code, "quantity": 3}]},
            format="json",
        )
        assert refused.status_code == 400
        assert "NOT-OWNED is not one of this customer's licences." in str(refused.json()["errors"])

    setting = AutoRenewal.objects.get(customer=customer)
    assert setting.enabled is False
    events = AuditEvent.objects.filter(action="customer.auto_renewal", object_id=str(customer.pk))
    assert events.count() == 2 and {e.actor_label for e in events} == {keys.read_write_key.label}

    with time_machine.travel(AD - timedelta(days=2), tick=False):
        late = rw.put(url("auto_renewal", customer), {"enabled": True}, format="json")
    assert late.status_code == 422 and "can be changed until" in late.json()["detail"]


RENEWAL_EVENTS = [
    "renewal.order_placed",
    "renewal.renewed",
    "renewal.auto_renewal_changed",
    "renewal.lapsed",
    "renewal.licences_expired",
]


@pytest.fixture
def endpoint(triad):
    endpoint, _secret = webhook_endpoint_create(
        reseller=triad.reseller_a,
        actor=triad.admin_a.user,
        url="http://127.0.0.1:9/hooks",
        events=[*RENEWAL_EVENTS, "order.completed"],
    )
    return endpoint


def _events(endpoint) -> list[tuple[str, dict]]:
    return [(d.event_type, d.payload["data"]) for d in WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk")]


def test_renewal_orders_and_auto_renewal_changes_are_webhook_events(
    triad, customer, rw, endpoint, django_capture_on_commit_callbacks
):
    with time_machine.travel(READY_DAY, tick=False):
        rw.put(url("auto_renewal", customer), {"enabled": False}, format="json")
        with django_capture_on_commit_callbacks(execute=False):  # the order stays open: events only
            number = rw.post(
                url("renewal_orders", customer), {"lines": [{"product": "SUITE-R", "quantity": 10}]}, format="json"
            ).json()["number"]
    events = _events(endpoint)
    assert [event_type for event_type, _data in events] == ["renewal.auto_renewal_changed", "renewal.order_placed"]
    assert events[0][1]["customer"]["vip_id"] == customer.vip_id
    assert events[0][1]["changes"]["auto_renewal"] == [None, "off"]
    assert events[1][1]["order"]["number"] == number

    with time_machine.travel(READY_DAY, tick=False):
        order_accept(order_id=Order.objects.get(number=number).pk)
    assert [event_type for event_type, _data in _events(endpoint)][2:] == ["order.completed", "renewal.renewed"]


def test_the_jobs_renewal_transitions_are_webhook_events(triad, product, endpoint, django_capture_on_commit_callbacks):
    def bought(name: str, quantity: int) -> Customer:
        customer = CustomerFactory(managed_by=triad.member_a, segment="COM", name=name)
        with time_machine.travel(BOUGHT, tick=False), django_capture_on_commit_callbacks(execute=True):
            orders.order_place(
                reseller=triad.reseller_a,
                actor=triad.member_a.user,
                vip_id=customer.vip_id,
                lines=[Line(product, quantity)],
            )
        return customer

    auto, lapsing, partial = bought("Auto Co", 15), bought("Lapsing Co", 12), bought("Partial Co", 20)
    AutoRenewalFactory(customer=lapsing, updated_by=triad.admin_a.user)
    AutoRenewalFactory(customer=partial, updated_by=triad.admin_a.user)
    with time_machine.travel(READY_DAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        renewal_order_place(
            reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=partial.vip_id, lines=[Line(product, 5)]
        )
    # Setting up sent events to the endpoint (nobody listens there) across a year: it was turned off.
    WebhookDelivery.objects.all().delete()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=True, failing_since=None, disabled_at=None)

    with django_capture_on_commit_callbacks(execute=False):
        assert auto_renewals_place(on=AD)["placed"] == 1
    placed = _events(endpoint)
    assert [event_type for event_type, _data in placed] == ["renewal.order_placed"]
    assert placed[0][1]["order"]["customer"] == auto.vip_id

    with time_machine.travel(AD, tick=False):  # the worker accepts the auto-renewal order
        order_accept(order_id=Order.objects.get(customer=auto, auto_renewal=True).pk)
    WebhookDelivery.objects.all().delete()
    assert licences_expire(on=AD + timedelta(days=31)) == {"partial": 1, "lapsed": 1}
    expired = {data["customer"]["vip_id"]: event_type for event_type, data in _events(endpoint)}
    assert expired == {lapsing.vip_id: "renewal.lapsed", partial.vip_id: "renewal.licences_expired"}


def test_entering_upcoming_and_ready_is_one_webhook_event_each_once_a_term(
    triad, customer, django_capture_on_commit_callbacks
):
    """HOOK-2: the daily job sends renewal.upcoming when the customer enters the notice window (AD−45)
    and renewal.ready when it can be renewed (AD−30) — once each, however often the job runs."""
    subscribed, _secret = webhook_endpoint_create(
        reseller=triad.reseller_a,
        actor=triad.admin_a.user,
        url="http://127.0.0.1:9/hooks",
        events=["renewal.upcoming", "renewal.ready"],
    )

    def run(days_before: int) -> list[tuple[str, dict]]:
        day = AD - timedelta(days=days_before)
        with time_machine.travel(day, tick=False), django_capture_on_commit_callbacks(execute=False):
            periodic_run(on=day)
        return _events(subscribed)

    assert run(46) == []
    (upcoming,) = run(45)
    assert upcoming[0] == "renewal.upcoming"
    assert upcoming[1]["customer"]["vip_id"] == customer.vip_id
    assert upcoming[1]["changes"] == {"anniversary_date": [None, "2027-03-10"]}
    assert run(45) == [upcoming]  # the same day again
    assert run(44) == [upcoming]  # the next day
    assert run(31) == [upcoming]
    events = run(30)
    assert [event_type for event_type, _data in events] == ["renewal.upcoming", "renewal.ready"]
    assert events[1][1]["customer"]["vip_id"] == customer.vip_id
    assert run(30) == events
    assert run(29) == events
    delivery = WebhookDelivery.objects.get(endpoint=subscribed, event_type="renewal.ready")
    assert delivery.payload["type"] == "renewal.ready"
