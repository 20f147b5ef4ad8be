"""NF-2 for every customer form and query parameter: bad input (too long, too short, wrong type, NUL and
other control characters, HTML/script, SQL fragments, unknown choices, unicode edge cases) gets a clear
message next to the field and never a 500; nothing is half-saved; output is escaped everywhere.

Covers the invitation form (CUST-1…CUST-3), the customer list, its CSV report and the region options
(LIST-4, LIST-6), the reminder (CUST-5), the detail page (DET-1), Managed by (TEAM-4) and the member
portal's accept link (CUST-8)."""

from __future__ import annotations

import html
import re
import unicodedata
import uuid
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.accounts.models import Membership
from console.audit.models import AuditEvent
from console.forms import has_control_characters
from console.outbox.models import OutboxMessage
from customers import geography, services
from customers.models import Customer
from tests.factories import CustomerFactory, MembershipFactory

INVITE_URL = "/customers/add/"
LIST_URL = "/customers/"
EXPORT_URL = "/customers/export.csv"
REGIONS_URL = "/customers/regions/"

SCRIPT = "<script>alert(1)</script>"
SQL_OR = "' OR 1=1 --"
SQL_DROP = '"; DROP TABLE customers_customer; --'
CYRILLIC_NAME = "Рога і Копита"

CONTROL = "Remove control or text-direction characters from this field."
NUL = "Null characters are not allowed."
REQUIRED = "This field is required."
INVALID_CHOICE = "Select a valid choice."
NAME_CHARACTERS = "Use letters, digits, spaces and _ , . & ' ( ) \" / - only."
NAME_BRACKETS = "The name cannot contain < > [ or ]."

# CUST-2 limits of the free-text fields of the invitation.
LIMITS = {
    "name": 80,
    "name_en": 80,
    "city": 40,
    "address_line1": 60,
    "address_line2": 60,
    "postal_code": 40,
    "contact_first_name": 35,
    "contact_last_name": 35,
    "contact_email": 240,
}
TEXT_FIELDS = ("name", "name_en", "city", "address_line1", "address_line2", "contact_first_name", "contact_last_name")
FREE_TEXT_FIELDS = ("city", "address_line1", "address_line2", "contact_first_name", "contact_last_name")
STORED_TEXT_FIELDS = (*TEXT_FIELDS, "region", "postal_code", "contact_email")
NAME_PUNCTUATION = " _,.&'()\"/-"
US_ZIP = "Enter a ZIP code used in United States of America"

HYPOTHESIS = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# ------------------------------------------------------------------------------------------------ helpers


