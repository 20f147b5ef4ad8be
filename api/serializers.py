"""What the API reads and writes. Input serializers check types and shapes; the rules themselves run
where the console runs them — the console's forms (CUST-1…CUST-3) and the services — so no rule is
written twice (API-2)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django import forms
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from console.accounts.models import MarketSegment, Membership
from console.audit.models import AuditEvent
from console.clock import today
from customers.forms import LANGUAGES, CustomerInviteForm, ReminderForm
from customers.models import AnniversarySource, Customer, CustomerType, InvitationStatus, ThreeYearCommitStatus
from customers.rules import (
    CustomerFilter,
    RenewalState,
    customer_flags,
    renewal_state,
)
from customers.selectors import SORTS
from customers.services import INVITE_FIELDS
from purchase_auth.forms import PurchaseAuthorizationForm
from purchase_auth.models import (
    ENTERPRISE_MAX_QUANTITY,
    LicencePool,
    Order,
    OrderLine,
    Product,
    PurchaseAuthorization,
    Return,
)

FLAGS = [CustomerFilter.NO_PRODUCTS, CustomerFilter.PENDING, CustomerFilter.PAST_DUE, "suspended"]
FLAGS += [CustomerFilter.UPCOMING, CustomerFilter.READY]


def form_errors(form: forms.BaseForm, rename: dict[str, str] | None = None) -> dict[str, list[str]]:
    """A Django form's errors as serializer errors (the form's `__all__` becomes non_field_errors)."""
    rename = {"__all__": "non_field_errors", **(rename or {})}
    errors: dict[str, list[str]] = {}
    for field, messages in form.errors.items():
        errors.setdefault(rename.get(field, field), []).extend(str(m) for m in messages)
    return errors


class TextField(serializers.CharField):
    """A CharField that takes only a JSON string: 12345 or true is a type error, not "12345" (NF-2)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# ---- customers ---------------------------------------------------------------------------------------


class CustomerListQuerySerializer(serializers.Serializer[Any]):
    """LIST-1…LIST-4: the console's filters, Managed by me, search and sort."""

    filter = serializers.ChoiceField(choices=CustomerFilter.choices, default=CustomerFilter.ALL)
    mine = serializers.BooleanField(default=False, help_text="Only the customers the key's creator manages.")
    q = serializers.CharField(
        min_length=3,
        max_length=100,
        required=False,
        help_text="Organisation name, English name, VIP ID or contact email (3 characters or more).",
    )
    sort = serializers.ChoiceField(
        choices=[*SORTS, *(f"-{k}" for k in SORTS)], default="name", help_text="A column; '-' sorts descending."
    )
    page_size = serializers.IntegerField(min_value=1, max_value=100, default=25)
    cursor = serializers.CharField(required=False, max_length=2000, help_text="From the previous page's `next`.")


@extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=FLAGS)))
class _FlagsField(serializers.ReadOnlyField):
    """The customer's flags: computed by customer_row, declared here for the schema."""


@extend_schema_field(serializers.ChoiceField(choices=RenewalState.choices))
class _RenewalStateField(serializers.ReadOnlyField):
    """The customer's renewal state: computed by customer_row, declared here for the schema."""


# A customer as the API writes it. The fields declare the row and its OpenAPI schema; customer_row
# writes it from the same fields, for a customer instance here and for the list's values() rows.
class CustomerSerializer(serializers.ModelSerializer[Customer]):
    anniversary_source = serializers.ChoiceField(choices=AnniversarySource.choices, allow_blank=True, read_only=True)
    three_year_commit_status = serializers.ChoiceField(
        choices=ThreeYearCommitStatus.choices, allow_blank=True, read_only=True
    )
    managed_by = serializers.EmailField(source="managed_by.user.email", read_only=True)
    contract_owner = serializers.EmailField(source="contract_owner.email", allow_null=True, read_only=True)
    flags = _FlagsField(help_text="The list filters this customer is in, and 'suspended'.")
    renewal_state = _RenewalStateField(help_text="REN-8: the renewal state of the current term.")

    class Meta:
        model = Customer
        fields = [
            "vip_id",
            *INVITE_FIELDS,
            "invitation_status",
            "invited_at",
            "accepted_at",
            "contract_owner",
            "anniversary_date",
            "anniversary_source",
            "extended_term_months",
            "managed_by",
            "vip_select_level",
            "three_year_commit_status",
            "flags",
            "renewal_state",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Customer) -> dict[str, Any]:
        return customer_row(_columns_of(instance), self.context.get("on") or today())


