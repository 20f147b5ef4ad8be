"""LIST-1…LIST-8: filters with counts, Managed by me, search, sort, pagination, tenancy, empty states.
Filters are tested with state set directly and the clock moved: no periodic job runs here."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from customers.rules import READY_STATES, CustomerFilter, customer_flags_for, filter_q, renewal_state_for, suspended_q
from customers.selectors import customer_counts, customer_list
from tests.factories import CustomerFactory

TODAY = date(2026, 6, 15)


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def names(response) -> list[str]:
    return [html.unescape(n) for n in re.findall(r"class=\"fw-semibold\">([^<]+)</a>", response.content.decode())]


def counts(response) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', response.content.decode())}


def test_each_filter_shows_exactly_its_customers_with_counts(triad, member_client, frozen):
    CustomerFactory(managed_by=triad.member_a, name="Fresh Invite")
    CustomerFactory(
        managed_by=triad.member_a, name="Pending PA", has_products=True, open_pa_min_due=TODAY, open_pa_max_due=TODAY
    )
    CustomerFactory(
        managed_by=triad.member_a,
        name="Late PA",
        has_products=True,
        open_pa_min_due=TODAY - timedelta(days=1),
        open_pa_max_due=TODAY - timedelta(days=1),
    )
    CustomerFactory(
        managed_by=triad.member_a,
        name="Both PAs",
        has_products=True,
        open_pa_min_due=TODAY - timedelta(days=3),
        open_pa_max_due=TODAY + timedelta(days=5),
    )
    CustomerFactory(
        managed_by=triad.member_a, name="Renews Soon", has_products=True, anniversary_date=TODAY + timedelta(days=45)
    )
    CustomerFactory(
        managed_by=triad.member_a, name="Renew Now", has_products=True, anniversary_date=TODAY + timedelta(days=30)
    )
    CustomerFactory(
        managed_by=triad.member_a, name="In Grace", has_products=True, anniversary_date=TODAY - timedelta(days=30)
    )
    CustomerFactory(
        managed_by=triad.member_a, name="Lapsed", has_products=True, anniversary_date=TODAY - timedelta(days=31)
    )
    CustomerFactory(
        managed_by=triad.member_a, name="Far Away", has_products=True, anniversary_date=TODAY + timedelta(days=46)
    )
    CustomerFactory(managed_by=triad.member_b, name="Other Reseller")
    expected = {
        "no_products": ["Fresh Invite"],
        "pending": ["Both PAs", "Pending PA"],
        "past_due": ["Both PAs", "Late PA"],
        "upcoming": ["Renews Soon"],
        "ready": ["In Grace", "Renew Now"],
        "all": sorted(
            [
                "Fresh Invite",
                "Pending PA",
                "Late PA",
                "Both PAs",
                "Renews Soon",
                "Renew Now",
                "In Grace",
                "Lapsed",
                "Far Away",
            ]
        ),
    }
    for value, shown in expected.items():
        response = member_client.get(reverse("customers:list"), {"filter": value})
        assert names(response) == shown, value
        assert counts(response) == {k: len(v) for k, v in expected.items()}


@pytest.mark.parametrize(
    ("days_ahead", "state"),
    [(46, None), (45, "upcoming"), (31, "upcoming"), (30, "ready"), (0, "ready"), (-30, "ready"), (-31, None)],
)
def test_renewal_filters_change_the_moment_the_date_changes(triad, days_ahead, state):
    """The customer's Anniversary Date is fixed; only the clock moves."""
    anniversary = date(2027, 1, 31)
    CustomerFactory(managed_by=triad.member_a, name="Clockwork", has_products=True, anniversary_date=anniversary)
    with time_machine.travel(anniversary - timedelta(days=days_ahead), tick=False):
        member_client = triad.client_for(triad.member_a)  # signed in at that moment
        for value in ("upcoming", "ready"):
            shown = names(member_client.get(reverse("customers:list"), {"filter": value}))
            assert (shown == ["Clockwork"]) == (value == state), (value, days_ahead)


