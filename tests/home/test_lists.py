"""The lists the home page links to that it added: the customer list's `invitation=stale` refinement
and the failed-orders page (DASH-1), with *Managed by me*, the tenant boundary and bad input (NF-2)."""

from __future__ import annotations

import re

import pytest

from customers.rules import is_invitation_stale
from tests.home.conftest import NOW, list_count


def names(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'class="fw-semibold">([^<]+)</a>', response.content.decode())


def test_stale_invitations_are_pending_for_more_than_14_days(triad, books):
    client = triad.client_for(triad.member_a)
    shown = names(client.get("/customers/", {"invitation": "stale", "mine": "on"}))
    assert shown == ["Stale Invitation Org"]
    assert sorted(names(client.get("/customers/", {"invitation": "stale"}))) == [
        "Admin Stale Invitation Org",
        "Stale Invitation Org",
    ]
    html = client.get("/customers/", {"invitation": "stale", "filter": "no_products"}).content.decode()
    assert "pending for more than 14 days" in html
    assert 'name="invitation" value="stale"' in html  # kept by the search and Managed by me forms
    assert "invitation=stale" in html.split('aria-label="Customer filters"')[1]  # and by the filter tabs


def test_the_stale_rule_is_strictly_more_than_14_days():
    from datetime import timedelta

    assert is_invitation_stale(invitation_status="pending", invited_at=NOW - timedelta(days=14, seconds=1), now=NOW)
    assert not is_invitation_stale(invitation_status="pending", invited_at=NOW - timedelta(days=14), now=NOW)
    assert not is_invitation_stale(invitation_status="accepted", invited_at=NOW - timedelta(days=90), now=NOW)


@pytest.mark.parametrize("value", ["old", "x" * 500, "\x00"])
def test_a_bad_invitation_value_is_ignored(triad, books, value):
    response = triad.client_for(triad.member_a).get("/customers/", {"invitation": value})
    assert response.status_code == 200
    assert "pending for more than 14 days" not in response.content.decode()


def test_the_stale_refinement_applies_to_the_export(triad, books):
    response = triad.client_for(triad.member_a).get("/customers/export.csv", {"invitation": "stale", "mine": "on"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Stale Invitation Org" in body and "Fresh Invitation Org" not in body


def test_failed_orders_page_lists_the_last_30_days_with_managed_by_me(triad, books):
    client = triad.client_for(triad.member_a)
    html = client.get("/orders/failed/").content.decode()
    assert html.count("<tr data-order=") == 2 and "Admin Ready Org" in html and "Bravo" not in html
    assert "Customer inactive" in html
    assert list_count(client, "/orders/failed/?mine=on") == 1
    assert list_count(triad.client_for(triad.member_b), "/orders/failed/") == 1


def test_failed_orders_page_without_any(triad):
    html = triad.client_for(triad.member_a).get("/orders/failed/").content.decode()
    assert "No order failed." in html


@pytest.mark.parametrize("params", [{"page": "abc"}, {"page": "99"}, {"mine": "\x00"}, {"page": "-1"}])
def test_failed_orders_page_bad_input_is_no_error(triad, books, params):
    assert triad.client_for(triad.member_a).get("/orders/failed/", params).status_code == 200