# The columns the flags and the renewal state are computed from (customers.rules).
_RULE_COLUMNS = (
    "has_products",
    "open_pa_min_due",
    "open_pa_max_due",
    "open_pa_min_suspends",
    "anniversary_date",
    "renewed_ad",
    "renewal_shortfall",
)


def _flags(value: Mapping[str, Any], on: date) -> list[str]:
    flags = customer_flags(
        has_products=value["has_products"],
        open_pa_min_due=value["open_pa_min_due"],
        open_pa_max_due=value["open_pa_max_due"],
        open_pa_min_suspends=value["open_pa_min_suspends"],
        anniversary_date=value["anniversary_date"],
        renewed_ad=value["renewed_ad"],
        renewal_shortfall=value["renewal_shortfall"],
        on=on,
    )
    return [str(flag) for flag in FLAGS if flags.get(flag)]


def _renewal_state(value: Mapping[str, Any], on: date) -> str:
    return str(
        renewal_state(
            anniversary_date=value["anniversary_date"],
            renewed_ad=value["renewed_ad"],
            renewal_shortfall=value["renewal_shortfall"],
            on=on,
        )
    )


_COMPUTED: dict[str, Callable[[Mapping[str, Any], date], Any]] = {"flags": _flags, "renewal_state": _renewal_state}


@functools.cache
def _fields() -> tuple[tuple[str, str | None, Callable[[Any], Any] | None], ...]:
    """CustomerSerializer's fields in order, each as (name, values() column, how its value is written): a
    computed field has no column; a related field reads its source's column (managed_by.user.email:
    managed_by__user__email); a date or a time is written by its serializer field, anything else as the
    column holds it."""
    fields: list[tuple[str, str | None, Callable[[Any], Any] | None]] = []
    for name, field in CustomerSerializer().fields.items():
        if name in _COMPUTED:
            fields.append((name, None, None))
        else:
            formatted = isinstance(field, serializers.DateField | serializers.DateTimeField)
            column = str(field.source).replace(".", "__")
            fields.append((name, column, field.to_representation if formatted else None))
    return tuple(fields)


@functools.cache
def row_columns() -> tuple[str, ...]:
    """What a list row reads, as one values() query (no model instances): the stored fields' columns,
    the columns the flags and the renewal state are computed from, and the id."""
    stored = (column for _name, column, _write in _fields() if column is not None)
    return tuple(dict.fromkeys(("id", *stored, *_RULE_COLUMNS)))


def _columns_of(customer: Customer) -> dict[str, Any]:
    """A customer instance read as `.values(*row_columns())` would read its row."""
    columns = {}
    for column in row_columns():
        value: Any = customer
        for attribute in column.split("__"):
            value = getattr(value, attribute)
            if value is None:
                break
        columns[column] = value
    return columns


def customer_row(value: Mapping[str, Any], on: date) -> dict[str, Any]:
    """The customer as the API writes it, from a row read with `.values(*row_columns())`, in plain Python
    (API-8/NF-4: a page of 100 rows through the model serializer cost more than its SQL several times
    over). The one writer of a customer in the API: the list and CustomerSerializer both call it."""
    row: dict[str, Any] = {}
    for name, column, write in _fields():
        if column is None:
            row[name] = _COMPUTED[name](value, on)
        elif write is None or value[column] is None:
            row[name] = value[column]
        else:
            row[name] = write(value[column])
    return row


class CustomerPageSerializer(serializers.Serializer[Any]):
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="LIST-1: each filter's count.")
    next = serializers.CharField(allow_null=True, help_text="The URL of the next page, or null.")
    results = CustomerSerializer(many=True)


class CustomerInviteSerializer(serializers.Serializer[Any]):
    """CUST-1…CUST-3. Checked by the console's own invitation form, so the rules are the console's."""

    name = TextField(max_length=80)
    name_en = TextField(max_length=80, required=False, allow_blank=True)
    segment = serializers.ChoiceField(choices=MarketSegment.choices)
    type = serializers.ChoiceField(choices=CustomerType.choices)
    country = TextField(max_length=2, help_text="ISO 3166-1 alpha-2")
    region = TextField(max_length=6, required=False, allow_blank=True, help_text="ISO 3166-2")
    city = TextField(max_length=40)
    address_line1 = TextField(max_length=60)
    address_line2 = TextField(max_length=60, required=False, allow_blank=True)
    postal_code = TextField(max_length=40)
    contact_first_name = TextField(max_length=35)
    contact_last_name = TextField(max_length=35)
    contact_email = serializers.EmailField(max_length=240)
    language = serializers.ChoiceField(choices=LANGUAGES, default="en")
    anniversary_date = serializers.DateField(required=False, allow_null=True, help_text="CUST-3, optional.")
    extended_term_months = serializers.IntegerField(
        required=False, allow_null=True, min_value=13, max_value=48, help_text="CUST-3, with anniversary_date."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        data = {key: value for key, value in attrs.items() if value is not None}
        if attrs.get("anniversary_date"):
            data["choose_anniversary"] = "on"
        form = CustomerInviteForm(data, reseller=self.context["reseller"])
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form, {"choose_anniversary": "anniversary_date"}))
        return form.cleaned_data


