from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django import template
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.formsets import BaseFormSet
from django.http import QueryDict
from django.template import Context, TemplateSyntaxError
from django.template.base import FilterExpression, NodeList, Parser, Token, token_kwargs
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from console.audit.models import AuditEvent
from console.audit.wording import describe

register = template.Library()


def _query_with(query: QueryDict, changes: dict[str, Any]) -> str:
    """`query` urlencoded with `changes` made (a value replaces the parameter where it stands or is appended; None
    drops it), as `copy()`, item assignments and `urlencode()` would write it, without the deep copy of every
    parameter: a list page writes a dozen such links (its sort headers, NF-4)."""
    pairs: list[tuple[str, str]] = []
    for key, values in query.lists():
        if key in changes:
            if changes[key] is not None:
                pairs.append((key, str(changes[key])))
        else:
            pairs.extend((key, value) for value in values)
    pairs += [(key, str(value)) for key, value in changes.items() if value is not None and key not in query]
    return urlencode(pairs)


@register.simple_tag(takes_context=True)
def query_replace(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (keeps filters while paging)."""
    return _query_with(context["request"].GET, {**changes, "format": None})


@register.inclusion_tag("includes/sort_header.html", takes_context=True)
def sort_header(context: dict[str, Any], key: str, label: str) -> dict[str, Any]:
    """A sortable column header: links to ascending, then descending, keeping the rest of the state."""
    state = context["state"]
    active = state["sort"] == key
    descending = active and not state["descending"]
    query = _query_with(context["request"].GET, {"sort": f"-{key}" if descending else key, "page": None})
    aria = "none"
    if active:
        aria = "descending" if state["descending"] else "ascending"
    return {"label": label, "query": query, "active": active, "aria": aria, "state": state}


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms: Any, non_field: bool = True) -> dict[str, Any]:
    """NF-6: the errors of a page's forms and formsets at the top, each linking to its field; the box
    takes the focus when the page loads (static/js/console.js). Formset rows are named by line number.
    `non_field=False` leaves out the errors of the whole form, for a form drawn by `|crispy` (which shows
    them itself)."""
    entries: list[tuple[str, str]] = []  # (link target or "", message)
    for form in forms:
        if form is None:
            continue
        if isinstance(form, BaseFormSet):
            if non_field:
                entries += [("", str(error)) for error in form.non_form_errors()]
            for number, line in enumerate(form.forms, start=1):
                entries += _field_errors(line, prefix=_("Line %(n)d") % {"n": number})
        else:
            if non_field:
                entries += [("", str(error)) for error in form.non_field_errors()]
            entries += _field_errors(form)
    return {"entries": entries}


def _field_errors(form: Any, prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for name, errors in form.errors.items():
        if name == NON_FIELD_ERRORS or name not in form.fields:
            continue
        field = form[name]
        label = f"{prefix} · {field.label}" if prefix else str(field.label)
        target = field.id_for_label or field.auto_id
        found += [(target, f"{label}: {error}") for error in errors]
    return found


PAGE_SIZES = (25, 50, 100)


@register.inclusion_tag("includes/page_size.html", takes_context=True)
def page_size(context: dict[str, Any], page: Any) -> dict[str, Any]:
    """The page-size choice under a paginated list: a GET form keeping the rest of the list's state (its
    other parameters as hidden fields) and starting again at page 1. Each list's form reads `per_page`
    and falls back to its default for anything but 25, 50 or 100."""
    keep = [
        (name, value)
        for name, values in context["request"].GET.lists()
        if name not in {"page", "per_page", "format"}
        for value in values
    ]
    return {"keep": keep, "sizes": PAGE_SIZES, "current": page.paginator.per_page, "show": page.paginator.count > 25}


@register.inclusion_tag("includes/breadcrumb.html")
def breadcrumb(*trail: str, here: str) -> dict[str, Any]:
    """The page's place in the console: `trail` is the pages above it, top first, as URL and label pairs
    (`{% breadcrumb customers_url _("Customers") here=customer.name %}`); `here` is the page itself."""
    if len(trail) % 2:
        raise TemplateSyntaxError("breadcrumb takes a URL and a label for each page above this one")
    return {"links": list(zip(trail[::2], trail[1::2], strict=True)), "here": here}


DATA_TABLE_CSS = "table table-sm align-middle table-stack"  # the tabs' tables, stacked into cards on a phone


class DataTableNode(template.Node):
    def __init__(
        self,
        rows: FilterExpression,
        options: dict[str, FilterExpression],
        head: NodeList,
        body: NodeList,
        empty: NodeList,
    ) -> None:
        self.rows, self.options, self.head, self.body, self.empty = rows, options, head, body, empty

    def render(self, context: Context) -> str:
        values: dict[str, Any] = {"css": DATA_TABLE_CSS}
        values |= {name: value.resolve(context) for name, value in self.options.items()}
        if self.rows.resolve(context):
            values |= {"has_rows": True, "head": self.head.render(context), "body": self.body.render(context)}
        else:
            values |= {"has_rows": False, "empty": self.empty.render(context)}
        return render_to_string("includes/data_table.html", values)


@register.tag
def data_table(parser: Parser, token: Token) -> DataTableNode:
    """A responsive table, or a paragraph when it has no rows:

        {% data_table rows caption=_("Orders") css="table table-sm" %}
          <th scope="col">…</th> …             the header cells
        {% table_body %}
          {% for row in rows %}<tr>…</tr>{% endfor %}
        {% table_empty %}
          {% translate "No orders yet." %}     shown instead of the table when `rows` is empty
        {% enddata_table %}

    `caption` is read by screen readers only; `css` defaults to the stacking table of the tabs.
    """
    bits = token.split_contents()
    options = token_kwargs(bits[2:], parser)
    if len(bits) < 3 or len(options) != len(bits) - 2 or not {"caption"} <= set(options) <= {"caption", "css"}:
        raise TemplateSyntaxError("data_table takes the rows, caption=… and optionally css=…")
    rows = parser.compile_filter(bits[1])
    head = parser.parse(("table_body",))
    parser.delete_first_token()
    body = parser.parse(("table_empty", "enddata_table"))
    empty = NodeList()
    if parser.next_token().contents == "table_empty":
        empty = parser.parse(("enddata_table",))
        parser.delete_first_token()
    return DataTableNode(rows, options, head, body, empty)


@register.filter
def machine_datetime(value: Any) -> str:
    """The `datetime` attribute of <time>: a valid HTML date or global date-and-time string (whole
    seconds, UTC offset), never the microseconds that `|date:'c'` writes and the HTML checker refuses."""
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            return value.replace(microsecond=0).isoformat()
        return timezone.localtime(value).replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return ""


@register.filter
def audit_sentence(event: AuditEvent) -> str:
    """One audit event in words (console.audit.wording), for lists that show only the sentence."""
    return describe(event).sentence
