"""Run the periodic job (JOB-1) by hand, as beat does; the run is recorded like any other."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scopes_disabled

from console.clock import today
from console.periodic import periodic_run, periodic_steps


class Command(BaseCommand):
    help = "Run every periodic step now (for today, or --on YYYY-MM-DD) and print what each moved."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", type=date.fromisoformat, help="the day to run for (default: today)")

    def handle(self, *args: Any, on: date | None = None, **options: Any) -> None:
        with scopes_disabled():
            counts = periodic_run(on=on or today())
        self.stdout.write(json.dumps(counts, indent=2, sort_keys=True))
        failed = [step.name for step in periodic_steps() if step.name not in counts]
        if failed:
            raise CommandError(f"Failed steps: {', '.join(failed)} (see the log and the admin's periodic runs)")
