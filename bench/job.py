"""JOB-1/JOB-3: the periodic job over the whole benchmark database (1,000,000 customers).

Each measurement runs inside a transaction that is rolled back, so the data stay as built and every
run of `make bench` measures the same work. Three runs: the job on the anchor day (nothing new to
move), one day later (a day's transitions: what an hourly job meets), and that day again (JOB-2: the
second run moves nothing). The statement count is recorded for each.

JOB-3 (the same statements whatever the number of customers) is checked against a reference: the same
day on 1 % of the data (10,000 customers, the database of `--quick`), run by `python -m bench.job` in a
process of its own, which builds that database on first use. Both must send as many statements."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from bench import config

TARGET_S = 10.0  # NF-4: JOB-1 over 1,000,000 customers on its heaviest day


class _Rollback(Exception):
    pass


def _timed(on: Any, repeat_same_day: bool = False) -> dict[str, Any]:
    from console.periodic import periodic_run  # Django is set up by then (python -m bench.job sets it up)

    result: dict[str, Any] = {"on": on.isoformat()}
    try:
        with transaction.atomic(), scopes_disabled():
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                moved = periodic_run(on=on)
                result["seconds"] = round(time.perf_counter() - started, 3)
            result["statements"] = len(captured)
            result["moved"] = moved
            if repeat_same_day:
                with CaptureQueriesContext(connection) as again:
                    started = time.perf_counter()
                    result["second_run_moved"] = periodic_run(on=on)
                    result["second_run_seconds"] = round(time.perf_counter() - started, 3)
                result["second_run_statements"] = len(again)
            raise _Rollback
    except _Rollback:
        pass
    return result


def _next_day() -> dict[str, Any]:
    return _timed(config.ANCHOR_DAY + timedelta(days=1), repeat_same_day=True)


def reference(*, progress: Callable[[str], None]) -> dict[str, Any]:
    """The next day's run on the database at SMALL_SCALE, from `python -m bench.job` (its last line of
    output, JSON); its progress goes to stderr, shown here."""
    env = config.env_for_django() | {"BENCH_SCALE": str(config.SMALL_SCALE)}
    env.pop("DATABASE_URL")  # the child names its own database
    progress(f"  the same day at {config.SMALL_SCALE:.0%} scale, for the statement counts …")
    done = subprocess.run(  # noqa: S603 (this interpreter, a module of this repository)
        [sys.executable, "-m", "bench.job"], env=env, cwd=config.BASE_DIR, capture_output=True, text=True, check=False
    )
    for line in done.stderr.splitlines():
        progress(f"    {line}")
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"python -m bench.job failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(*, progress: Callable[[str], None]) -> dict[str, Any]:
    from customers.models import Customer
    from purchase_auth.models import PurchaseAuthorization

    with scopes_disabled():
        customers = Customer.objects.count()
        open_pas = PurchaseAuthorization.objects.filter(state__in=PurchaseAuthorization.OPEN_STATES).count()
    progress(f"Periodic job over {customers:,} customers and {open_pas:,} open purchase authorizations …")
    steady = _timed(config.ANCHOR_DAY)
    next_day = _next_day()
    slowest = max(steady["seconds"], next_day["seconds"])
    return {
        "customers": customers,
        "open_purchase_authorizations": open_pas,
        "target_s": TARGET_S,
        "anchor_day": steady,
        "next_day": next_day,
        "reference": reference(progress=progress),
        "ok": slowest <= TARGET_S,
        "idempotent": not any(
            count for step in next_day.get("second_run_moved", {}).values() for count in step.values()
        ),
    }


def _main() -> None:
    """The reference run: build or reuse the database at this process's scale, run the next day, print
    what it measured as one line of JSON (progress on stderr)."""
    os.environ.update(config.env_for_django())
    import django

    django.setup()
    import time_machine

    from bench import build, database
    from customers.models import Customer

    build.ensure(rebuild=False, progress=lambda message: print(message, file=sys.stderr, flush=True))
    with scopes_disabled():
        customers = Customer.objects.count()
    with time_machine.travel(config.ANCHOR, tick=True):
        result = _next_day()
    print(json.dumps({"customers": customers, "database": database.database_name(), **result}))


if __name__ == "__main__":
    _main()
