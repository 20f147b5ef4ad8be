from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

if TYPE_CHECKING:
    from django_scopes import ScopedManagerType


class AppendOnlyError(Exception):
    """Audit events are never updated or deleted by the application (AUD-2)."""


class AuditEvent(models.Model):
    """One state change: when, who, in which reseller, on what, and the fields before → after (AUD-1).

    Append-only: the model refuses updates and deletes, and a database trigger (see the migration)
    refuses them for any other client too.
    """

    created_at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=254, help_text=_("Email, or “system”."))
    reseller = models.ForeignKey(
        "accounts.Reseller", on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    objects: ClassVar[ScopedManagerType[Self]] = ScopedManager(reseller="reseller")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["reseller", "-created_at"], name="audit_reseller_recent"),
            models.Index(fields=["object_type", "object_id", "-created_at"], name="audit_object_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")

    def change_rows(self) -> list[tuple[str, Any, Any]]:
        """The changes as (field, before, after) rows for display."""
        rows = []
        for field, value in sorted(self.changes.items()):
            if isinstance(value, list | tuple) and len(value) == 2:
                rows.append((field, value[0], value[1]))
            else:
                rows.append((field, None, value))
        return rows
