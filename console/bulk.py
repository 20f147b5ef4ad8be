"""One statement for many rows in the periodic job's set-based steps (JOB-3): INSERT, cheaper than
bulk_create, and UPDATE … RETURNING.

bulk_create sends one array parameter per column, and psycopg escapes every element of every text array
in Python: for the job's heaviest day (~14,000 outbox rows and as many audit events over the bench's
million customers) that escaping took longer than the database's work. Here the rows travel as one JSON
document (json.dumps, in C) that PostgreSQL unpacks with jsonb_to_recordset; columns that are the same
for every row are sent once. Other databases get bulk_create.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar, cast

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections
from django.db.models import Field, Model, QuerySet
from django.db.models.sql import UpdateQuery

M = TypeVar("M", bound=Model)


def _field(model: type[Model], name: str) -> Field:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:
        raise TypeError(f"{name} is not a column of {model._meta.label}")
    return field


def _type(field: Field) -> str:
    return str(field.db_type(connection))


def bulk_insert(
    model: type[Model],
    rows: list[dict[str, Any]],
    *,
    same: dict[str, Any],
    ignore_conflicts: bool = False,
    key: str | None = None,
) -> dict[Any, Any]:
    """INSERT `rows` (dicts of field attnames; every row the same keys) into `model`'s table, each with
    the values of `same`; every other column takes its field's default. With `ignore_conflicts`, rows
    that break a unique constraint are left out (ON CONFLICT DO NOTHING), as bulk_create's option.
    With `key` (a unique field every row gives), returns each inserted row's primary key by its value
    of that field (RETURNING); otherwise an empty dict."""
    if not rows:
        return {}
    meta = model._meta
    given = set(rows[0]) | set(same)
    defaults = {
        field.attname: field.get_default()
        for field in meta.concrete_fields
        if field.attname not in given and not field.primary_key
    }
    same = same | defaults
    if connection.vendor != "postgresql":
        created = model._default_manager.bulk_create(
            [model(**row, **same) for row in rows], ignore_conflicts=ignore_conflicts
        )
        return {getattr(instance, key): instance.pk for instance in created} if key else {}
    quote = connection.ops.quote_name
    varying = [_field(model, name) for name in rows[0]]
    fixed = [_field(model, name) for name in same]
    record = ", ".join(f"{quote(str(field.column))} {_type(field)}" for field in varying)
    columns = ", ".join(quote(str(field.column)) for field in [*varying, *fixed])
    values = ", ".join(
        [f"r.{quote(str(field.column))}" for field in varying] + [f"%s::{_type(field)}" for field in fixed]
    )
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    if key:
        conflict += f" RETURNING {quote(str(_field(model, key).column))}, {quote(str(meta.pk.column))}"
    # Names quoted, from the model; every value a parameter.
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT {values} FROM jsonb_to_recordset(%s::jsonb) AS r({record}){conflict}"  # noqa: S608, E501
    payload = json.dumps(
        [{field.column: row[field.attname] for field in varying} for row in rows], cls=DjangoJSONEncoder
    )
    params = [field.get_db_prep_save(same[field.attname], connection) for field in fixed]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, payload])
        return dict(cursor.fetchall()) if key else {}


def update_returning(rows: QuerySet[M], values: dict[str, Any], fields: Sequence[str]) -> list[M]:
    """`rows.update(**values)`, returning the rows it wrote as they are after it: instances with the pk
    and `fields` (plain columns of the model) loaded. On PostgreSQL one statement (UPDATE … RETURNING),
    which finds, locks and writes the rows in one scan, where locking them (select_for_update), updating
    them and reading them again scanned them three times; elsewhere those three statements."""
    model, database = rows.model, connections[rows.db]
    if database.vendor != "postgresql":
        ids = list(rows.select_for_update().values_list("pk", flat=True))
        written = model._base_manager.using(rows.db).filter(pk__in=ids)  # not the (tenant-scoped) default
        written.update(**values)
        return list(written.only(*fields))
    query = cast(UpdateQuery, rows.query.chain(UpdateQuery))  # chain() is typed as returning a Query
    query.add_update_values(values)
    sql, params = query.get_compiler(rows.db).as_sql()
    quote = database.ops.quote_name
    wanted = {model._meta.pk, *(_field(model, name) for name in fields)}
    returned = [field for field in model._meta.concrete_fields if field in wanted]  # from_db's order
    columns = ", ".join(f"{quote(model._meta.db_table)}.{quote(str(field.column))}" for field in returned)
    with database.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {columns}", params)
        return [model.from_db(rows.db, [field.attname for field in returned], row) for row in cursor.fetchall()]
