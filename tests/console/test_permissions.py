"""NF-1: one matrix walks every URL pattern with anonymous, other-reseller, viewer, member and admin
users, and pins the exact answer for each: 200, a 302 to a named place, 403, 404 or 405. A URL added
without an entry here makes test_every_url_pattern_is_covered fail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from api.models import WebhookDelivery, WebhookEndpoint
from api.services import api_key_create
from console.accounts.models import Membership
from console.tenancy import ALL_ROLES, PRIMARY_ONLY, TEAM_ADMINS, WRITERS
from customers.models import Customer
from tests.conftest import Triad
from tests.factories import MembershipFactory
from tests.matrix import Kwargs, customer_of_a, invite, order_of_a, pa_of_a, url_names

# What an allowed request answers: a status, or the exact place a 302 leads to (from the URL's kwargs).
Expect = int | Callable[[dict], str]


def to(name: str, *, keep: tuple[str, ...] = (), query: str = "") -> Callable[[dict], str]:
    """A redirect to the named URL, with the given kwargs of the requested URL."""
    return lambda kwargs: reverse(name, kwargs={k: kwargs[k] for k in keep} or None) + query


def _new_customer(kwargs: dict) -> str:
    return reverse("customers:detail", args=[Customer.objects.get(contact_email=INVITE_FORM["contact_email"]).vip_id])


def _pending_member_of_a(triad: Triad) -> dict:
    return {"pk": MembershipFactory(reseller=triad.reseller_a, status=Membership.Status.PENDING).pk}


def _admin_of_a(triad: Triad) -> dict:
    return {"pk": triad.admin_a.pk}


def _api_key_of_a(triad: Triad) -> dict:
    key, _text = api_key_create(
        reseller=triad.reseller_a, actor=triad.admin_a.user, name="Matrix", role="read_only", expires_at=None
    )
    return {"pk": key.pk}


def _endpoint_of_a(triad: Triad) -> dict:
    endpoint = WebhookEndpoint.objects.create(
        reseller=triad.reseller_a,
        url="https://hooks.example.com/a",
        events=["customer.invited"],
        secret_encrypted="x",
        created_by=triad.admin_a.user,
        created_at=timezone.now(),
    )
    return {"pk": endpoint.pk}


def _delivery_of_a(triad: Triad) -> dict:
    pk = _endpoint_of_a(triad)["pk"]
    delivery = WebhookDelivery.objects.create(
        endpoint_id=pk, event_id="msg_1", event_type="webhook.test", payload={}, created_at=timezone.now()
    )
    return {"pk": pk, "delivery": delivery.pk}


INVITE_FORM = invite(language="en")


@dataclass(frozen=True)
class Case:
    """How to call one console URL, which roles may read (GET) and write (POST) it, and what an
    allowed role gets (a role without the right gets 403, a method not offered 405)."""

    get: frozenset[str] | None = ALL_ROLES  # None: GET not offered
    post: frozenset[str] | None = None  # None: POST not offered
    post_data: dict = field(default_factory=dict)
    kwargs: Kwargs | None = None  # builds URL kwargs naming an object of reseller A
    get_ok: Expect = 200
    post_ok: Expect = 200


CONSOLE_URLS: dict[str, Case] = {
    "console:home": Case(),
    "console:team": Case(),
    "console:team_invite": Case(
        get=TEAM_ADMINS,
        post=TEAM_ADMINS,
        post_data={"email": "new@example.com", "first_name": "N", "last_name": "P", "role": "member"},
        post_ok=to("console:team"),
    ),
    "console:team_invitation_resend": Case(
        get=None, post=TEAM_ADMINS, kwargs=_pending_member_of_a, post_ok=to("console:team")
    ),
    "console:team_member_role": Case(
        get=None,
        post=TEAM_ADMINS,
        post_data={"role": "viewer"},
        kwargs=_pending_member_of_a,
        post_ok=to("console:team"),
    ),
    "console:team_member_remove": Case(
        get=TEAM_ADMINS, post=TEAM_ADMINS, kwargs=_pending_member_of_a, post_ok=to("console:team")
    ),
    "console:team_primary_handover": Case(get=None, post=PRIMARY_ONLY, kwargs=_admin_of_a, post_ok=to("console:team")),
    "console:activity": Case(get=TEAM_ADMINS),
    "api_keys:list": Case(get=TEAM_ADMINS),
    "api_keys:create": Case(get=TEAM_ADMINS, post=TEAM_ADMINS, post_data={"name": "Billing", "role": "read_only"}),
    "api_keys:revoke": Case(get=None, post=TEAM_ADMINS, kwargs=_api_key_of_a, post_ok=to("api_keys:list")),
    # An empty POST re-renders the form with its errors.
    "webhooks:list": Case(get=TEAM_ADMINS, post=TEAM_ADMINS),
    "webhooks:detail": Case(get=TEAM_ADMINS, kwargs=_endpoint_of_a),
    "webhooks:test": Case(
        get=None, post=TEAM_ADMINS, kwargs=_endpoint_of_a, post_ok=to("webhooks:detail", keep=("pk",))
    ),
    "webhooks:toggle": Case(
        get=None,
        post=TEAM_ADMINS,
        post_data={"active": "0"},
        kwargs=_endpoint_of_a,
        post_ok=to("webhooks:detail", keep=("pk",)),
    ),
    "webhooks:redeliver": Case(
        get=None, post=TEAM_ADMINS, kwargs=_delivery_of_a, post_ok=to("webhooks:detail", keep=("pk",))
    ),
    "customers:list": Case(),
    "customers:export": Case(),
    "customers:regions": Case(),
    "renewal_pages:list": Case(),
    "renewal_pages:export": Case(),
    "order_pages:failed": Case(),
    "customers:invite": Case(get=WRITERS, post=WRITERS, post_data=INVITE_FORM, post_ok=_new_customer),
    "customers:detail": Case(kwargs=customer_of_a),
    "customers:reminder": Case(
        get=WRITERS,
        post=WRITERS,
        post_data={"contact_email": "new@example.com"},
        kwargs=customer_of_a,
        post_ok=to("customers:detail", keep=("vip_id",)),
    ),
    "customers:remove": Case(get=None, post=WRITERS, kwargs=customer_of_a, post_ok=to("customers:list")),
    "customers:managed_by": Case(
        get=None,
        post=PRIMARY_ONLY,
        post_data={"membership": ""},
        kwargs=customer_of_a,
        post_ok=to("customers:detail", keep=("vip_id",)),
    ),
    # An empty POST re-renders the form with its errors.
    "purchasing:pa_create": Case(get=WRITERS, post=WRITERS, kwargs=customer_of_a),
    "purchasing:pa_cancel": Case(
        get=None, post=WRITERS, kwargs=pa_of_a, post_ok=to("customers:detail", keep=("vip_id",), query="?tab=plans")
    ),
    "purchasing:order_place": Case(get=WRITERS, post=WRITERS, kwargs=customer_of_a),
    "purchasing:order_return": Case(get=WRITERS, post=WRITERS, kwargs=order_of_a),
    "purchasing:commit_request": Case(
        get=None,
        post=WRITERS,
        post_data={"quantity": "12"},
        kwargs=customer_of_a,
        post_ok=to("customers:detail", keep=("vip_id",)),
    ),
    # An empty POST re-renders the renewal order with its errors; it turns auto-renewal off.
    "renewals:order": Case(get=WRITERS, post=WRITERS, kwargs=customer_of_a),
    # RC-1, RC-8: every role reads the sent codes; an empty POST re-renders the form with its errors.
    "reseller_change:codes": Case(get=ALL_ROLES, post=WRITERS),
    "reseller_change:transferred": Case(),
    "renewals:auto_renewal": Case(
        get=WRITERS, post=WRITERS, kwargs=customer_of_a, post_ok=to("customers:detail", keep=("vip_id",))
    ),
}

# Reachable without a reseller: sign-in pages and the emailed invitation link.
PUBLIC_URLS = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "team_invitation_accept",
    "portal:home",  # the member portal: the signed-in person's own organisations only
    "portal:accept",  # the emailed invitation link
    "language_set",  # the language menu (I18N-2): anyone; tests/i18n/test_language.py
}
# The member portal's organisation pages: only that organisation's system admins (tests/customers/test_portal.py).
PORTAL_URLS = {"portal:organization", "portal:assign", "portal:request", "portal:commit", "portal:reseller_change"}
OPERATOR_NAMESPACES = {"admin"}  # the Django admin: staff only, tested in test_admin.py
API_NAMESPACES = {"api"}  # the REST API: keys, not sessions; its own matrix in tests/api/test_permissions.py


def test_every_url_pattern_is_covered():
    names = {
        n for n in url_names(get_resolver().url_patterns) if n.split(":")[0] not in OPERATOR_NAMESPACES | API_NAMESPACES
    }
    uncovered = names - set(CONSOLE_URLS) - PUBLIC_URLS - PORTAL_URLS
    assert not uncovered, f"Add these URLs to the permission matrix: {sorted(uncovered)}"
    assert not (set(CONSOLE_URLS) | PUBLIC_URLS | PORTAL_URLS) - names, "The matrix names URLs that no longer exist"


ROLE_OF = {
    "primary": Membership.Role.PRIMARY_ADMIN,
    "admin": Membership.Role.ADMIN,
    "member": Membership.Role.MEMBER,
    "viewer": Membership.Role.VIEWER,
}
CASES = [(name, method) for name, case in CONSOLE_URLS.items() for method in ("get", "post")]


def _request(client, method: str, url: str, case: Case):
    return client.get(url) if method == "get" else client.post(url, case.post_data)


def _url(name: str, case: Case, triad: Triad) -> str:
    return reverse(name, kwargs=case.kwargs(triad) if case.kwargs else None)


def _url_and_kwargs(name: str, case: Case, triad: Triad) -> tuple[str, dict]:
    kwargs = case.kwargs(triad) if case.kwargs else {}
    return reverse(name, kwargs=kwargs or None), kwargs


@pytest.mark.parametrize(("name", "method"), CASES)
def test_anonymous_users_are_sent_to_log_in(triad, name, method):
    case = CONSOLE_URLS[name]
    url = _url(name, case, triad)
    response = _request(triad.client_for(None), method, url, case)
    if getattr(case, method) is None:
        assert response.status_code == 405
    else:
        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?{urlencode({'next': url}, safe='/')}"


@pytest.mark.parametrize(("name", "method"), CASES)
@pytest.mark.parametrize("who", ["primary", "admin", "member", "viewer"])
def test_each_role_gets_exactly_what_it_may(triad, name, method, who):
    case = CONSOLE_URLS[name]
    membership = {
        "primary": triad.primary_a,
        "admin": triad.admin_a,
        "member": triad.member_a,
        "viewer": triad.viewer_a,
    }[who]
    url, kwargs = _url_and_kwargs(name, case, triad)
    response = _request(triad.client_for(membership), method, url, case)
    allowed = getattr(case, method)
    if allowed is None:
        assert response.status_code == 405
    elif ROLE_OF[who] in allowed:
        expected = getattr(case, f"{method}_ok")
        if isinstance(expected, int):
            assert response.status_code == expected, response.content[:500]
        else:
            assert response.status_code == 302, response.content[:500]
            assert response.url == expected(kwargs)
    else:
        assert response.status_code == 403


OBJECT_CASES = [(n, m) for n, m in CASES if CONSOLE_URLS[n].kwargs and getattr(CONSOLE_URLS[n], m) is not None]


@pytest.mark.parametrize(("name", "method"), OBJECT_CASES)
@pytest.mark.parametrize("role", [Membership.Role.PRIMARY_ADMIN, Membership.Role.ADMIN, Membership.Role.MEMBER])
def test_another_resellers_objects_answer_404(triad, name, method, role):
    case = CONSOLE_URLS[name]
    outsider = (
        triad.member_b if role == Membership.Role.MEMBER else MembershipFactory(reseller=triad.reseller_b, role=role)
    )
    url = _url(name, case, triad)
    response = _request(triad.client_for(outsider), method, url, case)
    expected = 404 if role in getattr(case, method) else 403
    assert response.status_code == expected


def test_a_user_without_a_reseller_gets_403_not_a_crash(db):
    from tests.factories import UserFactory

    client = Triad.client_for(None, None)
    client.force_login(UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    for name, case in CONSOLE_URLS.items():
        if case.kwargs is None and case.get is not None:
            assert client.get(reverse(name)).status_code == 403


def test_removed_members_lose_access(triad):
    client = triad.client_for(triad.member_a)
    triad.member_a.status = Membership.Status.REMOVED
    triad.member_a.save()
    assert client.get(reverse("console:home")).status_code == 403


def test_the_role_sets_are_consistent():
    assert PRIMARY_ONLY <= TEAM_ADMINS <= WRITERS <= ALL_ROLES
