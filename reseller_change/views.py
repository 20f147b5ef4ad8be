"""Console pages of the reseller change: send a code and list the sent ones (RC-1, RC-8), and the
read-only *Transferred away* list (RC-9). Thin: forms check input, services decide."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from console.http import ConsoleRequest
from console.tenancy import ALL_ROLES, WRITERS, console_view
from reseller_change import rules, selectors, services
from reseller_change.forms import CodeSendForm, PageForm

PER_PAGE = 25


def neutral_answer() -> str:
    """RC-1: the one answer to every pair typed, right or wrong."""
    return _(
        "Thank you. If this VIP ID belongs to a customer with a system admin at this email, all of its "
        "system admins now receive a reseller change code with instructions. The code is valid for "
        "%(hours)d hours."
    ) % {"hours": int(rules.code_lifetime().total_seconds() // 3600)}


@require_http_methods(["GET", "HEAD", "POST"])
@console_view(read=ALL_ROLES, write=WRITERS)
def codes(request: ConsoleRequest) -> HttpResponse:
    """RC-1 *Reseller Change for Customer* with *Send email*, and RC-8's list of sent codes."""
    form = CodeSendForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.code_send(
                    membership=request.membership,
                    vip_id=form.cleaned_data["vip_id"],
                    admin_email=form.cleaned_data["admin_email"],
                )
            except services.DailyLimitReached as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, neutral_answer())
                return redirect("reseller_change:codes")
    now = timezone.now()
    page = Paginator(selectors.sent_codes(reseller=request.reseller), PER_PAGE).get_page(PageForm(request.GET).number())
    rows = [(code, code.state_at(now)) for code in page.object_list]
    return render(
        request,
        "reseller_change/codes.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "left": services.codes_left_today(reseller=request.reseller, now=now),
            "per_day": rules.codes_per_day(),
            "hours": int(rules.code_lifetime().total_seconds() // 3600),
            "nav": "customers",
        },
    )


@require_safe
@console_view(read=ALL_ROLES)
def transferred(request: ConsoleRequest) -> HttpResponse:
    """RC-9, LIST-7: customers that left this reseller, with the orders it placed for them (read-only)."""
    page = Paginator(selectors.transferred_away(reseller=request.reseller), PER_PAGE).get_page(
        PageForm(request.GET).number()
    )
    items = selectors.with_orders(reseller=request.reseller, transfers=list(page.object_list))
    return render(request, "reseller_change/transferred.html", {"page": page, "items": items, "nav": "customers"})
