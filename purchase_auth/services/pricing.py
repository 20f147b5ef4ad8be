"""CAT-2, CAT-3, ORD-2, ORD-5: the price of a line at a level, order lines priced for a number of months,
the quote of a new order (what its preview shows and what order_place saves) and the credit of a return."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.rules import RenewalState, renewal_state_for
from purchase_auth import rules, selectors
from purchase_auth.models import OrderLine, Price, Product
from purchase_auth.services.common import Line, PurchaseError, check_lines


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


@dataclass(frozen=True)
class OrderQuote:
    """A new order's prices before it is placed: the same figures order_place saves."""

    anniversary: date
    months: int
    level: str
    lines: list[OrderLine]

    @property
    def total(self) -> Decimal:
        return sum((line.line_total for line in self.lines), Decimal("0.00"))


def order_quote(customer: Customer, lines: Iterable[Line], on: date) -> OrderQuote:
    """ORD-1, ORD-2, ORD-3: price a new or add-on order of `lines` for `customer` on day `on` — the lines
    checked (CAT-4, PA-1 quantities), prorated by whole months to the Anniversary Date (a first or lapsed
    term starts one), at the customer's level or the one this order alone reaches. The order preview and
    order_place both call it, so the preview shows the prices the order gets. Raises PurchaseError when
    the order cannot be placed (in the grace after an unrenewed term only a renewal order is possible)."""
    checked = check_lines(customer, lines, allow_consumables=True)
    renewal = renewal_state_for(customer, on)
    if renewal == RenewalState.IN_GRACE and customer.anniversary_date:
        raise PurchaseError(
            _("The term ended on %(day)s: place a renewal order to keep these licences.")
            % {"day": date_format(customer.anniversary_date)}
        )
    if customer.anniversary_date is None or renewal == RenewalState.LAPSED:
        anniversary = rules.first_anniversary(on)
    else:
        anniversary = customer.anniversary_date
    months = rules.months_to_anniversary(on, anniversary)  # an extended term pays up to 48 months up front
    qualifying = sum(line.quantity for line in checked if line.product.counts_for_vip_select)
    level = max(selectors.customer_level(customer), rules.volume_level(qualifying))
    return OrderQuote(
        anniversary=anniversary,
        months=months,
        level=level,
        lines=priced_lines(lines=checked, segment=customer.segment, level=level, months=months),
    )


def return_credit(lines: Mapping[OrderLine, int]) -> list[tuple[OrderLine, int, Decimal]]:
    """ORD-5: the credit of returning `quantity` of each order line, at the line's original unit price
    and months (half-up, 2 decimals). The return form's confirmation and order_return both use it."""
    return [
        (line, quantity, rules.line_total(unit_price=line.unit_price, quantity=quantity, months=line.months))
        for line, quantity in lines.items()
    ]
