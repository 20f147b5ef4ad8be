"""What the two permission matrices share (tests/console/test_permissions.py for the console's URLs,
tests/api/test_permissions.py for the API's): builders of an object of reseller A that a URL names, the
invitation payload, and the walk over every URL pattern's name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, URLResolver

from tests.conftest import Triad
from tests.factories import CustomerFactory, OrderFactory, PurchaseAuthorizationFactory

# Builds the URL kwargs that name an object of reseller A.
Kwargs = Callable[[Triad], dict]

# A valid invitation (CUST-1…CUST-3), as the console's form and the API's body both take it.
INVITE: dict[str, str] = {
    "name": "Matrix Test Org",
    "segment": "COM",
    "type": "TEAM",
    "country": "US",
    "region": "US-CA",
    "city": "San Jose",
    "address_line1": "1 Main St",
    "postal_code": "95113",
    "contact_first_name": "Ann",
    "contact_last_name": "Lee",
    "contact_email": "ann@matrix.example",
}


def invite(**changes: Any) -> dict[str, Any]:
    """INVITE with some fields changed or added (another name and email, the console form's language)."""
    return {**INVITE, **changes}


def customer_of_a(triad: Triad) -> dict:
    return {"vip_id": CustomerFactory(managed_by=triad.member_a).vip_id}


def pa_of_a(triad: Triad) -> dict:
    pa = PurchaseAuthorizationFactory(customer__managed_by=triad.member_a)
    return {"vip_id": pa.customer.vip_id, "number": pa.number}


def order_of_a(triad: Triad) -> dict:
    order = OrderFactory(customer__managed_by=triad.member_a)
    return {"vip_id": order.customer.vip_id, "number": order.number}


def url_names(patterns: list, namespace: str = "") -> set[str]:
    """Every URL pattern's full name ("namespace:name"; "<unnamed …>" for a pattern without a name)."""
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            names.add(f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<unnamed {pattern.pattern}>")
    return names
