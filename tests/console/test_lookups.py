"""console.lookups: `field__any=[…]` finds the same rows as `field__in=[…]`, as one array parameter on
PostgreSQL (IN elsewhere); with an empty list, none, without a query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from console.accounts.models import Membership, Reseller
from tests.factories import MembershipFactory, ResellerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("vendor", ["postgresql", "other"])
def test_the_same_rows_as_in_for_ids_texts_and_relations(vendor, monkeypatch):
    resellers = [ResellerFactory(name=name) for name in ("O'Hara & Sons", "Plain", "Third")]
    members = [MembershipFactory(reseller=reseller) for reseller in resellers]
    if vendor == "other":
        monkeypatch.setattr(connection, "vendor", "sqlite")  # the portable path, on this database
    ids = [resellers[0].pk, resellers[2].pk]
    names = ["O'Hara & Sons", "Third", "Nobody"]
    assert set(Reseller.objects.filter(pk__any=ids)) == set(Reseller.objects.filter(pk__in=ids))
    assert set(Reseller.objects.filter(name__any=names)) == {resellers[0], resellers[2]}
    assert set(Reseller.objects.filter(~Q(name__any=names))) == set(Reseller.objects.exclude(name__in=names))
    memberships = Membership.objects.with_scopes_disabled()
    assert set(memberships.filter(reseller__any=ids)) == {members[0], members[2]}
    assert set(memberships.filter(reseller_id__any=ids)) == {members[0], members[2]}


def test_on_postgresql_the_list_is_one_parameter_however_long():
    ResellerFactory()
    with CaptureQueriesContext(connection) as captured:
        list(Reseller.objects.filter(pk__any=list(range(5000))))
    (query,) = captured.captured_queries
    assert "= ANY(" in query["sql"]
    assert " IN (" not in query["sql"]


def test_an_empty_list_finds_nothing_without_a_query():
    ResellerFactory()
    with CaptureQueriesContext(connection) as captured:
        assert list(Reseller.objects.filter(pk__any=[])) == []
    assert captured.captured_queries == []
