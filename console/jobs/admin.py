from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.db.models.fields import BLANK_CHOICE_DASH
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import CrontabScheduleAdmin, PeriodicTaskAdmin, PeriodicTaskForm
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from console.admin import ReadOnlyAdmin
from console.celery import app as celery_app
from console.jobs.models import PeriodicRun
from console.jobs.scheduler import code_schedule_names

DECLARED_MESSAGE = _(
    "Declared in code (CELERY_BEAT_SCHEDULE): it cannot be changed, disabled or deleted here, and beat "
    "restores it when it starts. Use “Run selected tasks” on the list to run it now."
)


@admin.register(PeriodicRun)
class PeriodicRunAdmin(ReadOnlyAdmin):
    """Each run of the periodic job and what it did; written only by console.periodic."""

    class Media:
        css = {"all": ["css/admin.css"]}  # no style attributes: the CSP (NF-5) blocks them

    list_display = ["started_at", "finished_at", "on", "status", "failed_steps"]
    list_filter = ["status"]
    date_hierarchy = "started_at"
    fields = readonly_fields = ("on", "started_at", "finished_at", "status", "counts_table", "failures_text")

    @admin.display(description=_("Failed steps"))
    def failed_steps(self, obj: PeriodicRun) -> str:
        return ", ".join(sorted(obj.failures)) or "—"

    @admin.display(description=_("Moved per step"))
    def counts_table(self, obj: PeriodicRun) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.counts, indent=2, sort_keys=True))

    @admin.display(description=_("Failures"))
    def failures_text(self, obj: PeriodicRun) -> str:
        text = "\n\n".join(f"{step}:\n{error}" for step, error in sorted(obj.failures.items()))
        return format_html('<pre class="pre-wrap">{}</pre>', text or "—")


class TaskForm(PeriodicTaskForm):
    """django-celery-beat's form, with its empty task choice labelled as Django's own selects label it: an
    empty <option> without a label is invalid HTML (the Nu HTML checker, tests/console/test_html_valid.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "regtask" in self.fields:
            widget = self.fields["regtask"].widget
            widget._choices = [*BLANK_CHOICE_DASH, *[choice for choice in widget.choices if choice[0]]]


class CrontabForm(forms.ModelForm):
    """The time zone's default is callable, so Django adds a hidden "initial-timezone" input, and Django
    5.2 gives it the visible field's aria-describedby, which a hidden input may not carry (Nu HTML
    checker). The hidden copy only serves has_changed() for callable defaults; the saved row is the same."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "timezone" in self.fields:
            self.fields["timezone"].show_hidden_initial = False


admin.site.unregister(CrontabSchedule)


@admin.register(CrontabSchedule)
class CrontabAdmin(CrontabScheduleAdmin):
    form = CrontabForm


admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class ScheduleAdmin(PeriodicTaskAdmin):
    """django-celery-beat's admin, except that the entries declared in code (JOB-1) cannot be changed,
    disabled or deleted here (deleting a selection that holds one is refused by Django's per-object
    delete permission); "Run selected tasks" still runs them now. Beat restores them at start
    anyway (console.jobs.scheduler)."""

    celery_app = celery_app  # the project's app, not whichever app Celery considers current
    form = TaskForm

    def _declared(self, obj: PeriodicTask | None) -> bool:
        return obj is not None and obj.name in code_schedule_names()

    def get_fieldsets(self, request: HttpRequest, obj: PeriodicTask | None = None) -> Any:
        if not self._declared(obj):
            return super().get_fieldsets(request, obj)
        # "regtask" is a choice of PeriodicTaskForm, not a model field: a read-only page shows "task".
        return [
            (title, {**options, "fields": [name for name in options["fields"] if name != "regtask"]})
            for title, options in self.fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: PeriodicTask | None = None) -> Sequence[str]:
        if self._declared(obj):
            return [name for _title, options in self.get_fieldsets(request, obj) for name in options["fields"]]
        return super().get_readonly_fields(request, obj)

    def get_form(self, request: HttpRequest, obj: PeriodicTask | None = None, **kwargs: Any) -> Any:
        if self._declared(obj):
            kwargs["form"] = forms.ModelForm  # every field read-only: nothing for PeriodicTaskForm to clean
        return super().get_form(request, obj, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: PeriodicTask | None = None) -> bool:
        return not self._declared(obj) and super().has_delete_permission(request, obj)

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if object_id and self._declared(self.get_object(request, object_id)):
            messages.info(request, DECLARED_MESSAGE)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _without_declared(self, request: HttpRequest, queryset: QuerySet[PeriodicTask]) -> QuerySet[PeriodicTask]:
        declared = sorted(queryset.filter(name__in=code_schedule_names()).values_list("name", flat=True))
        if declared:
            messages.warning(request, _("%(names)s: %(why)s") % {"names": ", ".join(declared), "why": DECLARED_MESSAGE})
        return queryset.exclude(name__in=declared)

    def disable_tasks(self, request: HttpRequest, queryset: QuerySet[PeriodicTask]) -> None:
        super().disable_tasks(request, self._without_declared(request, queryset))

    def toggle_tasks(self, request: HttpRequest, queryset: QuerySet[PeriodicTask]) -> None:
        super().toggle_tasks(request, self._without_declared(request, queryset))
