"""The customer details page (DET-1…DET-4) is assembled from sections: `customers` draws the overview
and the History tab, and apps above it contribute tabs (purchasing: Plans, Orders) and parts of the
overview from their AppConfig.ready(), each drawn by that app's own view function and template. So
`customers` never imports the apps that build on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.http import ConsoleRequest
from customers.models import Customer

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SectionContext = Callable[[ConsoleRequest, Customer], dict[str, Any]]


@dataclass(frozen=True)
class DetailSection:
    """A tab (`name` in the URL's ?tab=) or, with `tab="overview"`, a part of the overview tab."""

    name: str
    label: StrOrPromise
    template: str
    context: SectionContext
    order: int
    tab: str = ""


_sections: dict[str, DetailSection] = {}


def detail_section_register(section: DetailSection) -> None:
    """Contribute a tab or an overview part; registering a name again replaces it."""
    _sections[section.name] = section


def detail_tabs() -> list[DetailSection]:
    return sorted((s for s in _sections.values() if not s.tab), key=lambda s: s.order)


def overview_parts() -> list[DetailSection]:
    return sorted((s for s in _sections.values() if s.tab == "overview"), key=lambda s: s.order)
