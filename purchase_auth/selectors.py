from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Sum

from customers.models import Customer
from customers.rules import today
from purchase_auth.models import (
    LicencePool,
    Order,
    OrderLine,
    PurchaseAuthorization,
    PurchaseAuthorizationLine,
    ThreeYearCommit,
)
from purchase_auth.rules import pa_time_state


def licence_pools(*, customer: Customer, on: date | None = None) -> list[LicencePool]:
    """DET-2/ORD-4: per product, fulfilled, pending, assigned and available — and, of the pending
    ones, how many stopped working because their purchase authorization is suspended (PA-2)."""
    on = on or today()
    pools = list(
        LicencePool.objects.filter(customer=customer)
        .exclude(fulfilled=0, pending=0, assigned=0)
        .select_related("product")
        .order_by("product__name")
    )
    suspended = suspended_quantities(customer=customer, on=on)
    for pool in pools:
        pool.suspended = suspended.get(pool.product_id, 0)  # type: ignore[attr-defined]
    return pools


def suspended_quantities(*, customer: Customer, on: date | None = None) -> dict[int, int]:
    """PA-2: per product, the pending licences whose purchase authorization is suspended on `on`."""
    on = on or today()
    return dict(
        PurchaseAuthorizationLine.objects.filter(
            purchase_authorization__customer=customer,
            purchase_authorization__state__in=PurchaseAuthorization.OPEN_STATES,
            purchase_authorization__created_on__lte=on
            - timedelta(days=settings.VIP_POLICY["PA_SUSPEND_AFTER_DAYS"] + 1),
        )
        .values("product")
        .annotate(quantity=Sum("quantity"))
        .values_list("product", "quantity")
    )


def licence_totals(pools: list[LicencePool]) -> dict[str, int]:
    return {
        "active": sum(p.assigned for p in pools),
        "available": sum(p.available for p in pools),
        "fulfilled": sum(p.fulfilled for p in pools),
        "pending": sum(p.pending for p in pools),
    }


def purchase_authorizations(*, customer: Customer, on: date) -> list[dict[str, Any]]:
    """DET-2: the customer's PAs, newest first, each with the state it has today."""
    pas = (
        PurchaseAuthorization.objects.filter(reseller_id=customer.reseller_id, customer=customer)
        .prefetch_related(
            "lines__product", Prefetch("orders", queryset=Order.objects.exclude(status=Order.Status.FAILED))
        )
        .order_by("-created_at")
    )
    rows = []
    for pa in pas:
        state = pa_time_state(created_on=pa.created_on, due_date=pa.due_date, on=on) if pa.is_open else pa.state
        rows.append({"pa": pa, "state": state, "ordered": bool(pa.orders.all())})
    return rows


def orders(*, customer: Customer) -> list[Order]:
    """DET-3: new, renewal and return orders of this customer placed by its reseller, each marked
    `returnable` while the return window is open and something is left to return (ORD-5)."""
    last_day = today() - timedelta(days=settings.VIP_POLICY["RETURN_DAYS"])
    rows = list(
        Order.objects.filter(reseller_id=customer.reseller_id, customer=customer)
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("pk")),
            "returns__lines",
        )
        .select_related("purchase_authorization")
        .annotate(returned=Sum("lines__returned_quantity"), bought=Sum("lines__quantity"))
        .order_by("-created_at")
    )
    for order in rows:
        order.returnable = (  # type: ignore[attr-defined]
            order.status == Order.Status.COMPLETE and order.created_on >= last_day and order.returned < order.bought
        )
    return rows


def three_year_commit(*, customer: Customer) -> ThreeYearCommit | None:
    """DET-1: the customer's latest three-year commit, if any."""
    return ThreeYearCommit.objects.with_scopes_disabled().filter(customer=customer).order_by("-requested_at").first()
