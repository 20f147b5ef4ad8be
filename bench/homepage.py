"""DASH-3 at the server: the home page of the big reseller (200,000 customers) through Django's test client,
signed in as a team member, with and without *Managed by me* (≤ 100 ms p95), measured like the customer list
(bench.listpage); and its query count, which must not grow with the customers (the same for a reseller with
1,000 customers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from bench import config
from bench.listpage import Variant, client_for, count_queries, measure

TARGET_MS = 100.0
URL = "/"


@dataclass
class HomeVariant(Variant):
    @property
    def url(self) -> str:
        return f"{URL}?{urlencode(self.params)}" if self.params else URL


def variants() -> list[HomeVariant]:
    return [HomeVariant("home", "home", {}), HomeVariant("home", "home mine", {"mine": "on"})]


def run(
    *,
    login_email: str,
    small_login_email: str,
    warmups: int,
    runs: int,
    budget_s: float,
    min_runs: int,
    progress: Callable[[str], None],
) -> list[HomeVariant]:
    client = client_for(login_email)
    # The query count is compared between two primary admins (an admin's page also shows the activity).
    big_admin = client_for(f"primary@{config.BIG_DOMAIN}")
    small = client_for(small_login_email)
    todo = variants()
    for index, variant in enumerate(todo, 1):
        result = measure(client, variant, warmups=warmups, runs=runs, budget_s=budget_s, min_runs=min_runs)
        result["ok"] = result["p95_ms"] <= TARGET_MS
        result["queries_big_admin"], _rows = count_queries(big_admin, variant)
        result["queries_small_reseller"], _rows = count_queries(small, variant)
        variant.result = result
        progress(
            f"  [{index:>2}/{len(todo)}] {variant.label:<32} p50 {result['p50_ms']:>8.1f} ms  "
            f"p95 {result['p95_ms']:>8.1f} ms  {result['queries']} queries; admins: "
            f"{result['queries_big_admin']} for 200,000 customers, {result['queries_small_reseller']} for 1,000"
        )
    return todo
