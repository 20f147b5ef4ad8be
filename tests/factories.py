"""factory-boy factories. Children take their reseller from their parent, so a test never builds a
cross-tenant object by accident."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from console.accounts.models import MarketSegment, Membership, Reseller, User
from console.audit.models import AuditEvent
from console.jobs.models import PeriodicRun
from console.outbox.models import OutboxMessage
from customers.models import (
    Customer,
    CustomerAdmin,
    CustomerListVersion,
    CustomerSearch,
    CustomerType,
    ThreeYearCommitStatus,
)
from customers.rules import payment_due_date, payment_suspends_on
from purchase_auth.models import (
    LicencePool,
    Order,
    OrderLine,
    Price,
    Product,
    PurchaseAuthorization,
    PurchaseAuthorizationLine,
    Return,
    ReturnLine,
    ThreeYearCommit,
)
from renewals.models import AutoRenewal
from reseller_change.models import CustomerTransfer, ResellerChangeCode, ResellerChangeFailure, code_hash

PASSWORD = "correct horse battery staple"


class FiguresRefreshed:
    """Rows the customer's stored figures are computed from (customers.figures): the factory stores the
    figures afterwards, as the services do in the same transaction."""

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        from customers.figures import customer_figures_refresh

        made = super()._create(model_class, *args, **kwargs)  # type: ignore[misc]
        customer_figures_refresh([made.customer_id])
        return made


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


class PeriodicRunFactory(factory.django.DjangoModelFactory):
    """A finished, successful run of the periodic job."""

    class Meta:
        model = PeriodicRun

    on = factory.LazyFunction(lambda: timezone.localdate())
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)
    status = PeriodicRun.Status.SUCCEEDED
    counts = factory.LazyFunction(dict)
    failures = factory.LazyFunction(dict)


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer with a pending invitation; its reseller is the managing member's reseller.

    `CustomerFactory(managed_by=m)` takes m's reseller; `CustomerFactory(reseller=r)` gets a new
    member of r as its Managed by. A customer managed by another reseller's member is refused.
    """

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

    @classmethod
    def _generate(cls, strategy: str, params: dict[str, Any]) -> Customer:
        if "reseller" in params and "managed_by" not in params:
            params = {"managed_by__reseller": params["reseller"], **params}
        return super()._generate(strategy, params)

    @classmethod
    def _create(cls, model_class: type[Customer], *args: Any, **kwargs: Any) -> Customer:
        if kwargs["managed_by"].reseller_id != kwargs["reseller"].pk:
            raise ValueError("A customer's Managed by must be a member of the customer's reseller.")
        return super()._create(model_class, *args, **kwargs)


class CustomerAdminFactory(factory.django.DjangoModelFactory):
    """A system admin of a customer in the member portal."""

    class Meta:
        model = CustomerAdmin

    customer = factory.SubFactory(CustomerFactory)
    user = factory.SubFactory(UserFactory)


class CustomerListVersionFactory(factory.django.DjangoModelFactory):
    """The counter the customer triggers raise (normally created by the first write to a customer)."""

    class Meta:
        model = CustomerListVersion
        django_get_or_create = ("reseller",)

    reseller = factory.SubFactory(ResellerFactory)
    version = 0


class CustomerSearchFactory(factory.django.DjangoModelFactory):
    """A listed customer's search row: the database writes it with the customer (migration 0014), so this
    creates the customer and returns that row."""

    class Meta:
        model = CustomerSearch
        django_get_or_create = ("customer",)

    customer = factory.SubFactory(CustomerFactory)
    reseller = factory.LazyAttribute(lambda o: o.customer.reseller)
    name = factory.LazyAttribute(lambda o: o.customer.name)
    search_text = factory.LazyAttribute(lambda o: o.customer.search_text)


