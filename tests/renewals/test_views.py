"""The renewal pages of one customer (REN-2, REN-7, REN-9, REN-10): the renewal order with its preview,
the auto-renewal settings, the overview and Orders-tab parts, and the Plans tab's grace and expired
licences (REN-4) — with bad input answered on the page, never a 500 (NF-2)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django_scopes import scopes_disabled

from console.periodic import periodic_run
from customers.models import Customer, ThreeYearCommitStatus
from purchase_auth.models import LicencePool, Order, ThreeYearCommit
from purchase_auth.services.common import Line
from renewals import selectors, services
from renewals.models import AutoRenewal
from tests.factories import ProductFactory
from tests.fixtures.renewals import AD

READY_DAY = AD - timedelta(days=20)


@pytest.fixture
def other(db):
    return ProductFactory(code="PHOTO-R", name="Photo Studio")


def order_url(customer: Customer) -> str:
    return reverse("renewals:order", args=[customer.vip_id])


def auto_url(customer: Customer) -> str:
    return reverse("renewals:auto_renewal", args=[customer.vip_id])


def lines_post(*rows: tuple[object, object], action: str = "preview", previewed: str = "", total: int = 3) -> dict:
    data: dict[str, object] = {
        "lines-TOTAL_FORMS": str(total),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "10",
        "action": action,
        "previewed": previewed,
    }
    for index in range(total):
        product, quantity = rows[index] if index < len(rows) else ("", "")
        data[f"lines-{index}-product"] = product
        data[f"lines-{index}-quantity"] = quantity
    return data


def fingerprint(*rows: tuple[object, int]) -> str:
    return ",".join(f"{pk}:{quantity}" for pk, quantity in sorted(rows))


# --- the renewal order -----------------------------------------------------------------------------------


def test_the_renewal_order_is_prefilled_with_the_expiring_licences_and_previewed(triad, customer, product):
    with time_machine.travel(READY_DAY, tick=False):
        page = triad.client_for(triad.member_a).get(order_url(customer))
    assert page.status_code == 200
    lines = page.context["lines"]
    assert lines.forms[0]["product"].value() == product.pk and lines.forms[0]["quantity"].value() == 20
    quote = page.context["quote"]
    assert (quote.level, quote.lines[0].unit_price, quote.total) == ("02", Decimal("108.00"), Decimal("2160.00"))
    assert page.context["previewed"] == fingerprint((product.pk, 20))
    assert 'data-quote-total="2160.00"' in page.content.decode()


def test_preview_reprices_the_changed_lines_without_placing_anything(triad, customer, product, other):
    with time_machine.travel(READY_DAY, tick=False):
        client = triad.client_for(triad.member_a)
        page = client.post(order_url(customer), lines_post((product.pk, 5), (other.pk, 2)))
    assert page.status_code == 200
    quote = page.context["quote"]
    assert quote.level == "01" and quote.total == Decimal("840.00")  # 7 × 120.00: the level may go down
    assert page.context["previewed"] == fingerprint((product.pk, 5), (other.pk, 2))
    assert not Order.objects.filter(kind=Order.Kind.RENEWAL).exists()


def test_a_previewed_renewal_order_is_placed_and_listed_on_the_orders_tab(
    triad, customer, product, django_capture_on_commit_callbacks
):
    with time_machine.travel(READY_DAY, tick=False):
        client = triad.client_for(triad.member_a)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                order_url(customer),
                lines_post((product.pk, 12), action="place", previewed=fingerprint((product.pk, 12))),
            )
        assert response.status_code == 302
        assert response.url == reverse("customers:detail", args=[customer.vip_id]) + "?tab=orders"
        order = Order.objects.get(kind=Order.Kind.RENEWAL)
        assert order.status == Order.Status.COMPLETE and order.lines.get().quantity == 12
        customer.refresh_from_db()
        assert customer.anniversary_date == date(2028, 3, 10)
        tab = client.get(response.url)
    text = tab.content.decode()
    assert f"Renewal order {order.number} placed" in text and "Renewal" in text


def test_placing_lines_other_than_the_previewed_ones_shows_their_preview_first(triad, customer, product):
    with time_machine.travel(READY_DAY, tick=False):
        page = triad.client_for(triad.member_a).post(
            order_url(customer), lines_post((product.pk, 15), action="place", previewed=fingerprint((product.pk, 20)))
        )
    assert page.status_code == 200
    assert "check the new preview" in page.content.decode()
    assert page.context["quote"].total == Decimal("1620.00")  # 15 × 108.00
    assert not Order.objects.filter(kind=Order.Kind.RENEWAL).exists()


def test_a_late_renewal_offers_only_the_expiring_products_up_to_their_quantity(triad, customer, product, other):
    with time_machine.travel(AD + timedelta(days=5), tick=False):
        client = triad.client_for(triad.member_a)
        page = client.get(order_url(customer))
        choices = [value for value, _label in page.context["lines"].forms[0].fields["product"].choices if value]
        assert choices == [product.pk]
        assert "only the expiring products renew" in page.content.decode()
        too_many = client.post(
            order_url(customer), lines_post((product.pk, 21), action="place", previewed=fingerprint((product.pk, 21)))
        )
        added = client.post(order_url(customer), lines_post((other.pk, 1), action="place"))
    assert too_many.status_code == 200 and "At most 20" in too_many.content.decode()
    assert too_many.context["lines"].forms[0].errors["quantity"]  # the form says it before the service
    assert added.status_code == 200 and added.context["lines"].forms[0].errors["product"]
    assert not Order.objects.filter(kind=Order.Kind.RENEWAL).exists()


def test_a_refusal_of_the_service_is_shown_on_the_form(triad, customer, product):
    day = AD - timedelta(days=40)  # upcoming: previewed, not placed before AD−30
    with time_machine.travel(day, tick=False):
        page = triad.client_for(triad.member_a).post(
            order_url(customer), lines_post((product.pk, 20), action="place", previewed=fingerprint((product.pk, 20)))
        )
    assert page.status_code == 200
    assert "from 30 days before the Anniversary Date" in page.content.decode()
    assert not Order.objects.filter(kind=Order.Kind.RENEWAL).exists()


def test_a_lapsed_customer_is_sent_to_a_new_order(triad, customer, product):
    day = AD + timedelta(days=31)
    with time_machine.travel(day, tick=False):
        client = triad.client_for(triad.member_a)
        page = client.get(order_url(customer))
        posted = client.post(
            order_url(customer), lines_post((product.pk, 5), action="place", previewed=fingerprint((product.pk, 5)))
        )
    assert page.status_code == 200 and "place a new order" in page.content.decode()
    assert posted.status_code == 200 and not Order.objects.filter(kind=Order.Kind.RENEWAL).exists()


def test_htmx_changes_answer_with_the_preview_alone(triad, customer, product):
    with time_machine.travel(READY_DAY, tick=False):
        page = triad.client_for(triad.member_a).post(
            order_url(customer), lines_post((product.pk, 50), action=""), headers={"HX-Request": "true"}
        )
    text = page.content.decode()
    assert page.status_code == 200 and 'id="renewal-preview"' in text and "<html" not in text
    assert 'data-quote-total="4800.00"' in text  # 50 × 96.00 at level 03
    assert f'value="{product.pk}:50"' in text


@pytest.mark.parametrize(
    "rows",
    [
        [("abc", "1")],
        [("SUITE-R", "3")],
        ["PRODUCT", ("1\x00", "2")],
        ["PRODUCT", ("PRODUCT", "2\x00")],
        ["PRODUCT", ("PRODUCT", "x" * 5000)],
        ["PRODUCT", ("PRODUCT", "-4")],
        ["PRODUCT", ("PRODUCT", "1e3")],
        ["PRODUCT", ("PRODUCT", "200001")],
        [("999999", "1")],  # an unknown product
        ["PRODUCT", ("PRODUCT", "1"), ("PRODUCT", "2")],  # the same product twice
        [("", "")],  # nothing at all
        [("<script>alert(1)</script>", "' OR 1=1 --")],
    ],
)
def test_bad_lines_are_answered_on_the_form(triad, customer, product, rows):
    if rows and rows[0] == "PRODUCT":
        rows = [tuple(str(product.pk) if v == "PRODUCT" else v for v in row) for row in rows[1:]]
    with time_machine.travel(READY_DAY, tick=False):
        page = triad.client_for(triad.member_a).post(
            order_url(customer), lines_post(*rows, action="place", previewed="x")
        )
    assert page.status_code == 200
    assert page.context["problems"] and page.context["quote"] is None
    assert "<script>alert(1)</script>" not in page.content.decode()
    assert not Order.objects.filter(kind=Order.Kind.RENEWAL).exists()


@pytest.mark.parametrize(
    "tampered",
    [
        {"lines-TOTAL_FORMS": "1000"},
        {"lines-TOTAL_FORMS": "\x00"},
        {"lines-TOTAL_FORMS": "abc"},
        {"previewed": "\x00" * 10, "action": "place\x00"},
    ],
)
def test_a_tampered_management_form_is_not_a_500(triad, customer, product, tampered):
    with time_machine.travel(READY_DAY, tick=False):
        data = lines_post((product.pk, 3), action="place") | tampered
        page = triad.client_for(triad.member_a).post(order_url(customer), data)
    assert page.status_code == 200
    assert not Order.objects.filter(kind=Order.Kind.RENEWAL).exists()


def test_another_resellers_customer_is_not_found(triad, customer):
    for url in (order_url(customer), auto_url(customer)):
        assert triad.client_for(triad.member_b).get(url).status_code == 404
        assert triad.client_for(triad.member_b).post(url, lines_post()).status_code == 404


def test_a_viewer_may_not_renew_nor_change_auto_renewal(triad, customer, product):
    client = triad.client_for(triad.viewer_a)
    for url in (order_url(customer), auto_url(customer)):
        assert client.get(url).status_code == 403
        assert client.post(url, {"enabled": ""}).status_code == 403
    assert AutoRenewal.objects.count() == 0


# --- the customer page -----------------------------------------------------------------------------------


def test_the_overview_offers_renew_and_previews_the_auto_renewal(triad, customer, product):
    with time_machine.travel(READY_DAY, tick=False):
        page = triad.client_for(triad.member_a).get(reverse("customers:detail", args=[customer.vip_id]))
        viewer = triad.client_for(triad.viewer_a).get(reverse("customers:detail", args=[customer.vip_id]))
    text = page.content.decode()
    assert 'data-renewal-state="ready"' in text and order_url(customer) in text
    assert 'data-auto-renewal="on"' in text and 'data-quote-total="2160.00"' in text
    assert auto_url(customer) in text
    assert order_url(customer) not in viewer.content.decode() and auto_url(customer) not in viewer.content.decode()
    assert 'data-quote-total="2160.00"' in viewer.content.decode()  # a viewer sees the preview


def test_the_orders_tab_offers_renew_only_while_a_renewal_is_possible(triad, customer):
    tab = reverse("customers:detail", args=[customer.vip_id]) + "?tab=orders"
    for day, offered in (
        (AD - timedelta(days=100), False),
        (AD + timedelta(days=3), True),
        (AD + timedelta(days=31), False),
    ):
        with time_machine.travel(day, tick=False):  # none, in grace, lapsed
            page = triad.client_for(triad.member_a).get(tab)
        assert (order_url(customer) in page.content.decode()) == offered, day


def test_the_plans_tab_shows_licences_in_grace_until_the_grace_ends(
    triad, customer, product, django_capture_on_commit_callbacks
):
    plans = reverse("customers:detail", args=[customer.vip_id]) + "?tab=plans"
    with time_machine.travel(AD + timedelta(days=2), tick=False):
        client = triad.client_for(triad.member_a)
        text = client.get(plans).content.decode()
        assert 'data-grace="20"' in text and "20 in grace until 9 Apr 2027" in text
        with django_capture_on_commit_callbacks(execute=True):
            services.renewal_order_place(
                reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 12)]
            )
        page = client.get(plans)
    text = page.content.decode()
    assert 'data-grace="8"' in text and "8 in grace until 9 Apr 2027" in text  # partially renewed
    assert page.context["totals"]["available"] == 20


def test_expired_licences_are_shown_apart_and_not_active(triad, customer, product):
    LicencePool.objects.filter(customer=customer).update(assigned=15)
    day = AD + timedelta(days=31)
    periodic_run(on=day)
    with time_machine.travel(day, tick=False):
        page = triad.client_for(triad.member_a).get(reverse("customers:detail", args=[customer.vip_id]) + "?tab=plans")
    text = page.content.decode()
    assert 'data-expired="20"' in text and "20 expired" in text
    assert page.context["totals"] == {"active": 0, "available": 0, "fulfilled": 0, "pending": 0, "expired": 20}
    assert 'data-total="active">0<' in text


# --- auto-renewal ----------------------------------------------------------------------------------------


def test_auto_renewal_shows_what_it_renews_by_default(triad, customer, product):
    with time_machine.travel(READY_DAY, tick=False):
        page = triad.client_for(triad.member_a).get(auto_url(customer))
    form = page.context["form"]
    assert page.status_code == 200 and form["enabled"].value() is True
    assert [(f.label, f.value()) for f in form.quantity_fields()] == [("Design Suite", 20)]
    assert 'data-quote-total="2160.00"' in page.content.decode()


def test_auto_renewal_quantities_and_switch_are_saved(triad, customer, product):
    with time_machine.travel(READY_DAY, tick=False):
        client = triad.client_for(triad.member_a)
        response = client.post(auto_url(customer), {"enabled": "on", f"quantity_{product.pk}": "12"})
        assert response.status_code == 302
        assert response.url == reverse("customers:detail", args=[customer.vip_id])
        assert selectors.auto_renewal_lines(customer) == [Line(product, 12)]
        assert client.get(auto_url(customer)).context["renewal"].auto_quote.total == Decimal("1296.00")
        client.post(auto_url(customer), {f"quantity_{product.pk}": "12"})  # the switch unticked
    assert not selectors.auto_renewal_enabled(customer)


def test_auto_renewal_cannot_be_changed_after_ad_minus_3(triad, customer, product):
    with time_machine.travel(AD - timedelta(days=2), tick=False):
        page = triad.client_for(triad.member_a).post(auto_url(customer), {f"quantity_{product.pk}": "20"})
        overview = triad.client_for(triad.member_a).get(reverse("customers:detail", args=[customer.vip_id]))
    assert page.status_code == 200 and "can be changed until 7 Mar 2027" in page.content.decode()
    assert selectors.auto_renewal_enabled(customer)
    assert auto_url(customer) not in overview.content.decode()


def test_a_three_year_commit_keeps_auto_renewal_on(triad, customer, product):
    with scopes_disabled():
        ThreeYearCommit.objects.create(
            reseller=triad.reseller_a,
            customer=customer,
            status=ThreeYearCommitStatus.COMMITTED,
            committed_quantity=15,
            level="12",
            requested_at=customer.created_at,
            requested_by=triad.member_a.user,
        )
    Customer.objects.filter(pk=customer.pk).update(three_year_commit_status=ThreeYearCommitStatus.COMMITTED)
    with time_machine.travel(READY_DAY, tick=False):
        client = triad.client_for(triad.member_a)
        off = client.post(auto_url(customer), {f"quantity_{product.pk}": "20"})
        below = client.post(auto_url(customer), {"enabled": "on", f"quantity_{product.pk}": "10"})
    for page in (off, below):
        assert page.status_code == 200 and "auto-renewal stays on with at least 15 licences" in page.content.decode()
    assert not AutoRenewal.objects.exists()


@pytest.mark.parametrize("quantity", ["abc", "-1", "1\x00", "200001", "", "9" * 400, "<b>1</b>"])
def test_bad_auto_renewal_quantities_are_answered_on_the_form(triad, customer, product, quantity):
    with time_machine.travel(READY_DAY, tick=False):
        page = triad.client_for(triad.member_a).post(
            auto_url(customer), {"enabled": "on\x00", f"quantity_{product.pk}": quantity, "quantity_999999": "5"}
        )
    assert page.status_code == 200 and page.context["form"].errors
    assert not AutoRenewal.objects.exists()
