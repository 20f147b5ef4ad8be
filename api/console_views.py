"""API-3: reseller admins manage their API keys in the console (Team → API keys)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from api import services
from api.forms import ApiKeyForm
from api.models import ApiKey
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
