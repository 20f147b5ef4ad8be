"""Shared fixtures: the tenant triad (member and admin of reseller A, member of reseller B, anonymous)
plus a viewer and the primary admin of A."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from django_scopes import scope, scopes_disabled

from console.accounts.models import Membership, Reseller
from tests.factories import MembershipFactory, ResellerFactory


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "unscoped: the test body looks across resellers on purpose (django-scopes disabled)"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """Fixtures (the triad, factories, the database itself) are built with scoping off, as in pretix."""
    with scopes_disabled():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    with scopes_disabled():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """The test body runs inside reseller A's scope when the test uses the triad, else in an empty
    scope, so a service or selector that forgets to filter by its reseller fails its test. A test that
    looks across resellers on purpose says so with @pytest.mark.unscoped (or a scopes_disabled()
    block). Requests made through the test client run in the scope TenantMiddleware sets."""
    if item.get_closest_marker("unscoped"):
        context = scopes_disabled()
    elif isinstance(triad := getattr(item, "funcargs", {}).get("triad"), Triad):
        context = scope(reseller=triad.reseller_a.pk)
    else:
        context = scope()
    with context:
        return (yield)


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language: a request or an override in one test leaves the thread's
    active language behind, and the next test would read Ukrainian."""
    translation.deactivate()
    yield
    translation.deactivate()


@dataclass
class Triad:
    reseller_a: Reseller
    reseller_b: Reseller
    primary_a: Membership
    admin_a: Membership
    member_a: Membership
    viewer_a: Membership
    member_b: Membership

    def client_for(self, membership: Membership | None) -> Client:
        client = Client()
        if membership is not None:
            client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
        return client


@pytest.fixture
def triad(db: None) -> Triad:
    reseller_a = ResellerFactory(name="Alpha Resale")
    reseller_b = ResellerFactory(name="Bravo Resale")
    return Triad(
        reseller_a=reseller_a,
        reseller_b=reseller_b,
        primary_a=MembershipFactory(reseller=reseller_a, role=Membership.Role.PRIMARY_ADMIN),
        admin_a=MembershipFactory(reseller=reseller_a, role=Membership.Role.ADMIN),
        member_a=MembershipFactory(reseller=reseller_a, role=Membership.Role.MEMBER),
        viewer_a=MembershipFactory(reseller=reseller_a, role=Membership.Role.VIEWER),
        member_b=MembershipFactory(reseller=reseller_b, role=Membership.Role.MEMBER),
    )


@pytest.fixture
def member_client(triad: Triad) -> Client:
    return triad.client_for(triad.member_a)


@pytest.fixture
def admin_client_a(triad: Triad) -> Client:
    return triad.client_for(triad.admin_a)
