"""Everything the benchmark is parametrised by, in one place. Importing this module does not set up Django."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"

# BENCH_SCALE=0.01 builds 1 % of the data in a database of its own: for working on the benchmark itself.
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
# The scale of `--quick` and of the job's reference run (bench/job.py: the same statements at 10,000 customers).
SMALL_SCALE = 0.01
# The database of each scale: BENCH_DATABASE_URL names the one of 1,000,000 customers only, and
# BENCH_SCALED_DATABASE_URL the smaller one, so that a run at another scale never rebuilds the big one.
DATABASE_VARIABLE = "BENCH_DATABASE_URL" if SCALE == 1 else "BENCH_SCALED_DATABASE_URL"
DEFAULT_DATABASE_NAME = "console_bench" if SCALE == 1 else "console_bench_scaled"
DEFAULT_DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DEFAULT_DATABASE_NAME}"
SETTINGS_MODULE = "console.settings.base"

# Bump when the generated data change shape or meaning: a stored database with another version is rebuilt.
GENERATOR_VERSION = 7
SEED = 20261125

# "Today" for the data and for the application during the run (time-machine): fixed, so that every run
# and every rebuild sees the same customers in the same filters.
ANCHOR_DAY = date(2026, 11, 25)
ANCHOR = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

TOTAL_CUSTOMERS = round(1_000_000 * SCALE)
BIG_CUSTOMERS = round(200_000 * SCALE)
# (label, customers, how many such resellers); the big reseller first. Sums to TOTAL_CUSTOMERS.
RESELLER_SIZES: list[tuple[str, int, int]] = [
    ("big", BIG_CUSTOMERS, 1),
    ("large", round(100_000 * SCALE), 3),
    ("mid", round(50_000 * SCALE), 1),
    ("small", 1_000, round(450 * SCALE)),
]
if SCALE != 1:  # the small resellers keep their 1,000 customers; the big ones absorb the difference
    others = sum(size * n for label, size, n in RESELLER_SIZES if label != "large")
    RESELLER_SIZES[1] = ("large", max(1_000, (TOTAL_CUSTOMERS - others) // 3), 3)
    TOTAL_CUSTOMERS = sum(size * n for _, size, n in RESELLER_SIZES)
if sum(size * n for _, size, n in RESELLER_SIZES) != TOTAL_CUSTOMERS:
    raise ValueError("RESELLER_SIZES must add up to TOTAL_CUSTOMERS")

# The big reseller's team: five people manage its customers (share of the customers each), plus a viewer.
BIG_TEAM: list[tuple[str, str, str, str, float]] = [
    ("primary", "Petra", "Primärová", "primary_admin", 0.30),
    ("admin", "Adam", "Adams", "admin", 0.25),
    ("member1", "Mila", "Melnyk", "member", 0.20),  # the benchmark signs in as this one
    ("member2", "Jonas", "Berg", "member", 0.15),
    ("member3", "Zoë", "Lefèvre", "member", 0.10),
]
BENCH_LOGIN = "member1"
BIG_DOMAIN = "big.bench.example"


def database_url() -> str:
    return os.environ.get(DATABASE_VARIABLE, DEFAULT_DATABASE_URL)


def env_for_django() -> dict[str, str]:
    """The environment the application runs with in the benchmark (also for subprocesses)."""
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url()
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    env["DEBUG"] = "0"
    env["CONN_MAX_AGE"] = "0"
    env.setdefault("LOG_LEVEL", "WARNING")
    env.pop("REDIS_URL", None)  # locmem cache: the list page and the export do not use a cache
    return env
