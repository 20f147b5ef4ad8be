"""RC-7: after a reseller change the customer's orders carry over unchanged. The new reseller's Orders
tab lists the orders the old reseller placed, read-only (marked "Placed by previous reseller", no Return,
the return URL a 404), and nothing else of the old reseller (its PA, who placed the order). The old
reseller keeps its own past orders only under Transferred away, never the new reseller's."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from purchase_auth import selectors
from purchase_auth.models import Order
from tests.factories import OrderFactory, OrderLineFactory, PurchaseAuthorizationFactory, ReturnFactory
from tests.reseller_change.conftest import code_from_outbox

pytestmark = pytest.mark.unscoped


@pytest.fixture
def moved(takeover):
    """Harbor Studio with a complete order of reseller A still in its return window (with a return and
    a paid PA), moved to reseller B, which then places an order of its own."""
    pa = PurchaseAuthorizationFactory(customer=takeover.customer, state="ordered", po_number="PO-ALPHA-77")
    old = OrderFactory(customer=takeover.customer, purchase_authorization=pa)
    OrderLineFactory(order=old, quantity=4, returned_quantity=1)
    ReturnFactory(order=old)
    takeover.send()
    assert takeover.enter(code_from_outbox(takeover.owner.email), confirm=True).status_code == 302
    takeover.customer.refresh_from_db()
    assert takeover.customer.reseller == takeover.triad.reseller_b
    new = OrderFactory(customer=takeover.customer)
    OrderLineFactory(order=new, quantity=2)
    return takeover, old, new, pa


def _row(html: str, number: str) -> str:
    match = re.search(rf'<tr data-order="{number}".*?</tr>', html, re.S)
    assert match, number
    return match.group(0)


def test_the_new_resellers_orders_tab_shows_the_earlier_orders_read_only(moved):
    takeover, old, new, pa = moved
    client = takeover.triad.client_for(takeover.primary_b)
    vip_id = takeover.customer.vip_id
    html = client.get(reverse("customers:detail", args=[vip_id]) + "?tab=orders").content.decode()

    earlier = _row(html, old.number)
    assert "data-previous-reseller" in earlier and "Placed by previous reseller" in earlier
    assert "4 × " in earlier and "1 returned" in earlier and old.returns.get().number in earlier  # unchanged
    assert "order_return" not in earlier and "/return/" not in earlier and ">Return<" not in earlier

    own = _row(html, new.number)
    assert "data-previous-reseller" not in own and "Placed by previous reseller" not in own
    assert reverse("purchasing:order_return", args=[vip_id, new.number]) in own  # B returns its own order

    # nothing else of the old reseller: not its PA, nor who placed the order, nor a way to act on it
    assert pa.number not in html and "PO-ALPHA-77" not in html and old.created_by.email not in html
    assert client.get(reverse("purchasing:order_return", args=[vip_id, old.number])).status_code == 404
    assert client.post(reverse("purchasing:order_return", args=[vip_id, old.number])).status_code == 404


def test_the_selector_marks_the_earlier_orders_previous_and_never_returnable(moved):
    takeover, old, new, _pa = moved
    rows = {order.number: order for order in selectors.orders(customer=takeover.customer)}
    assert set(rows) == {old.number, new.number}
    assert rows[old.number].previous and not rows[old.number].returnable
    assert not rows[new.number].previous and rows[new.number].returnable


def test_the_old_reseller_sees_its_past_orders_only_under_transferred_away(moved):
    takeover, old, new, _pa = moved
    client = takeover.triad.client_for(takeover.triad.member_a)
    vip_id = takeover.customer.vip_id
    assert client.get(reverse("customers:detail", args=[vip_id]) + "?tab=orders").status_code == 404
    away = client.get(reverse("reseller_change:transferred")).content.decode()
    assert old.number in away and new.number not in away
    assert Order.objects.with_scopes_disabled().get(pk=old.pk).reseller == takeover.triad.reseller_a  # kept


def test_another_customers_orders_never_appear(moved, triad):
    takeover, old, _new, _pa = moved
    stranger = OrderFactory(customer__managed_by=triad.member_a)
    rows = [order.number for order in selectors.orders(customer=takeover.customer)]
    assert stranger.number not in rows and old.number in rows
