"""Reads for renewals: what expires, what a renewal would cost (REN-10), what auto-renewal will renew."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from console.clock import policy, today
from customers.models import Customer, ThreeYearCommitStatus
from customers.rules import RenewalState, renewal_state_for, renewal_term_ad, renewal_term_renewed
from purchase_auth import rules
from purchase_auth import selectors as purchasing
from purchase_auth.models import LicencePool, OrderLine, Product
from purchase_auth.services.common import Line, PurchaseError
from purchase_auth.services.pricing import priced_lines
from renewals.models import AutoRenewal, AutoRenewalLine


def term_ad(customer: Customer, on: date | None = None) -> date | None:
    """The Anniversary Date of the term a renewal order placed on `on` renews (customers.rules)."""
    return renewal_term_ad(anniversary_date=customer.anniversary_date, renewed_ad=customer.renewed_ad, on=on or today())


def is_term_renewed(customer: Customer, on: date | None = None) -> bool:
    """True once a renewal of the term being renewed was accepted (REN-3: the AD moved already)."""
    return renewal_term_renewed(
        anniversary_date=customer.anniversary_date, renewed_ad=customer.renewed_ad, on=on or today()
    )


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

    ids = [customer.pk for customer in customers]
    # Values, not rows: one Product each from the catalogue, not one per setting or pool (thousands on the
    # job's heavy day).
    catalogue = Product.objects.in_bulk()
    chosen: dict[int, dict[Product, int]] = defaultdict(dict)
    for customer_id, product_id, quantity in (
        AutoRenewalLine.objects.filter(auto_renewal__customer_id__any=ids)
        .order_by()
        .values_list("auto_renewal__customer_id", "product_id", "quantity")
    ):
        chosen[customer_id][catalogue[product_id]] = quantity
    default: dict[int, dict[Product, int]] = defaultdict(dict)
    for customer_id, product_id, fulfilled in (
        LicencePool.objects.filter(customer_id__any=ids, fulfilled__gt=0)
        .order_by()
        .values_list("customer_id", "product_id", "fulfilled")
    ):
        if not catalogue[product_id].is_consumable:
            default[customer_id][catalogue[product_id]] = fulfilled
    locked = dict(
        ThreeYearCommit.objects.with_scopes_disabled()
        .filter(customer_id__any=ids, status=ThreeYearCommitStatus.COMMITTED)
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


CURRENCY = "USD"  # CAT-2: the price list is in US dollars
# REN-2, REN-7: where a renewal order may be worked on (upcoming: previewed, placed from AD−30).
RENEWABLE = frozenset({RenewalState.UPCOMING, RenewalState.READY, RenewalState.IN_GRACE, RenewalState.PARTIAL})


@dataclass(frozen=True)
class RenewalSummary:
    """What the customer page shows about the term being renewed and the upcoming auto-renewal."""

    state: str
    state_label: str
    term_ad: date | None
    opens_on: date | None  # REN-2: renewal orders from AD−30
    grace_ends: date | None  # REN-4: the last day un-renewed licences work
    late: bool  # REN-7: from the AD, only expiring licences renew
    auto_enabled: bool
    auto_quote: Quote | None
    auto_problem: str
    auto_edit_until: date | None  # REN-9: changes allowed until AD−3 (policy)
    auto_editable: bool
    currency: str = CURRENCY

    @property
    def can_renew(self) -> bool:
        return self.state in RENEWABLE and self.term_ad is not None


def renewal_summary(customer: Customer, on: date) -> RenewalSummary:
    """REN-8…REN-10: the term being renewed and the upcoming auto-renewal, as the customer page and the
    API show them."""
    state = renewal_state_for(customer, on)
    ad = term_ad(customer, on)
    window, grace = policy("RENEWAL_WINDOW_DAYS"), policy("RENEWAL_GRACE_DAYS")
    quote, problem = None, ""
    enabled = auto_renewal_enabled(customer)
    if enabled:
        lines = auto_renewal_lines(customer)
        try:
            quote = renewal_quote(customer, lines) if lines else None
        except PurchaseError as error:
            problem = str(error)
    next_ad = customer.anniversary_date
    edit_until = next_ad - timedelta(days=policy("AUTO_RENEWAL_EDIT_DAYS")) if next_ad else None
    return RenewalSummary(
        state=state,
        state_label=str(RenewalState(state).label),
        term_ad=ad,
        opens_on=ad - timedelta(days=window) if ad else None,
        grace_ends=ad + timedelta(days=grace) if ad else None,
        late=ad is not None and on >= ad,
        auto_enabled=enabled,
        auto_quote=quote,
        auto_problem=problem,
        auto_edit_until=edit_until,
        auto_editable=edit_until is None or on <= edit_until,
    )


def auto_renewal_quantities(customer: Customer) -> list[tuple[Product, int]]:
    """REN-9: every product auto-renewal may renew — the term's licences and any product given a
    quantity before — with the quantity it renews now (auto_renewal_lines: 0 if left out)."""
    renewing = {line.product: line.quantity for line in auto_renewal_lines(customer)}
    owned = LicencePool.objects.filter(customer=customer, fulfilled__gt=0, product__is_consumable=False)
    chosen = AutoRenewalLine.objects.filter(auto_renewal__customer=customer)
    products = {pool.product for pool in owned.select_related("product")}
    products |= {line.product for line in chosen.select_related("product")}
    return [(product, renewing.get(product, 0)) for product in sorted(products, key=lambda p: p.name)]
