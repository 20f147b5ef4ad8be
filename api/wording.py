"""The API key and webhook verbs and fields in words (AUD-2), registered with console.audit.wording."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from api.models import ApiKey
from console.audit.wording import audit_field_register, audit_verb_register, choice_display, date_display


def register() -> None:
    for action, sentence in {
        "api_key.create": _("API key %(object)s created"),
        "api_key.revoke": _("API key %(object)s revoked"),
        "webhook.create": _("Webhook endpoint %(object)s added"),
        "webhook.enable": _("Webhook endpoint %(object)s turned on"),
        "webhook.disable": _("Webhook endpoint %(object)s turned off"),
    }.items():
        audit_verb_register(action, sentence)
    audit_field_register("role", _("Access"), choice_display(ApiKey.Role.choices), object_type="api.apikey")
    audit_field_register("expires_at", _("Expires"), date_display)
    audit_field_register("url", _("URL"))
    audit_field_register("events", _("Events"))
    audit_field_register(
        "reason",
        _("Reason"),
        choice_display([("failing", _("deliveries failed for too long"))]),
        object_type="api.webhookendpoint",
    )
