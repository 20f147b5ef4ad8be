"""Every page of the application, for the checks that must hold on all of them (NF-5 headers, the Nu
HTML checker, axe): the permission matrix's URL list (tests/console/test_permissions.py) walked with
a user who may see each page, plus the states a URL list alone does not reach — each tab of a customer
with purchases, forms re-rendered with their errors, the pages behind emailed links, the portal and
the error pages. A URL added to the matrix is swept here without further work."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule
from django_scopes import scopes_disabled

from console.accounts.models import Membership, User
from console.accounts.services import _invitation_token
from console.audit.services import audit_log
from customers.models import CustomerAdmin, InvitationStatus
from customers.sections import detail_tabs
from customers.services import invitation_token
from tests.conftest import Triad
from tests.console.test_permissions import CONSOLE_URLS
from tests.factories import (
    AuditEventFactory,
    CustomerAdminFactory,
    CustomerFactory,
    CustomerTransferFactory,
    LicencePoolFactory,
    MembershipFactory,
    OrderFactory,
    OutboxMessageFactory,
    PeriodicRunFactory,
    PriceFactory,
    PurchaseAuthorizationFactory,
    ResellerChangeFailureFactory,
    ReturnFactory,
    UserFactory,
)


@dataclass(frozen=True)
class Visit:
    """One page: who looks at it (None: anonymous), its URL, and the form data when it is a POST that
    answers a page (a form re-rendered with its errors)."""

    name: str
    url: str
    user: User | None
    post: dict | None = field(default=None)
    status: int = 200
    partial: bool = False  # an htmx fragment, not a page of its own


def portal_owner(triad: Triad) -> tuple[User, str]:
    """A customer admin of an accepted customer of reseller A, and that customer's VIP ID."""
    owner = UserFactory(email="owner@portal.example")
    customer = CustomerFactory(
        managed_by=triad.member_a, contract_owner=owner, invitation_status=InvitationStatus.ACCEPTED
    )
    CustomerAdmin.objects.create(customer=customer, user=owner)
    return owner, customer.vip_id


def every_page(triad: Triad) -> list[Visit]:
    primary = triad.primary_a.user
    visits: list[Visit] = []
    for name, case in CONSOLE_URLS.items():
        kwargs = case.kwargs(triad) if case.kwargs else None
        url = reverse(name, kwargs=kwargs)
        if case.get is not None and case.get_ok == 200 and "export" not in name and name != "customers:regions":
            visits.append(Visit(name, url, primary))
        if case.post is not None and case.post_ok == 200:
            visits.append(Visit(f"{name} (errors)", url, primary, post={}))
    visits.append(Visit("customers:invite (errors)", reverse("customers:invite"), primary, post={"name": "x"}))
    visits.append(Visit("customers:regions", reverse("customers:regions") + "?country=UA", primary, partial=True))

    # A customer with a purchase authorization, an order and history, on each tab of its page.
    pa = PurchaseAuthorizationFactory(customer__managed_by=triad.member_a)
    customer = pa.customer
    order = OrderFactory(customer=customer)
    audit_log(
        reseller=triad.reseller_a,
        actor=primary,
        action="customer.invite",
        obj=customer,
        changes={"segment": [None, "EDU"], "region": [None, "UA-30"]},
    )
    audit_log(reseller=triad.reseller_a, actor=None, action="order.place", obj=order, changes={"total": [None, "1"]})
    for tab in detail_tabs():
        url = reverse("customers:detail", args=[customer.vip_id]) + f"?tab={tab.name}"
        visits.append(Visit(f"customers:detail ?tab={tab.name}", url, primary))
    visits.append(Visit("customers:list ?filter=pending", reverse("customers:list") + "?filter=pending", primary))
    visits.append(Visit("customers:list (empty search)", reverse("customers:list") + "?q=nothing-matches", primary))
    codes = reverse("reseller_change:codes")
    visits.append(Visit("reseller_change:codes ?state=pending&mine=on", codes + "?state=pending&mine=on", primary))
    visits.append(Visit("reseller_change:codes (bad state)", codes + "?state=bogus", primary))
    visits.append(Visit("console:team (member)", reverse("console:team"), triad.member_a.user))
    visits.append(
        Visit("customers:detail (viewer)", reverse("customers:detail", args=[customer.vip_id]), triad.viewer_a.user)
    )

    # The member portal.
    owner, vip_id = portal_owner(triad)
    visits.append(Visit("portal:home", reverse("portal:home"), owner))
    visits.append(Visit("portal:organization", reverse("portal:organization", args=[vip_id]), owner))
    visits.append(Visit("portal:request", reverse("portal:request", args=[vip_id]), owner))
    visits.append(Visit("portal:request (errors)", reverse("portal:request", args=[vip_id]), owner, post={}))

    # Sign-in and the pages behind emailed links (valid links, and an invalid one).
    visits.append(Visit("login", reverse("login"), None))
    visits.append(Visit("login (errors)", reverse("login"), None, post={"username": "a@b.example", "password": "x"}))
    visits.append(Visit("password_reset", reverse("password_reset"), None))
    visits.append(Visit("password_reset_done", reverse("password_reset_done"), None))
    visits.append(Visit("password_reset_complete", reverse("password_reset_complete"), None))
    someone = UserFactory()
    uid = urlsafe_base64_encode(force_bytes(someone.pk))
    reset = reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(someone)])
    visits.append(Visit("password_reset_confirm", reset, None))
    pending = MembershipFactory(reseller=triad.reseller_a, status=Membership.Status.PENDING)
    pending.invitation_nonce = secrets.token_hex(16)
    pending.save(update_fields=["invitation_nonce"])
    visits.append(
        Visit("team_invitation_accept", reverse("team_invitation_accept", args=[_invitation_token(pending)]), None)
    )
    visits.append(
        Visit("team_invitation_accept (invalid)", reverse("team_invitation_accept", args=["nope"]), None, status=410)
    )
    invited = CustomerFactory(managed_by=triad.member_a, invitation_nonce=secrets.token_hex(16))
    invited.invited_at = timezone.now() - timedelta(days=1)
    visits.append(Visit("portal:accept", reverse("portal:accept", args=[invitation_token(invited)]), None))
    visits.append(Visit("portal:accept (invalid)", reverse("portal:accept", args=["nope"]), None, status=410))

    # The error pages a person can meet.
    visits.append(Visit("404", "/customers/0000000000000000000F/", primary, status=404))
    visits.append(Visit("403", reverse("customers:invite"), triad.viewer_a.user, status=403))
    return visits


