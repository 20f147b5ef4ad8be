"""REN-11 at the server: the renewals page of the big reseller (200,000 customers) through Django's test
client, signed in as a team member, for each filter, a month, each sort and a deep page (NF-4, DASH-3's
figure for a page of the console: ≤ 100 ms p95). Measured like the customer list (bench.listpage)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from bench import config
from bench.listpage import Variant, client_for, measure
from renewals.pipeline import PIPELINE_STATES, pipeline_months

TARGET_MS = 100.0
URL = "/renewals/"


@dataclass
class RenewalsVariant(Variant):
    @property
    def url(self) -> str:
        return f"{URL}?{urlencode(self.params)}" if self.params else URL


def variants() -> list[RenewalsVariant]:
    months = pipeline_months(config.ANCHOR_DAY)
    out = [
        RenewalsVariant("renewals", "whole pipeline", {}),
        RenewalsVariant("renewals", "mine", {"mine": "on"}),
        *(RenewalsVariant("renewals", f"state={state}", {"state": state}) for state in PIPELINE_STATES),
        RenewalsVariant("renewals", "month=this month", {"month": config.ANCHOR_DAY.strftime("%Y-%m")}),
        RenewalsVariant("renewals", "month=last of the pipeline", {"month": months[-1].strftime("%Y-%m")}),
        RenewalsVariant("renewals", "sort=-value", {"sort": "-value"}),
        RenewalsVariant("renewals", "sort=value mine", {"sort": "value", "mine": "on"}),
        RenewalsVariant("renewals", "state=ready sort=-value", {"state": "ready", "sort": "-value"}),
        RenewalsVariant("renewals", "sort=-ad page=200", {"sort": "-ad", "page": "200"}),
    ]
    return out


def run(
    *, login_email: str, warmups: int, runs: int, budget_s: float, min_runs: int, progress: Callable[[str], None]
) -> list[RenewalsVariant]:
    client = client_for(login_email)
    todo = variants()
    for index, variant in enumerate(todo, 1):
        result = measure(client, variant, warmups=warmups, runs=runs, budget_s=budget_s, min_runs=min_runs)
        result["ok"], result["target_ms"] = result["p95_ms"] <= TARGET_MS, TARGET_MS
        variant.result = result
        progress(
            f"  [{index:>2}/{len(todo)}] {variant.label:<32} p50 {result['p50_ms']:>8.1f} ms  "
            f"p95 {result['p95_ms']:>8.1f} ms  {result['queries']} queries  {result['rows_total']:>7,} rows"
        )
    return todo
