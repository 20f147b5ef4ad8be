from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from console.accounts.models import Reseller, User
from console.audit.models import AuditEvent

SYSTEM = "system"


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
    return AuditEvent.objects.create(
        created_at=timezone.now(),
        actor=actor,
        actor_label=actor.email if actor else SYSTEM,
        reseller=reseller,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=_jsonable(changes or {}),
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
