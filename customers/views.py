from __future__ import annotations

import html
import math
from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Page
from django.db.models import Count, QuerySet, TextChoices, Value, Window
from django.http import HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from console.accounts.models import MarketSegment, User
from console.audit.wording import describe_all
from console.clock import today
from console.http import ConsoleRequest
from console.pagination import KnownCountPaginator
from console.tenancy import PRIMARY_ONLY, WRITERS, console_view
from customers import exports, geography, selectors, services
from customers.actions import list_actions
from customers.forms import CustomerInviteForm, CustomerListForm, ManagedByForm, ReminderForm
from customers.history import customer_history
from customers.models import (
    Customer,
    CustomerSearch,
    CustomerType,
    InvitationStatus,
    contact_name,
    customer_can_be_removed,
)
from customers.rules import CustomerFilter, customer_flags, customer_flags_for
from customers.sections import detail_tabs, overview_parts
from customers.templatetags.customer_tags import badge_labels, customer_badges

# The columns a card list can be sorted by on a phone, where the table's headers are not shown (NF-6).
SORT_LABELS = {
    "name": gettext_lazy("Organization"),
    "vip_id": gettext_lazy("VIP ID"),
    "anniversary": gettext_lazy("Anniversary Date"),
    "managed_by": gettext_lazy("Managed by"),
    "status": gettext_lazy("Invitation"),
    "segment": gettext_lazy("Segment"),
    "type": gettext_lazy("Type"),
    "vip_select": gettext_lazy("VIP Select"),
}


def _sort_choices() -> list[tuple[str, str]]:
    choices = []
    for key, label in SORT_LABELS.items():
        choices.append((key, _("%(column)s, ascending") % {"column": label}))
        choices.append((f"-{key}", _("%(column)s, descending") % {"column": label}))
    return choices


# What `_list_rows` reads, and only that, as values (NF-4): a page saves building unused fields and model
# instances. Applied to the page's rows only: on the query that finds the page's ids (or a search's total)
# the joins to the manager's name would be paid for every row passed over.
LIST_ROW_FIELDS = (
    "vip_id",
    "name",
    "contact_first_name",
    "contact_last_name",
    "contact_email",
    "segment",
    "type",
    "anniversary_date",
    "invitation_status",
    "vip_select_level",
    "removed_at",
    "has_products",
    "open_pa_min_due",
    "open_pa_max_due",
    "open_pa_min_suspends",
    "renewed_ad",
    "renewal_shortfall",
    "managed_by__user__first_name",
    "managed_by__user__last_name",
    "managed_by__user__email",
)


def _page_of(
    customers: QuerySet[Customer], listed: QuerySet[Customer]
) -> Callable[[int, int], QuerySet[Customer, dict[str, Any]]]:
    """Deferred join: find the page's ids on a narrow covering index, then fetch only those rows (NF-4), from
    `listed` (the reseller's listed customers): the view's filter chose the ids, so it is not written a second
    time around them, to be compiled and planned again on every request (a Ready for Renewal page's)."""
    return lambda offset, limit: (
        listed.filter(pk__in=customers.values("pk")[offset : offset + limit])
        .order_by(*customers.query.order_by)
        .values(*LIST_ROW_FIELDS)
    )


def _search_page(
    customers: QuerySet[Customer],
    listed: QuerySet[Customer],
    number: int,
    per_page: int,
    *,
    side_ids: QuerySet[CustomerSearch] | None = None,
) -> Page:
    """A search's page and its total from one trigram pass: the page's ids with COUNT(*) OVER () beside
    them, over narrow rows (no joins, no wide columns through the window), then those rows by id from
    `listed` (the reseller's listed customers: the search is not evaluated again). The matches are sorted by
    PostgreSQL rather than found by walking a sort index past every non-matching row. `side_ids`
    (selectors.search_page_ids), when the view needs nothing else, gives the ids and the total from the
    narrow CustomerSearch rows alone, without reading a customer row (NF-4, measured by make bench)."""
    if side_ids is not None:
        ids: QuerySet[Any, tuple[int, int]] = side_ids.annotate(total=Window(Count(Value(1)))).values_list(
            "customer_id", "total"
        )
        matches: QuerySet[Any] = side_ids
    else:
        ids = selectors.sorted_in_memory(customers).annotate(total=Window(Count(Value(1)))).values_list("pk", "total")
        matches = customers

    def hits_on(page_number: int) -> list[tuple[int, int]]:
        start = (page_number - 1) * per_page
        return list(ids[start : start + per_page])

    hits = hits_on(number)
    if hits:
        total = hits[0][1]
    else:  # past the last page (or no match at all): show the last page, as Paginator.get_page does
        total = matches.count() if number > 1 else 0
        number = max(1, math.ceil(total / per_page))
        hits = hits_on(number) if total else []
    by_pk = {row["id"]: row for row in listed.filter(pk__in=[pk for pk, _ in hits]).values("id", *LIST_ROW_FIELDS)}
    rows = [by_pk[pk] for pk, _ in hits if pk in by_pk]  # one removed in between: gone
    return Page(rows, number, KnownCountPaginator(_page_of(customers, listed), per_page, total))


