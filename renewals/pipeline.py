"""REN-11: the renewal pipeline — every customer from *upcoming* to *lapsed in the last 30 days*, with
its term's Anniversary Date, state, auto-renewal, expiring licences and projected renewal value.

Everything is one SQL expression per figure over customers_customer, so the page, its sort, its
totals per month and its CSV read the same numbers for 200,000 customers without a Python loop. The
projected value is REN-10's `renewal_quote` in SQL: the expiring licences (selectors.expiring, less
consumables, which never renew) priced at the level their quantity reaches, or a committed three-year
commit's locked level, at the price of that level or level 01 (pricing.price_for), for 12 months.
tests/renewals/test_pipeline.py holds it equal to `renewal_quote(...).total`.
"""

from __future__ import annotations

import calendar
import csv
import io
from collections.abc import Iterator
from dataclasses import astuple, dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache, reduce
from operator import or_
from typing import Any

from django.db import connection, connections
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, NullIf, TruncMonth
from django.db.models.lookups import Exact, GreaterThanOrEqual
from django.http import StreamingHttpResponse
from django_scopes import scope

from console.accounts.models import Membership, Reseller
from console.clock import policy
from customers.exports import BOM, _copy_chunks, _python_chunks, _safe, _text
from customers.models import Customer, ThreeYearCommitStatus
from customers.rules import (
    RenewalState,
    renewal_state,
    renewal_state_q,
    renewal_state_sql,
    renewal_term_renewed,
)
from customers.selectors import customer_rows_cached, customers_visible
from purchase_auth import rules
from purchase_auth.models import LicencePool, Price, ThreeYearCommit
from renewals.models import AutoRenewal

# REN-11: lapsed customers stay on the page for 30 days after their grace ended.
LAPSED_SHOWN_DAYS = 30
PIPELINE_STATES = [
    RenewalState.UPCOMING,
    RenewalState.READY,
    RenewalState.PARTIAL,
    RenewalState.RENEWED,
    RenewalState.IN_GRACE,
    RenewalState.LAPSED,
]
MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)

# The sort keys of the page; the id keeps the order total (stable pagination).
SORTS: dict[str, tuple[str, ...]] = {
    "ad": ("rn_ad", "id"),
    "value": ("rn_value", "rn_ad", "id"),
}


def pipeline_q(on: date) -> Q:
    """The customers the renewals page lists on `on` (REN-8 states, customers.rules)."""
    grace = policy("RENEWAL_GRACE_DAYS")
    in_cycle = [renewal_state_q(state, on) for state in PIPELINE_STATES if state != RenewalState.LAPSED]
    recently_lapsed = renewal_state_q(RenewalState.LAPSED, on) & Q(
        anniversary_date__gte=on - timedelta(days=grace + LAPSED_SHOWN_DAYS)
    )
    return reduce(or_, in_cycle) | recently_lapsed


def term_ad_sql(on: date) -> Case:
    """The Anniversary Date of the term in the pipeline: a (partially) renewed customer's AD moved 12
    months on already, so its row shows the AD it renewed (customers.rules.renewal_term_ad)."""
    renewed = renewal_state_q(RenewalState.RENEWED, on) | renewal_state_q(RenewalState.PARTIAL, on)
    return Case(When(renewed, then=F("renewed_ad")), default=F("anniversary_date"))


def _term_renewed(on: date) -> Q:
    """selectors.is_term_renewed over the customer row: the term being renewed on `on` is the one last
    renewed (the last renewed AD while its window is open, else the current AD equals it)."""
    since = on - timedelta(days=policy("RENEWAL_GRACE_DAYS"))
    return GreaterThanOrEqual(F("renewed_ad"), Value(since)) | Exact(F("anniversary_date"), F("renewed_ad"))


def _pools_sum(pools: QuerySet[LicencePool], amount: Any, output_field: Any) -> Subquery:
    summed = pools.order_by().values("customer").annotate(n=Sum(amount, output_field=output_field)).values("n")
    return Subquery(summed, output_field=output_field)


