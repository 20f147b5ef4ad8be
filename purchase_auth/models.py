"""Catalogue, prices, purchase authorizations, orders, licences and returns (SPEC §4–§6).

Money is Decimal with a currency (ORD-7). Licence counts per customer and product live in one row
(`LicencePool`) whose check constraints keep assigned ≤ fulfilled + pending (ORD-4)."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Self

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

if TYPE_CHECKING:
    from django_scopes import ScopedManagerType

from console.accounts.models import MarketSegment
from customers.models import CustomerType, ThreeYearCommitStatus

TEAM_MAX_QUANTITY = 10_000
ENTERPRISE_MAX_QUANTITY = 200_000


def _digits(count: int) -> str:
    """`count` random decimal digits (one draw, not one per digit: the job numbers thousands of orders)."""
    return f"{secrets.randbelow(10**count):0{count}d}"


def new_pa_number() -> str:
    """`PA` + 18 digits (SPEC §2)."""
    return "PA" + _digits(18)


def new_order_number() -> str:
    return _digits(10)


def new_return_number() -> str:
    return _digits(9)


class Product(models.Model):
    """CAT-1: an operator-managed catalogue entry."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    offering_type = models.CharField(_("offering type"), max_length=10, choices=CustomerType.choices)
    segments = models.JSONField(_("market segments"), default=list, help_text=_("Segments it may be sold in."))
    is_consumable = models.BooleanField(_("consumable"), default=False)
    counts_for_vip_select = models.BooleanField(_("counts towards VIP Select"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def max_quantity(self) -> int:
        return TEAM_MAX_QUANTITY if self.offering_type == CustomerType.TEAM else ENTERPRISE_MAX_QUANTITY


class DiscountLevel(models.TextChoices):
    """CAT-3: volume levels, and the three-year-commit levels at the same thresholds."""

    L01 = "01", "01 (1–9)"
    L02 = "02", "02 (10–49)"
    L03 = "03", "03 (50–99)"
    L04 = "04", "04 (100+)"
    L12 = "12", "12 (3-year commit, 10–49)"
    L13 = "13", "13 (3-year commit, 50–99)"
    L14 = "14", "14 (3-year commit, 100+)"


class Price(models.Model):
    """CAT-2: the yearly unit price of a product in a segment, currency and discount level."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="prices")
    segment = models.CharField(_("market segment"), max_length=3, choices=MarketSegment.choices)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    level = models.CharField(_("discount level"), max_length=2, choices=DiscountLevel.choices)
    unit_price = models.DecimalField(
        _("yearly unit price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        ordering = ["product__name", "segment", "currency", "level"]
        constraints = [
            models.UniqueConstraint(fields=["product", "segment", "currency", "level"], name="price_unique"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} {self.segment} {self.level} {self.unit_price} {self.currency}"


class PurchaseAuthorization(models.Model):
    """PA-1…PA-7. `state` is what the services and the periodic job have recorded; whether an open PA
    is pending, overdue or suspended *today* follows from `due_date` and `suspends_on`, both fixed at
    creation from the policies (customers.rules.payment_state)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        OVERDUE = "overdue", _("Overdue")
        SUSPENDED = "suspended", _("Suspended")
        ORDERED = "ordered", _("Ordered")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATES = (State.PENDING, State.OVERDUE, State.SUSPENDED)

    reseller = models.ForeignKey("accounts.Reseller", on_delete=models.PROTECT, related_name="+", db_index=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="purchase_authorizations")
    number = models.CharField(_("number"), max_length=20, unique=True, default=new_pa_number)
    created_at = models.DateTimeField(_("created"))
    created_on = models.DateField(_("date"))
    # No index of its own (nor the reseller's): nothing looks PAs up by creator or by reseller alone, only the
    # deletion of a user or reseller checks them, and every state change the job makes wrote both (NF-4).
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    due_date = models.DateField(_("payment due"))
    suspends_on = models.DateField(_("suspended from"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    po_number = models.CharField(_("end-user PO number"), max_length=35, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[ScopedManagerType[Self]] = ScopedManager(reseller="reseller")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(number__regex=r"^PA[0-9]{18}$"), name="pa_number_format"),
            models.CheckConstraint(condition=Q(due_date__gte=F("created_on")), name="pa_due_after_creation"),
            # PA-2: a PA is past due before it can be suspended, so the earliest suspension date of a
            # customer's open PAs tells whether one of them is suspended.
            models.CheckConstraint(condition=Q(suspends_on__gt=F("due_date")), name="pa_suspended_after_due"),
        ]
        indexes = [
            models.Index(fields=["state", "due_date"], name="pa_open_due"),
            # JOB-1/PA-7: the overdue PAs past their suspension day, which the periodic step moves (only a
            # few of the overdue ones; the others it would read one by one to find them).
            models.Index(fields=["suspends_on"], name="pa_overdue_suspends", condition=Q(state="overdue")),
            # The customer report counts each customer's open PAs by due date (LIST-6).
            models.Index(
                fields=["customer", "due_date"],
                name="pa_customer_open_due",
                condition=Q(state__in=["pending", "overdue", "suspended"]),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class PurchaseAuthorizationLine(models.Model):
    purchase_authorization = models.ForeignKey(PurchaseAuthorization, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="pa_line_quantity_positive"),
            models.UniqueConstraint(fields=["purchase_authorization", "product"], name="pa_line_one_per_product"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product.code}"


class Order(models.Model):
    """ORD-1: new, add-on and renewal orders. Accepted asynchronously (open → complete or failed)."""

    class Kind(models.TextChoices):
        NEW = "new", _("New")
        RENEWAL = "renewal", _("Renewal")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        COMPLETE = "complete", _("Complete")
        FAILED = "failed", _("Failed")

    reseller = models.ForeignKey("accounts.Reseller", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="orders")
    number = models.CharField(_("order number"), max_length=10, unique=True, default=new_order_number)
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices, default=Kind.NEW)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    failure_reason = models.CharField(_("reason"), max_length=250, blank=True)
    purchase_authorization = models.ForeignKey(
        PurchaseAuthorization, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    created_at = models.DateTimeField(_("placed"))
    created_on = models.DateField(_("date"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    anniversary_date = models.DateField(_("priced to"), help_text=_("The Anniversary Date the order is prorated to."))
    # REN-2/REN-3: a renewal order renews the term that ends on this Anniversary Date.
    renews_ad = models.DateField(_("renews the term ending"), null=True, blank=True)
    # REN-9: placed by the periodic job for an auto-renewing customer.
    auto_renewal = models.BooleanField(_("auto-renewal"), default=False)
    # ORD-1, NF-3: the hidden key of the Place order form; a second submit of the same form (a double
    # click, two tabs) finds the order the first placed instead of placing another.
    submission_key = models.UUIDField(null=True, blank=True, editable=False)

    objects: ClassVar[ScopedManagerType[Self]] = ScopedManager(reseller="reseller")

    # Not a column: set by selectors.orders while the ORD-5 return window is open and something is left.
    returnable: bool = False
    # Not a column: set by selectors.orders on an order an earlier reseller of the customer placed (RC-7).
    previous: bool = False

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(number__regex=r"^[0-9]{10}$"), name="order_number_format"),
            # PA-3: a purchase authorization is fulfilled by at most one (not failed) order.
            models.UniqueConstraint(
                fields=["purchase_authorization"],
                condition=Q(purchase_authorization__isnull=False) & ~Q(status="failed"),
                name="order_one_per_pa",
            ),
            # REN-9: the job places one auto-renewal order per customer and term, however often it runs.
            models.UniqueConstraint(
                fields=["customer", "renews_ad"], condition=Q(auto_renewal=True), name="order_one_auto_renewal_per_term"
            ),
            # ORD-1, NF-3: one order per submitted Place order form, also under parallel requests.
            models.UniqueConstraint(
                fields=["reseller", "submission_key"],
                condition=Q(submission_key__isnull=False),
                name="order_one_per_submission",
            ),
            models.CheckConstraint(
                condition=Q(kind="renewal", renews_ad__isnull=False) | ~Q(kind="renewal"),
                name="order_renewal_names_its_term",
            ),
        ]
        indexes = [
            # DASH-1: the failed orders of the last 30 days (home page, failed-orders page).
            models.Index(
                fields=["reseller", "created_on", "id"], name="order_failed_recent", condition=Q(status="failed")
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    """ORD-2: unit price, whole months to the Anniversary Date, and the line total (2 decimals, half-up)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    level = models.CharField(_("discount level"), max_length=2, choices=DiscountLevel.choices)
    unit_price = models.DecimalField(_("yearly unit price"), max_digits=12, decimal_places=2)
    months = models.PositiveSmallIntegerField(_("months"))
    line_total = models.DecimalField(_("line total"), max_digits=14, decimal_places=2)
    returned_quantity = models.PositiveIntegerField(_("returned"), default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(returned_quantity__lte=F("quantity")), name="order_line_return_le_quantity"
            ),
            models.CheckConstraint(condition=Q(months__gte=1, months__lte=48), name="order_line_months_range"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product.code}"


class Return(models.Model):
    """ORD-5: a return of all or part of an order's lines, credited at the original prices."""

    reseller = models.ForeignKey("accounts.Reseller", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    number = models.CharField(_("return number"), max_length=9, unique=True, default=new_return_number)
    created_at = models.DateTimeField(_("returned"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    credit = models.DecimalField(_("credit"), max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")

    objects: ClassVar[ScopedManagerType[Self]] = ScopedManager(reseller="reseller")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(number__regex=r"^[0-9]{9}$"), name="return_number_format")]

    def __str__(self) -> str:
        return self.number


class ReturnLine(models.Model):
    return_record = models.ForeignKey(Return, on_delete=models.PROTECT, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    credit = models.DecimalField(_("credit"), max_digits=14, decimal_places=2)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="return_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} returned"


class LicencePool(models.Model):
    """ORD-4: one customer's licences of one product. The database keeps the counts consistent."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="licence_pools")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    fulfilled = models.PositiveIntegerField(_("fulfilled"), default=0)
    pending = models.PositiveIntegerField(_("pending"), default=0)
    assigned = models.PositiveIntegerField(_("assigned (active)"), default=0)
    # REN-4: licences of the last term that were not renewed keep working until the grace ends, then
    # they expire (kept as a count, shown on the Plans tab, never assignable).
    grace = models.PositiveIntegerField(_("in grace"), default=0)
    expired = models.PositiveIntegerField(_("expired"), default=0)

    # Not columns: set by selectors.licence_pools, the pending licences whose PA is suspended (PA-2),
    # and the licences that stop working when the renewal grace ends, with that day (REN-4).
    suspended: int = 0
    in_grace: int = 0
    grace_ends: date | None = None

    class Meta:
        ordering = ["product__name"]
        indexes = [
            # The customer report sums these per customer (LIST-6): an index-only scan on PostgreSQL.
            models.Index(
                fields=["customer"], include=["fulfilled", "pending", "assigned", "grace"], name="licence_pool_report"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["customer", "product"], name="licence_pool_unique"),
            models.CheckConstraint(
                condition=Q(assigned__lte=F("fulfilled") + F("pending") + F("grace")),
                name="licence_assigned_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.code}: {self.fulfilled} fulfilled, {self.pending} pending, {self.assigned} assigned"

    @property
    def total(self) -> int:
        """Licences that work now: fulfilled, pending (an open PA) and those in grace (REN-4)."""
        return self.fulfilled + self.pending + self.grace

    @property
    def available(self) -> int:
        return self.total - self.assigned


class ThreeYearCommit(models.Model):
    """ORD-6: a VIP Select customer commits to a licence quantity for three terms at a locked level.

    requested → accepted (by the customer admin) → committed once the quantity is reached within 30
    days, else non-compliant; committed → expired at the end of the third term. Or declined.
    """

    Status = ThreeYearCommitStatus

    reseller = models.ForeignKey("accounts.Reseller", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="three_year_commits")
    status = models.CharField(_("status"), max_length=14, choices=ThreeYearCommitStatus.choices)
    committed_quantity = models.PositiveIntegerField(_("committed quantity"))
    level = models.CharField(_("locked level"), max_length=2, choices=DiscountLevel.choices, blank=True)
    requested_at = models.DateTimeField(_("requested"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    deadline = models.DateField(_("reach the quantity by"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)

    objects: ClassVar[ScopedManagerType[Self]] = ScopedManager(reseller="reseller")

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(committed_quantity__gte=10), name="commit_quantity_at_least_ten"),
            # One live commitment per customer at a time.
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status__in=["requested", "accepted", "committed"]),
                name="commit_one_live_per_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committed_quantity} licences, {self.get_status_display()}"
