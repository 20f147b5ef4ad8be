"""The renewal pages of one customer: the renewal order with its preview (REN-2, REN-7, REN-10), the
auto-renewal settings (REN-9), and the parts renewals adds to the customer page (overview, Orders tab)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from console.clock import today
from console.http import ConsoleRequest
from console.tenancy import WRITERS, console_view
from customers.forms import SubmissionKeyField
from customers.models import Customer
from customers.rules import RenewalState
from customers.selectors import customers_visible
from purchase_auth import views as purchasing_views
from purchase_auth.services.common import Line, PurchaseError
from purchase_auth.services.orders import OrderAlreadyPlaced
from renewals import selectors
from renewals.forms import AutoRenewalForm, BaseRenewalLineFormSet, RenewalLineFormSet
from renewals.services import auto_renewal_update, renewal_order_place


def renewal_part(request: ConsoleRequest, customer: Customer) -> dict[str, Any]:
    """DET-1: the renewal and auto-renewal part of the overview (REN-8, REN-9, REN-10)."""
    return {"renewal": selectors.renewal_summary(customer, today())}


def orders_tab(request: ConsoleRequest, customer: Customer) -> dict[str, Any]:
    """DET-3 with the renewal action: purchasing's Orders tab under a Renew call to action."""
    return purchasing_views.orders_tab(request, customer) | {"renewal": selectors.renewal_summary(customer, today())}


def _customer(request: ConsoleRequest, vip_id: str) -> Customer:
    return get_object_or_404(customers_visible(reseller=request.reseller), vip_id=vip_id)


def _tab(customer: Customer, tab: str) -> str:
    return reverse("customers:detail", args=[customer.vip_id]) + f"?tab={tab}"


def _fingerprint(lines: list[Line]) -> str:
    """What was previewed, so an order is only placed for the lines whose prices the user saw."""
    return ",".join(f"{line.product.pk}:{line.quantity}" for line in sorted(lines, key=lambda line: line.product.pk))


def _problems(lines: BaseRenewalLineFormSet) -> list[str]:
    """Every error of the lines, as text for the preview next to them."""
    found = [str(error) for error in lines.non_form_errors()]
    for number, form in enumerate(lines.forms, start=1):
        for errors in form.errors.values():
            found += [_("Line %(n)d: %(error)s") % {"n": number, "error": error} for error in errors]
    return found


@console_view(read=WRITERS, write=WRITERS)
def renewal_order(request: ConsoleRequest, vip_id: str) -> HttpResponse:
    """REN-2, REN-7, REN-10: the renewal order, prefilled with what expires, previewed (level, unit
    prices, line totals, total) before it is placed. "Preview" (or, with htmx, any change) re-prices
    the lines; "Place renewal order" places them only once their preview was shown."""
    customer = _customer(request, vip_id)
    on = today()
    summary = selectors.renewal_summary(customer, on)
    expiring = {product: quantity for product, quantity in selectors.expiring(customer, on).items()}
    data = request.POST if request.method == "POST" else None
    # NF-3: the form's hidden key, kept through the previews; placing twice with it places once.
    submitted_key = SubmissionKeyField().clean(data.get("submission_key")) if data is not None else None
    lines = RenewalLineFormSet(
        data,
        customer=customer,
        prefill=[Line(product, quantity) for product, quantity in expiring.items()],
        limits=expiring if summary.late else None,
    )
    quote: selectors.Quote | None = None
    previewed = ""
    if summary.state != RenewalState.LAPSED and (data is None or lines.is_valid()):
        chosen = lines.lines if data is not None else lines.prefill
        if chosen:
            try:
                quote = selectors.renewal_quote(customer, chosen)
            except PurchaseError as error:
                lines.add_error(str(error))
            else:
                previewed = _fingerprint(chosen)
    if data is not None and quote is not None and request.POST.get("action") == "place" and not request.htmx:
        if request.POST.get("previewed") != previewed:
            messages.info(request, _("The lines changed: check the new preview, then place the renewal order."))
        else:
            try:
                order = renewal_order_place(
                    reseller=request.reseller,
                    actor=request.user,
                    vip_id=customer.vip_id,
                    lines=lines.lines,
                    submission_key=submitted_key,
                )
            except OrderAlreadyPlaced as already:
                return render(
                    request,
                    "purchase_auth/order_already_placed.html",
                    {"order": already.order, "customer": customer, "here": _("Renewal order"), "nav": "customers"},
                )
            except PurchaseError as error:
                lines.add_error(str(error))
                quote, previewed = None, ""
            else:
                messages.success(
                    request,
                    _("Renewal order %(number)s placed: the licences renew for 12 months from %(day)s.")
                    % {"number": order.number, "day": date_format(summary.term_ad) if summary.term_ad else ""},
                )
                return redirect(_tab(customer, "orders"))
    context = {
        "customer": customer,
        "lines": lines,
        "renewal": summary,
        "expiring": expiring,
        "quote": quote,
        "previewed": previewed,
        "submission_key": submitted_key or uuid.uuid4(),
        "problems": _problems(lines) if data is not None else [],
        "currency": selectors.CURRENCY,
        "nav": "customers",
    }
    if request.htmx:
        return render(request, "renewals/_customer_order_preview.html", context)
    return render(request, "renewals/order_form.html", context)


@console_view(read=WRITERS, write=WRITERS)
def auto_renewal(request: ConsoleRequest, vip_id: str) -> HttpResponse:
    """REN-9, REN-10: turn auto-renewal on or off and set its quantities, with the preview of what it
    will renew. The service refuses changes after AD−3 (policy) and below a three-year commitment."""
    customer = _customer(request, vip_id)
    on = today()
    summary = selectors.renewal_summary(customer, on)
    form = AutoRenewalForm(
        request.POST if request.method == "POST" else None,
        quantities=selectors.auto_renewal_quantities(customer),
        initial={"enabled": summary.auto_enabled},
    )
    if request.method == "POST" and form.is_valid():
        try:
            auto_renewal_update(
                reseller=request.reseller,
                actor=request.user,
                vip_id=customer.vip_id,
                enabled=form.cleaned_data["enabled"],
                quantities=form.quantities,
            )
        except PurchaseError as error:
            form.add_error(None, str(error))
        else:
            if form.cleaned_data["enabled"]:
                messages.success(request, _("Auto-renewal is on with the quantities you set."))
            else:
                messages.success(request, _("Auto-renewal is off: renew this customer with a renewal order."))
            return redirect("customers:detail", vip_id=customer.vip_id)
    return render(
        request,
        "renewals/auto_renewal_form.html",
        {"customer": customer, "form": form, "renewal": summary, "nav": "customers"},
    )