def invite_data(**overrides: object) -> dict[str, object]:
    """A valid US invitation; each test spoils some of its fields."""
    data: dict[str, object] = {
        "name": "Acme Widgets",
        "name_en": "",
        "segment": "COM",
        "type": "TEAM",
        "country": "US",
        "region": "US-CA",
        "city": "San Jose",
        "address_line1": "1 Main Street",
        "address_line2": "",
        "postal_code": "95113",
        "contact_first_name": "Ann",
        "contact_last_name": "Lee",
        "contact_email": "ann@acme.example",
        "language": "en",
        "submission_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


# 238 characters and a valid (internationalised) address as typed; 471 characters once NFC-normalised.
GROWING_EMAIL = "a@" + ".".join(["\u0958" * 58] * 3 + ["\u0958" * 59])


def email_of_length(length: int) -> str:
    """A syntactically valid address of exactly `length` characters (local part 64, labels ≤ 63)."""
    local = "a" * 64
    labels = []
    remaining = length - len(local) - 1 - len(".com")
    while remaining > 0:
        size = min(60, remaining - 1) if remaining > 61 else remaining
        labels.append("b" * size)
        remaining -= size + 1
    domain = ".".join(labels) + ".com"
    address = f"{local}@{domain}"
    assert len(address) == length, (len(address), length)
    return address


def counts() -> tuple[int, int, int]:
    return Customer.objects.count(), AuditEvent.objects.count(), OutboxMessage.objects.count()


def page_text(fragment: str) -> str:
    """Visible text of an HTML fragment."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def field_errors(content: str, field: str) -> str:
    """The text of the error block rendered next to `field` ("invalid-feedback")."""
    if field == "region":
        blocks = re.findall(r'<div class="invalid-feedback[^"]*" id="region-error">(.*?)</div>', content, re.S)
    else:
        blocks = re.findall(rf'<div id="id_{field}_error" class="invalid-feedback[^"]*">(.*?)</div>', content, re.S)
    return " ".join(page_text(block) for block in blocks)


def assert_no_raw_markup(content: str, *values: object) -> None:
    assert "<script>alert(1)" not in content
    for value in values:
        if isinstance(value, str) and re.search(r"<[a-zA-Z/]", value):
            assert value not in content, f"{value!r} is reflected unescaped"


def post_invite(client, data: dict[str, object]):
    return client.post(INVITE_URL, data)


@pytest.fixture
def member(triad):
    return triad.client_for(triad.member_a)


@pytest.fixture
def primary(triad):
    return triad.client_for(triad.primary_a)


# ------------------------------------------------------------------------------------ the invitation form


def _text_fields(template: str, *fields: str) -> dict[str, str]:
    return {field: template for field in fields}


FREE_TEXT_AND_NAMES = (*FREE_TEXT_FIELDS, "name")

# Each case spoils one or more fields at once; every spoiled field must get its own message next to it.
BAD_INVITATIONS = [
    # --- too long: one over each CUST-2 limit
    pytest.param(
        {
            "name": "A" * 81,
            "name_en": "B" * 81,
            "contact_first_name": "F" * 36,
            "contact_last_name": "L" * 36,
            "contact_email": email_of_length(241),
            "city": "C" * 41,
            "address_line1": "D" * 61,
            "address_line2": "E" * 61,
            "postal_code": "1" * 41,
            "region": "US-CA-X",
        },
        {
            "name": "at most 80 characters",
            "name_en": "at most 80 characters",
            "contact_first_name": "at most 35 characters",
            "contact_last_name": "at most 35 characters",
            "contact_email": "at most 240 characters",
            "city": "at most 40 characters",
            "address_line1": "at most 60 characters",
            "address_line2": "at most 60 characters",
            "postal_code": "at most 40 characters",
            "region": "at most 6 characters",
        },
        id="one-over-every-limit",
    ),
    pytest.param(
        {"name": "A" * 10_000, "city": "C" * 10_000, "contact_email": "a" * 10_000 + "@x.example"},
        {"name": "at most 80", "city": "at most 40", "contact_email": "at most 240"},
        id="far-too-long",
    ),
    pytest.param(
        {"country": "HK", "region": "", "postal_code": "A" * 41}, {"postal_code": "at most 40"}, id="postal-41-generic"
    ),
    # --- too short, empty, blank
    pytest.param({"name": "Acm"}, {"name": "at least 4 characters"}, id="name-3"),
    pytest.param({"name": "   Acm   "}, {"name": "at least 4 characters"}, id="name-3-padded"),
    pytest.param({"name": CYRILLIC_NAME, "name_en": "Rog"}, {"name_en": "at least 4 characters"}, id="name_en-3"),
    pytest.param(
        _text_fields(
            "",
            "name",
            "segment",
            "type",
            "country",
            "city",
            "address_line1",
            "postal_code",
            "contact_first_name",
            "contact_last_name",
            "contact_email",
            "language",
        ),
        dict.fromkeys(
            (
                "name",
                "segment",
                "type",
                "country",
                "city",
                "address_line1",
                "postal_code",
                "contact_first_name",
                "contact_last_name",
                "contact_email",
                "language",
            ),
            REQUIRED,
        ),
        id="every-required-field-empty",
    ),
    pytest.param(
        _text_fields(" \t \u00a0 ", *FREE_TEXT_AND_NAMES, "postal_code", "contact_email"),
        dict.fromkeys(("name", "city", "address_line1", "contact_first_name", "contact_last_name"), REQUIRED)
        | {"postal_code": REQUIRED, "contact_email": REQUIRED},
        id="whitespace-only",
    ),
    pytest.param({"region": ""}, {"region": "Choose the region."}, id="region-empty"),
    pytest.param(
        {"name": CYRILLIC_NAME, "name_en": ""}, {"name_en": "Enter the name in US-English characters too."}, id="no-en"
    ),
    # --- NUL bytes
    pytest.param(
        _text_fields("Ab\x00cd", *FREE_TEXT_FIELDS)
        | {
            "name": "Acme\x00Widgets",
            "name_en": "Roga\x00Kopyta",
            "postal_code": "951\x0013",
            "contact_email": "ann\x00@acme.example",
            "region": "US-\x00A",
        },
        dict.fromkeys((*FREE_TEXT_AND_NAMES, "name_en", "postal_code", "contact_email", "region"), NUL),
        id="nul-in-every-text-field",
    ),
    pytest.param(
        {
            "segment": "\x00",
            "type": "C\x00M",
            "country": "U\x00S",
            "language": "\x00",
            "choose_anniversary": "on",
            "extended_term_months": "2\x004",
            "anniversary_date": "2026-\x0001-01",
        },
        dict.fromkeys(("segment", "type", "country", "language", "extended_term_months"), INVALID_CHOICE)
        | {"anniversary_date": "Enter a valid date."},
        id="nul-in-every-choice-and-date",
    ),
    # --- other control characters
    *[
        pytest.param(
            _text_fields(f"Ab{char}cd", *FREE_TEXT_FIELDS)
            | {"name": f"Acme{char}Widgets", "name_en": f"Acme{char}Ltd", "postal_code": f"951{char}13"}
            | {"contact_email": f"ann{char}@acme.example"},
            dict.fromkeys(FREE_TEXT_FIELDS, CONTROL)
            | dict.fromkeys(("name", "name_en", "postal_code", "contact_email"), None),
            id=f"control-{label}",
        )
        for label, char in (("soh", "\x01"), ("esc", "\x1b"), ("del", "\x7f"), ("nel", "\x85"), ("bs", "\x08"))
    ],
    # --- HTML / script
    pytest.param(
        {
            "name": SCRIPT,
            "name_en": "<img src=x onerror=alert(1)>",
            "contact_email": f"{SCRIPT}@acme.example",
            "postal_code": SCRIPT,
            "region": "<b>",
            "segment": SCRIPT,
            "type": SCRIPT,
            "language": SCRIPT,
        },
        {
            "name": NAME_BRACKETS,
            "name_en": NAME_BRACKETS,
            "contact_email": "Enter a valid email address.",
            "postal_code": US_ZIP,
            "region": "Choose a region of the selected country.",
            "segment": INVALID_CHOICE,
            "type": INVALID_CHOICE,
            "language": INVALID_CHOICE,
        },
        id="script-in-every-checked-field",
    ),
    pytest.param({"country": SCRIPT}, {"country": INVALID_CHOICE}, id="country-script"),
    pytest.param(
        {"name": "Acme <Widgets", "name_en": "Acme [Widgets"},
        {"name": NAME_BRACKETS, "name_en": NAME_BRACKETS},
        id="lt-and-lbracket",
    ),
    pytest.param(
        {"name": "Acme Widgets>", "name_en": "Acme Widgets]"},
        {"name": NAME_BRACKETS, "name_en": NAME_BRACKETS},
        id="gt-and-rbracket",
    ),
    # --- SQL fragments
    pytest.param(
        {"name": SQL_OR, "name_en": SQL_DROP, "contact_email": f"{SQL_OR}@acme.example", "postal_code": SQL_OR},
        {
            "name": NAME_CHARACTERS,
            "name_en": NAME_CHARACTERS,
            "contact_email": "Enter a valid email address.",
            "postal_code": US_ZIP,
        },
        id="sql",
    ),
    pytest.param(
        {"name": SQL_DROP, "country": SQL_OR, "segment": SQL_DROP},
        {"name": NAME_CHARACTERS, "country": INVALID_CHOICE},
        id="sql-2",
    ),
    pytest.param(
        {"country": "HK", "region": "", "postal_code": SQL_DROP}, {"postal_code": "only Latin letters"}, id="sql-postal"
    ),
    # --- unknown choices
    pytest.param(
        {"segment": "XXX", "type": "FOO", "country": "ZZ", "language": "xx"},
        dict.fromkeys(("segment", "type", "country", "language"), INVALID_CHOICE),
        id="unknown-choices",
    ),
    pytest.param(
        {"segment": "com", "type": "team", "country": "us", "language": "EN"},
        dict.fromkeys(("segment", "type", "country", "language"), INVALID_CHOICE),
        id="choices-in-the-wrong-case",
    ),
    pytest.param({"country": "USA"}, {"country": INVALID_CHOICE}, id="country-alpha-3"),
    *[
        pytest.param({"country": code, "region": "", "postal_code": "12345"}, {"country": None}, id=f"embargoed-{code}")
        for code in sorted(geography.EMBARGOED_COUNTRIES)
    ],
    pytest.param({"region": "UA-30"}, {"region": "Choose a region of the selected country."}, id="region-of-ukraine"),
    pytest.param(
        {"country": "CA", "region": "US-CA", "postal_code": "K1A 0B1"},
        {"region": "Choose a region of the selected country."},
        id="us-region-for-canada",
    ),
    pytest.param({"region": "us-ca"}, {"region": "Choose a region of the selected country."}, id="region-lowercase"),
    # --- names and unicode edge cases
    pytest.param(
        {"name": "Acme Widgets 😀", "name_en": "Acme\u202eLtd"},
        {"name": NAME_CHARACTERS, "name_en": None},
        id="emoji-and-rtl-override",
    ),
    pytest.param(
        {"name": "Acme\u202eWidgets", "name_en": "Acme 😀"},
        {"name": NAME_CHARACTERS, "name_en": "ASCII"},
        id="rtl-override-and-emoji",
    ),
    pytest.param(
        {"name": "Acme\u200dWidgets", "name_en": "Acme\u200bLtd"},
        {"name": NAME_CHARACTERS, "name_en": "ASCII"},
        id="zero-width-joiner-and-space",
    ),
    pytest.param(
        {"name": "Ac\u0335\u0336\u0337\u0338\u0334\u0335\u0336me Widgets", "name_en": "Acme = Widgets"},
        {"name": NAME_CHARACTERS, "name_en": NAME_CHARACTERS},
        id="zalgo-and-equals",
    ),
    pytest.param({"name": "Acme\u3000Widgets"}, {"name": NAME_CHARACTERS}, id="ideographic-space"),
    pytest.param({"name": CYRILLIC_NAME, "name_en": "Róga i Kopyta"}, {"name_en": "ASCII"}, id="en-accented"),
    pytest.param({"name": CYRILLIC_NAME, "name_en": "Рога Kopyta"}, {"name_en": "ASCII"}, id="en-cyrillic"),
    # --- postal codes per country
    pytest.param({"postal_code": "1234"}, {"postal_code": US_ZIP}, id="us-1234"),
    pytest.param({"postal_code": "12345-67"}, {"postal_code": US_ZIP}, id="us-12345-67"),
    pytest.param({"postal_code": "１２３４５"}, {"postal_code": US_ZIP}, id="us-fullwidth-digits"),
    pytest.param(
        {"country": "UA", "region": "UA-30", "postal_code": "0100"},
        {"postal_code": "Enter a postal code used in Ukraine"},
        id="ua-0100",
    ),
    pytest.param(
        {"country": "GB", "region": "GB-ENG", "postal_code": "XYZ"},
        {"postal_code": "postal code used in United Kingdom"},
        id="gb-XYZ",
    ),
    pytest.param(
        {"country": "HK", "region": "", "postal_code": "ÄÖÜ-1"}, {"postal_code": "only Latin letters"}, id="va-latin"
    ),
    # --- anniversary date and extended term (CUST-3)
    *[
        pytest.param(
            {"choose_anniversary": "on", "anniversary_date": value},
            {"anniversary_date": "Enter a valid date."},
            id=f"date-{label}",
        )
        for label, value in (("feb-30", "2026-02-30"), ("year-99999", "99999-01-01"), ("script", SCRIPT))
    ],
    pytest.param(
        {"anniversary_date": "2026-02-30"}, {"anniversary_date": "Enter a valid date."}, id="date-feb-30-not-chosen"
    ),
    pytest.param(
        {"choose_anniversary": "on", "anniversary_date": ""},
        {"anniversary_date": "Choose the Anniversary Date."},
        id="date-missing",
    ),
    pytest.param(
        {"segment": "COM", "choose_anniversary": "on", "anniversary_date": "+36", "extended_term_months": "40"},
        {"extended_term_months": "13 to 36 months"},
        id="commercial-40-months",
    ),
    pytest.param(
        {"segment": "EDU", "choose_anniversary": "on", "anniversary_date": "+36", "extended_term_months": "49"},
        {"extended_term_months": INVALID_CHOICE},
        id="education-49-months",
    ),
    *[
        pytest.param(
            {"choose_anniversary": "on", "anniversary_date": "+36", "extended_term_months": value},
            {"extended_term_months": INVALID_CHOICE},
            id=f"months-{value[:8]}",
        )
        for value in ("12", "abc", "13.0", "-13", "99999999999999999999")
    ],
]


def _resolve_dates(overrides: dict[str, object]) -> dict[str, object]:
    """An anniversary date "+N" stands for N months from today (a date that fits an N-month extended term)."""
    value = overrides.get("anniversary_date")
    if isinstance(value, str) and value.startswith("+"):
        return overrides | {"anniversary_date": (timezone.localdate() + relativedelta(months=int(value))).isoformat()}
    return overrides


def assert_refused_fields(response, expected: dict[str, str | None], before, values) -> None:
    """200, the form again with a message next to each spoiled field, nothing stored, nothing reflected raw."""
    assert response.status_code == 200, response.status_code
    content = response.content.decode()
    problems = []
    for field, message in expected.items():
        errors = field_errors(content, field)
        if not errors:
            problems.append(f"{field}: no message next to the field")
        elif message is not None and message not in errors:
            problems.append(f"{field}: {errors!r} does not say {message!r}")
    assert not problems, f"{problems}; form errors: {response.context['form'].errors.as_data()}"
    assert 'class="row g-3 invite-form"' in content
    assert_no_raw_markup(content, *values)
    assert counts() == before, "a refused invitation stored something"


@pytest.mark.parametrize(("overrides", "expected"), BAD_INVITATIONS)
def test_a_bad_invitation_is_refused_with_a_message_next_to_each_bad_field_and_nothing_is_saved(
    triad, member, overrides, expected
):
    before = counts()
    response = post_invite(member, invite_data(**_resolve_dates(overrides)))
    assert_refused_fields(response, expected, before, overrides.values())


def test_fields_missing_from_the_post_are_refused_like_empty_ones(triad, member):
    before = counts()
    data = invite_data()
    for field in ("name", "contact_email", "country", "segment"):
        del data[field]
    response = post_invite(member, data)
    assert_refused_fields(
        response, dict.fromkeys(("name", "contact_email", "country", "segment"), REQUIRED), before, []
    )


def test_a_repeated_parameter_is_read_as_its_last_value(triad, member):
    before = counts()
    response = member.post(INVITE_URL, invite_data(name=["Acme Widgets", SCRIPT], segment=["COM", "XXX"]))
    assert_refused_fields(response, {"name": NAME_BRACKETS, "segment": INVALID_CHOICE}, before, [SCRIPT])


def test_a_segment_the_reseller_does_not_sell_in_is_refused(triad, member):
    triad.reseller_a.segments = ["COM"]
    triad.reseller_a.save(update_fields=["segments"])
    before = counts()
    response = post_invite(member, invite_data(segment="EDU"))
    assert_refused_fields(response, {"segment": INVALID_CHOICE}, before, [])


@pytest.mark.parametrize(
    ("chosen", "months", "days", "field", "message"),
    [
        pytest.param("on", "", -1, "anniversary_date", "Choose a date from", id="yesterday"),
        pytest.param("on", "", 0, "anniversary_date", "Choose a date from", id="today"),
        pytest.param("on", "", -3650, "anniversary_date", "Choose a date from", id="ten-years-ago"),
        pytest.param("on", "", None, "anniversary_date", "Choose a date from", id="a-year-and-a-day-ahead"),
        pytest.param("on", "24", 365, "anniversary_date", "Choose a date from", id="24-months-but-a-year-ahead"),
        pytest.param("", "24", 700, "choose_anniversary", "is not ticked", id="term-without-choosing"),
        pytest.param("", "", 30, "choose_anniversary", "is not ticked", id="date-without-choosing"),
    ],
)
def test_an_anniversary_date_outside_the_allowed_range_is_refused(triad, member, chosen, months, days, field, message):
    today = timezone.localdate()
    anniversary = today + relativedelta(months=12, days=1) if days is None else today + timedelta(days=days)
    data = invite_data(anniversary_date=anniversary.isoformat(), extended_term_months=months)
    if chosen:
        data["choose_anniversary"] = chosen
    before = counts()
    response = post_invite(member, data)
    assert_refused_fields(response, {field: message}, before, [])


@pytest.mark.parametrize(
    "key",
    ["not-a-uuid", SCRIPT, "1234\x005678", "x" * 5000, str(uuid.uuid4())[:-1]],
    ids=["text", "script", "nul", "very-long", "truncated"],
)
def test_a_malformed_submission_key_is_dropped_and_the_customer_is_created(triad, member, key):
    """The key is a hidden field the user can neither see nor fix: a mangled one only loses the
    double-submit guard, it never blocks the invitation."""
    before = counts()
    response = post_invite(member, invite_data(submission_key=key))
    customer = Customer.objects.get()
    assert response.status_code == 302 and response.url == f"/customers/{customer.vip_id}/"
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert customer.submission_key is None


def test_a_submission_key_used_by_another_reseller_creates_a_new_customer_of_ours(triad, member):
    key = uuid.uuid4()
    theirs = CustomerFactory(managed_by=triad.member_b, submission_key=key)
    response = post_invite(member, invite_data(submission_key=str(key)))
    assert response.status_code == 302
    ours = Customer.objects.get(reseller=triad.reseller_a)
    assert ours.pk != theirs.pk and theirs.vip_id not in response.url


# Free text (city, address, contact names) has no character rule in CUST-2, so HTML and SQL there may be stored;
# then they must be stored exactly as typed (parameterised SQL) and escaped wherever they are shown.
@pytest.mark.parametrize("value", [SCRIPT, SQL_OR, SQL_DROP[:35]], ids=["script", "sql-or", "sql-drop"])
def test_html_or_sql_in_free_text_is_refused_or_stored_verbatim_and_escaped(triad, member, value):
    before = counts()
    response = post_invite(member, invite_data(**_text_fields(value, *FREE_TEXT_FIELDS)))
    assert_no_raw_markup(response.content.decode(), value)
    if response.status_code == 200:
        assert_refused_fields(response, dict.fromkeys(FREE_TEXT_FIELDS), before, [value])
        return
    assert response.status_code == 302
    customer = Customer.objects.get()
    assert {field: getattr(customer, field) for field in FREE_TEXT_FIELDS} == _text_fields(value, *FREE_TEXT_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer")
        assert cursor.fetchone()[0] == 1
    for url in (f"/customers/{customer.vip_id}/", f"/customers/{customer.vip_id}/?tab=history", LIST_URL):
        page = member.get(url)
        assert page.status_code == 200
        assert_no_raw_markup(page.content.decode(), value)
    assert html.escape(value) in member.get(f"/customers/{customer.vip_id}/").content.decode()
    assert_no_raw_markup(OutboxMessage.objects.get().body_html, value)


@pytest.mark.parametrize("value", ["Ab\u202ecd", "Ab\u202dcd"], ids=["rtl-override", "ltr-override"])
def test_bidi_control_characters_are_refused_in_every_text_field(triad, member, value):
    """U+202E and friends reorder what the reader sees (Trojan Source): NF-2's unicode edge cases."""
    before = counts()
    response = post_invite(member, invite_data(**_text_fields(value, *FREE_TEXT_FIELDS)))
    assert_refused_fields(response, dict.fromkeys(FREE_TEXT_FIELDS), before, [value])


# ------------------------------------------------------------------------------- unicode that must pass


def test_decomposed_nfd_free_text_is_accepted_and_stored_nfc(triad, member):
    nfd = unicodedata.normalize("NFD", "Zoë Ångström-Müller")
    assert nfd != unicodedata.normalize("NFC", nfd)
    response = post_invite(member, invite_data(**_text_fields(nfd, *FREE_TEXT_FIELDS)))
    assert response.status_code == 302, response.context["form"].errors.as_data()
    customer = Customer.objects.get()
    for field in FREE_TEXT_FIELDS:
        assert getattr(customer, field) == unicodedata.normalize("NFC", nfd), field


def test_a_decomposed_nfd_organisation_name_is_accepted_and_stored_nfc(triad, member):
    nfd = unicodedata.normalize("NFD", "Café Zürich")
    response = post_invite(member, invite_data(name=nfd, name_en="Cafe Zurich"))
    assert response.status_code == 302, response.context["form"].errors.as_data()
    assert Customer.objects.get().name == "Café Zürich"


def test_the_length_limits_count_nfc_characters_not_the_decomposed_input(triad, member):
    """40 × "é" typed in NFD is 80 code points but 40 characters: CUST-2 limits apply to the NFC text."""
    limited = ("city", "address_line1", "contact_first_name", "contact_last_name")
    data = {field: unicodedata.normalize("NFD", "é" * LIMITS[field]) for field in limited}
    response = post_invite(member, invite_data(**data))
    assert response.status_code == 302, response.context["form"].errors.as_data()
    customer = Customer.objects.get()
    for field in limited:
        assert getattr(customer, field) == "é" * LIMITS[field]


def test_text_that_grows_under_nfc_beyond_the_limit_is_refused_with_a_message_not_a_500(triad, member):
    """U+0958 DEVANAGARI QA, U+FB2A HEBREW SHIN WITH SHIN DOT, U+0344 COMBINING GREEK DIALYTIKA TONOS are one code
    point each but two after NFC: a value within the limit as typed is over it once normalised (and the database
    column refuses it)."""
    data = {
        "name": "\u0958" * 80,
        "name_en": "Qa Qa Ltd",
        "city": "\u0958" * 40,
        "address_line1": "\ufb2a" * 60,
        "contact_first_name": "\u0958" * 35,
        "contact_last_name": "\u0344" * 35,
        "contact_email": GROWING_EMAIL,
    }
    before = counts()
    with transaction.atomic():  # keep the test's transaction usable if the database refuses the row
        response = post_invite(member, invite_data(**data))
    assert_refused_fields(response, dict.fromkeys(data.keys() - {"name_en"}), before, [])


@pytest.mark.parametrize(
    "name",
    ["टाटा कंसल्टेंसी", "บริษัท ไทย จำกัด", "Công ty Việt Nam", "شركة الأمل", "株式会社 東京"],
    ids=["hindi", "thai", "vietnamese", "arabic", "japanese"],
)
def test_an_organisation_name_in_any_script_is_accepted(triad, member, name):
    """CUST-2: "letters (any script)", including scripts whose letters carry combining vowel signs."""
    response = post_invite(member, invite_data(name=name, name_en="Example Org"))
    assert response.status_code == 302, response.context["form"].errors.as_data()
    assert Customer.objects.get().name == unicodedata.normalize("NFC", name)


# ------------------------------------------------------------------------------------ valid edge cases


def test_vatican_city_has_no_subdivisions_but_monaco_has():
    assert geography.region_choices("VA") == [] and not geography.country_requires_region("VA")
    assert geography.country_requires_region("MC")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"name": "Acme"}, {"name": "Acme", "name_en": "Acme"}, id="name-4"),
        pytest.param({"name": "A" * 80}, {"name": "A" * 80}, id="name-80"),
        pytest.param(
            {"name": "Smith_Jones, Ltd. & Co. 'A' (B) \"C\"/D-E"},
            {"name": "Smith_Jones, Ltd. & Co. 'A' (B) \"C\"/D-E"},
            id="all-punctuation",
        ),
        pytest.param(
            {
                "name": CYRILLIC_NAME,
                "name_en": "Roga i Kopyta",
                "country": "UA",
                "region": "UA-30",
                "postal_code": "01001",
            },
            {"name": CYRILLIC_NAME, "name_en": "Roga i Kopyta"},
            id="cyrillic-with-english",
        ),
        pytest.param({"address_line2": ""}, {"address_line2": ""}, id="address2-empty"),
        pytest.param({"country": "VA", "region": "", "postal_code": "00120"}, {"region": ""}, id="vatican-no-region"),
        pytest.param({"country": "GI", "region": "US-CA", "postal_code": "GX11 1AA"}, {"region": ""}, id="gibraltar"),
        pytest.param({"name": "   Acme Widgets   "}, {"name": "Acme Widgets"}, id="name-stripped"),
        pytest.param({"contact_email": "  ANN@Acme.Example "}, {"contact_email": "ann@acme.example"}, id="email-lower"),
        pytest.param({"postal_code": " 95113-1234 "}, {"postal_code": "95113-1234"}, id="zip-plus-4"),
        pytest.param(
            {"contact_first_name": "A" * 35, "contact_last_name": "B" * 35, "city": "C" * 40}
            | {"address_line1": "D" * 60, "address_line2": "E" * 60, "contact_email": email_of_length(240)},
            {"contact_first_name": "A" * 35, "city": "C" * 40, "address_line2": "E" * 60}
            | {"contact_email": email_of_length(240)},
            id="every-field-at-its-limit",
        ),
        pytest.param(
            {"country": "HK", "region": "", "postal_code": "P" * 40}, {"postal_code": "P" * 40}, id="postal-40"
        ),
        pytest.param({"city": "Kyiv 🇺🇦", "contact_first_name": "Zoë"}, {"city": "Kyiv 🇺🇦"}, id="emoji-in-city"),
        pytest.param(
            {"segment": "GOV", "choose_anniversary": "on", "anniversary_date": "+48", "extended_term_months": "48"},
            {"extended_term_months": 48},
            id="government-48-months",
        ),
    ],
)
def test_a_valid_edge_case_invitation_is_sent(triad, member, overrides, expected):
    before = counts()
    response = post_invite(member, invite_data(**_resolve_dates(overrides)))
    assert response.status_code == 302, response.context["form"].errors.as_data()
    customer = Customer.objects.get()
    for field, value in expected.items():
        assert getattr(customer, field) == value
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1)


