"""API-6 (Idempotency-Key on POST) and API-7 (rate limit per key)."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from api.models import IdempotencyRecord
from api.services import idempotency_records_purge
from purchase_auth.models import PurchaseAuthorization
from tests.api.conftest import Keys, api_client
from tests.factories import CustomerFactory, ProductFactory


@pytest.fixture
def customer(triad):
    ProductFactory(code="IDEM-T", name="Idem Suite")
    return CustomerFactory(managed_by=triad.member_a)


def _pa_url(customer) -> str:
    return reverse("api:purchase_authorizations", kwargs={"vip_id": customer.vip_id})


BODY = {"lines": [{"product": "IDEM-T", "quantity": 3}]}


def test_a_retry_with_the_same_key_and_body_replays_the_first_answer(triad, keys: Keys, customer):
    client = api_client(keys.read_write)
    first = client.post(_pa_url(customer), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(_pa_url(customer), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert PurchaseAuthorization.objects.filter(customer=customer).count() == 1


def test_without_a_key_each_post_is_a_new_request(triad, keys: Keys, customer):
    client = api_client(keys.read_write)
    client.post(_pa_url(customer), BODY, format="json")
    client.post(_pa_url(customer), BODY, format="json")
    assert PurchaseAuthorization.objects.filter(customer=customer).count() == 2


def test_the_same_key_with_another_body_is_refused(triad, keys: Keys, customer):
    client = api_client(keys.read_write)
    client.post(_pa_url(customer), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = {"lines": [{"product": "IDEM-T", "quantity": 4}]}
    response = client.post(_pa_url(customer), other, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith(":idempotency-key-reused")
    assert PurchaseAuthorization.objects.filter(customer=customer).count() == 1


def test_a_refusal_is_replayed_too(triad, keys: Keys, customer):
    client = api_client(keys.read_write)
    bad = {"lines": [{"product": "NOPE", "quantity": 1}]}
    first = client.post(_pa_url(customer), bad, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    second = client.post(_pa_url(customer), bad, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert first.status_code == second.status_code == 400
    assert second.json() == first.json() and second["Content-Type"] == "application/problem+json"


def test_keys_are_scoped_to_the_api_key(triad, keys: Keys, customer):
    from api.models import ApiKey
    from api.services import api_key_create

    _key, second_text = api_key_create(
        reseller=triad.reseller_a, actor=triad.admin_a.user, name="second", role=ApiKey.Role.READ_WRITE, expires_at=None
    )
    api_client(keys.read_write).post(_pa_url(customer), BODY, format="json", HTTP_IDEMPOTENCY_KEY="same")
    api_client(second_text).post(_pa_url(customer), BODY, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert PurchaseAuthorization.objects.filter(customer=customer).count() == 2


def test_keys_are_forgotten_after_24_hours(triad, keys: Keys, customer):
    client = api_client(keys.read_write)
    client.post(_pa_url(customer), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    PurchaseAuthorization.objects.filter(customer=customer).update(state="cancelled")  # let a new PA be made
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        again = client.post(_pa_url(customer), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
        assert again.status_code == 201 and "Idempotent-Replayed" not in again
        assert PurchaseAuthorization.objects.filter(customer=customer).count() == 2
    with time_machine.travel(timezone.now() + timedelta(hours=50)):
        assert idempotency_records_purge()["idempotency_records_deleted"] == 1
    assert not IdempotencyRecord.objects.filter(key="k-4").exists()


@pytest.mark.parametrize("header", ["", "has space", "x" * 256, "caf\u00e9"])
def test_a_malformed_idempotency_key_is_a_problem(triad, keys: Keys, customer, header):
    response = api_client(keys.read_write).post(
        _pa_url(customer), BODY, format="json", HTTP_IDEMPOTENCY_KEY=header.encode().decode("latin-1")
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert PurchaseAuthorization.objects.filter(customer=customer).count() == 0


@pytest.mark.django_db(transaction=True)
def test_parallel_retries_create_one_purchase_authorization_and_all_get_its_answer(triad, keys: Keys):
    ProductFactory(code="IDEM-T", name="Idem Suite")
    customer = CustomerFactory(managed_by=triad.member_a)
    url, key = _pa_url(customer), str(uuid.uuid4())
    barrier = threading.Barrier(4)
    results: list = []

    def retry() -> None:
        try:
            client = api_client(keys.read_write)
            barrier.wait()
            response = client.post(url, BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)
            results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _body in results] == [201] * 4, results
    assert len({body["number"] for _status, body in results}) == 1
    with scopes_disabled():
        assert PurchaseAuthorization.objects.filter(customer=customer).count() == 1


@override_settings(API_RATE_LIMIT="3/min")
def test_a_key_over_its_rate_gets_429_with_retry_after(triad, keys: Keys):
    client = api_client(keys.read_write)
    for _ in range(3):
        assert client.get(reverse("api:team")).status_code == 200
    response = client.get(reverse("api:team"))
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert 0 < int(response["Retry-After"]) <= 60
    assert api_client(keys.read_only).get(reverse("api:team")).status_code == 200  # per key, not per reseller
