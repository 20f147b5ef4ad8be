"""I18N-2: each signed-in person reads the console (and the portal) in the language stored on their
user, chosen from the language menu; before sign-in the browser's Accept-Language decides."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from console.accounts.models import User
from customers.models import CustomerAdmin, InvitationStatus
from tests.factories import CustomerFactory, UserFactory


def test_the_menu_stores_the_choice_on_the_user_and_the_console_follows_it(triad: Any, member_client: Client) -> None:
    page = member_client.get(reverse("customers:list")).content.decode()
    assert '<html lang="en"' in page
    assert 'action="/accounts/language/"' in page  # the menu is in the navbar

    response = member_client.post(reverse("language_set"), {"language": "uk", "next": "/customers/?filter=all"})
    assert response.status_code == 302
    assert response["Location"] == "/customers/?filter=all"
    assert User.objects.get(pk=triad.member_a.user.pk).language == "uk"

    page = member_client.get(reverse("customers:list")).content.decode()
    assert '<html lang="uk"' in page
    assert "Клієнти" in page
    assert "Додати організацію клієнта" in page


def test_the_stored_language_wins_over_the_browser_and_holds_in_a_new_session(triad: Any) -> None:
    user = triad.member_a.user
    user.language = "uk"
    user.save(update_fields=["language"])
    client = triad.client_for(triad.member_a)  # a new sign-in, browser in English
    page = client.get(reverse("console:home"), headers={"accept-language": "en-US,en;q=0.9"})
    assert page["Content-Language"] == "uk"
    assert '<html lang="uk"' in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "language", "text"),
    [("uk-UA,uk;q=0.9,en;q=0.5", "uk", "Увійти"), ("en-GB,en;q=0.9", "en", "Sign in"), ("de-DE", "en", "Sign in")],
)
def test_before_sign_in_the_browser_language_decides(accept: str, language: str, text: str) -> None:
    page = Client().get(reverse("login"), headers={"accept-language": accept})
    assert page.status_code == 200
    assert page["Content-Language"] == language
    assert f'<html lang="{language}"' in page.content.decode()
    assert text in page.content.decode()


@pytest.mark.django_db
def test_before_sign_in_a_choice_is_kept_in_the_language_cookie() -> None:
    client = Client()
    response = client.post(reverse("language_set"), {"language": "uk", "next": reverse("login")})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "uk"
    assert "Увійти" in client.get(reverse("login"), headers={"accept-language": "en"}).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [{}, {"language": "de"}, {"language": "uk\x00"}, {"language": "x" * 10_000}, {"language": ["uk", "en"]}],
    ids=["missing", "unknown", "nul", "huge", "twice"],
)
def test_a_bad_choice_is_a_clear_400_and_changes_nothing(data: dict) -> None:
    user = UserFactory(language="en")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("language_set"), data)
    if data.get("language") == ["uk", "en"]:  # the last value counts, as everywhere in Django
        assert response.status_code == 302
        return
    assert response.status_code == 400
    assert "Choose one of the languages offered." in response.content.decode()
    user.refresh_from_db()
    assert user.language == "en"


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_the_menu_never_redirects_off_site(target: str) -> None:
    response = Client().post(reverse("language_set"), {"language": "uk", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_the_menu_answers_only_post() -> None:
    assert Client().get(reverse("language_set")).status_code == 405


def test_the_portal_has_the_menu_and_follows_the_customer_admins_language(triad: Any) -> None:
    owner = UserFactory(email="owner@org.example", language="en")
    customer = CustomerFactory(
        managed_by=triad.member_a, contract_owner=owner, invitation_status=InvitationStatus.ACCEPTED
    )
    CustomerAdmin.objects.create(customer=customer, user=owner)
    client = Client()
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("portal:home")).content.decode()
    assert 'action="/accounts/language/"' in page
    client.post(reverse("language_set"), {"language": "uk", "next": reverse("portal:home")})
    page = client.get(reverse("portal:organization", args=[customer.vip_id])).content.decode()
    assert '<html lang="uk"' in page
    assert "Портал учасника VIP" in page
    assert "Ліцензії" in page