def expiring_licences_sql(on: date) -> Case:
    """REN-7/REN-11: how many licences of the term a renewal may still renew (selectors.expiring): the
    term's fulfilled licences, or after a (partial) renewal those left in grace — both stored on the row."""
    return Case(
        When(_term_renewed(on), then=F("renewal_licences_grace")),
        default=F("renewal_licences"),
        output_field=IntegerField(),
    )


def projected_value_sql(on: date) -> Case:
    """REN-10/REN-11: `renewal_quote(customer, expiring non-consumable lines).total`, from the values of
    both quantities stored on the row (renewal_figures)."""
    return Case(
        When(_term_renewed(on), then=F("renewal_value_grace")),
        default=F("renewal_value"),
        output_field=MONEY,
    )


def _unit_price(level: Any) -> Coalesce:
    """pricing.price_for for the pool's product in the customer's segment: the price of `level`, or of
    level 01 when the price list has none for it. A product without any price adds nothing."""

    def price(at: Any) -> Subquery:
        prices = Price.objects.filter(
            product=OuterRef("product_id"), segment=OuterRef(OuterRef("segment")), currency="USD", level=at
        )
        return Subquery(prices.order_by().values("unit_price")[:1], output_field=MONEY)

    return Coalesce(price(level), price(Value("01")), ZERO, output_field=MONEY)


def _customer(name: str, depth: int) -> Any:
    """The customer row's column `name` from an expression `depth` subqueries below the customer query."""
    if depth == 0:
        return F(name)
    reference = OuterRef(name)
    for _ in range(depth - 1):
        reference = OuterRef(reference)
    return reference


def _renewal_level(quantity: F, depth: int = 0) -> Case:
    """REN-2: the level a renewal of "`quantity` of every non-consumable licence pool" reaches (the volume
    level of its qualifying licences), or a committed three-year commit's locked level
    (purchasing.customer_level): renewals.selectors.renewal_level in SQL over the customer row, for an
    expression `depth` subqueries below the customer query."""
    pools = LicencePool.objects.filter(
        customer=_customer("pk", depth + 1), product__is_consumable=False, product__counts_for_vip_select=True
    )
    # The volume level in one subquery: its CASE reads the qualifying sum once, where a CASE over the
    # customer row would compute the sum again for each level it tries.
    reached = Case(
        *(When(GreaterThanOrEqual(Sum(quantity), lowest), then=Value(level)) for lowest, level in rules.VOLUME_LEVELS),
        default=Value("01"),
        output_field=CharField(),
    )
    volume = Subquery(pools.order_by().values("customer").annotate(level=reached).values("level"), CharField())
    commit = ThreeYearCommit.objects.with_scopes_disabled().filter(
        customer=_customer("pk", depth + 1), status=ThreeYearCommitStatus.COMMITTED
    )
    locked = Coalesce(
        NullIf(Subquery(commit.order_by("-requested_at", "-id").values("level")[:1]), Value("")),
        NullIf(_customer("vip_select_level", depth), Value("")),
        Value("01"),
        output_field=CharField(),
    )
    committed = Exact(_customer("three_year_commit_status", depth), Value(ThreeYearCommitStatus.COMMITTED))
    return Case(When(committed, then=locked), default=Coalesce(volume, Value("01")), output_field=CharField())


def _renewal_value(quantity: F) -> Coalesce:
    """REN-10: `renewal_quote(customer, lines).total` for the lines "`quantity` of every non-consumable
    licence pool", at the level their renewal reaches (_renewal_level): per line the price of that level
    (else level 01) for 12 months (rules.line_total with months=12: unit price × quantity). The level is
    computed here, not read from the row, so that one UPDATE stores both (customers.figures); it depends on
    the customer only, so PostgreSQL evaluates it once per customer (an InitPlan of the price lookup)."""
    pools = LicencePool.objects.filter(customer=OuterRef("pk"), product__is_consumable=False)
    return Coalesce(_pools_sum(pools, quantity * _unit_price(_renewal_level(quantity, depth=2)), MONEY), ZERO)