def test_a_pending_request_becomes_past_due_the_day_after_its_due_date(triad, member_client):
    due = date(2026, 2, 28)
    CustomerFactory(
        managed_by=triad.member_a,
        name="Due Soon",
        has_products=True,
        open_pa_min_due=due,
        open_pa_max_due=due,
        open_pa_min_suspends=due + timedelta(days=47),
    )
    with time_machine.travel(due, tick=False):
        assert names(member_client.get(reverse("customers:list"), {"filter": "pending"})) == ["Due Soon"]
        assert names(member_client.get(reverse("customers:list"), {"filter": "past_due"})) == []
    with time_machine.travel(due + timedelta(days=1), tick=False):
        assert names(member_client.get(reverse("customers:list"), {"filter": "pending"})) == []
        page = member_client.get(reverse("customers:list"), {"filter": "past_due"})
        assert names(page) == ["Due Soon"] and "Overdue" in page.content.decode()
    with time_machine.travel(due + timedelta(days=46), tick=False):
        assert "Suspended" not in member_client.get(reverse("customers:list"), {"filter": "past_due"}).content.decode()
    with time_machine.travel(due + timedelta(days=47), tick=False):
        assert "Suspended" in member_client.get(reverse("customers:list"), {"filter": "past_due"}).content.decode()


@pytest.mark.parametrize("offset", range(-70, 70, 3))
def test_python_flags_and_sql_filters_agree(triad, offset):
    """One rule, two evaluations (badge in Python, filter in SQL): they must never disagree."""
    customer = CustomerFactory(
        managed_by=triad.member_a,
        has_products=offset % 2 == 0,
        anniversary_date=TODAY + timedelta(days=offset),
        open_pa_min_due=TODAY + timedelta(days=offset // 2),
        open_pa_max_due=TODAY + timedelta(days=offset),
        open_pa_min_suspends=TODAY + timedelta(days=offset // 2 + 47),
    )
    flags = customer_flags_for(customer, TODAY)
    rows = type(customer).objects.filter(pk=customer.pk)
    for value in CustomerFilter.values:
        if value == CustomerFilter.ALL:
            continue
        assert rows.filter(filter_q(value, TODAY)).exists() == flags[value], value
    suspended = rows.filter(suspended_q(TODAY, suspends_on="open_pa_min_suspends")).exists()
    assert suspended == flags["suspended"]


def test_ready_for_renewal_is_exactly_its_three_states_on_every_day(triad):
    """The filter's SQL writes *ready* and *in grace* as one range of the AD: day by day across both windows, it
    holds exactly the customers whose state is ready, in grace or partially renewed."""
    anniversary = date(2026, 9, 1)
    next_year = date(2027, 9, 1)
    customers = [
        CustomerFactory(managed_by=triad.member_a, has_products=True, anniversary_date=anniversary),
        CustomerFactory(managed_by=triad.member_a, has_products=True, anniversary_date=None),
        *(
            CustomerFactory(
                managed_by=triad.member_a,
                has_products=True,
                anniversary_date=next_year,
                renewed_ad=anniversary,
                renewal_shortfall=shortfall,
            )
            for shortfall in (0, 2)
        ),
    ]
    for offset in range(-40, 41):
        on = anniversary + timedelta(days=offset)
        expected = {c.pk for c in customers if renewal_state_for(c, on) in READY_STATES}
        assert set(Customer.objects.filter(filter_q(CustomerFilter.READY, on)).values_list("pk", flat=True)) == (
            expected
        ), offset


def test_a_filtered_page_writes_its_filter_once(triad, member_client, frozen):
    """NF-4: the page's rows are fetched by the ids the filter chose; the filter is not written (compiled,
    planned) a second time around them."""
    CustomerFactory(managed_by=triad.member_a, name="Renew Now", has_products=True, anniversary_date=TODAY)
    with CaptureQueriesContext(connection) as captured:
        response = member_client.get(reverse("customers:list"), {"filter": "ready", "mine": "on"})
    assert names(response) == ["Renew Now"]
    (page,) = [q["sql"] for q in captured if '"customers_customer"."vip_id"' in q["sql"]]
    assert page.count('"anniversary_date" BETWEEN') == 1
    assert len(re.findall(r'"managed_by_id" = \d', page)) == 1


def test_a_filtered_mine_page_reads_the_members_own_index_entries_alone(triad):
    """NF-4: customer_list_mine holds the filters' columns, so "Managed by me" with a filter walks the member's
    own entries in name order, index only, rather than every customer of the reseller (customer_list_name).
    Sequential, plain index and bitmap scans are off: a few test rows would be read otherwise."""
    CustomerFactory(managed_by=triad.member_a, has_products=True, anniversary_date=TODAY)
    ids = customer_list(
        reseller=triad.reseller_a, on=TODAY, customer_filter=CustomerFilter.READY, managed_by=triad.member_a
    ).values("pk")[:25]
    sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_indexscan", "enable_bitmapscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using customer_list_mine " in plan, plan
    assert "Sort" not in plan, plan


def test_managed_by_me_narrows_every_filter_and_its_counts(triad, member_client, frozen):
    CustomerFactory(managed_by=triad.member_a, name="Mine")
    CustomerFactory(managed_by=triad.admin_a, name="Colleague's")
    everyone = member_client.get(reverse("customers:list"))
    mine = member_client.get(reverse("customers:list"), {"mine": "on"})
    assert names(everyone) == ["Colleague's", "Mine"] and counts(everyone)["all"] == 2
    assert names(mine) == ["Mine"] and counts(mine)["all"] == 1 and counts(mine)["no_products"] == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("рога", ["Рога і Копита"]),  # Cyrillic, case-insensitive
        ("ROGA", ["Рога і Копита"]),  # the English name
        ("muller", ["Müller & Söhne"]),  # accent-insensitive
        ("MÜLLER", ["Müller & Söhne"]),
        ("boss@muller", ["Müller & Söhne"]),  # contact email
        ("nothing-like-this", []),
    ],
)
def test_search_covers_names_vip_id_and_email(triad, member_client, query, expected):
    CustomerFactory(managed_by=triad.member_a, name="Рога і Копита", name_en="Roga i Kopyta")
    CustomerFactory(
        managed_by=triad.member_a,
        name="Müller & Söhne",
        name_en="Mueller and Soehne",
        contact_email="boss@muller.example",
    )
    CustomerFactory(managed_by=triad.member_b, name="Рога Elsewhere")
    assert names(member_client.get(reverse("customers:list"), {"q": query})) == expected


