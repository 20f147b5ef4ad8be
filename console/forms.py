"""Form plumbing shared by every app (NF-2): text is NFC-normalised and free of control characters,
so bad input gets a message on the page instead of a database error. (Django's CharField already
strips surrounding space and refuses NUL bytes.)"""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS_MESSAGE = _("Remove control characters from this field.")


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in value)


class CleanTextMixin:
    """NFC-normalise every text value and refuse control characters."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        for name, value in list(cleaned.items()):
            if not isinstance(value, str):
                continue
            if has_control_characters(value):
                self.add_error(name, forms.ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control"))  # type: ignore[attr-defined]
            else:
                cleaned[name] = unicodedata.normalize("NFC", value)
        return cleaned
