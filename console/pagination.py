"""A paginator for the long lists, told its total instead of counting (NF-4)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


class KnownCountPaginator(Paginator):
    """A paginator told its total (from a cached or stored count), so a list page never runs a second
    COUNT; a page's rows come from `page_of(offset, limit)`, which reads them the list's own fast way."""

    def __init__(self, page_of: Callable[[int, int], Sequence[Any] | QuerySet[Any]], per_page: int, count: int) -> None:
        super().__init__([], per_page)
        self.page_of = page_of
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count

    def page(self, number: int | str) -> Page:
        valid = self.validate_number(number)
        return Page(self.page_of((valid - 1) * self.per_page, self.per_page), valid, self)
