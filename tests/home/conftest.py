"""A book of customers across every state the home page reads, for two members of reseller A and for
reseller B (whose customers must never be counted), on a fixed day."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from customers.models import Customer, InvitationStatus
from purchase_auth.models import Order, Product
from tests.factories import CustomerFactory, LicencePoolFactory, OrderFactory, ProductFactory

ON = date(2027, 3, 15)
NOW = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def suite(db) -> Product:
    return ProductFactory(name="Suite")


def seed_book(
    membership: Any, suite: Product, *, prefix: str = "", on: date = ON, now: datetime = NOW
) -> dict[str, Customer]:
    """One customer in each state of the home page for `membership` on the day `on` (at `now`);
    returns them by state."""
    ON, NOW = on, now  # noqa: N806 (the same names as the module's fixed day)

    def customer(name: str, **fields: Any) -> Customer:
        return CustomerFactory(managed_by=membership, name=f"{prefix}{name}", **fields)

    def licensed(name: str, days_to_ad: int, quantity: int = 5, **fields: Any) -> Customer:
        made = customer(name, anniversary_date=ON + timedelta(days=days_to_ad), has_products=True, **fields)
        LicencePoolFactory(customer=made, product=suite, fulfilled=quantity)
        return made

    accepted = {"invitation_status": InvitationStatus.ACCEPTED, "invited_at": NOW - timedelta(days=300)}
    book = {
        "no_products": customer("No Products Org", **accepted),
        "pending_pa": customer(
            "Pending PA Org",
            has_products=True,
            open_pa_min_due=ON + timedelta(days=3),
            open_pa_max_due=ON + timedelta(days=3),
            open_pa_min_suspends=ON + timedelta(days=50),
            **accepted,
        ),
        "overdue": customer(
            "Overdue Org",
            has_products=True,
            open_pa_min_due=ON - timedelta(days=12),
            open_pa_max_due=ON - timedelta(days=12),
            open_pa_min_suspends=ON + timedelta(days=35),
            **accepted,
        ),
        "suspended": customer(
            "Suspended Org",
            has_products=True,
            open_pa_min_due=ON - timedelta(days=70),
            open_pa_max_due=ON + timedelta(days=2),
            open_pa_min_suspends=ON - timedelta(days=23),
            **accepted,
        ),
        "upcoming": licensed("Upcoming Org", 40, **accepted),
        "ready": licensed("Ready Org", 10, **accepted),
        "grace": licensed("Grace Org", -5, **accepted),
        "partial": licensed("Partial Org", 362, renewed_ad=ON - timedelta(days=3), renewal_shortfall=2, **accepted),
        "renewed": licensed("Renewed Org", 360, renewed_ad=ON - timedelta(days=5), **accepted),
        "lapsed": licensed("Lapsed Org", -45, **accepted),
        "long_lapsed": licensed("Long Lapsed Org", -200, **accepted),
        "stale_invitation": customer("Stale Invitation Org", invited_at=NOW - timedelta(days=20)),
        "fresh_invitation": customer("Fresh Invitation Org", invited_at=NOW - timedelta(days=3)),
        "removed": customer("Removed Org", removed_at=NOW - timedelta(days=40), **accepted),
    }
    for days, status in ((2, Order.Status.FAILED), (45, Order.Status.FAILED), (1, Order.Status.COMPLETE)):
        OrderFactory(
            customer=book["ready"],
            status=status,
            created_at=NOW - timedelta(days=days),
            failure_reason="Customer inactive" if status == Order.Status.FAILED else "",
        )
    return book


@pytest.fixture
def books(triad, suite) -> dict[str, dict[str, Customer]]:
    """Member A's book, admin A's book (so *Managed by me* matters) and reseller B's book."""
    return {
        "member_a": seed_book(triad.member_a, suite),
        "admin_a": seed_book(triad.admin_a, suite, prefix="Admin "),
        "member_b": seed_book(triad.member_b, suite, prefix="Bravo "),
    }


def item_counts(response: Any) -> dict[str, int]:
    assert response.status_code == 200
    return {name: int(n) for name, n in re.findall(r'data-count="(\w+)">(\d+)<', response.content.decode())}


def item_links(response: Any) -> dict[str, str]:
    """Each item's "See all" link (the list it counts)."""
    html = response.content.decode()
    links = {}
    for name in re.findall(r'data-item="(\w+)"', html):
        card = html.split(f'data-item="{name}"', 1)[1].split('data-item="', 1)[0]
        links[name] = re.search(r'<a href="([^"]+)"', card).group(1).replace("&amp;", "&")
    return links


def chart_rows(response: Any, chart: str) -> list[tuple[str, str, list[str]]]:
    """(label, link, [cells]) of a chart's table."""
    html = response.content.decode()
    part = html.split(f'data-chart="chart-{chart}"', 1)[1].split("</figure>", 1)[0]
    rows = []
    for row in re.findall(r"<tr data-chart-row>(.*?)</tr>", part, re.S):
        link = re.search(r'href="([^"]*)"', row)
        label = re.sub(r"<[^>]+>", "", re.search(r"<th[^>]*>(.*?)</th>", row, re.S).group(1)).strip()
        cells = [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows.append((label, link.group(1).replace("&amp;", "&") if link else "", cells))
    return rows


LIST_TOTAL = re.compile(r"(\d+) (?:customers?|orders?)(?: renewing in [^<]*)?\s*</p>")


def list_count(client: Client, url: str) -> int:
    """How many rows the list at `url` says it holds (0 when it shows its empty state)."""
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    match = LIST_TOTAL.search(html)
    return int(match.group(1)) if match else 0
