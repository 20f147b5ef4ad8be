"""CSV helpers shared by every report (LIST-6, AUD-2)."""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def neutralise(row: Iterable[object]) -> list[object]:
    """Prefix cells that a spreadsheet would run as a formula with a quote (no formula injection)."""
    return [f"'{cell}" if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES) else cell for cell in row]
