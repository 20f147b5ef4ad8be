"""LIST-6: the customer report. One queryset of text columns defines the report; PostgreSQL streams
it with COPY … TO STDOUT (about as fast as the database can go), other databases through Python's csv
module. Both write every value quoted, so the bytes are the same either way."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case, CharField, F, Func, QuerySet, TextField, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, Concat, Left
from django.db.models.lookups import In
from django.db.models.sql.compiler import SQLCompiler
from django.http import StreamingHttpResponse
from django.utils.functional import Promise

from console.accounts.models import MarketSegment
from console.csv import FORMULA_PREFIXES
from customers.models import Customer, CustomerType, InvitationStatus, ThreeYearCommitStatus
from customers.rules import RenewalState, open_pa_past_due_sql, open_pa_pending_sql, renewal_state_q

BOM = "\ufeff".encode()
CHUNK_BYTES = 256 * 1024

HEADER = [
    "VIP ID",
    "Organization name",
    "Organization name (English)",
    "Market segment",
    "Type",
    "Country",
    "Region",
    "City",
    "Postal code",
    "Address line 1",
    "Address line 2",
    "Primary contact name",
    "Primary contact email",
    "Invitation status",
    "Anniversary Date",
    "Extended term months",
    "Managed by",
    "VIP Select level",
    "3-year commit status",
    "Pending PA count",
    "Past-due PA count",
    "Renewal state",
    "Active licences",
    "Available licences",
    "Created at",
]


class IsoUtc(Func):
    """A timestamp as text, 2026-01-31T12:00:00Z, the same on PostgreSQL and SQLite."""

    output_field = TextField()

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> tuple[str, Any]:
        return self.as_sql(
            compiler,
            connection,
            template="to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
        )

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> tuple[str, Any]:
        return self.as_sql(compiler, connection, template="strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', %(expressions)s)")


def _text(expression: Combinable) -> Coalesce:
    return Coalesce(Cast(expression, TextField()), Value(""), output_field=TextField())


def _safe(expression: Combinable) -> Case:
    """No formula injection: a cell starting with = + - @ tab or CR gets a leading quote."""
    text = _text(expression)
    return Case(
        When(In(Left(text, 1), list(FORMULA_PREFIXES)), then=Concat(Value("'"), text, output_field=TextField())),
        default=text,
        output_field=TextField(),
    )


def _label(field: str, choices: Sequence[tuple[str, str | Promise]]) -> Case:
    return Case(
        *[When(**{field: value}, then=Value(str(label))) for value, label in choices],
        default=Value(""),
        output_field=CharField(),
    )


def report_rows(customers: QuerySet[Customer], *, on: date) -> QuerySet:
    """The report as a values_list queryset of text columns, in HEADER order: one scan of the customer
    table (and the join for Managed by). The PA and licence columns are figures stored on the row
    (customers.figures); pending vs past due is decided here from the row's due dates and `on`."""
    renewal = Case(
        *(
            When(renewal_state_q(state, on), then=Value(str(label)))
            for state, label in RenewalState.choices
            if state != RenewalState.NONE
        ),
        default=Value(""),
        output_field=CharField(),
    )
    columns = {
        "c_vip_id": _text(F("vip_id")),
        "c_name": _safe(F("name")),
        "c_name_en": _safe(F("name_en")),
        "c_segment": _label("segment", MarketSegment.choices),
        "c_type": _label("type", CustomerType.choices),
        "c_country": _text(F("country")),
        "c_region": _text(F("region")),
        "c_city": _safe(F("city")),
        "c_postal": _safe(F("postal_code")),
        "c_address1": _safe(F("address_line1")),
        "c_address2": _safe(F("address_line2")),
        "c_contact": _safe(
            Concat(F("contact_first_name"), Value(" "), F("contact_last_name"), output_field=TextField())
        ),
        "c_email": _safe(F("contact_email")),
        "c_status": _label("invitation_status", InvitationStatus.choices),
        "c_ad": _text(F("anniversary_date")),
        "c_ext": _text(F("extended_term_months")),
        "c_managed_by": _safe(F("managed_by__user__email")),
        "c_vip_select": _text(F("vip_select_level")),
        "c_commit": _label("three_year_commit_status", ThreeYearCommitStatus.choices),
        "c_pending_pas": _text(open_pa_pending_sql(on)),
        "c_past_due_pas": _text(open_pa_past_due_sql(on)),
        "c_renewal": renewal,
        "c_active": _text(F("licences_active")),
        "c_available": _text(F("licences_available")),
        "c_created": IsoUtc(F("created_at")),
    }
    return customers.annotate(**columns).values_list(*columns)


def _copy_chunks(rows: QuerySet) -> Iterator[bytes]:
    """PostgreSQL: COPY (the report query) TO STDOUT, coalescing libpq's small chunks into ~256 KiB."""
    connection = connections[rows.db]
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        # JIT compilation costs more than it saves on this statement (measured by make bench).
        cursor.execute("SET jit = off")
        try:
            statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)"  # noqa: S608 (Django-compiled SQL)
            with cursor.cursor.copy(statement, params) as copy:
                buffer = bytearray()
                for data in copy:
                    buffer += data
                    if len(buffer) >= CHUNK_BYTES:
                        yield bytes(buffer)
                        buffer.clear()
                if buffer:
                    yield bytes(buffer)
        finally:
            cursor.execute("RESET jit")


def _python_chunks(rows: QuerySet) -> Iterator[bytes]:
    """Any other database: the same bytes through the csv module."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for row in rows.iterator(chunk_size=5000):
        writer.writerow(row)
        if out.tell() >= CHUNK_BYTES:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue().encode()


def report_chunks(customers: QuerySet[Customer], *, on: date) -> Iterator[bytes]:
    """BOM, header, then the rows (UTF-8)."""
    header = io.StringIO()
    csv.writer(header, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(HEADER)
    yield BOM + header.getvalue().encode()
    rows = report_rows(customers, on=on)
    if connections[rows.db].vendor == "postgresql":
        yield from _copy_chunks(rows)
    else:
        yield from _python_chunks(rows)


def customer_report_response(customers: QuerySet[Customer], *, on: date) -> StreamingHttpResponse:
    response = StreamingHttpResponse(report_chunks(customers, on=on), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="customers-{on.isoformat()}.csv"'
    response["Cache-Control"] = "no-store"
    return response