def renewal_figures() -> dict[str, Any]:
    """What renewals store on the customer row (customers.figures): per term quantity — the fulfilled
    licences (what a term not yet renewed may renew) and those in grace (what is left after a partial
    renewal) — how many there are, the level their renewal reaches and its projected value (REN-10, REN-11)."""
    pools = LicencePool.objects.filter(customer=OuterRef("pk"))
    return {
        "renewal_licences": Coalesce(_pools_sum(pools, F("fulfilled"), IntegerField()), Value(0)),
        "renewal_licences_grace": Coalesce(_pools_sum(pools, F("grace"), IntegerField()), Value(0)),
        "renewal_level": _renewal_level(F("fulfilled")),
        "renewal_level_grace": _renewal_level(F("grace")),
        "renewal_value": _renewal_value(F("fulfilled")),
        "renewal_value_grace": _renewal_value(F("grace")),
    }


def auto_renewal_sql() -> ExpressionWrapper:
    """selectors.auto_renewal_enabled: on by default, always on with a committed three-year commit."""
    off = AutoRenewal.objects.with_scopes_disabled().filter(customer=OuterRef("pk"), enabled=False)
    return ExpressionWrapper(
        Q(three_year_commit_status=ThreeYearCommitStatus.COMMITTED) | ~Exists(off), output_field=BooleanField()
    )


def renewal_pipeline(
    *,
    reseller: Reseller,
    on: date,
    state: str = "",
    month: date | None = None,
    managed_by: Membership | None = None,
    sort: str = "ad",
    descending: bool = False,
) -> QuerySet[Customer]:
    """The customers one view of the renewals page shows, with rn_ad (the term's AD), rn_state,
    rn_value, rn_expiring and rn_auto annotated, in the chosen order (also what its CSV contains)."""
    customers = customers_visible(reseller=reseller).filter(pipeline_q(on))
    if managed_by is not None:
        customers = customers.filter(managed_by=managed_by)
    customers = customers.annotate(rn_ad=term_ad_sql(on), rn_state=renewal_state_sql(on))
    if state:
        customers = customers.filter(rn_state=state)
    if month is not None:
        last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        customers = customers.filter(rn_ad__range=(month, last))
    customers = customers.annotate(
        rn_value=projected_value_sql(on), rn_expiring=expiring_licences_sql(on), rn_auto=auto_renewal_sql()
    )
    order = SORTS.get(sort, SORTS["ad"])
    if descending:
        order = tuple(f"-{field}" for field in order)
    return customers.order_by(*order)


def pipeline_state_counts(*, reseller: Reseller, on: date, managed_by: Membership | None = None) -> dict[str, int]:
    """How many customers of the pipeline are in each state, in one query."""
    customers = customers_visible(reseller=reseller)
    if managed_by is not None:
        customers = customers.filter(managed_by=managed_by)
    counts = customers.filter(pipeline_q(on)).aggregate(
        **{state: Count("pk", filter=renewal_state_q(state, on)) for state in PIPELINE_STATES}
    )
    return {state: counts[state] or 0 for state in PIPELINE_STATES}


# NF-4 at 200,000 customers: the page reads the pipeline as two disjoint parts, each one range of one
# covering index (customers.models: customer_renewals_ad, customer_renewals_renewed), so PostgreSQL
# answers from the indexes alone instead of visiting tens of thousands of heap pages.
CYCLE_STATES = frozenset({RenewalState.UPCOMING, RenewalState.READY, RenewalState.IN_GRACE, RenewalState.LAPSED})
RENEWED_STATES = frozenset({RenewalState.RENEWED, RenewalState.PARTIAL})


def _renewed_in_window(on: date) -> Q:
    return renewal_state_q(RenewalState.RENEWED, on) | renewal_state_q(RenewalState.PARTIAL, on)


