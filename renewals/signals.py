"""The operator edits the catalogue in the Django admin: a price or a product's flags change the projected
renewal value stored on the row of every customer holding licences of that product (REN-10, REN-11). The
customers are refreshed set-based, in the transaction of the edit."""

from __future__ import annotations

from typing import Any

from django.db.models import Subquery

from customers.figures import customer_figures_refresh
from customers.models import Customer
from purchase_auth.models import LicencePool, Price, Product


def _holders_refresh(product_id: int) -> None:
    holders = LicencePool.objects.filter(product_id=product_id).values("customer_id")
    customer_figures_refresh(Customer.objects.with_scopes_disabled().filter(pk__in=Subquery(holders)))


def price_changed(sender: type[Price], instance: Price, **kwargs: Any) -> None:
    _holders_refresh(instance.product_id)


def product_changed(sender: type[Product], instance: Product, **kwargs: Any) -> None:
    _holders_refresh(instance.pk)
