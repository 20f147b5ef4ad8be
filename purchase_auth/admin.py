from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from console.accounts.models import MarketSegment
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


class ProductForm(forms.ModelForm):
    segments = forms.MultipleChoiceField(
        label=_("Market segments"), choices=MarketSegment.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Product
        fields = ["code", "name", "offering_type", "segments", "is_consumable", "counts_for_vip_select", "is_active"]


class PriceInline(admin.TabularInline):
    model = Price
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """CAT-1/CAT-2: operators manage the catalogue and its price list."""

    form = ProductForm
    list_display = ["code", "name", "offering_type", "is_consumable", "counts_for_vip_select", "is_active"]
    list_filter = ["offering_type", "is_consumable", "is_active"]
    search_fields = ["code", "name"]
    inlines = [PriceInline]


@admin.register(Price)
class PriceAdmin(admin.ModelAdmin):
    list_display = ["product", "segment", "currency", "level", "unit_price"]
    list_filter = ["segment", "currency", "level"]
    search_fields = ["product__code", "product__name"]
    list_select_related = ["product"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Purchasing records change only through the console's audited services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PurchaseAuthorizationLineInline(admin.TabularInline):
    model = PurchaseAuthorizationLine
    extra = 0
    can_delete = False
    readonly_fields = ["product", "quantity"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PurchaseAuthorization)
class PurchaseAuthorizationAdmin(ReadOnlyAdmin):
    list_display = ["number", "customer", "reseller", "created_on", "due_date", "state"]
    list_filter = ["state"]
    search_fields = ["number", "customer__vip_id", "customer__name"]
    list_select_related = ["customer", "reseller"]
    inlines = [PurchaseAuthorizationLineInline]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ["product", "quantity", "level", "unit_price", "months", "line_total", "returned_quantity"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
