"""Build (or reuse) the benchmark database. Needs Django set up (bench.__main__ does it)."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, transaction
from django_scopes import scopes_disabled
from psycopg import sql

from bench import config, data, database
from console.accounts.models import MarketSegment, Membership, Reseller, User
from customers.models import search_key

Progress = Callable[[str], None]
TABLE = data.CUSTOMERS


def _migrate(progress: Progress) -> None:
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    progress(f"  migrations applied ({time.perf_counter() - started:.1f} s)")


def _expected_meta() -> dict[str, Any]:
    return {
        "generator_version": config.GENERATOR_VERSION,
        "seed": config.SEED,
        "anchor_day": config.ANCHOR_DAY.isoformat(),
        "total_customers": config.TOTAL_CUSTOMERS,
        "big_customers": config.BIG_CUSTOMERS,
    }


def _schema() -> dict[str, dict[str, Any]]:
    """The columns of every table the generator fills, as the migrations left them."""
    with database.connect() as conn:
        return {table: database.table_columns(conn, table) for table in data.COLUMNS}


def _check_schema(schema: dict[str, dict[str, Any]], progress: Progress) -> None:
    """The generator must write every column that has no default; columns it does not know get their default."""
    problems = []
    for table, written in data.COLUMNS.items():
        columns = schema[table]
        if not columns:
            problems.append(f"{table} does not exist")
            continue
        missing = sorted(set(written) - set(columns))
        required = sorted(
            name for name, c in columns.items() if name not in written and not c["nullable"] and not c["default"]
        )
        left = sorted(name for name in columns if name not in written and name not in required)
        if missing:
            problems.append(f"{table} has no column {', '.join(missing)}")
        if required:
            problems.append(f"{table} has new required columns {', '.join(required)}")
        if left:
            progress(f"  note: {table}.{', '.join(left)} not generated (left NULL/default)")
    if problems:
        raise SystemExit(
            "The models changed: "
            + "; ".join(problems)
            + ". Update bench/data.py (COLUMNS and generate), bump GENERATOR_VERSION in bench/config.py, run again."
        )


def _built(table: str, columns: dict[str, Any] | None) -> dict[str, Any] | None:
    """The columns of `table` that only a build fills (data.DATABASE_KEPT left out)."""
    if columns is None:
        return None
    kept = data.DATABASE_KEPT.get(table, ())
    return {name: column for name, column in columns.items() if name not in kept}


def _reusable(meta: dict[str, Any] | None) -> str | None:
    """None when the stored data can be reused, else why not."""
    if meta is None:
        return "no benchmark data yet"
    for key, value in _expected_meta().items():
        if meta.get(key) != value:
            return f"the stored data have {key}={meta.get(key)!r}, this benchmark wants {value!r}"
    with database.connect() as conn:
        total = database.scalar(conn, f"SELECT count(*) FROM {TABLE}")  # noqa: S608
    if total != config.TOTAL_CUSTOMERS:
        return f"the table holds {total:,} customers, not {config.TOTAL_CUSTOMERS:,}"
    return None


def ensure(*, rebuild: bool, progress: Progress) -> dict[str, Any]:
    """Reuse the bench database when it holds the expected data, else (or with --rebuild) build it.

    A reused database is migrated first; when that changes a table the generator fills (a new column…),
    the data are rebuilt, since the new column would hold only its default."""
    meta = None if rebuild else database.read_meta()
    reason = "--rebuild" if rebuild else _reusable(meta)
    if reason is None and meta is not None:
        progress(f"Reusing the benchmark data in {database.database_name()} (built {meta['built_at']}).")
        dropped = database.drop_experiment_indexes()
        if dropped:
            progress(f"  dropped experiment indexes left from an earlier run: {', '.join(dropped)}")
        try:
            _migrate(progress)
        except Exception as error:  # noqa: BLE001 (any failure: build afresh)
            reason = f"the migrations failed on the stored data ({error})"
        else:
            schema = _schema()
            stored = meta.get("schema", {})
            changed = sorted(t for t in schema if _built(t, schema.get(t)) != _built(t, stored.get(t)))
            if not changed:
                if schema != stored:  # only columns the migrations filled: check them once, then store
                    with database.connect() as conn:
                        wrong = _manager_emails_wrong(conn)
                    if wrong:
                        raise SystemExit(f"{wrong:,} customers hold another email than their manager's after migrating")
                    meta = {**meta, "schema": schema}
                    database.write_meta(meta)
                    progress("  columns kept by the database were added and filled by the migrations: checked")
                unchecked = [table for table in data.DATABASE_FILLED if f"{table}_wrong" not in meta.get("checks", {})]
                if unchecked:  # tables a migration created and filled from the stored data: check them once
                    with database.connect() as conn:
                        filled_wrong = _filled_wrong(conn)
                    if any(filled_wrong.values()):
                        raise SystemExit(f"Tables filled by the migrations disagree with the customers: {filled_wrong}")
                    checks = {**meta.get("checks", {}), **{f"{t}_wrong": n for t, n in filled_wrong.items()}}
                    meta = {**meta, "checks": checks}
                    database.write_meta(meta)
                    progress(f"  {', '.join(unchecked)} filled by the migrations: checked")
                return {**meta, "reused": True}
            reason = f"the schema of {', '.join(changed)} changed since the data were built"
    progress(f"Building the benchmark data in {database.database_name()}: {reason}.")
    return {**build(progress), "reused": False}


def _people(progress: Progress) -> tuple[list[data.Team], list[int], dict[str, Any]]:
    """Resellers, users and memberships through the ORM; returns the generator's teams and their sizes."""
    password = make_password(None)
    teams: list[data.Team] = []
    sizes: list[int] = []
    info: dict[str, Any] = {}
    number = 9_000_000_000
    with scopes_disabled(), transaction.atomic():
        specs: list[tuple[str, int]] = [(label, size) for label, size, n in config.RESELLER_SIZES for _ in range(n)]
        resellers = Reseller.objects.bulk_create(
            Reseller(
                reseller_id=str(number + index + 1),
                name=f"Bench {label.title()} Reseller {index + 1}",
                segments=list(MarketSegment.values),
            )
            for index, (label, _) in enumerate(specs)
        )
        users: list[User] = []
        plans: list[tuple[Reseller, list[tuple[str, str, float]], str]] = []
        for index, ((_, size), reseller) in enumerate(zip(specs, resellers, strict=True)):
            if index == 0:
                domain = config.BIG_DOMAIN
                team = [(key, role, share) for key, _, _, role, share in config.BIG_TEAM]
                names = {key: (first, last) for key, first, last, _, _ in config.BIG_TEAM}
                team.append(("viewer", "viewer", 0.0))
                names["viewer"] = ("Victor", "Viewer")
            else:
                domain = f"r{index + 1}.bench.example"
                team = [("primary", "primary_admin", 0.5), ("member", "member", 0.5)]
                names = {"primary": ("Olena", "Shevchenko"), "member": ("Liam", "Novák")}
            plans.append((reseller, team, domain))
            for key, _, _ in team:
                first, last = names[key]
                users.append(User(email=f"{key}@{domain}", first_name=first, last_name=last, password=password))
            sizes.append(size)
        users = User.objects.bulk_create(users)
        by_email = {u.email: u for u in users}
        memberships: list[Membership] = []
        for reseller, team, domain in plans:
            for key, role, _ in team:
                memberships.append(
                    Membership(
                        reseller=reseller,
                        user=by_email[f"{key}@{domain}"],
                        role=role,
                        status=Membership.Status.ACTIVE,
                        activated_at=config.ANCHOR,
                    )
                )
        memberships = Membership.objects.bulk_create(memberships)
        by_user = {m.user_id: m for m in memberships}
        for reseller, team, domain in plans:
            managers = [
                (by_user[user.pk].pk, user.pk, user.email, share)
                for key, _, share in team
                if share > 0
                for user in [by_email[f"{key}@{domain}"]]
            ]
            teams.append(data.Team(reseller.pk, managers, domain))
        info["big_reseller_id"] = resellers[0].reseller_id
        labels = [label for label, _ in specs]
        info["mid_reseller_id"] = resellers[labels.index("mid")].reseller_id
        info["login_email"] = f"{config.BENCH_LOGIN}@{config.BIG_DOMAIN}"
    progress(f"  {len(resellers)} resellers, {len(users)} users, {len(memberships)} memberships")
    return teams, sizes, info


