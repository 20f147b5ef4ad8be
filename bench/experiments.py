"""python -m bench --experiments: measure candidate fixes on the bench database, without touching the code.

Each step is applied on top of the previous ones, then every list variant is measured again in the same
run (so the machine's state is the same for the baseline and the candidates):

  counts        customer_counts counts COUNT(1) instead of COUNT(id): PostgreSQL can then answer from an
                index-only scan of customer_filter_counts (id is not in that index); patched in this
                process only.
  sort_indexes  one partial index per sort key (reseller, key, name, id) WHERE removed_at IS NULL, created
                directly in the bench database as bench_try_* and dropped at the end.
  search_fence  with a search of at most 5,000 matches (the view counts them first), PostgreSQL sorts the
                matches instead of walking the name index and filtering them (the ORDER BY … LIMIT trap when
                the matches sit late in name order): an extra leading order key that no index provides and
                that is constant within the list (reseller_id + 0); patched in this process only.
  deferred_join the page's rows fetched by id: WHERE id IN (SELECT id … ORDER BY … LIMIT/OFFSET), so that sorting
                and skipping run on an index alone; with a covering name index (bench_try_name_covering).

Then the export: with the session setting `jit = off` (both connections), and with two indexes that let the
report's per-customer subqueries read indexes only (EXPORT_INDEXES; created and dropped again).
Results: bench/results/experiments-<timestamp>.json and a table on stdout."""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from unittest import mock

from django.db import connection
from django.db.models import BigIntegerField, Count, ExpressionWrapper, F, QuerySet, Value
from django_scopes import scopes_disabled
from psycopg import sql

from bench import config, database, export, listpage
from console.accounts.models import Reseller
from customers import selectors, views
from customers.rules import CustomerFilter, filter_q

SORT_INDEXES = {
    "segment": "(reseller_id, segment, name, id)",
    "type": "(reseller_id, type, name, id)",
    "status": "(reseller_id, invitation_status, name, id)",
    "vip_select": "(reseller_id, vip_select_level, name, id)",
    "created": "(reseller_id, created_at, id)",
    "anniversary": "(reseller_id, anniversary_date, name, id)",  # would replace customer_list_ad
    "managed_by": "(reseller_id, managed_by_id, name, id)",  # would replace customer_list_mine
}


def counts_index_only(*, reseller: Any, on: Any, managed_by: Any = None) -> dict[str, int]:
    """selectors.customer_counts with COUNT(1): every column the query reads is in customer_filter_counts."""
    customers = selectors.customers_visible(reseller=reseller)
    if managed_by is not None:
        customers = customers.filter(managed_by=managed_by)
    return customers.aggregate(
        **{
            value: Count(Value(1), filter=filter_q(value, on)) if value != CustomerFilter.ALL else Count(Value(1))
            for value in CustomerFilter.values
        }
    )


_original_list = selectors.customer_list
FENCE_BELOW = 5_000  # matches; above it the name-index walk finds a page of matches soon enough


class _FenceWhenFew:
    """Mixed into the list's queryset: once the view has counted the matches (it does, for a search, before
    it reads the page), a small result is sorted by PostgreSQL instead of found by walking the name index."""

    def count(self) -> int:
        total = super().count()  # type: ignore[misc]
        if total <= FENCE_BELOW:
            fence = ExpressionWrapper(F("reseller_id") + 0, output_field=BigIntegerField())
            order = self.query.order_by  # type: ignore[attr-defined]
            self.query.clear_ordering(force=True)  # type: ignore[attr-defined]
            self.query.add_ordering(fence, *order)  # type: ignore[attr-defined]
        return total


def customer_list_fenced(**kwargs: Any) -> Any:
    """selectors.customer_list; with a search of few matches, a leading order key that no index provides and
    that is the same for every row of the list (reseller_id + 0), so the order of the rows does not change."""
    customers = _original_list(**kwargs)
    if kwargs.get("query"):
        customers.__class__ = type("FenceWhenFew", (_FenceWhenFew, type(customers)), {})
    return customers


