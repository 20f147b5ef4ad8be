"""NF-2 for the reseller change's forms and parameters: the console's *Send email* form (VIP ID, admin
email), the lists' ?page=, and the portal's code form with its confirm flag. Bad input gets a clear
message on the page and never a 500; nothing is stored (no code, no slot used, no failed attempt)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reseller_change.models import CustomerTransfer, ResellerChangeCode, ResellerChangeFailure
from tests.factories import ResellerChangeCodeFactory

pytestmark = pytest.mark.unscoped

SCRIPT = "<script>alert(1)</script>"
SQL = "' OR 1=1 --"
VIP_FORMAT = "A VIP ID is 20 characters, 0–9 and A–F."
CODE_FORMAT = "A code is 8 letters and digits, as in the email (it has no 0, O, 1 or I)."

BAD_VIP_IDS = [
    ("", "This field is required."),
    ("A" * 25, "This can have at most 24 characters"),
    ("ABCDEF0123456789ABC", VIP_FORMAT),  # 19
    ("GHIJKL0123456789ABCD", VIP_FORMAT),
    ("ABCDEF01234\x0056789ABCD", "Null characters are not allowed."),
    ("ABCDEF0123\r\n456789ABCD", "Enter this on one line"),
    ("ABCDEF0123\u202e456789ABC", "Remove control or text-direction characters"),
    ("ABCDEF0123\ufffd456789ABC", "could not be read"),
    (SCRIPT, "This can have at most 24 characters"),
    ("<b>ABCDEF0123456789</b>", VIP_FORMAT),
    (SQL, VIP_FORMAT),
    ("ＡＢＣＤＥＦ０１２３４５６７８９ＡＢＣＤ", VIP_FORMAT),  # full-width look-alikes
]
BAD_EMAILS = [
    ("", "This field is required."),
    ("not-an-email", "Enter a valid email address."),
    ("a" * 240 + "@x.example", "This can have at most 240 characters"),
    ("admin@x.example\r\nBcc: all@x.example", "Enter a valid email address."),
    ("admin\x00@x.example", "Null characters are not allowed."),
    (SCRIPT, "Enter a valid email address."),
    (SQL, "Enter a valid email address."),
]


@pytest.mark.parametrize(("vip_id", "message"), BAD_VIP_IDS)
def test_bad_vip_ids_get_a_message_and_use_no_slot(takeover, vip_id, message):
    response = takeover.send(vip_id=vip_id) if vip_id else _post_send(takeover, {"admin_email": "a@x.example"})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert SCRIPT not in response.content.decode()
    assert not ResellerChangeCode.objects.exists()


@pytest.mark.parametrize(("email", "message"), BAD_EMAILS)
def test_bad_admin_emails_get_a_message_and_use_no_slot(takeover, email, message):
    response = _post_send(takeover, {"vip_id": takeover.customer.vip_id, "admin_email": email})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert SCRIPT not in response.content.decode()
    assert not ResellerChangeCode.objects.exists()


def _post_send(takeover, data):
    return takeover.triad.client_for(takeover.triad.member_b).post(reverse("reseller_change:codes"), data)


def test_a_vip_id_with_spaces_and_lower_case_is_read_as_typed(takeover):
    vip = takeover.customer.vip_id
    takeover.send(vip_id=f"  {vip[:10].lower()} {vip[10:]} ")
    assert ResellerChangeCode.objects.get().customer == takeover.customer


def test_invalid_utf8_and_unknown_fields_never_crash_the_send_form(takeover):
    client = takeover.triad.client_for(takeover.triad.member_b)
    response = client.post(
        reverse("reseller_change:codes"),
        b"vip_id=%ff%fe&admin_email=%c0%af%40x.example&extra=%00",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not ResellerChangeCode.objects.exists()


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999999999999999999", "%00", "%ff", "1.5", "2"])
@pytest.mark.parametrize("name", ["reseller_change:codes", "reseller_change:transferred"])
def test_any_page_parameter_shows_a_page(takeover, name, page):
    ResellerChangeCodeFactory(sent_by=takeover.triad.member_b, customer=None)
    response = takeover.triad.client_for(takeover.triad.member_b).get(f"{reverse(name)}?page={page}&page=x")
    assert response.status_code == 200


BAD_CODES = [
    ("", "This field is required."),
    ("ABCD", CODE_FORMAT),
    ("A" * 21, "This can have at most 20 characters"),
    ("ABCD0O1I", CODE_FORMAT),
    ("ABCD\x002345", "Null characters are not allowed."),
    ("ABCD\r\n2345", "Enter this on one line"),
    ("ABCD\u202e2345", "Remove control or text-direction characters"),
    ("ABCD\ufffd2345", "could not be read"),
    (SCRIPT, "This can have at most 20 characters"),
    ("<b>AB</b>", CODE_FORMAT),
    (SQL, CODE_FORMAT),
    ("ＡＢＣＤ２３４５", CODE_FORMAT),
]


@pytest.mark.parametrize("confirm", [False, True])
@pytest.mark.parametrize(("code", "message"), BAD_CODES)
def test_bad_codes_get_a_message_and_count_as_no_attempt(takeover, code, message, confirm):
    ResellerChangeCodeFactory(customer=takeover.customer, sent_by=takeover.triad.member_b, plain="ABCD2345")
    response = takeover.enter(code, confirm=confirm)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert SCRIPT not in response.content.decode()
    assert not ResellerChangeFailure.objects.exists()
    assert not CustomerTransfer.objects.exists()


@pytest.mark.parametrize("confirm", ["0", "yes", "", "\x00", SCRIPT])
def test_anything_but_confirm_1_only_previews(takeover, confirm):
    ResellerChangeCodeFactory(customer=takeover.customer, sent_by=takeover.triad.member_b, plain="ABCD2345")
    client = takeover.client_of(takeover.owner)
    url = reverse("portal:reseller_change", args=[takeover.customer.vip_id])
    response = client.post(url, {"code": "abcd 2345", "confirm": confirm})
    assert response.status_code == 200
    assert "reseller-change-preview" in response.content.decode()
    assert not CustomerTransfer.objects.exists()


def test_invalid_utf8_never_crashes_the_portal_form(takeover):
    client = takeover.client_of(takeover.owner)
    url = reverse("portal:reseller_change", args=[takeover.customer.vip_id])
    response = client.post(url, b"code=%ff%fe%00&confirm=%c0", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert not ResellerChangeFailure.objects.exists()


def test_output_is_escaped(takeover):
    """What a member typed is shown back escaped in the list (and only valid pairs reach the list)."""
    ResellerChangeCodeFactory(sent_by=takeover.triad.member_b, customer=None, admin_email=f"x{SCRIPT}@x.example")
    page = takeover.triad.client_for(takeover.triad.member_b).get(reverse("reseller_change:codes")).content.decode()
    assert SCRIPT not in page and "&lt;script&gt;" in page
