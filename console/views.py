from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from console.accounts.models import Membership
from console.audit.selectors import audit_events_for_reseller
from console.http import ConsoleRequest
from console.tenancy import console_view


@require_safe
@console_view()
def home(request: ConsoleRequest) -> HttpResponse:
    """The console's landing page: the reseller at a glance."""
    membership = request.membership
    team = Membership.objects.filter(reseller=request.reseller).aggregate(
        active=Count("pk", filter=Q(status=Membership.Status.ACTIVE)),
        pending=Count("pk", filter=Q(status=Membership.Status.PENDING)),
    )
    recent = audit_events_for_reseller(reseller=request.reseller)[:5] if membership.can_manage_team else []
    return render(request, "console/home.html", {"team": team, "recent": recent, "nav": "home"})


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