# ----------------------------------------------------------------------------- fuzzing the invitation

FUZZ_CHARACTERS = st.one_of(
    st.characters(),
    st.sampled_from(
        ["\x00", "\x01", "\x7f", "\r", "\n", "\t", "<", ">", "[", "'", '"', ";", "%", "\\", "\u202e", "\u200d"]
        + ["e\u0301", "\u0958", "\ufb2a", "\u0344", "😀", "ß", "ﬀ", " ", "A", "é", "Я", "-", "1"]
    ),
)
FUZZ_TEXT = st.lists(FUZZ_CHARACTERS, max_size=90).map("".join) | st.text(max_size=90)
FUZZED_FIELDS = (*TEXT_FIELDS, "postal_code", "contact_email", "region", "anniversary_date", "extended_term_months")


def assert_customer_is_fully_valid(customer: Customer) -> None:
    """No half-valid customer: every stored text meets CUST-1/CUST-2."""
    for field in STORED_TEXT_FIELDS:
        value = getattr(customer, field)
        assert value == value.strip(), field
        assert unicodedata.is_normalized("NFC", value), field
        assert not has_control_characters(value) and "\x00" not in value, field
        assert len(value) <= LIMITS.get(field, 6), field
    assert 4 <= len(customer.name) <= 80
    assert all(ch.isalnum() or ch in NAME_PUNCTUATION for ch in customer.name)
    assert customer.name_en.isascii() and len(customer.name_en) >= 4
    assert geography.is_supported_country(customer.country)
    assert geography.is_valid_region(customer.country, customer.region)
    assert geography.validate_postal_code(customer.country, customer.postal_code) is None
    for field in ("city", "address_line1", "postal_code", "contact_first_name", "contact_last_name"):
        assert getattr(customer, field), field


