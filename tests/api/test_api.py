"""API-1, API-2, API-3, API-5: what the endpoints do, that they use the console's rules and services,
that every call by a key is audited with the key as the actor, and that bad input is a problem, never a 500."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from api import serializers as s
from console.audit.models import AuditEvent
from customers import selectors
from customers.models import Customer
from purchase_auth.models import Order
from tests.api.conftest import Keys
from tests.api.test_permissions import INVITE
from tests.factories import CustomerFactory, MembershipFactory, ProductFactory


@pytest.fixture
def product(db):
    return ProductFactory(code="API-T", name="Api Suite")


def test_invite_creates_the_customer_through_the_console_service_and_audits_the_key(triad, keys: Keys, rw):
    response = rw.post(reverse("api:customers"), INVITE, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    customer = Customer.objects.get(vip_id=body["vip_id"])
    assert response["Location"].endswith(reverse("api:customer", kwargs={"vip_id": customer.vip_id}))
    assert body["managed_by"] == triad.admin_a.user.email == customer.managed_by.user.email
    assert body["invitation_status"] == "pending" and body["name_en"] == INVITE["name"]
    event = AuditEvent.objects.get(action="customer.invite", object_id=str(customer.pk))
    assert event.actor_label == keys.read_write_key.label and event.actor == triad.admin_a.user
    assert keys.read_write_key.label.startswith(f"API key {keys.read_write_key.prefix} ")


def test_the_key_label_is_only_for_its_request(triad, keys: Keys, rw, admin_client_a):
    rw.post(reverse("api:customers"), INVITE, format="json")
    console = {**INVITE, "contact_email": "b@api.example", "name": "Other Org", "language": "en"}
    assert admin_client_a.post(reverse("customers:invite"), console).status_code == 302
    event = AuditEvent.objects.filter(action="customer.invite").order_by("-created_at", "-id").first()
    assert event.actor_label == triad.admin_a.user.email


def test_invite_applies_the_console_form_rules(triad, rw):
    response = rw.post(
        reverse("api:customers"),
        {**INVITE, "name": "Кліника", "country": "CU", "postal_code": "x"},
        format="json",
    )
    assert response.status_code == 400
    problem = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert problem["type"].endswith(":validation") and problem["status"] == 400
    assert {"name_en", "country"} <= {error["field"] for error in problem["errors"]}


def test_cust7_is_a_422_problem(triad, rw):
    assert rw.post(reverse("api:customers"), INVITE, format="json").status_code == 201
    response = rw.post(reverse("api:customers"), INVITE, format="json")
    assert response.status_code == 422
    assert response.json()["type"].endswith(":rule-refused")
    assert "primary admin of an organization with exactly this name" in response.json()["detail"]


def test_remove_and_reminder(triad, rw):
    customer = CustomerFactory(managed_by=triad.member_a)
    url = reverse("api:customer", kwargs={"vip_id": customer.vip_id})
    reminder = rw.post(
        reverse("api:customer_reminder", kwargs={"vip_id": customer.vip_id}),
        {"contact_email": "New@Contact.example"},
        format="json",
    )
    assert reminder.status_code == 200 and reminder.json()["contact_email"] == "new@contact.example"
    assert rw.delete(url).status_code == 204
    assert rw.delete(url).status_code == 404  # a removed customer is gone from the API as from the list
    assert rw.get(url).status_code == 404


def test_a_customer_with_products_cannot_be_removed(triad, rw, product):
    customer = CustomerFactory(managed_by=triad.member_a)
    pa_url = reverse("api:purchase_authorizations", kwargs={"vip_id": customer.vip_id})
    assert rw.post(pa_url, {"lines": [{"product": "API-T", "quantity": 2}]}, format="json").status_code == 201
    response = rw.delete(reverse("api:customer", kwargs={"vip_id": customer.vip_id}))
    assert response.status_code == 422


def test_purchase_authorization_order_licences_and_return(triad, rw, product, django_capture_on_commit_callbacks):
    customer = CustomerFactory(managed_by=triad.member_a)
    vip = {"vip_id": customer.vip_id}
    pa = rw.post(
        reverse("api:purchase_authorizations", kwargs=vip),
        {"lines": [{"product": "API-T", "quantity": 3}]},
        format="json",
    )
    assert pa.status_code == 201 and pa.json()["state"] == "pending"
    listed = rw.get(reverse("api:purchase_authorizations", kwargs=vip)).json()
    assert [row["number"] for row in listed] == [pa.json()["number"]]
    licences = rw.get(reverse("api:licences", kwargs=vip)).json()
    assert licences["totals"]["pending"] == 3 and licences["pools"][0]["product"] == "API-T"
    with django_capture_on_commit_callbacks(execute=True):
        placed = rw.post(
            reverse("api:orders", kwargs=vip), {"purchase_authorization": pa.json()["number"]}, format="json"
        )
    assert placed.status_code == 201 and placed.json()["status"] == "open"
    order_url = placed["Location"]
    status = rw.get(order_url).json()
    assert status["status"] == "complete"  # accepted by the Celery task after commit (eager in tests)
    line = status["lines"][0]
    returned = rw.post(
        reverse("api:order_return", kwargs={**vip, "number": status["number"]}),
        {"lines": [{"line": line["id"], "quantity": 1}]},
        format="json",
    )
    assert returned.status_code == 201, returned.content
    assert returned.json()["order"] == status["number"]
    assert rw.get(reverse("api:licences", kwargs=vip)).json()["totals"]["fulfilled"] == 2


def test_cancel_a_purchase_authorization(triad, rw, product):
    customer = CustomerFactory(managed_by=triad.member_a)
    vip = {"vip_id": customer.vip_id}
    pa = rw.post(
        reverse("api:purchase_authorizations", kwargs=vip),
        {"lines": [{"product": "API-T", "quantity": 1}]},
        format="json",
    ).json()
    url = reverse("api:purchase_authorization_cancel", kwargs={**vip, "number": pa["number"]})
    assert rw.post(url).json()["state"] == "cancelled"
    again = rw.post(url)
    assert again.status_code == 422 and "only a pending one can be cancelled" in again.json()["detail"]


def test_an_order_needs_lines_or_a_purchase_authorization_not_both(triad, rw, product):
    customer = CustomerFactory(managed_by=triad.member_a)
    url = reverse("api:orders", kwargs={"vip_id": customer.vip_id})
    assert rw.post(url, {}, format="json").status_code == 400
    both = {"lines": [{"product": "API-T", "quantity": 1}], "purchase_authorization": "PA" + "1" * 18}
    assert rw.post(url, both, format="json").status_code == 400
    unknown_pa = rw.post(url, {"purchase_authorization": "PA" + "1" * 18}, format="json")
    assert unknown_pa.status_code == 422


def test_the_list_uses_the_console_selectors_and_pages_by_cursor(triad, rw):
    """Every sort, both directions, with NULL Anniversary Dates: the pages together are the console's list."""
    today = timezone.localdate()
    for index in range(7):
        CustomerFactory(
            managed_by=triad.member_a if index % 2 else triad.admin_a,
            name=f"Org {index % 3} Cursor",
            anniversary_date=None if index % 3 == 0 else today + timedelta(days=40 + index % 2),
        )
    CustomerFactory(managed_by=MembershipFactory(reseller=triad.reseller_b))  # never listed
    for sort in [*selectors.SORTS, *(f"-{key}" for key in selectors.SORTS)]:
        expected = list(
            selectors.customer_list(
                reseller=triad.reseller_a, on=today, sort=sort.lstrip("-"), descending=sort.startswith("-")
            ).values_list("vip_id", flat=True)
        )
        seen, url = [], reverse("api:customers") + f"?sort={sort}&page_size=3"
        while url:
            page = rw.get(url).json()
            seen += [row["vip_id"] for row in page["results"]]
            url = page["next"]
        assert seen == expected, sort
    page = rw.get(reverse("api:customers") + "?filter=upcoming&mine=true").json()
    assert page["counts"]["all"] == 4  # the key's creator (admin A) manages four
    assert {row["vip_id"] for row in page["results"]} == set(
        selectors.customer_list(
            reseller=triad.reseller_a, on=today, customer_filter="upcoming", managed_by=triad.admin_a
        ).values_list("vip_id", flat=True)
    )
    assert all("upcoming" in row["flags"] for row in page["results"])


