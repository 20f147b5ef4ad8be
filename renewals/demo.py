"""Demo renewals for `make run` (seed_demo): the demo customers that bought a term (purchase_auth.demo)
get every renewal state — upcoming, ready, in grace, lapsed with expired licences, renewed, partially
renewed — and some have auto-renewal off. Rows are written directly with dates in the past, as the
services would have left them (renewals.services.renewal_apply, licences_expire)."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import F
from django.utils import timezone

from console.demo import DemoRun
from customers.figures import customer_figures_refresh
from customers.models import Customer
from purchase_auth.models import LicencePool, Order, OrderLine
from purchase_auth.services.common import Line, PurchaseError
from renewals import selectors
from renewals.models import AutoRenewal

# The demo states of customers.demo that bought a term: 3 upcoming renewal, 4 ready, 5 active.
UPCOMING, READY, ACTIVE = 3, 4, 5
STORIES = ["ready", "renewed", "partial", "lapsed", "in_grace"]


def demo_renewals_create(customers: list[tuple[Customer, int]]) -> dict[str, int]:
    """Give the demo customers with a term their renewal story; returns how many got each."""
    today = timezone.localdate()
    counts = dict.fromkeys([*STORIES, "auto_renewal_off"], 0)
    ready = [customer for customer, state in customers if state == READY]
    for index, customer in enumerate(ready):
        customer.refresh_from_db()
        pool = LicencePool.objects.filter(customer=customer, fulfilled__gt=0).select_related("product").first()
        if pool is None or customer.anniversary_date is None:
            continue
        story = STORIES[index % len(STORIES)]
        if story == "lapsed":
            _term_move(customer, today - timedelta(days=31 + index % 40))
            LicencePool.objects.filter(pk=pool.pk).update(expired=F("fulfilled"), fulfilled=0, assigned=0)
        elif story == "in_grace":
            _term_move(customer, today - timedelta(days=1 + index % 29))
        elif story in ("renewed", "partial"):
            renewed = pool.fulfilled if story == "renewed" else max(pool.fulfilled // 2, 1)
            if not _renewal_record(customer, Line(pool.product, renewed), pool):
                continue
        counts[story] += 1
        if story in ("lapsed", "in_grace") or (story == "ready" and customer.anniversary_date <= today):
            _auto_renewal_off(customer)  # why they did not renew on their AD
            counts["auto_renewal_off"] += 1
    customer_figures_refresh([customer.pk for customer, _state in customers])
    others = [customer for customer, state in customers if state in (UPCOMING, ACTIVE)]
    for customer in others[::4]:
        _auto_renewal_off(customer)
        counts["auto_renewal_off"] += 1
    return counts


def _term_move(customer: Customer, anniversary: date) -> None:
    """Let the customer's bought term end on `anniversary` (its initial order placed 12 months before)."""
    placed = anniversary - relativedelta(months=12)
    now = timezone.now()
    moved = now - (timezone.localdate() - placed)
    Order.objects.filter(customer=customer).update(
        created_on=placed, created_at=moved, accepted_at=moved, anniversary_date=anniversary
    )
    Customer.objects.filter(pk=customer.pk).update(anniversary_date=anniversary)
    customer.anniversary_date = anniversary


def _renewal_record(customer: Customer, line: Line, pool: LicencePool) -> bool:
    """An accepted renewal order of the term, placed in its window, and what accepting it did (REN-3)."""
    ad = customer.anniversary_date
    if ad is None:
        return False
    today = timezone.localdate()
    placed = max(ad - timedelta(days=30), today - timedelta(days=12))
    try:
        quote = selectors.renewal_quote(customer, [line])
    except PurchaseError:
        return False
    at = timezone.now() - (today - placed)
    order = Order.objects.create(
        reseller_id=customer.reseller_id,
        customer=customer,
        kind=Order.Kind.RENEWAL,
        status=Order.Status.COMPLETE,
        created_at=at,
        created_on=placed,
        accepted_at=at,
        created_by=customer.managed_by.user,
        total=quote.total,
        anniversary_date=ad + relativedelta(months=12),
        renews_ad=ad,
    )
    for priced in quote.lines:
        priced.order = order
    OrderLine.objects.bulk_create(quote.lines)
    left = pool.fulfilled - line.quantity
    LicencePool.objects.filter(pk=pool.pk).update(fulfilled=line.quantity, grace=left)
    Customer.objects.filter(pk=customer.pk).update(
        anniversary_date=ad + relativedelta(months=12), renewed_ad=ad, renewal_shortfall=left
    )
    return True


def _auto_renewal_off(customer: Customer) -> None:
    AutoRenewal.objects.get_or_create(
        customer=customer,
        defaults={
            "reseller_id": customer.reseller_id,
            "enabled": False,
            "updated_at": timezone.now(),
            "updated_by": customer.managed_by.user,
        },
    )


def demo_renewals_step(run: DemoRun) -> None:
    """seed_demo: renewal stories for the customers made in this run (none on a second run)."""
    counts = demo_renewals_create(run.made.get("customers", []))
    run.counts["renewals"] = sum(counts.values())
