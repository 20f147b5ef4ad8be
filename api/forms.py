from __future__ import annotations

from datetime import date, datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.models import ApiKey
from api.webhooks import EVENT_TYPES
from console.clock import today
from console.forms import CleanTextMixin


class ApiKeyForm(CleanTextMixin, forms.Form):
    """API-3: name, role (read-only or read-write), expiry."""

    name = forms.CharField(label=_("Name"), max_length=80, help_text=_("What uses it, e.g. “Billing sync”."))
    role = forms.ChoiceField(label=_("Access"), choices=ApiKey.Role.choices, initial=ApiKey.Role.READ_ONLY)
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The key stops working at the start of this day. Leave empty for a key that does not expire."),
    )

    def clean_expires_on(self) -> date | None:
        expires_on: date | None = self.cleaned_data.get("expires_on")
        if expires_on is not None and expires_on <= today():
            raise forms.ValidationError(_("Choose a day after today."))
        return expires_on

    def expires_at(self) -> datetime | None:
        expires_on = self.cleaned_data.get("expires_on")
        if expires_on is None:
            return None
        return timezone.make_aware(datetime.combine(expires_on, time.min))


class WebhookEndpointForm(CleanTextMixin, forms.Form):
    """HOOK-1: URL, events, description."""

    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https", help_text=_("An https:// address."))
    events = forms.MultipleChoiceField(
        label=_("Events"), widget=forms.CheckboxSelectMultiple, choices=[(e, e) for e in EVENT_TYPES]
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
