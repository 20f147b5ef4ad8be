"""HOOK-2 for RC-5: a completed change is an event for both resellers' webhooks — the new one hears
customer.transferred_in, the old one customer.transferred_away — and each names only its own staff."""

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
    assert {"customer.transferred_in", "customer.transferred_away"} <= set(EVENT_TYPES)
    both = ["customer.transferred_in", "customer.transferred_away"]
    old = _endpoint(triad.reseller_a, triad.admin_a.user, both)
    new = _endpoint(triad.reseller_b, triad.member_b.user, both)
    takeover.send()
    takeover.enter(code_from_outbox(takeover.owner.email), confirm=True)
    away = WebhookDelivery.objects.get(endpoint=old)
    taken = WebhookDelivery.objects.get(endpoint=new)
    assert away.event_type == "customer.transferred_away"
    assert taken.event_type == "customer.transferred_in"
    for delivery in (away, taken):
        assert delivery.payload["data"]["customer"]["vip_id"] == takeover.customer.vip_id
    assert triad.member_b.user.email not in json.dumps(away.payload)
    assert triad.member_a.user.email not in json.dumps(taken.payload)