# One row of the customer table (NF-4): formatted here, each value escaped once, instead of through a dozen
# template variables, three translations and a URL tag per row, which cost more than the page's SQL. The
# markup is the table's (templates/customers/_results.html places the rows). Placeholders marked "html"
# take markup built here; every other one takes text, escaped by `_row` as Django's `escape` does.
_ROW_HTML = """
      <tr data-vip="{vip_id}">
        <td class="cell-name">
          <div class="d-flex align-items-start justify-content-between gap-2">
            <div class="min-w-0">
              <a href="{url}" class="fw-semibold">{name}</a>
              <div class="small text-body-secondary cell-contact">{contact_name}</div>
              <div class="small text-body-secondary cell-contact">{contact_email}</div>
            </div>{remove_html}
          </div>
        </td>
        <td class="font-monospace small cell-vip" data-label="{vip_label}">{vip_id}</td>
        <td class="cell-detail">{segment}</td>
        <td class="cell-detail">{type}</td>
        <td data-label="{anniversary_label}">{anniversary}</td>
        <td class="cell-manager" data-label="{manager_label}">{managed_by}</td>
        <td class="cell-badges">
          <span class="badge {invitation_css}">{invitation}</span>
        </td>
        <td class="cell-badges">{badges_html}</td>
        <td class="cell-detail">{vip_select}</td>
      </tr>"""
# CUST-6: the trash can of a No-Products customer, with the same confirmation as its details page.
_REMOVE_HTML = """
            <form method="post"
                  action="{action}"
                  data-confirm="{confirm_html}">
              <input type="hidden" name="csrfmiddlewaretoken" value="{csrf_token}">
              <input type="hidden" name="back" value="{back}">
              <button type="submit"
                      class="btn btn-sm btn-link link-danger p-0 row-remove"
                      title="{label_html}">
                <i class="bi bi-trash" aria-hidden="true"></i>
                <span class="visually-hidden">{label_html}</span>
              </button>
            </form>"""
_BADGE_HTML = '<span class="badge {}">{}</span> '


def _row(markup: str, **values: str) -> str:
    """`markup` with the values escaped (html.escape, what django.utils.html.escape does to a string), but
    those named *_html, which are markup already."""
    return markup.format(**{k: v if k.endswith("_html") else html.escape(v) for k, v in values.items()})


def _choice_labels(choices: type[TextChoices]) -> dict[str, str]:
    return {str(value): str(label) for value, label in choices.choices}


def _url_around(name: str, key: str) -> tuple[str, str]:
    """What a URL with one `key` argument has before and after it: reversed once per page, not per row."""
    head, tail = reverse(name, args=[key]).rsplit(key, 1)
    return head, tail


def _named(translation: str, name: str) -> str:
    """As `{% blocktranslate with name=… %}` writes it: the name escaped, the translation as it is."""
    return translation % {"name": html.escape(name)}


