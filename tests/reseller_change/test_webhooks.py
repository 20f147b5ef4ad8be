"""HOOK-2 for RC-5: a completed change is an event for both resellers' webhooks — the new one hears
reseller_change.completed_in, the old one reseller_change.completed_out — and each names only its own staff."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from api.models import WebhookDelivery, WebhookEndpoint
from api.webhooks import EVENT_TYPES
from tests.reseller_change.conftest import code_from_outbox

pytestmark = pytest.mark.unscoped


def _endpoint(reseller, user, events):
    return WebhookEndpoint.objects.create(
        reseller=reseller,
        url=f"https://hooks.example.com/{reseller.reseller_id}",
        events=events,
        secret_encrypted="x",
        created_by=user,
        created_at=timezone.now(),
    )


def test_a_change_is_an_event_for_both_resellers(takeover):
    triad = takeover.triad
    assert {"reseller_change.completed_in", "reseller_change.completed_out"} <= set(EVENT_TYPES)
    both = ["reseller_change.completed_in", "reseller_change.completed_out"]
    old = _endpoint(triad.reseller_a, triad.admin_a.user, both)
    new = _endpoint(triad.reseller_b, triad.member_b.user, both)
    takeover.send()
    takeover.enter(code_from_outbox(takeover.owner.email), confirm=True)
    away = WebhookDelivery.objects.get(endpoint=old)
    taken = WebhookDelivery.objects.get(endpoint=new)
    assert away.event_type == "reseller_change.completed_out"
    assert taken.event_type == "reseller_change.completed_in"
    for delivery in (away, taken):
        assert delivery.payload["data"]["customer"]["vip_id"] == takeover.customer.vip_id
    assert triad.member_b.user.email not in json.dumps(away.payload)
    assert triad.member_a.user.email not in json.dumps(taken.payload)


def test_a_code_sent_is_an_event_for_the_sender_alike_for_a_right_and_a_wrong_pair(takeover):
    triad = takeover.triad
    assert "reseller_change.code_sent" in EVENT_TYPES
    endpoint = _endpoint(triad.reseller_b, triad.member_b.user, ["reseller_change.code_sent"])
    old = _endpoint(triad.reseller_a, triad.admin_a.user, ["reseller_change.code_sent"])
    takeover.send()
    takeover.send(email="nobody@harbor.example")
    right, wrong = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk")
    for delivery, email in ((right, takeover.owner.email), (wrong, "nobody@harbor.example")):
        assert delivery.event_type == "reseller_change.code_sent"
        code = delivery.payload["data"]["reseller_change_code"]
        assert (code["vip_id"], code["admin_email"]) == (takeover.customer.vip_id, email)
    assert right.payload["data"].keys() == wrong.payload["data"].keys()
    assert "customer" not in right.payload["data"] and takeover.customer.name not in json.dumps(right.payload)
    assert not WebhookDelivery.objects.filter(endpoint=old).exists()  # the customer's reseller hears nothing
