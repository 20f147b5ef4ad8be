"""DASH-2: the figures equal the list counts. For a book of customers across every state, each to-do
item's count equals the count of the list it links to, and each chart bar that links to a list equals
that list's count — both pages rendered with the test client, with and without *Managed by me*."""

from __future__ import annotations

import re

import pytest

from tests.home.conftest import chart_rows, item_counts, item_links, list_count

URL = "/"


@pytest.mark.parametrize("mine", [False, True])
def test_each_item_count_equals_the_list_it_links_to(triad, books, mine):
    client = triad.client_for(triad.member_a)
    response = client.get(URL, {"mine": "on"} if mine else {})
    counts, links = item_counts(response), item_links(response)
    assert set(counts) == set(links) and len(counts) == 5
    for name, link in links.items():
        assert ("mine=on" in link) == mine
        assert counts[name] > 0, name  # a seeded book: no item may pass by being empty on both pages
        assert list_count(client, link) == counts[name], (name, link)


@pytest.mark.parametrize("mine", [False, True])
@pytest.mark.parametrize("chart", ["customers_by_state", "renewal_pipeline"])
def test_each_chart_bar_equals_the_list_it_links_to(triad, books, mine, chart):
    client = triad.client_for(triad.member_a)
    rows = chart_rows(client.get(URL, {"mine": "on"} if mine else {}), chart)
    assert rows and sum(int(cells[0]) for _label, _link, cells in rows) > 0
    for label, link, cells in rows:
        assert list_count(client, link) == int(cells[0]), (label, link)


@pytest.mark.parametrize("mine", [False, True])
def test_the_pipeline_value_equals_the_renewals_pages_month_totals(triad, books, mine):
    client = triad.client_for(triad.member_a)
    params = {"mine": "on"} if mine else {}
    rows = chart_rows(client.get(URL, params), "renewal_pipeline")
    page = client.get("/renewals/", params).content.decode()
    for _label, link, (customers, value) in rows:
        month = re.search(r"month=([\d-]+)", link).group(1)
        row = re.search(rf'data-month="{month}".*?data-customers>(\d+)<.*?data-value>([^<]*)<', page, re.S)
        assert row and (row.group(1), row.group(2)) == (customers, value), month
