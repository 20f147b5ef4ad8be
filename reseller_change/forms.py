from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from console.forms import (
    CONTROL_CHARACTERS_MESSAGE,
    LINE_BREAK_MESSAGE,
    UNREADABLE_TEXT_MESSAGE,
    CleanTextMixin,
    has_control_characters,
)
from customers.models import VIP_ID_LENGTH
from reseller_change.models import CODE_ALPHABET, CODE_LENGTH


def _one_plain_line(value: str) -> str:
    """The house messages for what the format check below would only call wrong (NF-2); spaces go,
    as people paste codes and IDs with them."""
    if "\ufffd" in value:
        raise forms.ValidationError(UNREADABLE_TEXT_MESSAGE, code="invalid_utf8")
    if "\r" in value or "\n" in value:
        raise forms.ValidationError(LINE_BREAK_MESSAGE, code="line_break")
    if has_control_characters(value):
        raise forms.ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control")
    return value.replace(" ", "").replace("\t", "")


class CodeSendForm(CleanTextMixin, forms.Form):
    """RC-1: the customer's VIP ID and the email of one of its system admins."""

    vip_id = forms.CharField(
        label=_("VIP ID"),
        max_length=VIP_ID_LENGTH + 4,  # room for surrounding spaces pasted with it; checked below
        help_text=_("20 characters, 0–9 and A–F, as the customer sees it in the member portal."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "font-monospace"}),
    )
    admin_email = forms.EmailField(
        label=_("Admin email"),
        max_length=240,
        help_text=_("Ask the customer for the email of any of its system admins."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def clean_vip_id(self) -> str:
        value = _one_plain_line(self.cleaned_data["vip_id"]).upper()
        if len(value) != VIP_ID_LENGTH or set(value) - set("0123456789ABCDEF"):
            raise forms.ValidationError(_("A VIP ID is 20 characters, 0–9 and A–F."))
        return value


class CodeEnterForm(CleanTextMixin, forms.Form):
    """RC-5: the code from the email, with or without spaces or a dash, in any case."""

    code = forms.CharField(
        label=_("Reseller change code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "class": "font-monospace"}
        ),
    )

    def clean_code(self) -> str:
        value = _one_plain_line(self.cleaned_data["code"]).replace("-", "").upper()
        if len(value) != CODE_LENGTH or set(value) - set(CODE_ALPHABET):
            raise forms.ValidationError(_("A code is 8 letters and digits, as in the email (it has no 0, O, 1 or I)."))
        return value


class PageForm(forms.Form):
    """?page= of the lists: anything that is not a page number shows the first page."""

    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)

    def number(self) -> int:
        if not self.is_valid():
            return 1
        page: int | None = self.cleaned_data.get("page")
        return page or 1