# Refused wherever they appear in a field, and not stripped as space at either end.
FORBIDDEN_CHARACTERS = st.sampled_from(["\x00", "\x01", "\x08", "\x1b", "\x7f", "\u202e", "\u2066", "\u200e"])


@HYPOTHESIS
@given(field=st.sampled_from(FUZZED_FIELDS), before=FUZZ_TEXT, bad=FORBIDDEN_CHARACTERS, after=FUZZ_TEXT)
def test_any_text_with_a_control_character_is_refused_with_a_message_next_to_its_field(
    triad, member, field, before, bad, after
):
    value = before + bad + after
    extra = {"name_en": "Example Org"} if field == "name" else {}
    if field in ("anniversary_date", "extended_term_months"):
        extra["choose_anniversary"] = "on"
    with transaction.atomic():
        saved = counts()
        response = post_invite(member, invite_data(**extra, **{field: value}))
        assert response.status_code == 200
        content = response.content.decode()
        assert_no_raw_markup(content, value)
        assert counts() == saved
        assert field in response.context["form"].errors and field_errors(content, field)
        transaction.set_rollback(True)


def _fits(field: str, value: str) -> bool:
    stored = unicodedata.normalize("NFC", value.strip())
    return bool(stored) and len(stored) <= LIMITS[field] and (field != "name" or len(stored) >= 4)


