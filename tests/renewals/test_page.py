"""REN-11: the renewals page — what it lists, its filters, counts, totals per month, sort, pagination
and CSV; the tenant boundary; bad input on every parameter answered on the page (NF-2)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Customer
from purchase_auth.models import Product
from renewals.models import AutoRenewal
from tests.factories import CustomerFactory, LicencePoolFactory, ProductFactory

ON = date(2027, 3, 15)
URL = "/renewals/"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime(2027, 3, 15, 12, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def suite(db) -> Product:
    return ProductFactory(name="Suite")  # 120.00 at level 01, 108.00 at 02, 96.00 at 03, 84.00 at 04


def licensed(membership, days_to_ad: int, quantity: int, product: Product, **fields) -> Customer:
    customer = CustomerFactory(managed_by=membership, anniversary_date=ON + timedelta(days=days_to_ad), **fields)
    LicencePoolFactory(customer=customer, product=product, fulfilled=quantity)
    return customer


@pytest.fixture
def book(triad, suite):
    """One customer in each part of the pipeline and two outside it; another reseller's customer."""
    return {
        "upcoming": licensed(triad.member_a, 40, 5, suite, name="Upcoming Org"),  # 5 × 120 = 600.00
        "ready": licensed(triad.admin_a, 10, 60, suite, name="Ready Org"),  # 60 × 96 = 5,760.00
        "grace": licensed(triad.member_a, -5, 12, suite, name='=HYPERLINK("http://x")'),  # 12 × 108 = 1,296.00
        "lapsed": licensed(triad.admin_a, -45, 1, suite, name="Lapsed Org"),  # 120.00
        "long_lapsed": licensed(triad.member_a, -61, 3, suite, name="Long Gone Org"),
        "later": licensed(triad.member_a, 46, 3, suite, name="Later Org"),
        "other": licensed(triad.member_b, 10, 3, suite, name="Other Reseller Org"),
    }


def vips(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'<tr data-vip="([0-9A-F]{20})"', response.content.decode())


def count_of(response, key: str) -> int:
    match = re.search(rf'data-count="{key}">(\d+)<', response.content.decode())
    assert match, key
    return int(match.group(1))


def month_row(response, month: str) -> tuple[int, str]:
    html = response.content.decode()
    row = re.search(rf'data-month="{month}".*?data-customers>(\d+)<.*?data-value>([^<]*)<', html, re.S)
    assert row, month
    return int(row.group(1)), row.group(2)


def test_the_page_lists_the_pipeline_by_anniversary_date(triad, book):
    response = triad.client_for(triad.member_a).get(URL)
    names = ["lapsed", "grace", "ready", "upcoming"]  # by AD, ascending
    assert vips(response) == [book[name].vip_id for name in names]
    html = response.content.decode()
    assert "data-days>-5<" in html and "data-days>40<" in html  # days left, negative in grace
    assert "5,760.00" in html and 'data-auto="on"' in html
    assert count_of(response, "all") == 4
    assert [count_of(response, s) for s in ("upcoming", "ready", "in_grace", "lapsed", "renewed")] == [1, 1, 1, 1, 0]
    assert 'aria-current="page"' in html and reverse("renewal_pages:list") in html  # in the main navigation


def test_totals_per_month_count_and_value_the_pipeline(triad, book):
    response = triad.client_for(triad.member_a).get(URL)
    assert month_row(response, "2027-01") == (1, "120.00")  # lapsed, AD 2027-01-29
    assert month_row(response, "2027-03") == (2, "7,056.00")  # in grace (1,296) + ready (5,760)
    assert month_row(response, "2027-04") == (1, "600.00")
    assert month_row(response, "2027-02") == (0, "0.00")


def test_filters_by_state_month_and_managed_by_me(triad, book):
    client = triad.client_for(triad.member_a)
    assert vips(client.get(URL, {"state": "ready"})) == [book["ready"].vip_id]
    assert vips(client.get(URL, {"state": "lapsed"})) == [book["lapsed"].vip_id]
    assert vips(client.get(URL, {"month": "2027-03"})) == [book["grace"].vip_id, book["ready"].vip_id]
    mine = client.get(URL, {"mine": "on"})
    assert vips(mine) == [book["grace"].vip_id, book["upcoming"].vip_id]
    assert count_of(mine, "all") == 2
    assert month_row(mine, "2027-03") == (1, "1,296.00")
    assert vips(client.get(URL, {"mine": "on", "state": "ready"})) == []


def test_sorts_by_value_and_by_anniversary_date(triad, book):
    client = triad.client_for(triad.member_a)
    by_value = [book[n].vip_id for n in ("lapsed", "upcoming", "grace", "ready")]
    assert vips(client.get(URL, {"sort": "value"})) == by_value
    assert vips(client.get(URL, {"sort": "-value"})) == by_value[::-1]
    assert vips(client.get(URL, {"sort": "-ad"}))[0] == book["upcoming"].vip_id


