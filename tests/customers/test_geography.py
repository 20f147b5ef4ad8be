"""customers.geography: countries, regions and postal codes for the invitation form (CUST-1, CUST-2).

Pure unit tests: no database."""

from __future__ import annotations

import unicodedata

import pycountry
import pytest
from django.utils import translation

from customers.geography import (
    EMBARGOED_COUNTRIES,
    country_choices,
    country_name,
    country_requires_region,
    is_supported_country,
    is_valid_region,
    normalise_postal_code,
    postal_code_format,
    postal_code_message,
    region_choices,
    region_name,
    validate_postal_code,
)

UKRAINIAN_ALPHABET = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"


def sort_key(name: str) -> list[tuple[int, str]]:
    """How a reader expects names ordered: by their letters, ignoring accents and case (combining marks
    dropped from Latin letters), Ukrainian letters in the Ukrainian alphabet's order (і, ї, є, ґ and й in
    their places); written here independently of the code's own key."""
    key: list[tuple[int, str]] = []
    for char in name.casefold():
        if char in UKRAINIAN_ALPHABET:
            key.append((1, f"{UKRAINIAN_ALPHABET.index(char):02d}"))
        else:
            key.extend((0, ch) for ch in unicodedata.normalize("NFKD", char) if not unicodedata.combining(ch))
    return key


EMBARGOED = ["CU", "IR", "KP", "SD", "SY", "AQ", "BV", "HM"]

HOSTILE_VALUES = [
    "\x00",
    "123\x0045",
    "<script>alert(1)</script>",
    "<script>",
    "1' OR '1'='1",
    "12345'; DROP TABLE customers;--",
    "1" * 41,
    "A" * 1000,
    "😀",
    "12345😀",
    "١٢٣٤٥",  # Arabic-Indic digits
    "１２３４５",  # full-width digits
    "12345\u200b",  # zero-width space
    "../../etc/passwd",
    "%00",
    "${jndi:ldap://x}",
    "{{ 7*7 }}",
    "\u202e54321",  # right-to-left override
]

# --------------------------------------------------------------------------------------------- countries


@pytest.mark.parametrize("code", EMBARGOED)
def test_embargoed_country_is_not_offered_and_not_supported(code: str) -> None:
    assert code in EMBARGOED_COUNTRIES
    assert code not in {c for c, _name in country_choices()}
    assert not is_supported_country(code)


def test_embargo_list_is_exactly_the_spec_list() -> None:
    assert frozenset(EMBARGOED) == EMBARGOED_COUNTRIES


def test_every_other_iso_country_is_offered_once() -> None:
    codes = [code for code, _name in country_choices()]
    expected = {c.alpha_2 for c in pycountry.countries} - EMBARGOED_COUNTRIES
    assert len(codes) == len(set(codes))
    assert set(codes) == expected


def test_countries_are_sorted_by_name_ignoring_accents_and_case() -> None:
    names = [name for _code, name in country_choices()]
    assert names == sorted(names, key=sort_key)
    # "Åland Islands" sorts among the A's, not after "Zimbabwe".
    assert names[-1] == "Zimbabwe"


@pytest.mark.parametrize(
    ("before", "accented", "after"),
    [
        ("Afghanistan", "Åland Islands", "Albania"),
        ("Costa Rica", "Côte d'Ivoire", "Croatia"),
        ("Croatia", "Curaçao", "Cyprus"),
        ("Qatar", "Réunion", "Romania"),
        ("Tunisia", "Türkiye", "Turkmenistan"),
    ],
)
def test_accented_country_names_sort_among_their_letter(before: str, accented: str, after: str) -> None:
    names = [name for _code, name in country_choices()]
    assert names.index(before) + 1 == names.index(accented) == names.index(after) - 1


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("UA", "Ukraine"),
        ("US", "United States of America"),
        ("GB", "United Kingdom"),
        ("DE", "Germany"),
        ("KR", "South Korea"),  # not ISO's "Korea, Republic of"
        ("BO", "Bolivia"),
        ("TW", "Taiwan"),
        ("VN", "Vietnam"),
        ("MD", "Moldova"),
        ("VA", "Vatican City"),
    ],
)
def test_country_is_offered_under_its_common_name(code: str, name: str) -> None:
    assert dict(country_choices())[code] == name
    assert country_name(code) == name
    assert is_supported_country(code)


