"""factory-boy factories. Children take their reseller from their parent, so a test never builds a
cross-tenant object by accident."""

from __future__ import annotations

import factory
from django.utils import timezone

from console.accounts.models import MarketSegment, Membership, Reseller, User
from console.audit.models import AuditEvent
from console.outbox.models import OutboxMessage
from customers.models import Customer, CustomerType

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)


class ResellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reseller

    name = factory.Sequence(lambda n: f"Reseller {n} Ltd")
    reseller_id = factory.Sequence(lambda n: f"{1000000000 + n:010d}")
    segments = factory.LazyFunction(lambda: list(MarketSegment.values))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    reseller = factory.SubFactory(ResellerFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER
    status = Membership.Status.ACTIVE
    activated_at = factory.LazyFunction(timezone.now)


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    created_at = factory.LazyFunction(timezone.now)
    reseller = factory.SubFactory(ResellerFactory)
    actor = None
    actor_label = "system"
    action = "team.invite"
    object_type = "accounts.membership"
    object_id = "1"
    object_repr = "someone"
    changes = factory.LazyFunction(dict)


class OutboxMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboxMessage

    reseller = factory.SubFactory(ResellerFactory)
    template = "team_invitation"
    to_email = factory.Sequence(lambda n: f"recipient{n}@example.com")
    subject = "Hello"
    body_text = "Hello"
    body_html = "<p>Hello</p>"
    created_at = factory.LazyFunction(timezone.now)
    next_attempt_at = factory.LazyFunction(timezone.now)


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer with a pending invitation; its reseller is the managing member's reseller."""

    class Meta:
        model = Customer

    managed_by = factory.SubFactory(MembershipFactory)
    reseller = factory.LazyAttribute(lambda o: o.managed_by.reseller)
    created_by = factory.LazyAttribute(lambda o: o.managed_by.user)
    name = factory.Sequence(lambda n: f"Customer Org {n}")
    name_en = factory.LazyAttribute(lambda o: o.name)
    segment = MarketSegment.COMMERCIAL
    type = CustomerType.TEAM
    country = "US"
    region = "US-CA"
    city = "San Jose"
    address_line1 = "1 Main Street"
    postal_code = "95113"
    contact_first_name = "Ann"
    contact_last_name = "Lee"
    contact_email = factory.Sequence(lambda n: f"contact{n}@customer.example")
    invited_at = factory.LazyFunction(timezone.now)
    created_at = factory.LazyFunction(timezone.now)


class ProductFactory(factory.django.DjangoModelFactory):
    """A licence product sold in every segment, with a level-01 and level-02 price per segment."""

    class Meta:
        model = "purchase_auth.Product"
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"PRODUCT-{n}")
    name = factory.Sequence(lambda n: f"Design Suite {n}")
    offering_type = CustomerType.TEAM
    segments = factory.LazyFunction(lambda: list(MarketSegment.values))

    @factory.post_generation
    def prices(self, create: bool, extracted: object, **kwargs: object) -> None:
        from decimal import Decimal

        from purchase_auth.models import Price

        if not create or extracted is False:
            return
        for segment in self.segments:
            for level, amount in (("01", "120.00"), ("02", "108.00"), ("03", "96.00"), ("04", "84.00")):
                Price.objects.create(product=self, segment=segment, level=level, unit_price=Decimal(amount))


def lines_data(*rows: tuple[object, object], total: int = 5, **extra: object) -> dict[str, object]:
    """POST data of the product-lines formset (prefix "lines"): (product pk, quantity) rows, the
    management form, then any other field of the page."""
    data: dict[str, object] = {"lines-TOTAL_FORMS": total, "lines-INITIAL_FORMS": 0}
    for index, (product, quantity) in enumerate(rows):
        data[f"lines-{index}-product"] = product
        data[f"lines-{index}-quantity"] = quantity
    return data | extra