def _list_rows(request: ConsoleRequest, customers: list[dict[str, Any]], on: date) -> list[SafeString]:
    """Each row of the list as HTML, from the values of LIST_ROW_FIELDS (no model instances: NF-4). Labels
    are translated once per page; the detail and remove URLs are reversed once."""
    if not customers:
        return []
    segments, types, invitations = (_choice_labels(c) for c in (MarketSegment, CustomerType, InvitationStatus))
    labels = badge_labels()
    first = customers[0]["vip_id"]
    detail_head, detail_tail = _url_around("customers:detail", first)
    remove_head, remove_tail = _url_around("customers:remove", first)
    can_write = request.membership.can_write
    page = {"vip_label": _("VIP ID"), "anniversary_label": _("Anniversary Date"), "manager_label": _("Managed by")}
    short_date = get_format("SHORT_DATE_FORMAT")
    back = request.GET.urlencode()
    csrf_token = ""
    managers: dict[tuple[str, str, str], str] = {}
    rows = []
    for c in customers:
        vip_id, name, ad = c["vip_id"], c["name"], c["anniversary_date"]
        manager = (c["managed_by__user__first_name"], c["managed_by__user__last_name"], c["managed_by__user__email"])
        if manager not in managers:
            user = User(first_name=manager[0], last_name=manager[1], email=manager[2])
            managers[manager] = user.get_full_name() or user.email
        remove = ""
        if can_write and customer_can_be_removed(has_products=c["has_products"], removed_at=c["removed_at"]):
            csrf_token = csrf_token or get_token(request)  # one token for the page, as {% csrf_token %} reads it
            label = _named(_("Remove %(name)s"), name)
            remove = _row(
                _REMOVE_HTML,
                action=f"{remove_head}{vip_id}{remove_tail}",
                confirm_html=_named(
                    _("Remove %(name)s? The invitation link stops working. This cannot be undone."), name
                ),
                csrf_token=csrf_token,
                back=back,
                label_html=label,
            )
        flags = customer_flags(
            has_products=c["has_products"],
            open_pa_min_due=c["open_pa_min_due"],
            open_pa_max_due=c["open_pa_max_due"],
            open_pa_min_suspends=c["open_pa_min_suspends"],
            anniversary_date=ad,
            renewed_ad=c["renewed_ad"],
            renewal_shortfall=c["renewal_shortfall"],
            on=on,
        )
        status = c["invitation_status"]
        badges = "".join(
            _BADGE_HTML.format(html.escape(css), html.escape(text)) for css, text in customer_badges(flags, labels)
        )
        row = _row(
            _ROW_HTML,
            **page,
            vip_id=vip_id,
            url=f"{detail_head}{vip_id}{detail_tail}",
            name=name,
            contact_name=contact_name(c["contact_first_name"], c["contact_last_name"]),
            contact_email=c["contact_email"],
            remove_html=remove,
            segment=segments.get(c["segment"], c["segment"]),
            type=types.get(c["type"], c["type"]),
            anniversary=dateformat.format(ad, short_date) if ad else "—",
            managed_by=managers[manager],
            invitation_css="text-bg-warning" if status == InvitationStatus.PENDING else "text-bg-success",
            invitation=invitations.get(status, status),
            badges_html=badges,
            vip_select=c["vip_select_level"] or "—",
        )
        rows.append(mark_safe(row))  # noqa: S308 (every value escaped by _row)
    return rows


def _list_context(request: ConsoleRequest) -> dict[str, Any]:
    form = CustomerListForm(request.GET)
    state = form.state()
    typed = request.GET.get("q", "").strip()
    on = today()
    mine = request.membership if state["mine"] else None
    stale = timezone.now() if state["invitation"] else None
    if stale:  # minutes old, not days: counted afresh (never from the day's cache)
        counts = selectors.customer_counts(reseller=request.reseller, on=on, managed_by=mine, stale_invitations=stale)
    else:
        counts = selectors.customer_counts_cached(reseller=request.reseller, on=on, managed_by=mine)
    # The view, as both selectors take it: the list, and a search's page ids from the side table when it can.
    view: dict[str, Any] = {
        "reseller": request.reseller,
        "customer_filter": state["filter"],
        "managed_by": mine,
        "stale_invitations": stale,
        "query": state["q"],
        "sort": state["sort"],
        "descending": state["descending"],
    }
    customers = selectors.customer_list(on=on, **view)
    listed = selectors.customers_visible(reseller=request.reseller)
    if state["q"]:
        side_ids = selectors.search_page_ids(**view)
        page = _search_page(customers, listed, state["page"], state["per_page"], side_ids=side_ids)
    else:
        page = KnownCountPaginator(_page_of(customers, listed), state["per_page"], counts[state["filter"]]).get_page(
            state["page"]
        )
    rows = _list_rows(request, list(page.object_list), on)
    return {
        "actions": list_actions(can_write=request.membership.can_write),
        "state": state,
        "counts": counts,
        "filters": [(value, label, counts[value]) for value, label in CustomerFilter.choices],
        "page": page,
        "rows": rows,
        "nav": "customers",
        "sorts": selectors.SORTS,
        "sort_choices": _sort_choices(),
        "sort_value": ("-" if state["descending"] else "") + state["sort"],
        "short_query": bool(typed) and not state["q"] and len(typed) < 3,
        # NF-2: a search that cannot be used (too long, control characters, invalid UTF-8) says why
        "query_error": form.errors["q"][0] if "q" in form.errors else "",
    }


