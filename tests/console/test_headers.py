"""NF-5: every response of the application carries a Content-Security-Policy without inline scripts,
and `Cache-Control: no-store` (console and portal pages, exports, the API, answers to POSTs); no page
has an inline script, an on…= handler or a style attribute the policy would block. The pages are the
permission matrix's URL list and more (tests/pages.py)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from api.services import api_key_create
from tests.console.test_permissions import CONSOLE_URLS
from tests.factories import CustomerFactory
from tests.pages import every_page, fetch


def csp_directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_headers(response, what: str) -> None:
    assert "no-store" in response.headers.get("Cache-Control", ""), f"{what}: {response.headers.get('Cache-Control')}"
    policy = csp_directives(response)
    assert policy.get("default-src") == ["'self'"], what
    assert policy.get("script-src") == ["'self'"], f"{what}: {policy}"
    assert policy.get("object-src") == ["'none'"] and policy.get("frame-ancestors") == ["'none'"], what


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' blocks: inline <script> (json_script's
    application/json is data, not a script), on…= attributes, style attributes and <style> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        self.found.extend(f"<{tag} {name}=…>" for name, _v in attrs if name.startswith("on") or name == "style")


def test_every_page_has_the_policy_no_store_and_no_inline_code(triad):
    clients: dict = {}
    seen = 0
    for visit in every_page(triad):
        response = fetch(visit, clients)
        assert response.status_code == visit.status, (visit.name, response.status_code)
        assert_headers(response, visit.name)
        if response["Content-Type"].startswith("text/html"):
            parser = InlineCode()
            parser.feed(response.content.decode())
            assert not parser.found, f"{visit.name}: {parser.found}"
            seen += 1
    assert seen > 40


@pytest.mark.parametrize("name", [n for n, case in CONSOLE_URLS.items() if case.post is not None])
def test_every_post_answer_is_no_store_with_the_policy(triad, name):
    case = CONSOLE_URLS[name]
    url = reverse(name, kwargs=case.kwargs(triad) if case.kwargs else None)
    response = triad.client_for(triad.primary_a).post(url, case.post_data)
    assert response.status_code in (200, 302), response.status_code
    assert_headers(response, name)


@pytest.mark.parametrize("name", ["customers:export", "renewal_pages:export"])
def test_exports_are_no_store(triad, name):
    CustomerFactory(managed_by=triad.member_a)
    response = triad.client_for(triad.member_a).get(reverse(name))
    assert response.status_code == 200
    assert_headers(response, name)


def test_the_activity_csv_and_the_region_partial_are_no_store(triad):
    client = triad.client_for(triad.admin_a)
    assert_headers(client.get(reverse("console:activity"), {"format": "csv"}), "activity csv")
    assert_headers(
        client.get(reverse("customers:regions"), {"country": "UA"}, headers={"HX-Request": "true"}), "regions"
    )


def test_api_answers_are_no_store(triad):
    _key, text = api_key_create(
        reseller=triad.reseller_a, actor=triad.admin_a.user, name="Headers", role="read_only", expires_at=None
    )
    client = triad.client_for(None)
    auth = {"Authorization": f"Bearer {text}"}
    for url in (reverse("api:customers"), reverse("api:team"), reverse("api:activity")):
        response = client.get(url, headers=auth)
        assert response.status_code == 200
        assert_headers(response, url)
    assert_headers(client.get(reverse("api:customers")), "API 401")


def test_a_view_cannot_make_a_page_cacheable(rf):
    from django.http import HttpResponse

    from console.headers import NoStoreMiddleware

    def view(request):
        response = HttpResponse("tenant data")
        response["Cache-Control"] = "public, max-age=3600"
        return response

    assert NoStoreMiddleware(view)(rf.get("/"))["Cache-Control"] == "no-store"


def test_the_api_docs_keep_scripts_strict():
    from django.test import Client

    for name in ("api:docs", "api:redoc"):
        response = Client().get(reverse(name))
        assert response.status_code == 200
        policy = csp_directives(response)
        assert policy["script-src"] == ["'self'"], name
