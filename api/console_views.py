"""API-3: reseller admins manage their API keys in the console (Team → API keys)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from api import services
from api import webhooks as webhook_services
from api.forms import ApiKeyForm, WebhookEndpointForm
from api.models import ApiKey, WebhookEndpoint
from console.http import ConsoleRequest
from console.tenancy import TEAM_ADMINS, console_view


@require_safe
@console_view(read=TEAM_ADMINS, write=TEAM_ADMINS)
def api_keys(request: ConsoleRequest) -> HttpResponse:
    keys = ApiKey.objects.filter(reseller=request.reseller).select_related("created_by", "revoked_by")
    return render(request, "api/keys.html", {"keys": keys, "nav": "team"})


@never_cache
@console_view(read=TEAM_ADMINS, write=TEAM_ADMINS)
def api_key_create(request: ConsoleRequest) -> HttpResponse:
    """The whole key is on the answer to the POST only: never stored, never shown again (NF-5)."""
    form = ApiKeyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        key, text = services.api_key_create(
            reseller=request.reseller,
            actor=request.user,
            name=form.cleaned_data["name"],
            role=form.cleaned_data["role"],
            expires_at=form.expires_at(),
        )
        return render(request, "api/key_created.html", {"key": key, "text": text, "nav": "team"})
    return render(request, "api/key_form.html", {"form": form, "nav": "team"})


@require_POST
@console_view(read=TEAM_ADMINS, write=TEAM_ADMINS)
def api_key_revoke(request: ConsoleRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, reseller=request.reseller, pk=pk)
    try:
        services.api_key_revoke(reseller=request.reseller, actor=request.user, key_id=key.pk)
    except services.ApiKeyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("API key %(name)s was revoked.") % {"name": key})
    return redirect("api_keys:list")


@never_cache
@console_view(read=TEAM_ADMINS, write=TEAM_ADMINS)
def webhooks(request: ConsoleRequest) -> HttpResponse:
    """HOOK-1: the reseller's endpoints, and a new one (its signing secret shown once)."""
    form = WebhookEndpointForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = webhook_services.webhook_endpoint_create(
                reseller=request.reseller, actor=request.user, **form.cleaned_data
            )
        except webhook_services.WebhookError as error:
            form.add_error("url", str(error))
        else:
            return render(request, "api/webhook_created.html", {"endpoint": endpoint, "secret": secret, "nav": "team"})
    endpoints = WebhookEndpoint.objects.filter(reseller=request.reseller)
    return render(request, "api/webhooks.html", {"endpoints": endpoints, "form": form, "nav": "team"})


@require_safe
@console_view(read=TEAM_ADMINS, write=TEAM_ADMINS)
def webhook_detail(request: ConsoleRequest, pk: int) -> HttpResponse:
    """HOOK-4: the endpoint's delivery log."""
    endpoint = get_object_or_404(WebhookEndpoint, reseller=request.reseller, pk=pk)
    deliveries = endpoint.deliveries.order_by("-created_at", "-id")[:100]
    return render(request, "api/webhook_detail.html", {"endpoint": endpoint, "deliveries": deliveries, "nav": "team"})


def _webhook_action(request: ConsoleRequest, pk: int, action: Callable[[], object], success: str) -> HttpResponse:
    get_object_or_404(WebhookEndpoint, reseller=request.reseller, pk=pk)  # 404 for another reseller's
    try:
        action()
    except webhook_services.WebhookError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("webhooks:detail", pk=pk)


@require_POST
@console_view(read=TEAM_ADMINS, write=TEAM_ADMINS)
def webhook_test(request: ConsoleRequest, pk: int) -> HttpResponse:
    return _webhook_action(
        request,
        pk,
        lambda: webhook_services.webhook_test_send(reseller=request.reseller, endpoint_id=pk),
        _("A test event is on its way."),
    )


@require_POST
@console_view(read=TEAM_ADMINS, write=TEAM_ADMINS)
def webhook_redeliver(request: ConsoleRequest, pk: int, delivery: int) -> HttpResponse:
    return _webhook_action(
        request,
        pk,
        lambda: webhook_services.webhook_redeliver(reseller=request.reseller, delivery_id=delivery),
        _("The event will be sent again."),
    )


@require_POST
@console_view(read=TEAM_ADMINS, write=TEAM_ADMINS)
def webhook_toggle(request: ConsoleRequest, pk: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    return _webhook_action(
        request,
        pk,
        lambda: webhook_services.webhook_endpoint_set_active(
            reseller=request.reseller, actor=request.user, endpoint_id=pk, active=active
        ),
        _("The endpoint is on.") if active else _("The endpoint is off."),
    )
