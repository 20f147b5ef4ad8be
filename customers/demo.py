"""Demo customers for `make run` (seed_demo): deterministic, idempotent, with examples in every filter
of the customer list.

Until purchasing exists (issue 4) the purchase-authorization columns that the filters read are set
directly here, as the purchasing services will set them."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from console.accounts.models import MarketSegment, Membership, Reseller
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


def demo_customers_create(*, reseller: Reseller, count: int) -> int:
    """Create the reseller's demo customers that do not exist yet; returns how many were created."""
    existing = Customer.objects.with_scopes_disabled().filter(reseller=reseller).count()
    if existing >= count:
        return 0
    members = list(
        Membership.objects.with_scopes_disabled()
        .filter(reseller=reseller, status=Membership.Status.ACTIVE)
        .exclude(role=Membership.Role.VIEWER)
        .order_by("pk")
    )
    rng = random.Random(f"{reseller.reseller_id}")  # noqa: S311 (demo data, not security)
    now = timezone.now()
    today = timezone.localdate()
    segments = [s for s in MarketSegment.values if s in reseller.segments] or MarketSegment.values
    customers = []
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
            invitation_status=InvitationStatus.ACCEPTED if index % 4 else InvitationStatus.PENDING,
            invited_at=now - timedelta(days=rng.randint(1, 400)),
            managed_by=members[index % len(members)],
            created_by=members[0].user,
            created_at=now - timedelta(days=rng.randint(1, 400)),
        )
        if state == 1:  # pending request
            customer.has_products = True
            customer.open_pa_min_due = customer.open_pa_max_due = today + timedelta(days=rng.randint(0, 14))
        elif state == 2:  # past due (some suspended)
            customer.has_products = True
            customer.open_pa_min_due = customer.open_pa_max_due = today - timedelta(days=rng.randint(1, 80))
        elif state == 3:  # upcoming renewal
            customer.has_products = True
            customer.anniversary_date = today + timedelta(days=rng.randint(31, 45))
        elif state == 4:  # ready for renewal
            customer.has_products = True
            customer.anniversary_date = today + timedelta(days=rng.randint(-30, 30))
        elif state == 5:  # active, renews later
            customer.has_products = True
            customer.anniversary_date = today + timedelta(days=rng.randint(46, 330))
            customer.vip_select_level = rng.choice(["", "02", "03"])
        if customer.has_products and customer.anniversary_date is None:
            customer.anniversary_date = today + timedelta(days=rng.randint(100, 300))
        if customer.has_products:
            customer.anniversary_source = "pa"
        customers.append(customer)
    for customer in customers[existing:]:
        customer.save()
    return count - existing