# Letters of any script and digits (no combining marks: a lone mark cannot start a name), and the
# punctuation CUST-2 allows in a name.
VALID_CHARACTERS = st.characters(categories=["Lu", "Ll", "Lt", "Lo", "Nd"]) | st.sampled_from(list(NAME_PUNCTUATION))
VALID_FIELDS = (*FREE_TEXT_FIELDS, "name")


@HYPOTHESIS
@given(data=st.data(), field=st.sampled_from(VALID_FIELDS))
def test_any_valid_text_in_a_free_text_field_is_saved_whole(triad, member, data, field):
    value = data.draw(
        st.lists(VALID_CHARACTERS, min_size=1, max_size=LIMITS[field]).map("".join).filter(lambda v: _fits(field, v)),
        label="value",
    )
    extra = {"name_en": "Example Org"} if field == "name" else {}
    with transaction.atomic():
        saved = counts()
        response = post_invite(member, invite_data(**extra, **{field: value}))
        assert response.status_code == 302, response.context["form"].errors.as_data()
        assert counts() == (saved[0] + 1, saved[1] + 1, saved[2] + 1)
        customer = Customer.objects.get()
        assert getattr(customer, field) == unicodedata.normalize("NFC", value.strip())
        assert_customer_is_fully_valid(customer)
        transaction.set_rollback(True)


