"""Form plumbing shared by every app (NF-2): text is NFC-normalised before any length check or
validator sees it, and control and text-direction characters are refused, so bad input gets a message
on the page instead of a database error. (Django's CharField already strips surrounding space and
refuses NUL bytes.)

Invalid UTF-8: Django decodes a request's body and query string with errors="replace", in url-encoded
and multipart forms alike, so `%FF` reaches a form as U+FFFD (the replacement character). A field
holding it is refused with a message rather than stored as mojibake. Line breaks are refused in
one-line fields (any text field not drawn as a <textarea>): pasted "Bcc:" lines, split CSV rows."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS_MESSAGE = _("Remove control or text-direction characters from this field.")
LINE_BREAK_MESSAGE = _("Enter this on one line, without line breaks.")
UNREADABLE_TEXT_MESSAGE = _("Part of this text could not be read (it was not valid UTF-8). Type it again.")
# Bidirectional controls reorder what a reader sees ("Trojan Source"); nobody types them on purpose.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_control_characters(value: str) -> bool:
    return any((unicodedata.category(ch) == "Cc" and ch not in "\t\n\r") or ch in BIDI_CONTROLS for ch in value)


def is_one_line(field: forms.Field) -> bool:
    return not isinstance(field.widget, forms.Textarea)


def _nfc(to_python: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def normalised(value: Any) -> Any:
        value = to_python(value)
        return unicodedata.normalize("NFC", value) if isinstance(value, str) else value

    return normalised


class CleanTextMixin(forms.BaseForm):
    """NFC-normalise every text field as it is read (so limits count characters, not the decomposed
    input) and refuse control and text-direction characters."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                # Wrap this field instance's to_python so that every later check sees NFC text.
                field.to_python = _nfc(field.to_python)  # type: ignore[method-assign, assignment]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        fields = self.fields
        for name, value in list(cleaned.items()):
            if not isinstance(value, str):
                continue
            if "\ufffd" in value:
                error = forms.ValidationError(UNREADABLE_TEXT_MESSAGE, code="invalid_utf8")
            elif ("\r" in value or "\n" in value) and name in fields and is_one_line(fields[name]):
                error = forms.ValidationError(LINE_BREAK_MESSAGE, code="line_break")
            elif has_control_characters(value):
                error = forms.ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control")
            else:
                continue
            self.add_error(name, error)
        return cleaned
