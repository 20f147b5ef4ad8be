from __future__ import annotations

from django.contrib import admin

from console.admin import ReadOnlyAdmin
from customers.models import Customer, CustomerAdmin


@admin.register(Customer)
class CustomerModelAdmin(ReadOnlyAdmin):
    """Operators see every customer; nobody edits one here (CUST-5): changes go through the console's
    services, which audit them."""

    list_display = ["name", "vip_id", "reseller", "segment", "invitation_status", "anniversary_date", "removed_at"]
    list_filter = ["invitation_status", "segment", "type", "reseller"]
    search_fields = ["vip_id", "name", "name_en", "contact_email"]
    list_select_related = ["reseller"]
    show_full_result_count = False


@admin.register(CustomerAdmin)
class CustomerAdminAdmin(ReadOnlyAdmin):
    list_display = ["user", "customer", "created_at"]
    search_fields = ["user__email", "customer__vip_id", "customer__name"]
    list_select_related = ["user", "customer"]