def test_list_rows_are_what_the_customer_serializer_says(triad, rw):
    """API-8: the list writes its rows from values() columns; each must equal CustomerSerializer's output
    for the customer instance (the detail endpoint's) for every kind of customer, with the fields the
    serializer declares for the schema."""
    today = timezone.localdate()
    now = timezone.now()
    CustomerFactory(managed_by=triad.member_a, anniversary_date=None)
    CustomerFactory(
        managed_by=triad.admin_a,
        name="Ülrich & Söhne",
        name_en="Ulrich and Sons",
        region="",
        address_line2="Floor 2",
        invitation_status="accepted",
        accepted_at=now - timedelta(days=3, microseconds=17),
        contract_owner=triad.admin_a.user,
        anniversary_date=today + timedelta(days=40),
        anniversary_source="chosen",
        extended_term_months=24,
        has_products=True,
        open_pa_min_due=today - timedelta(days=20),
        open_pa_max_due=today + timedelta(days=5),
        open_pa_min_suspends=today - timedelta(days=1),
        vip_select_level="12",
        three_year_commit_status="committed",
    )
    CustomerFactory(
        managed_by=triad.member_a,
        has_products=True,
        anniversary_date=today - timedelta(days=335),
        renewed_ad=today - timedelta(days=1),
        renewal_shortfall=2,
    )
    CustomerFactory(managed_by=triad.member_a, anniversary_date=today + timedelta(days=10))
    rows = rw.get(reverse("api:customers") + "?sort=created").json()["results"]
    expected = s.CustomerSerializer(
        selectors.customers_visible(reseller=triad.reseller_a).order_by("created_at", "id"),
        many=True,
        context={"on": today},
    ).data
    assert rows == json.loads(json.dumps(expected))
    assert all(list(row) == list(s.CustomerSerializer().fields) for row in rows)
    assert {flag for row in rows for flag in row["flags"]} >= {"no_products", "past_due", "pending", "ready"}


