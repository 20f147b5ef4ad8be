"""The bench database itself: create/drop it, its metadata row, and plain psycopg connections to it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from bench import config

META_TABLE = "bench_meta"
EXPERIMENT_PREFIX = "bench_try_"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name() -> str:
    return urlsplit(config.database_url()).path.lstrip("/")


def connect(**kwargs: Any) -> psycopg.Connection:
    """A plain psycopg connection to the bench database (not Django's)."""
    return psycopg.connect(config.database_url(), **kwargs)


def scalar(conn: psycopg.Connection, query: Any, params: Any = None) -> Any:
    """The first column of the first row that `query` returns."""
    row = conn.execute(query, params).fetchone()
    if row is None:
        raise LookupError(f"no row from {query!r}")
    return row[0]


def _admin() -> psycopg.Connection:
    return psycopg.connect(_with_database(config.database_url(), "postgres"), autocommit=True)


def exists() -> bool:
    with _admin() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database_name()]).fetchone() is not None


def recreate() -> None:
    name = database_name()
    if name in {"console", "postgres", "test", "template0", "template1"}:
        raise SystemExit(f"Refusing to drop the database {name!r}: the benchmark needs a database of its own.")
    with _admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def read_meta() -> dict[str, Any] | None:
    """The metadata the last build wrote, or None when there is none (or no database)."""
    if not exists():
        return None
    with connect() as conn:
        found = conn.execute("SELECT to_regclass(%s)", [META_TABLE]).fetchone()
        if not found or found[0] is None:
            return None
        row = conn.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'build'").fetchone()  # noqa: S608
        return row[0] if row else None


def write_meta(value: dict[str, Any]) -> None:
    with connect() as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value jsonb NOT NULL)")
        conn.execute(
            f"INSERT INTO {META_TABLE} (key, value) VALUES ('build', %s) "  # noqa: S608
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [json.dumps(value, default=str)],
        )


def table_columns(conn: psycopg.Connection, table: str) -> dict[str, dict[str, Any]]:
    """name → {type, nullable, default} for every column of `table` (identity columns count as defaulted)."""
    rows = conn.execute(
        "SELECT column_name, data_type, is_nullable = 'YES', column_default IS NOT NULL OR is_identity = 'YES' "
        "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s ORDER BY column_name",
        [table],
    ).fetchall()
    return {name: {"type": kind, "nullable": nullable, "default": default} for name, kind, nullable, default in rows}


def secondary_indexes(conn: psycopg.Connection, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the table's indexes that back no constraint (those can be rebuilt)."""
    return conn.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
        ORDER BY i.relname
        """,
        [table],
    ).fetchall()


def index_sizes(table: str) -> dict[str, str]:
    with connect() as conn:
        rows = conn.execute(
            "SELECT indexrelid::regclass::text, pg_size_pretty(pg_relation_size(indexrelid)) "
            "FROM pg_index WHERE indrelid = %s::regclass ORDER BY 1",
            [table],
        ).fetchall()
        rows.append(("(table)", scalar(conn, "SELECT pg_size_pretty(pg_table_size(%s::regclass))", [table])))
    return dict(rows)


def experiment_indexes(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname LIKE %s ORDER BY 1",
        [EXPERIMENT_PREFIX.replace("_", "\\_") + "%"],
    ).fetchall()
    return [r[0] for r in rows]


def drop_experiment_indexes() -> list[str]:
    """bench_try_* indexes left behind by an interrupted run of the former --experiments option would
    falsify the numbers: drop them."""
    with connect(autocommit=True) as conn:
        names = experiment_indexes(conn)
        for name in names:
            conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(name)))
    return names


def server_settings() -> dict[str, str]:
    names = [
        "server_version",
        "shared_buffers",
        "work_mem",
        "effective_cache_size",
        "random_page_cost",
        "jit",
        "max_parallel_workers_per_gather",
        "lc_collate",
    ]
    with connect() as conn:
        return {name: scalar(conn, sql.SQL("SHOW {}").format(sql.Identifier(name))) for name in names}
