"""Languages (I18N-2): a signed-in person reads the console and the portal in the language stored on
their user; before sign-in the browser's Accept-Language decides (Django's LocaleMiddleware)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console.accounts.models import User

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def user_language(user: object) -> str | None:
    """The language stored on a signed-in user, when it is one the console speaks."""
    if not getattr(user, "is_authenticated", False):
        return None
    language = getattr(user, "language", None)
    return language if language in LANGUAGE_CODES else None


class UserLanguageMiddleware:
    """After AuthenticationMiddleware: activate the signed-in user's language for the request (it wins
    over the cookie and Accept-Language that LocaleMiddleware looked at)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = user_language(request.user)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


@receiver(user_logged_in)
def _signed_in_language(sender: type, request: HttpRequest | None, user: object, **kwargs: object) -> None:
    """From the moment of sign-in (an invitation accepted, the login form) the rest of the request, and
    the message it leaves for the next page, speak the person's language."""
    language = user_language(user)
    if language and request is not None:
        translation.activate(language)
        request.LANGUAGE_CODE = language


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The language menu: store the choice on the user (or, before sign-in, in the language cookie) and
    go back to the page it was made on."""
    language = request.POST.get("language", "")
    if language not in LANGUAGE_CODES:
        return HttpResponseBadRequest(_("Choose one of the languages offered."))
    next_url = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if request.user.is_authenticated:
        User.objects.filter(pk=request.user.pk).update(language=language)
    else:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
