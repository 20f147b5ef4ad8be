from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from console.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: operators see every event, nobody changes or deletes one (AUD-2)."""

    list_display = ["created_at", "actor_label", "reseller", "action", "object_repr"]
    list_filter = ["action", "reseller"]
    search_fields = ["actor_label", "object_repr", "object_id", "action"]
    date_hierarchy = "created_at"
    list_select_related = ["reseller"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
