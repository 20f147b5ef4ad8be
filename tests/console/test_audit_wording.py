"""AUD-2 in words: every verb the code emits has a sentence, field values read as labels and names, and
the customer's History shows its orders and returns (console.audit.wording, customers.history)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from console.audit.models import AuditEvent
from console.audit.services import audit_log
from console.audit.wording import audit_verbs, describe
from purchase_auth.services import orders, purchase_authorizations
from purchase_auth.services.common import Line
from tests.factories import AuditEventFactory, CustomerFactory, ProductFactory

APPS = ["console", "customers", "purchase_auth", "renewals", "api", "portal"]
# action=f"…{…}…": what each template can become (a new one fails the test until it is listed here).
TEMPLATED = {
    "pa.{pa.state}": {"pa.overdue", "pa.suspended"},
    "customer.commit_{c.status}": {"customer.commit_non_compliant", "customer.commit_expired"},
}
ACTION = re.compile(r"\baction=(?P<expr>[^,\n]+)")
LITERAL = re.compile(r"(?P<f>f?)\"(?P<text>[^\"]*)\"")


def verbs_in_the_code() -> set[str]:
    """Every verb passed to audit_log / AuditEntry in the apps' source (the tests and migrations aside)."""
    verbs: set[str] = set()
    base = Path(settings.BASE_DIR)
    for app in APPS:
        for path in (base / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text()
            if "audit_log" not in text and "AuditEntry" not in text:
                continue
            for match in ACTION.finditer(text):
                for literal in LITERAL.finditer(match["expr"]):
                    value = literal["text"]
                    if "." not in value:
                        continue
                    if literal["f"] and "{" in value:
                        assert value in TEMPLATED, f"{path}: list what action={value!r} becomes in TEMPLATED"
                        verbs |= TEMPLATED[value]
                    else:
                        verbs.add(value)
    return verbs


def test_the_code_emits_the_verbs_this_test_finds():
    found = verbs_in_the_code()
    # The search itself works: verbs of every app, the conditional and the templated ones among them.
    assert {"customer.invite", "team.join", "order.return", "licences.expire", "webhook.enable"} <= found
    assert {"reseller.deactivate", "reseller.reactivate", "pa.overdue", "customer.commit_expired"} <= found


def test_every_verb_the_code_emits_has_a_sentence():
    missing = verbs_in_the_code() - audit_verbs()
    assert not missing, f"Register a sentence (audit_verb_register) for: {sorted(missing)}"


@pytest.mark.parametrize("action", sorted(verbs_in_the_code()))
def test_every_sentence_reads_without_its_values_and_in_ukrainian(action, db):
    event = AuditEventFactory.build(action=action, object_repr="X", changes={})
    english = describe(event, {}).sentence
    assert english and "%(" not in english and action not in english
    with translation.override("uk"):
        assert describe(event, {}).sentence


def test_choices_countries_regions_dates_and_people_read_as_words(triad):
    customer = CustomerFactory(managed_by=triad.member_a, segment="EDU", country="UA", region="UA-30")
    event = audit_log(
        reseller=triad.reseller_a,
        actor=triad.member_a.user,
        action="customer.invite",
        obj=customer,
        changes={
            "segment": [None, "EDU"],
            "country": [None, "UA"],
            "region": [None, "UA-30"],
            "anniversary_date": [None, date(2027, 3, 10)],
            "managed_by": [None, triad.member_a.user.email],
            "type": [None, "TEAM"],
        },
    )
    wording = describe(event)
    assert wording.sentence == f"Customer {customer} invited"
    rows = {row.label: row.after for row in wording.rows}
    assert rows["Market segment"] == "Education"
    assert rows["Country"] == "Ukraine"
    assert rows["Region"] == "Kyiv"
    assert rows["Anniversary Date"] == formats.date_format(date(2027, 3, 10), "DATE_FORMAT")
    assert rows["Managed by"] == f"{triad.member_a.user.get_full_name()} ({triad.member_a.user.email})"
    assert rows["Type"] == "Team"
    assert all(row.before == "—" for row in wording.rows)


def test_an_unknown_verb_and_field_still_read(db):
    event = AuditEventFactory.build(action="future.thing", changes={"some_field": [1, 2]})
    wording = describe(event, {})
    assert wording.sentence == "future.thing"
    assert [(r.label, r.before, r.after) for r in wording.rows] == [("Some field", "1", "2")]


@pytest.fixture
def frozen():
    with time_machine.travel(date(2026, 3, 10), tick=False) as traveller:
        yield traveller


def test_the_history_shows_the_pa_the_order_and_the_return_in_words(
    triad, member_client, frozen, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(managed_by=triad.member_a, segment="COM")
    product = ProductFactory(code="SUITE-T", name="Design Suite")
    pa = purchase_authorizations.purchase_authorization_create(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 12)]
    )
    with django_capture_on_commit_callbacks(execute=True):
        order = orders.order_place(
            reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, pa_number=pa.number
        )
    frozen.move_to(date(2026, 3, 12))
    record = orders.order_return(
        reseller=triad.reseller_a,
        actor=triad.member_a.user,
        vip_id=customer.vip_id,
        order_number=order.number,
        quantities={order.lines.get().pk: 2},
    )
    other = CustomerFactory(managed_by=triad.member_a, segment="COM")  # its events stay in its own History
    audit_log(reseller=triad.reseller_a, actor=None, action="customer.reminder", obj=other, changes={})

    page = member_client.get(reverse("customers:detail", args=[customer.vip_id]), {"tab": "history"})
    body = page.content.decode()
    for text in [
        f"Purchase authorization {pa.number} created",
        f"Order {order.number} placed",
        f"Order {order.number} completed",
        f"Return {record.number} of order {order.number}",
        "VIP Select level:</span> — → Level 02 (10–49 licences)",
    ]:
        assert text in body, text
    assert body.count(f"Purchase authorization {pa.number} created") == 1  # the customer-level twin is hidden
    assert "Invitation reminder sent" not in body
    for code in ("pa.create", "order.place", "order.return", "customer.pa_create"):
        assert f">{code}<" not in body
    actions = re.findall(r'data-action="([^"]+)"', body)
    assert actions[0] == "order.return"  # newest first
    assert AuditEvent.objects.filter(action="order.return", object_id=str(order.pk)).exists()


