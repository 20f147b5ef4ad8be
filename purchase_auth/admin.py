from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from console.accounts.models import MarketSegment
from console.admin import LabelledTabularInline, ReadOnlyAdmin, ReadOnlyInline
from purchase_auth.models import (
    LicencePool,
    Order,
    OrderLine,
    Price,
    Product,
    PurchaseAuthorization,
    PurchaseAuthorizationLine,
    Return,
)
from purchase_auth.selectors import orders_per_product, prices_used_by_orders


class ProductForm(forms.ModelForm):
    segments = forms.MultipleChoiceField(
        label=_("Market segments"), choices=MarketSegment.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Product
        fields = ["code", "name", "offering_type", "segments", "is_consumable", "counts_for_vip_select", "is_active"]


def products_in_use_messages(products: Sequence[Product]) -> list[str]:
    """Why each product that orders reference cannot be deleted, in words an operator acts on."""
    orders = orders_per_product(product.pk for product in products)
    return [
        ngettext(
            "“%(product)s” is on %(count)d order, so it cannot be deleted: deactivate it instead "
            "(untick “Active”); it then can no longer be ordered.",
            "“%(product)s” is on %(count)d orders, so it cannot be deleted: deactivate it instead "
            "(untick “Active”); it then can no longer be ordered.",
            orders[product.pk],
        )
        % {"product": product, "count": orders[product.pk]}
        for product in products
        if product.pk in orders
    ]


def prices_in_use_messages(prices: Sequence[Price]) -> list[str]:
    used = prices_used_by_orders(price.pk for price in prices)
    return [
        gettext(
            "The price “%(price)s” priced orders, so it cannot be deleted: change its amount for future "
            "orders, or deactivate the product “%(product)s” instead."
        )
        % {"price": price, "product": price.product}
        for price in prices
        if price.pk in used
    ]


class CatalogueDeleteGuard(admin.ModelAdmin):
    """Issue 13: products and prices that orders reference are never deleted from the admin. The delete
    page and the *Delete selected* action list the reason as the objects "protected" from deletion, so
    the operator reads a message (and the POST deletes nothing) instead of a ProtectedError's 500 or a
    list of order lines; the database's PROTECT foreign keys stay the last word."""

    def in_use_messages(self, objs: Sequence[Any]) -> list[str]:
        raise NotImplementedError

    def get_deleted_objects(self, objs: Sequence[Model] | QuerySet[Any], request: HttpRequest) -> Any:
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        reasons = self.in_use_messages(list(objs))
        if reasons:
            protected = reasons  # the reason replaces Django's list of every order line
        return deleted, model_count, perms_needed, protected


class PriceInlineFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        prices = [form.instance for form in self.deleted_forms if form.instance.pk]
        if reasons := prices_in_use_messages(prices):
            raise ValidationError(reasons)


class PriceInline(LabelledTabularInline):
    model = Price
    formset = PriceInlineFormSet
    extra = 0


@admin.register(Product)
class ProductAdmin(CatalogueDeleteGuard):
    """CAT-1/CAT-2: operators manage the catalogue and its price list."""

    form = ProductForm
    list_display = ["code", "name", "offering_type", "is_consumable", "counts_for_vip_select", "is_active"]
    list_filter = ["offering_type", "is_consumable", "is_active"]
    search_fields = ["code", "name"]
    inlines = [PriceInline]

    def in_use_messages(self, objs: Sequence[Product]) -> list[str]:
        return products_in_use_messages(objs)


@admin.register(Price)
class PriceAdmin(CatalogueDeleteGuard):
    list_display = ["product", "segment", "currency", "level", "unit_price"]
    list_filter = ["segment", "currency", "level"]
    search_fields = ["product__code", "product__name"]
    list_select_related = ["product"]

    def in_use_messages(self, objs: Sequence[Price]) -> list[str]:
        return prices_in_use_messages(objs)


class PurchaseAuthorizationLineInline(ReadOnlyInline):
    model = PurchaseAuthorizationLine
    readonly_fields = ["product", "quantity"]


@admin.register(PurchaseAuthorization)
class PurchaseAuthorizationAdmin(ReadOnlyAdmin):
    list_display = ["number", "customer", "reseller", "created_on", "due_date", "state"]
    list_filter = ["state"]
    search_fields = ["number", "customer__vip_id", "customer__name"]
    list_select_related = ["customer", "reseller"]
    inlines = [PurchaseAuthorizationLineInline]


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    readonly_fields = ["product", "quantity", "level", "unit_price", "months", "line_total", "returned_quantity"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "customer", "reseller", "kind", "status", "total", "currency", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["number", "customer__vip_id", "customer__name"]
    list_select_related = ["customer", "reseller"]
    inlines = [OrderLineInline]


@admin.register(Return)
class ReturnAdmin(ReadOnlyAdmin):
    list_display = ["number", "order", "credit", "currency", "created_at"]
    search_fields = ["number", "order__number"]


@admin.register(LicencePool)
class LicencePoolAdmin(ReadOnlyAdmin):
    list_display = ["customer", "product", "fulfilled", "pending", "assigned"]
    search_fields = ["customer__vip_id", "customer__name", "product__code"]
    list_select_related = ["customer", "product"]
