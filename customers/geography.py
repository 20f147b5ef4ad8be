"""Countries, regions and postal codes for the customer invitation form (SPEC §3.1, CUST-1 and CUST-2).

Pure functions over pycountry's ISO 3166-1 / ISO 3166-2 data; nothing here touches the database.

* Country and region codes are matched exactly as offered by :func:`country_choices` and
  :func:`region_choices` (upper-case, e.g. ``"UA"`` and ``"UA-30"``); anything else is refused, so a
  value that passes validation can be stored as it is.
* Only top-level subdivisions (``parent_code is None``) are offered as regions: for GB that is England,
  Scotland, Wales and Northern Ireland, not the 200-odd counties and boroughs below them.
* Validators never raise on hostile input; they return a user-facing message (a ``str`` translated into
  the active language) or ``None``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pycountry
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

__all__ = [
    "EMBARGOED_COUNTRIES",
    "POSTAL_CODE_MAX_LENGTH",
    "POSTAL_CODE_PATTERNS",
    "country_choices",
    "country_requires_region",
    "is_supported_country",
    "is_valid_region",
    "normalise_postal_code",
    "region_choices",
    "validate_postal_code",
]

#: Refused at invitation: embargoed (CU, IR, KP, SD, SY) or unsupported (AQ, BV, HM: uninhabited).
EMBARGOED_COUNTRIES: frozenset[str] = frozenset({"CU", "IR", "KP", "SD", "SY", "AQ", "BV", "HM"})

POSTAL_CODE_MAX_LENGTH = 40


def _sort_key(name: str) -> str:
    """Accent- and case-insensitive sort key, so "Åland Islands" sorts with the A's, not after "Zimbabwe"."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


# --------------------------------------------------------------------------------------------- countries


@cache
def _country_choices() -> tuple[tuple[str, str], ...]:
    choices = []
    for country in pycountry.countries:
        code = country.alpha_2
        if code in EMBARGOED_COUNTRIES:
            continue
        name = getattr(country, "common_name", None) or country.name
        choices.append((code, name))
    choices.sort(key=lambda choice: (_sort_key(choice[1]), choice[0]))
    return tuple(choices)


@cache
def _supported_countries() -> frozenset[str]:
    return frozenset(code for code, _name in _country_choices())


def country_choices() -> list[tuple[str, str]]:
    """Every ISO 3166-1 alpha-2 country except :data:`EMBARGOED_COUNTRIES`, as ``(code, name)`` sorted by
    name (pycountry's ``common_name`` where it has one, e.g. "South Korea", else ``name``).

    The data is computed once; each call returns a fresh list, so callers may modify it."""
    return list(_country_choices())


def is_supported_country(code: str) -> bool:
    """True for an upper-case alpha-2 code that :func:`country_choices` offers."""
    return isinstance(code, str) and code in _supported_countries()


# ----------------------------------------------------------------------------------------------- regions


@cache
def _region_choices(country: str) -> tuple[tuple[str, str], ...]:
    # Only ever called with a supported country code, so the cache is bounded by the number of countries
    # (user input cannot grow it).
    subdivisions = pycountry.subdivisions.get(country_code=country) or []
    top_level = [s for s in subdivisions if s.parent_code is None]
    top_level.sort(key=lambda s: (_sort_key(s.name), s.code))
    names = [s.name for s in top_level]
    choices = []
    for subdivision in top_level:
        label = subdivision.name
        # pycountry has a few countries with two top-level subdivisions of the same name (e.g. TW-CYI
        # "Chiayi" the city and TW-CYQ "Chiayi" the county); tell them apart in the drop-down.
        if names.count(label) > 1:
            label = f"{label} ({subdivision.type})"
        choices.append((subdivision.code, label))
    return tuple(choices)


def region_choices(country: str) -> list[tuple[str, str]]:
    """The top-level ISO 3166-2 subdivisions of a supported country as ``(code, name)`` sorted by name;
    an empty list for countries without subdivisions and for unknown or embargoed countries."""
    if not is_supported_country(country):
        return []
    return list(_region_choices(country))


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


# ------------------------------------------------------------------------------------------ postal codes

_FLAGS = re.ASCII  # \d must mean 0-9 only, not Arabic-Indic or full-width digits.