# ----------------------------------------------------------------------------------------- the list

HOSTILE_LIST_PARAMETERS = [
    ("filter", "unknown"),
    ("filter", SCRIPT),
    ("filter", SQL_OR),
    ("filter", "\x00"),
    ("mine", SCRIPT),
    ("mine", "\x00"),
    ("q", "a\x00b"),
    ("q", "a\x01b"),
    ("q", "q" * 101),
    ("q", "q" * 10_000),
    ("q", SCRIPT),
    ("q", '"><script>alert(1)</script>'),
    ("q", SQL_OR),
    ("q", SQL_DROP),
    ("q", "%"),
    ("q", "\\"),
    ("q", "\u202e\u200d😀"),
    ("q", unicodedata.normalize("NFD", "Zürich")),
    ("sort", "unknown"),
    ("sort", "-"),
    ("sort", "--name"),
    ("sort", "name; DROP TABLE customers_customer"),
    ("sort", "reseller__name"),
    ("sort", "\x00"),
    ("page", "0"),
    ("page", "-1"),
    ("page", "abc"),
    ("page", str(10**12)),
    ("page", "1e3"),
    ("page", "1.5"),
    ("page", "\x00"),
    ("page", "999999"),
    ("per_page", "7"),
    ("per_page", "1000"),
    ("per_page", "x"),
    ("per_page", "-25"),
    ("per_page", "\x00"),
]
DEFAULT_STATE = {
    "filter": "all",
    "mine": False,
    "invitation": "",
    "q": "",
    "sort": "name",
    "descending": False,
    "page": 1,
    "per_page": 25,
}
SORT_KEYS = {"name", "vip_id", "segment", "type", "anniversary", "managed_by", "status", "vip_select", "created"}


@pytest.fixture
def some_customers(triad):
    return [CustomerFactory(managed_by=triad.member_a, name=f"Customer {n:02d}") for n in range(3)]


@pytest.mark.parametrize(("parameter", "value"), HOSTILE_LIST_PARAMETERS, ids=lambda v: repr(v)[:30])
def test_a_hostile_list_parameter_falls_back_to_the_default_on_the_list_and_the_csv(
    triad, member, some_customers, parameter, value
):
    response = member.get(LIST_URL, {parameter: value})
    assert response.status_code == 200
    assert_no_raw_markup(response.content.decode(), value)
    state = response.context["state"]
    if parameter == "q" and len(value) <= 100 and not has_control_characters(value):
        assert state == DEFAULT_STATE | {"q": state["q"]}
        assert state["q"] in ("", unicodedata.normalize("NFC", value.strip()))  # kept (normalised) or dropped
    elif parameter == "mine":
        assert state == DEFAULT_STATE | {"mine": True}  # any non-empty value switches "Managed by me" on
    elif parameter == "page" and value == "999999":
        assert response.context["page"].number == 1  # beyond the last page: the last page
    else:
        assert state == DEFAULT_STATE
    if state["q"] == "":
        assert response.context["page"].paginator.count == 3

    export = member.get(EXPORT_URL, {parameter: value})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    body = b"".join(export.streaming_content)
    assert body.startswith("\ufeff".encode())
    assert body.count(b"\n") == (1 if state["q"] else 4)


@pytest.mark.parametrize("wildcard", ["%%%", "___", "\\\\\\", "%_%"])  # searches need 3+ characters
def test_like_wildcards_in_the_search_match_literally(triad, member, some_customers, wildcard):
    response = member.get(LIST_URL, {"q": wildcard})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert b"".join(member.get(EXPORT_URL, {"q": wildcard}).streaming_content).count(b"\n") == 1


def test_the_list_never_echoes_a_hostile_query_unescaped_in_its_links(triad, member):
    for n in range(30):  # two pages, so the pagination links are rendered too
        CustomerFactory(managed_by=triad.member_a, name=f"Customer {n:02d}")
    params = {"q": "Customer", "sort": SCRIPT, "zzz": '"><script>alert(1)</script>', "page": "1"}
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = member.get(LIST_URL, params, **headers)
        assert response.status_code == 200
        content = response.content.decode()
        assert "page=2" in content
        assert_no_raw_markup(content, *params.values())