@require_safe
@console_view()
def customer_list(request: ConsoleRequest) -> HttpResponse:
    """LIST-1…LIST-8: the customers page. htmx requests get just the results."""
    context = _list_context(request)
    template = "customers/_results.html" if request.htmx else "customers/list.html"
    return render(request, template, context)


@require_safe
@console_view()
def customer_export(request: ConsoleRequest) -> HttpResponseBase:
    """LIST-6: the CSV of the customers the current view shows."""
    state = CustomerListForm(request.GET).state()
    customers = selectors.customer_list(
        reseller=request.reseller,
        on=today(),
        customer_filter=state["filter"],
        managed_by=request.membership if state["mine"] else None,
        stale_invitations=timezone.now() if state["invitation"] else None,
        query=state["q"],
        sort=state["sort"],
        descending=state["descending"],
    )
    return exports.customer_report_response(customers, on=today())


@console_view(read=WRITERS, write=WRITERS)
def customer_invite(request: ConsoleRequest) -> HttpResponse:
    """CUST-1…CUST-4: Add Customer Organization."""
    form = CustomerInviteForm(request.POST if request.method == "POST" else None, reseller=request.reseller)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer, created = services.customer_invite(
                reseller=request.reseller,
                actor=request.user,
                managed_by=request.membership,
                data=data,
                anniversary_date=data["anniversary_date"],
                extended_term_months=data["extended_term_months"],
                submission_key=data.get("submission_key"),
            )
        except services.CustomerError as error:
            form.add_error("contact_email", str(error))
        else:
            if created:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s. VIP ID %(vip_id)s.")
                    % {"email": customer.contact_email, "vip_id": customer.vip_id},
                )
            return redirect("customers:detail", vip_id=customer.vip_id)
    return render(request, "customers/invite.html", {"form": form, "nav": "customers"})


@require_safe
@console_view()
def region_options(request: ConsoleRequest) -> HttpResponse:
    """htmx: the region <select> for the chosen country."""
    country = request.GET.get("country", "")
    choices = geography.region_choices(country) if geography.is_supported_country(country) else []
    return render(request, "customers/_region_field.html", {"choices": choices, "selected": "", "errors": []})


def _customer(request: ConsoleRequest, vip_id: str) -> Customer:
    return get_object_or_404(
        selectors.customers_visible(reseller=request.reseller).select_related("managed_by__user", "contract_owner"),
        vip_id=vip_id,
    )


def _customer_to_change(request: ConsoleRequest, vip_id: str) -> Customer | HttpResponse:
    """The reseller's customer for a change, or — when it was removed, perhaps by someone else a moment
    ago — a redirect to the list saying so (NF-3: a double click is never an error page)."""
    customer = get_object_or_404(
        Customer.objects.filter(reseller=request.reseller).select_related("managed_by__user", "contract_owner"),
        vip_id=vip_id,
    )
    return _removed(request, customer) if customer.removed_at else customer


def _removed(request: ConsoleRequest, customer: Customer) -> HttpResponse:
    messages.info(request, services.removed_message(customer))
    return redirect("customers:list")


def overview_tab(request: ConsoleRequest, customer: Customer) -> dict[str, Any]:
    """DET-1: the overview, with the parts other apps contribute (customers.sections)."""
    context: dict[str, Any] = {"overview_parts": []}
    for part in overview_parts():
        context.update(part.context(request, customer))
        context["overview_parts"].append(part.template)
    if request.membership.is_primary_admin:
        context["managed_by_form"] = ManagedByForm(
            reseller=request.reseller,
            initial={"membership": customer.managed_by_id},
        )
    return context


