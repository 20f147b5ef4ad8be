"""NF-2 on the shared plumbing: sign-in names longer than any stored email (console and Django admin),
line breaks in one-line fields, and invalid UTF-8 in bodies and query strings — each a message on the
page, never a 500, and nothing stored."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt
from django import forms
from django.test import Client
from django.urls import reverse

from console.accounts.models import Membership
from console.forms import LINE_BREAK_MESSAGE, UNREADABLE_TEXT_MESSAGE, CleanTextMixin
from customers.models import Customer
from tests.customers.test_invitations import invite_data
from tests.factories import PASSWORD, CustomerFactory, UserFactory

LOGIN_URLS = ["/accounts/login/", "/admin/login/"]
TOO_LONG = "Enter at most 240 characters: no account has a longer email."


@pytest.mark.parametrize("url", LOGIN_URLS)
@pytest.mark.parametrize(
    "username",
    ["a" * 241, "a" * 256, "a" * 300 + "@example.com", "x" * 100_000, "İ" * 200],  # İ lower-cases to two
    ids=["241", "256", "300-email", "100k", "expands-when-lowered"],
)
def test_a_sign_in_name_longer_than_any_stored_email_is_a_form_error(db, url, username):
    response = Client().post(url, {"username": username, "password": "whatever"})
    assert response.status_code == 200
    assert TOO_LONG in response.content.decode()
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_a_sign_in_name_of_the_longest_stored_length_is_checked_and_throttled_as_usual(db, url):
    response = Client().post(url, {"username": "a" * 228 + "@example.com", "password": "wrong"})
    assert response.status_code == 200 and TOO_LONG not in response.content.decode()
    assert AccessAttempt.objects.count() == 1


def test_operators_still_sign_in_to_the_admin_with_any_case(db):
    UserFactory(email="operator@example.com", is_staff=True, is_superuser=True)
    response = Client().post("/admin/login/", {"username": "Operator@Example.com ", "password": PASSWORD})
    assert response.status_code == 302


class _Sample(CleanTextMixin, forms.Form):
    line = forms.CharField(required=False)
    notes = forms.CharField(required=False, widget=forms.Textarea)


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\r\nBcc: x@example.com"], ids=repr)
def test_one_line_fields_refuse_line_breaks_and_text_areas_keep_them(value):
    form = _Sample({"line": value, "notes": value})
    assert not form.is_valid()
    assert form.errors == {"line": [str(LINE_BREAK_MESSAGE)]}


def test_line_breaks_around_a_one_line_value_are_stripped_not_refused():
    form = _Sample({"line": "\r\n  Kyiv \n"})
    assert form.is_valid() and form.cleaned_data["line"] == "Kyiv"


def test_the_team_invitation_refuses_line_breaks_and_saves_nothing(triad, admin_client_a):
    response = admin_client_a.post(
        reverse("console:team_invite"),
        {"email": "new@example.com", "first_name": "Ann\r\nBcc: evil@example.com", "last_name": "B", "role": "member"},
    )
    assert response.status_code == 200
    assert "Enter this on one line, without line breaks." in response.content.decode()
    assert not Membership.objects.filter(user__email="new@example.com").exists()


@pytest.mark.parametrize("field", ["city", "address_line1", "postal_code", "contact_first_name"])
def test_the_customer_invitation_refuses_line_breaks_in_any_one_line_field(triad, member_client, field):
    response = member_client.post(reverse("customers:invite"), invite_data(**{field: "Kyiv\nEvil"}))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Customer.objects.exists()


def _raw_post(client: Client, url: str, body: str):
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


def test_invalid_utf8_in_a_form_body_is_refused_not_stored(triad, member_client):
    body = urlencode({k: v for k, v in invite_data().items() if k != "city"}) + "&city=Ky%FF%FEiv"
    response = _raw_post(member_client, reverse("customers:invite"), body)
    assert response.status_code == 200
    assert response.context["form"].errors["city"] == [str(UNREADABLE_TEXT_MESSAGE)]
    assert "Type it again." in response.content.decode()
    assert not Customer.objects.exists()


def test_invalid_utf8_in_a_multipart_body_is_refused_not_stored(triad, admin_client_a):
    boundary = "BoUnDaRy"
    parts = [("email", b"new@example.com"), ("first_name", b"An\xffn"), ("last_name", b"B"), ("role", b"member")]
    body = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
            for name, value in parts
        )
        + f"--{boundary}--\r\n".encode()
    )
    response = admin_client_a.post(
        reverse("console:team_invite"), body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 200
    assert response.context["form"].errors["first_name"] == [str(UNREADABLE_TEXT_MESSAGE)]
    assert not Membership.objects.filter(user__email="new@example.com").exists()


def test_invalid_utf8_in_a_reminder_email_is_refused(triad, member_client):
    customer = CustomerFactory(managed_by=triad.member_a)
    url = reverse("customers:reminder", args=[customer.vip_id])
    response = _raw_post(member_client, url, "contact_email=ann%FF@example.com")
    assert response.status_code == 200 and response.context["form"].errors["contact_email"]
    customer.refresh_from_db()
    assert "\ufffd" not in customer.contact_email


def test_invalid_utf8_in_the_search_says_the_search_was_not_used(triad, member_client):
    CustomerFactory(managed_by=triad.member_a, name="Acme Widgets")
    response = member_client.get(reverse("customers:list") + "?q=Ac%FFme")
    assert response.status_code == 200
    content = response.content.decode()
    assert "The search was not used:" in content and "Type it again." in content
    assert "Acme Widgets" in content  # the whole list, as without a search


def test_invalid_utf8_in_the_activity_filter_is_a_message(triad):
    response = triad.client_for(triad.admin_a).get(reverse("console:activity") + "?actor=a%FF@example.com")
    assert response.status_code == 200
    assert response.context["form"].errors["actor"]
