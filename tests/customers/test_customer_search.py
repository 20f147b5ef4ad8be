"""LIST-4/NF-4: CustomerSearch, the narrow side table a search's default view reads, holds exactly one row per
listed customer (its id, reseller, name and search_text) after every path that writes customers, because the
database writes it (migration 0014's triggers); that view reads it through its trigram index, and gives the
page and total customer_list gives."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from customers import selectors, services
from customers.models import Customer, CustomerSearch, search_key
from tests.customers.test_invitations import invite_data
from tests.factories import CustomerFactory, CustomerSearchFactory, ResellerFactory

pytestmark = pytest.mark.unscoped
ON = date(2026, 3, 10)


def _expected() -> set[tuple[int, int, str, str]]:
    return set(Customer.objects.filter(removed_at__isnull=True).values_list("pk", "reseller_id", "name", "search_text"))


def _stored() -> set[tuple[int, int, str, str]]:
    return set(CustomerSearch.objects.values_list("customer_id", "reseller_id", "name", "search_text"))


def _assert_exact() -> None:
    assert _stored() == _expected()


def _row(customer: Customer) -> tuple[int, str, str] | None:
    return CustomerSearch.objects.filter(pk=customer.pk).values_list("reseller_id", "name", "search_text").first()


def test_an_invited_customer_gets_its_row(triad):
    customer, _ = services.customer_invite(
        reseller=triad.reseller_a, actor=triad.member_a.user, managed_by=triad.member_a, data=invite_data()
    )
    assert _row(customer) == (
        triad.reseller_a.pk,
        "Рога і Копита",
        search_key("Рога і Копита", "Roga i Kopyta", customer.vip_id, "olena@roga.example"),
    )
    _assert_exact()


def test_a_new_name_or_email_reaches_the_row(triad):
    customer = CustomerFactory(managed_by=triad.member_a, name="Old Name", contact_email="old@mail.example")
    CustomerFactory(managed_by=triad.member_a, name="Untouched")
    services.customer_reminder_send(
        reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id, email="new@mail.example"
    )
    assert "new@mail.example" in _row(customer)[2] and "old@mail.example" not in _row(customer)[2]
    customer.refresh_from_db()
    customer.name = "New Name"
    customer.save()  # what the Django admin does
    assert _row(customer)[1] == "New Name"
    _assert_exact()


def test_acceptance_keeps_the_row(triad, client):
    customer, _ = services.customer_invite(
        reseller=triad.reseller_a, actor=triad.member_a.user, managed_by=triad.member_a, data=invite_data()
    )
    before = _row(customer)
    services.customer_invitation_accept(
        token=services.invitation_token(customer), user=None, password="a-Long-passw0rd!", first_name="O"
    )
    assert Customer.objects.get(pk=customer.pk).contract_owner is not None
    assert _row(customer) == before
    _assert_exact()


def test_a_removed_customer_has_no_row_and_is_not_found(triad, member_client):
    customer = CustomerFactory(managed_by=triad.member_a, name="Removable Org", has_products=False)
    CustomerFactory(managed_by=triad.member_a, name="Removable Kept")
    services.customer_remove(reseller=triad.reseller_a, actor=triad.admin_a.user, vip_id=customer.vip_id)
    assert _row(customer) is None
    _assert_exact()
    response = member_client.get(reverse("customers:list"), {"q": "removable"})
    assert [row["name"] for row in response.context["page"].object_list] == ["Removable Kept"]


def test_a_customer_moved_to_another_reseller_is_searched_there(triad):
    customer = CustomerFactory(managed_by=triad.member_a, name="Moving Org")
    Customer.objects.filter(pk=customer.pk).update(reseller=triad.reseller_b)
    assert _row(customer)[0] == triad.reseller_b.pk
    with scope(reseller=triad.reseller_a):
        assert not selectors.customer_list(reseller=triad.reseller_a, on=ON, query="moving").exists()
    with scope(reseller=triad.reseller_b):
        assert list(selectors.customer_list(reseller=triad.reseller_b, on=ON, query="moving")) == [customer]


def test_rows_written_by_raw_sql_are_followed(triad):
    customer = CustomerFactory(managed_by=triad.member_a, name="Raw Org")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer SET name = 'Raw Renamed', search_text = 'raw renamed' WHERE id = %s",
            [customer.pk],
        )
        assert _row(customer) == (triad.reseller_a.pk, "Raw Renamed", "raw renamed")
        cursor.execute("UPDATE customers_customer SET removed_at = now() WHERE id = %s", [customer.pk])
        assert _row(customer) is None
        cursor.execute("UPDATE customers_customer SET removed_at = NULL WHERE id = %s", [customer.pk])
        assert _row(customer) == (triad.reseller_a.pk, "Raw Renamed", "raw renamed")
        # A copy made by raw SQL (every column but the id and the VIP ID), listed: it gets its row.
        columns = [
            f.column for f in Customer._meta.concrete_fields if f.column not in ("id", "vip_id", "submission_key")
        ]
        listed = ", ".join(columns)
        copied = listed.replace("contact_email", "'copy@raw.example'")
        cursor.execute(
            f"INSERT INTO customers_customer (vip_id, {listed}) "  # noqa: S608 (column names of the model)
            f"SELECT 'ABCDEF0123456789ABCD', {copied} "
            "FROM customers_customer WHERE id = %s RETURNING id",
            [customer.pk],
        )
        (copy_pk,) = cursor.fetchone()
        assert CustomerSearch.objects.filter(pk=copy_pk).exists()
        _assert_exact()
        cursor.execute("DELETE FROM customers_customer WHERE id = %s", [copy_pk])
        assert not CustomerSearch.objects.filter(pk=copy_pk).exists()
    # A save that rewrites the copied columns unchanged leaves the row alone (the trigger's WHEN clause).
    Customer.objects.get(pk=customer.pk).save(update_fields=["name", "search_text"])
    _assert_exact()


def test_the_factory_returns_the_row_the_database_wrote(db):
    row = CustomerSearchFactory()
    assert (row.reseller_id, row.name, row.search_text) == _row(row.customer)
    _assert_exact()


def test_a_deleted_customer_loses_its_row(triad):
    customer = CustomerFactory(managed_by=triad.member_a)
    Customer.objects.filter(pk=customer.pk).delete()
    assert not CustomerSearch.objects.filter(pk=customer.pk).exists()
    _assert_exact()


def test_many_customers_written_set_based_are_followed(triad):
    CustomerFactory.create_batch(20, managed_by=triad.member_a)
    other = ResellerFactory()
    Customer.objects.filter(reseller=triad.reseller_a).update(name="Same Name", search_text="same name")
    Customer.objects.filter(pk__in=Customer.objects.values("pk")[:5]).update(removed_at=timezone.now())
    assert len(_stored()) == 15
    _assert_exact()
    assert other.pk not in {row[1] for row in _stored()}


def _plan(sql: str, params: tuple) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_indexscan")
    return plan


@pytest.mark.parametrize(
    "params",
    [
        {"q": "berg"},
        {"q": "berg", "sort": "-name"},
        {"q": "berg", "filter": "no_products"},
        {"q": "berg", "sort": "status"},
    ],
)
def test_the_default_view_searches_the_side_table_the_others_the_customers(triad, member_client, params):
    """The default view's pass over the matches reads CustomerSearch alone; a filter or another sort reads the
    customer rows, which it needs anyway, by their own trigram index (migration 0012, kept). The side table's
    condition matches its index's expression (a few test rows would be read otherwise, so sequential and plain
    index scans are off to ask whether the trigram index can be used)."""
    for index in range(3):
        CustomerFactory(managed_by=triad.member_a, name=f"Goldberg {index}")
    with CaptureQueriesContext(connection) as captured:
        response = member_client.get(reverse("customers:list"), params)
    assert response.context["page"].paginator.count == 3
    (search,) = [q["sql"] for q in captured if "OVER ()" in q["sql"]]
    default = params.get("sort", "name").lstrip("-") == "name" and "filter" not in params
    if default:
        assert "customers_customersearch" in search and '"customers_customer"' not in search
    else:
        assert '"customers_customer"' in search and "customers_customersearch" not in search
    with scope(reseller=triad.reseller_a):
        side = selectors.search_matches(reseller=triad.reseller_a, query="berg").order_by().values("pk")
        assert "customer_search_trgm " in _plan(*side.query.sql_with_params())
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%%gin_trgm_ops%%' ORDER BY 1")
        assert [row[0] for row in cursor.fetchall()] == ["customer_search_trgm", "customer_search_trgm_reseller"]


@pytest.mark.parametrize("sort", ["name", "-name", "status", "-vip_id"])
@pytest.mark.parametrize("customer_filter", ["all", "no_products"])
def test_the_side_tables_page_is_the_customer_lists_order(triad, member_client, sort, customer_filter):
    """Both ways to a search's page (the side table alone, or the customers joined to it) give the order and
    the total of customer_list with the same arguments, ties of names included."""
    for index in range(30):
        CustomerFactory(
            managed_by=triad.member_a, name=f"Berg {index % 4}", has_products=bool(index % 3), vip_id=f"{index:020X}"
        )
    CustomerFactory(managed_by=triad.member_a, name="Other")
    with scope(reseller=triad.reseller_a):
        expected = list(
            selectors.customer_list(
                reseller=triad.reseller_a,
                on=ON,
                customer_filter=customer_filter,
                query="berg",
                sort=sort.lstrip("-"),
                descending=sort.startswith("-"),
            ).values_list("vip_id", flat=True)
        )
    assert len(expected) == (30 if customer_filter == "all" else 10)
    shown = []
    for page in (1, 2):
        response = member_client.get(
            reverse("customers:list"),
            {"q": "berg", "sort": sort, "filter": customer_filter, "page": page},
        )
        assert response.context["page"].paginator.count == len(expected)
        shown += [row["vip_id"] for row in response.context["page"].object_list]
        if len(expected) <= 25:
            break
    assert shown == expected


@pytest.mark.parametrize(
    ("arguments", "side_table"),
    [
        ({}, True),
        ({"descending": True}, True),
        ({"sort": "unknown"}, True),  # customer_list sorts an unknown column by name too
        ({"customer_filter": "pending"}, False),
        ({"sort": "status"}, False),
        ({"mine": True}, False),
        ({"stale": True}, False),
        ({"query": "ann@lee.example"}, False),  # a whole email address: the contact's index
        ({"query": ""}, False),
    ],
)
def test_only_the_default_view_of_a_search_is_answered_by_the_side_table(triad, arguments, side_table):
    arguments = {"query": "berg", **arguments}
    if arguments.pop("mine", False):
        arguments["managed_by"] = triad.member_a
    if arguments.pop("stale", False):
        arguments["stale_invitations"] = timezone.now()
    with scope(reseller=triad.reseller_a):
        assert (selectors.search_page_ids(reseller=triad.reseller_a, **arguments) is not None) == side_table