def pipeline_parts(
    customers: QuerySet[Customer], on: date, *, state: str = "", month: date | None = None
) -> list[QuerySet[Customer]]:
    """`customers` on the pipeline as disjoint querysets whose union is exactly `filter(pipeline_q(on))`:
    those in their own AD's cycle (upcoming … lapsed in the last 30 days: a range of anniversary_date,
    not renewed this window) and those that renewed this window (a range of renewed_ad); each annotated
    with rn_ad and rn_value, narrowed to `state` and to the AD `month` when given."""
    grace, notice = policy("RENEWAL_GRACE_DAYS"), policy("RENEWAL_NOTICE_DAYS")
    renewed = _renewed_in_window(on)
    first = on - timedelta(days=grace + LAPSED_SHOWN_DAYS)
    parts = [
        (
            customers.filter(~renewed, anniversary_date__range=(first, on + timedelta(days=notice))),
            CYCLE_STATES,
            "anniversary_date",
        ),
        (customers.filter(renewed), RENEWED_STATES, "renewed_ad"),
    ]
    chosen: list[QuerySet[Customer]] = []
    for part, states, term_ad in parts:
        if state and state not in states:
            continue
        if state:
            part = part.filter(renewal_state_q(state, on))
        if month is not None:  # within a part the term's AD is one column
            last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
            part = part.filter(**{f"{term_ad}__range": (month, last)})
        # Within a part the term's AD is that column (term_ad_sql's choice is made by the part's filter).
        chosen.append(part.annotate(rn_ad=F(term_ad), rn_value=projected_value_sql(on)))
    return chosen


@dataclass(frozen=True)
class PipelineCell:
    month: date
    state: str
    customers: int
    value: Decimal


def pipeline_cells(customers: QuerySet[Customer], on: date) -> list[PipelineCell]:
    """How many customers of the pipeline and what projected value per AD month and state: the page's
    counts per state and totals per month. One index-only scan per part, grouped by the plain columns
    that decide the state (the term's AD; for a renewal, whether some licences were left out); the
    state and month of each group follow in Python from the same rule (customers.rules.renewal_state),
    and the groups of one month and state add up to one cell."""
    cycle, renewed = pipeline_parts(customers, on)
    found: dict[tuple[date, str], tuple[int, Decimal]] = {}

    def add(ad: date, state: str, customers: int, value: Decimal | None) -> None:
        key = (ad.replace(day=1), str(state))
        before, valued = found.get(key, (0, Decimal("0.00")))
        found[key] = (before + customers, valued + (value or Decimal("0.00")))

    by_ad: QuerySet[Any] = cycle.order_by().values("anniversary_date").annotate(n=Count("pk"), value=Sum("rn_value"))
    for row in by_ad:
        ad = row["anniversary_date"]
        add(ad, renewal_state(anniversary_date=ad, renewed_ad=None, renewal_shortfall=0, on=on), row["n"], row["value"])
    partial = Case(When(renewal_shortfall__gt=0, then=Value(1)), default=Value(0), output_field=IntegerField())
    by_renewed: QuerySet[Any] = (
        renewed.order_by()
        .annotate(rn_partial=partial)
        .values("renewed_ad", "rn_partial")
        .annotate(n=Count("pk"), value=Sum("rn_value"))
    )
    for row in by_renewed:
        ad = row["renewed_ad"]
        state = renewal_state(anniversary_date=None, renewed_ad=ad, renewal_shortfall=row["rn_partial"], on=on)
        add(ad, state, row["n"], row["value"])
    return [PipelineCell(month, state, n, value) for (month, state), (n, value) in found.items()]


def _cache_name(name: str, *view: object) -> str:
    """The name a cached figure of the pipeline is kept under (customer_rows_cached, which adds the reseller,
    the day and Managed by me): with the policy numbers the states follow, and the view."""
    days = (policy(key) for key in ("RENEWAL_NOTICE_DAYS", "RENEWAL_WINDOW_DAYS", "RENEWAL_GRACE_DAYS"))
    return ":".join(str(part) for part in (name, *days, *view))


def _customers_of(reseller: Reseller, managed_by: Membership | None) -> QuerySet[Customer]:
    customers = customers_visible(reseller=reseller)
    return customers.filter(managed_by=managed_by) if managed_by is not None else customers