class ReminderSerializer(serializers.Serializer[Any]):
    """CUST-5: send the invitation again, to a new contact email if given."""

    contact_email = serializers.EmailField(max_length=240, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "contact_email" not in attrs:
            return attrs
        form = ReminderForm(attrs)
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        return form.cleaned_data


# ---- purchasing ----------------------------------------------------------------------------------------


class LineInputSerializer(serializers.Serializer[Any]):
    product = serializers.SlugRelatedField(slug_field="code", queryset=Product.objects.all(), help_text="Product code")
    quantity = serializers.IntegerField(min_value=1, max_value=ENTERPRISE_MAX_QUANTITY)


class PurchaseAuthorizationCreateSerializer(serializers.Serializer[Any]):
    """PA-1: one or more lines and an optional end-user PO number."""

    lines = serializers.ListField(child=LineInputSerializer(), min_length=1, max_length=50)
    po_number = TextField(max_length=35, required=False, allow_blank=True, default="")

    def validate_po_number(self, value: str) -> str:
        form = PurchaseAuthorizationForm({"po_number": value})
        if not form.is_valid():
            raise serializers.ValidationError([str(m) for m in form.errors["po_number"]])
        return str(form.cleaned_data["po_number"])


class OrderPlaceSerializer(serializers.Serializer[Any]):
    """ORD-1: lines, or the number of a pending purchase authorization whose lines the order copies."""

    lines = serializers.ListField(child=LineInputSerializer(), required=False, max_length=50)
    purchase_authorization = serializers.RegexField(r"^PA[0-9]{18}$", required=False, max_length=20)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("lines")) == bool(attrs.get("purchase_authorization")):
            raise serializers.ValidationError("Give either lines or purchase_authorization.")
        return attrs


class ReturnLineInputSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField(min_value=1, max_value=2**62, help_text="The order line's id")
    quantity = serializers.IntegerField(min_value=1, max_value=ENTERPRISE_MAX_QUANTITY)


class ReturnCreateSerializer(serializers.Serializer[Any]):
    """ORD-5: how many licences of which lines to return."""

    lines = serializers.ListField(child=ReturnLineInputSerializer(), min_length=1, max_length=50)

    def validate_lines(self, lines: list[dict[str, int]]) -> list[dict[str, int]]:
        if len({line["line"] for line in lines}) != len(lines):
            raise serializers.ValidationError("List each line once.")
        return lines


class ProductSerializer(serializers.ModelSerializer[Product]):
    class Meta:
        model = Product
        fields = ["code", "name", "offering_type", "segments", "is_consumable", "counts_for_vip_select"]
        read_only_fields = fields


class LineSerializer(serializers.Serializer[Any]):
    product = serializers.CharField(source="product.code")
    quantity = serializers.IntegerField()


class PurchaseAuthorizationSerializer(serializers.ModelSerializer[PurchaseAuthorization]):
    customer = serializers.CharField(source="customer.vip_id", read_only=True)
    lines = LineSerializer(many=True, read_only=True)

    class Meta:
        model = PurchaseAuthorization
        fields = ["number", "customer", "state", "created_on", "due_date", "suspends_on", "po_number", "lines"]
        read_only_fields = fields


class OrderLineSerializer(serializers.ModelSerializer[OrderLine]):
    product = serializers.CharField(source="product.code", read_only=True)

    class Meta:
        model = OrderLine
        fields = ["id", "product", "quantity", "level", "unit_price", "months", "line_total", "returned_quantity"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer[Order]):
    customer = serializers.CharField(source="customer.vip_id", read_only=True)
    purchase_authorization = serializers.CharField(
        source="purchase_authorization.number", read_only=True, allow_null=True, default=None
    )
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "number",
            "customer",
            "kind",
            "status",
            "failure_reason",
            "purchase_authorization",
            "created_on",
            "accepted_at",
            "currency",
            "total",
            "anniversary_date",
            "lines",
        ]
        read_only_fields = fields


class ReturnSerializer(serializers.ModelSerializer[Return]):
    order = serializers.CharField(source="order.number", read_only=True)

    class Meta:
        model = Return
        fields = ["number", "order", "created_at", "credit", "currency"]
        read_only_fields = fields


