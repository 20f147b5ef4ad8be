"""The renewal verbs and fields in words (AUD-2), registered with console.audit.wording."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from console.audit.wording import audit_field_register, audit_verb_register, choice_display


def register() -> None:
    audit_verb_register("customer.auto_renewal", _("Auto-renewal turned %(auto_renewal)s"))
    audit_verb_register("licences.expire", _("Licences expired: %(renewal)s"))
    # HOOK-2: the job audits the day a customer's renewal state changes (renewals.reminders).
    audit_verb_register("renewal.upcoming", _("Renewal upcoming: Anniversary Date %(anniversary_date)s"))
    audit_verb_register("renewal.ready", _("Ready to renew: Anniversary Date %(anniversary_date)s"))
    audit_field_register("auto_renewal", _("Auto-renewal"), choice_display([("on", _("on")), ("off", _("off"))]))
    audit_field_register("quantities", _("Quantities"))
    audit_field_register(
        "renewal",
        _("Renewal"),
        choice_display([("lapsed", _("not renewed")), ("partially renewed", _("partially renewed"))]),
    )
    audit_field_register("licences_not_renewed", _("Licences not renewed"))
