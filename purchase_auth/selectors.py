"""Reads for purchasing: the Plans and Orders tabs, the member portal, the level a customer buys at."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet, Sum

from console.accounts.models import Membership, Reseller
from console.clock import policy, today
from customers.models import Customer, ThreeYearCommitStatus
from customers.rules import RenewalState, payment_state, renewal_state_for, renewal_term_ad, suspended_q
from purchase_auth import rules
from purchase_auth.models import (
    LicencePool,
    Order,
    OrderLine,
    Price,
    PurchaseAuthorization,
    PurchaseAuthorizationLine,
    Return,
    ThreeYearCommit,
)


def licence_pools(*, customer: Customer, on: date | None = None) -> list[LicencePool]:
    """DET-2/ORD-4: per product, fulfilled, pending, assigned and available — and, of the pending
    ones, how many stopped working because their purchase authorization is suspended (PA-2); of the
    working ones, how many stop when the renewal grace ends, and on which day; and how many expired
    (REN-4: not renewed in time, never active nor assignable again)."""
    on = on or today()
    pools = list(
        LicencePool.objects.filter(customer=customer)
        .exclude(fulfilled=0, pending=0, assigned=0, grace=0, expired=0)
        .select_related("product")
        .order_by("product__name")
    )
    suspended = suspended_quantities(customer=customer, on=on)
    state = renewal_state_for(customer, on)
    grace_ends = _grace_ends(customer, on) if state in (RenewalState.IN_GRACE, RenewalState.PARTIAL) else None
    for pool in pools:
        pool.suspended = suspended.get(pool.product_id, 0)
        # In grace: those a partial renewal left out, or every fulfilled licence of a term not renewed.
        pool.in_grace = pool.grace + (pool.fulfilled if state == RenewalState.IN_GRACE else 0)
        pool.grace_ends = grace_ends if pool.in_grace else None
    return pools


def _grace_ends(customer: Customer, on: date) -> date | None:
    """REN-4: the last day licences of the term being renewed keep working without a renewal."""
    ad = renewal_term_ad(anniversary_date=customer.anniversary_date, renewed_ad=customer.renewed_ad, on=on)
    return ad + timedelta(days=policy("RENEWAL_GRACE_DAYS")) if ad else None


def suspended_quantities(*, customer: Customer, on: date | None = None) -> dict[int, int]:
    """PA-2: per product, the pending licences whose purchase authorization is suspended on `on`."""
    rows = (
        PurchaseAuthorizationLine.objects.filter(
            suspended_q(on or today(), suspends_on="purchase_authorization__suspends_on"),
            purchase_authorization__customer=customer,
            purchase_authorization__state__in=PurchaseAuthorization.OPEN_STATES,
        )
        .values("product")
        .annotate(quantity=Sum("quantity"))
        .values_list("product", "quantity")
    )
    return dict(rows)


def licence_totals(pools: list[LicencePool]) -> dict[str, int]:
    return {
        "active": sum(p.assigned for p in pools),
        "available": sum(p.available for p in pools),
        "fulfilled": sum(p.fulfilled for p in pools),
        "pending": sum(p.pending for p in pools),
        "expired": sum(p.expired for p in pools),
    }


@dataclass(frozen=True)
class PurchaseAuthorizationRow:
    pa: PurchaseAuthorization
    state: str  # the PA-2 state on the day asked for, or the recorded one once closed
    ordered: bool

    @property
    def state_label(self) -> str:
        """The state in words, in the active language."""
        return str(PurchaseAuthorization.State(self.state).label)


def purchase_authorizations(*, customer: Customer, on: date) -> list[PurchaseAuthorizationRow]:
    """DET-2: the customer's PAs, newest first, each with the state it has on `on` (PA-2)."""
    pas = (
        PurchaseAuthorization.objects.filter(reseller_id=customer.reseller_id, customer=customer)
        .prefetch_related(
            "lines__product", Prefetch("orders", queryset=Order.objects.exclude(status=Order.Status.FAILED))
        )
        .order_by("-created_at")
    )
    return [
        PurchaseAuthorizationRow(
            pa=pa,
            state=payment_state(due_date=pa.due_date, suspends_on=pa.suspends_on, on=on) if pa.is_open else pa.state,
            ordered=bool(pa.orders.all()),
        )
        for pa in pas
    ]


