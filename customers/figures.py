"""Per-customer figures stored on the customer row (NF-4, LIST-6, REN-11): counts and sums whose sources
live in the apps above (purchase authorizations, licence pools, prices), so the customer report and the
renewals page read one table. Each app registers, from its AppConfig.ready(), the SQL expressions
(correlated to the customer row) that compute its figures from their sources; this module applies them:

- `customer_figures_refresh(ids)` recomputes the figures of those customers set-based — every service
  calls it in the transaction that changed a source (with the customer's row locked), every periodic
  step for the customers it moved, set-based;
- `customer_figures_differences()` recomputes them from the sources and returns what differs from the
  stored row (`manage.py check_customer_figures`, the tests, the bench build).

Nothing stored depends on today's date: what does (pending vs past due, which licences a renewal
renews) is decided in SQL from the same row (customers.rules), so it is right the moment the date changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func, QuerySet
from django.db.models.sql.compiler import SQLCompiler

from customers.models import Customer

FigureExpressions = Callable[[], dict[str, Any]]
_sources: dict[str, FigureExpressions] = {}


def figures_register(name: str, expressions: FigureExpressions) -> None:
    """Called from an app's AppConfig.ready(): `expressions()` maps customer columns to ORM expressions
    over the customer row (subqueries correlated with OuterRef("pk")) that compute them from their
    sources alone, never from another stored figure: all of them are stored by one UPDATE, which reads
    the row as it was before. Registering a name again replaces it."""
    _sources[name] = expressions


def figure_expressions(sources: Iterable[str] | None = None) -> dict[str, Any]:
    """The expressions of every figure, or of those the named sources register."""
    expressions: dict[str, Any] = {}
    for name, build in _sources.items():
        if sources is None or name in sources:
            expressions |= build()
    return expressions


def _customers(customers: QuerySet[Customer] | Iterable[int] | None) -> QuerySet[Customer]:
    everyone = Customer.objects.with_scopes_disabled()
    if customers is None:
        return everyone.all()
    if isinstance(customers, QuerySet):
        return everyone.filter(pk__in=customers.values("pk"))  # type: ignore[misc]  # a subquery
    return everyone.filter(pk__any=list(customers))


def customer_figures_refresh(
    customers: QuerySet[Customer] | Iterable[int] | None, *, sources: Iterable[str] | None = None
) -> int:
    """Recompute the stored figures of these customers (ids or a queryset; None: all) from their sources,
    set-based, in one UPDATE: each UPDATE writes every row and all the table's indexes again (make bench,
    job stage). Call it inside the transaction that changed a source, after the change. `sources` (names
    given to figures_register) limits it to their figures, for a change that touches nothing else (the
    job's licence expiry: pools only). Returns how many customers it wrote."""
    expressions = figure_expressions(sources)
    return _customers(customers).update(**expressions) if expressions else 0


class IsDistinctFrom(Func):
    """a IS DISTINCT FROM b: NULL-safe inequality (two NULLs are equal, NULL and a value differ)."""

    arg_joiner = " IS DISTINCT FROM "
    template = "(%(expressions)s)"
    output_field = BooleanField()

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> tuple[str, Any]:
        return self.as_sql(compiler, connection, arg_joiner=" IS NOT ", **extra)


@dataclass(frozen=True)
class Difference:
    customer_id: int
    vip_id: str
    figure: str
    stored: Any
    expected: Any


def customer_figures_differences(
    customers: QuerySet[Customer] | Iterable[int] | None = None, *, limit: int | None = None
) -> Iterator[Difference]:
    """Every stored figure that differs from what its sources give now, set-based (one query)."""
    expressions = figure_expressions()
    if not expressions:
        return
    expected = {f"expected_{name}": expression for name, expression in expressions.items()}
    differs = [IsDistinctFrom(F(name), F(f"expected_{name}")) for name in expressions]
    condition = Func(*differs, template="(%(expressions)s)", arg_joiner=" OR ", output_field=BooleanField())
    rows = (
        _customers(customers)
        .annotate(**expected)
        .filter(condition)
        .order_by("pk")
        .values("pk", "vip_id", *expressions, *expected)
    )
    if limit is not None:
        rows = rows[:limit]
    for row in rows.iterator(chunk_size=2000):
        for name in expressions:
            if row[name] != row[f"expected_{name}"]:
                yield Difference(row["pk"], row["vip_id"], name, row[name], row[f"expected_{name}"])
