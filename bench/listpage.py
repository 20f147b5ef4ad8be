"""LIST-1…LIST-4 at the server: the customers page through Django's test client (the whole middleware
stack, template rendering included), signed in as a team member of the big reseller."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from bench import config
from console.accounts.models import Reseller, User
from customers.models import Customer
from customers.rules import CustomerFilter
from customers.selectors import SORTS

TARGET_MS = 50.0  # NF-4: every variant ≤ 50 ms p95 at the server
URL = "/customers/"
# Numbers are written with the language's thousands separator ("35,876"; a narrow space in Ukrainian).
TOTAL_RE = re.compile(r"(\d[\d,\u00a0\u202f ]*) customers?\s*</p>")
COUNT_RE = re.compile(r'data-count="(\w+)">([\d,\u00a0\u202f ]*)</span>')


def number(text: str) -> int:
    """A number as the page writes it, separators and all."""
    digits = re.sub(r"\D", "", text)
    return int(digits) if digits else 0


@dataclass
class Variant:
    group: str
    label: str
    params: dict[str, str]
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"{URL}?{urlencode(self.params)}" if self.params else URL


def ok_or_raise(response: Any, url: str) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")


def client_for(email: str) -> Client:
    client = Client(SERVER_NAME="localhost")
    client.force_login(User.objects.get(email=email))
    return client


def search_samples(big_reseller_id: str) -> dict[str, str]:
    """Real values from the big reseller's customers to search for (deterministic: fixed positions)."""
    with scopes_disabled():
        reseller = Reseller.objects.get(reseller_id=big_reseller_id)
        customers = Customer.objects.filter(reseller=reseller, removed_at__isnull=True).order_by("id")
        sample = customers[int(config.BIG_CUSTOMERS * 0.617)]
    return {"vip_id": sample.vip_id, "email": sample.contact_email}


def variants(samples: dict[str, str]) -> list[Variant]:
    out: list[Variant] = []
    for value in CustomerFilter.values:
        out.append(Variant("filter", f"filter={value}", {"filter": value}))
        out.append(Variant("filter", f"filter={value} mine", {"filter": value, "mine": "on"}))
    searches = [
        ("name fragment", "harbor"),
        ("name, two words", "granite peak"),
        ("VIP ID", samples["vip_id"]),
        ("VIP ID prefix, lower case", samples["vip_id"][:8].lower()),
        ("contact email", samples["email"]),
        ("Cyrillic fragment", "Харків"),
        ("accent-insensitive (Müller)", "muller"),
        ("accent-insensitive (São Paulo)", "SAO PAULO"),
        ("two letters", "ab"),
        ("no match", "zzqx"),
    ]
    for label, query in searches:
        out.append(Variant("search", f"q: {label}", {"q": query}))
    out.append(Variant("search", "q: name fragment, mine", {"q": "harbor", "mine": "on"}))
    out.append(Variant("search", "q: name fragment, filter=ready", {"q": "harbor", "filter": "ready"}))
    for key in SORTS:
        out.append(Variant("sort", f"sort={key}", {"sort": key}))
        out.append(Variant("sort", f"sort=-{key}", {"sort": f"-{key}"}))
    out.append(Variant("page", "page=400", {"page": "400"}))
    out.append(Variant("page", "page=400 sort=-created", {"page": "400", "sort": "-created"}))
    out.append(Variant("page", "page=80 per_page=100", {"page": "80", "per_page": "100"}))
    out.append(Variant("page", "filter=no_products page=400", {"filter": "no_products", "page": "400"}))
    return out


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def measure(
    client: Client, variant: Variant, *, warmups: int, runs: int, budget_s: float, min_runs: int
) -> dict[str, Any]:
    """p50/p95 of `runs` requests after `warmups` (fewer, but at least `min_runs`, when a variant is slower than
    `budget_s` allows), then one more request with the queries captured: their number, total and slowest time."""
    for _ in range(warmups):
        t0 = time.perf_counter()
        response = client.get(variant.url)
        ok_or_raise(response, variant.url)
        if time.perf_counter() - t0 > 0.5:  # a slow variant: one warm-up is enough, keep the run short
            break
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < runs and (len(times) < min_runs or time.perf_counter() - started < budget_s):
        t0 = time.perf_counter()
        response = client.get(variant.url)
        times.append((time.perf_counter() - t0) * 1000)
        ok_or_raise(response, variant.url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(variant.url)
    html = response.content.decode()
    query_times = [float(q["time"]) * 1000 for q in ctx.captured_queries]
    slowest = max(range(len(query_times)), key=query_times.__getitem__) if query_times else None
    total = TOTAL_RE.search(html)
    return {
        "url": variant.url,
        "n": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(_percentile(times, 0.95), 2),
        "min_ms": round(min(times), 2),
        "max_ms": round(max(times), 2),
        "queries": len(ctx.captured_queries),
        "sql_ms": round(sum(query_times), 2),
        "slowest_sql_ms": round(query_times[slowest], 2) if slowest is not None else None,
        "slowest_sql": ctx.captured_queries[slowest]["sql"] if slowest is not None else None,
        "sql": [q["sql"] for q in ctx.captured_queries],
        "rows_total": number(total.group(1)) if total else 0,
        "counts": {key: number(value) for key, value in COUNT_RE.findall(html)},
        "target_ms": TARGET_MS,
        "ok": _percentile(times, 0.95) <= TARGET_MS,
    }


def count_queries(client: Client, variant: Variant) -> tuple[int, int]:
    """(queries, customers listed) of one request, after one warm-up request, as the big reseller's figures
    are measured (the first one also fills the filter counts' cache)."""
    ok_or_raise(client.get(variant.url), variant.url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(variant.url)
    ok_or_raise(response, variant.url)
    total = TOTAL_RE.search(response.content.decode())
    return len(ctx.captured_queries), number(total.group(1)) if total else 0


def run(
    *,
    login_email: str,
    big_reseller_id: str,
    warmups: int,
    runs: int,
    budget_s: float,
    min_runs: int,
    only: str | None,
    progress: Callable[[str], None],
) -> list[Variant]:
    client = client_for(login_email)
    samples = search_samples(big_reseller_id)
    todo = [v for v in variants(samples) if not only or only in v.label]
    for index, variant in enumerate(todo, 1):
        variant.result = measure(client, variant, warmups=warmups, runs=runs, budget_s=budget_s, min_runs=min_runs)
        r = variant.result
        progress(
            f"  [{index:>2}/{len(todo)}] {variant.label:<40} p50 {r['p50_ms']:>8.1f} ms  p95 {r['p95_ms']:>8.1f} ms  "
            f"{r['queries']} queries  {r['rows_total']:>7,} rows"
        )
    return todo
