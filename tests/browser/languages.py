"""The console's two languages in browser tests (I18N-1, issue 10 item 9). A flow is one test
parametrised by LANGUAGES; the texts it expects are read from the catalogue with the language active,
never typed in Ukrainian, so an untranslated page fails in "uk" (its English is not the catalogue's
Ukrainian) and a missing catalogue entry fails too (gettext returns the English msgid)."""

from __future__ import annotations

from decimal import Decimal

from django.template.defaultfilters import floatformat
from django.utils import translation
from playwright.sync_api import Page, expect

from console.accounts.models import Membership, User

LANGUAGES = ["en", "uk"]


def text(language: str, message: str, **params: object) -> str:
    """`message` as the console shows it in `language` (params as blocktranslate fills them)."""
    with translation.override(language):
        translated = translation.gettext(message)
    if language != "en":
        assert translated != message, f"no {language} translation of {message!r}"
    return translated % params if params else translated


def plural(language: str, singular: str, many: str, count: int, **params: object) -> str:
    with translation.override(language):
        translated = translation.ngettext(singular, many, count)
    if language != "en":
        assert translated not in (singular, many), f"no {language} translation of {many!r}"
    return translated % params if params else translated


def money(language: str, amount: Decimal | int | str) -> str:
    """An amount as the templates write it (`floatformat:"2g"`: the language's separators)."""
    with translation.override(language):
        return str(floatformat(Decimal(amount), "2g"))


def speaks(membership: Membership | User, language: str) -> None:
    """Store `language` on the person (what the language menu does)."""
    user = membership.user if isinstance(membership, Membership) else membership
    User.objects.filter(pk=user.pk).update(language=language)


def expect_language(page: Page, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)
