"""CAT-2, CAT-3, ORD-2: the price of a line at a level, and order lines priced for a number of months."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from purchase_auth import rules
from purchase_auth.models import OrderLine, Price, Product
from purchase_auth.services.common import Line, PurchaseError


def price_for(product: Product, segment: str, level: str) -> Price:
    """CAT-2: the yearly USD price of `product` in `segment` at `level`, or at level 01 when the price
    list has no entry for that level. Raises PurchaseError when the product has no price at all."""
    price = Price.objects.filter(product=product, segment=segment, currency="USD", level=level).first()
    if price is None:
        price = Price.objects.filter(product=product, segment=segment, currency="USD", level="01").first()
    if price is None:
        raise PurchaseError(_("%(product)s has no price in this segment.") % {"product": product.name})
    return price


def priced_lines(*, lines: Iterable[Line], segment: str, level: str, months: int) -> list[OrderLine]:
    """ORD-2/ORD-7: unsaved order lines, each at the unit price of `level` for `months` months."""
    priced = []
    for line in lines:
        price = price_for(line.product, segment, level)
        priced.append(
            OrderLine(
                product=line.product,
                quantity=line.quantity,
                level=price.level,
                unit_price=price.unit_price,
                months=months,
                line_total=rules.line_total(unit_price=price.unit_price, quantity=line.quantity, months=months),
            )
        )
    return priced
