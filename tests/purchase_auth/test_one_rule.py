"""PA-2 is one rule (customers.rules.payment_state): the list filters, the list badge, the Plans tab,
the CSV report and the periodic job read it, and none of them moves when an operator changes the
policies after a purchase authorization was created."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from console.periodic import periodic_run
from customers.models import Customer
from purchase_auth.models import PurchaseAuthorization
from purchase_auth.services import purchase_authorizations
from purchase_auth.services.common import Line
from tests.factories import CustomerFactory, ProductFactory

CREATED = date(2026, 3, 2)
BADGES = {"pending": "Pending request", "overdue": "Overdue", "suspended": "Suspended"}


def with_policy(settings, **numbers: int) -> None:
    settings.VIP_POLICY = {**settings.VIP_POLICY, **numbers}


def list_row(client, customer: Customer, customer_filter: str) -> str | None:
    """The customer's row on the list under `customer_filter`, or None when the filter leaves it out."""
    page = client.get(reverse("customers:list"), {"filter": customer_filter}).content.decode()
    match = re.search(rf'<tr data-vip="{customer.vip_id}">(.*?)</tr>', page, re.S)
    return match.group(1) if match else None


def plans_state(client, customer: Customer, pa: PurchaseAuthorization) -> str:
    page = client.get(reverse("customers:detail", args=[customer.vip_id]), {"tab": "plans"}).content.decode()
    row = re.search(rf'<tr data-pa="{pa.number}">(.*?)</tr>', page, re.S)
    assert row is not None
    return re.search(r'<span class="badge[^"]*">([^<]+)</span>', row.group(1)).group(1).strip().lower()


def report_counts(client, customer: Customer) -> tuple[int, int]:
    body = b"".join(client.get(reverse("customers:export")).streaming_content).decode("utf-8-sig")
    rows = {row["VIP ID"]: row for row in csv.DictReader(io.StringIO(body))}
    row = rows[customer.vip_id]
    return int(row["Pending PA count"]), int(row["Past-due PA count"])


@pytest.mark.parametrize(
    ("day", "old_policy", "new_policy"),
    [
        (4, "pending", "pending"),
        (6, "pending", "overdue"),
        (15, "overdue", "overdue"),
        (21, "overdue", "suspended"),
        (60, "overdue", "suspended"),
        (61, "suspended", "suspended"),
    ],
)
def test_list_badge_plans_tab_report_and_job_agree_after_both_policies_change(
    triad, member_client, settings, day, old_policy, new_policy
):
    product = ProductFactory()
    created = {}
    with time_machine.travel(CREATED, tick=False):
        # Under the default policies: due on day 14, suspended from day 61.
        for label, policy in (("old", {}), ("new", {"PA_DUE_DAYS": 5, "PA_SUSPEND_AFTER_DAYS": 20})):
            with_policy(settings, **({"PA_DUE_DAYS": 14, "PA_SUSPEND_AFTER_DAYS": 60} | policy))
            customer = CustomerFactory(managed_by=triad.member_a, name=f"Policy {label}")
            pa = purchase_authorizations.purchase_authorization_create(
                reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 3)]
            )
            created[label] = (customer, pa)
    # The operator changes both policies again before anyone reads.
    with_policy(settings, PA_DUE_DAYS=30, PA_SUSPEND_AFTER_DAYS=90)

    on = CREATED + timedelta(days=day)
    with time_machine.travel(on, tick=False):
        periodic_run(on=on)
        for label, expected in (("old", old_policy), ("new", new_policy)):
            customer, pa = created[label]
            pa.refresh_from_db()
            assert pa.state == expected, ("job", label)
            assert plans_state(member_client, customer, pa) == expected, ("plans tab", label)
            pending_row = list_row(member_client, customer, "pending")
            past_due_row = list_row(member_client, customer, "past_due")
            assert (pending_row is not None) == (expected == "pending"), ("pending filter", label)
            assert (past_due_row is not None) == (expected != "pending"), ("past-due filter", label)
            row = list_row(member_client, customer, "all")
            shown = {state for state, badge in BADGES.items() if badge in row}
            assert shown == {expected}, ("badge", label, shown)
            assert report_counts(member_client, customer) == ((1, 0) if expected == "pending" else (0, 1)), label