def test_search_by_vip_id(triad, member_client):
    customer = CustomerFactory(managed_by=triad.member_a)
    CustomerFactory(managed_by=triad.member_a)
    assert names(member_client.get(reverse("customers:list"), {"q": customer.vip_id.lower()})) == [customer.name]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Org A", "Org B", "Org C"]),
        ("vip_id", ["Org B", "Org C", "Org A"]),
        ("segment", ["Org A", "Org C", "Org B"]),  # COM, EDU, GOV
        ("type", ["Org B", "Org A", "Org C"]),  # ENTERPRISE, then TEAM by name
        ("anniversary", ["Org B", "Org A", "Org C"]),
        ("managed_by", ["Org C", "Org B", "Org A"]),  # a@…, m@…, z@…
        ("status", ["Org C", "Org A", "Org B"]),  # accepted, then pending by name
        ("vip_select", ["Org A", "Org C", "Org B"]),  # "", "02", "04"
        ("created", ["Org C", "Org B", "Org A"]),
    ],
)
def test_every_column_sorts_both_ways(triad, member_client, sort, expected):
    """Every column holds values whose order differs from the name order, so each sort shows."""
    triad.member_a.user.email, triad.admin_a.user.email, triad.primary_a.user.email = (
        "zed@alpha.example",
        "mia@alpha.example",
        "ada@alpha.example",
    )
    for membership in (triad.member_a, triad.admin_a, triad.primary_a):
        membership.user.save()
    for name, segment, type_, days, managed_by, status, level, vip_id, created in [
        ("Org C", "EDU", "TEAM", 30, triad.primary_a, "accepted", "02", "2" * 20, 1),
        ("Org A", "COM", "TEAM", 20, triad.member_a, "pending", "", "3" * 20, 3),
        ("Org B", "GOV", "ENTERPRISE", 10, triad.admin_a, "pending", "04", "1" * 20, 2),
    ]:
        CustomerFactory(
            managed_by=managed_by,
            name=name,
            segment=segment,
            type=type_,
            anniversary_date=TODAY + timedelta(days=days),
            invitation_status=status,
            vip_select_level=level,
            vip_id=vip_id,
            created_at=timezone.now() + timedelta(hours=created),
        )
    assert names(member_client.get(reverse("customers:list"), {"sort": sort})) == expected
    assert names(member_client.get(reverse("customers:list"), {"sort": f"-{sort}"})) == list(reversed(expected))


