"""API-7: cursor (keyset) pagination for the customer list. The cursor holds the sort key of the
last row sent, signed, so a page is found by an index walk from there (no OFFSET, no COUNT) whatever
the depth, in any of the list's sort orders (LIST-4), including the nullable Anniversary Date."""

from __future__ import annotations

import functools
import operator
from datetime import date, datetime
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Field, Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.request import Request

SALT = "api.cursor"


class InvalidCursor(exceptions.ValidationError):
    def __init__(self) -> None:
        super().__init__({"cursor": [_("This cursor is not valid; start again from the first page.")]})


def _model_field(model: type[Model], path: str) -> Field[Any, Any]:
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model  # type: ignore[assignment]
    field = model._meta.get_field(name)
    assert isinstance(field, Field)  # noqa: S101
    return field


def _value(obj: Any, path: str) -> Any:
    if isinstance(obj, dict):  # a row of .values(): keyed by the whole path
        return obj[path]
    for part in path.split("__"):
        obj = getattr(obj, part) if obj is not None else None
    return obj


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _after(field: str, value: Any, descending: bool, nullable: bool) -> Q:
    """Rows after `value` in this column's order (PostgreSQL: NULLs last ascending, first descending)."""
    if value is None:
        return Q(**{f"{field}__isnull": False}) if descending else Q(pk__in=[])
    after = Q(**{f"{field}__{'lt' if descending else 'gt'}": value})
    return after | Q(**{f"{field}__isnull": True}) if nullable and not descending else after


def _same(field: str, value: Any) -> Q:
    return Q(**{f"{field}__isnull": True}) if value is None else Q(**{field: value})


def keyset_page(
    queryset: QuerySet[Any], *, order: tuple[str, ...], cursor: str | None, size: int
) -> tuple[list[Any], str | None]:
    """One page of `queryset` ordered by `order` (all ascending or all descending, ending in a unique
    column), after `cursor`; returns the rows and the cursor of the next page (None on the last)."""
    descending = order[0].startswith("-")
    fields = tuple(name.lstrip("-") for name in order)
    model_fields = [_model_field(queryset.model, name) for name in fields]
    if cursor:
        try:
            raw = signing.loads(cursor, salt=SALT)
            if not isinstance(raw, list) or len(raw) != len(fields):
                raise InvalidCursor()
            values = [None if v is None else f.to_python(v) for f, v in zip(model_fields, raw, strict=True)]
        except (signing.BadSignature, ValidationError, TypeError, ValueError) as error:
            raise InvalidCursor() from error
        clauses = []
        for index, (name, value) in enumerate(zip(fields, values, strict=True)):
            same = [_same(fields[i], values[i]) for i in range(index)]
            clauses.append(
                functools.reduce(operator.and_, [*same, _after(name, value, descending, model_fields[index].null)])
            )
        queryset = queryset.filter(functools.reduce(operator.or_, clauses))
    rows = list(queryset[: size + 1])
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    last = [_jsonable(_value(rows[-1], name)) for name in fields]
    return rows, signing.dumps(last, salt=SALT)


def next_page_url(request: Request, cursor: str | None) -> str | None:
    """The URL of the page after this one (the same query with `cursor`), or None on the last page."""
    if not cursor:
        return None
    params = request.query_params.copy()
    params["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
