from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console.accounts.models import User
from console.clock import today
from console.http import ConsoleRequest
from console.tenancy import WRITERS, console_view
from customers.forms import SubmissionKeyField
from customers.models import Customer
from customers.selectors import customers_visible
from purchase_auth import rules, selectors
from purchase_auth.forms import BaseLineFormSet, CommitRequestForm, LineFormSet, PurchaseAuthorizationForm, ReturnForm
from purchase_auth.models import Order, OrderLine, PurchaseAuthorization
from purchase_auth.services.common import Line, PurchaseError
from purchase_auth.services.orders import OrderAlreadyPlaced
from purchase_auth.services.orders import order_place as order_place_service
from purchase_auth.services.orders import order_return as order_return_service
from purchase_auth.services.pricing import OrderQuote, order_quote, return_credit
from purchase_auth.services.purchase_authorizations import purchase_authorization_cancel, purchase_authorization_create
from purchase_auth.services.three_year_commit import three_year_commit_request
from purchase_auth.wording import level_name

PA_NUMBER = re.compile(r"PA[0-9]{18}")
CURRENCY = "USD"  # CAT-2: the price list is in US dollars


def plans_tab(request: ConsoleRequest, customer: Customer) -> dict[str, Any]:
    """DET-2: the customer details page's Plans tab (registered in PurchaseAuthConfig.ready)."""
    on = today()
    pools = selectors.licence_pools(customer=customer, on=on)
    return {
        "pools": pools,
        "totals": selectors.licence_totals(pools),
        "pa_rows": selectors.purchase_authorizations(customer=customer, on=on),
    }


def orders_tab(request: ConsoleRequest, customer: Customer) -> dict[str, Any]:
    """DET-3: the Orders tab."""
    return {"order_rows": selectors.orders(customer=customer)}


def commit_part(request: ConsoleRequest, customer: Customer) -> dict[str, Any]:
    """DET-1: the three-year commit part of the overview."""
    return {"commit": selectors.three_year_commit(customer=customer)}


def vip_select_part(request: ConsoleRequest, customer: Customer) -> dict[str, Any]:
    """DET-1/ORD-3: what VIP Select means for this customer — the level it buys at, the qualifying
    licences counted this term and how many more reach the next level."""
    counted = selectors.qualifying_bought(customer)
    level = selectors.customer_level(customer)
    following = rules.next_level(counted)
    return {
        "vip_select": {
            "level": level,
            "qualified": level >= "02",
            "name": level_name(level),
            "counted": counted,
            "next_level": following[0] if following else "",
            "next_name": level_name(following[0]) if following else "",
            "more": following[1] if following else 0,
        }
    }


def _customer(request: ConsoleRequest, vip_id: str) -> Customer:
    return get_object_or_404(customers_visible(reseller=request.reseller), vip_id=vip_id)


def _tab(customer: Customer, tab: str) -> str:
    return reverse("customers:detail", args=[customer.vip_id]) + f"?tab={tab}"


def purchase_authorization_submit(
    request: HttpRequest, *, customer: Customer, actor: User
) -> tuple[PurchaseAuthorization | None, PurchaseAuthorizationForm, BaseLineFormSet]:
    """PA-1 from a page (the console's Plans tab and the member portal's Request products): the PO-number
    form and the product lines, bound to the request's POST. When both are valid the purchase
    authorization is created for `customer` by `actor`; a refusal lands on the form as a non-field error.
    Returns the new PA (None on a GET or an error) with the form and lines to render."""
    data = request.POST if request.method == "POST" else None
    form = PurchaseAuthorizationForm(data)
    lines = LineFormSet(data, customer=customer, consumables=False)
    if data is None or not all([lines.is_valid(), form.is_valid()]):  # both run: every error shows
        return None, form, lines
    try:
        pa = purchase_authorization_create(
            reseller=customer.reseller,
            actor=actor,
            vip_id=customer.vip_id,
            lines=lines.lines,
            po_number=form.cleaned_data["po_number"],
        )
    except PurchaseError as error:
        form.add_error(None, str(error))
        return None, form, lines
    return pa, form, lines