def history_tab(request: ConsoleRequest, customer: Customer) -> dict[str, Any]:
    """DET-4: the customer's audit events."""
    events = customer_history(reseller=request.reseller, customer=customer)[:200]
    return {"wordings": describe_all(events)}


@require_safe
@console_view()
def customer_detail(request: ConsoleRequest, vip_id: str) -> HttpResponse:
    """DET-1…DET-4: the overview and the tabs that customers and the apps above it contribute."""
    customer = _customer(request, vip_id)
    tabs = detail_tabs()
    section = next((t for t in tabs if t.name == request.GET.get("tab")), tabs[0])
    context: dict[str, Any] = {
        "customer": customer,
        "tab": section.name,
        "tabs": tabs,
        "tab_template": section.template,
        "nav": "customers",
        "flags": customer_flags_for(customer, today()),
    }
    context.update(section.context(request, customer))
    return render(request, "customers/detail.html", context)


@console_view(read=WRITERS, write=WRITERS)
def customer_reminder(request: ConsoleRequest, vip_id: str) -> HttpResponse:
    """CUST-5: Send reminder (optionally to a new contact email) while the invitation is pending."""
    customer = _customer_to_change(request, vip_id)
    if isinstance(customer, HttpResponse):
        return customer
    if not customer.is_pending:
        messages.error(request, _("The invitation was accepted already."))
        return redirect("customers:detail", vip_id=vip_id)
    form = ReminderForm(
        request.POST if request.method == "POST" else None, initial={"contact_email": customer.contact_email}
    )
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_reminder_send(
                reseller=request.reseller,
                actor=request.user,
                vip_id=vip_id,
                email=form.cleaned_data["contact_email"],
            )
        except services.CustomerRemoved:
            return _removed(request, customer)
        except services.CustomerError as error:
            form.add_error("contact_email", str(error))
        else:
            messages.success(request, _("Reminder sent to %(email)s.") % {"email": customer.contact_email})
            return redirect("customers:detail", vip_id=vip_id)
    return render(request, "customers/reminder.html", {"form": form, "customer": customer, "nav": "customers"})


@require_POST
@console_view()
def customer_remove(request: ConsoleRequest, vip_id: str) -> HttpResponse:
    """CUST-6: remove a No-Products customer. A second click (or a colleague's) learns it is gone."""
    customer = _customer_to_change(request, vip_id)
    if isinstance(customer, HttpResponse):
        return customer
    # The trash can of a list row sends the list's query string, so the user lands on the same view.
    from_list = "back" in request.POST
    back = reverse("customers:list")
    if from_list:
        back += "?" + QueryDict(request.POST["back"]).urlencode()
    try:
        services.customer_remove(reseller=request.reseller, actor=request.user, vip_id=vip_id)
    except services.CustomerRemoved:
        messages.info(request, services.removed_message(customer))
        return redirect(back)
    except services.CustomerError as error:
        messages.error(request, str(error))
        return redirect(back if from_list else reverse("customers:detail", args=[vip_id]))
    messages.success(request, _("%(name)s was removed.") % {"name": customer.name})
    return redirect(back)


@require_POST
@console_view(read=PRIMARY_ONLY, write=PRIMARY_ONLY)
def customer_managed_by(request: ConsoleRequest, vip_id: str) -> HttpResponse:
    """TEAM-4: the primary admin changes Managed by."""
    customer = _customer_to_change(request, vip_id)
    if isinstance(customer, HttpResponse):
        return customer
    form = ManagedByForm(request.POST, reseller=request.reseller)
    if not form.is_valid():
        messages.error(request, _("Choose an active team member."))
    else:
        try:
            customer = services.customer_managed_by_change(
                reseller=request.reseller,
                actor=request.user,
                vip_id=vip_id,
                membership_id=form.cleaned_data["membership"].pk,
            )
        except services.CustomerRemoved:
            return _removed(request, customer)
        except services.CustomerError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(name)s is now managed by %(who)s.") % {"name": customer.name, "who": customer.managed_by.user},
            )
    return redirect("customers:detail", vip_id=vip_id)
