"""DASH-1/DASH-2: the home page is assembled from what each app contributes. `console` draws the page
and the *Managed by me* switch; each app registers, from its AppConfig.ready(), its to-do items
(`home_item_register`) and its charts (`home_chart_register`), so console never imports the apps
above it.

An item is a function of the page's `HomeView` that returns a `TodoFigure`: how many, the first few
rows, and the URL of the filtered list that holds exactly those rows (the count must equal that list's
count: tests/home/test_figures_match_lists.py). A chart returns a `ChartData`, which the page draws
with Chart.js (static/js/home.js) and also writes out as a table for screen readers and for browsers
without JavaScript.

Every function runs a constant number of set-based queries, whatever the number of customers
(DASH-3: ≤ 100 ms p95 at the server, measured by `make bench`); figures that several items or
charts need are computed once per request with `HomeView.shared`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from django.urls import reverse

from console.accounts.models import Membership, Reseller

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

T = TypeVar("T")

# How many rows an item shows under its count.
ROWS_SHOWN = 5


@dataclass
class HomeView:
    """What the page is computed for: the reseller, the member, today and the *Managed by me* switch."""

    reseller: Reseller
    membership: Membership
    on: date
    mine: bool
    _shared: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def managed_by(self) -> Membership | None:
        """The membership to filter by, or None for every customer of the reseller."""
        return self.membership if self.mine else None

    def shared(self, key: str, compute: Callable[[], T]) -> T:
        """`compute()` once per page: items and charts that read the same figures share one query."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]

    def url(self, name: str, *, args: list[Any] | None = None, **params: str) -> str:
        """The URL of a list with its filter parameters, and `mine=on` when the switch is on."""
        query = {**params, **({"mine": "on"} if self.mine else {})}
        path = reverse(name, args=args)
        return f"{path}?{urlencode(query)}" if query else path


@dataclass(frozen=True)
class TodoRow:
    label: str
    url: str
    note: str = ""
    urgent: bool = False


@dataclass(frozen=True)
class TodoFigure:
    count: int
    rows: list[TodoRow]
    url: str


@dataclass(frozen=True)
class HomeItem:
    """A to-do item: `figure(view)` gives its count, first rows and list URL. Items show by `order`."""

    name: str
    title: StrOrPromise
    figure: Callable[[HomeView], TodoFigure]
    order: int
    # One line under the title that says what the item holds (e.g. "more than 14 days").
    help_text: StrOrPromise = ""


@dataclass(frozen=True)
class ChartSeries:
    label: StrOrPromise
    values: list[int] | list[Decimal]
    # "count" or "money": how the table formats the values and which axis the chart draws them on.
    unit: str = "count"
    # "bar" or "line"
    kind: str = "bar"


@dataclass(frozen=True)
class ChartData:
    labels: list[str]
    series: list[ChartSeries]
    # Optional: a URL per label (the list that holds that bar's customers) for the table.
    urls: list[str] = field(default_factory=list)
    currency: str = "USD"
    horizontal: bool = False

    def for_script(self) -> dict[str, Any]:
        """The JSON that home.js draws (money as numbers: Chart.js needs numbers; the table shows the
        exact Decimal)."""
        return {
            "labels": self.labels,
            "horizontal": self.horizontal,
            "currency": self.currency,
            "series": [
                {
                    "label": str(s.label),
                    "values": [float(v) if isinstance(v, Decimal) else v for v in s.values],
                    "unit": s.unit,
                    "kind": s.kind,
                }
                for s in self.series
            ],
        }

    def table_rows(self) -> list[tuple[str, str, list[tuple[int | Decimal, str]]]]:
        """(label, url, [(value, unit) of each series]) per label, for the table equivalent."""
        urls = self.urls or [""] * len(self.labels)
        return [
            (label, urls[i], [(series.values[i], series.unit) for series in self.series])
            for i, label in enumerate(self.labels)
        ]


@dataclass(frozen=True)
class HomeChart:
    name: str
    title: StrOrPromise
    data: Callable[[HomeView], ChartData]
    order: int
    help_text: StrOrPromise = ""


_items: dict[str, HomeItem] = {}
_charts: dict[str, HomeChart] = {}


def home_item_register(item: HomeItem) -> None:
    """Contribute a to-do item; registering a name again replaces it (ready() may run twice in tests)."""
    _items[item.name] = item


def home_chart_register(chart: HomeChart) -> None:
    """Contribute a chart; registering a name again replaces it."""
    _charts[chart.name] = chart


def home_items() -> list[HomeItem]:
    return sorted(_items.values(), key=lambda item: (item.order, item.name))


def home_charts() -> list[HomeChart]:
    return sorted(_charts.values(), key=lambda chart: (chart.order, chart.name))


def month_starts(on: date, *, back: int = 0, ahead: int = 0) -> list[date]:
    """The first days of the months from `back` months before `on`'s month to `ahead` months after."""
    index = on.year * 12 + on.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - back, index + ahead + 1)]