@console_view(read=WRITERS, write=WRITERS)
def pa_create(request: ConsoleRequest, vip_id: str) -> HttpResponse:
    """PA-1: Plans tab → Create purchase authorization."""
    customer = _customer(request, vip_id)
    pa, form, lines = purchase_authorization_submit(request, customer=customer, actor=request.user)
    if pa:
        messages.success(
            request,
            _("Purchase authorization %(number)s created; payment is due on %(due)s.")
            % {"number": pa.number, "due": date_format(pa.due_date)},
        )
        return redirect(_tab(customer, "plans"))
    return render(
        request,
        "purchase_auth/pa_form.html",
        {"form": form, "lines": lines, "customer": customer, "nav": "customers"},
    )


@require_POST
@console_view(read=WRITERS, write=WRITERS)
def pa_cancel(request: ConsoleRequest, vip_id: str, number: str) -> HttpResponse:
    """PA-4: cancel while pending and none of its licences is assigned."""
    customer = _customer(request, vip_id)
    get_object_or_404(PurchaseAuthorization, reseller=request.reseller, customer=customer, number=number)
    try:
        purchase_authorization_cancel(
            reseller=request.reseller,
            actor=request.user,
            vip_id=vip_id,
            number=number,
        )
    except PurchaseError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Purchase authorization %(number)s was cancelled.") % {"number": number})
    return redirect(_tab(customer, "plans"))


def _fingerprint(items: Iterable[tuple[int, ...]]) -> str:
    """What a preview showed (ids, quantities…), so the order or return is only made for what the user
    saw priced: a change since the preview asks to look again."""
    return ",".join(":".join(str(part) for part in item) for item in sorted(items))


@console_view(read=WRITERS, write=WRITERS)
def order_place(request: ConsoleRequest, vip_id: str) -> HttpResponse:
    """ORD-1: place an order, optionally from a pending purchase authorization (?pa=…). The prices are
    shown first (pricing.order_quote, the function order_place prices with): "Preview prices" shows them,
    "Place order" places the order only for the lines whose prices were shown."""
    customer = _customer(request, vip_id)
    pa_number = request.GET.get("pa", "") or request.POST.get("pa", "")
    pa = None
    if pa_number and not PA_NUMBER.fullmatch(pa_number):
        messages.error(request, _("This purchase authorization does not exist."))
        return redirect(_tab(customer, "plans"))
    if pa_number:
        pa = PurchaseAuthorization.objects.filter(
            reseller=request.reseller,
            customer=customer,
            number=pa_number[:20],
        ).first()
        if pa is None:
            messages.error(request, _("This purchase authorization does not exist."))
            return redirect(_tab(customer, "plans"))
    data = request.POST if request.method == "POST" else None
    # NF-3: the form's hidden key, kept through the previews; placing twice with it places once.
    submitted_key = SubmissionKeyField().clean(data.get("submission_key")) if data is not None else None
    submission_key = submitted_key or uuid.uuid4()
    lines = None if pa else LineFormSet(data, customer=customer, consumables=True)
    quote: OrderQuote | None = None
    previewed = ""
    if pa or (data is not None and lines is not None and lines.is_valid()):
        chosen = [Line(line.product, line.quantity) for line in pa.lines.select_related("product")] if pa else []
        chosen = chosen or (lines.lines if lines else [])
        try:
            quote = order_quote(customer, chosen, today())
        except PurchaseError as error:
            if lines is None:
                messages.error(request, str(error))
                return redirect(_tab(customer, "plans"))
            lines.add_error(str(error))
        else:
            previewed = _fingerprint((line.product.pk, line.quantity) for line in chosen)
    if data is not None and quote is not None and data.get("action") == "place":
        if data.get("previewed") != previewed:
            messages.info(request, _("The lines changed: check the new prices, then place the order."))
        else:
            try:
                order = order_place_service(
                    reseller=request.reseller,
                    actor=request.user,
                    vip_id=vip_id,
                    lines=lines.lines if lines else (),
                    pa_number=pa.number if pa else "",
                    submission_key=submitted_key,
                )
            except OrderAlreadyPlaced as already:
                return render(
                    request,
                    "purchase_auth/order_already_placed.html",
                    {"order": already.order, "customer": customer, "nav": "customers"},
                )
            except PurchaseError as error:
                if lines is None:
                    messages.error(request, str(error))
                    return redirect(_tab(customer, "plans"))
                lines.add_error(str(error))
                quote, previewed = None, ""
            else:
                messages.success(request, _("Order %(number)s placed.") % {"number": order.number})
                return redirect(_tab(customer, "orders"))
    return render(
        request,
        "purchase_auth/order_form.html",
        {
            "lines": lines,
            "pa": pa,
            "customer": customer,
            "quote": quote,
            "previewed": previewed,
            "submission_key": submission_key,
            "currency": CURRENCY,
            "nav": "customers",
        },
    )


