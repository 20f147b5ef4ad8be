"""ORD-6: the VIP Select three-year commit — request, acceptance in the member portal, committed or
non-compliant after 30 days, the level locked for three terms, expiry, and the return minimum."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from console.outbox.models import OutboxMessage
from console.periodic import periodic_run
from customers.models import Customer, InvitationStatus
from purchase_auth import selectors as purchase_selectors
from purchase_auth.models import ThreeYearCommit
from purchase_auth.services import common, order_acceptance, orders, three_year_commit
from purchase_auth.services.common import Line
from tests.factories import CustomerAdminFactory, CustomerFactory, PriceFactory, ProductFactory, UserFactory
from tests.purchase_auth.conftest import TODAY


@pytest.fixture
def product(db):
    product = ProductFactory()
    for segment in ("COM", "GOV"):  # three-year-commit levels (CAT-3); Education keeps 02/03/04
        for level, amount in (("12", "90.00"), ("13", "80.00"), ("14", "70.00")):
            PriceFactory(product=product, segment=segment, level=level, unit_price=Decimal(amount))
    return product


@pytest.fixture
def select_customer(triad, product, frozen):
    """A VIP Select customer (12 licences bought this term) with an admin in the portal."""
    owner = UserFactory()
    customer = CustomerFactory(
        managed_by=triad.member_a, contract_owner=owner, invitation_status=InvitationStatus.ACCEPTED, segment="COM"
    )
    CustomerAdminFactory(customer=customer, user=owner)
    order = orders.order_place(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, lines=[Line(product, 12)]
    )
    order_acceptance.order_accept(order_id=order.pk)
    customer.refresh_from_db()
    assert customer.vip_select_level == "02"
    return customer


def request(triad, customer, quantity=20) -> ThreeYearCommit:
    return three_year_commit.three_year_commit_request(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, quantity=quantity
    )


def portal(customer) -> Client:
    client = Client()
    client.force_login(customer.contract_owner, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_accepted_then_committed_once_the_quantity_is_reached_with_the_level_locked(
    triad, select_customer, product, frozen
):
    commit = request(triad, select_customer, 20)
    assert commit.status == "requested"
    assert OutboxMessage.objects.filter(template="three_year_commit_request").exists()
    response = portal(select_customer).post(
        reverse("portal:commit", args=[select_customer.vip_id]), {"decision": "accept"}
    )
    assert response.status_code == 302
    commit.refresh_from_db()
    assert commit.status == "accepted" and commit.deadline == TODAY + timedelta(days=30)
    order = orders.order_place(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=select_customer.vip_id, lines=[Line(product, 8)]
    )
    order_acceptance.order_accept(order_id=order.pk)
    commit.refresh_from_db()
    select_customer.refresh_from_db()
    assert commit.status == "committed" and commit.level == "12"
    assert commit.ends_on == select_customer.anniversary_date + timedelta(days=0) + (
        date(2029, 3, 10) - date(2027, 3, 10)
    )
    assert select_customer.three_year_commit_status == "committed"
    # the locked level prices the next order
    next_order = orders.order_place(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=select_customer.vip_id, lines=[Line(product, 1)]
    )
    assert next_order.lines.get().level == "12" and next_order.lines.get().unit_price == Decimal("90.00")


def test_not_reaching_the_quantity_in_30_days_is_non_compliant(triad, select_customer, frozen):
    request(triad, select_customer, 50)
    three_year_commit.three_year_commit_decide(
        customer=select_customer, actor=select_customer.contract_owner, accept=True
    )
    assert periodic_run(on=TODAY + timedelta(days=30))["three_year_commits"]["non_compliant"] == 0
    assert periodic_run(on=TODAY + timedelta(days=31))["three_year_commits"]["non_compliant"] == 1
    assert periodic_run(on=TODAY + timedelta(days=31))["three_year_commits"]["non_compliant"] == 0  # idempotent
    select_customer.refresh_from_db()
    assert select_customer.three_year_commit_status == "non_compliant"


def test_a_committed_commit_expires_after_the_third_term(triad, select_customer, product, frozen):
    request(triad, select_customer, 12)
    three_year_commit.three_year_commit_decide(
        customer=select_customer, actor=select_customer.contract_owner, accept=True
    )
    commit = ThreeYearCommit.objects.get()
    assert commit.status == "committed"  # 12 already bought this term
    assert periodic_run(on=commit.ends_on)["three_year_commits"]["expired"] == 0
    assert periodic_run(on=commit.ends_on + timedelta(days=1))["three_year_commits"]["expired"] == 1
    select_customer.refresh_from_db()
    assert select_customer.three_year_commit_status == "expired"
    assert purchase_selectors.customer_level(select_customer) == "02"


def test_declining(triad, select_customer):
    request(triad, select_customer)
    portal(select_customer).post(reverse("portal:commit", args=[select_customer.vip_id]), {"decision": "decline"})
    assert ThreeYearCommit.objects.get().status == "declined"
    request(triad, select_customer)  # may be offered again


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ({"vip_select_level": ""}, "Only VIP Select customers"),
        ({"extended_term_months": 24}, "not available with an extended term"),
    ],
)
def test_refused_for_customers_that_do_not_qualify(triad, frozen, setup, message):
    customer = CustomerFactory(managed_by=triad.member_a, **setup)
    if "extended_term_months" in setup:
        Customer.objects.filter(pk=customer.pk).update(vip_select_level="02")
    with pytest.raises(common.PurchaseError, match=message):
        request(triad, customer)
    assert not ThreeYearCommit.objects.exists()


def test_at_least_ten_and_one_at_a_time(triad, select_customer):
    with pytest.raises(common.PurchaseError, match="10 licences or more"):
        request(triad, select_customer, 9)
    request(triad, select_customer, 10)
    with pytest.raises(common.PurchaseError, match="already has"):
        request(triad, select_customer, 10)


def test_a_return_may_not_go_below_the_committed_quantity(triad, select_customer, product, frozen):
    request(triad, select_customer, 12)
    three_year_commit.three_year_commit_decide(
        customer=select_customer, actor=select_customer.contract_owner, accept=True
    )
    order = select_customer.orders.get()
    with pytest.raises(common.PurchaseError, match="below its three-year commitment"):
        orders.order_return(
            reseller=triad.reseller_a,
            actor=triad.member_a.user,
            vip_id=select_customer.vip_id,
            order_number=order.number,
            quantities={order.lines.get().pk: 1},
        )


def test_the_console_offers_the_commit_and_shows_its_status(triad, select_customer, member_client):
    url = reverse("customers:detail", args=[select_customer.vip_id])
    assert "Offer three-year commit" in member_client.get(url).content.decode()
    member_client.post(reverse("purchasing:commit_request", args=[select_customer.vip_id]), {"quantity": "25"})
    page = member_client.get(url).content.decode()
    assert 'data-commit="requested"' in page and "25 licences" in page
    assert ThreeYearCommit.objects.count() == 1


@pytest.mark.parametrize("bad", ["9", "abc", "", "-3", "12.5", "1\x002", "9" * 30])
def test_the_console_refuses_a_bad_commit_quantity_with_a_message(triad, select_customer, member_client, bad):
    url = reverse("purchasing:commit_request", args=[select_customer.vip_id])
    response = member_client.post(url, {"quantity": bad}, follow=True)
    assert response.redirect_chain == [(reverse("customers:detail", args=[select_customer.vip_id]), 302)]
    assert "Commit to a whole number of licences, 10 or more." in response.content.decode()
    assert not ThreeYearCommit.objects.exists()


@pytest.mark.parametrize("bad", ["maybe", "", "accept\x00", "ACCEPT", " accept"])
def test_portal_decision_bad_input(triad, select_customer, bad):
    request(triad, select_customer)
    response = portal(select_customer).post(
        reverse("portal:commit", args=[select_customer.vip_id]), {"decision": bad}, follow=True
    )
    assert response.redirect_chain == [(reverse("portal:organization", args=[select_customer.vip_id]), 302)]
    assert "Choose accept or decline." in response.content.decode()
    assert ThreeYearCommit.objects.get().status == "requested"
