"""The member portal's organisation pages: licence assignment (ORD-4) and purchase requests by the
customer admin (PA-1). Only the organisation's system admins reach them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from console.audit.models import AuditEvent
from customers.models import CustomerAdmin, InvitationStatus
from purchase_auth.models import LicencePool, PurchaseAuthorization
from tests.factories import CustomerFactory, ProductFactory, UserFactory, lines_data


@pytest.fixture
def owner(db):
    return UserFactory(email="owner@org.example")


@pytest.fixture
def customer(triad, owner):
    customer = CustomerFactory(
        managed_by=triad.member_a, contract_owner=owner, invitation_status=InvitationStatus.ACCEPTED
    )
    CustomerAdmin.objects.create(customer=customer, user=owner)
    return customer


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client()
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    return client


PORTAL_PAGES = [
    ("portal:organization", "get"),
    ("portal:assign", "post"),
    ("portal:request", "get"),
    ("portal:request", "post"),
    ("portal:reseller_change", "get"),
    ("portal:reseller_change", "post"),
]


@pytest.mark.parametrize(("name", "method"), PORTAL_PAGES)
def test_only_the_organisations_admins_reach_its_portal_pages(triad, customer, owner_client, name, method):
    url = reverse(name, args=[customer.vip_id])
    anonymous = getattr(Client(), method)(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))
    stranger = Client()
    stranger.force_login(UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    assert getattr(stranger, method)(url).status_code == 404
    reseller_member = triad.client_for(triad.member_a)  # the reseller is not the customer's admin
    assert getattr(reseller_member, method)(url).status_code == 404
    assert getattr(owner_client, method)(url).status_code in (200, 302)


def test_the_customer_admin_requests_products_and_assigns_licences(triad, customer, owner, owner_client):
    product = ProductFactory(name="Design Suite")
    response = owner_client.post(reverse("portal:request", args=[customer.vip_id]), lines_data((product.pk, 4)))
    assert response.status_code == 302
    pa = PurchaseAuthorization.objects.get()
    assert pa.created_by == owner and pa.reseller == triad.reseller_a
    page = owner_client.get(reverse("portal:organization", args=[customer.vip_id])).content.decode()
    assert pa.number in page and "Design Suite" in page
    owner_client.post(reverse("portal:assign", args=[customer.vip_id]), {"product": product.pk, "assigned": 3})
    assert LicencePool.objects.get(customer=customer, product=product).assigned == 3
    assert AuditEvent.objects.get(action="licences.assign").changes == {f"assigned {product.code}": [0, 3]}
    # never more than exist, and never negative
    for bad in ("5", "-1", "abc", ""):
        owner_client.post(reverse("portal:assign", args=[customer.vip_id]), {"product": product.pk, "assigned": bad})
        assert LicencePool.objects.get(customer=customer, product=product).assigned == 3
    # the reseller sees Total active change on the Plans tab
    plans = triad.client_for(triad.member_a).get(reverse("customers:detail", args=[customer.vip_id]), {"tab": "plans"})
    assert 'data-total="active">3<' in plans.content.decode()


def test_assigning_a_product_the_organisation_does_not_have_is_refused(customer, owner_client):
    other = ProductFactory()
    response = owner_client.post(
        reverse("portal:assign", args=[customer.vip_id]), {"product": other.pk, "assigned": 1}, follow=True
    )
    assert "no licences of that product" in response.content.decode()
    assert not LicencePool.objects.exists()


def test_licences_of_a_suspended_pa_cannot_be_assigned(triad, customer, owner_client):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from purchase_auth.services import common, licences, purchase_authorizations

    product = ProductFactory()
    start = timezone.localdate()
    with time_machine.travel(start, tick=False):
        purchase_authorizations.purchase_authorization_create(
            reseller=triad.reseller_a,
            actor=triad.member_a.user,
            vip_id=customer.vip_id,
            lines=[common.Line(product, 4)],
        )
    with time_machine.travel(start + timedelta(days=61), tick=False):
        with pytest.raises(common.PurchaseError, match="Assign 0 to 0"):
            licences.licences_assign(
                customer=customer, actor=customer.contract_owner, product_id=product.pk, assigned=1
            )
    with time_machine.travel(start + timedelta(days=60), tick=False):
        licences.licences_assign(customer=customer, actor=customer.contract_owner, product_id=product.pk, assigned=1)
