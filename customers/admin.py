from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from customers.models import Customer, CustomerAdmin


@admin.register(Customer)
class CustomerModelAdmin(admin.ModelAdmin):
    """Operators see every customer; nobody edits one here (CUST-5): changes go through the console's
    services, which audit them."""

    list_display = ["name", "vip_id", "reseller", "segment", "invitation_status", "anniversary_date", "removed_at"]
    list_filter = ["invitation_status", "segment", "type", "reseller"]
    search_fields = ["vip_id", "name", "name_en", "contact_email"]
    list_select_related = ["reseller"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CustomerAdmin)
class CustomerAdminAdmin(admin.ModelAdmin):
    list_display = ["user", "customer", "created_at"]
    search_fields = ["user__email", "customer__vip_id", "customer__name"]
    list_select_related = ["user", "customer"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
