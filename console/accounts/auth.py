"""Sign-in pieces: the login view (throttled by django-axes) and password reset through the outbox."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.views import LoginView
from django.db import models
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from console.accounts.models import User
from console.outbox.services import mail_enqueue

SIGN_IN_NAME_MAX = cast(models.EmailField, User._meta.get_field(User.USERNAME_FIELD)).max_length or 240


def client_ip_address(request: HttpRequest) -> str | None:
    """The address login throttling keys on (django-axes' AXES_CLIENT_IP_CALLABLE). Behind
    TRUSTED_PROXY_COUNT (env AXES_PROXY_COUNT) proxies it is the entry that many places from the right of
    X-Forwarded-For: the address the outermost proxy received the request from. Entries further left
    were written by the client and are not trusted."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")


class SignInNameMixin(AuthenticationForm):
    """NF-2: the typed email, lower-cased, is refused when longer than any stored one — before
    authenticate() runs, so django-axes never tries to record a name its varchar(255) cannot hold.
    (AuthenticationForm sets the field's max_length after building it, so Django itself never checks.)"""

    def clean_username(self) -> str:
        username = (self.cleaned_data.get("username") or "").strip().lower()
        if len(username) > SIGN_IN_NAME_MAX:
            raise forms.ValidationError(
                _("Enter at most %(max)d characters: no account has a longer email.") % {"max": SIGN_IN_NAME_MAX},
                code="max_length",
            )
        return username


class EmailAuthenticationForm(SignInNameMixin):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email")
        # The widget's own type, not a second `type` attribute (which browsers ignore: it stayed a text field).
        widget = self.fields["username"].widget
        widget.input_type = "email"
        widget.attrs.update({"autocomplete": "email"})


class AdminSignInForm(SignInNameMixin, AdminAuthenticationForm):
    """The operators' sign-in to the Django admin, with the same length rule."""


class ThrottledLoginView(LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's password reset, but the email goes through the outbox (MAIL-1)."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context["user"]
        link = (
            "{protocol}://{domain}".format(**context)
            + render_to_string("registration/password_reset_path.txt", context).strip()
        )
        mail_enqueue(
            to=to_email, template="password_reset", language=user.language, context={"user": user, "link": link}
        )
