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
from django.utils.translation import ngettext_lazy

CONTROL_CHARACTERS_MESSAGE = _("Remove control or text-direction characters from this field.")
LINE_BREAK_MESSAGE = _("Enter this on one line, without line breaks.")
UNREADABLE_TEXT_MESSAGE = _("Part of this text could not be read (it was not valid UTF-8). Type it again.")
# NF-6: the message when text is longer than its field allows. The browser is not given a maxlength (it
# would cut a paste silently); the page shows a live counter (data-maxlength, static/js/console.js).
TOO_LONG_MESSAGE = ngettext_lazy(
    "This can have at most %(limit_value)d character and has %(show_value)d. Nothing was cut: shorten it.",
    "This can have at most %(limit_value)d characters and has %(show_value)d. Nothing was cut: shorten it.",
    "limit_value",
)
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


def counted_max_length(field: forms.CharField) -> None:
    """NF-6: no silent truncation. The browser's maxlength would cut a pasted text without a word, so the
    widget gets data-maxlength instead (a live counter in static/js/console.js) and the server's message
    says how long the text is and that nothing was cut."""
    limit = field.widget.attrs.pop("maxlength", None) or field.max_length
    field.widget.attrs["data-maxlength"] = str(limit)
    field.error_messages["max_length"] = TOO_LONG_MESSAGE


class CleanTextMixin(forms.BaseForm):
    """NFC-normalise every text field as it is read (so limits count characters, not the decomposed
    input), refuse control and text-direction characters, and count rather than cut text that is too
    long (counted_max_length)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                # Wrap this field instance's to_python so that every later check sees NFC text.
                field.to_python = _nfc(field.to_python)  # type: ignore[method-assign, assignment]
                if field.max_length is not None:
                    counted_max_length(field)

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
