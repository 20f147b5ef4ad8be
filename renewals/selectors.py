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


def auto_renewal_quotes(customers: list[Customer]) -> dict[int, Quote]:
    """REN-9/REN-10 for many customers in a fixed number of queries (the job's auto-renewal notices,
    JOB-3): per customer id, `renewal_quote(customer, auto_renewal_lines(customer))` — the same lines
    (pools or the reseller's quantities), level (volume, or a committed commit's locked level) and
    prices (the level's, else level 01) — with settings, pools, commits and prices read once each.
    A customer with nothing to renew, or a product without a price, has no quote.
    tests/renewals/test_reminders.py holds it equal to renewal_quote."""
    # Imported here so that this addition keeps the top of the module as it is.
    from collections import defaultdict

    from purchase_auth.models import Price, ThreeYearCommit
    from renewals.models import AutoRenewalLine

    ids = [customer.pk for customer in customers]
    chosen: dict[int, dict[Product, int]] = defaultdict(dict)
    for setting in AutoRenewalLine.objects.filter(auto_renewal__customer_id__in=ids).select_related(
        "product", "auto_renewal"
    ):
        chosen[setting.auto_renewal.customer_id][setting.product] = setting.quantity
    default: dict[int, dict[Product, int]] = defaultdict(dict)
    for pool in LicencePool.objects.filter(customer_id__in=ids, fulfilled__gt=0).select_related("product"):
        if not pool.product.is_consumable:
            default[pool.customer_id][pool.product] = pool.fulfilled
    locked = dict(
        ThreeYearCommit.objects.with_scopes_disabled()
        .filter(customer_id__in=ids, status=ThreeYearCommitStatus.COMMITTED)
        .order_by("customer_id", "-requested_at", "-id")
        .distinct("customer_id")
        .values_list("customer_id", "level")
    )
    merged = {customer.pk: default[customer.pk] | chosen[customer.pk] for customer in customers}
    lines_of = {
        pk: [Line(product, q) for product, q in sorted(quantities.items(), key=lambda i: i[0].name) if q]
        for pk, quantities in merged.items()
    }
    products = {line.product.pk for lines in lines_of.values() for line in lines}
    prices = {
        (price.product_id, price.segment, price.level): price
        for price in Price.objects.filter(product_id__in=products, currency="USD")
    }
    quotes: dict[int, Quote] = {}
    for customer in customers:
        lines = lines_of[customer.pk]
        if not lines:
            continue
        if customer.three_year_commit_status == ThreeYearCommitStatus.COMMITTED:  # purchasing.customer_level
            level = locked.get(customer.pk) or customer.vip_select_level or "01"
        else:
            level = rules.volume_level(sum(line.quantity for line in lines if line.product.counts_for_vip_select))
        priced = []
        for line in lines:
            price = prices.get((line.product.pk, customer.segment, level)) or prices.get(
                (line.product.pk, customer.segment, "01")
            )
            if price is None:
                break
            priced.append(
                OrderLine(
                    product=line.product,
                    quantity=line.quantity,
                    level=price.level,
                    unit_price=price.unit_price,
                    months=12,
                    line_total=rules.line_total(unit_price=price.unit_price, quantity=line.quantity, months=12),
                )
            )
        else:
            quotes[customer.pk] = Quote(level=level, lines=priced)
    return quotes