def test_country_names_follow_the_active_language() -> None:
    with translation.override("uk"):
        choices = dict(country_choices())
        assert choices["UA"] == country_name("UA") == "Україна"
        assert choices["DE"] == "Німеччина"
        names = [name for _code, name in country_choices()]
    assert names == sorted(names, key=sort_key)
    assert names.index("Естонія") < names.index("Єгипет") < names.index("Ємен") < names.index("Замбія")
    assert names.index("Італія") > names.index("Ізраїль") > names.index("Зімбабве")
    assert dict(country_choices())["UA"] == "Ukraine"


def test_region_names_follow_the_active_language() -> None:
    """I18N-3: pycountry's own iso3166-2 catalogue names the regions in Ukrainian, in alphabet order."""
    with translation.override("uk"):
        assert region_name("UA", "UA-30") == "Київ"
        assert region_name("US", "US-CA") == "Каліфорнія"
        names = [name for _code, name in region_choices("UA")]
        assert names == sorted(names, key=sort_key)
        assert names.index("Вінницька область") < names.index("Волинська область")
    assert region_name("UA", "UA-30") == "Kyiv"
    assert is_valid_region("UA", "UA-30")


@pytest.mark.parametrize("code", [*EMBARGOED, "ZZ", "", "\x00"])
def test_unknown_or_embargoed_country_name_is_its_code(code: str) -> None:
    assert country_name(code) == code


def test_country_choices_returns_a_fresh_list_each_time() -> None:
    first = country_choices()
    first.clear()
    assert len(country_choices()) == len(pycountry.countries) - len(EMBARGOED_COUNTRIES)


@pytest.mark.parametrize(
    "code",
    ["", "ua", "Ua", " UA", "UA ", "UKR", "804", "ZZ", "XX", "EU", "U", "UAA", "\x00", "<script>", "1' OR '1'='1"],
)
def test_unknown_or_malformed_country_code_is_not_supported(code: str) -> None:
    assert not is_supported_country(code)


# ----------------------------------------------------------------------------------------------- regions


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("UA-30", "Kyiv"),
        ("UA-32", "Kyivska oblast"),
        ("UA-46", "Lvivska oblast"),
        ("UA-63", "Kharkivska oblast"),
        ("UA-51", "Odeska oblast"),
        ("UA-43", "Avtonomna Respublika Krym"),
        ("UA-40", "Sevastopol"),
    ],
)
def test_ukraine_offers_its_oblasts_and_cities(code: str, name: str) -> None:
    assert dict(region_choices("UA"))[code] == name
    assert is_valid_region("UA", code)


def test_ukraine_has_27_top_level_subdivisions() -> None:
    assert len(region_choices("UA")) == 27
    assert country_requires_region("UA")


@pytest.mark.parametrize(
    ("code", "name"),
    [("US-CA", "California"), ("US-NY", "New York"), ("US-DC", "District of Columbia"), ("US-TX", "Texas")],
)
def test_united_states_offers_states_and_dc(code: str, name: str) -> None:
    assert dict(region_choices("US"))[code] == name
    assert is_valid_region("US", code)


@pytest.mark.parametrize("country", ["UA", "US", "DE", "FR", "GB", "JP", "CA", "RU", "ES"])
def test_regions_are_sorted_by_name(country: str) -> None:
    names = [name for _code, name in region_choices(country)]
    assert names
    assert names == sorted(names, key=sort_key)


@pytest.mark.parametrize(
    ("country", "before", "accented", "after"),
    [
        ("FR", "Hauts-de-France", "Île-de-France", "La Réunion"),
        ("ES", "Andalucía", "Aragón", "Asturias, Principado de"),
        ("DE", "Schleswig-Holstein", "Thüringen", None),
    ],
)
def test_accented_region_names_sort_among_their_letter(country: str, before: str, accented: str, after: str | None):
    names = [name for _code, name in region_choices(country)]
    assert names[names.index(accented) - 1] == before
    assert (names[names.index(accented) + 1] if after else names[-1]) == (after or accented)


@pytest.mark.parametrize("country", ["VA", "AI", "AW", "GI", "HK", "MO", "PR", "SJ"])
def test_country_without_subdivisions_has_no_regions_and_requires_none(country: str) -> None:
    assert pycountry.subdivisions.get(country_code=country) in (None, [])
    assert is_supported_country(country)
    assert region_choices(country) == []
    assert not country_requires_region(country)
    assert is_valid_region(country, "")
    assert not is_valid_region(country, f"{country}-01")
    assert not is_valid_region(country, "US-CA")