def test_pagination_keeps_the_state_in_the_url(triad, member_client):
    for index in range(30):
        CustomerFactory(managed_by=triad.member_a, name=f"Paged {index:02d}")
    first = member_client.get(reverse("customers:list"), {"filter": "no_products", "sort": "-name"})
    assert names(first)[0] == "Paged 29" and len(names(first)) == 25
    body = first.content.decode()
    assert "page=2" in body and "filter=no_products" in body and "sort=-name" in body
    second = member_client.get(reverse("customers:list"), {"filter": "no_products", "sort": "-name", "page": 2})
    assert names(second) == [f"Paged {i:02d}" for i in range(4, -1, -1)]
    assert len(names(member_client.get(reverse("customers:list"), {"per_page": 50}))) == 30


def test_the_list_uses_a_constant_number_of_queries(triad, member_client):
    def query_count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert member_client.get(reverse("customers:list"), {"filter": "all"}).status_code == 200
        return len(captured)

    CustomerFactory(managed_by=triad.member_a)
    few = query_count()
    for _ in range(30):
        CustomerFactory(managed_by=triad.admin_a)
    assert query_count() == few


def test_another_resellers_customers_are_invisible(triad, member_client):
    theirs = CustomerFactory(managed_by=triad.member_b, name="Bravo's Customer")
    page = member_client.get(reverse("customers:list"), {"q": "Bravo"})
    assert names(page) == []
    assert member_client.get(reverse("customers:detail", args=[theirs.vip_id])).status_code == 404
    with_scope = customer_list(reseller=triad.reseller_a, on=TODAY)
    assert theirs not in with_scope
    assert customer_counts(reseller=triad.reseller_a, on=TODAY)["all"] == 0


def test_the_empty_list_explains_what_to_do(triad, member_client):
    body = member_client.get(reverse("customers:list")).content.decode()
    assert "No customers yet" in body and reverse("customers:invite") in body
    CustomerFactory(managed_by=triad.member_a, has_products=True)
    body = member_client.get(reverse("customers:list"), {"filter": "past_due"}).content.decode()
    assert "No customers are in this list right now" in body


def test_viewers_see_the_list_but_no_add_button(triad):
    body = triad.client_for(triad.viewer_a).get(reverse("customers:list")).content.decode()
    assert reverse("customers:invite") not in body