def orders(*, customer: Customer, on: date | None = None) -> list[Order]:
    """DET-3: new, renewal and return orders of this customer, newest first: those its reseller placed,
    each marked `returnable` while the return window is open and something is left to return (ORD-5),
    and — read-only, marked `previous` — those its earlier resellers placed before a reseller change
    (RC-7: orders carry over unchanged; they keep the reseller that placed them, so its *Transferred
    away* list still shows them). Only this customer's orders cross the scope: the caller has already
    found the customer among its reseller's own."""
    on = on or today()
    rows: list[Order] = list(
        Order.objects.with_scopes_disabled()
        .filter(customer=customer)
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("pk")),
            Prefetch("returns", queryset=Return.objects.with_scopes_disabled().prefetch_related("lines")),
        )
        .order_by("-created_at", "-pk")
    )
    for order in rows:
        order.previous = order.reseller_id != customer.reseller_id
        left = sum(line.quantity - line.returned_quantity for line in order.lines.all())
        order.returnable = (
            not order.previous
            and order.status == Order.Status.COMPLETE
            and rules.is_returnable_on(order.created_on, on)
            and left > 0
        )
    return rows


# DASH-1: how far back the failed orders stay on the to-do list.
FAILED_ORDERS_DAYS = 30


def failed_orders(*, reseller: Reseller, on: date, managed_by: Membership | None = None) -> QuerySet[Order]:
    """ORD-8: the reseller's failed orders placed in the last 30 days, newest first (the home page's
    item and the failed-orders page)."""
    orders = Order.objects.filter(
        reseller=reseller, status=Order.Status.FAILED, created_on__gt=on - timedelta(days=FAILED_ORDERS_DAYS)
    )
    if managed_by is not None:
        orders = orders.filter(customer__managed_by=managed_by)
    return orders.order_by("-created_on", "-id")


def three_year_commit(*, customer: Customer) -> ThreeYearCommit | None:
    """DET-1: the customer's latest three-year commit, if any."""
    return ThreeYearCommit.objects.with_scopes_disabled().filter(customer=customer).order_by("-requested_at").first()


def customer_level(customer: Customer) -> str:
    """The discount level the customer buys at (CAT-3, ORD-3): the level reached this term, or the
    three-year commit's locked level while it is committed (ORD-6)."""
    if customer.three_year_commit_status == ThreeYearCommitStatus.COMMITTED:
        commit = ThreeYearCommit.objects.filter(customer=customer, status=ThreeYearCommitStatus.COMMITTED).first()
        if commit and commit.level:
            return commit.level
    return customer.vip_select_level or "01"


def qualifying_bought(customer: Customer) -> int:
    """ORD-3: qualifying licences bought this term (accepted orders since the term began, less returns)."""
    if customer.anniversary_date is None:
        return 0
    term_start = customer.anniversary_date - relativedelta(months=12)
    total = (
        OrderLine.objects.filter(
            order__customer=customer,
            order__status=Order.Status.COMPLETE,
            order__created_on__gte=term_start,
            product__counts_for_vip_select=True,
        )
        .aggregate(total=Sum(F("quantity") - F("returned_quantity")))
        .get("total")
    )
    return int(total or 0)


def orders_per_product(product_ids: Iterable[int]) -> dict[int, int]:
    """CAT-1 (issue 13): how many orders reference each of these products, for those referenced at all.
    One query; the catalogue admin refuses to delete a referenced product (deactivate it instead)."""
    rows = (
        OrderLine.objects.filter(product_id__in=list(product_ids))
        .values("product_id")
        .annotate(orders=Count("order_id", distinct=True))
    )
    return {row["product_id"]: row["orders"] for row in rows}


def prices_used_by_orders(price_ids: Iterable[int]) -> set[int]:
    """CAT-2 (issue 13): the prices an order line was priced from — same product, level and currency,
    for a customer in the price's segment (the line keeps its unit price; the price list stays the
    record of where it came from, and renewals price from it again). One query."""
    used = OrderLine.objects.filter(
        product_id=OuterRef("product_id"),
        level=OuterRef("level"),
        order__currency=OuterRef("currency"),
        order__customer__segment=OuterRef("segment"),
    )
    return set(Price.objects.filter(Exists(used), pk__in=list(price_ids)).values_list("pk", flat=True))