def test_only_top_level_subdivisions_are_offered_for_great_britain() -> None:
    assert {code for code, _name in region_choices("GB")} == {"GB-ENG", "GB-SCT", "GB-WLS", "GB-NIR"}
    # A county/borough below England is not a region on its own.
    assert pycountry.subdivisions.get(code="GB-LND").parent_code is not None
    assert not is_valid_region("GB", "GB-LND")


@pytest.mark.parametrize(("country", "child"), [("GB", "GB-KEN"), ("FR", "FR-75C"), ("IT", "IT-RM"), ("ES", "ES-M")])
def test_child_subdivision_is_not_a_valid_region(country: str, child: str) -> None:
    subdivision = pycountry.subdivisions.get(code=child)
    assert subdivision is not None
    assert subdivision.parent_code is not None
    assert not is_valid_region(country, child)


def test_every_offered_region_is_top_level_and_of_that_country() -> None:
    for country, _name in country_choices():
        for code, _label in region_choices(country):
            subdivision = pycountry.subdivisions.get(code=code)
            assert subdivision.parent_code is None, code
            assert subdivision.country_code == country, code


def test_every_country_with_subdivisions_has_top_level_ones() -> None:
    for country, _name in country_choices():
        if pycountry.subdivisions.get(country_code=country):
            assert country_requires_region(country), country


def test_region_labels_are_unique_within_a_country() -> None:
    for country, _name in country_choices():
        labels = [label for _code, label in region_choices(country)]
        assert len(labels) == len(set(labels)), country


@pytest.mark.parametrize(
    ("country", "code", "label"),
    [("TW", "TW-CYI", "Chiayi (City)"), ("TW", "TW-CYQ", "Chiayi (County)"), ("HU", "HU-VE", "Veszprém (County)")],
)
def test_same_named_regions_are_told_apart_by_type(country: str, code: str, label: str) -> None:
    assert dict(region_choices(country))[code] == label


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("UA", "US-CA"),
        ("US", "UA-30"),
        ("DE", "AT-9"),
        ("UA", "ua-30"),
        ("UA", " UA-30"),
        ("UA", "UA-99"),
        ("UA", ""),
        ("US", ""),
        ("UA", "UA"),
        ("UA", "\x00"),
        ("UA", "<script>"),
        ("UA", "1' OR '1'='1"),
        ("ua", "UA-30"),
        ("ZZ", "ZZ-01"),
        ("ZZ", ""),
        ("", ""),
    ],
)
def test_region_from_another_country_or_malformed_is_refused(country: str, region: str) -> None:
    assert not is_valid_region(country, region)


@pytest.mark.parametrize(("country", "region"), [("CU", "CU-03"), ("IR", "IR-07"), ("SY", "SY-DI"), ("KP", "KP-01")])
def test_embargoed_country_has_no_regions(country: str, region: str) -> None:
    assert pycountry.subdivisions.get(code=region) is not None
    assert region_choices(country) == []
    assert not country_requires_region(country)
    assert not is_valid_region(country, region)
    assert not is_valid_region(country, "")


@pytest.mark.parametrize("country", ["", "ZZ", "ua", "\x00", "<script>", "A" * 1000])
def test_unknown_country_has_no_regions(country: str) -> None:
    assert region_choices(country) == []
    assert not country_requires_region(country)


def test_region_choices_returns_a_fresh_list_each_time() -> None:
    region_choices("UA").clear()
    assert len(region_choices("UA")) == 27


# ------------------------------------------------------------------------------------------ postal codes

VALID_POSTAL_CODES = [
    ("US", "12345"),
    ("US", "12345-6789"),
    ("US", "12345 6789"),  # libaddressinput: ZIP+4 with a space
    ("US", "02134"),
    ("UA", "01001"),
    ("UA", "79000"),
    ("GB", "SW1A 1AA"),
    ("GB", "SW1A1AA"),
    ("GB", "sw1a 1aa"),
    ("GB", "M1 1AE"),
    ("GB", "B33 8TH"),
    ("GB", "CR2 6XH"),
    ("GB", "DN55 1PT"),
    ("GB", "EC1A 1BB"),
    ("GB", "W1A 0AX"),
    ("GB", "GIR 0AA"),
    ("DE", "10115"),
    ("DE", "01067"),
    ("CA", "K1A 0B1"),
    ("CA", "K1A0B1"),
    ("CA", "h2x 1y4"),
    ("CA", "V6B 4Y8"),
    ("FR", "75008"),
    ("IT", "00144"),
    ("ES", "28013"),
    ("ES", "08001"),
    ("NL", "1012 JS"),
    ("NL", "1012JS"),
    ("NL", "9999 zz"),
    ("PL", "00-950"),
    ("JP", "100-0001"),
    ("JP", "1000001"),  # libaddressinput: the hyphen is optional
    ("AU", "2000"),
    ("AU", "0800"),
    ("IN", "110001"),
    ("BR", "01310-100"),
    ("BR", "01310100"),  # libaddressinput: the hyphen is optional
    ("SE", "114 55"),
    ("SE", "11455"),
    ("CH", "8001"),
    ("AT", "1010"),
    ("BE", "1000"),
    ("DK", "1050"),
    ("NO", "0150"),
    ("FI", "00100"),
    ("IE", "D02 X285"),
    ("IE", "D02X285"),
    ("IE", "A65 F4E2"),
    ("IE", "D6W 1234"),
    ("PT", "1000-001"),
    ("CZ", "110 00"),
    ("CZ", "11000"),
    ("MX", "06600"),
    ("KR", "03187"),
    ("CN", "100000"),
    ("RU", "101000"),
]

