from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from console.accounts.models import Reseller
from purchase_auth.models import Order, OrderLine
from reseller_change.models import CustomerTransfer, ResellerChangeCode


def sent_codes(*, reseller: Reseller) -> QuerySet[ResellerChangeCode]:
    """RC-8: the reseller's sent codes, newest first."""
    return (
        ResellerChangeCode.objects.filter(reseller=reseller).select_related("sent_by__user").order_by("-sent_at", "-pk")
    )


@dataclass(frozen=True)
class TransferredAway:
    transfer: CustomerTransfer
    orders: list[Order]


def transferred_away(*, reseller: Reseller) -> QuerySet[CustomerTransfer]:
    """RC-9, LIST-7: the customers that left this reseller (and did not come back), newest first."""
    return (
        CustomerTransfer.objects.filter(from_reseller=reseller)
        .exclude(customer__reseller=reseller)
        .select_related("customer")
        .order_by("-transferred_at", "-pk")
    )


def with_orders(*, reseller: Reseller, transfers: list[CustomerTransfer]) -> list[TransferredAway]:
    """Each transfer with the orders this reseller placed for that customer before it left (read-only).
    Orders keep the reseller that placed them, so this reseller's scope finds exactly its own."""
    orders = (
        Order.objects.filter(reseller=reseller, customer__in=[t.customer_id for t in transfers])
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("pk")))
        .order_by("-created_at", "-pk")
    )
    by_customer: dict[int, list[Order]] = {}
    for order in orders:
        by_customer.setdefault(order.customer_id, []).append(order)
    return [
        TransferredAway(
            transfer=t, orders=[o for o in by_customer.get(t.customer_id, []) if o.created_at <= t.transferred_at]
        )
        for t in transfers
    ]
