from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from console.admin import ReadOnlyAdmin
from console.outbox.models import OutboxMessage
from console.outbox.services import outbox_retry_now


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Every outbound email with its status, attempts and last error. Under `make run` this is where
    a person trying the console reads its emails and opens their links."""

    class Media:
        css = {"all": ["css/admin.css"]}  # no style attributes: the CSP (NF-5) blocks them

    list_display = ["created_at", "to_email", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["to_email", "subject"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    fields = readonly_fields = (
        "to_email",
        "subject",
        "template",
        "language",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "reseller",
        "dedupe_key",
        "text_with_links",
        "body_html",
    )

    @admin.display(description=_("Plain-text body (links are clickable)"))
    def text_with_links(self, obj: OutboxMessage) -> str:
        # urlize escapes the text itself (autoescape=True) but returns a plain str: mark it safe, or
        # format_html escapes it again and the links show as "<a href=…>" text.
        linked = mark_safe(urlize(obj.body_text, autoescape=True))  # noqa: S308
        return format_html('<pre class="pre-wrap">{}</pre>', linked)

    @admin.action(description=_("Send the selected messages again now"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        from console.outbox.tasks import outbox_send

        ids = list(queryset.values_list("pk", flat=True))
        count = outbox_retry_now(message_ids=ids)
        for message_id in ids:
            # robust: with the broker down the messages are still due, and the periodic flush sends them.
            transaction.on_commit(partial(outbox_send.delay, message_id), robust=True)
        messages.info(
            request,
            ngettext("%d message queued to be sent again.", "%d messages queued to be sent again.", count) % count,
        )
