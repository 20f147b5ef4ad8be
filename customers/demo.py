"""Demo customers for `make run` (seed_demo): deterministic, idempotent, with examples in every filter
of the customer list (their purchases come from purchase_auth.demo)."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from console.accounts.models import MarketSegment, Reseller
from console.accounts.selectors import members_who_may_write
from console.demo import DemoRun
from customers.models import Customer, CustomerType, InvitationStatus, new_vip_id

NAMES = [
    ("Aurora Dental Clinic", ""),
    ("Blue Harbor Logistics", ""),
    ("Cedar Grove School District", ""),
    ("Delta County Records Office", ""),
    ("Evergreen Architects", ""),
    ("Fjord Maritime Services", ""),
    ("Granite Peak Engineering", ""),
    ("Харків Медіа Груп", "Kharkiv Media Group"),
    ("Київська Академія Дизайну", "Kyiv Design Academy"),
    ("Львівські Студії", "Lviv Studios"),
    ("Müller & Söhne Druckerei", "Mueller and Soehne Printing"),
    ("Óptica São Paulo", "Optica Sao Paulo"),
    ("Northwind Photo Lab", ""),
    ("Orchid Marketing Partners", ""),
    ("Pinecrest University", ""),
    ("Quarry Hill Publishing", ""),
    ("Riverside City Council", ""),
    ("Summit Video Productions", ""),
    ("Tidewater Community College", ""),
    ("Union Street Studio", ""),
]
CITIES = [
    ("US", "US-CA", "San Jose", "95113"),
    ("US", "US-NY", "New York", "10001"),
    ("UA", "UA-30", "Kyiv", "01001"),
    ("DE", "DE-BE", "Berlin", "10115"),
    ("GB", "GB-ENG", "London", "SW1A 1AA"),
]


def demo_customers_create(*, reseller: Reseller, count: int) -> list[tuple[Customer, int]]:
    """Create the reseller's demo customers that do not exist yet; returns them with their demo state
    (0 no products, 1 pending request, 2 past due, 3 upcoming renewal, 4 ready, 5 active)."""
    existing = Customer.objects.with_scopes_disabled().filter(reseller=reseller).count()
    if existing >= count:
        return []
    members = list(members_who_may_write(reseller=reseller).order_by("pk"))
    rng = random.Random(f"{reseller.reseller_id}")  # noqa: S311 (demo data, not security)
    now = timezone.now()
    today = timezone.localdate()
    segments = [s for s in MarketSegment.values if s in reseller.segments] or MarketSegment.values
    customers, states = [], []
    for index in range(count):
        base, english = NAMES[index % len(NAMES)]
        country, region, city, postal = CITIES[index % len(CITIES)]
        name = f"{base} {index // len(NAMES) + 1}"
        state = index % 6
        customer = Customer(
            reseller=reseller,
            vip_id=new_vip_id(),
            name=name,
            name_en=f"{english} {index // len(NAMES) + 1}" if english else name,
            segment=segments[index % len(segments)],
            type=CustomerType.TEAM if index % 3 else CustomerType.ENTERPRISE,
            country=country,
            region=region,
            city=city,
            address_line1=f"{rng.randint(1, 999)} Main Street",
            postal_code=postal,
            contact_first_name=rng.choice(["Anna", "Oleh", "Maria", "John", "Priya", "Jonas"]),
            contact_last_name=rng.choice(["Smith", "Kovalenko", "Garcia", "Müller", "Patel", "Berg"]),
            contact_email=f"admin{index}@c{index}.r{reseller.reseller_id[-3:]}.example",
            language="uk" if country == "UA" else "en",  # their emails come in Ukrainian (I18N-2)
            invitation_status=InvitationStatus.ACCEPTED if index % 4 else InvitationStatus.PENDING,
            invited_at=now - timedelta(days=rng.randint(1, 400)),
            managed_by=members[index % len(members)],
            created_by=members[0].user,
            created_at=now - timedelta(days=rng.randint(1, 400)),
        )
        if state == 3:  # upcoming renewal (its initial order comes from purchase_auth.demo)
            customer.anniversary_date = today + timedelta(days=rng.randint(31, 45))
        elif state == 4:  # ready for renewal
            customer.anniversary_date = today + timedelta(days=rng.randint(-30, 30))
        elif state == 5:  # active, renews later
            customer.anniversary_date = today + timedelta(days=rng.randint(46, 330))
        if customer.anniversary_date:
            customer.anniversary_source = "order"
        states.append(state)
        customers.append(customer)
    for customer in customers[existing:]:
        customer.save()
    return list(zip(customers[existing:], states[existing:], strict=True))


def demo_customers_step(run: DemoRun) -> None:
    """seed_demo: 300 customers per reseller, in every filter of the list."""
    made = [pair for reseller in run.resellers for pair in demo_customers_create(reseller=reseller, count=300)]
    run.made["customers"] = made
    run.counts["customers"] = len(made)
