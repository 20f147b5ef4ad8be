from __future__ import annotations

from django.contrib import admin

from console.admin import ReadOnlyAdmin
from reseller_change.models import CustomerTransfer, ResellerChangeCode, ResellerChangeFailure


@admin.register(ResellerChangeCode)
class ResellerChangeCodeAdmin(ReadOnlyAdmin):
    """Operators see every code sent (the code itself is never stored, only its hash)."""

    list_display = ["vip_id", "admin_email", "reseller", "sent_by", "sent_at", "expires_at", "state"]
    list_filter = ["state", "reseller"]
    search_fields = ["vip_id", "admin_email"]
    list_select_related = ["reseller", "sent_by__user", "sent_by__reseller"]
    exclude = ["code_hash"]


@admin.register(ResellerChangeFailure)
class ResellerChangeFailureAdmin(ReadOnlyAdmin):
    list_display = ["user", "customer", "failed_at", "reason"]
    list_filter = ["reason"]
    search_fields = ["user__email", "customer__vip_id"]
    list_select_related = ["user", "customer"]


@admin.register(CustomerTransfer)
class CustomerTransferAdmin(ReadOnlyAdmin):
    list_display = ["customer", "from_reseller", "to_reseller", "managed_by", "confirmed_by", "transferred_at"]
    list_filter = ["from_reseller", "to_reseller"]
    search_fields = ["customer__vip_id", "customer__name"]
    list_select_related = [
        "customer",
        "from_reseller",
        "to_reseller",
        "managed_by__user",
        "managed_by__reseller",
        "confirmed_by",
    ]