def pipeline_cells_cached(
    *, reseller: Reseller, on: date, managed_by: Membership | None = None, version: int | None
) -> list[PipelineCell]:
    """`pipeline_cells` of the reseller's pipeline (of the customers `managed_by` manages, when given), cached
    under the reseller's CustomerListVersion `version` (customer_rows_version, read once a page), the day
    and the policy numbers the states depend on: every figure the cells hold is read from the customer rows,
    which raise that version with every write. Kept as plain tuples: a shared cache outlives a deployment
    that changes the class."""
    cells = customer_rows_cached(
        _cache_name("renewal-cells:1"),
        lambda: [astuple(cell) for cell in pipeline_cells(_customers_of(reseller, managed_by), on)],
        reseller=reseller,
        on=on,
        managed_by=managed_by,
        version=version,
    )
    return [PipelineCell(*cell) for cell in cells]


@dataclass(frozen=True)
class PipelineRow:
    """One customer of a page of the pipeline, with what renewal_pipeline annotates (rn_ad, rn_state,
    rn_expiring, rn_value, rn_auto), computed from its row by the Python form of each rule."""

    pk: int
    vip_id: str
    name: str
    term_ad: date
    state: str
    expiring: int
    value: Decimal
    auto: bool
    manager_first_name: str
    manager_last_name: str
    manager_email: str


ROW_FIELDS = (
    "id",
    "vip_id",
    "name",
    "anniversary_date",
    "renewed_ad",
    "renewal_shortfall",
    "renewal_licences",
    "renewal_licences_grace",
    "renewal_value",
    "renewal_value_grace",
    "managed_by__user__first_name",
    "managed_by__user__last_name",
    "managed_by__user__email",
)


def pipeline_row(row: dict[str, Any], on: date) -> PipelineRow:
    """A PipelineRow from the ROW_FIELDS of a customer (and rn_auto): the state (customers.rules), the
    term's AD as term_ad_sql picks it, and the quantities and value of expiring_licences_sql and
    projected_value_sql — both of the term once renewed, else of the current one."""
    ad, renewed_ad = row["anniversary_date"], row["renewed_ad"]
    state = renewal_state(anniversary_date=ad, renewed_ad=renewed_ad, renewal_shortfall=row["renewal_shortfall"], on=on)
    renewed = renewal_term_renewed(anniversary_date=ad, renewed_ad=renewed_ad, on=on)
    return PipelineRow(
        pk=row["id"],
        vip_id=row["vip_id"],
        name=row["name"],
        term_ad=renewed_ad if state in RENEWED_STATES else ad,
        state=state,
        expiring=row["renewal_licences_grace"] if renewed else row["renewal_licences"],
        value=row["renewal_value_grace"] if renewed else row["renewal_value"],
        auto=row["rn_auto"],
        manager_first_name=row["managed_by__user__first_name"] or "",
        manager_last_name=row["managed_by__user__last_name"] or "",
        manager_email=row["managed_by__user__email"] or "",
    )


def pipeline_page_ids(
    customers: QuerySet[Customer],
    on: date,
    *,
    state: str = "",
    month: date | None = None,
    sort: str = "ad",
    descending: bool = False,
    offset: int = 0,
    limit: int = 25,
) -> list[int]:
    """The ids of one page of the pipeline in the chosen order (as renewal_pipeline orders it), from the
    parts' indexes (UNION ALL, sorted, sliced)."""
    order = SORTS.get(sort, SORTS["ad"])
    if descending:
        order = tuple(f"-{field}" for field in order)
    columns = ["id", "rn_ad", "rn_value"] if "rn_value" in order[0] else ["id", "rn_ad"]  # only what sorts
    parts: list[QuerySet[Any]] = [
        part.order_by(*order).values_list(*columns) for part in pipeline_parts(customers, on, state=state, month=month)
    ]
    if not parts:
        return []
    union = parts[0]
    if len(parts) > 1:
        # Each part sorted and cut at the page's end as well: PostgreSQL plans a UNION's branches apart, and
        # would otherwise read every customer of both parts to sort them all (12–20 ms at 36,000 customers);
        # in AD order each branch reads a short stretch of its index (NF-4).
        union = union[: offset + limit].union(*(part[: offset + limit] for part in parts[1:]), all=True)
    return [row[0] for row in union.order_by(*order)[offset : offset + limit]]


