"""LIST-6 / NF-4: the CSV report of the big reseller's customers (All Customers) through the real view,
next to PostgreSQL's own COPY of the very same query, in the same run; and its memory, in subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any, cast

import psycopg
from django.db import connection
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.http import StreamingHttpResponse
from django.test import Client
from django_scopes import scope, scopes_disabled

from bench import config, database
from console.accounts.models import Membership, Reseller
from console.clock import today
from customers import exports, selectors
from customers.rules import CustomerFilter

RATIO_TARGET = 0.80
# NF-4: the report at ≥ 50 % of PostgreSQL's raw COPY of the same customers' rows of the customer table.
TABLE_RATIO_TARGET = 0.50
FIRST_BYTE_TARGET_S = 1.0
URL = "/customers/export.csv?filter=all"


def consume(client: Client, url: str = URL) -> dict[str, Any]:
    """One export through the test client: time to the first chunk and to the first rows, bytes, rows."""
    t0 = time.perf_counter()
    response = client.get(url)
    if response.status_code != 200 or not response.streaming:
        raise RuntimeError(f"GET {url} answered {response.status_code}, streaming={response.streaming}")
    first_chunk = first_rows = None
    size = newlines = chunks = 0
    header = b""
    for chunk in cast(StreamingHttpResponse, response):
        now = time.perf_counter()
        if first_chunk is None:
            first_chunk, header = now, chunk
        elif first_rows is None:
            first_rows = now
        size += len(chunk)
        newlines += chunk.count(b"\n")
        chunks += 1
    seconds = time.perf_counter() - t0
    rows = newlines - 1  # the header line
    return {
        "seconds": seconds,
        "rows": rows,
        "bytes": size,
        "header_bytes": len(header),
        "chunks": chunks,
        "first_byte_ms": ((first_chunk or t0) - t0) * 1000,
        "first_rows_ms": ((first_rows or first_chunk or t0) - t0) * 1000,
        "rows_per_s": rows / seconds if seconds else 0.0,
    }


def report_statement(reseller: Reseller) -> tuple[str, Any]:
    """The COPY statement the view runs for All Customers of `reseller`, with its parameters."""
    with scope(reseller=reseller.pk):
        customers = selectors.customer_list(reseller=reseller, on=today(), customer_filter=CustomerFilter.ALL)
        query_sql, params = exports.report_rows(customers, on=today()).query.sql_with_params()
    return f"COPY ({query_sql}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)", params


def table_statement(reseller: Reseller) -> tuple[str, Any]:
    """The physical limit NF-4 compares the report with: a raw COPY of the same customers' whole rows of
    the customer table (`SELECT c.* … WHERE` that reseller), no joins, no expressions."""
    return (
        "COPY (SELECT c.* FROM customers_customer c WHERE c.reseller_id = %s AND c.removed_at IS NULL) "
        "TO STDOUT WITH (FORMAT csv)",
        [reseller.pk],
    )


def raw_copy(conn: psycopg.Connection, statement: str, params: Any) -> dict[str, Any]:
    """PostgreSQL's own COPY … TO STDOUT through psycopg, doing nothing with the data but count it."""
    size = rows = 0
    t0 = time.perf_counter()
    with conn.cursor() as cursor, cursor.copy(statement, params) as copy:
        for data in copy:  # COPY OUT sends one row per message
            size += len(data)
            rows += 1
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "rows": rows, "bytes": size, "rows_per_s": rows / seconds if seconds else 0.0}


def psql_copy(statement: str, params: Any) -> dict[str, Any] | None:
    """The same COPY through psql into /dev/null (no Python at all), as a reference: the physical limit."""
    psql = shutil.which("psql")
    if not psql:
        return None
    inlined = cast(PostgresOperations, connection.ops).compose_sql(statement, params)
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        subprocess.run(  # noqa: S603
            [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", config.database_url(), "-c", inlined],
            stdout=sink,
            check=True,
        )
    return {"seconds": time.perf_counter() - t0}


def memory_probe(email: str, label: str) -> dict[str, Any]:
    """Peak memory of one export in a fresh process (bench.memprobe): RSS high-water mark and tracemalloc."""
    completed = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench.memprobe", email],
        env=config.env_for_django(),
        cwd=config.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"memory probe for {label} failed:\n{completed.stdout}\n{completed.stderr}")
    return {"label": label, **json.loads(completed.stdout.strip().splitlines()[-1])}


def login_for_small(meta: dict[str, Any]) -> str:
    """The primary admin of one of the resellers with 1,000 customers (always the same one)."""
    with scopes_disabled():
        small_id = (
            Reseller.objects.exclude(reseller_id__in=[meta["big_reseller_id"], meta["mid_reseller_id"]])
            .order_by("-reseller_id")
            .values_list("reseller_id", flat=True)
            .first()
        )
    if small_id is None:
        raise RuntimeError("the bench database has no small reseller")
    return _login_for(small_id)


