"""Reads for customers: the list with its filters, counts, search and sort (LIST-1…LIST-4)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import BigIntegerField, Count, F, QuerySet, Value
from django.db.models.functions import Cast, Lower

from console.accounts.models import Membership, Reseller
from customers.models import Customer, CustomerSearch, search_key
from customers.rules import CustomerFilter, filter_q, invitation_stale_q

FULL_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# LIST-4: every column can be sorted; the id keeps the order total (stable pagination).
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "vip_id": ("vip_id",),
    "segment": ("segment", "name", "id"),
    "type": ("type", "name", "id"),
    "anniversary": ("anniversary_date", "name", "id"),
    # The manager's email as the database keeps it on the row (Customer.managed_by_email): the same order as
    # managed_by__user__email, served by the customer_list_managed_by index (NF-4).
    "managed_by": ("managed_by_email", "name", "id"),
    "status": ("invitation_status", "name", "id"),
    "vip_select": ("vip_select_level", "name", "id"),
    "created": ("created_at", "id"),
}


# LIST-4 search (NF-4): both trigram GIN indexes (customers_customer's, migration 0012, and CustomerSearch's,
# migration 0014) lead with this expression, so a search reads only its reseller's matches from the index. Not
# the bare column: `reseller_id = 1` (an int4 literal, as the tenant scope writes it) would absorb a bigint
# comparison, and btree_gin has no int8 = int4 operator.
SEARCH_RESELLER = F("reseller_id") + 0

_Searched = TypeVar("_Searched", Customer, CustomerSearch)
_Cached = TypeVar("_Cached")


def _search(rows: QuerySet[_Searched], *, reseller: Reseller, query: str) -> QuerySet[_Searched]:
    """LIST-4, the one search condition: the rows (customers, or their CustomerSearch copies) of the reseller
    whose search_text (name, US English name, VIP ID and contact email, case- and accent-insensitive) contains
    `query`, as their trigram index reads it."""
    return rows.alias(search_reseller=SEARCH_RESELLER).filter(
        search_reseller=Cast(Value(reseller.pk), BigIntegerField()), search_text__contains=search_key(query)
    )


def search_matches(*, reseller: Reseller, query: str) -> QuerySet[CustomerSearch]:
    """LIST-4: the search's matches as rows of the narrow side table CustomerSearch (one per listed customer),
    read through its trigram index without a customer row (NF-4)."""
    return _search(CustomerSearch.objects.all(), reseller=reseller, query=query)


def customers_visible(*, reseller: Reseller) -> QuerySet[Customer]:
    """LIST-7: the reseller's customers that are not removed."""
    return Customer.objects.filter(reseller=reseller, removed_at__isnull=True)


def customer_list(
    *,
    reseller: Reseller,
    on: date,
    customer_filter: str = CustomerFilter.ALL,
    managed_by: Membership | None = None,
    query: str = "",
    sort: str = "name",
    descending: bool = False,
    stale_invitations: datetime | None = None,
) -> QuerySet[Customer]:
    """The customers one view of the list shows (also what its CSV report contains). With
    `stale_invitations` (now), only the invitations pending for more than 14 days (DASH-1)."""
    customers = customers_visible(reseller=reseller).filter(filter_q(customer_filter, on))
    if managed_by is not None:
        customers = customers.filter(managed_by=managed_by)
    if stale_invitations is not None:
        customers = customers.filter(invitation_stale_q(stale_invitations))
    if query and FULL_EMAIL.fullmatch(query):
        # A whole email address is a lookup of that contact: the (lower(email), name) index answers it.
        customers = customers.alias(contact_email_lower=Lower("contact_email")).filter(
            contact_email_lower=query.lower()
        )
    elif query:
        # On the customer rows themselves: a filter, "mine" or another sort reads their columns anyway, and their
        # own trigram index gives their pages at once (a join from CustomerSearch looked each of ~10,000 matches
        # up by id: 59,000 buffers instead of 9,463 for the big reseller's q=berg&filter=no_products).
        customers = _search(customers, reseller=reseller, query=query)
    order = SORTS.get(sort, SORTS["name"])
    if descending:
        order = tuple(f"-{field}" for field in order)
    return customers.order_by(*order)


