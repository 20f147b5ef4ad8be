"""Demo catalogue and purchases for `make run` (seed_demo): a neutral catalogue of Team and Enterprise
products with yearly prices per segment and level, and purchase authorizations and orders that put
demo customers in every filter. Rows are written directly with dates in the past (a demo cannot wait
for time to pass), then the same refresh the services use stores what the list filters read."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from console.demo import DemoRun
from customers.models import Customer
from customers.rules import payment_due_date, payment_state, payment_suspends_on
from purchase_auth import rules
from purchase_auth.models import (
    LicencePool,
    Order,
    OrderLine,
    Price,
    Product,
    PurchaseAuthorization,
    PurchaseAuthorizationLine,
    ThreeYearCommit,
)
from purchase_auth.services.common import customer_purchase_state_refresh

CATALOGUE = [
    # code, name, offering type, consumable, counts for VIP Select, commercial yearly price
    ("DS-T", "Design Suite", "TEAM", False, True, "659.88"),
    ("PS-T", "Photo Studio", "TEAM", False, True, "263.88"),
    ("VE-T", "Video Editor", "TEAM", False, True, "395.88"),
    ("DC-T", "Document Cloud", "TEAM", False, True, "179.88"),
    ("SC-T", "Stock Credits (40 assets)", "TEAM", True, False, "299.88"),
    ("DS-E", "Design Suite Enterprise", "ENTERPRISE", False, True, "1079.88"),
    ("DC-E", "Document Cloud Enterprise", "ENTERPRISE", False, True, "239.88"),
    ("SG-E", "Secure Signing Enterprise", "ENTERPRISE", False, True, "359.88"),
]
SEGMENT_FACTOR = {"COM": Decimal("1.00"), "GOV": Decimal("0.90"), "EDU": Decimal("0.60")}
LEVEL_FACTOR = {
    "01": Decimal("1.00"),
    "02": Decimal("0.94"),
    "03": Decimal("0.90"),
    "04": Decimal("0.85"),
    "12": Decimal("0.90"),
    "13": Decimal("0.86"),
    "14": Decimal("0.80"),
}


def demo_catalogue_create() -> int:
    """CAT-1/CAT-2: the demo products and their price list (idempotent). Returns products created."""
    created = 0
    for code, name, offering, consumable, qualifies, price in CATALOGUE:
        product, new = Product.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "offering_type": offering,
                "segments": list(SEGMENT_FACTOR),
                "is_consumable": consumable,
                "counts_for_vip_select": qualifies,
            },
        )
        created += new
        for segment, segment_factor in SEGMENT_FACTOR.items():
            for level, level_factor in LEVEL_FACTOR.items():
                if segment == "EDU" and level in ("12", "13", "14"):
                    continue
                Price.objects.get_or_create(
                    product=product,
                    segment=segment,
                    currency="USD",
                    level=level,
                    defaults={"unit_price": (Decimal(price) * segment_factor * level_factor).quantize(rules.CENT)},
                )
    return created


def demo_purchases_create(customers: list[tuple[Customer, int]]) -> None:
    """Give demo customers (with their demo state) the purchase authorizations and orders of that state."""
    products = [p for p in Product.objects.filter(is_consumable=False).order_by("code")]
    if not customers or not products:
        return
    rng = random.Random(len(customers))  # noqa: S311 (demo data, not security)
    today = timezone.localdate()
    now = timezone.now()
    for customer, state in customers:
        sellable = [p for p in products if customer.segment in p.segments]
        product = sellable[rng.randrange(len(sellable))]
        quantity = rng.choice([2, 5, 8, 12, 25, 60])
        if state in (1, 2):
            age = rng.randint(0, 13) if state == 1 else rng.randint(15, 90)
            created_on = today - timedelta(days=age)
            due, suspends_on = payment_due_date(created_on), payment_suspends_on(created_on)
            pa = PurchaseAuthorization.objects.create(
                reseller_id=customer.reseller_id,
                customer=customer,
                created_at=now - timedelta(days=age),
                created_on=created_on,
                created_by=customer.managed_by.user,
                due_date=due,
                suspends_on=suspends_on,
                state=payment_state(due_date=due, suspends_on=suspends_on, on=today),
            )
            PurchaseAuthorizationLine.objects.create(purchase_authorization=pa, product=product, quantity=quantity)
            LicencePool.objects.create(customer=customer, product=product, pending=quantity, assigned=quantity // 2)
            Customer.objects.filter(pk=customer.pk).update(
                anniversary_date=rules.first_anniversary(created_on), anniversary_source="pa"
            )
        elif state in (3, 4, 5):
            anniversary = customer.anniversary_date or rules.first_anniversary(today)
            placed = anniversary - relativedelta(months=12)
            level = rules.volume_level(quantity)
            price = Price.objects.get(product=product, segment=customer.segment, currency="USD", level=level)
            total = rules.line_total(unit_price=price.unit_price, quantity=quantity, months=12)
            order = Order.objects.create(
                reseller_id=customer.reseller_id,
                customer=customer,
                status=Order.Status.COMPLETE,
                created_at=now - (today - placed),
                created_on=placed,
                accepted_at=now - (today - placed),
                created_by=customer.managed_by.user,
                total=total,
                anniversary_date=anniversary,
            )
            OrderLine.objects.create(
                order=order,
                product=product,
                quantity=quantity,
                level=level,
                unit_price=price.unit_price,
                months=12,
                line_total=total,
            )
            LicencePool.objects.create(
                customer=customer, product=product, fulfilled=quantity, assigned=quantity * 3 // 4
            )
            Customer.objects.filter(pk=customer.pk).update(vip_select_level=level if level >= "02" else "")
        if state == 5 and quantity >= 12:
            _demo_commit(customer, quantity, rng.randrange(len(COMMIT_STORIES)), today, now)
        if state:
            customer_purchase_state_refresh(customer)


COMMIT_STORIES = ["requested", "accepted", "committed", "declined", "non_compliant", "expired"]


def _demo_commit(customer: Customer, bought: int, story: int, today: date, now: datetime) -> None:
    """ORD-6 examples: a three-year commit in every status."""
    status = COMMIT_STORIES[story]
    quantity = bought if status in ("committed", "expired") else bought + 10
    ThreeYearCommit.objects.create(
        reseller_id=customer.reseller_id,
        customer=customer,
        status=status,
        committed_quantity=quantity,
        level=rules.commit_level(customer.segment, quantity) if status in ("committed", "expired") else "",
        requested_at=now - timedelta(days=40),
        requested_by=customer.managed_by.user,
        decided_at=None if status == "requested" else now - timedelta(days=35),
        deadline=today + timedelta(days=10) if status == "accepted" else today - timedelta(days=5),
        ends_on=today - timedelta(days=1) if status == "expired" else today + timedelta(days=700),
    )
    Customer.objects.filter(pk=customer.pk).update(three_year_commit_status=status)


def demo_purchasing_step(run: DemoRun) -> None:
    """seed_demo: the catalogue, then the purchases that put the new demo customers in their filters."""
    demo_catalogue_create()
    demo_purchases_create(run.made.get("customers", []))
