"""RC-5…RC-7 in the member portal: a system admin of the organisation enters the reseller change code,
sees a preview (the new reseller, what carries over, or why the change is refused) and confirms."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from console.http import AuthenticatedRequest
from customers.models import Customer
from portal.organization import portal_org_view
from reseller_change import services
from reseller_change.forms import CodeEnterForm


@require_http_methods(["GET", "HEAD", "POST"])
@portal_org_view
def reseller_change(request: AuthenticatedRequest, customer: Customer) -> HttpResponse:
    """GET: the code form. POST without `confirm`: check the code, show the preview. POST with
    `confirm`: make the change (the code is checked again, inside the change's transaction)."""
    form = CodeEnterForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"customer": customer, "form": form}
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if request.POST.get("confirm") == "1":
                transfer = services.change_confirm(user=request.user, customer_id=customer.pk, code=code)
                messages.success(
                    request,
                    _("%(org)s has moved to %(reseller)s.")
                    % {"org": customer.name, "reseller": transfer.to_reseller.name},
                )
                return redirect("portal:organization", vip_id=customer.vip_id)
            context["preview"] = services.change_preview(user=request.user, customer=customer, code=code)
            context["code"] = code
        except services.ResellerChangeError as error:
            form.add_error("code", str(error))
    return render(request, "portal/reseller_change.html", context)