INVALID_POSTAL_CODES = [
    ("US", "1234"),
    ("US", "123456"),
    ("US", "12345-678"),
    ("US", "ABCDE"),
    ("UA", "1234"),
    ("UA", "123456"),
    ("UA", "01-001"),
    ("GB", "SW1A 1A"),
    ("GB", "SW1A  1AA X"),
    ("GB", "12345"),
    ("GB", "QW1 1AA"),  # Q never first
    ("GB", "SW1A 1CA"),  # C never in the inward code
    ("GB", "SW1A-1AA"),
    ("DE", "1011"),
    ("DE", "101155"),
    ("CA", "D1A 0B1"),  # D never used
    ("CA", "K1A 0O1"),  # O never used
    ("CA", "W1A 0B1"),  # W never first
    ("CA", "K1A-0B1"),
    ("CA", "12345"),
    ("FR", "7500"),
    ("FR", "750081"),
    ("IT", "0014"),
    ("ES", "53000"),
    ("ES", "00123"),
    ("ES", "2801"),
    ("NL", "0123 AB"),
    ("NL", "1012"),
    ("NL", "1012 J5"),
    ("PL", "00950"),
    ("PL", "00-95"),
    ("JP", "100-001"),
    ("AU", "200"),
    ("AU", "20000"),
    ("IN", "011001"),
    ("IN", "11001"),
    ("BR", "0131-100"),
    ("SE", "1145"),
    ("SE", "114-55"),
    ("CH", "0800"),
    ("CH", "80010"),
    ("AT", "0100"),
    ("BE", "0999"),
    ("DK", "105"),
    ("NO", "01500"),
    ("FI", "0010"),
    ("IE", "D02 X28"),
    ("IE", "B02 X285"),  # B is not a routing-key letter
    ("IE", "12345"),
    ("PT", "1000001"),
    ("PT", "1000-01"),
    ("CZ", "110-00"),
    ("CZ", "1100"),
    ("MX", "0660"),
    ("KR", "031870"),
    ("CN", "10000"),
    ("RU", "1010000"),
]


@pytest.mark.parametrize(("country", "value"), VALID_POSTAL_CODES)
def test_valid_postal_code_is_accepted(country: str, value: str) -> None:
    assert validate_postal_code(country, value) is None


@pytest.mark.parametrize(("country", "value"), INVALID_POSTAL_CODES)
def test_invalid_postal_code_is_refused_with_the_expected_format(country: str, value: str) -> None:
    message = validate_postal_code(country, value)
    assert isinstance(message, str)
    assert message == postal_code_message(country)


SPEC_POSTAL_COUNTRIES = [
    "US", "UA", "GB", "DE", "CA", "FR", "IT", "ES", "NL", "PL", "JP", "AU", "IN", "BR",
    "SE", "CH", "AT", "BE", "DK", "NO", "FI", "IE", "PT", "CZ", "MX", "KR", "CN", "RU",
]  # fmt: skip


@pytest.mark.parametrize("country", SPEC_POSTAL_COUNTRIES)
def test_listed_country_has_a_format_and_a_message_with_an_example(country: str) -> None:
    assert postal_code_format(country) is not None
    assert is_supported_country(country)
    message = postal_code_message(country)
    assert message.startswith("Enter ")
    assert country_name(country) in message
    assert " like " in message


