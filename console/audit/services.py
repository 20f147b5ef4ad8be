from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from console.accounts.models import Reseller, User
from console.audit.models import AuditEvent
from console.bulk import bulk_insert

SYSTEM = "system"

# Who acts when not a person at the console: an API key names itself here for its request (API-3).
_acting_as: ContextVar[str | None] = ContextVar("audit_acting_as", default=None)


@contextmanager
def audit_acting_as(label: str) -> Iterator[None]:
    """Inside this block every audit event names `label` (e.g. an API key) as its actor; the `actor`
    passed to audit_log stays recorded as the person accountable for it."""
    token = _acting_as.set(label)
    try:
        yield
    finally:
        _acting_as.reset(token)


def _actor_label(actor: User | None) -> str:
    return _acting_as.get() or (actor.email if actor else SYSTEM)


def audit_log(
    *,
    reseller: Reseller | None,
    actor: User | None,
    action: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit event (AUD-1). Call it inside the transaction of the change it records.

    `changes` maps a field name to `[before, after]`; `actor=None` records the system (periodic jobs).
    """
    event = AuditEvent.objects.create(
        created_at=timezone.now(),
        actor=actor,
        actor_label=_actor_label(actor),
        reseller=reseller,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=_jsonable(changes or {}),
    )
    _notify([AuditEntry(reseller.pk if reseller else None, action, obj, changes or {})])
    return event


@dataclass(frozen=True)
class AuditEntry:
    """One audit event of a set-based step: what `audit_log` takes, for many objects at once."""

    reseller_id: int | None
    action: str
    obj: models.Model
    changes: dict[str, Any] = field(default_factory=dict)


AuditListener = Callable[[list[AuditEntry]], None]
_listeners: dict[str, AuditListener] = {}


def audit_listener_register(name: str, listener: AuditListener) -> None:
    """Let an app above react to every audited change, in the same transaction (e.g. the API's
    webhooks write their outbox rows here, HOOK-3). A listener gets the entries of one audit_log or
    audit_log_bulk call at once, so it can stay set-based (HOOK-6). Registering a name again replaces it."""
    _listeners[name] = listener


def _notify(entries: list[AuditEntry]) -> None:
    for listener in _listeners.values():
        listener(entries)


def audit_log_bulk(entries: Iterable[AuditEntry], *, actor: User | None = None) -> int:
    """Write many audit events (AUD-1) with one INSERT, for set-based steps such as the periodic job
    (JOB-3). Call it inside the transaction of the changes it records; returns how many it wrote."""
    entries = list(entries)
    events = [
        {
            "reseller_id": entry.reseller_id,
            "action": entry.action,
            "object_type": entry.obj._meta.label_lower,
            "object_id": str(entry.obj.pk),
            "object_repr": str(entry.obj)[:200],
            "changes": _jsonable(entry.changes),
        }
        for entry in entries
    ]
    same = {"created_at": timezone.now(), "actor_id": actor.pk if actor else None, "actor_label": _actor_label(actor)}
    bulk_insert(AuditEvent, events, same=same)
    _notify(entries)
    return len(events)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
