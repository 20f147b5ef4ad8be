from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager

if TYPE_CHECKING:
    from django_scopes import ScopedManagerType

from console.accounts.models import MarketSegment

VIP_ID_LENGTH = 20
LISTED = Q(removed_at__isnull=True)
# The columns the list's filters read (customers.rules.filter_q, with today's date): the indexes that answer a
# filter from the index alone (the counts, Managed by me) carry them all.
FILTER_COLUMNS = [
    "has_products",
    "anniversary_date",
    "open_pa_min_due",
    "open_pa_max_due",
    "renewed_ad",
    "renewal_shortfall",
]


def new_vip_id() -> str:
    """20 upper-case hexadecimal characters from a CSPRNG (SPEC §2)."""
    return secrets.token_hex(VIP_ID_LENGTH // 2).upper()


def search_key(*parts: str) -> str:
    """Case- and accent-insensitive text for LIST-4 search: NFKD, combining marks dropped, casefolded."""
    text = " ".join(p for p in parts if p)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def contact_name(first_name: str, last_name: str) -> str:
    """The contact's name as the console writes it (also for rows read as values, NF-4)."""
    return f"{first_name} {last_name}".strip()


def customer_can_be_removed(*, has_products: bool, removed_at: datetime | None) -> bool:
    """CUST-6: only a customer that never had a purchase authorization or an order (and is not removed)."""
    return not has_products and removed_at is None


class CustomerType(models.TextChoices):
    # The programme's offering names, not "a team" (the console's Team page is another word in Ukrainian).
    TEAM = "TEAM", pgettext_lazy("offering type", "Team")
    ENTERPRISE = "ENTERPRISE", pgettext_lazy("offering type", "Enterprise")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")


class AnniversarySource(models.TextChoices):
    CHOSEN = "chosen", _("Chosen at invitation")
    PURCHASE_AUTHORIZATION = "pa", _("Initial purchase authorization")
    ORDER = "order", _("Initial order")


class ThreeYearCommitStatus(models.TextChoices):
    """ORD-6 statuses; blank when the customer never asked for a three-year commit."""

    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    COMMITTED = "committed", _("Committed")
    DECLINED = "declined", _("Declined")
    NON_COMPLIANT = "non_compliant", _("Non-compliant")
    EXPIRED = "expired", _("Expired")


class Customer(models.Model):
    """A VIP customer organisation of one reseller (SPEC §3).

    Nothing here is edited after the invitation (CUST-5) except through the services that the SPEC
    allows: the reminder (contact email), Managed by, and the state columns that purchasing and
    renewals maintain. The filters of the customer list are pure functions of these columns and
    today's date (customers.selectors), so they are right the moment the date changes.
    """

    # No index of its own: customer_home_created leads with it (NF-4: each index is written again by every
    # update that is not HOT, such as the job's figures).
    reseller = models.ForeignKey(
        "accounts.Reseller", on_delete=models.PROTECT, related_name="customers", db_index=False
    )
    vip_id = models.CharField(_("VIP ID"), max_length=VIP_ID_LENGTH, unique=True, default=new_vip_id)
    name = models.CharField(_("organization name"), max_length=80)
    name_en = models.CharField(_("organization name (US English)"), max_length=80)
    segment = models.CharField(_("market segment"), max_length=3, choices=MarketSegment.choices)
    type = models.CharField(_("type"), max_length=10, choices=CustomerType.choices)
    country = models.CharField(_("country"), max_length=2)
    region = models.CharField(_("region"), max_length=6, blank=True)
    city = models.CharField(_("city"), max_length=40)
    address_line1 = models.CharField(_("address line 1"), max_length=60)
    address_line2 = models.CharField(_("address line 2"), max_length=60, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=40)
    contact_first_name = models.CharField(_("first name"), max_length=35)
    contact_last_name = models.CharField(_("last name"), max_length=35)
    contact_email = models.EmailField(_("email"), max_length=240)
    language = models.CharField(_("preferred language"), max_length=8, default="en")

    invitation_status = models.CharField(
        _("VIP invitation status"), max_length=8, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    invitation_nonce = models.CharField(max_length=32, blank=True)
    invited_at = models.DateTimeField(_("invited"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    contract_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_customers"
    )

    managed_by = models.ForeignKey(
        "accounts.Membership", on_delete=models.PROTECT, related_name="managed_customers", verbose_name=_("managed by")
    )
    # No index of its own: nothing looks customers up by who invited them, only a user's deletion checks it.
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField(_("created"))
    submission_key = models.UUIDField(null=True, blank=True, editable=False)

    anniversary_date = models.DateField(_("Anniversary Date"), null=True, blank=True)
    anniversary_source = models.CharField(max_length=8, choices=AnniversarySource.choices, blank=True)
    extended_term_months = models.PositiveSmallIntegerField(_("extended term (months)"), null=True, blank=True)

    # Maintained by the purchasing services on every write (JOB-4); read by the list filters.
    has_products = models.BooleanField(_("has products"), default=False)
    open_pa_min_due = models.DateField(null=True, blank=True)
    open_pa_max_due = models.DateField(null=True, blank=True)
    open_pa_min_suspends = models.DateField(null=True, blank=True)
    vip_select_level = models.CharField(_("VIP Select level"), max_length=2, blank=True)
    # Maintained by the renewal services (REN-3, REN-8): the Anniversary Date whose term was last
    # renewed (the AD before it moved 12 months on) and how many of that term's licences were not renewed.
    renewed_ad = models.DateField(_("last renewed Anniversary Date"), null=True, blank=True)
    renewal_shortfall = models.PositiveIntegerField(_("licences not renewed"), default=0)
    three_year_commit_status = models.CharField(
        _("VIP Select three-year commit"), max_length=14, choices=ThreeYearCommitStatus.choices, blank=True
    )
    # Per-customer figures (NF-4, LIST-6, REN-11), kept exact by the services in the transaction that
    # changes their sources and by the periodic steps set-based (customers.figures; `manage.py
    # check_customer_figures` recomputes them). Only what today's date does not change is stored: the
    # report and the renewals page split by date in SQL from the same row (customers.rules).
    open_pa_count = models.PositiveIntegerField(_("open purchase authorizations"), default=0)
    # The open PAs' due dates, ISO, sorted: the pending/past-due split when the date falls between them.
    open_pa_dues = models.JSONField(default=list, blank=True)
    licences_active = models.PositiveIntegerField(_("active licences"), default=0)
    licences_available = models.PositiveIntegerField(_("available licences"), default=0)
    # What a renewal of the term may renew (REN-7): before the term's renewal its fulfilled licences,
    # after a (partial) renewal those left in grace; the level each reaches and its projected value
    # (REN-2, REN-10 prices).
    renewal_licences = models.PositiveIntegerField(_("licences of the term"), default=0)
    renewal_licences_grace = models.PositiveIntegerField(_("licences in grace"), default=0)
    renewal_level = models.CharField(_("renewal level"), max_length=2, default="01")
    renewal_level_grace = models.CharField(max_length=2, default="01")
    renewal_value = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    renewal_value_grace = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))

    removed_at = models.DateTimeField(null=True, blank=True)
    search_text = models.TextField(editable=False, default="")
    # LIST-4 sort by Managed by (NF-4): the managing user's email, written by the database itself (triggers of
    # migration 0013) whenever a row is inserted or its managed_by changes, and when that user's email changes;
    # so the sort is a walk of customer_list_managed_by instead of a join sorted per page. What the code sets
    # here is overwritten: read it, never write it (an instance saved a moment ago may hold the old value).
    managed_by_email = models.CharField(max_length=240, editable=False, default="")

    objects: ClassVar[ScopedManagerType[Self]] = ScopedManager(reseller="reseller")

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            # CUST-7: one person is never primary admin of two organisations with exactly the same name.
            models.UniqueConstraint(
                Lower("contact_email"),
                "name",
                condition=Q(removed_at__isnull=True),
                name="customer_contact_name_unique",
            ),
            # CUST-4: a double submit of the same form creates one customer.
            models.UniqueConstraint(
                fields=["reseller", "submission_key"],
                condition=Q(submission_key__isnull=False),
                name="customer_one_per_submission",
            ),
            models.CheckConstraint(condition=Q(vip_id__regex=r"^[0-9A-F]{20}$"), name="customer_vip_id_format"),
            models.CheckConstraint(
                condition=Q(extended_term_months__isnull=True)
                | Q(extended_term_months__gte=13, extended_term_months__lte=48),
                name="customer_extended_term_range",
            ),
        ]
        indexes = [
            # JOB-1 across every reseller: the day's renewal transitions (reminders, digests, notices,
            # auto-renewals) are customers whose (renewed) Anniversary Date is a given day (NF-4 job figure).
            # With their ids and commit status, auto-renewal picks its customers out of the grace window from
            # the index alone, without reading the rows of those who switched it off.
            models.Index(
                fields=["anniversary_date"],
                name="customer_job_ad",
                condition=LISTED,
                include=["id", "three_year_commit_status"],
            ),
            models.Index(
                fields=["renewed_ad"], name="customer_job_renewed_ad", condition=LISTED & Q(renewed_ad__isnull=False)
            ),
            # JOB-1/REN-4: licence expiry reads the customers that still have licences (stored figures) and
            # whose grace is over; the customers that lapsed before hold none and are not read again.
            models.Index(
                fields=["anniversary_date"],
                name="customer_job_licensed_ad",
                condition=LISTED & (Q(renewal_licences__gt=0) | Q(renewal_licences_grace__gt=0)),
            ),
            models.Index(
                fields=["renewed_ad"],
                name="customer_job_grace_renewed_ad",
                condition=LISTED & Q(renewal_licences_grace__gt=0),
            ),
            # LIST-4: one index per sort key, so any sort is an index walk (NF-4, measured by make bench).
            models.Index(
                fields=["reseller", "name", "id"],
                name="customer_list_name",
                condition=LISTED,
                include=[
                    "managed_by",
                    "has_products",
                    "anniversary_date",
                    "open_pa_min_due",
                    "open_pa_max_due",
                    "open_pa_min_suspends",
                    "renewed_ad",
                    "renewal_shortfall",
                ],
            ),
            models.Index(
                fields=["reseller", "anniversary_date", "name", "id"], name="customer_list_ad", condition=LISTED
            ),
            # "Managed by me" with a filter (LIST-2): the filters' columns are included, so the page is a walk of
            # the member's own entries alone, never of the whole reseller's (customer_list_name) to find them.
            models.Index(
                fields=["reseller", "managed_by", "name", "id"],
                name="customer_list_mine",
                condition=LISTED,
                include=FILTER_COLUMNS,
            ),
            models.Index(
                fields=["reseller", "managed_by_email", "name", "id"], name="customer_list_managed_by", condition=LISTED
            ),
            models.Index(fields=["reseller", "segment", "name", "id"], name="customer_list_segment", condition=LISTED),
            models.Index(fields=["reseller", "type", "name", "id"], name="customer_list_type", condition=LISTED),
            models.Index(
                fields=["reseller", "invitation_status", "name", "id"], name="customer_list_status", condition=LISTED
            ),
            models.Index(
                fields=["reseller", "vip_select_level", "name", "id"], name="customer_list_vip_select", condition=LISTED
            ),
            models.Index(fields=["reseller", "created_at", "id"], name="customer_list_created", condition=LISTED),
            # DASH-1/DASH-2 (home page): the oldest past-due customers, the oldest pending invitations,
            # new customers and removed customers per month, each one index range (DASH-3).
            models.Index(
                fields=["reseller", "open_pa_min_due", "id"],
                name="customer_home_past_due",
                condition=LISTED & Q(open_pa_min_due__isnull=False),
                include=["managed_by"],
            ),
            models.Index(
                fields=["reseller", "invitation_status", "invited_at", "id"],
                name="customer_home_invitations",
                condition=LISTED,
                include=["managed_by"],
            ),
            models.Index(fields=["reseller", "created_at"], name="customer_home_created", include=["managed_by"]),
            models.Index(
                fields=["reseller", "removed_at"],
                name="customer_home_removed",
                condition=Q(removed_at__isnull=False),
                include=["managed_by"],
            ),
            # REN-11 (NF-4): the renewals page reads its pipeline as two ranges, by AD and by renewed AD,
            # each answered by one of these covering indexes alone (renewals.pipeline.pipeline_parts).
            models.Index(
                fields=["reseller", "anniversary_date", "id"],
                name="customer_renewals_ad",
                condition=LISTED,
                include=["renewed_ad", "renewal_shortfall", "managed_by", "renewal_value", "renewal_value_grace"],
            ),
            models.Index(
                fields=["reseller", "renewed_ad", "id"],
                name="customer_renewals_renewed",
                condition=LISTED & Q(renewed_ad__isnull=False),
                include=[
                    "anniversary_date",
                    "renewal_shortfall",
                    "managed_by",
                    "renewal_value",
                    "renewal_value_grace",
                ],
            ),
            # LIST-1 counts: one index-only scan gives every filter's count.
            models.Index(
                fields=["reseller", "managed_by", *FILTER_COLUMNS],
                name="customer_filter_counts",
                condition=LISTED,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.vip_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = search_key(self.name, self.name_en, self.vip_id, self.contact_email)
        super().save(*args, **kwargs)

    @property
    def contact_name(self) -> str:
        return contact_name(self.contact_first_name, self.contact_last_name)

    @property
    def country_name(self) -> str:
        from customers.geography import country_name

        return country_name(self.country)

    @property
    def region_name(self) -> str:
        from customers.geography import region_name

        return region_name(self.country, self.region)

    @property
    def is_pending(self) -> bool:
        return self.invitation_status == InvitationStatus.PENDING

    @property
    def can_be_removed(self) -> bool:
        return customer_can_be_removed(has_products=self.has_products, removed_at=self.removed_at)


class CustomerSearch(models.Model):
    """LIST-4 search (NF-4): one narrow row per listed customer, what a search reads (its trigram index) and
    what its default view sorts by, instead of the wide customer rows spread over the table (~520 bytes
    each: a search rechecked ~9,400 heap pages for ~10,000 matches, this table ~4,400).

    Written by the database only (triggers of migration 0014 on customers_customer, whatever writes the
    rows: services, the job, raw SQL, the admin): a listed customer's row is inserted, updated when its name,
    search_text or reseller changes, and deleted when the customer is removed or deleted. search_text is a
    copy of Customer.search_text (computed by Customer.save); read the table, never write it. The trigram
    index ((reseller_id + 0), search_text gin_trgm_ops) is PostgreSQL's only, created by that migration."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, primary_key=True, related_name="+")
    reseller = models.ForeignKey("accounts.Reseller", on_delete=models.CASCADE, related_name="+", db_index=False)
    name = models.CharField(max_length=80)
    search_text = models.TextField()

    objects: ClassVar[ScopedManagerType[Self]] = ScopedManager(reseller="reseller")

    def __str__(self) -> str:
        return f"{self.customer_id} · {self.name}"


class CustomerAdmin(models.Model):
    """A system admin of a customer, in the member portal (CUST-8). The contract owner is one of them."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="admins")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="customer_admin_roles")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "user"], name="customer_admin_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.customer.name}"


class CustomerListVersion(models.Model):
    """How many times the reseller's customer rows changed (NF-4): a counter that PostgreSQL triggers on
    customers_customer raise in the same statement as every INSERT, UPDATE and DELETE (services, the job,
    raw SQL alike), so it commits with the write. The list's filter counts are cached under it and the day
    (customers.selectors.customer_counts_cached): a write, once committed, makes the old entry unreachable."""

    reseller = models.OneToOneField(
        "accounts.Reseller", on_delete=models.CASCADE, primary_key=True, related_name="customer_list_version"
    )
    version = models.BigIntegerField(default=0)

    objects: ClassVar[ScopedManagerType[Self]] = ScopedManager(reseller="reseller")

    def __str__(self) -> str:
        return f"{self.reseller_id} · {self.version}"
