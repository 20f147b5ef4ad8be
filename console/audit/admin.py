from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from console.admin import ReadOnlyAdmin
from console.audit.models import AuditEvent
from console.audit.wording import describe


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: operators see every event, nobody changes or deletes one (AUD-2)."""

    list_display = ["created_at", "actor_label", "reseller", "action", "what", "object_repr"]
    list_filter = ["action", "reseller"]
    search_fields = ["actor_label", "object_repr", "object_id", "action"]
    date_hierarchy = "created_at"
    list_select_related = ["reseller"]

    @admin.display(description=_("what happened"))
    def what(self, event: AuditEvent) -> str:
        """The event in words (console.audit.wording), beside its verb."""
        return describe(event, members={}).sentence
