"""The customer verbs and fields in words (AUD-2), registered with console.audit.wording."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from console.accounts.models import MarketSegment
from console.audit.wording import audit_field_register, audit_verb_register, choice_display, date_display
from customers.geography import country_name, region_name
from customers.models import CustomerType, InvitationStatus, ThreeYearCommitStatus


def _region(value: Any) -> str:
    code = str(value)
    return region_name(code.split("-")[0], code)


def _language(value: Any) -> str:
    from django.conf import settings

    return str(dict(settings.LANGUAGES).get(value, value))


def register() -> None:
    for action, sentence in {
        "customer.invite": _("Customer %(object)s invited"),
        "customer.reminder": _("Invitation reminder sent"),
        "customer.remove": _("Customer removed"),
        "customer.managed_by": _("Managed by changed to %(managed_by)s"),
        "customer.accept": _("Invitation accepted by %(contract_owner)s"),
    }.items():
        audit_verb_register(action, sentence)
    fields = {
        "segment": (_("Market segment"), choice_display(MarketSegment.choices)),
        "type": (_("Type"), choice_display(CustomerType.choices)),
        "country": (_("Country"), lambda value: country_name(str(value))),
        "region": (_("Region"), _region),
        "city": (_("City"), None),
        "address_line1": (_("Address line 1"), None),
        "address_line2": (_("Address line 2"), None),
        "postal_code": (_("Postal code"), None),
        "contact_first_name": (_("First name"), None),
        "contact_last_name": (_("Last name"), None),
        "contact_email": (_("Contact email"), None),
        "language": (_("Preferred language"), _language),
        "vip_id": (_("VIP ID"), None),
        "anniversary_date": (_("Anniversary Date"), date_display),
        "extended_term_months": (_("Extended term (months)"), None),
        "invitation_status": (_("VIP invitation status"), choice_display(InvitationStatus.choices)),
        "three_year_commit": (_("VIP Select three-year commit"), choice_display(ThreeYearCommitStatus.choices)),
        "customer": (_("Customer"), None),
    }
    for name, (label, display) in fields.items():
        audit_field_register(name, label, display)
    audit_field_register("name", _("Organization name"), object_type="customers.customer")
    audit_field_register("name_en", _("Organization name (US English)"), object_type="customers.customer")
    audit_field_register("managed_by", _("Managed by"), member=True)
    audit_field_register("contract_owner", _("Contract owner"), member=True)
