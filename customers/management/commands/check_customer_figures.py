"""Prove the per-customer figures exact: recompute every stored figure from its sources, set-based, and
list what differs (customers.figures). Exits non-zero when anything differs; --fix stores the recomputed
figures afterwards (the same UPDATE the services run)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_scopes import scopes_disabled

from customers.figures import customer_figures_differences, customer_figures_refresh


class Command(BaseCommand):
    help = "Recompute every customer's stored figures from their sources and list the differences."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=1000, help="list at most this many customers (default 1000)")
        parser.add_argument("--fix", action="store_true", help="store the recomputed figures of every customer")

    def handle(self, *args: Any, limit: int = 1000, fix: bool = False, **options: Any) -> None:
        with scopes_disabled():
            differences = list(customer_figures_differences(limit=limit))
            for difference in differences:
                self.stdout.write(
                    f"{difference.vip_id}  {difference.figure}: stored {difference.stored!r}, "
                    f"sources give {difference.expected!r}"
                )
            if differences and fix:
                with transaction.atomic():
                    fixed = customer_figures_refresh(None)
                self.stdout.write(f"Stored the recomputed figures of {fixed} customers.")
        if differences:
            customers = len({d.customer_id for d in differences})
            raise CommandError(f"{len(differences)} figures of {customers} customers differ from their sources.")
        self.stdout.write("Every stored customer figure agrees with its sources.")
