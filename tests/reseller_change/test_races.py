"""NF-3 for the reseller change: real parallel requests, one database connection each, against
PostgreSQL. The limits and the single use hold, and every loser gets a clear message, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.audit.models import AuditEvent
from customers.models import Customer
from purchase_auth.models import PurchaseAuthorization
from reseller_change.models import CodeState, CustomerTransfer, ResellerChangeCode
from tests.factories import MembershipFactory, ProductFactory, ResellerChangeCodeFactory, lines_data
from tests.parallel import client_for, crashes, in_parallel, messages_of
from tests.reseller_change.conftest import code_from_outbox

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.unscoped]


def test_ten_simultaneous_sends_with_five_left_make_exactly_five_codes(takeover):
    url = reverse("reseller_change:codes")
    members = [takeover.triad.member_b] + [MembershipFactory(reseller=takeover.triad.reseller_b) for _ in range(9)]

    def send(client, index):
        return client.post(url, {"vip_id": takeover.customer.vip_id, "admin_email": f"a{index}@harbor.example"})

    results = in_parallel(
        [lambda client, i=i: send(client, i) for i in range(10)],
        prepare=lambda i: client_for(members[i].user),
    )
    assert not crashes(results)
    assert sorted(r.status_code for r in results) == [200] * 5 + [302] * 5
    for response in results:
        if response.status_code == 200:
            assert "the most allowed" in response.content.decode()
    assert ResellerChangeCode.objects.filter(reseller=takeover.triad.reseller_b).count() == 5
    assert sorted(ResellerChangeCode.objects.values_list("slot", flat=True)) == [1, 2, 3, 4, 5]


def test_two_admins_entering_the_same_code_at_once_make_one_change(takeover):
    takeover.send()
    code = code_from_outbox(takeover.owner.email)
    url = reverse("portal:reseller_change", args=[takeover.customer.vip_id])
    admins = [takeover.owner, takeover.second_admin]
    results = in_parallel(
        [lambda client: client.post(url, {"code": code, "confirm": "1"})] * 2,
        prepare=lambda i: client_for(admins[i]),
    )
    assert not crashes(results)
    assert sorted(r.status_code for r in results) == [200, 302]
    loser = next(r for r in results if r.status_code == 200)
    assert "This code has been used already" in loser.content.decode()
    winner = next(r for r in results if r.status_code == 302)
    assert messages_of(winner) == [f"Harbor Studio has moved to {takeover.triad.reseller_b.name}."]
    assert CustomerTransfer.objects.count() == 1
    assert AuditEvent.objects.filter(action="reseller_change.transfer_in").count() == 1


def test_codes_of_two_resellers_used_at_once_make_one_change(takeover):
    other = MembershipFactory()
    ResellerChangeCodeFactory(customer=takeover.customer, sent_by=takeover.triad.member_b, plain="BBBB2345")
    ResellerChangeCodeFactory(customer=takeover.customer, sent_by=other, plain="CCCC2345")
    url = reverse("portal:reseller_change", args=[takeover.customer.vip_id])
    plan = [(takeover.owner, "BBBB2345"), (takeover.second_admin, "CCCC2345")]
    results = in_parallel(
        [lambda client, code=code: client.post(url, {"code": code, "confirm": "1"}) for _user, code in plan],
        prepare=lambda i: client_for(plan[i][0]),
    )
    assert not crashes(results)
    assert sorted(r.status_code for r in results) == [200, 302]
    loser = next(r for r in results if r.status_code == 200)
    assert "the organization has changed reseller since it was sent" in loser.content.decode()
    transfer = CustomerTransfer.objects.get()
    assert Customer.objects.get().reseller == transfer.to_reseller
    states = sorted(ResellerChangeCode.objects.values_list("state", flat=True))
    assert states == sorted([CodeState.USED, CodeState.INVALIDATED])


def test_a_change_racing_a_new_purchase_authorization_of_the_old_reseller_is_consistent(takeover):
    product = ProductFactory()
    triad = takeover.triad
    for round_ in range(3):
        customer = Customer.objects.get(pk=takeover.customer.pk) if round_ == 0 else _fresh_customer(takeover, round_)
        plain = f"RACE{round_ + 2}345"
        ResellerChangeCodeFactory(customer=customer, sent_by=triad.member_b, plain=plain)

        def confirm(client, customer=customer, plain=plain):
            return client.post(
                reverse("portal:reseller_change", args=[customer.vip_id]), {"code": plain, "confirm": "1"}
            )

        def request_pa(client, customer=customer):
            return client.post(
                reverse("purchasing:pa_create", args=[customer.vip_id]), lines_data((product.pk, 2), po_number="")
            )

        users = [takeover.owner, triad.member_a.user]
        results = in_parallel([confirm, request_pa], prepare=lambda i, users=users: client_for(users[i]))
        assert not crashes(results)
        customer.refresh_from_db()
        moved = customer.reseller_id == triad.reseller_b.pk
        open_pas = PurchaseAuthorization.objects.filter(customer=customer, state__in=["pending"]).count()
        if moved:
            assert open_pas == 0  # the old reseller's request was refused, not half-made
            assert results[1].status_code in (200, 404)
            if results[1].status_code == 200:
                assert "This customer does not exist." in results[1].content.decode()
        else:
            assert open_pas == 1
            assert "is not paid yet" in results[0].content.decode()
            assert not CustomerTransfer.objects.filter(customer=customer).exists()


def _fresh_customer(takeover, round_: int) -> Customer:
    from customers.models import CustomerAdmin, InvitationStatus
    from tests.factories import CustomerFactory

    customer = CustomerFactory(
        managed_by=takeover.triad.member_a, name=f"Race Org {round_}", invitation_status=InvitationStatus.ACCEPTED
    )
    CustomerAdmin.objects.create(customer=customer, user=takeover.owner)
    return customer


def test_ten_simultaneous_wrong_codes_of_one_admin_record_exactly_five_failures(takeover):
    from reseller_change.models import ResellerChangeFailure

    url = reverse("portal:reseller_change", args=[takeover.customer.vip_id])
    results = in_parallel(
        [lambda client: client.post(url, {"code": "WRNG2345"})] * 10,
        prepare=lambda i: client_for(takeover.owner),
    )
    assert not crashes(results)
    pages = [r.content.decode() for r in results]
    assert sum("This code is not right" in p for p in pages) == 5
    assert sum("Too many wrong codes" in p for p in pages) == 5
    assert ResellerChangeFailure.objects.filter(user=takeover.owner).count() == 5
