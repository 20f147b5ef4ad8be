"""Admin plumbing shared by every app."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms.formsets import DELETION_FIELD_NAME
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext as _


class ReadOnlyAdmin(admin.ModelAdmin):
    """Operators may look, never add, change or delete: these records change only through the
    console's services, which audit them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose inputs are named: Django labels the columns only (<th>), so a screen reader
    meets an unnamed input in each cell (axe: label, select-name). Each input gets its field's name."""

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and getattr(db_field, "verbose_name", None):
            formfield.widget.attrs.setdefault("aria-label", capfirst(db_field.verbose_name))
        return formfield

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)

        class Labelled(formset):  # type: ignore[misc,valid-type]
            def add_fields(self, form: Any, index: int | None) -> None:
                super().add_fields(form, index)
                if DELETION_FIELD_NAME in form.fields:  # the "Delete?" column's checkbox
                    form.fields[DELETION_FIELD_NAME].widget.attrs.setdefault("aria-label", _("Delete?"))

        return Labelled


class ReadOnlyInline(LabelledTabularInline):
    """Child rows shown under a read-only or service-managed parent: listed, never added or removed."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
