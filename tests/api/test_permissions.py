"""NF-1 and API-3 for the API: every API route × {no key, another reseller's key, read-only key,
expired key, revoked key, read-write key}, with the exact status each gets. A route added without an
entry here makes test_every_api_route_is_covered fail."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.urls import get_resolver, reverse

from tests.api.conftest import Keys, api_client
from tests.factories import ProductFactory
from tests.matrix import Kwargs, customer_of_a, invite, order_of_a, pa_of_a, url_names

INVITE = invite(name="Matrix Api Org", contact_email="ann@api-matrix.example")
LINES = {"lines": [{"product": "MATRIX-T", "quantity": 2}]}


@dataclass(frozen=True)
class Route:
    """The methods an API route offers, with the body a write sends and what a read-write key of the
    object's reseller gets. `kwargs` builds URL kwargs naming an object of reseller A (None: a collection)."""

    ok: dict[str, int]  # method → status for the read-write key of reseller A
    kwargs: Kwargs | None = None
    body: dict = field(default_factory=dict)
    admins_only: bool = False  # the console shows it to team admins only (the key's creator's role counts)


ROUTES: dict[str, Route] = {
    "api:customers": Route({"get": 200, "post": 201}, body=INVITE),
    "api:customer": Route({"get": 200, "delete": 204}, kwargs=customer_of_a),
    "api:customer_reminder": Route({"post": 200}, kwargs=customer_of_a),
    "api:purchase_authorizations": Route({"get": 200, "post": 201}, kwargs=customer_of_a, body=LINES),
    "api:purchase_authorization_cancel": Route({"post": 200}, kwargs=pa_of_a),
    "api:orders": Route({"get": 200, "post": 201}, kwargs=customer_of_a, body=LINES),
    "api:order": Route({"get": 200}, kwargs=order_of_a),
    "api:order_return": Route({"post": 400}, kwargs=order_of_a, body={"lines": []}),  # access, not the rule
    "api:licences": Route({"get": 200}, kwargs=customer_of_a),
    "api:renewal": Route({"get": 200}, kwargs=customer_of_a),
    # A customer without an Anniversary Date has nothing to renew: the rule answers (access, not the rule).
    "api:renewal_preview": Route({"post": 422}, kwargs=customer_of_a, body=LINES),
    "api:renewal_orders": Route({"post": 422}, kwargs=customer_of_a, body=LINES),
    "api:auto_renewal": Route({"get": 200, "put": 200}, kwargs=customer_of_a, body={"enabled": True}),
    "api:products": Route({"get": 200}),
    "api:team": Route({"get": 200}),
    "api:activity": Route({"get": 200}, admins_only=True),
    "api:reseller_change_codes": Route(
        {"get": 200, "post": 202}, body={"vip_id": "ABCDEF0123456789ABCD", "admin_email": "it@matrix.example"}
    ),
}
PUBLIC = {"api:schema", "api:docs", "api:redoc"}  # the contract is public (API-4)
CATCH_ALL = {"api:not_found"}  # any other path under /api/v1/: a 404 problem
WRITES = {"post", "put", "patch", "delete"}


def test_every_api_route_is_covered():
    api = {name for name in url_names(get_resolver().url_patterns) if name.startswith("api:")}
    assert api == set(ROUTES) | PUBLIC | CATCH_ALL


CASES = [(name, method) for name, route in ROUTES.items() for method in route.ok]


def _call(client, method: str, url: str, body: dict):
    return getattr(client, method)(url, body, format="json") if method in WRITES else client.get(url)


def _expected(who: str, method: str, route: Route) -> int:
    if who in ("none", "expired", "revoked"):
        return 401
    if who == "read_only":
        return 403 if method in WRITES else 200
    if who == "other":  # reseller B's read-write key: A's objects do not exist for it
        if route.admins_only:
            return 403  # B's key was created by a team member, not an admin
        return 404 if route.kwargs else route.ok[method]
    return route.ok[method]


@pytest.mark.parametrize(("name", "method"), CASES)
@pytest.mark.parametrize("who", ["none", "other", "read_only", "expired", "revoked", "read_write"])
def test_each_key_gets_exactly_what_it_may(triad, keys: Keys, name, method, who):
    ProductFactory(code="MATRIX-T", name="Matrix Suite")
    route = ROUTES[name]
    url = reverse(name, kwargs=route.kwargs(triad) if route.kwargs else None)
    response = _call(api_client(keys.text(who)), method, url, route.body)
    assert response.status_code == _expected(who, method, route), response.content[:500]
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == response.status_code
    if response.status_code == 401:
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_the_contract_and_its_docs_are_public(db, name):
    response = api_client(None).get(reverse(name))
    assert response.status_code == 200
    if name == "api:docs":
        assert b"cdn" not in response.content.lower()
        assert b"drf_spectacular_sidecar/swagger-ui-dist" in response.content
        assert b"<script>" not in response.content  # its start-up script is a file too (CSP without inline)


@pytest.mark.parametrize("path", ["customers/not-a-vip-id/", "nothing/", "customers/ABC/orders/1/", "customers/%0Ax/"])
def test_other_api_paths_are_404_problems(db, path):
    response = api_client(None).get(f"/api/v1/{path}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_method_a_route_does_not_offer_is_405_for_a_key(triad, keys: Keys):
    response = api_client(keys.read_write).put(reverse("api:customers"), {}, format="json")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"


def test_a_key_stops_working_when_its_creator_leaves_the_team(triad, keys: Keys):
    client = api_client(keys.read_write)
    assert client.get(reverse("api:team")).status_code == 200
    triad.admin_a.status = "removed"
    triad.admin_a.save()
    assert client.get(reverse("api:team")).status_code == 401


def test_a_read_write_key_of_a_creator_now_a_viewer_only_reads(triad, keys: Keys):
    triad.admin_a.role = "viewer"
    triad.admin_a.save()
    client = api_client(keys.read_write)
    assert client.get(reverse("api:customers")).status_code == 200
    assert client.post(reverse("api:customers"), INVITE, format="json").status_code == 403


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer rck_", "Bearer rck_nope_nope", "Bearer \u00e9"])
def test_a_malformed_or_unknown_key_is_401(db, header):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.encode().decode("latin-1"))
    assert client.get(reverse("api:team")).status_code == 401


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("member", 403), ("viewer", 403)])
def test_the_activity_log_answers_only_keys_of_team_admins_as_in_the_console(triad, keys: Keys, role, status):
    """AUD-2: the console shows the activity log to team admins only (console_view read=TEAM_ADMINS);
    a key reaches it only while its creator has one of those roles — read-only or read-write alike."""
    triad.admin_a.role = role
    triad.admin_a.save()
    for text in (keys.read_write, keys.read_only):
        response = api_client(text).get(reverse("api:activity"))
        assert response.status_code == status
        if status == 403:
            assert response["Content-Type"] == "application/problem+json"
            assert "must be an admin of the team" in response.json()["detail"]
        assert api_client(text).get(reverse("api:team")).status_code == 200  # other reads still answer
    console = triad.client_for(triad.admin_a).get(reverse("console:activity"))
    assert console.status_code == status  # the same answer as the console's own page