class ProductFactory(factory.django.DjangoModelFactory):
    """A licence product sold in every segment, with a level-01 and level-02 price per segment."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"PRODUCT-{n}")
    name = factory.Sequence(lambda n: f"Design Suite {n}")
    offering_type = CustomerType.TEAM
    segments = factory.LazyFunction(lambda: list(MarketSegment.values))

    @factory.post_generation
    def prices(self, create: bool, extracted: object, **kwargs: object) -> None:
        if not create or extracted is False:
            return
        for segment in self.segments:
            for level, amount in (("01", "120.00"), ("02", "108.00"), ("03", "96.00"), ("04", "84.00")):
                Price.objects.create(product=self, segment=segment, level=level, unit_price=Decimal(amount))


class PriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Price

    product = factory.SubFactory(ProductFactory, prices=False)
    segment = MarketSegment.COMMERCIAL
    level = "01"
    unit_price = Decimal("120.00")


class PurchaseAuthorizationFactory(FiguresRefreshed, factory.django.DjangoModelFactory):
    """A pending PA as stored; it does not touch the customer's list columns or licence pools (the
    services maintain those: use purchase_auth.services when a test needs them)."""

    class Meta:
        model = PurchaseAuthorization

    customer = factory.SubFactory(CustomerFactory)
    reseller = factory.SelfAttribute("customer.reseller")
    created_at = factory.LazyFunction(timezone.now)
    created_on = factory.LazyAttribute(lambda o: timezone.localdate(o.created_at))
    created_by = factory.SelfAttribute("customer.managed_by.user")
    due_date = factory.LazyAttribute(lambda o: payment_due_date(o.created_on))
    suspends_on = factory.LazyAttribute(lambda o: payment_suspends_on(o.created_on))
    state = PurchaseAuthorization.State.PENDING


class PurchaseAuthorizationLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseAuthorizationLine

    purchase_authorization = factory.SubFactory(PurchaseAuthorizationFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1


class OrderFactory(FiguresRefreshed, factory.django.DjangoModelFactory):
    """A complete (accepted) new order, priced to an Anniversary Date a year ahead."""

    class Meta:
        model = Order

    customer = factory.SubFactory(CustomerFactory)
    reseller = factory.SelfAttribute("customer.reseller")
    created_at = factory.LazyFunction(timezone.now)
    created_on = factory.LazyAttribute(lambda o: timezone.localdate(o.created_at))
    created_by = factory.SelfAttribute("customer.managed_by.user")
    status = Order.Status.COMPLETE
    accepted_at = factory.SelfAttribute("created_at")
    anniversary_date = factory.LazyAttribute(lambda o: o.created_on + relativedelta(years=1))


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1
    level = "01"
    unit_price = Decimal("120.00")
    months = 12
    line_total = factory.LazyAttribute(lambda o: o.unit_price * o.quantity * o.months / 12)


class ReturnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Return

    order = factory.SubFactory(OrderFactory)
    reseller = factory.SelfAttribute("order.reseller")
    created_at = factory.LazyFunction(timezone.now)
    created_by = factory.SelfAttribute("order.created_by")
    credit = Decimal("0.00")


class ReturnLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReturnLine

    return_record = factory.SubFactory(ReturnFactory)
    order_line = factory.SubFactory(OrderLineFactory, order=factory.SelfAttribute("..return_record.order"))
    quantity = 1
    credit = factory.SelfAttribute("order_line.unit_price")


class LicencePoolFactory(FiguresRefreshed, factory.django.DjangoModelFactory):
    class Meta:
        model = LicencePool

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)
    fulfilled = 0
    pending = 0
    assigned = 0


class ThreeYearCommitFactory(FiguresRefreshed, factory.django.DjangoModelFactory):
    """A three-year commit requested of a VIP Select customer."""

    class Meta:
        model = ThreeYearCommit

    customer = factory.SubFactory(CustomerFactory, vip_select_level="02")
    reseller = factory.SelfAttribute("customer.reseller")
    status = ThreeYearCommitStatus.REQUESTED
    committed_quantity = 10
    requested_at = factory.LazyFunction(timezone.now)
    requested_by = factory.SelfAttribute("customer.managed_by.user")


class AutoRenewalFactory(factory.django.DjangoModelFactory):
    """A customer's auto-renewal setting, turned off by its Managed by (no row means on)."""

    class Meta:
        model = AutoRenewal

    customer = factory.SubFactory(CustomerFactory)
    reseller = factory.LazyAttribute(lambda o: o.customer.reseller)
    enabled = False
    updated_at = factory.LazyFunction(timezone.now)
    updated_by = factory.LazyAttribute(lambda o: o.customer.managed_by.user)


class ResellerChangeCodeFactory(factory.django.DjangoModelFactory):
    """A pending code sent by a member of another reseller for `customer`; its plain text is
    "ABCD2345" unless `plain=` says otherwise (only the hash is stored). `customer=None` is a wrong pair."""

    class Meta:
        model = ResellerChangeCode
        exclude = ["plain"]

    plain = "ABCD2345"
    customer = factory.SubFactory(CustomerFactory)
    sent_by = factory.SubFactory(MembershipFactory)
    reseller = factory.SelfAttribute("sent_by.reseller")
    sent_at = factory.LazyFunction(timezone.now)
    sent_on = factory.LazyAttribute(lambda o: timezone.localdate(o.sent_at))
    slot = factory.Sequence(lambda n: n % 1000 + 1)
    vip_id = factory.LazyAttribute(lambda o: o.customer.vip_id if o.customer else "ABCDEF0123456789ABCD")
    admin_email = "admin@customer.example"
    code_hash = factory.LazyAttribute(lambda o: code_hash(o.plain) if o.customer else "")
    expires_at = factory.LazyAttribute(lambda o: o.sent_at + relativedelta(hours=72))


class ResellerChangeFailureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResellerChangeFailure

    user = factory.SubFactory(UserFactory)
    customer = factory.SubFactory(CustomerFactory)
    failed_at = factory.LazyFunction(timezone.now)
    reason = "unknown"


class CustomerTransferFactory(factory.django.DjangoModelFactory):
    """A completed change as stored (the service also moves the customer; this factory does not)."""

    class Meta:
        model = CustomerTransfer

    code = factory.SubFactory(ResellerChangeCodeFactory, state="used")
    customer = factory.SelfAttribute("code.customer")
    from_reseller = factory.SelfAttribute("customer.reseller")
    to_reseller = factory.SelfAttribute("code.reseller")
    managed_by = factory.SelfAttribute("code.sent_by")
    previous_manager = factory.SelfAttribute("customer.managed_by")
    confirmed_by = factory.SubFactory(UserFactory)
    transferred_at = factory.LazyFunction(timezone.now)


def lines_data(*rows: tuple[object, object], total: int = 5, **extra: object) -> dict[str, object]:
    """POST data of the product-lines formset (prefix "lines"): (product pk, quantity) rows, the
    management form, then any other field of the page."""
    data: dict[str, object] = {"lines-TOTAL_FORMS": total, "lines-INITIAL_FORMS": 0}
    for index, (product, quantity) in enumerate(rows):
        data[f"lines-{index}-product"] = product
        data[f"lines-{index}-quantity"] = quantity
    return data | extra
