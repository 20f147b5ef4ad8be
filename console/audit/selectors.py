from __future__ import annotations

from django.db.models import QuerySet

from console.accounts.models import Reseller
from console.audit.models import AuditEvent


def audit_events_for_reseller(*, reseller: Reseller, action: str = "", actor: str = "") -> QuerySet[AuditEvent]:
    """The reseller's activity log, newest first, optionally narrowed by action prefix and actor email."""
    events = AuditEvent.objects.filter(reseller=reseller).select_related("actor")
    if action:
        events = events.filter(action__startswith=action)
    if actor:
        events = events.filter(actor_label__iexact=actor)
    return events


def audit_events_for_object(*, reseller: Reseller, object_type: str, object_id: str) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(reseller=reseller, object_type=object_type, object_id=object_id)
