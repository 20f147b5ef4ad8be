"""DASH-1…DASH-3: the home page's to-do items and charts, *Managed by me*, the tenant boundary, the
registry each app contributes through, and a number of queries that does not grow with the customers."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from console.home import (
    ChartData,
    ChartSeries,
    HomeChart,
    HomeItem,
    TodoFigure,
    TodoRow,
    home_chart_register,
    home_charts,
    home_item_register,
    home_items,
    month_starts,
)
from customers import home as customers_home
from tests.home.conftest import chart_rows, item_counts, item_links, seed_book

URL = "/"

ONE_BOOK = {"past_due": 2, "ready": 3, "upcoming": 1, "stale_invitations": 1, "rc_codes": 2, "failed_orders": 1}


def test_every_app_contributes_its_items_and_charts_in_order():
    assert [item.name for item in home_items()] == [
        "past_due",
        "ready",
        "upcoming",
        "stale_invitations",
        "rc_codes",
        "failed_orders",
    ]
    assert [chart.name for chart in home_charts()] == ["renewal_pipeline", "customers_by_state", "new_and_lost"]


def test_the_items_count_the_resellers_customers_and_mine_counts_only_mine(triad, books):
    client = triad.client_for(triad.member_a)
    counts = item_counts(client.get(URL))
    assert counts == {name: 2 * n for name, n in ONE_BOOK.items()}  # member A's and admin A's, never B's
    assert item_counts(client.get(URL, {"mine": "on"})) == ONE_BOOK


def test_another_resellers_member_sees_only_their_own(triad, books):
    counts = item_counts(triad.client_for(triad.member_b).get(URL))
    assert counts == ONE_BOOK
    html = triad.client_for(triad.member_b).get(URL).content.decode()
    assert "Bravo Overdue Org" in html and "Admin Overdue Org" not in html and ">Overdue Org<" not in html


def test_the_rows_say_how_late_and_how_many_days_are_left(triad, books):
    html = triad.client_for(triad.member_a).get(URL, {"mine": "on"}).content.decode()
    assert "Suspended · 70 days late" in html
    assert "Overdue · 12 days late" in html
    assert "In grace · 25 days left" in html  # AD 5 days ago, 30 days of grace
    assert "Anniversary Date in 10 days" in html
    assert "Partially renewed" in html
    assert "Anniversary Date in 40 days" in html
    assert "Pending for 20 days" in html and "Fresh Invitation Org" not in html
    assert "Customer inactive" in html
    assert "Expires in 5 hours" in html and "Expires in 3 days" in html and "it-80@" not in html
    # the longest overdue first, the soonest to lapse first
    assert html.index("Suspended Org") < html.index("Overdue Org")
    assert html.index("Grace Org") < html.index("Ready Org") < html.index("Partial Org")


def test_an_empty_reseller_has_nothing_to_do(triad):
    response = triad.client_for(triad.member_a).get(URL)
    assert set(item_counts(response).values()) == {0}
    assert response.content.decode().count("Nothing to do.") == len(ONE_BOOK)


def test_customers_by_state_chart(triad, books):
    rows = chart_rows(triad.client_for(triad.member_a).get(URL, {"mine": "on"}), "customers_by_state")
    assert [(label, cells) for label, _link, cells in rows] == [
        ("No Products", ["3"]),
        ("Pending Requests", ["2"]),
        ("Past Due Requests", ["2"]),
        ("Upcoming Renewals", ["1"]),
        ("Ready for Renewal", ["3"]),
    ]
    assert all("mine=on" in link for _label, link, _cells in rows)


def test_new_and_lost_customers_per_month(triad, books):
    rows = chart_rows(triad.client_for(triad.member_a).get(URL), "new_and_lost")
    assert len(rows) == 12
    by_month = {label: cells for label, _link, cells in rows}
    # new, lapsed (not renewed), removed, transferred away — both books of reseller A
    assert by_month["March 2027"] == ["28", "2", "0", "0"]  # all created today; Lapsed Org's grace ended 1 March
    assert by_month["February 2027"] == ["0", "0", "2", "0"]  # Removed Org
    assert by_month["September 2026"] == ["0", "2", "0", "0"]  # Long Lapsed Org
    assert by_month["April 2026"] == ["0", "0", "0", "0"]


def test_new_and_lost_takes_another_kind_of_lost_customer(triad, books):
    def transferred(view, months):
        return {months[-1]: 7}

    customers_home.lost_customers_register(customers_home.LostKind("moved", "Moved", transferred, 40))
    try:
        rows = chart_rows(triad.client_for(triad.member_a).get(URL), "new_and_lost")
    finally:
        customers_home._lost_kinds.pop("moved")
    assert rows[-1][2] == ["28", "2", "0", "0", "7"]


def test_renewal_pipeline_chart_has_count_and_projected_value(triad, books):
    rows = chart_rows(triad.client_for(triad.member_a).get(URL, {"mine": "on"}), "renewal_pipeline")
    assert [label for label, _link, _cells in rows] == ["January 2027", "February 2027", "March 2027", "April 2027"]
    counts = {label: cells[0] for label, _link, cells in rows}
    assert counts == {"January 2027": "1", "February 2027": "0", "March 2027": "4", "April 2027": "1"}
    assert rows[0][1] == "/renewals/?month=2027-01&mine=on"
    assert all(cells[1].endswith(".00") for _label, _link, cells in rows)


def test_every_chart_passes_its_data_as_json_and_has_a_table(triad, books):
    html = triad.client_for(triad.member_a).get(URL).content.decode()
    for chart in home_charts():
        assert f'<script id="chart-{chart.name}" type="application/json">' in html
    assert html.count("<details open") == len(home_charts())
    assert "<script>" not in html and "onchange=" not in html  # no inline script (CSP)
    assert "/static/vendor/chart.js/chart.umd.min.js" in html and "/static/js/home.js" in html


@pytest.mark.parametrize("mine", ["", "yes please", "\x00"])
def test_a_bad_mine_parameter_is_no_error(triad, books, mine):
    response = triad.client_for(triad.member_a).get(URL, {"mine": mine})
    assert response.status_code == 200


def test_a_viewer_sees_the_home_page_and_an_anonymous_user_signs_in(triad, books, client):
    assert triad.client_for(triad.viewer_a).get(URL).status_code == 200
    assert client.get(URL).status_code == 302


def _queries(client, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, params or {}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("mine", [False, True])
def test_the_number_of_queries_does_not_grow_with_the_customers(triad, suite, mine):
    client = triad.client_for(triad.member_a)
    params = {"mine": "on"} if mine else {}
    seed_book(triad.member_a, suite)
    few = _queries(client, params)
    for n in range(4):
        seed_book(triad.member_a, suite, prefix=f"More {n} ")
        seed_book(triad.admin_a, suite, prefix=f"Admin {n} ")
    assert _queries(client, params) == few
    assert few <= 22  # a fixed, small number: each item and chart runs its own set-based queries


def test_a_registered_item_and_chart_appear_and_registering_again_replaces(triad):
    def figure(view):
        return TodoFigure(3, [TodoRow("Row one", "/one/", "soon")], view.url("customers:list", filter="all"))

    def data(view):
        return ChartData(labels=["A", "B"], series=[ChartSeries("Things", [1, 2])])

    home_item_register(HomeItem("codes", "Sample things", figure, 35))
    home_item_register(HomeItem("codes", "Things awaiting a look", figure, 35))
    home_chart_register(HomeChart("things", "Things per letter", data, 99))
    try:
        html = triad.client_for(triad.member_a).get(URL, {"mine": "on"}).content.decode()
        assert [item.name for item in home_items()].index("codes") == 3
        assert "Things awaiting a look" in html and "Sample things" not in html
        assert 'data-count="codes">3<' in html and "Row one" in html and "/customers/?filter=all&amp;mine=on" in html
        assert "Things per letter" in html
    finally:
        from console import home

        home._items.pop("codes")
        home._charts.pop("things")
    assert "codes" not in [item.name for item in home_items()]


def test_month_starts():
    assert month_starts(date(2027, 1, 31), back=2, ahead=1) == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]


def test_item_links_carry_managed_by_me(triad, books):
    links = item_links(triad.client_for(triad.member_a).get(URL, {"mine": "on"}))
    assert links == {
        "past_due": "/customers/?filter=past_due&mine=on",
        "ready": "/customers/?filter=ready&mine=on",
        "upcoming": "/renewals/?state=upcoming&mine=on",
        "stale_invitations": "/customers/?filter=all&invitation=stale&mine=on",
        "rc_codes": "/reseller-change/?state=pending&mine=on",
        "failed_orders": "/orders/failed/?mine=on",
    }