@console_view(read=WRITERS, write=WRITERS)
def order_return(request: ConsoleRequest, vip_id: str, number: str) -> HttpResponse:
    """ORD-5: return all or part of a line within 14 days. "Check the credit" shows what is returned and
    the credit (pricing.return_credit, as the return computes it) and asks to confirm; "Confirm return"
    returns only what was shown, and only once (the order's returns must not have changed since)."""
    customer = _customer(request, vip_id)
    order = get_object_or_404(Order, reseller=request.reseller, customer=customer, number=number)
    form = ReturnForm(request.POST if request.method == "POST" else None, order=order)
    credit_lines: list[tuple[OrderLine, int, Decimal]] = []
    confirmation = ""
    if request.method == "POST" and form.is_valid():
        wanted = {line: form.cleaned_data["quantities"][line.pk] for line in form.lines}
        credit_lines = return_credit({line: quantity for line, quantity in wanted.items() if quantity})
        # the quantities and what each line had returned when the credit was shown
        confirmation = _fingerprint((line.pk, quantity, line.returned_quantity) for line, quantity in wanted.items())
        if request.POST.get("action") == "confirm" and request.POST.get("confirmation") == confirmation:
            try:
                record = order_return_service(
                    reseller=request.reseller,
                    actor=request.user,
                    vip_id=vip_id,
                    order_number=number,
                    quantities=form.cleaned_data["quantities"],
                    expected_returned={line.pk: line.returned_quantity for line in form.lines},
                )
            except PurchaseError as error:
                form.add_error(None, str(error))
                credit_lines, confirmation = [], ""
            else:
                messages.success(
                    request,
                    _("Return %(number)s processed: credit %(credit)s %(currency)s.")
                    % {
                        "number": record.number,
                        "credit": number_format(record.credit, 2, force_grouping=True),
                        "currency": record.currency,
                    },
                )
                return redirect(_tab(customer, "orders"))
        elif request.POST.get("action") == "confirm":
            messages.info(request, _("The quantities changed: check the new credit, then confirm the return."))
    last_day = rules.return_last_day(order.created_on)
    return render(
        request,
        "purchase_auth/return_form.html",
        {
            "form": form,
            "order": order,
            "customer": customer,
            "last_day": last_day,
            "open": rules.is_returnable_on(order.created_on, today()),
            "credit_lines": credit_lines,
            "credit": sum((amount for _line, _q, amount in credit_lines), Decimal("0.00")),
            "confirmation": confirmation,
            "nav": "customers",
        },
    )


@require_POST
@console_view(read=WRITERS, write=WRITERS)
def commit_request(request: ConsoleRequest, vip_id: str) -> HttpResponse:
    """ORD-6: offer a VIP Select customer a three-year commit."""
    customer = _customer(request, vip_id)
    form = CommitRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Commit to a whole number of licences, 10 or more."))
    else:
        try:
            three_year_commit_request(
                reseller=request.reseller,
                actor=request.user,
                vip_id=vip_id,
                quantity=form.cleaned_data["quantity"],
            )
        except PurchaseError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The three-year commit was offered to the customer's admin."))
    return redirect(reverse("customers:detail", args=[customer.vip_id]))