def test_undecodable_percent_escapes_in_the_query_string_are_harmless(triad, member, some_customers):
    for url in (LIST_URL, EXPORT_URL, REGIONS_URL):
        response = member.get(f"{url}?q=%ff%fe%00&sort=%c0%af&page=%e2%80&country=%ff&%00=1")
        assert response.status_code == 200, url
        if url == EXPORT_URL:
            assert b"".join(response.streaming_content).startswith("\ufeff".encode())


@pytest.mark.parametrize(
    "country", ["", "ZZ", "us", "CU", "KP", SCRIPT, SQL_OR, "\x00", "U" * 5000, "US\x00", "🇺🇸"], ids=repr
)
def test_hostile_region_options_answer_an_empty_choice(triad, member, country):
    response = member.get(REGIONS_URL, {"country": country})
    assert response.status_code == 200
    assert_no_raw_markup(response.content.decode(), country)
    assert response.context["choices"] == []


def test_region_options_for_a_real_country_list_its_regions(triad, member):
    response = member.get(REGIONS_URL, {"country": "UA"})
    assert response.status_code == 200 and 'value="UA-30"' in response.content.decode()


LIST_KEYS = st.sampled_from(["filter", "mine", "q", "sort", "page", "per_page", "country", "tab", "x"])
QUERY_STRINGS = st.lists(st.tuples(LIST_KEYS, FUZZ_TEXT), max_size=6)


@HYPOTHESIS
@given(params=QUERY_STRINGS)
def test_any_query_string_on_the_list_answers_200(triad, member, params):
    response = member.get(f"{LIST_URL}?{urlencode(params)}")
    assert response.status_code == 200
    assert_no_raw_markup(response.content.decode(), *(value for _key, value in params))
    state = response.context["state"]
    assert state["per_page"] in (25, 50, 100) and state["page"] >= 1 and state["sort"] in SORT_KEYS


@HYPOTHESIS
@given(params=QUERY_STRINGS)
def test_any_query_string_on_the_csv_and_the_region_options_answers_200(triad, member, params):
    query = urlencode(params)
    export = member.get(f"{EXPORT_URL}?{query}")
    assert export.status_code == 200
    assert b"".join(export.streaming_content).startswith("\ufeff".encode())
    regions = member.get(f"{REGIONS_URL}?{query}")
    assert regions.status_code == 200
    assert_no_raw_markup(regions.content.decode(), *(value for _key, value in params))


# ------------------------------------------------------------------------------------- the reminder


@pytest.fixture
def pending(triad):
    return CustomerFactory(managed_by=triad.member_a, contact_email="first@customer.example")


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", REQUIRED),
        ("   ", REQUIRED),
        ("not-an-email", "Enter a valid email address."),
        ("a@b", "Enter a valid email address."),
        ("ann@@acme.example", "Enter a valid email address."),
        (f"{SCRIPT}@acme.example", "Enter a valid email address."),
        (f"{SQL_OR}@acme.example", "Enter a valid email address."),
        ("ann@acme.example\r\nBcc: evil@example.com", "Enter a valid email address."),
        (email_of_length(241), "at most 240 characters"),
        ("a" * 10_000 + "@acme.example", "at most 240 characters"),
        ("ann\x00@acme.example", NUL),
        ("ann\x01@acme.example", None),
        ("ann\u202e@acme.example", None),
        pytest.param(GROWING_EMAIL, "at most 240 characters", id="email-growing-under-nfc"),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_a_bad_reminder_email_is_refused_and_nothing_changes(triad, member, pending, email, message):
    url = f"/customers/{pending.vip_id}/reminder/"
    before = counts()
    with transaction.atomic():  # keep the test's transaction usable if the database refuses the value
        response = member.post(url, {"contact_email": email})
    assert response.status_code == 200
    content = response.content.decode()
    errors = field_errors(content, "contact_email")
    assert errors, response.context["form"].errors.as_data()
    if message:
        assert message in errors
    assert_no_raw_markup(content, email)
    pending.refresh_from_db()
    assert pending.contact_email == "first@customer.example"
    assert counts() == before


@pytest.mark.parametrize(
    "vip_id",
    ["%3Cscript%3Ealert(1)%3C%2Fscript%3E", "F" * 5000, "%00", "0123456789ABCDEF%00AB", "%27%20OR%201%3D1%20--"]
    + ["%E2%80%AE", "..%2F..%2F"],
    ids=["script", "very-long", "nul", "nul-inside", "sql", "rtl-override", "traversal"],
)
def test_a_hostile_vip_id_in_any_customer_url_is_404_not_500(triad, primary, vip_id):
    problems = []
    for method, suffix in [("get", ""), ("get", "reminder/"), ("post", "reminder/")] + [
        ("post", "remove/"),
        ("post", "managed-by/"),
    ]:
        try:
            response = getattr(primary, method)(f"/customers/{vip_id}/{suffix}", {"membership": triad.admin_a.pk})
        except Exception as error:  # noqa: BLE001 - the test client re-raises what would be a 500
            problems.append(f"{method.upper()} …/{suffix}: {type(error).__name__}: {error}")
            continue
        if response.status_code != 404:
            problems.append(f"{method.upper()} …/{suffix}: {response.status_code}")
        assert_no_raw_markup(response.content.decode())
    assert not problems, problems


@pytest.mark.parametrize("suffix", ["", "reminder/", "?tab=history"])
def test_another_resellers_or_a_lowercased_vip_id_is_404(triad, member, suffix):
    ours = CustomerFactory(managed_by=triad.member_a)
    theirs = CustomerFactory(managed_by=triad.member_b)
    for vip_id in (ours.vip_id.lower(), theirs.vip_id, ours.vip_id + "0", ours.vip_id[:-1]):
        response = member.get(f"/customers/{vip_id}/{suffix}")
        assert response.status_code == 404, vip_id
    assert member.get(f"/customers/{ours.vip_id}/{suffix}").status_code == 200


