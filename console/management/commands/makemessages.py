"""`manage.py makemessages` that leaves out what is not the application: the tests, the benchmark and the
type stubs (the catalogue holds only strings people see). `.venv` and `node_modules` are symlinks or are
skipped by Django already."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import makemessages

IGNORED = ["tests/*", "bench/*", "stubs/*", "build/*", "node_modules/*", ".venv/*", "test-artifacts/*"]


class Command(makemessages.Command):
    def handle(self, *args: Any, **options: Any) -> str | None:
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *IGNORED]
        return super().handle(*args, **options)
