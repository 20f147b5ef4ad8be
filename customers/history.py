"""DET-4: which audit events make up a customer's History tab.

The customer's own events, and those of the objects that belong to it and that apps above register
from their AppConfig.ready() (purchasing: its orders — placed, completed, failed, returned — and its
purchase authorizations), so `customers` never imports them. An app may also hide the customer-level
twins of events it shows in full (e.g. `customer.pa_create` beside `pa.create`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from console.accounts.models import Reseller
from console.audit.models import AuditEvent
from customers.models import Customer


@dataclass(frozen=True)
class HistorySource:
    """Events about objects of a customer: `objects(customer)` is a Q over AuditEvent."""

    objects: Callable[[Customer], Q]
    hides: tuple[str, ...] = ()


_sources: dict[str, HistorySource] = {}


def history_source_register(name: str, source: HistorySource) -> None:
    """Contribute events to the History tab; registering a name again replaces it."""
    _sources[name] = source


def customer_history(*, reseller: Reseller, customer: Customer) -> QuerySet[AuditEvent]:
    """The customer's History, newest first."""
    about = Q(object_type=Customer._meta.label_lower, object_id=str(customer.pk))
    hidden: list[str] = []
    for source in _sources.values():
        about |= source.objects(customer)
        hidden.extend(source.hides)
    return AuditEvent.objects.filter(about, reseller=reseller).exclude(action__in=hidden).select_related("actor")
