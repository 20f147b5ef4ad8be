"""Issue 10 (NF-6): forms that never lose what was typed — the Anniversary Date box rule, text that is too
long refused with a message instead of cut by the browser, the error summary — and the lists' page-size
choice and the trash can on No-Products rows."""

from __future__ import annotations

import html
import re

import pytest
from django import forms
from django.urls import reverse

from api.forms import ApiKeyForm, WebhookEndpointForm
from console.accounts.forms import TeamInviteForm
from console.audit.services import audit_log
from customers.forms import CustomerInviteForm, ReminderForm
from customers.models import Customer
from purchase_auth.forms import PurchaseAuthorizationForm
from tests.customers.test_invitations import invite_data
from tests.factories import CustomerFactory

NAME_96 = "Consolidated International Widget Manufacturers, Importers & Distributors of Kyiv (Holdings) Ltd"


def _names(response) -> list[str]:
    return [html.unescape(n) for n in re.findall(r"class=\"fw-semibold\">([^<]+)</a>", response.content.decode())]


# --- CUST-3: the Anniversary Date depends on its box --------------------------------------------------------


def test_an_anniversary_date_without_the_box_ticked_is_refused_and_kept(triad, member_client):
    response = member_client.post(reverse("customers:invite"), invite_data(anniversary_date="2026-12-24"))
    assert response.status_code == 200 and not Customer.objects.exists()
    errors = response.context["form"].errors
    assert "is not ticked. Tick the box to keep the date, or clear the date." in errors["choose_anniversary"][0]
    assert 'value="2026-12-24"' in response.content.decode()  # what was typed is still there


def test_a_blank_anniversary_date_without_the_box_is_no_date(triad, member_client):
    response = member_client.post(reverse("customers:invite"), invite_data(anniversary_date=""))
    assert response.status_code == 302
    assert Customer.objects.get().anniversary_date is None


def test_the_anniversary_fields_are_marked_to_depend_on_the_box(triad, member_client):
    page = member_client.get(reverse("customers:invite")).content.decode()
    assert 'id="anniversary-fields" data-depends-on="id_choose_anniversary"' in page
    assert "onclick" not in page and "onchange" not in page.split('id="anniversary-fields"')[1]


# --- NF-6: no silent truncation ------------------------------------------------------------------------------


def test_a_pasted_96_character_name_is_refused_with_its_length_and_kept_whole(triad, member_client):
    assert len(NAME_96) == 96
    response = member_client.post(reverse("customers:invite"), invite_data(name=NAME_96, name_en=""))
    assert response.status_code == 200 and not Customer.objects.exists()
    assert response.context["form"].errors["name"] == [
        "This can have at most 80 characters and has 96. Nothing was cut: shorten it."
    ]
    assert f'value="{html.escape(NAME_96)}"' in response.content.decode()


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (lambda: CustomerInviteForm(), "name"),
        (lambda: CustomerInviteForm(), "contact_email"),
        (lambda: CustomerInviteForm(), "address_line2"),
        (lambda: ReminderForm(), "contact_email"),
        (lambda: TeamInviteForm(), "last_name"),
        (lambda: ApiKeyForm(), "name"),
        (lambda: WebhookEndpointForm(), "description"),
        (lambda: PurchaseAuthorizationForm(), "po_number"),
    ],
)
def test_every_console_text_field_with_a_limit_has_a_counter_not_a_browser_cut(db, form, field):
    bound = form()[field]
    limit = bound.field.max_length
    rendered = str(bound)
    assert f'data-maxlength="{limit}"' in rendered and "maxlength=" not in rendered.replace("data-maxlength", "")
    with pytest.raises(forms.ValidationError) as refused:  # the server's message names the limit and the length
        bound.field.clean("x" * (limit + 1))
    assert f"at most {limit} characters and has {limit + 1}. Nothing was cut" in " ".join(refused.value.messages)


def test_the_invite_page_has_no_maxlength_and_the_counter_wordings(triad, member_client):
    page = member_client.get(reverse("customers:invite")).content.decode()
    assert " maxlength=" not in page and 'data-maxlength="80"' in page
    assert 'data-over="over the limit by %s"' in page


# --- NF-6: the error summary ---------------------------------------------------------------------------------


def test_the_invite_form_errors_are_summarised_at_the_top_with_links_to_the_fields(triad, member_client):
    response = member_client.post(reverse("customers:invite"), invite_data(name="", city="", contact_email="nope"))
    page = response.content.decode()
    summary = page[page.index("data-error-summary") : page.index('id="id_name"')]
    assert 'tabindex="-1"' in page.split("data-error-summary")[0].rsplit("<div", 1)[1]
    assert "There are 3 problems with what you entered" in summary
    for field in ("id_name", "id_city", "id_contact_email"):
        assert f'href="#{field}"' in summary


