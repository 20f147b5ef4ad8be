"""python -m bench: build or reuse the data, measure the customer list and the CSV export, write results."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from typing import Any

from bench import config

STARTED = time.perf_counter()


def progress(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.0f}s] {message}", flush=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rebuild", action="store_true", help="recreate the benchmark data even if present")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per list variant (default 20)")
    parser.add_argument("--warmups", type=int, default=3, help="warm-up requests per list variant (default 3)")
    parser.add_argument(
        "--budget", type=float, default=1.5, help="seconds per list variant before stopping early (default 1.5)"
    )
    parser.add_argument("--export-repeats", type=int, default=4, help="export runs, each next to a raw COPY")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run at 1 %% scale (BENCH_SCALE=0.01, its own database console_bench_scaled or "
        "BENCH_SCALED_DATABASE_URL): 3 runs, "
        "1 warm-up, 2 exports, 1 s of load per page; it checks that every stage works, timing targets are "
        "reported but never fail it",
    )
    parser.add_argument(
        "--server-seconds", type=int, default=15, help="seconds of wrk load per page in the real-server stage"
    )
    parser.add_argument("--no-server", action="store_true", help="skip the real-server stage (gunicorn + wrk)")
    parser.add_argument("--only", help="measure only the list variants whose label contains this text")
    parser.add_argument(
        "--home-only", action="store_true", help="measure only the home page (DASH-3), print it, write no results"
    )
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.warmups, args.export_repeats, args.server_seconds = 3, 1, 2, 1
        args.strict = False  # a smoke run fails on errors only
    return args


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.quick and config.SCALE == 1 and "BENCH_SCALE" not in os.environ:
        # config reads the scale at import: read it again at 1 % (console_bench_scaled, built on first use).
        os.environ["BENCH_SCALE"] = str(config.SMALL_SCALE)
        importlib.reload(config)
    os.environ.update(config.env_for_django())
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    import time_machine

    from bench import apipage, build, database, export, homepage, listpage, renewalspage, report

    meta = build.ensure(rebuild=args.rebuild, progress=progress)

    def home_stage() -> list[homepage.HomeVariant]:
        progress("Home page (big reseller, signed in as a team member) …")
        return homepage.run(
            login_email=meta["login_email"],
            small_login_email=export.login_for_small(meta),
            warmups=args.warmups,
            runs=args.runs,
            budget_s=args.budget,
            min_runs=min(5, args.runs),
            progress=progress,
        )

    if args.home_only:
        with time_machine.travel(config.ANCHOR, tick=True):
            home_variants = home_stage()
        return 1 if args.strict and not all(v.result["ok"] for v in home_variants) else 0
    machine_start = report.machine()
    warning = report.busy(machine_start)
    if warning:
        progress(f"WARNING: {warning}")
    with time_machine.travel(config.ANCHOR, tick=True):
        progress("Customer list (big reseller, signed in as a team member) …")
        variants = listpage.run(
            login_email=meta["login_email"],
            big_reseller_id=meta["big_reseller_id"],
            warmups=args.warmups,
            runs=args.runs,
            budget_s=args.budget,
            min_runs=min(5, args.runs),
            only=args.only,
            progress=progress,
        )
        progress("Renewals page (big reseller, signed in as a team member) …")
        renewal_variants = renewalspage.run(
            login_email=meta["login_email"],
            warmups=args.warmups,
            runs=args.runs,
            budget_s=args.budget,
            min_runs=min(5, args.runs),
            progress=progress,
        )
        home_variants = home_stage()
        progress("Customer list API (a key of the big reseller's team member) …")
        api_list = apipage.run(login_email=meta["login_email"], warmups=args.warmups, runs=args.runs,
                               budget_s=args.budget, min_runs=min(5, args.runs), progress=progress)  # fmt: skip
        progress("Query counts of the same variants for a reseller with 1,000 customers …")
        small = listpage.client_for(export.login_for_small(meta))
        for variant in variants:
            queries, rows = listpage.count_queries(small, variant)
            variant.result["queries_small_reseller"], variant.result["rows_small_reseller"] = queries, rows
        for variant in variants:
            if not variant.result["ok"] and variant.result["slowest_sql"]:
                variant.result["explain"] = explain(variant.result["slowest_sql"])
        progress("CSV export …")
        exported = export.run(
            client=listpage.client_for(meta["login_email"]), meta=meta, repeats=args.export_repeats, progress=progress
        )
        from bench import job

        job_result = job.run(progress=progress)

    server_result = None
    if not args.no_server:
        from bench import server

        server_result = server.run(
            login_email=meta["login_email"], seconds=args.server_seconds, scaling=not args.quick, progress=progress
        )

    list_results = [{"group": v.group, "label": v.label, "params": v.params, **v.result} for v in variants]
    results: dict[str, Any] = {
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "git": report.git_state(),
        "machine_start": machine_start,
        "machine": report.machine(),
        "warning": warning,
        "postgres": database.server_settings(),
        "data": {key: value for key, value in meta.items() if key != "schema"},
        "list": {
            "target_ms": listpage.TARGET_MS,
            "runs": args.runs,
            "warmups": args.warmups,
            "budget_s": args.budget,
            "variants": list_results,
        },
        "renewals": {
            "target_ms": renewalspage.TARGET_MS,
            "variants": [{"label": v.label, "params": v.params, **v.result} for v in renewal_variants],
        },
        "home": {
            "target_ms": homepage.TARGET_MS,
            "variants": [{"label": v.label, "params": v.params, **v.result} for v in home_variants],
        },
        "api": {"target_ms": listpage.TARGET_MS, "variants": api_list},
        "export": exported,
        "job": job_result,
        "server": server_result,
        "index_sizes": database.index_sizes("customers_customer"),
        "elapsed_s": round(time.perf_counter() - STARTED, 1),
        "quick": args.quick,
    }
    results["targets"] = (
        report.targets(list_results, exported)
        + report.renewals_targets(results["renewals"]["variants"], renewalspage.TARGET_MS)
        + report.home_targets(results["home"]["variants"], homepage.TARGET_MS)
        + report.job_targets(job_result)
        + apipage.targets(api_list)
        + report.server_targets(server_result)
    )
    path = report.write(results)
    report.print_table(results, path)
    progress("done")
    return 1 if args.strict and not all(t["pass"] for t in results["targets"]) else 0


if __name__ == "__main__":
    sys.exit(main())