def test_search_uses_the_console_search(triad, rw):
    CustomerFactory(managed_by=triad.member_a, name="Élan Vital Studio")
    CustomerFactory(managed_by=triad.member_a, name="Other Place")
    rows = rw.get(reverse("api:customers") + "?q=elan").json()["results"]
    assert [row["name"] for row in rows] == ["Élan Vital Studio"]


def test_team_products_and_activity(triad, rw, product):
    team = rw.get(reverse("api:team")).json()
    assert {member["email"] for member in team} == {
        m.user.email for m in (triad.primary_a, triad.admin_a, triad.member_a, triad.viewer_a)
    }
    assert [p["code"] for p in rw.get(reverse("api:products")).json()] == ["API-T"]
    activity = rw.get(reverse("api:activity") + "?page_size=1").json()
    assert activity["results"][0]["action"] == "api_key.revoke"  # the fixture's last change
    assert activity["next"]
    second = rw.get(activity["next"]).json()
    assert second["results"][0]["action"] == "api_key.create"


BAD_QUERIES = [
    "?q=a%00bc",
    "?q=" + "x" * 101,
    "?q=ab",
    "?filter=nope",
    "?sort=password",
    "?page_size=0",
    "?page_size=abc",
    "?cursor=forged",
    "?mine=maybe",
    "?q=%FF%FE",
    "?filter=",
    "?cursor=",
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_list_queries_are_problems_not_500s(triad, rw, query):
    response = rw.get(reverse("api:customers") + query)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"]


BAD_INVITES = [
    {**INVITE, "name": "<script>alert(1)</script>"},
    {**INVITE, "name": "Line\r\nBreak Org"},
    {**INVITE, "name": "Nul\x00Org"},
    {**INVITE, "name": "x" * 81},
    {**INVITE, "contact_email": "not-an-email"},
    {**INVITE, "segment": "XXX"},
    {**INVITE, "name": 12345},
    {**INVITE, "name": ["list"]},
    {**INVITE, "anniversary_date": "2020-02-30"},
    {**INVITE, "anniversary_date": str(timezone.localdate() + timedelta(days=3)), "extended_term_months": 99},
    {**INVITE, "city": "'; DROP TABLE customers_customer; --" + "x" * 40},
    {**INVITE, "contact_first_name": "\u202eevil"},
]


@pytest.mark.parametrize("body", BAD_INVITES)
def test_bad_invitations_are_problems_and_nothing_is_saved(triad, rw, body):
    response = rw.post(reverse("api:customers"), body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"]
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b"[]", "application/json", 400),
        (b"name=x", "application/x-www-form-urlencoded", 415),
    ],
)
def test_unreadable_bodies_are_problems(triad, rw, content, content_type, status):
    response = rw.generic("POST", reverse("api:customers"), content, content_type=content_type)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"


def test_bad_lines_are_field_errors(triad, rw, product):
    customer = CustomerFactory(managed_by=triad.member_a)
    url = reverse("api:purchase_authorizations", kwargs={"vip_id": customer.vip_id})
    response = rw.post(
        url, {"lines": [{"product": "API-T", "quantity": 0}, {"product": "NOPE", "quantity": 1}]}, format="json"
    )
    assert response.status_code == 400
    assert {error["field"] for error in response.json()["errors"]} == {"lines.0.quantity", "lines.1.product"}
    duplicate = rw.post(url, {"lines": [{"product": "API-T", "quantity": 1}] * 2}, format="json")
    assert duplicate.status_code == 422  # the service's rule (List each product once)
    assert not Order.objects.exists()


def test_the_list_runs_a_constant_number_of_queries(triad, rw, django_assert_max_num_queries):
    """API-8/NF-4: key look-up, creator's role, the page, the counts' cache version and the counts — not one
    query per row."""
    for _ in range(30):
        CustomerFactory(managed_by=triad.member_a)
    rw.get(reverse("api:customers"))  # the key's last use is written once a minute, not per request
    for query in ("?page_size=5", "?page_size=100", "?q=customer&sort=-managed_by&mine=true"):
        with django_assert_max_num_queries(6):
            assert rw.get(reverse("api:customers") + query).status_code == 200
