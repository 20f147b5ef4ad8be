"""RC-1…RC-4, RC-8 over the REST API: the same service, the same neutral answer, the same limit; bad
input is an RFC 9457 problem, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from api.models import ApiKey
from api.services import api_key_create
from console.outbox.models import OutboxMessage
from reseller_change.models import ResellerChangeCode
from reseller_change.views import neutral_answer
from tests.api.conftest import api_client
from tests.reseller_change.conftest import code_from_outbox

pytestmark = pytest.mark.unscoped

URL = "/api/v1/reseller-change/codes/"


@pytest.fixture
def keys(takeover):
    """Reseller B's read-write key (`other`, the taking-over side) and a read-only key of B."""

    class Keys:
        other = api_key_create(
            reseller=takeover.triad.reseller_b,
            actor=takeover.triad.member_b.user,
            name="rw",
            role=ApiKey.Role.READ_WRITE,
            expires_at=None,
        )[1]
        read_only = api_key_create(
            reseller=takeover.triad.reseller_b,
            actor=takeover.triad.member_b.user,
            name="ro",
            role=ApiKey.Role.READ_ONLY,
            expires_at=None,
        )[1]

    return Keys


def test_the_url_is_the_named_route():
    assert reverse("api:reseller_change_codes") == URL


def test_right_and_wrong_pairs_get_the_same_answer_and_count_alike(takeover, keys):
    api = api_client(keys.other)  # reseller B's read-write key
    right = api.post(URL, {"vip_id": takeover.customer.vip_id, "admin_email": takeover.owner.email}, format="json")
    wrong = api.post(URL, {"vip_id": takeover.customer.vip_id, "admin_email": "no@harbor.example"}, format="json")
    assert right.status_code == wrong.status_code == 202
    assert right.json()["detail"] == wrong.json()["detail"] == neutral_answer()
    assert (right.json()["left_today"], wrong.json()["left_today"]) == (4, 3)
    assert code_from_outbox(takeover.owner.email)
    assert set(OutboxMessage.objects.values_list("to_email", flat=True)) == {
        takeover.owner.email,
        takeover.second_admin.email,
    }
    listed = api.get(URL).json()
    assert listed["left_today"] == 3
    assert [r["admin_email"] for r in listed["results"]] == ["no@harbor.example", takeover.owner.email]
    assert {r["state"] for r in listed["results"]} == {"pending"}
    assert {r["sent_by"] for r in listed["results"]} == {takeover.triad.member_b.user.email}


def test_the_sixth_code_of_the_day_is_refused_with_a_problem(takeover, keys):
    api = api_client(keys.other)
    for index in range(5):
        response = api.post(
            URL, {"vip_id": takeover.customer.vip_id, "admin_email": f"x{index}@h.example"}, format="json"
        )
        assert response.status_code == 202
    refused = api.post(URL, {"vip_id": takeover.customer.vip_id, "admin_email": "x@h.example"}, format="json")
    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    assert "the most allowed" in refused.json()["detail"]
    assert ResellerChangeCode.objects.count() == 5


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"vip_id": "ABC", "admin_email": "a@b.example"},
        {"vip_id": 12345, "admin_email": "a@b.example"},
        {"vip_id": "ABCDEF0123456789ABCD", "admin_email": "not-an-email"},
        {"vip_id": "ABCDEF0123456789ABCD\u0000", "admin_email": "a@b.example"},
        {"vip_id": "ABCDEF01234\r\n56789ABCD", "admin_email": "a@b.example"},
        {"vip_id": ["ABCDEF0123456789ABCD"], "admin_email": "a@b.example"},
        {"vip_id": "<script>alert(1)</script>", "admin_email": "a@b.example"},
    ],
)
def test_bad_input_is_a_problem_and_uses_no_slot(takeover, keys, body):
    response = api_client(keys.other).post(URL, body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert not ResellerChangeCode.objects.exists()


@pytest.mark.parametrize("query", ["page_size=0", "page_size=abc", "page_size=100000", "cursor=forged", "cursor=%00"])
def test_bad_list_parameters_are_problems(takeover, keys, query):
    response = api_client(keys.other).get(f"{URL}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_the_list_pages_with_a_cursor(takeover, keys):
    api = api_client(keys.other)
    for index in range(3):
        api.post(URL, {"vip_id": takeover.customer.vip_id, "admin_email": f"p{index}@h.example"}, format="json")
    first = api.get(f"{URL}?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"]
    second = api.get(first["next"]).json()
    assert [r["admin_email"] for r in second["results"]] == ["p0@h.example"] and second["next"] is None


def test_a_read_only_key_lists_but_cannot_send(takeover, keys):
    api = api_client(keys.read_only)
    assert api.get(URL).status_code == 200
    assert (
        api.post(URL, {"vip_id": takeover.customer.vip_id, "admin_email": "a@b.example"}, format="json").status_code
        == 403
    )
