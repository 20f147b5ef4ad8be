"""JOB-1: the periodic runner. It belongs to no domain app: each app contributes its steps from its
AppConfig.ready() with `periodic_step`, and beat runs them all, in order, at least hourly.

A step takes the day to run for and returns what it moved ({"overdue": 3, …}). Every step is
set-based (JOB-3) and idempotent (JOB-2): a second or concurrent run moves nothing and sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

StepFunction = Callable[..., dict[str, int]]


@dataclass(frozen=True)
class PeriodicStep:
    name: str
    run: StepFunction
    order: int


_steps: dict[str, PeriodicStep] = {}


def periodic_step(name: str, run: StepFunction, *, order: int) -> None:
    """Register `run(on=date)` as the step `name`; steps run by ascending `order`. Registering the same
    name again replaces the step (AppConfig.ready() may run more than once in tests)."""
    _steps[name] = PeriodicStep(name=name, run=run, order=order)


def periodic_steps() -> list[PeriodicStep]:
    return sorted(_steps.values(), key=lambda step: (step.order, step.name))


def periodic_run(*, on: date) -> dict[str, dict[str, int]]:
    """Run every registered step for `on`; returns what each moved, by step name."""
    return {step.name: step.run(on=on) for step in periodic_steps()}
