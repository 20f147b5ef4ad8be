"""What purchasing puts on the home page (DASH-1): failed orders (ORD-8) of the last 30 days, each one
needing a look (why it failed, a new order). Registered in PurchaseAuthConfig.ready(); the list it
links to is the failed-orders page (purchase_auth.pages)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.formats import date_format

from console.home import ROWS_SHOWN, HomeView, TodoFigure, TodoRow
from purchase_auth.selectors import failed_orders


def failed_orders_figure(view: HomeView) -> TodoFigure:
    orders = failed_orders(reseller=view.reseller, on=view.on, managed_by=view.managed_by)
    count = orders.count()
    rows = [
        TodoRow(
            f"{order.customer.name} · {order.number}",
            reverse("customers:detail", args=[order.customer.vip_id]) + "?tab=orders",
            f"{date_format(order.created_on, 'SHORT_DATE_FORMAT')} · {order.failure_reason}".strip(" ·"),
            urgent=True,
        )
        for order in (orders.select_related("customer")[:ROWS_SHOWN] if count else [])
    ]
    return TodoFigure(count, rows, view.url("order_pages:failed"))
