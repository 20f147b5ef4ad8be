"""Demo data for `make run` (the seed_demo command). The command creates the resellers and their
teams; each app contributes a step from its AppConfig.ready() that adds its own rows, so console
never imports the apps built on it. Steps run by ascending order and pass what they made to later
steps through `DemoRun.made` (customers hand their new customers to purchasing). Every step is
idempotent: running seed_demo again creates nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from console.accounts.models import Reseller

DEMO_PASSWORD = "demo-console-2026"  # noqa: S105  (printed for people trying the console locally)


@dataclass
class DemoRun:
    resellers: list[Reseller]
    made: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    # Extra sign-ins a step makes (e.g. a customer admin for the member portal): (who, role, email).
    logins: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DemoStep:
    name: str
    run: Callable[[DemoRun], None]
    order: int


_steps: dict[str, DemoStep] = {}


def demo_step(name: str, run: Callable[[DemoRun], None], *, order: int) -> None:
    _steps[name] = DemoStep(name=name, run=run, order=order)


def demo_run(resellers: list[Reseller]) -> DemoRun:
    """Run every app's demo step for `resellers`; call inside a transaction with scopes disabled."""
    run = DemoRun(resellers=resellers)
    for step in sorted(_steps.values(), key=lambda s: (s.order, s.name)):
        step.run(run)
    return run