def _rows_query(customers: QuerySet[Customer], ids: list[int]) -> QuerySet[Any]:
    # The ids as one array parameter, so the SQL is the same for any number of them (_rows_statement).
    listed = RawSQL('"customers_customer"."id" = ANY(%s)', (ids,), output_field=BooleanField())  # noqa: S611
    return customers.filter(listed).order_by().annotate(rn_auto=auto_renewal_sql()).values(*ROW_FIELDS, "rn_auto")


def pipeline_rows(customers: QuerySet[Customer], ids: list[int], on: date) -> list[PipelineRow]:
    """The customers `ids` in that order, with everything the page shows, in one query."""
    found = {row["id"]: pipeline_row(row, on) for row in _rows_query(customers, ids)}
    return [found[pk] for pk in ids if pk in found]


def pipeline_page(customers: QuerySet[Customer], on: date, **view: Any) -> list[PipelineRow]:
    """One page of the pipeline (pipeline_page_ids' view), with everything the page shows."""
    return pipeline_rows(customers, pipeline_page_ids(customers, on, **view), on)


# Stand-ins for the reseller, the manager and the page's ids while pipeline_page_cached's rows query is compiled
# once; each request passes its own values in their places.
_RESELLER, _MANAGER = -1_000_000_001, -1_000_000_002
_IDS: list[int] = [-1_000_000_003]


@cache
def _rows_statement(mine: bool) -> tuple[str, tuple[Any, ...], list[str]]:
    """The SQL of pipeline_rows' query (_rows_query) over customers_visible (of one manager's customers when
    `mine`), built and compiled once: that cost 0.8 ms a page, running it 0.1 ms (NF-4). Its parameters hold
    the stand-ins; its columns are named as values() names them, in its order (PostgreSQL converts nothing)."""
    # In the stand-in reseller's scope, as a request is in its own (console.tenancy): the scoped manager's
    # filter then holds the stand-in too, not the reseller of the request that compiled it first.
    with scope(reseller=_RESELLER):
        rows = _rows_query(_customers_of(Reseller(pk=_RESELLER), Membership(pk=_MANAGER) if mine else None), _IDS)
        sql, params = rows.query.sql_with_params()
    return sql, tuple(params), [*rows.query.extra_select, *rows.query.values_select, *rows.query.annotation_select]


def pipeline_page_cached(
    *, reseller: Reseller, on: date, managed_by: Membership | None = None, version: int | None, **view: Any
) -> list[PipelineRow]:
    """`pipeline_page` of the reseller's pipeline, its ids cached as pipeline_cells_cached's cells are (the
    order and the page follow from the customer rows alone); the rows are read afresh, for what they show
    from elsewhere (auto-renewal, the manager's name), by pipeline_rows' query compiled once."""
    ids = customer_rows_cached(
        _cache_name("renewal-page-ids:1", *(view[name] for name in sorted(view))),
        lambda: pipeline_page_ids(_customers_of(reseller, managed_by), on, **view),
        reseller=reseller,
        on=on,
        managed_by=managed_by,
        version=version,
    )
    if not ids:
        return []
    sql, stand_ins, names = _rows_statement(managed_by is not None)
    values = {_RESELLER: reseller.pk, _MANAGER: managed_by.pk if managed_by is not None else None}
    params = [ids if p is _IDS else values.get(p, p) if isinstance(p, int) else p for p in stand_ins]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    found = {row["id"]: pipeline_row(row, on) for row in rows}
    return [found[pk] for pk in ids if pk in found]


