from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from console.accounts.models import MarketSegment
from console.admin import ReadOnlyAdmin, ReadOnlyInline
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
