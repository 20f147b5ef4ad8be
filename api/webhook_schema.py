"""HOOK-2: the webhook payloads, documented in the OpenAPI schema (its `webhooks` section)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema
from rest_framework import serializers

from api.webhooks import EVENT_TYPES, PAYLOAD_VERSION, TEST_EVENT


class _Customer(serializers.Serializer[Any]):
    vip_id = serializers.CharField()
    name = serializers.CharField()
    invitation_status = serializers.CharField()


class _PurchaseAuthorization(serializers.Serializer[Any]):
    number = serializers.CharField()
    customer = serializers.CharField(help_text="VIP ID")
    state = serializers.CharField()
    due_date = serializers.DateField()


class _Order(serializers.Serializer[Any]):
    number = serializers.CharField()
    customer = serializers.CharField(help_text="VIP ID")
    status = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()


class _ResellerChangeCode(serializers.Serializer[Any]):
    vip_id = serializers.CharField(help_text="As typed by the member; alike whether it matched a customer or not.")
    admin_email = serializers.EmailField()
    expires_at = serializers.DateTimeField()


class _Member(serializers.Serializer[Any]):
    email = serializers.EmailField()
    role = serializers.CharField()
    status = serializers.CharField()


def _envelope(name: str, data: serializers.Serializer[Any]) -> type[serializers.Serializer[Any]]:
    fields: dict[str, Any] = {
        "type": serializers.CharField(),
        "timestamp": serializers.DateTimeField(),
        "version": serializers.CharField(help_text=f"The payload version, now {PAYLOAD_VERSION}."),
        "data": data,
    }
    return type(name, (serializers.Serializer,), fields)


def _data(name: str, **fields: serializers.Field[Any, Any, Any, Any]) -> serializers.Serializer[Any]:
    changes = serializers.DictField(help_text="Audited changes: field → [before, after].")
    return type(name, (serializers.Serializer,), {**fields, "changes": changes})()


ENVELOPES = {
    "customer": _envelope("CustomerEvent", _data("CustomerEventData", customer=_Customer())),
    "purchase_authorization": _envelope(
        "PurchaseAuthorizationEvent",
        _data("PurchaseAuthorizationEventData", purchase_authorization=_PurchaseAuthorization()),
    ),
    "order": _envelope("OrderEvent", _data("OrderEventData", order=_Order())),
    "team": _envelope("TeamEvent", _data("TeamEventData", member=_Member())),
    "renewal": _envelope(
        "RenewalEvent",
        _data(
            "RenewalEventData",
            customer=_Customer(
                required=False,
                help_text="renewal.upcoming, .ready (changes: anniversary_date), .auto_renewal_changed, .lapsed, "
                ".licences_expired",
            ),
            order=_Order(required=False, help_text="renewal.order_placed, renewal.renewed"),
        ),
    ),
    "reseller_change": _envelope(
        "ResellerChangeEvent",
        _data(
            "ResellerChangeEventData",
            reseller_change_code=_ResellerChangeCode(required=False, help_text="reseller_change.code_sent"),
            customer=_Customer(
                required=False, help_text="reseller_change.completed_in (new reseller), .completed_out (old one)"
            ),
        ),
    ),
    "webhook": _envelope(
        "TestEvent", type("TestEventData", (serializers.Serializer,), {"reseller_id": serializers.CharField()})()
    ),
}


def _webhook(event_type: str) -> OpenApiWebhook:
    return OpenApiWebhook(
        name=event_type,
        decorator=extend_schema(
            summary=event_type,
            description="Signed with the Standard Webhooks headers webhook-id, webhook-timestamp and "
            "webhook-signature (see the README). Answer 2xx within 10 seconds.",
            request=ENVELOPES[event_type.split(".")[0]],
            responses={204: OpenApiResponse(description="Received")},
        ),
    )


WEBHOOKS = [_webhook(event_type) for event_type in [*EVENT_TYPES, TEST_EVENT]]