#: Per-country formats, matched with ``fullmatch`` against the normalised value (see
#: :func:`normalise_postal_code`).
POSTAL_CODE_PATTERNS: dict[str, re.Pattern[str]] = {
    "US": re.compile(r"\d{5}(?:-\d{4})?", _FLAGS),
    "UA": re.compile(r"\d{5}", _FLAGS),
    # Outward code A9, A99, A9A, AA9, AA99 or AA9A; inward code 9AA (never C I K M O V); plus GIR 0AA.
    "GB": re.compile(
        r"(?:[A-PR-UWYZ](?:\d[A-HJKPSTUW\d]?|[A-HK-Y]\d[ABEHMNPRVWXY\d]?) ?\d[ABD-HJLNP-UW-Z]{2}|GIR ?0AA)",
        _FLAGS | re.IGNORECASE,
    ),
    "DE": re.compile(r"\d{5}", _FLAGS),
    # A1A 1A1; never D F I O Q U, and W Z never first.
    "CA": re.compile(r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d", _FLAGS | re.IGNORECASE),
    "FR": re.compile(r"\d{5}", _FLAGS),
    "IT": re.compile(r"\d{5}", _FLAGS),
    # Provinces 01-52.
    "ES": re.compile(r"(?:0[1-9]|[1-4]\d|5[0-2])\d{3}", _FLAGS),
    "NL": re.compile(r"[1-9]\d{3} ?[A-Z]{2}", _FLAGS | re.IGNORECASE),
    "PL": re.compile(r"\d{2}-\d{3}", _FLAGS),
    "JP": re.compile(r"\d{3}-\d{4}", _FLAGS),
    "AU": re.compile(r"\d{4}", _FLAGS),
    "IN": re.compile(r"[1-9]\d{5}", _FLAGS),
    "BR": re.compile(r"\d{5}-\d{3}", _FLAGS),
    "SE": re.compile(r"\d{3} ?\d{2}", _FLAGS),
    "CH": re.compile(r"[1-9]\d{3}", _FLAGS),
    "AT": re.compile(r"[1-9]\d{3}", _FLAGS),
    "BE": re.compile(r"[1-9]\d{3}", _FLAGS),
    "DK": re.compile(r"\d{4}", _FLAGS),
    "NO": re.compile(r"\d{4}", _FLAGS),
    "FI": re.compile(r"\d{5}", _FLAGS),
    # Eircode: routing key (letter + 2 digits, or D6W) and a 4-character unique identifier.
    "IE": re.compile(r"(?:[AC-FHKNPRTV-Y]\d{2}|D6W) ?[0-9AC-FHKNPRTV-Y]{4}", _FLAGS | re.IGNORECASE),
    "PT": re.compile(r"\d{4}-\d{3}", _FLAGS),
    "CZ": re.compile(r"\d{3} ?\d{2}", _FLAGS),
    "MX": re.compile(r"\d{5}", _FLAGS),
    "KR": re.compile(r"\d{5}", _FLAGS),
    "CN": re.compile(r"\d{6}", _FLAGS),
    "RU": re.compile(r"\d{6}", _FLAGS),
}

_POSTAL_CODE_MESSAGES: dict[str, Promise] = {
    "US": _("Enter a US ZIP code like 12345 or 12345-6789."),
    "UA": _("Enter a Ukrainian postal code of 5 digits, like 01001."),
    "GB": _("Enter a UK postcode like SW1A 1AA or M1 1AE."),
    "DE": _("Enter a German postal code of 5 digits, like 10115."),
    "CA": _("Enter a Canadian postal code like K1A 0B1."),
    "FR": _("Enter a French postal code of 5 digits, like 75008."),
    "IT": _("Enter an Italian postal code (CAP) of 5 digits, like 00144."),
    "ES": _("Enter a Spanish postal code of 5 digits, like 28013."),
    "NL": _("Enter a Dutch postal code like 1012 JS."),
    "PL": _("Enter a Polish postal code like 00-950."),
    "JP": _("Enter a Japanese postal code like 100-0001."),
    "AU": _("Enter an Australian postcode of 4 digits, like 2000."),
    "IN": _("Enter an Indian PIN code of 6 digits, like 110001."),
    "BR": _("Enter a Brazilian CEP like 01310-100."),
    "SE": _("Enter a Swedish postal code like 114 55."),
    "CH": _("Enter a Swiss postal code of 4 digits, like 8001."),
    "AT": _("Enter an Austrian postal code of 4 digits, like 1010."),
    "BE": _("Enter a Belgian postal code of 4 digits, like 1000."),
    "DK": _("Enter a Danish postal code of 4 digits, like 1050."),
    "NO": _("Enter a Norwegian postal code of 4 digits, like 0150."),
    "FI": _("Enter a Finnish postal code of 5 digits, like 00100."),
    "IE": _("Enter an Irish Eircode like D02 X285."),
    "PT": _("Enter a Portuguese postal code like 1000-001."),
    "CZ": _("Enter a Czech postal code like 110 00."),
    "MX": _("Enter a Mexican postal code of 5 digits, like 06600."),
    "KR": _("Enter a South Korean postal code of 5 digits, like 03187."),
    "CN": _("Enter a Chinese postal code of 6 digits, like 100000."),
    "RU": _("Enter a Russian postal code of 6 digits, like 101000."),
}

# Countries without a known format: Latin letters, digits, single spaces and hyphens, starting and ending
# with a letter or digit.
_GENERIC_POSTAL_CODE = re.compile(r"[A-Z0-9](?:[A-Z0-9 -]*[A-Z0-9])?", _FLAGS)

_MSG_REQUIRED = _("Enter a postal code.")
_MSG_TOO_LONG = _("A postal code can have at most 40 characters.")
_MSG_GENERIC = _("A postal code may contain only Latin letters, digits, spaces and hyphens, like 12345 or AB-123.")


def normalise_postal_code(country: str, value: str) -> str:
    """Strip, collapse internal whitespace to a single space and upper-case (NFC first).

    ``country`` is accepted for future per-country rules; the same normalisation applies everywhere today.
    """
    if not isinstance(value, str):
        return ""
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
    pattern = POSTAL_CODE_PATTERNS.get(country) if isinstance(country, str) else None
    if pattern is not None:
        return None if pattern.fullmatch(normalised) else str(_POSTAL_CODE_MESSAGES[country])
    return None if _GENERIC_POSTAL_CODE.fullmatch(normalised) else str(_MSG_GENERIC)


def country_name(code: str) -> str:
    """The display name of a country code (the code itself when unknown)."""
    return dict(_country_choices()).get(code, code)


def region_name(country: str, region: str) -> str:
    """The display name of a subdivision code of `country` (the code itself when unknown)."""
    if not region or not is_supported_country(country):
        return region
    return dict(_region_choices(country)).get(region, region)