def test_an_order_lines_error_is_summarised_with_its_line(triad, member_client):
    customer = CustomerFactory(managed_by=triad.member_a)
    url = reverse("purchasing:order_place", args=[customer.vip_id])
    data = {"lines-TOTAL_FORMS": 5, "lines-INITIAL_FORMS": 0, "lines-0-product": "", "lines-0-quantity": "3"}
    page = member_client.post(url, {**data, "action": "preview"}).content.decode()
    assert 'href="#id_lines-0-product" data-error-link>Line 1 · Product: Choose a product.</a>' in page


# --- item 5: page size --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "rows"), [("50", 30), ("100", 30), ("25", 25)])
def test_the_customer_list_shows_the_chosen_page_size(triad, member_client, value, rows):
    CustomerFactory.create_batch(30, managed_by=triad.member_a)
    response = member_client.get(reverse("customers:list"), {"per_page": value, "filter": "no_products"})
    assert len(_names(response)) == rows
    page = response.content.decode()
    assert f'<option value="{value}" selected>' in page
    assert '<input type="hidden" name="filter" value="no_products">' in page.split('id="per-page"')[0]


@pytest.mark.parametrize("value", ["7", "0", "-1", "abc", "1e9", "50\x00", "", "99999999999999999999", "٥٠"])
@pytest.mark.parametrize("url", ["customers:list", "renewal_pages:list", "console:activity"])
def test_a_bad_page_size_falls_back_to_the_default_never_a_500(triad, admin_client_a, url, value):
    CustomerFactory.create_batch(30, managed_by=triad.member_a)
    for _ in range(60):
        audit_log(reseller=triad.reseller_a, actor=None, action="team.test", obj=triad.reseller_a, changes={})
    response = admin_client_a.get(reverse(url), {"per_page": value})
    assert response.status_code == 200
    default = 50 if url == "console:activity" else 25
    assert response.context["page"].paginator.per_page == default
    if url == "customers:list":
        assert len(_names(response)) == 25


# --- item 5 / CUST-6: the trash can on No-Products rows -----------------------------------------------------


def test_no_products_rows_have_a_trash_can_that_returns_to_the_same_view(triad, member_client):
    typo = CustomerFactory(managed_by=triad.member_a, name="Typo Organisaton")
    CustomerFactory(managed_by=triad.member_a, name="Solid Products", has_products=True)
    query = {"filter": "no_products", "sort": "-name", "mine": "on"}
    page = member_client.get(reverse("customers:list"), query).content.decode()
    assert page.count('class="btn btn-sm btn-link link-danger p-0 row-remove"') == 1
    assert f'action="{reverse("customers:remove", args=[typo.vip_id])}"' in page
    assert 'data-confirm="Remove Typo Organisaton? The invitation link stops working.' in page

    back = "filter=no_products&sort=-name&mine=on"
    response = member_client.post(reverse("customers:remove", args=[typo.vip_id]), {"back": back})
    assert response.status_code == 302 and response.url == reverse("customers:list") + "?" + back
    typo.refresh_from_db()
    assert typo.removed_at is not None
    # Removed already (a double click): the same view, with a message, never an error page.
    again = member_client.post(reverse("customers:remove", args=[typo.vip_id]), {"back": back})
    assert again.status_code == 302 and again.url.startswith(reverse("customers:list"))


def test_viewers_see_no_trash_can(triad):
    CustomerFactory(managed_by=triad.member_a, name="Typo Organisaton")
    page = triad.client_for(triad.viewer_a).get(reverse("customers:list")).content.decode()
    assert "row-remove" not in page


def test_a_hostile_back_parameter_stays_on_the_customer_list(triad, member_client):
    typo = CustomerFactory(managed_by=triad.member_a)
    response = member_client.post(
        reverse("customers:remove", args=[typo.vip_id]), {"back": "//evil.example/\r\nLocation: x&filter=\x00"}
    )
    assert response.status_code == 302 and response.url.startswith(reverse("customers:list") + "?")
    assert "\n" not in response.url and "evil.example/" not in response.url.split("?")[0]


def test_the_cards_on_a_phone_can_be_sorted_without_the_table_headers(triad, member_client):
    CustomerFactory(managed_by=triad.member_a, name="Alpha Org")
    CustomerFactory(managed_by=triad.member_a, name="Omega Org")
    response = member_client.get(reverse("customers:list"), {"sort": "-name", "filter": "all", "sort_x": "1"})
    page = response.content.decode()
    form = page[page.index('class="d-flex d-md-none align-items-center gap-2 mb-2 card-sort"') :]
    form = form[: form.index("</form>")]
    assert '<option value="-name" selected>Organization, descending</option>' in form
    assert '<option value="anniversary">Anniversary Date, ascending</option>' in form
    assert '<input type="hidden" name="filter" value="all">' in form
    assert _names(response) == ["Omega Org", "Alpha Org"]
