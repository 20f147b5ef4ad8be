"""Purchasing's figures on the customer row (customers.figures): what the list filters read (LIST-2: products
ever requested or bought, the open PAs' earliest and latest due dates and earliest suspension date) and
what the report reads (LIST-6: how many PAs are open and their due dates, so the pending/past-due split is
made in SQL on any day; active and available licences, ORD-4). Each figure is one expression over its
sources, correlated to the customer row: the same expressions store the figures and check them."""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    JSONField,
    Max,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.sql.compiler import SQLCompiler

from purchase_auth.models import LicencePool, Order, PurchaseAuthorization


class SortedIsoDates(Subquery):
    """A subquery of one date column as a JSON array of ISO dates, ascending ([] when it has no rows)."""

    output_field = JSONField()

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> tuple[str, Any]:
        template = (
            "(SELECT coalesce(jsonb_agg(to_char(d.v, 'YYYY-MM-DD') ORDER BY d.v), '[]'::jsonb)"
            " FROM (%(subquery)s) AS d(v))"
        )
        return super().as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> tuple[str, Any]:
        template = "(SELECT coalesce(json_group_array(d.due_date), '[]') FROM (%(subquery)s) AS d)"
        return super().as_sql(compiler, connection, template=template, **extra)


def _aggregate(rows: QuerySet, **aggregate: Any) -> Subquery:
    (name,) = aggregate
    return Subquery(rows.order_by().values("customer").annotate(**aggregate).values(name))


def purchase_authorization_figures() -> dict[str, Any]:
    """What the purchase authorizations and orders give: products ever requested or bought, the open PAs."""
    open_pas = PurchaseAuthorization.objects.with_scopes_disabled().filter(
        customer=OuterRef("pk"), state__in=PurchaseAuthorization.OPEN_STATES
    )
    ever = PurchaseAuthorization.objects.with_scopes_disabled().filter(customer=OuterRef("pk"))
    orders = Order.objects.with_scopes_disabled().filter(customer=OuterRef("pk"))
    return {
        "has_products": ExpressionWrapper(Exists(ever) | Exists(orders), output_field=BooleanField()),
        "open_pa_min_due": _aggregate(open_pas, v=Min("due_date")),
        "open_pa_max_due": _aggregate(open_pas, v=Max("due_date")),
        "open_pa_min_suspends": _aggregate(open_pas, v=Min("suspends_on")),
        "open_pa_count": Coalesce(_aggregate(open_pas, v=Count("pk")), Value(0)),
        "open_pa_dues": SortedIsoDates(open_pas.order_by("due_date").values("due_date")),
    }


def licence_figures() -> dict[str, Any]:
    """What the licence pools give (ORD-4): active and available licences."""
    pools = LicencePool.objects.filter(customer=OuterRef("pk"))
    return {
        "licences_active": Coalesce(_aggregate(pools, v=Sum("assigned")), Value(0)),
        "licences_available": Coalesce(
            _aggregate(pools, v=Sum("fulfilled") + Sum("pending") + Sum("grace") - Sum("assigned")), Value(0)
        ),
    }
