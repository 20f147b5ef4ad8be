"""Webhooks (SPEC §17): endpoints, the events written with each change (an outbox), their delivery
signed as the Standard Webhooks specification says, retries, and the SSRF guard.

Events come from the audit log: every change the SPEC names is audited in the transaction that makes
it, so `webhook_events_from_audit` (registered with console.audit) writes the deliveries there too
(HOOK-3) — one INSERT for a whole set-based step of the periodic job (HOOK-6) — and no service below
the API knows about webhooks."""

from __future__ import annotations

import base64
import hashlib
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from api.models import WebhookDelivery, WebhookEndpoint
from console.accounts.models import Membership, Reseller, User
from console.audit.services import AuditEntry, audit_log
from console.outbox.services import mail_enqueue
from console.tenancy import TEAM_ADMINS
from customers.models import Customer
from purchase_auth.models import Order, PurchaseAuthorization
from reseller_change.models import ResellerChangeCode

logger = logging.getLogger(__name__)

PAYLOAD_VERSION = "2026-11-30"
STALE_CLAIM = timedelta(minutes=10)

# HOOK-2: the audit action each event type comes from.
EVENT_OF_ACTION = {
    "customer.invite": "customer.invited",
    "customer.accept": "customer.accepted",
    "customer.remove": "customer.removed",
    # RC-5: the new reseller hears of a customer it took over, the old one of a customer that left.
    "reseller_change.code_sent": "reseller_change.code_sent",  # RC-1: a code requested (right pair or not)
    "reseller_change.transfer_in": "reseller_change.completed_in",
    "reseller_change.transfer_away": "reseller_change.completed_out",
    "pa.create": "purchase_authorization.created",
    "pa.overdue": "purchase_authorization.overdue",
    "pa.suspended": "purchase_authorization.suspended",
    "pa.cancel": "purchase_authorization.cancelled",
    "order.accept": "order.completed",
    "order.fail": "order.failed",
    "order.return": "order.returned",
    "team.join": "team.member_added",
    "team.remove": "team.member_removed",
    "customer.auto_renewal": "renewal.auto_renewal_changed",  # REN-9
    # The job audits the day a customer enters the notice window (AD−45) and READY (AD−30): renewals.reminders.
    "renewal.upcoming": "renewal.upcoming",
    "renewal.ready": "renewal.ready",
}
# Renewal events read a detail of their audit entry (renewals' services and the job audit them):
RENEWAL_ORDER_PLACED = "renewal.order_placed"  # order.place of a renewal order, by a user, a key or the job
RENEWED = "renewal.renewed"  # order.accept of a renewal order (with order.completed): the AD moved
LAPSED = "renewal.lapsed"  # licences.expire of a customer who did not renew: every licence expired (REN-4)
LICENCES_EXPIRED = "renewal.licences_expired"  # licences.expire after a partial renewal: the rest expired
EVENT_TYPES = sorted({*EVENT_OF_ACTION.values(), RENEWAL_ORDER_PLACED, RENEWED, LAPSED, LICENCES_EXPIRED})
TEST_EVENT = "webhook.test"


class WebhookError(Exception):
    """A webhook change the rules refuse; the message is shown to the user."""


# ---- secrets (NF-5: stored encrypted, shown once) --------------------------------------------------


def _fernet() -> Fernet:
    material = settings.WEBHOOK_SECRET_KEY or f"webhook-secrets:{settings.SECRET_KEY}"
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(material.encode()).digest()))


def secret_of(endpoint: WebhookEndpoint) -> str:
    return _fernet().decrypt(endpoint.secret_encrypted.encode()).decode()


# ---- SSRF guard (HOOK-5) ---------------------------------------------------------------------------


