"""JOB-1/JOB-3: the periodic job over the whole benchmark database (1,000,000 customers).

Each measurement runs inside a transaction that is rolled back, so the data stay as built and every
run of `make bench` measures the same work. Three runs: the job on the anchor day (nothing new to
move), one day later (a day's transitions: what an hourly job meets), and that day again (JOB-2: the
second run moves nothing). The statement count is recorded for each."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from bench import config
from console.periodic import periodic_run

TARGET_S = 10.0  # NF-4: JOB-1 over 1,000,000 customers on its heaviest day


class _Rollback(Exception):
    pass


def _timed(on: Any, repeat_same_day: bool = False) -> dict[str, Any]:
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


def run(*, progress: Callable[[str], None]) -> dict[str, Any]:
    from customers.models import Customer
    from purchase_auth.models import PurchaseAuthorization

    with scopes_disabled():
        customers = Customer.objects.count()
        open_pas = PurchaseAuthorization.objects.filter(state__in=PurchaseAuthorization.OPEN_STATES).count()
    progress(f"Periodic job over {customers:,} customers and {open_pas:,} open purchase authorizations …")
    anchor = config.ANCHOR_DAY
    steady = _timed(anchor)
    next_day = _timed(anchor + timedelta(days=1), repeat_same_day=True)
    slowest = max(steady["seconds"], next_day["seconds"])
    return {
        "customers": customers,
        "open_purchase_authorizations": open_pas,
        "target_s": TARGET_S,
        "anchor_day": steady,
        "next_day": next_day,
        "ok": slowest <= TARGET_S,
        "idempotent": not any(
            count for step in next_day.get("second_run_moved", {}).values() for count in step.values()
        ),
    }
