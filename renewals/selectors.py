"""Reads for renewals: what expires, what a renewal would cost (REN-10), what auto-renewal will renew."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from console.clock import today
from customers.models import Customer, ThreeYearCommitStatus
from customers.rules import renewal_term_ad
from purchase_auth import rules
from purchase_auth import selectors as purchasing
from purchase_auth.models import LicencePool, OrderLine, Product
from purchase_auth.services.common import Line
from purchase_auth.services.pricing import priced_lines
from renewals.models import AutoRenewal


def term_ad(customer: Customer, on: date | None = None) -> date | None:
    """The Anniversary Date of the term a renewal order placed on `on` renews (customers.rules)."""
    return renewal_term_ad(anniversary_date=customer.anniversary_date, renewed_ad=customer.renewed_ad, on=on or today())


def is_term_renewed(customer: Customer, on: date | None = None) -> bool:
    """True once a renewal of the term being renewed was accepted (REN-3: the AD moved already)."""
    ad = term_ad(customer, on)
    return ad is not None and ad == customer.renewed_ad


def expiring(customer: Customer, on: date | None = None) -> dict[Product, int]:
    """REN-7: per product, the licences of the term being renewed that a renewal may still renew — the
    term's fulfilled licences, or after a (partial) renewal those left in grace."""
    renewed = is_term_renewed(customer, on)
    pools = LicencePool.objects.filter(customer=customer).select_related("product").order_by("product__name")
    quantities = {pool.product: pool.grace if renewed else pool.fulfilled for pool in pools}
    return {product: quantity for product, quantity in quantities.items() if quantity}


def renewal_level(customer: Customer, lines: list[Line]) -> str:
    """REN-2: the level the renewal quantity reaches (it may go up or down); a committed three-year
    commit keeps its locked level (ORD-6)."""
    if customer.three_year_commit_status == ThreeYearCommitStatus.COMMITTED:
        return purchasing.customer_level(customer)
    return rules.volume_level(sum(line.quantity for line in lines if line.product.counts_for_vip_select))


@dataclass(frozen=True)
class Quote:
    """REN-10: a renewal's level, its lines priced for a full 12-month term, and the total."""

    level: str
    lines: list[OrderLine]

    @property
    def total(self) -> Decimal:
        return sum((line.line_total for line in self.lines), Decimal("0.00"))


def renewal_quote(customer: Customer, lines: list[Line]) -> Quote:
    """One pricing for the renewal order, its preview, the auto-renewal order and the projected values
    of the renewals page. Raises PurchaseError when a product has no price."""
    level = renewal_level(customer, lines)
    return Quote(level=level, lines=priced_lines(lines=lines, segment=customer.segment, level=level, months=12))


def auto_renewal_lines(customer: Customer) -> list[Line]:
    """REN-9: what the auto-renewal would renew — by default every active licence of the term, or the
    quantities the reseller set (0 leaves a product out)."""
    settings = AutoRenewal.objects.filter(customer=customer).prefetch_related("lines__product").first()
    chosen = {line.product: line.quantity for line in settings.lines.all()} if settings else {}
    pools = LicencePool.objects.filter(customer=customer, fulfilled__gt=0).select_related("product")
    default = {pool.product: pool.fulfilled for pool in pools if not pool.product.is_consumable}
    quantities = default | chosen
    return [
        Line(product, quantity) for product, quantity in sorted(quantities.items(), key=lambda i: i[0].name) if quantity
    ]


def auto_renewal_enabled(customer: Customer) -> bool:
    """REN-9: on by default; a committed three-year commit cannot turn it off."""
    if customer.three_year_commit_status == ThreeYearCommitStatus.COMMITTED:
        return True
    settings = AutoRenewal.objects.filter(customer=customer).only("enabled").first()
    return settings.enabled if settings else True
