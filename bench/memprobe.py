"""Run in a fresh process by bench.export: the peak memory of one CSV export, signed in as argv[1].

Prints one JSON line: rows, the RSS high-water mark above the level before the export (reset through
/proc/self/clear_refs, falling back to sampling per chunk), and tracemalloc's peak during a second export.
The warm-up export matches no customer, so whatever the rows need is part of the measured peak."""

from __future__ import annotations

import json
import sys
import time
import tracemalloc
from typing import cast

from django.http import StreamingHttpResponse


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def main() -> None:
    import django

    django.setup()
    import time_machine
    from django.test import Client

    from bench import config
    from console.accounts.models import User

    with time_machine.travel(config.ANCHOR, tick=True):
        client = Client(SERVER_NAME="localhost")
        client.force_login(User.objects.get(email=sys.argv[1]))

        def export(query: str = "") -> tuple[int, int]:
            sampled = 0
            rows = -1
            response = cast(StreamingHttpResponse, client.get(f"/customers/export.csv?filter=all&q={query}"))
            for chunk in response:
                rows += chunk.count(b"\n")
                sampled = max(sampled, _status_kib("VmRSS"))
            return rows, sampled

        export("no-such-customer")  # warm-up without rows: imports, the connection; not the buffers
        baseline = _status_kib("VmRSS")
        reset = _reset_peak()
        started = time.perf_counter()
        rows, sampled = export()
        seconds = time.perf_counter() - started
        peak = _status_kib("VmHWM") if reset else sampled
        tracemalloc.start()
        tracemalloc.reset_peak()
        export()
        traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": round(seconds, 3),
                "rss_before_kib": baseline,
                "rss_peak_kib": peak,
                "rss_peak_delta_kib": max(0, peak - baseline),
                "rss_peak_method": "VmHWM after clear_refs" if reset else "VmRSS sampled per chunk",
                "tracemalloc_peak_kib": round(traced_peak / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
