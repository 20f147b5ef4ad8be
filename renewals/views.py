"""The renewal pages of one customer: the renewal order with its preview (REN-2, REN-7, REN-10), the
auto-renewal settings (REN-9), and the parts renewals adds to the customer page (overview, Orders tab)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from console.clock import policy, today
from console.http import ConsoleRequest
from console.tenancy import WRITERS, console_view
from customers.models import Customer
from customers.rules import RenewalState, renewal_state_for
from customers.selectors import customers_visible
from purchase_auth import views as purchasing_views
from purchase_auth.models import LicencePool, Product
from purchase_auth.services.common import Line, PurchaseError
from renewals import selectors
from renewals.forms import AutoRenewalForm, BaseRenewalLineFormSet, RenewalLineFormSet
from renewals.models import AutoRenewalLine
from renewals.services import auto_renewal_update, renewal_order_place

CURRENCY = "USD"  # CAT-2: the price list is in US dollars
# REN-2, REN-7: where a renewal order may be worked on (upcoming: previewed, placed from AD−30).
RENEWABLE = frozenset({RenewalState.UPCOMING, RenewalState.READY, RenewalState.IN_GRACE, RenewalState.PARTIAL})


@dataclass(frozen=True)
class RenewalSummary:
    """What the customer page shows about the term being renewed and the upcoming auto-renewal."""

    state: str
    state_label: str
    term_ad: date | None
    opens_on: date | None  # REN-2: renewal orders from AD−30
    grace_ends: date | None  # REN-4: the last day un-renewed licences work
    late: bool  # REN-7: from the AD, only expiring licences renew
    auto_enabled: bool
    auto_quote: selectors.Quote | None
    auto_problem: str
    auto_edit_until: date | None  # REN-9: changes allowed until AD−3 (policy)
    auto_editable: bool
    currency: str = CURRENCY

    @property
    def can_renew(self) -> bool:
        return self.state in RENEWABLE and self.term_ad is not None


def _summary(customer: Customer, on: date) -> RenewalSummary:
    state = renewal_state_for(customer, on)
    ad = selectors.term_ad(customer, on)
    window, grace = policy("RENEWAL_WINDOW_DAYS"), policy("RENEWAL_GRACE_DAYS")
    quote, problem = None, ""
    enabled = selectors.auto_renewal_enabled(customer)
    if enabled:
        lines = selectors.auto_renewal_lines(customer)
        try:
            quote = selectors.renewal_quote(customer, lines) if lines else None
        except PurchaseError as error:
            problem = str(error)
    next_ad = customer.anniversary_date
    edit_until = next_ad - timedelta(days=policy("AUTO_RENEWAL_EDIT_DAYS")) if next_ad else None
    return RenewalSummary(
        state=state,
        state_label=str(RenewalState(state).label),
        term_ad=ad,
        opens_on=ad - timedelta(days=window) if ad else None,
        grace_ends=ad + timedelta(days=grace) if ad else None,
        late=ad is not None and on >= ad,
        auto_enabled=enabled,
        auto_quote=quote,
        auto_problem=problem,
        auto_edit_until=edit_until,
        auto_editable=edit_until is None or on <= edit_until,
    )


def renewal_part(request: ConsoleRequest, customer: Customer) -> dict[str, Any]:
    """DET-1: the renewal and auto-renewal part of the overview (REN-8, REN-9, REN-10)."""
    return {"renewal": _summary(customer, today())}


def orders_tab(request: ConsoleRequest, customer: Customer) -> dict[str, Any]:
    """DET-3 with the renewal action: purchasing's Orders tab under a Renew call to action."""
    return purchasing_views.orders_tab(request, customer) | {"renewal": _summary(customer, today())}


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
    summary = _summary(customer, on)
    expiring = {product: quantity for product, quantity in selectors.expiring(customer, on).items()}
    data = request.POST if request.method == "POST" else None
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
                    reseller=request.reseller, actor=request.user, vip_id=customer.vip_id, lines=lines.lines
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
        "problems": _problems(lines) if data is not None else [],
        "currency": CURRENCY,
        "nav": "customers",
    }
    if request.htmx:
        return render(request, "renewals/_customer_order_preview.html", context)
    return render(request, "renewals/order_form.html", context)


def _auto_renewal_quantities(customer: Customer) -> list[tuple[Product, int]]:
    """REN-9: every product auto-renewal may renew — the term's licences and any product given a
    quantity before — with the quantity it renews now (selectors.auto_renewal_lines: 0 if left out)."""
    renewing = {line.product: line.quantity for line in selectors.auto_renewal_lines(customer)}
    owned = LicencePool.objects.filter(customer=customer, fulfilled__gt=0, product__is_consumable=False)
    chosen = AutoRenewalLine.objects.filter(auto_renewal__customer=customer)
    products = {pool.product for pool in owned.select_related("product")}
    products |= {line.product for line in chosen.select_related("product")}
    return [(product, renewing.get(product, 0)) for product in sorted(products, key=lambda p: p.name)]


@console_view(read=WRITERS, write=WRITERS)
def auto_renewal(request: ConsoleRequest, vip_id: str) -> HttpResponse:
    """REN-9, REN-10: turn auto-renewal on or off and set its quantities, with the preview of what it
    will renew. The service refuses changes after AD−3 (policy) and below a three-year commitment."""
    customer = _customer(request, vip_id)
    on = today()
    summary = _summary(customer, on)
    form = AutoRenewalForm(
        request.POST if request.method == "POST" else None,
        quantities=_auto_renewal_quantities(customer),
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
