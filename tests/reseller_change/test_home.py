"""DASH-1: the home page's "Reseller-change codes awaiting use" and the sent-codes list it links to
(?state=pending, ?mine=on): the same codes, only the reseller's own, bad filters never an error."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from console.home import HomeView
from reseller_change.home import codes_figure, expires_in
from reseller_change.models import CodeState
from tests.factories import ResellerChangeCodeFactory
from tests.home.conftest import chart_rows, item_counts, list_count
from tests.reseller_change.conftest import code_from_outbox


def _code(sent_by, hours_ago: int, state: str = CodeState.PENDING, email: str = "a@x.example"):
    sent_at = timezone.now() - timedelta(hours=hours_ago)
    return ResellerChangeCodeFactory(sent_by=sent_by, customer=None, admin_email=email, sent_at=sent_at, state=state)


@pytest.fixture
def codes(triad):
    mine = [_code(triad.member_a, 70, email="soon@x.example"), _code(triad.member_a, 2)]
    _code(triad.admin_a, 5)  # pending, sent by a colleague
    _code(triad.member_a, 73)  # past its expiry, not marked yet by the periodic job
    _code(triad.member_a, 80, CodeState.EXPIRED)
    _code(triad.member_a, 3, CodeState.USED)
    _code(triad.member_a, 4, CodeState.INVALIDATED)
    _code(triad.member_b, 1)  # another reseller's pending code: never counted
    return mine


def _view(triad, *, mine: bool) -> HomeView:
    return HomeView(triad.reseller_a, triad.member_a, timezone.localdate(), mine)


def test_the_figure_counts_the_resellers_pending_codes_and_mine_counts_those_i_sent(triad, codes):
    everyone = codes_figure(_view(triad, mine=False))
    assert everyone.count == 3
    assert everyone.url == "/reseller-change/?state=pending"
    mine = codes_figure(_view(triad, mine=True))
    assert mine.count == 2 and mine.url == "/reseller-change/?state=pending&mine=on"
    # the first to expire first, with the time left; a code with a day or less left is urgent
    assert [(row.label.split(" · ")[1], row.note, row.urgent) for row in mine.rows] == [
        ("soon@x.example", "Expires in 2 hours", True),
        ("a@x.example", "Expires in 3 days", False),
    ]


@pytest.mark.parametrize("mine", [False, True])
def test_the_home_count_equals_the_filtered_lists_count(triad, codes, mine):
    client = triad.client_for(triad.member_a)
    params = {"mine": "on"} if mine else {}
    counts = item_counts(client.get("/", params))
    link = "/reseller-change/?state=pending" + ("&mine=on" if mine else "")
    assert counts["rc_codes"] == list_count(client, link) == (2 if mine else 3)


def test_another_resellers_member_counts_only_their_own(triad, codes):
    client = triad.client_for(triad.member_b)
    assert item_counts(client.get("/"))["rc_codes"] == 1
    assert list_count(client, "/reseller-change/?state=pending") == 1
    assert list_count(client, "/reseller-change/") == 1


@pytest.mark.parametrize(("state", "count"), [("expired", 2), ("used", 1), ("invalidated", 1), ("", 7)])
def test_the_list_filters_by_each_state(triad, codes, state, count):
    html_count = list_count(triad.client_for(triad.member_a), f"/reseller-change/?state={state}")
    assert html_count == count


@pytest.mark.parametrize("bad", ["bogus", "PENDING'--", "x" * 5000, "\x00"])
def test_a_bad_state_is_ignored_and_said(triad, codes, bad):
    response = triad.client_for(triad.member_a).get("/reseller-change/", {"state": bad, "page": "zz"})
    assert response.status_code == 200
    assert "data-state-ignored" in response.content.decode()
    assert list_count(triad.client_for(triad.member_a), "/reseller-change/?state=bogus") == 7


def test_a_filter_with_nothing_says_so(triad):
    _code(triad.admin_a, 2)
    html = triad.client_for(triad.member_a).get("/reseller-change/", {"state": "pending", "mine": "on"})
    assert "No code you sent matches this filter." in html.content.decode()


@pytest.mark.parametrize(
    ("left", "said"),
    [
        (timedelta(minutes=5), "Expires in 1 hour"),
        (timedelta(hours=1, minutes=1), "Expires in 2 hours"),
        (timedelta(hours=47), "Expires in 47 hours"),
        (timedelta(hours=48), "Expires in 2 days"),
        (timedelta(hours=49), "Expires in 3 days"),
    ],
)
def test_expires_in(left, said):
    assert expires_in(left) == said


@pytest.mark.django_db(transaction=True)
def test_a_transfer_shows_in_the_churn_chart_at_once(takeover):
    """The churn chart's transfers are cached with the customer-row figures (committed here, so the
    cache is used): the move of the customer's row raises the old reseller's version in the same
    transaction as the transfer is written."""
    from django.core.cache import cache

    cache.clear()
    client = takeover.triad.client_for(takeover.triad.member_a)
    before = chart_rows(client.get("/"), "new_and_lost")
    assert chart_rows(client.get("/"), "new_and_lost") == before
    takeover.send()
    assert takeover.enter(code_from_outbox(takeover.owner.email), confirm=True).status_code == 302
    after = chart_rows(client.get("/"), "new_and_lost")
    assert after[-1][2][3] == str(int(before[-1][2][3]) + 1)  # new, lapsed, removed, transferred away
    cache.clear()
    assert chart_rows(client.get("/"), "new_and_lost") == after
