"""tests/factories.py: every model has a factory, and children take their reseller from the parent."""

from __future__ import annotations

import factory
import pytest
from django.apps import apps

from tests import factories

PROJECT_APPS = {"accounts", "audit", "outbox", "jobs", "customers", "purchase_auth"}


def test_every_project_model_has_a_factory():
    covered = {
        f._meta.model
        for f in vars(factories).values()
        if isinstance(f, type) and issubclass(f, factory.django.DjangoModelFactory) and f._meta.model
    }
    models = {m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS}
    assert not models - covered, f"Add factories for {sorted(m.__name__ for m in models - covered)}"


@pytest.mark.unscoped  # builds objects of new resellers
def test_children_take_their_reseller_from_the_parent(db):
    line = factories.ReturnLineFactory()
    order = line.return_record.order
    assert line.order_line.order == order
    assert {line.return_record.reseller, order.reseller, order.customer.reseller} == {order.customer.reseller}
    assert order.customer.managed_by.reseller == order.customer.reseller
    pa = factories.PurchaseAuthorizationLineFactory().purchase_authorization
    assert pa.reseller == pa.customer.reseller == pa.customer.managed_by.reseller
    commit = factories.ThreeYearCommitFactory()
    assert commit.reseller == commit.customer.reseller


@pytest.mark.unscoped
def test_a_customer_built_for_a_reseller_is_managed_by_one_of_its_members(db):
    reseller = factories.ResellerFactory()
    assert factories.CustomerFactory(reseller=reseller).managed_by.reseller == reseller
    with pytest.raises(ValueError, match="Managed by"):
        factories.CustomerFactory(reseller=reseller, managed_by=factories.MembershipFactory())