def _forbidden(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local  # 169.254.169.254, the cloud metadata address, is link-local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the resolver's order (one DNS lookup)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def checked_addresses(url: str) -> tuple[str | None, list[str]]:
    """HOOK-5: why the application must not call this URL (or None), and the addresses it may connect
    to. The host is resolved once and every address it resolves to is checked; a delivery then
    connects to one of exactly these addresses (`_pinned_post`), so a name that answers a public
    address to the check and a private one to a second lookup (DNS rebinding) cannot lead elsewhere."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return _("Enter a valid URL."), []
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_URLS
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        return _("Use an https:// URL."), []
    if not parts.hostname or parts.username or parts.password:
        return _("Enter a URL with a host name and no user name or password."), []
    try:
        addresses = _resolve(parts.hostname, port)
    except (OSError, UnicodeError):
        return _("This host name cannot be resolved."), []
    if not addresses:
        return _("This host name cannot be resolved."), []
    if not allow_private and any(_forbidden(ipaddress.ip_address(address)) for address in addresses):
        return _("This URL leads to a private, loopback, link-local or metadata address."), []
    return None, addresses


def url_refusal(url: str) -> str | None:
    """Why the application must not call this URL, or None. Checked at registration and before every
    delivery (a name may resolve elsewhere later); redirects are never followed."""
    return checked_addresses(url)[0]


def _connect(address: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to an IP address as given: no name lookup happens here."""
    family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect((address, port))
    except BaseException:
        sock.close()
        raise
    return sock


def _pin(connection: http.client.HTTPConnection, addresses: list[str]) -> None:
    """Make `connection` open its socket to one of `addresses` (in order) instead of looking its host
    up again; the Host header and, over HTTPS, SNI and the certificate check still use the URL's host.
    (http.client opens every socket through the instance's `_create_connection`.)"""

    def create(_host_port: tuple[str, int], timeout: float | None = None, *_args: Any) -> socket.socket:
        failure: OSError | None = None
        for address in addresses:
            try:
                return _connect(address, connection.port, timeout or settings.WEBHOOK_TIMEOUT_SECONDS)
            except OSError as error:
                failure = error
        raise failure or OSError("no address to connect to")

    setattr(connection, "_create_connection", create)  # noqa: B010  (an instance attribute http.client reads)


def _pinned_post(url: str, addresses: list[str], body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST to `url` over a connection to one of `addresses`; a redirect is an answer, never followed."""
    parts = urlsplit(url)
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    _pin(connection, addresses)
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(500).decode(errors="replace")
    finally:
        connection.close()


# ---- endpoints (HOOK-1, HOOK-4) --------------------------------------------------------------------


def webhook_endpoint_create(
    *, reseller: Reseller, actor: User, url: str, events: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """HOOK-1: register an endpoint; returns it with its signing secret (`whsec_…`), shown once."""
    if refusal := url_refusal(url):
        raise WebhookError(refusal)
    unknown = set(events) - set(EVENT_TYPES)
    if unknown or not events:
        raise WebhookError(_("Choose one or more events."))
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            reseller=reseller,
            url=url,
            description=description,
            events=sorted(set(events)),
            secret_encrypted=_fernet().encrypt(secret.encode()).decode(),
            created_by=actor,
            created_at=timezone.now(),
        )
        audit_log(
            reseller=reseller,
            actor=actor,
            action="webhook.create",
            obj=endpoint,
            changes={"url": [None, url], "events": [None, endpoint.events]},
        )
    return endpoint, secret


def webhook_endpoint_set_active(*, reseller: Reseller, actor: User, endpoint_id: int, active: bool) -> WebhookEndpoint:
    """Turn an endpoint off, or on again (which clears its failure streak)."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().filter(reseller=reseller, pk=endpoint_id).first()
        if endpoint is None:
            raise WebhookError(_("This endpoint does not exist."))
        if active and (refusal := url_refusal(endpoint.url)):
            raise WebhookError(refusal)
        before = endpoint.is_active
        endpoint.is_active = active
        endpoint.failing_since = None
        endpoint.disabled_at = None if active else timezone.now()
        endpoint.save(update_fields=["is_active", "failing_since", "disabled_at"])
        audit_log(
            reseller=reseller,
            actor=actor,
            action="webhook.enable" if active else "webhook.disable",
            obj=endpoint,
            changes={"active": [before, active]},
        )
    return endpoint


def _event(event_type: str, data: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {"type": event_type, "timestamp": at.isoformat(), "version": PAYLOAD_VERSION, "data": data}


def webhook_test_send(*, reseller: Reseller, endpoint_id: int) -> WebhookDelivery:
    """HOOK-4: Send test event."""
    endpoint = WebhookEndpoint.objects.filter(reseller=reseller, pk=endpoint_id).first()
    if endpoint is None:
        raise WebhookError(_("This endpoint does not exist."))
    now = timezone.now()
    return _queue(
        [
            WebhookDelivery(
                endpoint=endpoint,
                event_id=_new_id(),
                event_type=TEST_EVENT,
                payload=_event(TEST_EVENT, {"reseller_id": reseller.reseller_id}, now),
                created_at=now,
                next_attempt_at=now,
            )
        ]
    )[0]


def webhook_redeliver(*, reseller: Reseller, delivery_id: int) -> WebhookDelivery:
    """HOOK-4: Redeliver — the same event (same webhook-id) sent again as a new delivery."""
    old = WebhookDelivery.objects.filter(endpoint__reseller=reseller, pk=delivery_id).select_related("endpoint").first()
    if old is None:
        raise WebhookError(_("This delivery does not exist."))
    if not old.endpoint.is_active:
        raise WebhookError(_("Turn the endpoint on again first."))
    now = timezone.now()
    return _queue(
        [
            WebhookDelivery(
                endpoint=old.endpoint,
                event_id=old.event_id,
                event_type=old.event_type,
                payload=old.payload,
                created_at=now,
                next_attempt_at=now,
            )
        ]
    )[0]


def _new_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def _queue(deliveries: list[WebhookDelivery]) -> list[WebhookDelivery]:
    from api.tasks import webhook_flush, webhook_send

    created = WebhookDelivery.objects.bulk_create(deliveries)  # one INSERT (HOOK-6)
    if len(created) == 1:
        transaction.on_commit(lambda: webhook_send.delay(created[0].pk), robust=True)
    elif created:
        transaction.on_commit(webhook_flush.delay, robust=True)
    return created


# ---- events from the audit log (HOOK-2, HOOK-3, HOOK-6) --------------------------------------------


def _object_data(obj: models.Model) -> dict[str, Any]:
    """The public description of what changed, by public identifiers (never database ids)."""
    if isinstance(obj, Customer):
        return {"customer": {"vip_id": obj.vip_id, "name": obj.name, "invitation_status": obj.invitation_status}}
    if isinstance(obj, PurchaseAuthorization):
        return {
            "purchase_authorization": {
                "number": obj.number,
                "customer": obj.customer.vip_id,
                "state": obj.state,
                "due_date": str(obj.due_date),
            }
        }
    if isinstance(obj, Order):
        return {
            "order": {
                "number": obj.number,
                "customer": obj.customer.vip_id,
                "status": obj.status,
                "total": str(obj.total),
                "currency": obj.currency,
            }
        }
    if isinstance(obj, ResellerChangeCode):
        # RC-4: alike for a right and a wrong pair — never the customer it matched.
        return {
            "reseller_change_code": {
                "vip_id": obj.vip_id,
                "admin_email": obj.admin_email,
                "expires_at": obj.expires_at.isoformat(),
            }
        }
    if isinstance(obj, Membership):
        return {"member": {"email": obj.user.email, "role": obj.role, "status": obj.status}}
    return {"object": {"type": obj._meta.label_lower, "repr": str(obj)[:200]}}


def event_types_of(entry: AuditEntry) -> list[str]:
    """HOOK-2: the events one audit entry makes (none, one, or for a renewal order's acceptance two)."""
    types = [EVENT_OF_ACTION[entry.action]] if entry.action in EVENT_OF_ACTION else []
    obj = entry.obj
    if isinstance(obj, Order) and obj.kind == Order.Kind.RENEWAL:
        if entry.action == "order.place":
            types.append(RENEWAL_ORDER_PLACED)
        elif entry.action == "order.accept":
            types.append(RENEWED)
    elif entry.action == "licences.expire":
        outcome = (entry.changes.get("renewal") or [None, None])[1]
        types.append(LAPSED if outcome == "lapsed" else LICENCES_EXPIRED)
    return types


def webhook_events_from_audit(entries: list[AuditEntry]) -> None:
    """Write a delivery for every subscribed active endpoint of every event these audit entries make."""
    events = [(event_type, e) for e in entries if e.reseller_id for event_type in event_types_of(e)]
    if not events:
        return
    endpoints = list(
        WebhookEndpoint.objects.with_scopes_disabled().filter(
            reseller_id__in={entry.reseller_id for _type, entry in events}, is_active=True
        )
    )
    if not endpoints:
        return
    now = timezone.now()
    deliveries = []
    for event_type, entry in events:
        payload = None
        for endpoint in endpoints:
            if endpoint.reseller_id != entry.reseller_id or event_type not in endpoint.events:
                continue
            if payload is None:
                data = _object_data(entry.obj) | {"changes": _changes(entry.changes)}
                payload, event_id = _event(event_type, data, now), _new_id()
            deliveries.append(
                WebhookDelivery(
                    endpoint=endpoint,
                    event_id=event_id,
                    event_type=event_type,
                    payload=payload,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
    _queue(deliveries)


def _changes(changes: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(changes, default=str))


# ---- delivery (HOOK-3, HOOK-4, HOOK-5) -------------------------------------------------------------


def webhook_due_ids() -> list[int]:
    now = timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            Q(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=WebhookDelivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )


def webhook_deliver(*, delivery_id: int) -> bool:
    """Send one due delivery, outside any transaction; True when the receiver answered 2xx. The claim
    is a conditional UPDATE, so two workers never send one delivery at once."""
    now = timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id)
        .filter(
            Q(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=WebhookDelivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
        )
        .update(status=WebhookDelivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    delivery = WebhookDelivery.objects.select_related("endpoint__reseller").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        _finish(delivery, ok=False, error=_("The endpoint is turned off."), final=True)
        return False
    refusal, addresses = checked_addresses(endpoint.url)
    if refusal:
        _finish(delivery, ok=False, error=refusal, final=True)
        return False
    body = json.dumps(delivery.payload, separators=(",", ":"))
    sent_at = timezone.now()
    signature = Webhook(secret_of(endpoint)).sign(delivery.event_id, sent_at, body)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Reseller-Console-Webhooks/1",
        "webhook-id": delivery.event_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }
    started = time.monotonic()
    code, text, error = None, "", ""
    try:
        code, text = _pinned_post(endpoint.url, addresses, body.encode(), headers)
    except (http.client.HTTPException, TimeoutError, OSError, ValueError) as failure:
        error = f"{type(failure).__name__}: {failure}"
    latency = int((time.monotonic() - started) * 1000)
    ok = code is not None and 200 <= code < 300
    _finish(delivery, ok=ok, code=code, text=text, error=error or ("" if ok else f"HTTP {code}"), latency=latency)
    return ok


def _finish(
    delivery: WebhookDelivery,
    *,
    ok: bool,
    code: int | None = None,
    text: str = "",
    error: str = "",
    latency: int | None = None,
    final: bool = False,
) -> None:
    now = timezone.now()
    schedule = settings.WEBHOOK_RETRY_SECONDS
    retry = not ok and not final and delivery.attempts <= len(schedule)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=(
            WebhookDelivery.Status.DELIVERED
            if ok
            else WebhookDelivery.Status.PENDING
            if retry
            else WebhookDelivery.Status.FAILED
        ),
        next_attempt_at=now + timedelta(seconds=schedule[delivery.attempts - 1]) if retry else None,
        claimed_at=None,
        delivered_at=now if ok else None,
        response_code=code,
        latency_ms=latency,
        response_excerpt=text[:500],
        last_error=error[:500],
    )
    if delivery.event_type == TEST_EVENT or final:
        return
    endpoint = delivery.endpoint
    if ok:
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(failing_since=None)
        return
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
    _disable_if_failing(endpoint.pk, now)


def _disable_if_failing(endpoint_id: int, now: datetime) -> None:
    """HOOK-4: an endpoint failing for WEBHOOK_DISABLE_AFTER_HOURS is turned off (once: a conditional
    UPDATE) and the reseller's admins are emailed."""
    cutoff = now - timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS)
    with transaction.atomic():
        disabled = WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=True, failing_since__lte=cutoff).update(
            is_active=False, disabled_at=now
        )
        if not disabled:
            return
        endpoint = WebhookEndpoint.objects.with_scopes_disabled().select_related("reseller").get(pk=endpoint_id)
        audit_log(
            reseller=endpoint.reseller,
            actor=None,
            action="webhook.disable",
            obj=endpoint,
            changes={"active": [True, False], "reason": [None, "failing"]},
        )
        admins = Membership.objects.with_scopes_disabled().filter(
            reseller=endpoint.reseller, status=Membership.Status.ACTIVE, role__in=TEAM_ADMINS
        )
        for membership in admins.select_related("user"):
            mail_enqueue(
                to=membership.user.email,
                template="webhook_disabled",
                language=membership.user.language,
                reseller=endpoint.reseller,
                context={"endpoint": endpoint, "hours": settings.WEBHOOK_DISABLE_AFTER_HOURS},
            )
