"""DASH-1: the failed-orders page (mounted at orders/ in console/urls.py): the failed orders (ORD-8) of
the last 30 days, newest first, with *Managed by me*; the home page's item links here."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from console.clock import today
from console.http import ConsoleRequest
from console.tenancy import console_view
from purchase_auth.selectors import FAILED_ORDERS_DAYS, failed_orders


class FailedOrdersForm(forms.Form):
    mine = forms.BooleanField(required=False)
    page = forms.IntegerField(min_value=1, max_value=1_000_000, required=False)


@require_safe
@console_view()
def failed_order_list(request: ConsoleRequest) -> HttpResponse:
    form = FailedOrdersForm(request.GET)
    form.is_valid()  # a bad part falls back to its default (NF-2)
    data = {name: form.cleaned_data.get(name) for name in form.fields if name not in form.errors}
    state = {"mine": bool(data.get("mine")), "page": data.get("page") or 1}
    orders = failed_orders(
        reseller=request.reseller, on=today(), managed_by=request.membership if state["mine"] else None
    ).select_related("customer")
    page = Paginator(orders, 25).get_page(state["page"])
    context = {"state": state, "page": page, "days": FAILED_ORDERS_DAYS, "nav": "home"}
    return render(request, "purchase_auth/failed_orders.html", context)
