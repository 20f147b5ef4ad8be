"""HOOK-1…HOOK-6 against a real local HTTP receiver that verifies every request with the
`standardwebhooks` verifier, as a reseller's receiver written from the README would."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook

from api import webhooks
from api.models import WebhookDelivery, WebhookEndpoint
from api.tasks import webhook_flush
from api.webhooks import url_refusal, webhook_endpoint_create, webhook_redeliver, webhook_test_send
from console.outbox.models import OutboxMessage
from tests.api.conftest import Keys
from tests.api.test_permissions import INVITE
from tests.factories import CustomerFactory


def readme_verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The check exactly as the README describes it, without the standardwebhooks package."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    fresh = abs(time.time() - int(headers["webhook-timestamp"])) <= 300
    return fresh and any(
        hmac.compare_digest(expected, candidate.removeprefix("v1,"))
        for candidate in headers["webhook-signature"].split()
        if candidate.startswith("v1,")
    )


class Receiver:
    """A webhook receiver on 127.0.0.1: verifies signatures, records events, can be down or slow."""

    def __init__(self) -> None:
        self.secret = ""
        self.events: list[dict] = []
        self.hosts: list[str] = []
        self.rejected = 0
        self.delay = 0.0
        self.status = 204
        self.server: ThreadingHTTPServer | None = None
        self.port = 0

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                headers = {key.lower(): value for key, value in self.headers.items()}
                try:
                    event = Webhook(receiver.secret).verify(body, headers)
                    if not readme_verify(receiver.secret, headers, body):
                        raise ValueError("the README's recipe disagrees")
                except Exception:  # noqa: BLE001
                    receiver.rejected += 1
                    self.send_response(400)
                else:
                    receiver.events.append({"id": self.headers["webhook-id"], **event})
                    receiver.hosts.append(self.headers["Host"])
                    self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.start()
    yield receiver
    if receiver.server is not None:
        receiver.stop()


@pytest.fixture
def endpoint(triad, receiver: Receiver) -> WebhookEndpoint:
    endpoint, receiver.secret = webhook_endpoint_create(
        reseller=triad.reseller_a,
        actor=triad.admin_a.user,
        url=receiver.url,
        events=["customer.invited", "customer.removed", "purchase_authorization.overdue"],
    )
    return endpoint


def test_an_api_change_is_delivered_signed_after_commit(
    triad, keys: Keys, rw, endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = rw.post(reverse("api:customers"), INVITE, format="json")
        assert WebhookDelivery.objects.filter(endpoint=endpoint, event_type="customer.invited").count() == 1
        assert receiver.events == []  # nothing leaves before the transaction commits
    assert callbacks
    assert [event["type"] for event in receiver.events] == ["customer.invited"]
    assert receiver.events[0]["data"]["customer"]["vip_id"] == response.json()["vip_id"]
    assert receiver.rejected == 0
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 1, 204)
    assert delivery.latency_ms is not None


def test_a_wrong_secret_fails_verification(triad, endpoint, receiver, django_capture_on_commit_callbacks):
    receiver.secret = "whsec_" + "A" * 32
    with django_capture_on_commit_callbacks(execute=True):
        webhook_test_send(reseller=triad.reseller_a, endpoint_id=endpoint.pk)
    assert receiver.rejected == 1 and receiver.events == []
    assert WebhookDelivery.objects.get(endpoint=endpoint).response_code == 400


def test_unsubscribed_events_and_other_resellers_are_not_sent(triad, endpoint, receiver, rw):
    CustomerFactory(managed_by=triad.member_a)
    pa_url = reverse(
        "api:purchase_authorizations", kwargs={"vip_id": CustomerFactory(managed_by=triad.member_a).vip_id}
    )
    rw.post(pa_url, {"lines": []}, format="json")
    from tests.factories import MembershipFactory

    other = MembershipFactory(reseller=triad.reseller_b)
    from customers.services import customer_remove

    customer_b = CustomerFactory(managed_by=other)
    from django_scopes import scopes_disabled

    with scopes_disabled():
        customer_remove(reseller=triad.reseller_b, actor=other.user, vip_id=customer_b.vip_id)
    assert not WebhookDelivery.objects.exists()


def test_a_receiver_outage_loses_nothing_and_delivers_once_back(
    triad, rw, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.stop()
    with django_capture_on_commit_callbacks(execute=True):
        rw.post(reverse("api:customers"), INVITE, format="json")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, None)
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()
    assert delivery.next_attempt_at > timezone.now()
    webhook_flush()  # not due yet: nothing happens
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempts == 1
    receiver.start()  # back on the same port
    with time_machine.travel(timezone.now() + timedelta(seconds=6)):
        webhook_flush()
        webhook_flush()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert [event["type"] for event in receiver.events] == ["customer.invited"]


@override_settings(WEBHOOK_TIMEOUT_SECONDS=0.5)
def test_a_slow_receiver_times_out_and_is_retried(triad, endpoint, receiver, django_capture_on_commit_callbacks):
    receiver.delay = 2
    with django_capture_on_commit_callbacks(execute=True):
        webhook_test_send(reseller=triad.reseller_a, endpoint_id=endpoint.pk)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == "pending" and "timed out" in delivery.last_error.lower()
    assert delivery.latency_ms < 1500


def test_an_endpoint_failing_for_24_hours_is_turned_off_and_admins_are_emailed(
    triad, rw, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        rw.post(reverse("api:customers"), INVITE, format="json")
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since is not None
    for hours in (1, 3, 6, 12, 25):
        with time_machine.travel(timezone.now() + timedelta(hours=hours)):
            webhook_flush()
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    mails = OutboxMessage.objects.filter(template="webhook_disabled")
    assert {m.to_email for m in mails} == {triad.primary_a.user.email, triad.admin_a.user.email}
    assert len(receiver.events) >= 2  # it was tried again and again before


def test_the_job_emits_its_transitions_set_based(triad, endpoint, receiver, django_assert_max_num_queries):
    """HOOK-6: the periodic step's PAs become events with one INSERT, not one per PA."""
    from purchase_auth.services.purchase_authorizations import purchase_authorizations_refresh
    from tests.factories import PurchaseAuthorizationFactory

    today = timezone.localdate()
    for _ in range(5):
        PurchaseAuthorizationFactory(customer__managed_by=triad.member_a, created_on=today - timedelta(days=20))
    with django_assert_max_num_queries(12):
        purchase_authorizations_refresh(on=today)
    assert WebhookDelivery.objects.filter(event_type="purchase_authorization.overdue").count() == 5


