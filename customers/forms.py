from __future__ import annotations

import unicodedata
import uuid
from datetime import date
from typing import Any, cast

from dateutil.relativedelta import relativedelta
from django import forms
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from console.accounts.forms import MemberChoiceField
from console.accounts.models import MarketSegment, Membership
from console.accounts.selectors import members_who_may_write
from console.clock import today
from console.forms import CleanTextMixin
from customers import geography
from customers.models import CustomerType
from customers.rules import CustomerFilter
from customers.selectors import SORTS

# CUST-2: letters (any script), digits, space and _ , . & ' ( ) " / -
FORBIDDEN_NAME_CHARACTERS = set("<>[]")
LANGUAGES = [
    ("en", "English"),
    ("uk", "Українська"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("it", "Italiano"),
    ("pl", "Polski"),
    ("pt", "Português"),
    ("nl", "Nederlands"),
    ("ja", "日本語"),
]
EXTENDED_TERM_MAX: dict[str, int] = {
    MarketSegment.COMMERCIAL: 36,
    MarketSegment.GOVERNMENT: 48,
    MarketSegment.EDUCATION: 48,
}


MAX_COMBINING_MARKS = 3  # vowel signs and accents of any script, but no stacked "Zalgo" text


def _check_organization_name(value: str) -> None:
    """CUST-2: letters of any script (with their combining marks), digits, space and _ , . & ' ( ) " / -."""
    if FORBIDDEN_NAME_CHARACTERS & set(value):
        raise forms.ValidationError(_("The name cannot contain < > [ or ]."))
    marks = 0
    for index, ch in enumerate(value):
        if unicodedata.category(ch).startswith("M"):
            marks += 1
            if index == 0 or marks > MAX_COMBINING_MARKS:
                raise forms.ValidationError(_("Use letters, digits, spaces and _ , . & ' ( ) \" / - only."))
            continue
        marks = 0
        if not (ch.isalnum() or ch in " _,.&'()\"/-"):
            raise forms.ValidationError(_("Use letters, digits, spaces and _ , . & ' ( ) \" / - only."))


def _months(months: int) -> str:
    return ngettext("%d month", "%d months", months) % months


# The choice labels are made at import: lazily, so each request reads them in its own language.
_months_label = lazy(_months, str)


class SubmissionKeyField(forms.Field):
    """CUST-4's double-submit guard, a hidden UUID. A mangled key only loses that guard; it never
    blocks the submission (the user could not see or fix a hidden field)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def clean(self, value: Any) -> uuid.UUID | None:
        try:
            return uuid.UUID(str(value))
        except ValueError:
            return None


class CustomerInviteForm(CleanTextMixin, forms.Form):
    """Add Customer Organization (CUST-1…CUST-3). Every field but address line 2 is required."""

    name = forms.CharField(
        label=_("Organization name"), min_length=4, max_length=80, validators=[_check_organization_name]
    )
    name_en = forms.CharField(
        label=_("Organization name in US-English characters"),
        max_length=80,
        required=False,
        help_text=_("Required when the name has characters outside US English (for example Cyrillic)."),
    )
    segment = forms.ChoiceField(label=_("Market segment"), choices=MarketSegment.choices)
    type = forms.ChoiceField(label=_("Type"), choices=CustomerType.choices, help_text=_("Both may be bought later."))
    country = forms.ChoiceField(label=_("Country"))
    region = forms.CharField(label=_("Region"), max_length=6, required=False)
    city = forms.CharField(label=_("City"), max_length=40)
    address_line1 = forms.CharField(label=_("Address line 1"), max_length=60)
    address_line2 = forms.CharField(label=_("Address line 2"), max_length=60, required=False)
    postal_code = forms.CharField(label=_("ZIP or postal code"), max_length=40)
    contact_first_name = forms.CharField(label=_("Primary contact first name"), max_length=35)
    contact_last_name = forms.CharField(label=_("Primary contact last name"), max_length=35)
    contact_email = forms.EmailField(label=_("Primary contact email"), max_length=240)
    language = forms.ChoiceField(label=_("Preferred language"), choices=LANGUAGES, initial="en")
    choose_anniversary = forms.BooleanField(label=_("Select customer Anniversary Date for customer"), required=False)
    anniversary_date = forms.DateField(
        label=_("Anniversary Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    extended_term_months = forms.TypedChoiceField(
        label=_("Extended term paid up front"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("No extended term (12 months)"))] + [(m, _months_label(m)) for m in range(13, 49)],
    )
    submission_key = SubmissionKeyField()

    def __init__(self, *args: Any, reseller: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = [
            ("", _("Choose a country")),
            *geography.country_choices(),
        ]
        if reseller is not None and reseller.segments:
            allowed = set(reseller.segments)
            cast(forms.ChoiceField, self.fields["segment"]).choices = [
                (code, label) for code, label in MarketSegment.choices if code in allowed
            ]
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())
        country = self.data.get("country") if self.is_bound else self.initial.get("country")
        self.region_choices = geography.region_choices(country) if isinstance(country, str) and country else []

    def clean_name_en(self) -> str:
        return self.cleaned_data.get("name_en", "")

    def clean_contact_email(self) -> str:
        return self.cleaned_data["contact_email"].strip().lower()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        name, name_en = cleaned.get("name", ""), cleaned.get("name_en", "")
        if name and not name.isascii():
            if not name_en:
                self.add_error("name_en", _("Enter the name in US-English characters too."))
            elif not name_en.isascii():
                self.add_error("name_en", _("Use US-English (ASCII) characters only."))
        elif name and not name_en:
            cleaned["name_en"] = name
        if name_en and not self.has_error("name_en"):
            if not name_en.isascii():
                self.add_error("name_en", _("Use US-English (ASCII) characters only."))
            elif len(name_en) < 4:
                self.add_error("name_en", _("Enter at least 4 characters."))
            else:
                try:
                    _check_organization_name(name_en)
                except forms.ValidationError as error:
                    self.add_error("name_en", error)
        self._clean_address(cleaned)
        self._clean_anniversary(cleaned)
        return cleaned

    def _clean_address(self, cleaned: dict[str, Any]) -> None:
        country = cleaned.get("country")
        if not country:
            return
        if not geography.is_supported_country(country):
            self.add_error("country", _("The VIP programme is not offered in this country."))
            return
        region = cleaned.get("region", "")
        if geography.country_requires_region(country):
            if not region:
                self.add_error("region", _("Choose the region."))
            elif not geography.is_valid_region(country, region):
                self.add_error("region", _("Choose a region of the selected country."))
        else:
            cleaned["region"] = ""
        if cleaned.get("postal_code"):
            message = geography.validate_postal_code(country, cleaned["postal_code"])
            if message:
                self.add_error("postal_code", message)
            else:
                cleaned["postal_code"] = geography.normalise_postal_code(country, cleaned["postal_code"])

    def _clean_anniversary(self, cleaned: dict[str, Any]) -> None:
        """CUST-3: an optional chosen Anniversary Date, with an optional extended term paid up front."""
        months = cleaned.get("extended_term_months")
        chosen = cleaned.get("choose_anniversary")
        anniversary: date | None = cleaned.get("anniversary_date")
        if not chosen:
            # Never drop what was typed: a date or a term without the box ticked is refused, not discarded.
            typed = str(self.data.get(self.add_prefix("anniversary_date")) or "").strip()
            if anniversary is not None or typed:
                self.add_error(
                    "choose_anniversary",
                    _(
                        "An Anniversary Date was entered but “Select customer Anniversary Date for customer” is not "
                        "ticked. Tick the box to keep the date, or clear the date."
                    ),
                )
            elif months:
                self.add_error("choose_anniversary", _("Select the Anniversary Date to choose an extended term."))
            cleaned["anniversary_date"], cleaned["extended_term_months"] = None, None
            return
        if anniversary is None:
            if not self.has_error("anniversary_date"):
                self.add_error("anniversary_date", _("Choose the Anniversary Date."))
            return
        now = today()
        segment = cleaned.get("segment")
        if months:
            longest = EXTENDED_TERM_MAX.get(segment or "", 36)
            if months > longest:
                self.add_error(
                    "extended_term_months",
                    _("For this market segment the extended term is 13 to %(max)d months.") % {"max": longest},
                )
                return
            earliest, latest = now + relativedelta(months=months - 1, days=1), now + relativedelta(months=months)
        else:
            earliest, latest = now + relativedelta(days=1), now + relativedelta(months=12)
        if not earliest <= anniversary <= latest:
            self.add_error(
                "anniversary_date",
                _("Choose a date from %(start)s to %(end)s.")
                % {"start": date_format(earliest), "end": date_format(latest)},
            )


class CustomerListForm(CleanTextMixin, forms.Form):
    """The list's whole state lives in the URL (LIST-4); bad values fall back to defaults."""

    filter = forms.ChoiceField(choices=CustomerFilter.choices, required=False)
    mine = forms.BooleanField(required=False)
    # DASH-1: "stale" narrows the list to the invitations pending for more than 14 days.
    invitation = forms.ChoiceField(choices=[("stale", "stale")], required=False)
    q = forms.CharField(max_length=100, required=False)

    def clean_q(self) -> str:
        # Fewer than three characters match too much to be useful, and no trigram index serves them.
        query = self.cleaned_data.get("q", "")
        return query if len(query) >= 3 else ""

    sort = forms.ChoiceField(choices=[(k, k) for k in SORTS] + [(f"-{k}", k) for k in SORTS], required=False)
    page = forms.IntegerField(min_value=1, max_value=1_000_000, required=False)
    per_page = forms.TypedChoiceField(choices=[(n, n) for n in (25, 50, 100)], coerce=int, required=False)

    def state(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        if not self.is_valid():
            # keep every valid part of the state, drop only what is wrong
            data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        sort = data.get("sort") or "name"
        return {
            "filter": data.get("filter") or CustomerFilter.ALL,
            "mine": bool(data.get("mine")),
            "invitation": data.get("invitation") or "",
            "q": data.get("q") or "",
            "sort": sort.lstrip("-"),
            "descending": sort.startswith("-"),
            "page": data.get("page") or 1,
            "per_page": data.get("per_page") or 25,
        }


class ReminderForm(CleanTextMixin, forms.Form):
    contact_email = forms.EmailField(label=_("Primary contact email"), max_length=240)


class ManagedByForm(forms.Form):
    membership = MemberChoiceField(label=_("Managed by"), queryset=Membership.objects.none())

    def __init__(self, *args: Any, reseller: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["membership"])
        field.queryset = members_who_may_write(reseller=reseller)