def month_totals(cells: list[PipelineCell], on: date, *, state: str = "") -> list[MonthTotal]:
    """Totals per AD month of the pipeline's cells (of one state when given), every month included."""
    counted = dict.fromkeys(pipeline_months(on), 0)
    valued = dict.fromkeys(counted, Decimal("0.00"))
    for cell in cells:
        if cell.month in counted and state in ("", cell.state):
            counted[cell.month] += cell.customers
            valued[cell.month] += cell.value or Decimal("0.00")
    return [MonthTotal(month=month, customers=counted[month], value=valued[month]) for month in counted]


@dataclass(frozen=True)
class MonthTotal:
    month: date
    customers: int
    value: Decimal


def pipeline_months(on: date) -> list[date]:
    """The first days of the months that the pipeline's Anniversary Dates fall in on `on`."""
    grace = policy("RENEWAL_GRACE_DAYS")
    first = (on - timedelta(days=grace + LAPSED_SHOWN_DAYS)).replace(day=1)
    last = on + timedelta(days=policy("RENEWAL_NOTICE_DAYS"))
    months = []
    while first <= last:
        months.append(first)
        first = (first + timedelta(days=32)).replace(day=1)
    return months


def pipeline_month_totals(customers: QuerySet[Customer], on: date) -> list[MonthTotal]:
    """The pipeline per Anniversary-Date month: how many customers and their projected value, in one
    query over the view's customers (every month of the pipeline, empty ones included)."""
    rows = (
        customers.order_by()
        .annotate(rn_month=TruncMonth("rn_ad"))
        .values("rn_month")
        .annotate(n=Count("pk"), value=Sum("rn_value"))
    )
    found = {row["rn_month"]: row for row in rows}
    return [
        MonthTotal(
            month=month,
            customers=found[month]["n"] if month in found else 0,
            value=found[month]["value"] if month in found else Decimal("0.00"),
        )
        for month in pipeline_months(on)
    ]


CSV_HEADER = [
    "VIP ID",
    "Organization name",
    "Anniversary Date",
    "Days left",
    "Renewal state",
    "Auto-renewal",
    "Expiring licences",
    "Projected renewal value (USD)",
    "Managed by",
]


def pipeline_csv_rows(customers: QuerySet[Customer], on: date) -> QuerySet:
    """The CSV of a view of the renewals page as text columns in CSV_HEADER order; names and emails are
    neutralised against formula injection like the customer report's (LIST-6)."""
    labels = Case(
        *(When(rn_state=state, then=Value(str(label))) for state, label in RenewalState.choices),
        default=Value(""),
        output_field=CharField(),
    )
    columns = {
        "x_vip_id": _text(F("vip_id")),
        "x_name": _safe(F("name")),
        "x_ad": _text(F("rn_ad")),
        # date − date is a whole number of days in PostgreSQL (Django's subtraction would give an interval)
        "x_days": _text(Func(F("rn_ad"), Value(on), template="(%(expressions)s)", arg_joiner=" - ")),
        "x_state": labels,
        "x_auto": Case(When(rn_auto=True, then=Value("on")), default=Value("off"), output_field=TextField()),
        "x_expiring": _text(F("rn_expiring")),
        "x_value": _text(F("rn_value")),
        "x_managed_by": _safe(F("managed_by__user__email")),
    }
    return customers.annotate(**columns).values_list(*columns)


def _csv_chunks(customers: QuerySet[Customer], on: date) -> Iterator[bytes]:
    header = io.StringIO()
    csv.writer(header, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(CSV_HEADER)
    yield BOM + header.getvalue().encode()
    rows = pipeline_csv_rows(customers, on)
    yield from (_copy_chunks(rows) if connections[rows.db].vendor == "postgresql" else _python_chunks(rows))


def pipeline_csv_response(customers: QuerySet[Customer], *, on: date) -> StreamingHttpResponse:
    """The streamed CSV (UTF-8 with BOM, every cell quoted), as the customer report."""
    response = StreamingHttpResponse(_csv_chunks(customers, on), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="renewals-{on.isoformat()}.csv"'
    response["Cache-Control"] = "no-store"
    return response
