"""The member portal (small, separate from the console): a customer's contact accepts the VIP
invitation (CUST-8) and later manages the organisation there."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from console.accounts.models import User
from customers import services
from customers.models import Customer


class AcceptForm(forms.Form):
    """New contacts choose a password; contacts who already have an account confirm theirs."""

    password1 = forms.CharField(
        label=gettext_lazy("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    accept_terms = forms.BooleanField(
        label=gettext_lazy("I accept the VIP terms and conditions on behalf of the organization")
    )

    def __init__(self, *args: Any, existing_account: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.existing_account = existing_account
        if existing_account:
            del self.fields["password2"]
            self.fields["password1"].label = gettext_lazy("Your password")
            self.fields["password1"].widget.attrs["autocomplete"] = "current-password"

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not self.existing_account and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


def accept(request: HttpRequest, token: str) -> HttpResponse:
    """CUST-8: the emailed link → password → terms → Accepted.

    NF-3: a second submit that arrives after the first accepted (a double click) gets the first one's
    result — signed in to the portal — when its password is the new contract owner's. SPEC §1: an
    account of a reseller's team is refused, with a message to use another email."""
    try:
        customer = services.customer_for_invitation(token)
    except services.InvitationUsed as error:
        if again := _signed_in_again(request, error.customer):
            return again
        return render(request, "portal/invalid.html", {"error": str(error)}, status=410)
    except services.CustomerError as error:
        return render(request, "portal/invalid.html", {"error": str(error)}, status=410)
    if refusal := services.invitation_refusal(customer):
        return render(request, "portal/accept.html", {"customer": customer, "refusal": refusal}, status=403)
    existing = User.objects.filter(email__iexact=customer.contact_email).first()
    form = AcceptForm(request.POST if request.method == "POST" else None, existing_account=existing is not None)
    if request.method == "POST" and form.is_valid():
        user = None
        if existing is not None:
            user = authenticate(request, username=existing.email, password=form.cleaned_data["password1"])
            if user is None:
                form.add_error("password1", _("This password is not right for %(email)s.") % {"email": existing.email})
        if not form.errors:
            try:
                accepted = services.customer_invitation_accept(
                    token=token, user=user, password=form.cleaned_data["password1"]
                )
            except ValidationError as error:
                form.add_error("password1", error)
            except services.AccountExists as error:
                # Another acceptance created the account a moment ago: confirm with its password instead.
                existing = User.objects.filter(email__iexact=customer.contact_email).first()
                form = AcceptForm(request.POST, existing_account=True)
                form.is_valid()
                form.add_error("password1", str(error))
            except services.StaffAccount as error:
                return render(request, "portal/accept.html", {"customer": customer, "refusal": str(error)}, status=403)
            except services.InvitationUsed as error:
                if again := _signed_in_again(request, error.customer):
                    return again
                return render(request, "portal/invalid.html", {"error": str(error)}, status=410)
            except services.CustomerError as error:
                return render(request, "portal/invalid.html", {"error": str(error)}, status=410)
            else:
                return _welcome(request, cast(User, accepted.contract_owner), accepted)  # set by the acceptance
    return render(request, "portal/accept.html", {"form": form, "customer": customer, "existing": existing})


def _signed_in_again(request: HttpRequest, customer: Customer | None) -> HttpResponse | None:
    """A double click (NF-3): the first submit accepted the invitation of `customer`; when this POST
    carries the new contract owner's password, it is signed in and welcomed too."""
    owner = customer.contract_owner if customer else None
    password = request.POST.get("password1", "") if request.method == "POST" else ""
    if customer is None or owner is None or not password:
        return None
    user = authenticate(request, username=owner.email, password=password)
    return _welcome(request, user, customer) if isinstance(user, User) else None


def _welcome(request: HttpRequest, user: User, customer: Customer) -> HttpResponse:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Welcome to the Value Incentive Plan, %(name)s.") % {"name": customer.name})
    return redirect("portal:home")


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The organisations the signed-in person administers."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if getattr(request, "membership", None) is not None:
        return redirect("console:home")  # SPEC §1: reseller staff work in the console, never in the portal
    customers = (
        Customer.objects.with_scopes_disabled()
        .filter(admins__user=request.user, removed_at__isnull=True)
        .select_related("reseller")
    )
    return render(request, "portal/home.html", {"customers": customers})
