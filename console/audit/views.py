from __future__ import annotations

import csv
from collections.abc import Iterator

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http.response import HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from console.audit.models import AuditEvent
from console.audit.selectors import audit_events_for_reseller
from console.audit.wording import describe_all
from console.csv import Echo, neutralise
from console.forms import CleanTextMixin
from console.http import ConsoleRequest
from console.tenancy import TEAM_ADMINS, console_view

ACTION_CHOICES = [
    ("", _("All actions")),
    ("reseller.", _("Reseller")),
    ("team.", _("Team")),
    ("customer.", _("Customers")),
    ("pa.", _("Purchase authorizations")),
    ("order.", _("Orders and returns")),
    ("licences.", _("Licences")),
    ("renewal.", _("Renewals")),
    ("api_key.", _("API keys")),
    ("webhook.", _("Webhooks")),
]


class ActivityFilterForm(CleanTextMixin, forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=ACTION_CHOICES, required=False)
    actor = forms.EmailField(label=_("By (email)"), required=False, max_length=240)
    page = forms.IntegerField(required=False, min_value=1, max_value=100000, widget=forms.HiddenInput)
    per_page = forms.TypedChoiceField(
        choices=[(n, n) for n in (25, 50, 100)], coerce=int, required=False, widget=forms.HiddenInput
    )


@require_safe
@console_view(read=TEAM_ADMINS, write=TEAM_ADMINS)
def activity(request: ConsoleRequest) -> HttpResponseBase:
    """AUD-2: the reseller-wide activity log, for admins, with filters and CSV export."""
    form = ActivityFilterForm(request.GET)
    valid = form.is_valid()
    filters = form.cleaned_data  # only the parts that are valid: a bad page size falls back to 50 alone
    events = audit_events_for_reseller(
        reseller=request.reseller, action=filters.get("action", ""), actor=filters.get("actor", "")
    )
    if request.GET.get("format") == "csv" and valid:
        return _activity_csv(events)
    page = Paginator(events, filters.get("per_page") or 50).get_page(filters.get("page") or 1)
    context = {"form": form, "page": page, "wordings": describe_all(page.object_list), "nav": "activity"}
    return render(request, "console/activity.html", context)


def _activity_csv(events: QuerySet[AuditEvent]) -> StreamingHttpResponse:
    writer = csv.writer(Echo())

    def rows() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(["when", "actor", "action", "what", "object", "changes"])
        for chunk in _chunks(events.iterator(chunk_size=2000), 2000):
            for wording in describe_all(chunk):
                event = wording.event
                yield writer.writerow(
                    neutralise(
                        [
                            event.created_at.isoformat(),
                            event.actor_label,
                            event.action,
                            wording.sentence,
                            event.object_repr,
                            wording.changes_text(),
                        ]
                    )
                )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="activity.csv"'
    return response


def _chunks(events: Iterator[AuditEvent], size: int) -> Iterator[list[AuditEvent]]:
    chunk: list[AuditEvent] = []
    for event in events:
        chunk.append(event)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