def test_htmx_requests_get_only_the_results(triad, member_client):
    CustomerFactory(managed_by=triad.member_a, name="Partial")
    response = member_client.get(reverse("customers:list"), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Partial" in body and "<html" not in body


def test_the_details_show_every_overview_field_and_the_history(triad, member_client):
    customer = CustomerFactory(
        managed_by=triad.member_a,
        name="Detail Org",
        country="UA",
        region="UA-30",
        postal_code="01001",
        anniversary_date=TODAY + timedelta(days=200),
        anniversary_source="chosen",
        extended_term_months=24,
    )
    body = member_client.get(reverse("customers:detail", args=[customer.vip_id])).content.decode()
    for text in [
        customer.vip_id,
        "Ann Lee",
        customer.contact_email,
        "Kyiv",
        "Ukraine",
        "Pending",
        "Send reminder",
        "Team",
        "Commercial",
        "Chosen at invitation",
        "24 months",
        triad.member_a.user.get_full_name(),
        "VIP Select",
        "three-year commit",
    ]:
        assert text in body, text
    from customers import services

    services.customer_reminder_send(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, email="n@x.example"
    )
    history = member_client.get(
        reverse("customers:detail", args=[customer.vip_id]), {"tab": "history"}
    ).content.decode()
    assert "Invitation reminder sent" in history and "n@x.example" in history
    assert "customer.reminder" not in history.replace('data-action="customer.reminder"', "")
    for tab in ("plans", "orders"):
        assert member_client.get(reverse("customers:detail", args=[customer.vip_id]), {"tab": tab}).status_code == 200


def test_a_search_shorter_than_three_characters_is_ignored_and_says_so(triad, member_client):
    CustomerFactory(managed_by=triad.member_a, name="Alpha Org")
    CustomerFactory(managed_by=triad.member_a, name="Beta Org")
    response = member_client.get(reverse("customers:list"), {"q": "al"})
    assert names(response) == ["Alpha Org", "Beta Org"]
    assert "at least 3 characters" in response.content.decode()


def test_a_whole_email_address_finds_that_contact(triad, member_client):
    CustomerFactory(managed_by=triad.member_a, name="Exact", contact_email="ann@lee.example")
    CustomerFactory(managed_by=triad.member_a, name="Longer", contact_email="joann@lee.example")
    assert names(member_client.get(reverse("customers:list"), {"q": "ANN@lee.example"})) == ["Exact"]
    assert names(member_client.get(reverse("customers:list"), {"q": "ann@lee"})) == ["Exact", "Longer"]


def test_search_results_page_and_count_in_one_pass(triad, member_client):
    for index in range(30):
        CustomerFactory(managed_by=triad.member_a, name=f"Searchable {index:02d}")
    CustomerFactory(managed_by=triad.member_a, name="Other")
    first = member_client.get(reverse("customers:list"), {"q": "searchable", "sort": "-name"})
    assert first.context["page"].paginator.count == 30
    assert names(first)[0] == "Searchable 29" and len(names(first)) == 25
    second = member_client.get(reverse("customers:list"), {"q": "searchable", "sort": "-name", "page": 2})
    assert names(second) == [f"Searchable {i:02d}" for i in range(4, -1, -1)]
    beyond = member_client.get(reverse("customers:list"), {"q": "searchable", "sort": "-name", "page": 9})
    assert beyond.context["page"].number == 2 and names(beyond) == names(second)

    def query_count(params) -> int:
        with CaptureQueriesContext(connection) as captured:
            member_client.get(reverse("customers:list"), params)
        return len(captured)

    # One pass over the matches (the page's ids and the total), then the page's rows by id: constant.
    searched = query_count({"q": "searchable"})
    assert searched == query_count({"filter": "all"}) + 1
    for index in range(30, 60):
        CustomerFactory(managed_by=triad.member_a, name=f"Searchable {index:02d}")
    assert query_count({"q": "searchable"}) == searched


def test_the_pass_over_the_matches_joins_nothing_only_the_page_rows_do(triad, member_client):
    """NF-4: the query that finds a page's ids (and a search's total) passes over every candidate row, so it
    reads the customer table alone; the manager's name is joined for the page's rows only."""
    for index in range(3):
        CustomerFactory(managed_by=triad.member_a, name=f"Searchable {index}")

    def statements(params) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert member_client.get(reverse("customers:list"), params).status_code == 200
        return [q["sql"] for q in captured if re.search(r'OVER \(\)|"customers_customer"\."vip_id"', q["sql"])]

    *passes, rows = statements({"q": "searchable"})
    assert [sql for sql in passes if "OVER ()" in sql], passes
    assert all("JOIN" not in sql for sql in passes)
    assert "accounts_user" in rows and "JOIN" in rows
    (page,) = statements({"filter": "all"})
    ids = page[page.index("IN (SELECT") :]
    assert "JOIN" not in ids and "accounts_user" in page