def _catalogue(progress: Progress) -> dict[str, list[int]]:
    """The project's demo catalogue (products and prices); returns non-consumable product ids per offering."""
    from purchase_auth.demo import demo_catalogue_create
    from purchase_auth.models import Product

    with transaction.atomic():
        demo_catalogue_create()
    products: dict[str, list[int]] = {}
    for pk, offering in Product.objects.filter(is_consumable=False).order_by("code").values_list("pk", "offering_type"):
        products.setdefault(offering, []).append(pk)
    progress(f"  catalogue: {sum(map(len, products.values()))} products that purchase authorizations may name")
    return products


def build(progress: Progress) -> dict[str, Any]:
    from customers.rules import payment_state, payment_suspends_on

    started = time.perf_counter()
    database.recreate()
    connection.close()
    progress(f"  database {database.database_name()} created")
    _migrate(progress)
    schema = _schema()
    _check_schema(schema, progress)
    teams, sizes, info = _people(progress)
    products = _catalogue(progress)

    tables = list(data.COLUMNS)
    filled = list(data.DATABASE_FILLED)
    with database.connect() as conn:
        indexes = [index for table in tables + filled for index in database.secondary_indexes(conn, table)]
        for name, _ in indexes:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        # The foreign keys point at rows created just above (or in this load); skipping their per-row triggers
        # makes the COPY several times faster. TRUNCATE in the same transaction lets COPY write the rows frozen.
        conn.execute("SET session_replication_role = replica")
        conn.execute(sql.SQL("TRUNCATE {} CASCADE").format(sql.SQL(", ").join(map(sql.Identifier, tables))))
        progress(f"  generating {sum(sizes):,} customers with their purchase authorizations and licence pools")
        load_started = time.perf_counter()
        files = {table: tempfile.TemporaryFile() for table in tables[1:]}  # noqa: SIM115 (closed below)
        try:
            columns = ", ".join(data.COLUMNS[TABLE])
            with conn.cursor() as cursor:
                with cursor.copy(f"COPY {TABLE} ({columns}) FROM STDIN WITH (FREEZE)") as copy:  # noqa: S608
                    writers = {TABLE: data.Batched(copy.write)}
                    writers.update({table: data.Batched(file.write) for table, file in files.items()})
                    sinks = data.Sinks(writers)
                    data.generate(
                        teams,
                        sizes,
                        products,
                        search_key,
                        payment_state,
                        payment_suspends_on,
                        _renewal_pricing(),
                        sinks,
                        progress,
                    )
                    for writer in writers.values():
                        writer.flush()
            progress(f"  {sinks.counts[TABLE]:,} customers loaded ({time.perf_counter() - load_started:.0f} s)")
            for table, file in files.items():
                table_started = time.perf_counter()
                data.copy_from_file(conn, table, file)
                progress(f"  {sinks.counts[table]:,} rows into {table} ({time.perf_counter() - table_started:.0f} s)")
        finally:
            for file in files.values():
                file.close()
        for table, statement in data.DATABASE_FILLED.items():  # what the triggers, off during the COPY, write
            table_started = time.perf_counter()
            rows = conn.execute(statement).rowcount
            sinks.counts[table] = rows
            progress(f"  {rows:,} rows into {table} ({time.perf_counter() - table_started:.0f} s)")
        for table in tables:
            conn.execute(
                sql.SQL("SELECT setval(pg_get_serial_sequence({t}, 'id'), (SELECT max(id) FROM {i}))").format(
                    t=sql.Literal(table), i=sql.Identifier(table)
                )
            )
        conn.commit()
        load_seconds = time.perf_counter() - load_started

    with database.connect(autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        for name, definition in indexes:
            index_started = time.perf_counter()
            conn.execute(definition)
            progress(f"  index {name} rebuilt ({time.perf_counter() - index_started:.0f} s)")
        vacuum_started = time.perf_counter()
        for table in tables + filled:
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
        conn.execute("ANALYZE")
        progress(f"  VACUUM ANALYZE ({time.perf_counter() - vacuum_started:.0f} s)")
        checks = _verify(conn, info)
    meta = {
        **_expected_meta(),
        **info,
        "built_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "build_seconds": round(time.perf_counter() - started, 1),
        "load_seconds": round(load_seconds, 1),
        "rows": dict(sinks.counts),
        "checks": checks,
        "schema": schema,
    }
    database.write_meta(meta)
    progress(f"  built in {meta['build_seconds']:.0f} s")
    return meta


def _renewal_pricing() -> Any:
    """renewals.selectors.renewal_quote's level and total, for the generator: per customer the level its
    fulfilled and its grace licences reach (a committed customer keeps its level: no commit records are
    generated, so its VIP Select level, purchasing.customer_level) and their 12-month value at that
    level's price, else level 01's. The build then checks every stored figure with the application's SQL."""
    from purchase_auth import rules
    from purchase_auth.models import Price, Product

    prices = {
        (product_id, segment, level): unit_price
        for product_id, segment, level, unit_price in Price.objects.filter(currency="USD").values_list(
            "product_id", "segment", "level", "unit_price"
        )
    }
    flags = dict(Product.objects.values_list("pk", "counts_for_vip_select"))
    consumable = set(Product.objects.filter(is_consumable=True).values_list("pk", flat=True))
    zero = Decimal("0.00")

    def renewal(
        segment: str, vip_select: str, commit: str, pools: list[tuple[int, int, int, int, int]]
    ) -> tuple[str, str, Decimal, Decimal]:
        out: list[Any] = []
        for column in (1, 4):  # fulfilled, grace
            lines = [(pool[0], pool[column]) for pool in pools if pool[0] not in consumable]
            if commit == "committed":
                level = vip_select or "01"
            else:
                level = rules.volume_level(sum(q for product, q in lines if flags[product]))
            value = sum(
                (
                    (prices.get((product, segment, level)) or prices.get((product, segment, "01")) or zero) * q
                    for product, q in lines
                ),
                zero,
            )
            out += [level, value]
        return out[0], out[2], out[1], out[3]

    return renewal


def _manager_emails_wrong(conn: Any) -> int:
    """Customers whose stored manager email (Customer.managed_by_email) is not their manager's email."""
    return int(
        database.scalar(
            conn,
            f"SELECT count(*) FROM {TABLE} c JOIN accounts_membership m ON m.id = c.managed_by_id "  # noqa: S608
            "JOIN accounts_user u ON u.id = m.user_id WHERE c.managed_by_email IS DISTINCT FROM u.email",
        )
    )


def _filled_wrong(conn: Any) -> dict[str, int]:
    """Per table that the triggers fill from the customers (data.DATABASE_FILLED): its rows that differ from
    the customers'."""
    return {table: int(database.scalar(conn, statement)) for table, statement in data.DATABASE_FILLED_WRONG.items()}


def _verify(conn: Any, info: dict[str, Any]) -> dict[str, Any]:
    """Facts about the loaded data that must hold, checked once after the build."""
    big = conn.execute(
        f"SELECT count(*) FILTER (WHERE c.removed_at IS NULL), count(DISTINCT c.managed_by_id) "  # noqa: S608
        f"FROM {TABLE} c JOIN accounts_reseller r ON r.id = c.reseller_id WHERE r.reseller_id = %s",
        [info["big_reseller_id"]],
    ).fetchone()
    foreign = database.scalar(
        conn,
        f"SELECT count(*) FROM {TABLE} c JOIN accounts_membership m ON m.id = c.managed_by_id "  # noqa: S608
        "WHERE m.reseller_id <> c.reseller_id OR m.user_id <> c.created_by_id",
    )
    # The manager's email the list sorts by (written by the generator: the COPY runs without triggers).
    manager_emails_wrong = _manager_emails_wrong(conn)
    filled_wrong = _filled_wrong(conn)
    duplicates = database.scalar(
        conn,
        f"SELECT count(*) - count(DISTINCT lower(contact_email)) FROM {TABLE}",  # noqa: S608
    )
    # The denormalised columns the filters read agree with the purchase authorizations.
    open_mismatch = database.scalar(
        conn,
        f"""
        SELECT count(*) FROM {TABLE} c
        LEFT JOIN (
            SELECT customer_id, min(due_date) AS first, max(due_date) AS last, min(suspends_on) AS suspends
            FROM purchase_auth_purchaseauthorization
            WHERE state IN ('pending', 'overdue', 'suspended') GROUP BY customer_id
        ) p ON p.customer_id = c.id
        WHERE c.open_pa_min_due IS DISTINCT FROM p.first OR c.open_pa_max_due IS DISTINCT FROM p.last
            OR c.open_pa_min_suspends IS DISTINCT FROM p.suspends
        """,  # noqa: S608
    )
    # Every stored figure agrees with its sources (the check of manage.py check_customer_figures).
    from customers.figures import customer_figures_differences

    figures_started = time.perf_counter()
    with scopes_disabled():
        figures_wrong = len(list(customer_figures_differences(limit=100)))
    figures_seconds = round(time.perf_counter() - figures_started, 1)
    sample = conn.execute(
        f"SELECT name, name_en, vip_id, contact_email, search_text FROM {TABLE} TABLESAMPLE SYSTEM (2)"  # noqa: S608
    ).fetchall()
    wrong = [row for row in sample if search_key(row[0], row[1], row[2], row[3]) != row[4]]
    checks = {
        "big_reseller_listed": big[0],
        "big_reseller_managers": big[1],
        "managed_by_of_another_reseller": foreign,
        "duplicate_contact_emails": duplicates,
        "managed_by_email_wrong": manager_emails_wrong,
        **{f"{table}_wrong": wrong for table, wrong in filled_wrong.items()},
        "open_pa_columns_disagreeing": open_mismatch,
        "figures_disagreeing": figures_wrong,
        "figures_check_seconds": figures_seconds,
        "search_text_checked": len(sample),
        "search_text_wrong": len(wrong),
    }
    if (
        big[0] != config.BIG_CUSTOMERS
        or foreign
        or manager_emails_wrong
        or any(filled_wrong.values())
        or duplicates
        or open_mismatch
        or figures_wrong
        or wrong
        or not sample
    ):
        raise SystemExit(f"The generated data are wrong: {checks}")
    return checks