# The name index with the columns the filters read, so that a deep page of a filter is an index-only scan
# (would replace customer_list_name).
DEFERRED_INDEXES = {
    "name_covering": "customers_customer (reseller_id, name, id) INCLUDE "
    "(managed_by_id, has_products, anniversary_date, open_pa_min_due, open_pa_max_due) WHERE removed_at IS NULL",
}
EXPORT_INDEXES = {
    # SubPlans 1-2 of the report (open PAs per customer) read the PA heap for every customer; this one is
    # small (open PAs only) and answers them from the index alone.
    "pa_open_by_customer": "purchase_auth_purchaseauthorization (customer_id, due_date) "
    "WHERE state IN ('pending', 'overdue', 'suspended')",
    # SubPlans 3-4 (licences per customer) likewise, from a covering index.
    "pool_by_customer": "purchase_auth_licencepool (customer_id) INCLUDE (fulfilled, pending, assigned)",
}


@contextlib.contextmanager
def indexes(definitions: dict[str, str], progress: Callable[[str], None]) -> Iterator[None]:
    """CREATE INDEX bench_try_<name> ON <definition> for each; dropped again on the way out."""
    try:
        with database.connect(autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '1GB'")
            for key, definition in definitions.items():
                name = f"{database.EXPERIMENT_PREFIX}{key}"
                started = time.perf_counter()
                conn.execute(sql.SQL("CREATE INDEX {} ON " + definition).format(sql.Identifier(name)))
                size = conn.execute("SELECT pg_size_pretty(pg_relation_size(%s::regclass))", [name]).fetchone()[0]
                progress(f"    created {name} ON {definition} in {time.perf_counter() - started:.0f} s, {size}")
            conn.execute("ANALYZE")
        yield
    finally:
        dropped = database.drop_experiment_indexes()
        progress(f"    dropped {', '.join(dropped) or 'nothing'}")


def sort_indexes(progress: Callable[[str], None]) -> contextlib.AbstractContextManager[None]:
    definitions = {
        f"sort_{key}": f"customers_customer {columns} WHERE removed_at IS NULL" for key, columns in SORT_INDEXES.items()
    }
    return indexes(definitions, progress)


class DeferredPaginator:
    """Mixed into views.KnownCountPaginator: the page's rows are fetched by id, `WHERE id IN (SELECT id … ORDER BY
    … LIMIT 25 OFFSET n)`, so that the ordering and the offset run on an index alone (an index-only scan) and only
    the 25 shown rows are read from the table."""

    def _get_page(self, object_list: Any, number: int, paginator: Any) -> Any:
        if isinstance(object_list, QuerySet):
            object_list = self.object_list.filter(pk__in=object_list.values("pk"))  # type: ignore[attr-defined]
        return super()._get_page(object_list, number, paginator)  # type: ignore[misc]


def deferred_join(progress: Callable[[str], None]) -> contextlib.AbstractContextManager[Any]:
    stack = contextlib.ExitStack()
    patched = type("DeferredKnownCountPaginator", (DeferredPaginator, views.KnownCountPaginator), {})
    stack.enter_context(mock.patch.object(views, "KnownCountPaginator", patched))
    stack.enter_context(indexes(DEFERRED_INDEXES, progress))
    return stack


@dataclass
class Step:
    key: str
    title: str
    apply: Callable[[Callable[[str], None]], contextlib.AbstractContextManager[Any]]
    results: dict[str, dict[str, Any]] = field(default_factory=dict)


STEPS = [
    Step("baseline", "the committed code and indexes", lambda p: contextlib.nullcontext()),
    Step(
        "counts",
        "+ customer_counts with COUNT(1) (index-only scan)",
        lambda p: mock.patch.object(selectors, "customer_counts", counts_index_only),
    ),
    Step("sort_indexes", "+ one index per sort key", sort_indexes),
    Step(
        "search_fence",
        "+ search with ≤ 5,000 matches: sort them (no name-index walk)",
        lambda p: mock.patch.object(selectors, "customer_list", customer_list_fenced),
    ),
    Step("deferred_join", "+ page rows fetched by id (deferred join), covering name index", deferred_join),
]


def _export_settings(client: Any, meta: dict[str, Any], settings: dict[str, str], repeats: int) -> dict[str, Any]:
    with scopes_disabled():
        big = Reseller.objects.get(reseller_id=meta["big_reseller_id"])
    statement, params = export.report_statement(big)
    with connection.cursor() as cursor:
        for name, value in settings.items():
            cursor.execute(f"SET {name} = %s", [value])
    try:
        with database.connect(autocommit=True) as conn:
            for name, value in settings.items():
                conn.execute(sql.SQL("SET {} = {}").format(sql.Identifier(name), sql.Literal(value)))
            export.consume(client)
            views: list[dict[str, Any]] = []
            raws: list[dict[str, Any]] = []
            for index in range(repeats):  # alternate which goes first: the second one finds warmer caches
                if index % 2:
                    views.append(export.consume(client))
                raws.append(export.raw_copy(conn, statement, params))
                if not index % 2:
                    views.append(export.consume(client))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ALL")
    return {
        "settings": settings,
        "view_seconds": round(statistics.median(v["seconds"] for v in views), 3),
        "raw_copy_seconds": round(statistics.median(r["seconds"] for r in raws), 3),
        "first_rows_ms": round(statistics.median(v["first_rows_ms"] for v in views)),
        "ratio": round(
            statistics.median(r["seconds"] for r in raws) / statistics.median(v["seconds"] for v in views), 3
        ),
    }


def run(*, meta: dict[str, Any], runs: int, warmups: int, progress: Callable[[str], None]) -> dict[str, Any]:
    client = listpage.client_for(meta["login_email"])
    variants = listpage.variants(listpage.search_samples(meta["big_reseller_id"]))
    with contextlib.ExitStack() as stack:
        for step in STEPS:
            progress(f"Experiment step {step.key}: {step.title}")
            stack.enter_context(step.apply(progress))
            for variant in variants:
                result = listpage.measure(client, variant, warmups=warmups, runs=runs, budget_s=3.0, min_runs=3)
                step.results[variant.label] = {k: result[k] for k in ("p50_ms", "p95_ms", "n", "queries", "sql_ms")}
            ok = sum(r["p95_ms"] <= listpage.TARGET_MS for r in step.results.values())
            progress(f"  {ok}/{len(variants)} variants at p95 ≤ {listpage.TARGET_MS:.0f} ms")
    progress("Export: jit = off, indexes for the report's subqueries, work_mem …")
    exports = [
        {"indexes": False, **_export_settings(client, meta, {}, 3)},
        {"indexes": False, **_export_settings(client, meta, {"jit": "off"}, 3)},
    ]
    with indexes(EXPORT_INDEXES, progress):
        exports.append({"indexes": True, **_export_settings(client, meta, {}, 3)})
        exports.append({"indexes": True, **_export_settings(client, meta, {"jit": "off"}, 3)})
        exports.append({"indexes": True, **_export_settings(client, meta, {"jit": "off", "work_mem": "64MB"}, 3)})
    for e in exports:
        progress(f"    indexes={e['indexes']!s:<5} {e['settings']}: view {e['view_seconds']:.2f} s")
    results = {
        "steps": [{"key": s.key, "title": s.title, "results": s.results} for s in STEPS],
        "export": exports,
    }
    _print(results, [v.label for v in variants])
    return results


def write(results: dict[str, Any]) -> str:
    """Called outside of the time travel, so that the file is named after the real time."""
    results["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    config.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")  # noqa: DTZ005 (a file name in local time)
    path = config.RESULTS_DIR / f"experiments-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return str(path.relative_to(config.BASE_DIR))


def _print(results: dict[str, Any], labels: list[str]) -> None:
    steps = results["steps"]
    print()
    print("p95 ms per list variant, each step on top of the previous ones")
    print(f"{'variant':<42}" + "".join(f"{s['key']:>14}" for s in steps))
    for label in labels:
        print(f"{label[:41]:<42}" + "".join(f"{s['results'][label]['p95_ms']:>14.1f}" for s in steps))
    print(
        f"{'variants at p95 ≤ 100 ms':<42}"
        + "".join(f"{sum(r['p95_ms'] <= 100 for r in s['results'].values()):>14}" for s in steps)
    )
    print()
    print("Export of the big reseller (median of 3): indexes, settings → view s, raw COPY s, first rows ms, ratio")
    for e in results["export"]:
        print(
            f"  {'+indexes' if e['indexes'] else 'baseline':<9} {json.dumps(e['settings']):<36} "
            f"{e['view_seconds']:>7.2f} s {e['raw_copy_seconds']:>7.2f} s {e['first_rows_ms']:>7} ms  {e['ratio']:.2f}"
        )
