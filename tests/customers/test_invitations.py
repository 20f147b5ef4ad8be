"""CUST-1…CUST-9: invitation, reminder, removal, Managed by, and acceptance in the member portal."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from console.audit.models import AuditEvent
from console.outbox.models import OutboxMessage
from customers import services
from customers.models import Customer, CustomerAdmin, InvitationStatus
from tests.factories import PASSWORD, CustomerFactory, UserFactory

NEW_PASSWORD = "a long customer passphrase 7"


def invite_data(**overrides: object) -> dict:
    data = {
        "name": "Рога і Копита",
        "name_en": "Roga i Kopyta",
        "segment": "COM",
        "type": "TEAM",
        "country": "UA",
        "region": "UA-30",
        "city": "Kyiv",
        "address_line1": "1 Khreshchatyk St",
        "address_line2": "",
        "postal_code": "01001",
        "contact_first_name": "Olena",
        "contact_last_name": "Shevchenko",
        "contact_email": "olena@roga.example",
        "language": "uk",
    }
    data.update(overrides)
    return data


def _link(message: OutboxMessage) -> str:
    return re.search(r"https?://\S+", message.body_text).group(0).replace("http://testserver", "")


def test_inviting_creates_a_pending_customer_with_a_vip_id_audit_and_email(
    triad, member_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(reverse("customers:invite"), invite_data())
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[customer.vip_id])
    assert re.fullmatch(r"[0-9A-F]{20}", customer.vip_id)
    assert customer.invitation_status == InvitationStatus.PENDING
    assert customer.managed_by == triad.member_a and customer.reseller == triad.reseller_a
    assert customer.name == "Рога і Копита" and customer.name_en == "Roga i Kopyta"
    event = AuditEvent.objects.get(action="customer.invite")
    assert event.actor == triad.member_a.user and event.changes["vip_id"] == [None, customer.vip_id]
    message = OutboxMessage.objects.get(template="customer_invitation")
    assert message.to_email == "olena@roga.example" and message.language == "uk"
    assert message.status == OutboxMessage.Status.SENT
    assert "/portal/accept/" in message.body_text


def test_an_ascii_name_is_its_own_english_name(triad, member_client):
    member_client.post(reverse("customers:invite"), invite_data(name="Acme Widgets", name_en=""))
    assert Customer.objects.get().name_en == "Acme Widgets"


def test_a_non_ascii_name_needs_an_ascii_english_name(triad, member_client):
    response = member_client.post(reverse("customers:invite"), invite_data(name_en=""))
    assert response.status_code == 200
    assert "Enter the name in US-English characters too" in response.content.decode()
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("segment", "months", "ok"),
    [("COM", 36, True), ("COM", 37, False), ("EDU", 48, True), ("GOV", 48, True), ("GOV", 13, True)],
)
def test_an_extended_term_fits_the_market_segment(triad, member_client, segment, months, ok):
    anniversary = timezone.localdate() + relativedelta(months=months)
    data = invite_data(
        segment=segment, choose_anniversary="on", anniversary_date=anniversary.isoformat(), extended_term_months=months
    )
    response = member_client.post(reverse("customers:invite"), data)
    assert (response.status_code == 302) is ok, response.content.decode()[-3000:]
    if ok:
        customer = Customer.objects.get()
        assert customer.anniversary_date == anniversary
        assert customer.extended_term_months == months
        assert customer.anniversary_source == "chosen"


def test_a_chosen_anniversary_date_without_extended_term_lies_within_a_year(triad, member_client):
    too_far = timezone.localdate() + relativedelta(months=12, days=1)
    response = member_client.post(
        reverse("customers:invite"), invite_data(choose_anniversary="on", anniversary_date=too_far.isoformat())
    )
    assert response.status_code == 200 and not Customer.objects.exists()
    fine = timezone.localdate() + timedelta(days=100)
    member_client.post(
        reverse("customers:invite"), invite_data(choose_anniversary="on", anniversary_date=fine.isoformat())
    )
    assert Customer.objects.get().anniversary_date == fine


def test_the_same_email_cannot_be_primary_admin_of_two_organisations_with_the_same_name(triad, member_client):
    CustomerFactory(managed_by=triad.member_b, name="Рога і Копита", contact_email="olena@roga.example")
    response = member_client.post(reverse("customers:invite"), invite_data(contact_email="OLENA@roga.example"))
    assert response.status_code == 200
    assert "already the primary admin of an organization with exactly this name" in response.content.decode()
    assert Customer.objects.filter(reseller=triad.reseller_a).count() == 0
    # a different name, or a different person, is fine
    assert member_client.post(reverse("customers:invite"), invite_data(name="Рога і Копита 2")).status_code == 302


def test_a_double_submit_of_the_same_form_creates_one_customer(triad, member_client):
    data = invite_data(submission_key=str(uuid.uuid4()))
    first = member_client.post(reverse("customers:invite"), data)
    second = member_client.post(reverse("customers:invite"), data)
    assert first.url == second.url
    assert Customer.objects.count() == 1
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_of_the_same_form_create_one_customer(triad):
    data = invite_data(submission_key=str(uuid.uuid4()))
    barrier = threading.Barrier(2)
    results: list[int] = []

    def submit() -> None:
        try:
            client = triad.client_for(triad.member_a)
            barrier.wait(timeout=10)
            results.append(client.post(reverse("customers:invite"), data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == [302, 302]
    assert Customer.objects.count() == 1
    assert AuditEvent.objects.filter(action="customer.invite").count() == 1


def test_no_customer_field_can_be_edited_after_the_invitation(triad, member_client):
    customer = CustomerFactory(managed_by=triad.member_a)
    names = {p.name for p in __import__("customers.urls", fromlist=["urlpatterns"]).urlpatterns}
    assert names == {"list", "invite", "export", "regions", "detail", "reminder", "remove", "managed_by"}
    # the detail page accepts no writes at all
    response = member_client.post(reverse("customers:detail", args=[customer.vip_id]), {"name": "Changed"})
    assert response.status_code == 405
    customer.refresh_from_db()
    assert customer.name.startswith("Customer Org")


def test_operators_see_customers_in_the_admin_but_cannot_edit_them(triad, admin_client):
    customer = CustomerFactory(managed_by=triad.member_a, name="Original Name")
    change_url = reverse("admin:customers_customer_change", args=[customer.pk])
    assert admin_client.get(reverse("admin:customers_customer_changelist")).status_code == 200
    assert admin_client.get(change_url).status_code == 200
    response = admin_client.post(change_url, {"name": "Edited by operator"})
    assert response.status_code == 403
    assert admin_client.get(reverse("admin:customers_customer_add")).status_code == 403
    assert (
        admin_client.post(reverse("admin:customers_customer_delete", args=[customer.pk]), {"post": "yes"}).status_code
        == 403
    )
    customer.refresh_from_db()
    assert customer.name == "Original Name"


def test_a_reminder_goes_to_a_new_email_and_the_old_link_stops_working(
    triad, member_client, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(reverse("customers:invite"), invite_data())
    customer = Customer.objects.get()
    old_link = _link(OutboxMessage.objects.get())
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            reverse("customers:reminder", args=[customer.vip_id]), {"contact_email": "new.owner@roga.example"}
        )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.contact_email == "new.owner@roga.example"
    reminder = OutboxMessage.objects.get(template="customer_reminder")
    assert reminder.to_email == "new.owner@roga.example"
    assert client.get(old_link).status_code == 410
    assert client.get(_link(reminder)).status_code == 200
    event = AuditEvent.objects.get(action="customer.reminder")
    assert event.changes == {"contact_email": ["olena@roga.example", "new.owner@roga.example"]}


def test_no_reminder_after_acceptance(triad, member_client):
    customer = CustomerFactory(managed_by=triad.member_a, invitation_status=InvitationStatus.ACCEPTED)
    response = member_client.post(
        reverse("customers:reminder", args=[customer.vip_id]), {"contact_email": "x@y.example"}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.contact_email != "x@y.example"
    assert not OutboxMessage.objects.exists()


def test_a_no_products_customer_is_removed_softly_and_disappears(triad, member_client):
    customer = CustomerFactory(managed_by=triad.member_a)
    response = member_client.post(reverse("customers:remove", args=[customer.vip_id]))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.removed_at is not None
    assert customer.vip_id not in member_client.get(reverse("customers:list")).content.decode()
    assert member_client.get(reverse("customers:detail", args=[customer.vip_id])).status_code == 404
    assert AuditEvent.objects.filter(action="customer.remove", object_id=str(customer.pk)).exists()


def test_a_customer_with_products_cannot_be_removed(triad, member_client):
    customer = CustomerFactory(managed_by=triad.member_a, has_products=True)
    response = member_client.post(reverse("customers:remove", args=[customer.vip_id]), follow=True)
    assert "cannot be removed" in response.content.decode()
    customer.refresh_from_db()
    assert customer.removed_at is None


def test_a_removed_customers_name_and_email_can_be_invited_again(triad, member_client):
    customer = CustomerFactory(managed_by=triad.member_a, name="Typo Org", contact_email="typo@example.com")
    services.customer_remove(reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id)
    response = member_client.post(
        reverse("customers:invite"), invite_data(name="Typo Org", name_en="", contact_email="typo@example.com")
    )
    assert response.status_code == 302


def test_only_the_primary_admin_changes_managed_by_to_an_active_member(triad):
    customer = CustomerFactory(managed_by=triad.member_a)
    primary = triad.client_for(triad.primary_a)
    response = primary.post(reverse("customers:managed_by", args=[customer.vip_id]), {"membership": triad.admin_a.pk})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.managed_by == triad.admin_a
    assert AuditEvent.objects.get(action="customer.managed_by").changes == {
        "managed_by": [triad.member_a.user.email, triad.admin_a.user.email]
    }
    for target in (triad.viewer_a, triad.member_b):
        primary.post(reverse("customers:managed_by", args=[customer.vip_id]), {"membership": target.pk})
        customer.refresh_from_db()
        assert customer.managed_by == triad.admin_a
    with pytest.raises(services.CustomerError):
        services.customer_managed_by_change(
            reseller=triad.reseller_a, actor=triad.admin_a.user, vip_id=customer.vip_id, membership_id=triad.member_a.pk
        )


def _invite_and_link(triad) -> tuple[Customer, str]:
    customer, _ = services.customer_invite(
        reseller=triad.reseller_a, actor=triad.member_a.user, managed_by=triad.member_a, data=invite_data()
    )
    return customer, _link(OutboxMessage.objects.get(template="customer_invitation"))


def test_the_contact_accepts_in_the_portal_and_becomes_contract_owner(
    triad, client, django_capture_on_commit_callbacks
):
    customer, link = _invite_and_link(triad)
    page = client.get(link)
    assert page.status_code == 200 and "Рога і Копита" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "accept_terms": "on"})
    assert response.status_code == 302 and response.url == reverse("portal:home")
    customer.refresh_from_db()
    assert customer.invitation_status == InvitationStatus.ACCEPTED and customer.accepted_at
    owner = customer.contract_owner
    assert owner.email == "olena@roga.example" and owner.check_password(NEW_PASSWORD)
    assert CustomerAdmin.objects.filter(customer=customer, user=owner).exists()
    assert "Рога і Копита" in client.get(reverse("portal:home")).content.decode()
    assert OutboxMessage.objects.filter(template="customer_welcome", to_email=owner.email).exists()
    event = AuditEvent.objects.get(action="customer.accept")
    assert event.reseller == triad.reseller_a and event.actor == owner
    # the console shows who it is, and the link is single-use
    detail = triad.client_for(triad.member_a).get(reverse("customers:detail", args=[customer.vip_id]))
    assert "Accepted" in detail.content.decode() and owner.email in detail.content.decode()
    assert client.get(link).status_code == 410


def test_accepting_requires_the_terms(triad, client):
    customer, link = _invite_and_link(triad)
    response = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.is_pending


def test_an_existing_account_confirms_with_its_password(triad, client):
    UserFactory(email="olena@roga.example")
    customer, link = _invite_and_link(triad)
    wrong = client.post(link, {"password1": "nope", "accept_terms": "on"})
    assert wrong.status_code == 200 and "not right" in wrong.content.decode()
    right = client.post(link, {"password1": PASSWORD, "accept_terms": "on"})
    assert right.status_code == 302
    customer.refresh_from_db()
    assert customer.contract_owner.email == "olena@roga.example"


def test_an_invitation_link_expires_after_30_days(triad, client):
    _customer, link = _invite_and_link(triad)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = client.get(link)
    assert response.status_code == 410 and "expired" in response.content.decode()


def test_a_removed_customers_link_does_not_work(triad, client):
    customer, link = _invite_and_link(triad)
    services.customer_remove(reseller=triad.reseller_a, actor=triad.member_a.user, vip_id=customer.vip_id)
    assert client.get(link).status_code == 410


def test_the_portal_refuses_a_second_organisation_with_the_same_name_for_the_same_owner(triad, client):
    customer, link = _invite_and_link(triad)  # contact olena@roga.example, pending
    olena = UserFactory(email="olena@roga.example")
    # Meanwhile Olena became contract owner (by transfer) of an organisation with exactly this name elsewhere.
    CustomerFactory(
        managed_by=triad.member_b,
        name=customer.name,
        contact_email="previous.owner@roga.example",
        contract_owner=olena,
        invitation_status=InvitationStatus.ACCEPTED,
    )
    response = client.post(link, {"password1": PASSWORD, "accept_terms": "on"})
    assert response.status_code == 410
    assert "already the primary admin of an organization with exactly this name" in response.content.decode()
    customer.refresh_from_db()
    assert customer.is_pending and customer.contract_owner is None


def test_a_signed_in_customer_admin_is_sent_from_the_console_to_the_portal(triad, client):
    customer, link = _invite_and_link(triad)
    client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "accept_terms": "on"})
    response = client.get(reverse("customers:list"))
    assert response.status_code == 302 and response.url == reverse("portal:home")


def test_today_is_a_calendar_date_in_the_project_time_zone(settings):
    from console.clock import today

    settings.TIME_ZONE = "Pacific/Kiritimati"  # UTC+14
    with time_machine.travel(datetime(2026, 3, 1, 11, 0, tzinfo=UTC)):
        assert today() == date(2026, 3, 2)
