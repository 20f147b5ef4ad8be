from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (keeps filters while paging)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    query.pop("format", None)
    return query.urlencode()


@register.inclusion_tag("includes/sort_header.html", takes_context=True)
def sort_header(context: dict[str, Any], key: str, label: str) -> dict[str, Any]:
    """A sortable column header: links to ascending, then descending, keeping the rest of the state."""
    state = context["state"]
    active = state["sort"] == key
    descending = active and not state["descending"]
    query = context["request"].GET.copy()
    query["sort"] = f"-{key}" if descending else key
    query.pop("page", None)
    aria = "none"
    if active:
        aria = "descending" if state["descending"] else "ascending"
    return {"label": label, "query": query.urlencode(), "active": active, "aria": aria, "state": state}