def fetch(visit: Visit, clients: dict[int | None, Client]) -> HttpResponse:
    """The answer to one visit, following redirects (a valid password-reset link leads to its form)."""
    key = visit.user.pk if visit.user else None
    if key not in clients:
        clients[key] = Client()
        if visit.user is not None:
            clients[key].force_login(visit.user, backend="django.contrib.auth.backends.ModelBackend")
    client = clients[key]
    if visit.post is not None:
        return client.post(visit.url, visit.post, follow=True)
    return client.get(visit.url, follow=True)


def admin_pages(triad: Triad) -> list[Visit]:
    """The operators' Django admin (issue 10 item 3), signed in as a superuser: the index, and for every
    model registered with `admin.site` its changelist and the change form of one row. The list comes from
    the registry, so a model registered later is checked without further work — but it needs a row: the
    seeds below make one of each, and a registered model left without a row fails here."""
    operator = UserFactory(email="operator@console.example", is_staff=True, is_superuser=True)
    with scopes_disabled():
        order = OrderFactory(customer__managed_by=triad.member_a)
        PurchaseAuthorizationFactory(customer=order.customer)
        ReturnFactory(order=order)
        LicencePoolFactory(customer=order.customer)
        PriceFactory()
        CustomerAdminFactory(customer=order.customer)
        AuditEventFactory(reseller=triad.reseller_a)
        OutboxMessageFactory(reseller=triad.reseller_a)
        PeriodicRunFactory()
        ResellerChangeFailureFactory(customer=order.customer)
        CustomerTransferFactory()
        Group.objects.create(name="Operators")
        now = timezone.now()
        ClockedSchedule.objects.create(clocked_time=now)
        crontab = CrontabSchedule.objects.create(minute="5", hour="2")
        IntervalSchedule.objects.create(every=10, period=IntervalSchedule.MINUTES)
        SolarSchedule.objects.create(event="sunrise", latitude=50.45, longitude=30.52)
        PeriodicTask.objects.create(name="Nightly states", task="console.tasks.periodic_run", crontab=crontab)
        attempt = {
            "ip_address": "192.0.2.1",
            "user_agent": "Firefox",
            "username": "someone@example.com",
            "http_accept": "*/*",
            "path_info": "/accounts/login/",
        }
        AccessAttempt.objects.create(**attempt, failures_since_start=1, get_data="", post_data="")
        AccessLog.objects.create(**attempt)
        AccessFailureLog.objects.create(**attempt, locked_out=False)

        visits = [Visit("admin:index", reverse("admin:index"), operator)]
        for model in admin.site._registry:
            prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
            visits.append(Visit(f"{prefix}_changelist", reverse(f"{prefix}_changelist"), operator))
            row = model._default_manager.order_by("pk").first()
            assert row is not None, f"admin_pages() seeds no {model._meta.label}: add one so its change form is checked"
            visits.append(Visit(f"{prefix}_change", reverse(f"{prefix}_change", args=[row.pk]), operator))
    return visits
