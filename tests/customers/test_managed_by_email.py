"""LIST-4/NF-4: Customer.managed_by_email, the key the list and the API sort Managed by on, is the managing
user's email after every path that changes it, because the database writes it (migration 0013's triggers),
and the sort gives the order the join on the manager's email gave."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F

from console.accounts.services import team_member_remove
from customers import selectors, services
from customers.models import Customer
from tests.customers.test_invitations import invite_data
from tests.factories import CustomerFactory, MembershipFactory

pytestmark = pytest.mark.unscoped
ON = date(2026, 3, 10)


def _key(customer: Customer) -> str:
    return Customer.objects.values_list("managed_by_email", flat=True).get(pk=customer.pk)


def _wrong() -> list[tuple[str, str, str]]:
    """Customers whose stored key is not their manager's email (name, stored, true)."""
    return list(
        Customer.objects.exclude(managed_by_email=F("managed_by__user__email")).values_list(
            "name", "managed_by_email", "managed_by__user__email"
        )
    )


def test_an_invited_customer_holds_its_managers_email(triad):
    customer, _ = services.customer_invite(
        reseller=triad.reseller_a, actor=triad.member_a.user, managed_by=triad.member_a, data=invite_data()
    )
    assert _key(customer) == triad.member_a.user.email


def test_changing_managed_by_changes_the_key(triad):
    customer = CustomerFactory(managed_by=triad.member_a)
    services.customer_managed_by_change(
        reseller=triad.reseller_a, actor=triad.primary_a.user, vip_id=customer.vip_id, membership_id=triad.admin_a.pk
    )
    assert _key(customer) == triad.admin_a.user.email


def test_removing_a_member_reassigns_all_their_customers_keys(triad):
    """TEAM-2: one set-based UPDATE moves every customer; each row's key follows in the same statement."""
    moved = CustomerFactory.create_batch(40, managed_by=triad.member_a)
    kept = CustomerFactory(managed_by=triad.primary_a)
    team_member_remove(
        reseller=triad.reseller_a,
        actor=triad.primary_a.user,
        membership_id=triad.member_a.pk,
        reassign_to_id=triad.admin_a.pk,
    )
    keys = set(Customer.objects.filter(pk__in=[c.pk for c in moved]).values_list("managed_by_email", flat=True))
    assert keys == {triad.admin_a.user.email}
    assert _key(kept) == triad.primary_a.user.email
    assert _wrong() == []


def test_a_users_new_email_reaches_every_customer_they_manage(triad):
    user = triad.member_a.user
    CustomerFactory.create_batch(3, managed_by=triad.member_a)
    other = CustomerFactory(managed_by=triad.admin_a)
    user.email = "renamed@alpha.example"
    user.save()  # what the Django admin and the account pages do
    keys = Customer.objects.filter(managed_by__user=user).values_list("managed_by_email", flat=True)
    assert list(keys) == ["renamed@alpha.example"] * 3
    assert _key(other) == triad.admin_a.user.email
    type(user).objects.filter(pk=user.pk).update(email="again@alpha.example")  # a set-based UPDATE alike
    assert _wrong() == []
    assert Customer.objects.filter(managed_by_email="again@alpha.example").count() == 3


def test_a_value_written_from_outside_is_replaced_by_the_true_one(triad):
    customer = CustomerFactory(managed_by=triad.member_a)
    Customer.objects.filter(pk=customer.pk).update(managed_by_email="someone@else.example")
    assert _key(customer) == triad.member_a.user.email
    # An instance read before an email change and saved whole afterwards writes its old copy: replaced too.
    stale = Customer.objects.get(pk=customer.pk)
    triad.member_a.user.email = "new@alpha.example"
    triad.member_a.user.save()
    stale.name = "Renamed"
    stale.save()
    assert _key(customer) == "new@alpha.example"


def test_a_customer_inserted_before_its_membership_gets_the_key_when_the_membership_arrives(triad):
    """Foreign keys are checked at commit: bulk loads may insert a customer before its manager."""
    customer = CustomerFactory(managed_by=triad.member_a)
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) + 1000 FROM accounts_membership")
        (future,) = cursor.fetchone()
        cursor.execute("UPDATE customers_customer SET managed_by_id = %s WHERE id = %s", [future, customer.pk])
    assert _key(customer) == ""
    MembershipFactory(pk=future, reseller=triad.reseller_a)
    assert _key(customer) == Customer.objects.get(pk=customer.pk).managed_by.user.email != ""


def test_the_demo_data_hold_the_right_keys(db):
    call_command("seed_demo")
    assert Customer.objects.exists()
    assert _wrong() == []


@pytest.mark.parametrize("descending", [False, True])
def test_the_sort_is_the_order_of_the_managers_emails(triad, descending):
    """The same order as ORDER BY the joined user's email, name, id, ties and an email change included."""
    for membership, email in [(triad.member_a, "b@alpha.example"), (triad.admin_a, "a@alpha.example")]:
        membership.user.email = email
        membership.user.save()
    for membership in (triad.member_a, triad.admin_a, triad.primary_a):
        for name in ("Same", "Same", "Other", "Zulu"):
            CustomerFactory(managed_by=membership, name=name)

    def listed(order: tuple[str, ...]) -> list[int]:
        customers = selectors.customer_list(reseller=triad.reseller_a, on=ON, sort="name").order_by(
            *(f"-{f}" if descending else f for f in order)
        )
        return list(customers.values_list("pk", flat=True))

    def sorted_by_key() -> list[int]:
        customers = selectors.customer_list(reseller=triad.reseller_a, on=ON, sort="managed_by", descending=descending)
        return list(customers.values_list("pk", flat=True))

    by_join = ("managed_by__user__email", "name", "id")
    assert sorted_by_key() == listed(by_join)
    triad.admin_a.user.email = "z@alpha.example"  # the first manager becomes the last
    triad.admin_a.user.save()
    assert sorted_by_key() == listed(by_join)
    assert sorted_by_key()[-4 if not descending else 0] in Customer.objects.filter(
        managed_by=triad.admin_a
    ).values_list("pk", flat=True)
