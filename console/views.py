from __future__ import annotations

from django import forms
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from console.accounts.models import Membership
from console.audit.selectors import audit_events_for_reseller
from console.clock import today
from console.home import HomeView, home_charts, home_items
from console.http import ConsoleRequest
from console.tenancy import console_view


class HomeForm(forms.Form):
    mine = forms.BooleanField(required=False)


@require_safe
@console_view()
def home(request: ConsoleRequest) -> HttpResponse:
    """DASH-1…DASH-3: the account manager's to-do list and charts, each contributed by its app
    (console.home), then the team at a glance."""
    membership = request.membership
    form = HomeForm(request.GET)
    mine = bool(form.cleaned_data.get("mine")) if form.is_valid() else False
    view = HomeView(reseller=request.reseller, membership=membership, on=today(), mine=mine)
    items = [(item, item.figure(view)) for item in home_items()]
    charts = []
    for chart in home_charts():
        data = chart.data(view)
        charts.append((chart, data, data.for_script(), f"chart-{chart.name}"))
    team = Membership.objects.filter(reseller=request.reseller).aggregate(
        active=Count("pk", filter=Q(status=Membership.Status.ACTIVE)),
        pending=Count("pk", filter=Q(status=Membership.Status.PENDING)),
    )
    recent = audit_events_for_reseller(reseller=request.reseller)[:5] if membership.can_manage_team else []
    context = {"state": {"mine": mine}, "items": items, "charts": charts, "team": team, "recent": recent, "nav": "home"}
    return render(request, "console/home.html", context)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
