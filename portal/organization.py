"""Member portal pages of one organisation: licences to assign (ORD-4) and purchase requests by the
customer admin (PA-1). Only the organisation's own system admins reach them; anyone else gets 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_scopes import scope

from console.clock import today
from console.http import AuthenticatedRequest
from customers.models import Customer
from purchase_auth import selectors as purchasing
from purchase_auth.services.common import PurchaseError
from purchase_auth.services.licences import licences_assign
from purchase_auth.services.three_year_commit import three_year_commit_decide
from purchase_auth.views import purchase_authorization_submit


class AssignForm(forms.Form):
    product = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    assigned = forms.IntegerField(label=gettext_lazy("Assigned"), min_value=0, max_value=1_000_000)


def _administered(request: AuthenticatedRequest, vip_id: str) -> Customer:
    customer = (
        Customer.objects.with_scopes_disabled()
        .select_related("reseller", "managed_by__user")
        .filter(vip_id=vip_id, removed_at__isnull=True, admins__user=request.user)
        .first()
    )
    if customer is None:
        raise Http404
    return customer


def portal_org_view(
    view: Callable[[AuthenticatedRequest, Customer], HttpResponseBase],
) -> Callable[[HttpRequest, str], HttpResponseBase]:
    """Anonymous → login; not an admin of this organisation → 404; otherwise the view runs in the
    scope of the organisation's reseller (its purchasing rows are that reseller's)."""

    @wraps(view)
    def wrapped(http_request: HttpRequest, vip_id: str) -> HttpResponseBase:
        if not http_request.user.is_authenticated:
            return redirect_to_login(http_request.get_full_path())
        request = cast(AuthenticatedRequest, http_request)
        if getattr(request, "membership", None) is not None:
            raise Http404  # SPEC §1: reseller staff never act in the portal, whatever rows say otherwise
        customer = _administered(request, vip_id)
        with scope(reseller=customer.reseller_id):
            return view(request, customer)

    return wrapped


@portal_org_view
def organization(request: AuthenticatedRequest, customer: Customer) -> HttpResponse:
    pools = purchasing.licence_pools(customer=customer)
    return render(
        request,
        "portal/organization.html",
        {
            "customer": customer,
            "pools": pools,
            "totals": purchasing.licence_totals(pools),
            "pa_rows": purchasing.purchase_authorizations(customer=customer, on=today()),
            "commit": purchasing.three_year_commit(customer=customer),
        },
    )


@require_POST
@portal_org_view
def assign(request: AuthenticatedRequest, customer: Customer) -> HttpResponse:
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a whole number of licences, 0 or more."))
    else:
        try:
            pool = licences_assign(
                customer=customer,
                actor=request.user,
                product_id=form.cleaned_data["product"],
                assigned=form.cleaned_data["assigned"],
            )
        except PurchaseError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d licence of %(product)s assigned.",
                    "%(count)d licences of %(product)s assigned.",
                    pool.assigned,
                )
                % {"count": pool.assigned, "product": pool.product.name},
            )
    return redirect("portal:organization", vip_id=customer.vip_id)


@portal_org_view
def request_products(request: AuthenticatedRequest, customer: Customer) -> HttpResponse:
    """PA-1: the customer admin requests products (a purchase authorization) for immediate access."""
    pa, form, lines = purchase_authorization_submit(request, customer=customer, actor=request.user)
    if pa:
        messages.success(
            request,
            _("Requested with purchase authorization %(number)s; the licences are yours to assign now.")
            % {"number": pa.number},
        )
        return redirect("portal:organization", vip_id=customer.vip_id)
    return render(request, "portal/request.html", {"customer": customer, "form": form, "lines": lines})


@require_POST
@portal_org_view
def commit_decide(request: AuthenticatedRequest, customer: Customer) -> HttpResponse:
    """ORD-6: the customer admin accepts or declines a three-year commit request."""
    decision = request.POST.get("decision")
    if decision not in ("accept", "decline"):
        messages.error(request, _("Choose accept or decline."))
    else:
        try:
            commit = three_year_commit_decide(
                customer=customer,
                actor=request.user,
                accept=decision == "accept",
            )
        except PurchaseError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Three-year commit: %(status)s.") % {"status": commit.get_status_display()})
    return redirect("portal:organization", vip_id=customer.vip_id)
