"""RC-9, LIST-7, NF-1 with a transferred customer in the data: the old reseller sees it nowhere — no
list, count, search, export, renewals page, console URL or API URL — except Transferred away; the new
reseller reaches every URL of it. The URL walk uses the permission matrix's own table, so a new
customer URL is swept here too."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from api.services import api_key_create
from console.accounts.models import Membership
from tests.console.test_permissions import CONSOLE_URLS, Case
from tests.factories import MembershipFactory, OrderFactory, PurchaseAuthorizationFactory
from tests.reseller_change.conftest import code_from_outbox

pytestmark = pytest.mark.unscoped


@pytest.fixture
def moved(takeover):
    """Harbor Studio, with an order and a paid (ordered) PA of reseller A, moved to reseller B."""
    order = OrderFactory(customer=takeover.customer)
    pa = PurchaseAuthorizationFactory(customer=takeover.customer, state="ordered")
    takeover.send()
    response = takeover.enter(code_from_outbox(takeover.owner.email), confirm=True)
    assert response.status_code == 302
    takeover.customer.refresh_from_db()
    return takeover, order, pa


def _customer_urls(vip_id: str, order: str, pa: str) -> dict[str, str]:
    """Every console URL of the matrix that names a customer, for this customer."""
    urls = {}
    for name, case in CONSOLE_URLS.items():
        if case.kwargs is None:
            continue
        pattern_kwargs = {"vip_id": vip_id}
        if name == "purchasing:pa_cancel":
            pattern_kwargs["number"] = pa
        elif name == "purchasing:order_return":
            pattern_kwargs["number"] = order
        try:
            urls[name] = reverse(name, kwargs=pattern_kwargs)
        except Exception:  # noqa: BLE001, S112 - a URL of something else than a customer (team, keys)
            continue
    return urls


def _method_ok(case: Case, method: str, role: str) -> bool:
    allowed = getattr(case, method)
    return allowed is not None and role in allowed


@pytest.mark.parametrize("role", [Membership.Role.PRIMARY_ADMIN, Membership.Role.MEMBER, Membership.Role.VIEWER])
def test_every_customer_url_of_a_transferred_customer_answers_404_to_the_old_reseller(moved, role):
    takeover, order, pa = moved
    who = (
        MembershipFactory(reseller=takeover.triad.reseller_a, role=role)
        if role != "primary_admin"
        else takeover.triad.primary_a
    )
    client = takeover.triad.client_for(who)
    urls = _customer_urls(takeover.customer.vip_id, order.number, pa.number)
    assert "customers:detail" in urls and "purchasing:order_return" in urls and len(urls) >= 10
    for name, url in urls.items():
        case = CONSOLE_URLS[name]
        for method in ("get", "post"):
            response = getattr(client, method)(url, case.post_data if method == "post" else None)
            if getattr(case, method) is None:
                assert response.status_code == 405, (name, method)
            elif _method_ok(case, method, role):
                assert response.status_code == 404, (name, method, response.status_code)
            else:
                assert response.status_code == 403, (name, method)


def test_the_new_reseller_reaches_the_customer_but_not_the_old_resellers_orders(moved):
    takeover, order, pa = moved
    client = takeover.triad.client_for(takeover.triad.member_b)
    vip_id = takeover.customer.vip_id
    for name in ("customers:detail", "purchasing:pa_create", "purchasing:order_place", "renewals:order"):
        assert client.get(reverse(name, args=[vip_id])).status_code == 200, name
    detail = client.get(reverse("customers:detail", args=[vip_id]) + "?tab=history").content.decode()
    assert "Harbor Studio" in detail
    # the orders the old reseller placed stay its own (read-only under its Transferred away)
    assert client.get(reverse("purchasing:order_return", args=[vip_id, order.number])).status_code == 404
    assert order.number not in client.get(reverse("customers:detail", args=[vip_id]) + "?tab=orders").content.decode()


def test_no_list_count_search_or_export_of_the_old_reseller_shows_it(moved):
    takeover, _order, _pa = moved
    customer = takeover.customer
    client_a = takeover.triad.client_for(takeover.triad.member_a)
    client_b = takeover.triad.client_for(takeover.triad.member_b)
    pages = [
        reverse("customers:list"),
        reverse("customers:list") + "?filter=all&mine=on",
        reverse("customers:list") + f"?q={customer.vip_id}",
        reverse("customers:list") + "?q=Harbor",
        reverse("customers:export"),
        reverse("customers:export") + "?q=Harbor",
        reverse("renewal_pages:list"),
        reverse("console:home"),
    ]
    for url in pages:
        response = client_a.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200, url
        assert b"Harbor Studio" not in body, url
        assert reverse("customers:detail", args=[customer.vip_id]).encode() not in body, url
        if "export" in url:
            assert customer.vip_id.encode() not in body, url
    listed_b = client_b.get(reverse("customers:list") + f"?q={customer.vip_id}").content.decode()
    assert "Harbor Studio" in listed_b
    counts_a = client_a.get(reverse("customers:list")).content.decode()
    assert 'data-count="all">0<' in counts_a
    away = client_a.get(reverse("reseller_change:transferred")).content.decode()
    assert "Harbor Studio" in away and _order.number in away


def test_the_api_of_the_old_reseller_does_not_know_the_customer(moved):
    takeover, order, _pa = moved
    triad = takeover.triad
    _key, text = api_key_create(
        reseller=triad.reseller_a, actor=triad.admin_a.user, name="Sweep", role="read_only", expires_at=None
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {text}")
    listed = api.get(reverse("api:customers"))
    assert listed.status_code == 200 and takeover.customer.vip_id not in listed.content.decode()
    vip_id = takeover.customer.vip_id
    for url in (
        reverse("api:customer", args=[vip_id]),
        reverse("api:orders", args=[vip_id]),
        reverse("api:order", args=[vip_id, order.number]),
        reverse("api:licences", args=[vip_id]),
        reverse("api:purchase_authorizations", args=[vip_id]),
    ):
        assert api.get(url).status_code == 404, url


def test_the_old_resellers_home_counts_it_as_transferred_away_in_the_churn_chart(moved):
    from tests.home.conftest import chart_rows

    takeover, _order, _pa = moved
    triad = takeover.triad
    rows = chart_rows(triad.client_for(triad.member_a).get(reverse("console:home")), "new_and_lost")
    assert rows[-1][2][-1] == "1"  # this month: one customer transferred away (the last series)
    mine = chart_rows(triad.client_for(triad.member_a).get(reverse("console:home"), {"mine": "on"}), "new_and_lost")
    assert mine[-1][2][-1] == "1"  # member A managed it
    other = chart_rows(triad.client_for(triad.admin_a).get(reverse("console:home"), {"mine": "on"}), "new_and_lost")
    assert other[-1][2][-1] == "0"
    gained = chart_rows(triad.client_for(triad.member_b).get(reverse("console:home")), "new_and_lost")
    assert gained[-1][2][-1] == "0"
