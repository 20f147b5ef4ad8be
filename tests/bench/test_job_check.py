"""The bench's JOB-3 check compares the job's statements at two scales for the same day; a check that
passes on a difference would hide a per-customer query."""

from __future__ import annotations

from typing import Any

from bench.report import job_targets


def _day(statements: int, moved: dict[str, dict[str, int]], second: int = 60, again: int = 0) -> dict[str, Any]:
    return {
        "seconds": 1.0,
        "statements": statements,
        "moved": moved,
        "second_run_statements": second,
        "second_run_moved": {"purchase_authorizations": {"overdue": again}},
    }


def _job(big: dict[str, Any], small: dict[str, Any]) -> dict[str, Any]:
    return {
        "customers": 1_000_000,
        "target_s": 10.0,
        "ok": True,
        "anchor_day": _day(70, {}),
        "next_day": big,
        "reference": {"customers": 10_000, **small},
    }


MOVED = {"purchase_authorizations": {"overdue": 5455, "suspended": 612}, "licence_expiry": {"partial": 0}}
FEW = {"purchase_authorizations": {"overdue": 54, "suspended": 6}, "licence_expiry": {"partial": 0}}


def _check(job: dict[str, Any]) -> dict[str, Any]:
    return next(t for t in job_targets(job) if t["name"].startswith("job: statements"))


def test_the_same_statements_at_both_scales_pass() -> None:
    assert _check(_job(_day(89, MOVED), _day(89, FEW)))["pass"]


def test_one_statement_more_over_more_customers_fails() -> None:
    check = _check(_job(_day(90, MOVED), _day(89, FEW)))
    assert not check["pass"] and check["margin"] == "+1 statements vs 1 % scale"


def test_a_second_run_that_moves_or_sends_more_fails() -> None:
    assert not _check(_job(_day(89, MOVED, again=3), _day(89, FEW)))["pass"]
    assert not _check(_job(_day(89, MOVED), _day(89, FEW, second=61)))["pass"]


def test_transitions_made_at_one_scale_only_are_not_comparable() -> None:
    few = {"purchase_authorizations": {"overdue": 54, "suspended": 0}, "licence_expiry": {"partial": 0}}
    check = _check(_job(_day(89, MOVED), _day(89, few)))
    assert not check["pass"] and "purchase_authorizations.suspended" in check["measured"]