def test_a_reminder_to_another_resellers_customer_is_404_and_changes_nothing(triad, member):
    theirs = CustomerFactory(managed_by=triad.member_b, contact_email="theirs@customer.example")
    before = counts()
    response = member.post(f"/customers/{theirs.vip_id}/reminder/", {"contact_email": "mine@example.com"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.contact_email == "theirs@customer.example" and counts() == before


@pytest.mark.parametrize("tab", ["unknown", SCRIPT, "\x00", "OVERVIEW", "history ", "x" * 5000, ""], ids=repr)
def test_an_unknown_detail_tab_falls_back_to_the_overview(triad, member, pending, tab):
    response = member.get(f"/customers/{pending.vip_id}/", {"tab": tab})
    assert response.status_code == 200
    assert response.context["tab"] == "overview"
    assert_no_raw_markup(response.content.decode(), tab)


def test_customer_text_is_escaped_on_every_page_that_shows_it(triad, member):
    """Text stored by any route (e.g. operator import) must come out escaped: detail, history, list, reminder,
    CSV (formula-neutralised) and the invitation email."""
    data = {
        "name": 'Tom & Jerry "Q" (X)',
        "name_en": 'Tom & Jerry "Q" (X)',
        "segment": "COM",
        "type": "TEAM",
        "country": "US",
        "region": "US-CA",
        "city": SCRIPT,
        "address_line1": '"><img src=x onerror=alert(1)>',
        "address_line2": '=HYPERLINK("http://evil")',
        "postal_code": "95113",
        "contact_first_name": "<b>Ann</b>",
        "contact_last_name": "</div><script>alert(1)</script>"[:35],
        "contact_email": "ann@acme.example",
        "language": "en",
    }
    customer, _created = services.customer_invite(
        reseller=triad.reseller_a, actor=triad.member_a.user, managed_by=triad.member_a, data=data
    )
    hostile = [data["city"], data["address_line1"], data["contact_first_name"], data["contact_last_name"]]
    for url in (
        f"/customers/{customer.vip_id}/",
        f"/customers/{customer.vip_id}/?tab=history",
        f"/customers/{customer.vip_id}/reminder/",
        LIST_URL,
        f"{LIST_URL}?q=Tom",
    ):
        response = member.get(url)
        assert response.status_code == 200, url
        assert_no_raw_markup(response.content.decode(), *hostile)
    assert "Tom &amp; Jerry" in member.get(f"/customers/{customer.vip_id}/").content.decode()
    body = b"".join(member.get(EXPORT_URL).streaming_content).decode("utf-8-sig")
    assert "\"'=HYPERLINK" in body
    message = OutboxMessage.objects.get(template="customer_invitation")
    assert_no_raw_markup(message.body_html, *hostile)
    assert "\n" not in message.subject and "\r" not in message.subject


# ---------------------------------------------------------------------------------------- Managed by


@pytest.fixture
def managed(triad):
    return CustomerFactory(managed_by=triad.member_a)


def _managed_by_targets(triad) -> dict[str, object]:
    removed = MembershipFactory(reseller=triad.reseller_a, status=Membership.Status.REMOVED)
    invited = MembershipFactory(reseller=triad.reseller_a, status=Membership.Status.PENDING)
    return {
        "other-reseller": triad.member_b.pk,
        "viewer": triad.viewer_a.pk,
        "removed-member": removed.pk,
        "pending-member": invited.pk,
        "non-numeric": "abc",
        "empty": "",
        "nul": "1\x00",
        "script": SCRIPT,
        "sql": f"{triad.admin_a.pk} OR 1=1",
        "float": f"{triad.admin_a.pk}.0",
        "exponent": "1e3",
        "negative": "-1",
        "huge": str(10**20),
        "unknown-id": "999999999",
    }


@pytest.mark.parametrize(
    "target",
    [
        "other-reseller",
        "viewer",
        "removed-member",
        "pending-member",
        "non-numeric",
        "empty",
        "nul",
        "script",
        "sql",
        "float",
        "exponent",
        "negative",
        "huge",
        "unknown-id",
    ],
)
def test_managed_by_refuses_anyone_but_an_active_writer_of_the_reseller(triad, primary, managed, target):
    value = _managed_by_targets(triad)[target]
    before = AuditEvent.objects.count()
    response = primary.post(f"/customers/{managed.vip_id}/managed-by/", {"membership": value}, follow=True)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Choose an active team member." in page_text(content)
    assert_no_raw_markup(content, value)
    managed.refresh_from_db()
    assert managed.managed_by == triad.member_a
    assert AuditEvent.objects.count() == before


def test_managed_by_accepts_an_active_admin(triad, primary, managed):
    response = primary.post(f"/customers/{managed.vip_id}/managed-by/", {"membership": triad.admin_a.pk}, follow=True)
    assert response.status_code == 200
    managed.refresh_from_db()
    assert managed.managed_by == triad.admin_a


def test_managed_by_for_another_resellers_customer_is_404(triad, primary):
    theirs = CustomerFactory(managed_by=triad.member_b)
    response = primary.post(f"/customers/{theirs.vip_id}/managed-by/", {"membership": triad.admin_a.pk})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.managed_by == triad.member_b


# -------------------------------------------------------------------------------------- the portal link


def _real_token(triad) -> tuple[Customer, str]:
    customer = CustomerFactory(managed_by=triad.member_a, invitation_nonce="0" * 32)
    return customer, services.invitation_token(customer)


@pytest.mark.parametrize(
    "kind", ["forged", "truncated", "payload-swapped", "nul", "nul-inside", "markup", "very-long", "dots", "unicode"]
)
def test_a_bad_invitation_link_says_not_valid(triad, kind):
    customer, token = _real_token(triad)
    _payload, timestamp, signature = token.rsplit(":", 2)
    other = services.invitation_token(CustomerFactory(managed_by=triad.member_a, invitation_nonce="1" * 32))
    tokens = {
        "forged": "eyJjIjoxLCJuIjoiMCJ9:1tAbCd:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "truncated": token[:-3],
        "payload-swapped": f"{other.rsplit(':', 2)[0]}:{timestamp}:{signature}",
        "nul": "%00",
        "nul-inside": quote(token[:10]) + "%00" + quote(token[10:]),
        "markup": quote("<img src=x onerror=alert(1)>", safe=""),
        "very-long": "A" * 10_000,
        "dots": "...",
        "unicode": quote("тест\u202e😀", safe=""),
    }
    before = counts()
    client = triad.client_for(None)
    url = f"/portal/accept/{tokens[kind]}/"
    data = {"password1": "a long passphrase 77", "password2": "a long passphrase 77", "accept_terms": "on"}
    for response in (client.get(url), client.post(url, data)):
        assert response.status_code == 410
        content = response.content.decode()
        assert "This invitation link is not valid." in page_text(content)
        assert_no_raw_markup(content, "<img src=x onerror=alert(1)>")
    customer.refresh_from_db()
    assert customer.is_pending and counts() == before


def test_the_genuine_invitation_link_still_opens(triad):
    _customer, token = _real_token(triad)
    assert triad.client_for(None).get(f"/portal/accept/{token}/").status_code == 200