def search_page_ids(
    *,
    reseller: Reseller,
    customer_filter: str = CustomerFilter.ALL,
    managed_by: Membership | None = None,
    query: str = "",
    sort: str = "name",
    descending: bool = False,
    stale_invitations: datetime | None = None,
) -> QuerySet[CustomerSearch] | None:
    """For the search that customer_list would answer with the same arguments, when its view needs nothing but
    CustomerSearch (every listed customer, sorted by name): the matches in the list's order, their
    `customer_id` the customers' ids, read from the narrow side table alone, without a customer row (NF-4).
    None when the view filters, is "mine", sorts by another column or looks up a whole email address."""
    if (
        not query
        or FULL_EMAIL.fullmatch(query)
        or customer_filter != CustomerFilter.ALL
        or managed_by is not None
        or stale_invitations is not None
        or SORTS.get(sort, SORTS["name"]) != SORTS["name"]
    ):
        return None
    order: tuple[str, ...] = ("name", "customer_id")
    if descending:
        order = tuple(f"-{field}" for field in order)
    # `reseller_id + 0` first, as sorted_in_memory: no index matches the ORDER BY, PostgreSQL sorts the matches.
    return search_matches(reseller=reseller, query=query).order_by(SEARCH_RESELLER, *order)


def customer_counts(
    *,
    reseller: Reseller,
    on: date,
    managed_by: Membership | None = None,
    stale_invitations: datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """LIST-1: how many customers each filter holds, in one query; `extra` adds more aggregates over
    the same rows to that one query (the home page's lapsed customers per month)."""
    customers = customers_visible(reseller=reseller)
    if managed_by is not None:
        customers = customers.filter(managed_by=managed_by)
    if stale_invitations is not None:
        customers = customers.filter(invitation_stale_q(stale_invitations))
    # Count(1), not Count("pk"): every column the filters read is in the customer_filter_counts
    # index, so PostgreSQL answers from an index-only scan instead of reading the rows (NF-4).
    return customers.aggregate(
        **{
            value: Count(Value(1), filter=filter_q(value, on)) if value != CustomerFilter.ALL else Count(Value(1))
            for value in CustomerFilter.values
        },
        **(extra or {}),
    )


COUNTS_CACHE_SECONDS = 3600


def cached_per_customer_version(
    reseller: Reseller, namespace: str, key: str, compute: Callable[[], _Cached]
) -> _Cached:
    """`compute()`, cached under `namespace`, the reseller, `key` and the reseller's CustomerListVersion
    (NF-4): for a figure read from the reseller's customer rows alone, with everything else it depends on
    (the day, the view) in `key`.

    Exact the moment a write commits: the counter is raised by triggers in the same statement as every
    change of the reseller's customer rows, so once the write is visible the old entry's key is never read
    again. Not cached when this transaction has written (its own changes are not yet anyone else's) nor off
    PostgreSQL (no triggers there)."""
    if connection.vendor != "postgresql":
        return compute()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT version FROM customers_customerlistversion WHERE reseller_id = %s), "
            "txid_current_if_assigned() IS NOT NULL",
            [reseller.pk],
        )
        version, wrote = cursor.fetchone()
    if wrote:
        return compute()
    versioned = f"{namespace}:{reseller.pk}:{key}:{version or 0}"
    value: _Cached | None = cache.get(versioned)
    if value is None:
        value = compute()
        cache.set(versioned, value, COUNTS_CACHE_SECONDS)
    return value


def customer_counts_cached(*, reseller: Reseller, on: date, managed_by: Membership | None = None) -> dict[str, int]:
    """`customer_counts`, cached under the reseller's CustomerListVersion and the day (NF-4,
    cached_per_customer_version)."""
    mine = managed_by.pk if managed_by is not None else "all"
    return cached_per_customer_version(
        reseller,
        "customer-counts:1",
        f"{mine}:{on.isoformat()}",
        lambda: customer_counts(reseller=reseller, on=on, managed_by=managed_by),
    )


def sorted_in_memory(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """For a search: make PostgreSQL sort the matches rather than walk a sort index past every
    non-matching row (the ORDER BY … LIMIT trap). `reseller_id + 0` keeps every index
    from matching the ORDER BY without changing the order."""
    return customers.order_by(F("reseller_id") + 0, *customers.query.order_by)


def customers_managed_count(membership: Membership) -> int:
    """TEAM-2: how many listed customers `membership` manages."""
    return Customer.objects.filter(
        reseller_id=membership.reseller_id, managed_by=membership, removed_at__isnull=True
    ).count()