def test_the_activity_log_and_its_csv_speak_words(triad, admin_client_a):
    customer = CustomerFactory(managed_by=triad.member_a)
    audit_log(
        reseller=triad.reseller_a,
        actor=triad.member_a.user,
        action="customer.pa_create",
        obj=customer,
        changes={"pa": [None, "PA0000042"]},
    )
    page = admin_client_a.get(reverse("console:activity")).content.decode()
    assert "Purchase authorization PA0000042 created" in page and "<code>customer.pa_create</code>" not in page
    response = admin_client_a.get(reverse("console:activity"), {"format": "csv"})
    body = b"".join(response.streaming_content).decode()
    assert "customer.pa_create,Purchase authorization PA0000042 created" in body
    assert "Purchase authorization: — → PA0000042" in body


@pytest.mark.parametrize(
    ("bought", "expected"),
    [
        (
            0,
            [
                "Not qualified this term: Level 01 (1–9 licences)",
                "0 qualifying licences counted this term",
                "10 more reach VIP Select (Level 02 (10–49 licences))",
            ],
        ),
        (
            14,
            [
                "Level 02 (10–49 licences)",
                "14 qualifying licences counted this term",
                "36 more reach Level 03 (50–99 licences)",
            ],
        ),
        (120, ["Level 04 (100+ licences)", "120 qualifying licences counted this term", "the highest level"]),
    ],
)
def test_the_overview_says_what_vip_select_means(
    triad, member_client, frozen, django_capture_on_commit_callbacks, bought, expected
):
    customer = CustomerFactory(managed_by=triad.member_a, segment="COM")
    if bought:
        product = ProductFactory(code="SUITE-T", name="Design Suite")
        with django_capture_on_commit_callbacks(execute=True):
            orders.order_place(
                reseller=triad.reseller_a,
                actor=triad.member_a.user,
                vip_id=customer.vip_id,
                lines=[Line(product, bought)],
            )
    frozen.move_to(date(2026, 3, 10) + timedelta(days=1))
    body = member_client.get(reverse("customers:detail", args=[customer.vip_id])).content.decode()
    text = re.sub(r"\s+", " ", body)
    for piece in expected:
        assert piece in text, piece


def test_the_activity_log_filters_by_every_kind_of_verb(triad, admin_client_a):
    from console.audit.views import ACTION_CHOICES

    prefixes = {prefix for prefix, _label in ACTION_CHOICES if prefix}
    assert all(any(verb.startswith(p) for p in prefixes) for verb in verbs_in_the_code())
    AuditEventFactory(reseller=triad.reseller_a, action="order.place", object_repr="ORD-1")
    AuditEventFactory(reseller=triad.reseller_a, action="team.invite", object_repr="someone-else")
    page = admin_client_a.get(reverse("console:activity"), {"action": "order."}).content.decode()
    assert "Order ORD-1 placed" in page and "someone-else" not in page


def test_a_broken_sentence_falls_back_to_the_verb(db):
    from console.audit import wording

    wording.audit_verb_register("test.broken", "Broken %(object")
    try:
        assert describe(AuditEventFactory.build(action="test.broken"), {}).sentence == "test.broken"
    finally:
        del wording._verbs["test.broken"]


def test_a_field_empty_before_and_after_is_left_out(db):
    event = AuditEventFactory.build(action="api_key.create", changes={"expires_at": [None, None], "name": [None, "K"]})
    assert [row.field for row in describe(event, {}).rows] == ["name"]
