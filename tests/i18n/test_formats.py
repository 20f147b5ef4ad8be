"""I18N-3, NF-6: dates, numbers and money follow the active language, one date style throughout."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, translation

from tests.factories import AuditEventFactory, CustomerFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# The named formats of console/formats/<language>; "Y-m" is a month in a query string, not for reading.
ALLOWED_DATE_ARGUMENTS = {"DATE_FORMAT", "SHORT_DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATETIME_FORMAT"}
ALLOWED_DATE_ARGUMENTS |= {"YEAR_MONTH_FORMAT", "Y-m"}
DAY = date(2026, 12, 13)


@pytest.mark.parametrize(("language", "text"), [("en", "13 Dec 2026"), ("uk", "13 груд. 2026")])
def test_one_date_style_per_language(language: str, text: str) -> None:
    with translation.override(language):
        assert formats.date_format(DAY) == text
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == text
        assert Template("{{ day }}").render(Context({"day": DAY})) == text
        moment = datetime(2026, 12, 13, 9, 5, tzinfo=UTC)
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == f"{text}, 09:05"
        assert formats.date_format(moment, "DATETIME_FORMAT") == f"{text}, 09:05"


@pytest.mark.parametrize(
    ("month", "abbreviation"),
    [(1, "січ."), (3, "бер."), (5, "трав."), (9, "вер."), (11, "лист.")],
)
def test_ukrainian_months_are_abbreviated_in_the_genitive(month: int, abbreviation: str) -> None:
    with translation.override("uk"):
        assert formats.date_format(date(2027, month, 1)) == f"1 {abbreviation} 2027"


def test_no_template_hard_codes_a_date_format() -> None:
    """Every `|date` shown to people names one of the language's formats (CSV exports are Python)."""
    found = {
        (path.relative_to(TEMPLATES).as_posix(), argument)
        for path in TEMPLATES.rglob("*.*")
        for argument in re.findall(r"""\|date:["']([^"']*)["']""", path.read_text())
        if argument not in ALLOWED_DATE_ARGUMENTS
    }
    assert not found


@pytest.mark.parametrize(
    ("language", "money", "count"), [("en", "1,234,567.50", "12,345"), ("uk", "1 234 567,50", "12 345")]
)
def test_money_and_counts_use_the_language_separators(language: str, money: str, count: str) -> None:
    template = Template('{{ money|floatformat:"2g" }}|{{ count|floatformat:"g" }}')
    with translation.override(language):
        rendered = template.render(Context({"money": Decimal("1234567.5"), "count": 12345}))
    assert rendered.replace("\xa0", " ") == f"{money}|{count}"


def test_time_elements_carry_a_valid_moment_without_microseconds(triad: Any, admin_client_a: Any) -> None:
    AuditEventFactory(reseller=triad.reseller_a, created_at=datetime(2026, 11, 29, 10, 15, 30, 123456, tzinfo=UTC))
    page = admin_client_a.get(reverse("console:activity")).content.decode()
    moments = re.findall(r'<time datetime="([^"]*)"', page)
    assert moments
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", moment) for moment in moments), moments
    assert "2026-11-29T10:15:30+00:00" in moments


@pytest.mark.parametrize(("language", "text"), [("en", "20 Dec 2026"), ("uk", "20 груд. 2026")])
def test_the_customer_list_and_details_show_the_anniversary_date_in_the_one_style(
    triad: Any, member_client: Any, language: str, text: str
) -> None:
    customer = CustomerFactory(managed_by=triad.member_a, anniversary_date=date(2026, 12, 20))
    triad.member_a.user.language = language
    triad.member_a.user.save(update_fields=["language"])
    listing = member_client.get(reverse("customers:list") + "?filter=all").content.decode()
    details = member_client.get(reverse("customers:detail", args=[customer.vip_id])).content.decode()
    assert text in listing
    assert text in details
    assert "12/20/2026" not in listing + details
    assert "Dec. 20, 2026" not in listing + details