def _login_for(reseller_id: str) -> str:
    with scopes_disabled():
        membership = (
            Membership.objects.filter(reseller__reseller_id=reseller_id, role=Membership.Role.PRIMARY_ADMIN)
            .select_related("user")
            .get()
        )
    return membership.user.email


def run(*, client: Client, meta: dict[str, Any], repeats: int, progress: Callable[[str], None]) -> dict[str, Any]:
    with scopes_disabled():
        big = Reseller.objects.get(reseller_id=meta["big_reseller_id"])
    statement, params = report_statement(big)
    table, table_params = table_statement(big)
    consume(client)  # warm-up (imports, caches, the connection)
    app_runs: list[dict[str, Any]] = []
    raw_runs: list[dict[str, Any]] = []
    table_runs: list[dict[str, Any]] = []
    with database.connect(autocommit=True) as conn:
        raw_copy(conn, statement, params)  # warm-up
        raw_copy(conn, table, table_params)
        for index in range(repeats):  # alternate which goes first: the second of a pair finds warmer caches
            if index % 2:
                app_runs.append(consume(client))
            raw_runs.append(raw_copy(conn, statement, params))
            table_runs.append(raw_copy(conn, table, table_params))
            if not index % 2:
                app_runs.append(consume(client))
            progress(
                f"  [{index + 1}/{repeats}] view {app_runs[-1]['rows_per_s']:>11,.0f} rows/s   "
                f"raw COPY {raw_runs[-1]['rows_per_s']:>11,.0f} rows/s   "
                f"table COPY {table_runs[-1]['rows_per_s']:>11,.0f} rows/s"
            )
    psql = psql_copy(statement, params)
    psql_table = psql_copy(table, table_params)
    app_rate = statistics.median(r["rows_per_s"] for r in app_runs)
    raw_rate = statistics.median(r["rows_per_s"] for r in raw_runs)
    table_rate = statistics.median(r["rows_per_s"] for r in table_runs)
    app = app_runs[0]
    same_bytes = all(a["bytes"] - a["header_bytes"] == r["bytes"] for a, r in zip(app_runs, raw_runs, strict=True))
    same_rows = all(a["rows"] == r["rows"] for a, r in zip(app_runs, raw_runs, strict=True))
    progress("  memory (fresh process per size) …")
    memory = [
        memory_probe(login_for_small(meta), "small reseller"),
        memory_probe(_login_for(meta["mid_reseller_id"]), "mid reseller"),
        memory_probe(meta["login_email"], "big reseller"),
    ]
    for m in memory:
        progress(
            f"    {m['rows']:>7,} rows: RSS peak +{m['rss_peak_delta_kib'] / 1024:.1f} MiB, "
            f"tracemalloc peak {m['tracemalloc_peak_kib'] / 1024:.2f} MiB"
        )
    smallest, largest = memory[0], memory[-1]
    growth_mib = (largest["rss_peak_delta_kib"] - smallest["rss_peak_delta_kib"]) / 1024
    return {
        "url": URL,
        "rows": app["rows"],
        "bytes": app["bytes"],
        "repeats": repeats,
        "view_rows_per_s": round(app_rate),
        "raw_copy_rows_per_s": round(raw_rate),
        "ratio": round(app_rate / raw_rate, 3),
        "view_seconds": [round(r["seconds"], 3) for r in app_runs],
        "raw_copy_seconds": [round(r["seconds"], 3) for r in raw_runs],
        "psql_copy_seconds": round(psql["seconds"], 3) if psql else None,
        "table_copy_statement": table,
        "table_copy_rows_per_s": round(table_rate),
        "table_copy_seconds": [round(r["seconds"], 3) for r in table_runs],
        "psql_table_copy_seconds": round(psql_table["seconds"], 3) if psql_table else None,
        "ratio_to_table_copy": round(app_rate / table_rate, 3),
        "ok_table_ratio": app_rate / table_rate >= TABLE_RATIO_TARGET,
        "first_byte_ms": round(statistics.median(r["first_byte_ms"] for r in app_runs), 2),
        "first_rows_ms": round(statistics.median(r["first_rows_ms"] for r in app_runs), 2),
        "same_bytes_as_raw_copy": same_bytes,
        "same_rows_as_raw_copy": same_rows,
        "statement": statement,
        "memory": memory,
        "memory_growth_mib": round(growth_mib, 2),
        "ok_ratio": app_rate / raw_rate >= RATIO_TARGET,
        "ok_first_byte": statistics.median(r["first_rows_ms"] for r in app_runs) <= FIRST_BYTE_TARGET_S * 1000,
        "ok_memory": growth_mib <= 8 and largest["tracemalloc_peak_kib"] <= 4 * 1024,
    }