class LicencePoolSerializer(serializers.ModelSerializer[LicencePool]):
    product = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    available = serializers.IntegerField(read_only=True)
    suspended = serializers.IntegerField(read_only=True, help_text="Pending licences of a suspended PA (PA-2).")

    class Meta:
        model = LicencePool
        fields = ["product", "product_name", "fulfilled", "pending", "assigned", "available", "suspended"]
        read_only_fields = fields


class LicencesSerializer(serializers.Serializer[Any]):
    totals = serializers.DictField(child=serializers.IntegerField())
    pools = LicencePoolSerializer(many=True)


# ---- team and activity ---------------------------------------------------------------------------------


class MemberSerializer(serializers.ModelSerializer[Membership]):
    email = serializers.EmailField(source="user.email", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "first_name", "last_name", "role", "status", "activated_at"]
        read_only_fields = fields


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    actor = serializers.CharField(source="actor_label", read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["created_at", "actor", "action", "object_type", "object_id", "object_repr", "changes"]
        read_only_fields = fields


INVITATION_STATUSES = InvitationStatus.values


# ---- renewals (REN-2, REN-7, REN-9, REN-10) ------------------------------------------------------------


class QuoteLineSerializer(serializers.Serializer[Any]):
    product = serializers.CharField(source="product.code", help_text="Product code")
    quantity = serializers.IntegerField()
    level = serializers.CharField(help_text="The discount level the unit price is taken at")
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="Yearly unit price")
    months = serializers.IntegerField()
    line_total = serializers.DecimalField(max_digits=14, decimal_places=2)


class QuoteSerializer(serializers.Serializer[Any]):
    """REN-10: a renewal's level, its lines priced for a full 12-month term, and the total."""

    level = serializers.CharField()
    currency = serializers.CharField(default="USD")
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    lines = QuoteLineSerializer(many=True)


class RenewalSerializer(serializers.Serializer[Any]):
    """REN-8: the term being renewed; REN-7: what expires and may be renewed; REN-10: its preview."""

    state = serializers.ChoiceField(choices=RenewalState.choices)
    anniversary_date = serializers.DateField(source="term_ad", allow_null=True, help_text="The AD being renewed")
    orders_open_on = serializers.DateField(source="opens_on", allow_null=True, help_text="AD−30 (REN-2)")
    grace_ends_on = serializers.DateField(source="grace_ends", allow_null=True, help_text="AD+30 (REN-4)")
    late = serializers.BooleanField(help_text="From the AD only expiring licences renew, up to their quantity")
    can_renew = serializers.BooleanField()
    expiring = LineSerializer(many=True)
    preview = QuoteSerializer(allow_null=True, help_text="The renewal of every expiring licence")


class RenewalLinesSerializer(serializers.Serializer[Any]):
    """The lines of a renewal preview; without lines, every expiring licence (the console's prefill)."""

    lines = serializers.ListField(child=LineInputSerializer(), required=False, max_length=50)


class RenewalOrderSerializer(serializers.Serializer[Any]):
    """REN-2, REN-7: the products and quantities to renew for a full 12-month term."""

    lines = serializers.ListField(child=LineInputSerializer(), min_length=1, max_length=50)


class AutoRenewalLineSerializer(serializers.Serializer[Any]):
    product = serializers.SlugRelatedField(slug_field="code", queryset=Product.objects.all(), help_text="Product code")
    quantity = serializers.IntegerField(
        min_value=0, max_value=ENTERPRISE_MAX_QUANTITY, help_text="0 leaves the product out"
    )


class AutoRenewalSerializer(serializers.Serializer[Any]):
    """REN-9: auto-renewal on or off, the quantity it renews per product, and its preview (REN-10)."""

    enabled = serializers.BooleanField()
    editable = serializers.BooleanField(help_text="Changes are allowed until editable_until (AD−3)")
    editable_until = serializers.DateField(allow_null=True)
    lines = AutoRenewalLineSerializer(many=True)
    preview = QuoteSerializer(allow_null=True)
    problem = serializers.CharField(allow_blank=True, help_text="Why there is no preview, if there is none")


class AutoRenewalUpdateSerializer(serializers.Serializer[Any]):
    """REN-9: turn auto-renewal on or off; `lines` changes the quantity of the listed products (the
    others keep theirs)."""

    enabled = serializers.BooleanField()
    lines = serializers.ListField(child=AutoRenewalLineSerializer(), required=False, max_length=50)

    def validate_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len({line["product"].pk for line in lines}) != len(lines):
            raise serializers.ValidationError("List each product once.")
        return lines