def test_redeliver_sends_the_same_event_again(triad, endpoint, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = webhook_test_send(reseller=triad.reseller_a, endpoint_id=endpoint.pk)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_redeliver(reseller=triad.reseller_a, delivery_id=first.pk)
    assert [event["id"] for event in receiver.events] == [first.event_id, first.event_id]


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://user:pass@8.8.8.8/hook",
        "https://0.0.0.0/hook",
    ],
)
def test_ssrf_guard_refuses_private_addresses(url):
    assert url_refusal(url)


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False)
def test_a_public_address_is_allowed_and_a_private_one_is_refused_at_delivery(
    triad, endpoint, receiver, django_capture_on_commit_callbacks
):
    assert url_refusal("https://8.8.8.8/hook") is None
    with django_capture_on_commit_callbacks(execute=True):
        webhook_test_send(reseller=triad.reseller_a, endpoint_id=endpoint.pk)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == "failed" and receiver.events == []


def test_the_secret_is_stored_encrypted_and_shown_once(triad, admin_client_a, receiver):
    response = admin_client_a.post(
        reverse("webhooks:list"), {"url": receiver.url, "events": ["customer.invited"], "description": "CRM"}
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    secret = re.search(r'value="(whsec_[^"]+)"', response.content.decode()).group(1)
    assert secret.startswith("whsec_") and secret not in endpoint.secret_encrypted
    page = admin_client_a.get(reverse("webhooks:detail", kwargs={"pk": endpoint.pk}))
    assert secret.encode() not in page.content


def test_the_console_shows_the_delivery_log_and_its_actions(
    triad, admin_client_a, endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_a.post(reverse("webhooks:test", kwargs={"pk": endpoint.pk}))
    response = admin_client_a.get(reverse("webhooks:detail", kwargs={"pk": endpoint.pk}))
    assert b"webhook.test" in response.content and b"204" in response.content
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_a.post(reverse("webhooks:redeliver", kwargs={"pk": endpoint.pk, "delivery": delivery.pk}))
    assert len(receiver.events) == 2
    admin_client_a.post(reverse("webhooks:toggle", kwargs={"pk": endpoint.pk}), {"active": "0"})
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    payload = json.dumps(receiver.events[0])
    assert "webhook.test" in payload


class Resolver:
    """A stub for socket.getaddrinfo: the first lookup answers `first`, every later one `then` — a
    name whose DNS answer changes between the check and the connection (DNS rebinding)."""

    def __init__(self, first: list[str], then: list[str]) -> None:
        self.first, self.then = first, then
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        self.lookups.append(host)
        addresses = self.first if len(self.lookups) == 1 else self.then
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses]


def _endpoint_at(triad, url: str) -> WebhookEndpoint:
    with override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=True):
        endpoint, _secret = webhook_endpoint_create(
            reseller=triad.reseller_a, actor=triad.admin_a.user, url="http://127.0.0.1:9/", events=["customer.invited"]
        )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=url)  # registered earlier, when it resolved publicly
    return endpoint


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False)
def test_a_delivery_connects_to_the_address_it_checked_not_to_a_second_lookup(
    triad, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    """HOOK-5, DNS rebinding: the name answers a public address to the check and 127.0.0.1 afterwards.
    The delivery resolves once and connects to the checked public address, never to the second answer."""
    endpoint = _endpoint_at(triad, f"https://hooks.example.test:{receiver.port}/hooks")
    resolver = Resolver(first=["93.184.216.34"], then=["127.0.0.1"])
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    connected: list[tuple[str, int]] = []

    def connect(address: str, port: int, timeout: float) -> socket.socket:
        connected.append((address, port))
        raise ConnectionRefusedError("the test network has no public addresses")

    monkeypatch.setattr(webhooks, "_connect", connect)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_test_send(reseller=triad.reseller_a, endpoint_id=endpoint.pk)
    assert resolver.lookups == ["hooks.example.test"]  # one lookup, no second one to rebind
    assert connected == [("93.184.216.34", receiver.port)]
    assert receiver.events == []
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert "ConnectionRefusedError" in delivery.last_error


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False)
def test_a_name_with_any_private_address_is_refused_before_connecting(
    triad, monkeypatch, django_capture_on_commit_callbacks
):
    endpoint = _endpoint_at(triad, "https://hooks.example.test/hooks")
    mixed = ["93.184.216.34", "10.0.0.7"]  # one public and one private answer: every address is checked
    monkeypatch.setattr(socket, "getaddrinfo", Resolver(first=mixed, then=mixed))
    monkeypatch.setattr(webhooks, "_connect", lambda *args: pytest.fail("connected"))
    assert url_refusal("https://hooks.example.test/hooks")
    with django_capture_on_commit_callbacks(execute=True):
        webhook_test_send(reseller=triad.reseller_a, endpoint_id=endpoint.pk)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == "failed" and "private" in delivery.last_error


def test_the_pinned_connection_keeps_the_host_name_in_the_host_header(
    triad, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    """The socket goes to the checked address; the request still names the URL's host (and, over
    HTTPS, SNI and the certificate check use it: http.client wraps the pinned socket for that host)."""
    endpoint = _endpoint_at(triad, f"http://hooks.example.test:{receiver.port}/hooks")
    receiver.secret = webhooks.secret_of(endpoint)
    resolver = Resolver(first=["127.0.0.1"], then=["192.0.2.1"])
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_test_send(reseller=triad.reseller_a, endpoint_id=endpoint.pk)
    assert [event["type"] for event in receiver.events] == ["webhook.test"]
    assert receiver.hosts == [f"hooks.example.test:{receiver.port}"]
    assert resolver.lookups == ["hooks.example.test"]