def test_pages_hold_25_customers(triad, suite):
    for index in range(27):
        licensed(triad.member_a, 10 + index % 5, 1, suite)
    client = triad.client_for(triad.member_a)
    first, second = vips(client.get(URL)), vips(client.get(URL, {"page": 2}))
    assert (len(first), len(second)) == (25, 2) and not set(first) & set(second)
    assert vips(client.get(URL, {"page": 99})) == second  # past the end: the last page
    assert len(vips(client.get(URL, {"per_page": 50}))) == 27


def test_auto_renewal_off_shows_off(triad, book):
    AutoRenewal.objects.create(
        reseller=triad.reseller_a,
        customer=book["ready"],
        enabled=False,
        updated_at=book["ready"].created_at,
        updated_by=triad.admin_a.user,
    )
    html = triad.client_for(triad.member_a).get(URL, {"state": "ready"}).content.decode()
    assert 'data-auto="off"' in html and 'data-auto="on"' not in html


def test_the_csv_holds_the_current_view_streamed_and_injection_safe(triad, book):
    response = triad.client_for(triad.member_a).get(reverse("renewal_pages:export"), {"month": "2027-03"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="renewals-2027-03-15.csv"'
    body = b"".join(response.streaming_content)
    grace, ready = book["grace"], book["ready"]
    assert body.decode("utf-8") == (
        "\ufeff"
        '"VIP ID","Organization name","Anniversary Date","Days left","Renewal state","Auto-renewal",'
        '"Expiring licences","Projected renewal value (USD)","Managed by"\n'
        f'"{grace.vip_id}","\'=HYPERLINK(""http://x"")","2027-03-10","-5","In grace","on","12","1296.00",'
        f'"{triad.member_a.user.email}"\n'
        f'"{ready.vip_id}","Ready Org","2027-03-25","10","Ready for renewal","on","60","5760.00",'
        f'"{triad.admin_a.user.email}"\n'
    )


def test_another_resellers_customers_are_never_shown(triad, book):
    html = triad.client_for(triad.member_a).get(URL).content.decode()
    assert book["other"].vip_id not in html and "Other Reseller Org" not in html
    body = b"".join(triad.client_for(triad.member_a).get(reverse("renewal_pages:export")).streaming_content)
    assert book["other"].vip_id.encode() not in body and body.count(b"\n") == 5
    theirs = triad.client_for(triad.member_b).get(URL)
    assert vips(theirs) == [book["other"].vip_id] and count_of(theirs, "all") == 1


def test_a_viewer_can_read_and_anonymous_users_sign_in_first(triad, book):
    assert len(vips(triad.client_for(triad.viewer_a).get(URL))) == 4
    assert triad.client_for(triad.viewer_a).get(reverse("renewal_pages:export")).status_code == 200
    for url in (URL, reverse("renewal_pages:export")):
        response = triad.client_for(None).get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("state", "junk"),
        ("state", "ready\x00"),
        ("state", "none"),  # a real state, but not one of the page's
        ("month", "2027-13"),
        ("month", "2026-01"),  # outside the pipeline
        ("month", "99999999999999999999-01"),
        ("month", "2027-03\x00"),
        ("sort", "name"),
        ("sort", "value; DROP TABLE x"),
        ("page", "0"),
        ("page", "-1"),
        ("page", "99999999999999999999999"),
        ("page", "1e9"),
        ("page", "\x00"),
        ("per_page", "1000"),
        ("per_page", "x"),
        ("mine", "\x00"),
    ],
)
def test_bad_input_on_every_parameter_is_a_message_not_a_500(triad, book, parameter, value):
    for url in (URL, reverse("renewal_pages:export")):
        response = triad.client_for(triad.member_a).get(url, {parameter: value})
        assert response.status_code == 200
    response = triad.client_for(triad.member_a).get(URL, {parameter: value})
    html = response.content.decode()
    if parameter != "mine":  # any value turns a checkbox on, as in a browser
        assert "could not be used" in html
    assert len(vips(response)) >= 1  # the rest of the view still works


def test_invalid_utf8_in_the_query_string_is_a_message(triad, book):
    response = triad.client_for(triad.member_a).get(URL + "?month=%FF&state=%FF%FE")
    assert response.status_code == 200 and "could not be used" in response.content.decode()


def test_the_page_runs_the_same_queries_for_3_or_30_customers(triad, suite):
    client = triad.client_for(triad.member_a)
    for _ in range(3):
        licensed(triad.member_a, 10, 2, suite)
    client.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for index in range(27):
        licensed(triad.member_a, index - 20, 2, suite)
    with CaptureQueriesContext(connection) as many:
        assert len(vips(client.get(URL))) == 25
    assert len(many) == len(few)