def test_every_format_has_examples_and_every_example_in_a_message_is_itself_valid() -> None:
    formats = 0
    for country, _name in country_choices():
        postal_format = postal_code_format(country)
        if postal_format is None:
            continue
        formats += 1
        assert postal_format.examples, country
        message = postal_code_message(country)
        for example in message.split(", like ", 1)[1].rstrip(".").split(" or "):
            assert example in postal_format.examples, (country, example)
            assert validate_postal_code(country, example) is None, (country, example)
    assert formats > 150  # libaddressinput knows most countries' formats


def test_us_message_names_the_zip_format() -> None:
    assert (
        validate_postal_code("US", "1234")
        == "Enter a ZIP code used in United States of America, like 95014 or 22162-1010."
    )


def test_ireland_message_names_the_eircode() -> None:
    assert validate_postal_code("IE", "D02 X28") == "Enter an Eircode used in Ireland, like A65 F4E2."


def test_postal_code_message_follows_the_active_language() -> None:
    with translation.override("uk"):
        assert "Україна" in validate_postal_code("UA", "1234")


@pytest.mark.parametrize("country", [*EMBARGOED, "ZZ", "", "ua", "\x00"])
def test_unknown_or_embargoed_country_has_no_postal_code_format(country: str) -> None:
    assert postal_code_format(country) is None


@pytest.mark.parametrize(
    ("country", "value"),
    [
        ("AE", "00000"),
        ("HK", "999077"),
        ("QA", "1234"),
        ("JM", "KN-5"),
        ("BS", "nb"),
        ("HK", "A"),
        ("HK", "AB 12-34 CD"),
        ("HK", "1" * 40),
        ("ZZ", "12345"),  # unknown country: generic rule, the country field refuses it on its own
    ],
)
def test_country_without_a_known_format_accepts_letters_digits_spaces_hyphens(country: str, value: str) -> None:
    assert postal_code_format(country) is None
    assert validate_postal_code(country, value) is None


@pytest.mark.parametrize(
    "value", ["-123", "123-", "12_34", "AB#1", "12.345", "12/34", "Ünïcode", "ΑΒΓ123", "12345\x00", "(123)", "+123"]
)
def test_country_without_a_known_format_refuses_other_characters(value: str) -> None:
    message = validate_postal_code("HK", value)
    assert message is not None
    assert "letters, digits, spaces and hyphens" in message


@pytest.mark.parametrize("country", ["HK", "US", "GB", "ZZ"])
def test_postal_code_over_40_characters_is_refused(country: str) -> None:
    assert validate_postal_code(country, "1" * 41) == "A postal code can have at most 40 characters."


@pytest.mark.parametrize("value", ["", " ", "\t\n", "\u3000"])
@pytest.mark.parametrize("country", ["US", "HK"])
def test_blank_postal_code_is_refused(country: str, value: str) -> None:
    assert validate_postal_code(country, value) == "Enter a postal code."


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  sw1a 1aa  ", "SW1A 1AA"),
        ("sw1a\t\t1aa", "SW1A 1AA"),
        ("SW1A   1AA", "SW1A 1AA"),
        ("\n12345-6789\r\n", "12345-6789"),
        ("k1a\u00a00b1", "K1A 0B1"),  # no-break space
        ("d02 x285", "D02 X285"),
        ("12345", "12345"),
        ("", ""),
        ("   ", ""),
        ("a  b   c", "A B C"),
    ],
)
def test_postal_code_is_normalised(value: str, expected: str) -> None:
    assert normalise_postal_code("GB", value) == expected


def test_normalised_postal_code_is_accepted_after_messy_input() -> None:
    assert validate_postal_code("GB", "  sw1a\t 1aa ") is None
    assert validate_postal_code("US", "\n12345-6789 ") is None


@pytest.mark.parametrize("value", HOSTILE_VALUES)
@pytest.mark.parametrize("country", ["US", "GB", "UA", "CA", "IE", "HK", "ZZ", "", "\x00", "<script>"])
def test_hostile_postal_code_gives_a_message_and_never_raises(country: str, value: str) -> None:
    message = validate_postal_code(country, value)
    assert isinstance(message, str)
    assert message


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_values_never_raise_in_country_and_region_helpers(value: str) -> None:
    assert not is_supported_country(value)
    assert region_choices(value) == []
    assert not country_requires_region(value)
    assert not is_valid_region(value, value)
    assert not is_valid_region("UA", value)
    assert isinstance(normalise_postal_code(value, value), str)


def test_message_is_a_plain_string_in_another_active_language() -> None:
    with translation.override("uk"):
        message = validate_postal_code("UA", "1234")
    assert type(message) is str
    assert message
