"""Issue 11 / NF-4 for the API: GET /api/v1/customers/ for the big reseller (200,000 customers) with a
key of its team member, in-process through Django's test client (authentication, rate limit, the
console's selectors, serialisation) and measured like the customer page (bench.listpage): p50/p95 per
variant against the list figure (≤ 100 ms p95 at the server). The key is created for the run and
revoked after it; the rate limit is lifted for the run only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.test import Client, override_settings
from django_scopes import scopes_disabled

from api.models import ApiKey
from api.services import api_key_create, api_key_revoke
from bench.listpage import TARGET_MS, Variant, measure
from console.accounts.models import User

URL = "/api/v1/customers/"


@dataclass
class ApiVariant(Variant):
    @property
    def url(self) -> str:
        return f"{URL}?{urlencode(self.params)}" if self.params else URL


def variants(cursor: dict[str, str]) -> list[ApiVariant]:
    return [
        ApiVariant("api", "first page", {}),
        ApiVariant("api", "filter=ready", {"filter": "ready"}),
        ApiVariant("api", "filter=upcoming mine", {"filter": "upcoming", "mine": "true"}),
        ApiVariant("api", "q=harbor", {"q": "harbor"}),
        ApiVariant("api", "sort=-anniversary page_size=100", {"sort": "-anniversary", "page_size": "100"}),
        ApiVariant("api", "next page (cursor)", cursor),
    ]


def _next_params(client: Client) -> dict[str, str]:
    """The query of the first page's `next` link (a keyset cursor), or no parameters when there is none."""
    response = client.get(URL)
    if response.status_code != 200:
        raise RuntimeError(f"GET {URL} answered {response.status_code}")
    link = response.json()["next"]
    return dict(parse_qsl(urlsplit(link).query)) if link else {}


def targets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    worst = max(results, key=lambda r: r["p95_ms"])
    passing = sum(r["ok"] for r in results)
    return [
        {
            "name": f"customer list API p95 ≤ {TARGET_MS:.0f} ms",
            "pass": passing == len(results),
            "measured": f"{passing}/{len(results)} variants pass; worst {worst['label']} p95 {worst['p95_ms']:.0f} ms",
            "margin": f"{TARGET_MS - worst['p95_ms']:+.0f} ms on the worst",
        }
    ]


def run(
    *, login_email: str, warmups: int, runs: int, budget_s: float, min_runs: int, progress: Callable[[str], None]
) -> list[dict[str, Any]]:
    with scopes_disabled():
        user = User.objects.get(email=login_email)
        reseller = user.memberships.get().reseller
        key, text = api_key_create(
            reseller=reseller, actor=user, name="bench", role=ApiKey.Role.READ_ONLY, expires_at=None
        )
    client = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {text}")
    out: list[dict[str, Any]] = []
    try:
        with override_settings(API_RATE_LIMIT="1000000/min"):
            todo = variants(_next_params(client))
            for index, variant in enumerate(todo, 1):
                result = measure(client, variant, warmups=warmups, runs=runs, budget_s=budget_s, min_runs=min_runs)
                result.pop("rows_total"), result.pop("counts")  # HTML figures of the page, not the API's
                out.append({"label": variant.label, "params": variant.params, **result})
                progress(
                    f"  [{index}/{len(todo)}] {variant.label:<36} p50 {result['p50_ms']:>8.1f} ms  "
                    f"p95 {result['p95_ms']:>8.1f} ms  {result['queries']} queries"
                )
    finally:
        with scopes_disabled():
            api_key_revoke(reseller=reseller, actor=user, key_id=key.pk)
    return out
