"""NF-3: a double click or two people at once is never a 500. Every test sends real parallel requests
(one test client and one database connection per thread) and checks that the losers get a clear
message or the winner's result, and that the rule held (one removal, one customer, one account)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from console.accounts.models import User
from console.audit.models import AuditEvent
from console.outbox.models import OutboxMessage
from customers import services
from customers.models import Customer, CustomerAdmin, InvitationStatus
from purchase_auth.models import PurchaseAuthorization
from tests.customers.test_invitations import invite_data
from tests.factories import CustomerFactory, ProductFactory, lines_data
from tests.parallel import client_for, crashes, in_parallel, messages_of

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a long customer passphrase 7"
REMOVED_ALREADY = "was removed"


def _remove(customer: Customer):
    return lambda client: client.post(reverse("customers:remove", args=[customer.vip_id]))


def test_ten_simultaneous_removes_remove_once_and_nobody_sees_an_error_page(triad):
    customer = CustomerFactory(managed_by=triad.member_a, name="Typo Org")
    results = in_parallel([_remove(customer)] * 10, prepare=lambda i: client_for(triad.member_a.user))
    assert not crashes(results)
    assert {r.status_code for r in results} == {302}
    assert {r.url for r in results} == {reverse("customers:list")}
    said = [messages_of(r) for r in results]
    assert said.count(["Typo Org was removed."]) == 1
    assert all(m == ["Typo Org was removed."] or REMOVED_ALREADY in m[0] for m in said), said
    assert AuditEvent.objects.filter(action="customer.remove").count() == 1


@pytest.mark.parametrize("other", ["reminder", "managed_by"])
def test_a_remove_racing_reminders_or_managed_by_never_crashes_either(triad, other):
    customer = CustomerFactory(managed_by=triad.member_a)
    if other == "reminder":
        who = triad.member_a

        def act(client):
            return client.post(
                reverse("customers:reminder", args=[customer.vip_id]), {"contact_email": "new@contact.example"}
            )
    else:
        who = triad.primary_a

        def act(client):
            url = reverse("customers:managed_by", args=[customer.vip_id])
            return client.post(url, {"membership": triad.admin_a.pk})

    calls = [_remove(customer)] + [act] * 5
    results = in_parallel(calls, prepare=lambda i: client_for((triad.member_a if i == 0 else who).user))
    assert not crashes(results)
    assert results[0].status_code == 302 and messages_of(results[0]) == [f"{customer.name} was removed."]
    for response in results[1:]:
        # before the removal: done; after it: a message on the list (or 404 if it was gone before the click)
        assert response.status_code in (302, 404)
        if response.status_code == 302 and response.url == reverse("customers:list"):
            assert REMOVED_ALREADY in messages_of(response)[0]
    customer.refresh_from_db()
    assert customer.removed_at is not None


def test_a_remove_racing_a_new_purchase_authorization_leaves_one_or_the_other(triad):
    product = ProductFactory()
    for _ in range(3):
        customer = CustomerFactory(managed_by=triad.member_a, segment="COM")

        def request_pa(client, customer=customer):
            url = reverse("purchasing:pa_create", args=[customer.vip_id])
            return client.post(url, lines_data((product.pk, 2), po_number=""))

        results = in_parallel(
            [_remove(customer), request_pa, request_pa], prepare=lambda i: client_for(triad.member_a.user)
        )
        assert not crashes(results)
        customer.refresh_from_db()
        has_pa = PurchaseAuthorization.objects.filter(customer=customer).exists()
        assert (customer.removed_at is None) == has_pa
        if has_pa:
            assert "cannot be removed" in messages_of(results[0])[0]
        for response in results[1:]:
            assert response.status_code in (200, 302, 404)
            if response.status_code == 200:  # the form again, saying why
                content = response.content.decode()
                assert REMOVED_ALREADY in content or "This customer does not exist." in content


def test_ten_identical_invitation_submits_create_one_customer_and_all_see_it(triad):
    for _ in range(2):  # the losers' timing varies from round to round
        data = invite_data(name=f"Org {uuid.uuid4().hex[:8]}", submission_key=str(uuid.uuid4()))
        emails_before = OutboxMessage.objects.filter(template="customer_invitation").count()
        results = in_parallel(
            [lambda client, data=data: client.post(reverse("customers:invite"), data)] * 10,
            prepare=lambda i: client_for(triad.member_a.user),
        )
        assert not crashes(results)
        customer = Customer.objects.get(name=data["name"])
        detail = reverse("customers:detail", args=[customer.vip_id])
        assert [r.status_code for r in results] == [302] * 10, [r.content.decode()[:300] for r in results]
        assert {r.url for r in results} == {detail}
        assert OutboxMessage.objects.filter(template="customer_invitation").count() == emails_before + 1
        Customer.objects.filter(pk=customer.pk).update(removed_at=customer.created_at)  # free the name for the next


def test_a_double_submit_whose_first_commits_between_the_checks_gets_the_first_result(triad, monkeypatch):
    """The window that made the loser answer with the CUST-7 error: its look-up of the submission key ran
    before the first submit committed, its CUST-7 check after. Made to happen every time."""
    url, data = reverse("customers:invite"), invite_data(submission_key=str(uuid.uuid4()))
    original, first = services.contact_name_taken, []

    def first_submit_commits_now(**kwargs):
        if not first:
            first.append(None)
            first[0] = in_parallel([lambda client: client.post(url, data)], prepare=lambda i: client_for(member))[0]
        return original(**kwargs)

    member = triad.member_a.user
    monkeypatch.setattr(services, "contact_name_taken", first_submit_commits_now)
    second = client_for(member).post(url, data)
    assert first[0].status_code == 302
    assert second.status_code == 302, second.content.decode()[:2000]
    assert second.url == first[0].url == reverse("customers:detail", args=[Customer.objects.get().vip_id])


def _link(customer: Customer) -> str:
    message = OutboxMessage.objects.filter(
        template="customer_invitation", to_email=customer.contact_email, body_text__contains=customer.name
    ).latest("pk")
    return re.search(r"https?://\S+", message.body_text).group(0).replace("http://testserver", "")


def _invite(triad, **overrides) -> Customer:
    customer, _ = services.customer_invite(
        reseller=triad.reseller_a, actor=triad.member_a.user, managed_by=triad.member_a, data=invite_data(**overrides)
    )
    return customer


@pytest.mark.parametrize("round_", range(3))  # the loser's timing varies; each round is a fresh pair
def test_two_acceptances_for_the_same_new_email_make_one_account(triad, round_):
    email = f"shared{round_}@org.example"
    first = _invite(triad, name="First Org", name_en="First Org", contact_email=email)
    second = _invite(triad, name="Second Org", name_en="Second Org", contact_email=email)
    links = [_link(first), _link(second)]
    passwords = [NEW_PASSWORD, NEW_PASSWORD + " other"]  # two people typing: only one password can win
    results = in_parallel(
        [
            lambda client, link=link, password=password: client.post(
                link, {"password1": password, "password2": password, "accept_terms": "on"}
            )
            for link, password in zip(links, passwords, strict=True)
        ],
        prepare=lambda i: client_for(None),
    )
    assert not crashes(results)
    assert User.objects.filter(email=email).count() == 1
    winners = [r for r in results if r.status_code == 302]
    assert len(winners) == 1 and winners[0].url == reverse("portal:home")
    loser_index = 1 - results.index(winners[0])
    loser = results[loser_index]
    assert loser.status_code == 200  # the form again, now asking for the account's password
    content = loser.content.decode()
    assert f"An account for {email} was just created" in content or f"not right for {email}" in content
    assert "Confirm with the password of your account" in content
    # the loser confirms with the account's password and accepts the second organization too
    retry = client_for(None).post(links[loser_index], {"password1": passwords[1 - loser_index], "accept_terms": "on"})
    assert retry.status_code == 302
    assert Customer.objects.filter(contact_email=email, invitation_status=InvitationStatus.ACCEPTED).count() == 2


def test_an_account_created_after_the_page_looked_asks_for_its_password(triad, monkeypatch):
    # The interleaving the test above meets only sometimes: the other acceptance commits the account
    # after this request found none, but before its own transaction looks for one.
    email = "between@org.example"
    first = _invite(triad, name="First Org", name_en="First Org", contact_email=email)
    second = _invite(triad, name="Second Org", name_en="Second Org", contact_email=email)
    original, other = services.contact_name_taken, []

    def other_acceptance_commits_now(**kwargs):
        if not other:
            other.append(None)  # before the other acceptance, which passes here too
            other[0] = in_parallel(
                [
                    lambda client: client.post(
                        _link(first), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "accept_terms": "on"}
                    )
                ],
                prepare=lambda i: client_for(None),
            )[0]
        return original(**kwargs)

    link = _link(second)
    monkeypatch.setattr(services, "contact_name_taken", other_acceptance_commits_now)
    loser = client_for(None).post(
        link, {"password1": "another passphrase 8", "password2": "another passphrase 8", "accept_terms": "on"}
    )
    assert other[0].status_code == 302
    assert loser.status_code == 200
    content = loser.content.decode()
    assert f"An account for {email} was just created" in content
    assert "Confirm with the password of your account" in content
    assert User.objects.filter(email=email).count() == 1


def test_a_double_click_on_accept_signs_in_both_and_accepts_once(triad):
    customer = _invite(triad)
    link = _link(customer)
    form = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "accept_terms": "on"}
    results = in_parallel([lambda client: client.post(link, form)] * 2, prepare=lambda i: client_for(None))
    assert not crashes(results)
    assert [r.status_code for r in results] == [302, 302]
    assert {r.url for r in results} == {reverse("portal:home")}
    assert AuditEvent.objects.filter(action="customer.accept").count() == 1
    assert CustomerAdmin.objects.filter(customer=customer).count() == 1
