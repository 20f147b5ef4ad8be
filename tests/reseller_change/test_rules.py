"""SPEC §8 by rule: RC-1…RC-9 through the console and portal pages and the services."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from console.audit.models import AuditEvent
from console.outbox.models import OutboxMessage
from console.periodic import periodic_run
from customers.models import Customer
from renewals.models import AutoRenewal
from reseller_change import services
from reseller_change.models import (
    CODE_ALPHABET,
    CodeState,
    CustomerTransfer,
    ResellerChangeCode,
    ResellerChangeFailure,
    code_hash,
    new_code,
)
from reseller_change.views import neutral_answer
from tests.factories import (
    AutoRenewalFactory,
    LicencePoolFactory,
    MembershipFactory,
    OrderFactory,
    PurchaseAuthorizationFactory,
    ResellerChangeCodeFactory,
    ResellerFactory,
    ThreeYearCommitFactory,
)
from tests.parallel import messages_of
from tests.reseller_change.conftest import code_from_outbox

pytestmark = pytest.mark.unscoped


# ---- RC-1: VIP ID + admin email → the same neutral answer for right and wrong pairs ----------------


def _masked(html: str, *values: str) -> str:
    for value in values:
        html = html.replace(value, "…")
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r"\d{1,2}/\d{1,2}/\d{2,4}[^<]*", "<time>", html)


def test_rc1_right_and_wrong_pairs_get_the_same_answer_and_the_same_page(takeover):
    right = takeover.send()
    wrong_email = takeover.send(email="nobody@harbor.example")
    wrong_vip = takeover.send(vip_id="ABCDEF0123456789ABCD")
    for response in (right, wrong_email, wrong_vip):
        assert response.status_code == 302
        assert response.url == reverse("reseller_change:codes")
        assert response.content == right.content
        assert messages_of(response) == [neutral_answer()]
    # the list shows each attempt alike: pending, nothing that tells the right one apart
    codes = list(ResellerChangeCode.objects.order_by("pk"))
    assert [c.state for c in codes] == ["pending"] * 3
    page = takeover.triad.client_for(takeover.triad.member_b).get(reverse("reseller_change:codes")).content.decode()
    rows = re.findall(r"<tr>.*?</tr>", page, re.S)[1:]
    assert len(rows) == 3
    values = (takeover.customer.vip_id, "ABCDEF0123456789ABCD", takeover.owner.email, "nobody@harbor.example")
    assert len({_masked(row, *values) for row in rows}) == 1
    # only the right pair emailed anyone
    assert set(OutboxMessage.objects.values_list("to_email", flat=True)) == {
        takeover.owner.email,
        takeover.second_admin.email,
    }


def test_rc1_the_admin_email_and_vip_id_match_whatever_their_case(takeover):
    takeover.send(vip_id=takeover.customer.vip_id.lower(), email=takeover.owner.email.upper())
    assert ResellerChangeCode.objects.get().customer == takeover.customer


def test_rc1_a_customer_of_ones_own_is_a_pair_without_a_code(takeover):
    takeover.send(client=takeover.triad.client_for(takeover.triad.member_a))
    row = ResellerChangeCode.objects.get()
    assert row.customer is None and row.code_hash == ""
    assert not OutboxMessage.objects.exists()


def test_rc1_the_send_is_audited_in_the_senders_log(takeover):
    takeover.send()
    event = AuditEvent.objects.get(action="reseller_change.code_sent")
    assert event.reseller == takeover.triad.reseller_b
    assert event.actor == takeover.triad.member_b.user


# ---- RC-2: a code to all system admins, in their language, stored only as a hash --------------------


def test_rc2_every_system_admin_gets_the_same_code_in_their_language_and_only_the_hash_is_stored(takeover):
    takeover.send()
    code = code_from_outbox(takeover.owner.email)
    assert code_from_outbox(takeover.second_admin.email) == code
    assert len(code) == 8 and set(code) <= set(CODE_ALPHABET)
    messages = {m.to_email: m for m in OutboxMessage.objects.filter(template="reseller_change_code")}
    assert messages[takeover.second_admin.email].language == "de"
    assert messages[takeover.owner.email].language == "en"
    body = messages[takeover.owner.email].body_text
    assert "Change reseller" in body and takeover.triad.reseller_b.name in body
    assert reverse("portal:reseller_change", args=[takeover.customer.vip_id]) in body
    row = ResellerChangeCode.objects.get()
    assert row.code_hash == code_hash(code)
    assert code not in str(list(ResellerChangeCode.objects.values_list()))


def test_rc2_codes_come_from_the_unambiguous_alphabet():
    assert not set("0O1I") & set(CODE_ALPHABET)
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    assert set("".join(codes)) == set(CODE_ALPHABET)


# ---- RC-3: 72 hours, once, by any system admin; a new one after expiry ------------------------------


def test_rc3_a_code_works_until_72_hours_and_not_a_second_later(takeover):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        takeover.send()
        code = code_from_outbox(takeover.owner.email)
        traveller.shift(timedelta(hours=72) - timedelta(seconds=1))
        response = takeover.enter(code)
        assert "reseller-change-preview" in response.content.decode()
        traveller.shift(timedelta(seconds=1))
        response = takeover.enter(code)
        assert "This code has expired" in response.content.decode()
        assert "reseller-change-preview" not in response.content.decode()


def test_rc3_the_lifetime_is_a_policy(takeover, settings):
    settings.VIP_POLICY = {**settings.VIP_POLICY, "RESELLER_CHANGE_CODE_HOURS": 2}
    takeover.send()
    row = ResellerChangeCode.objects.get()
    assert row.expires_at - row.sent_at == timedelta(hours=2)


def test_rc3_any_system_admin_may_use_the_code_and_it_works_once(takeover):
    takeover.send()
    code = code_from_outbox(takeover.owner.email)
    response = takeover.enter(code, user=takeover.second_admin, confirm=True)
    assert response.status_code == 302
    again = takeover.enter(code, confirm=True)
    assert "This code has been used already" in again.content.decode()
    assert CustomerTransfer.objects.count() == 1


def test_rc3_after_expiry_the_reseller_can_send_a_new_code_that_works(takeover):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        takeover.send()
        old = code_from_outbox(takeover.owner.email)
        traveller.shift(timedelta(hours=73))
        takeover.send()
        new = code_from_outbox(takeover.owner.email)
        assert "expired" in takeover.enter(old).content.decode()
        assert takeover.enter(new, confirm=True).status_code == 302


# ---- RC-4: five a day per reseller, wrong pairs included, days in TIME_ZONE ---------------------------


def test_rc4_five_codes_a_day_wrong_pairs_included(takeover):
    for index in range(4):
        takeover.send(email=f"wrong{index}@harbor.example")
    assert takeover.send().status_code == 302
    sixth = takeover.send()
    assert sixth.status_code == 200
    assert "the most allowed" in sixth.content.decode()
    assert ResellerChangeCode.objects.count() == 5
    assert services.codes_left_today(reseller=takeover.triad.reseller_b) == 0
    page = takeover.triad.client_for(takeover.triad.member_b).get(reverse("reseller_change:codes"))
    assert 'data-codes-left="0"' in page.content.decode()


@override_settings(TIME_ZONE="Europe/Kyiv")
def test_rc4_the_day_turns_at_midnight_in_time_zone_not_utc(takeover):
    # 21:59 UTC is 23:59 in Kyiv (winter): the day is full; 22:00 UTC is the next day there.
    with time_machine.travel(datetime(2026, 1, 10, 21, 59, tzinfo=UTC), tick=False) as traveller:
        for _ in range(5):
            takeover.send(email="wrong@harbor.example")
        assert "the most allowed" in takeover.send().content.decode()
        traveller.move_to(datetime(2026, 1, 10, 22, 0, tzinfo=UTC))
        assert takeover.send().status_code == 302
        assert services.codes_left_today(reseller=takeover.triad.reseller_b) == 4
    days = sorted(set(ResellerChangeCode.objects.values_list("sent_on", flat=True)))
    assert [d.isoformat() for d in days] == ["2026-01-10", "2026-01-11"]


def test_rc4_the_limit_is_per_reseller(takeover):
    for _ in range(5):
        takeover.send(email="wrong@harbor.example")
    other = MembershipFactory(reseller=ResellerFactory())
    assert takeover.send(client=takeover.triad.client_for(other)).status_code == 302


def test_rc4_the_database_refuses_a_sixth_slot(takeover):
    from django.db import IntegrityError, transaction

    first = ResellerChangeCodeFactory(sent_by=takeover.triad.member_b, slot=1, customer=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        ResellerChangeCodeFactory(sent_by=takeover.triad.member_b, slot=1, sent_on=first.sent_on, customer=None)


# ---- RC-5: one transaction moves the customer ---------------------------------------------------


def test_rc5_confirming_moves_the_customer_with_everything_and_tells_everyone(takeover):
    triad = takeover.triad
    customer = takeover.customer
    commit = ThreeYearCommitFactory(customer=customer)
    AutoRenewalFactory(customer=customer)
    pool = LicencePoolFactory(customer=customer, fulfilled=12, assigned=7)
    order = OrderFactory(customer=customer)
    other_code = ResellerChangeCodeFactory(customer=customer, plain="WXYZ2345")
    takeover.send()
    code = code_from_outbox(takeover.owner.email)
    OutboxMessage.objects.all().delete()

    response = takeover.enter(code, confirm=True)

    assert response.status_code == 302
    assert response.url == reverse("portal:organization", args=[customer.vip_id])
    assert messages_of(response) == [f"Harbor Studio has moved to {triad.reseller_b.name}."]
    customer.refresh_from_db()
    assert customer.reseller == triad.reseller_b
    assert customer.managed_by == triad.member_b
    commit.refresh_from_db()
    assert commit.reseller == triad.reseller_b
    assert AutoRenewal.objects.get(customer=customer).reseller == triad.reseller_b
    pool.refresh_from_db()
    assert (pool.fulfilled, pool.assigned) == (12, 7)
    order.refresh_from_db()
    assert order.reseller == triad.reseller_a  # orders stay with the reseller that placed them
    other_code.refresh_from_db()
    assert other_code.state == CodeState.INVALIDATED
    assert ResellerChangeCode.objects.get(reseller=triad.reseller_b).state == CodeState.USED
    transfer = CustomerTransfer.objects.get()
    assert (transfer.from_reseller, transfer.to_reseller, transfer.confirmed_by) == (
        triad.reseller_a,
        triad.reseller_b,
        takeover.owner,
    )
    assert AuditEvent.objects.get(action="reseller_change.transfer_away").reseller == triad.reseller_a
    assert AuditEvent.objects.get(action="reseller_change.transfer_in").reseller == triad.reseller_b
    assert AuditEvent.objects.get(action="reseller_change.code_invalidated").reseller == other_code.reseller
    sent = {(m.to_email, m.language) for m in OutboxMessage.objects.filter(template="reseller_change_completed")}
    assert sent == {
        (takeover.owner.email, "en"),
        (takeover.second_admin.email, "de"),
        (triad.member_a.user.email, "en"),  # managed it at A
        (triad.primary_a.user.email, "en"),
        (triad.member_b.user.email, "en"),  # manages it at B now
        (takeover.primary_b.user.email, "en"),
    }
    old = OutboxMessage.objects.get(template="reseller_change_completed", to_email=triad.member_a.user.email)
    assert triad.reseller_b.name not in old.body_text  # the old reseller is not told where it went


def test_rc5_managed_by_falls_back_to_the_primary_admin_when_the_sender_left(takeover):
    takeover.send()
    code = code_from_outbox(takeover.owner.email)
    takeover.triad.member_b.status = "removed"
    takeover.triad.member_b.save()
    takeover.enter(code, confirm=True)
    takeover.customer.refresh_from_db()
    assert takeover.customer.managed_by == takeover.primary_b


# ---- RC-6: expiry by the job; failed attempts limited per admin -------------------------------------


def test_rc6_the_job_marks_expired_codes_set_based_and_idempotently(takeover, django_assert_max_num_queries):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        for index in range(3):
            ResellerChangeCodeFactory(customer=takeover.customer, plain=f"ABCD234{index + 5}")
        ResellerChangeCodeFactory(customer=None, sent_by=takeover.triad.member_b)
        traveller.shift(timedelta(hours=72))
        with django_assert_max_num_queries(6):
            assert services.codes_expire(on=timezone.localdate()) == {"expired": 4}
        assert services.codes_expire(on=timezone.localdate()) == {"expired": 0}
        assert periodic_run(on=timezone.localdate())["reseller_change_codes"] == {"expired": 0}
    assert set(ResellerChangeCode.objects.values_list("state", flat=True)) == {"expired"}
    assert AuditEvent.objects.filter(action="reseller_change.code_expired").count() == 4


def test_rc6_the_job_leaves_codes_within_their_hours(takeover):
    ResellerChangeCodeFactory(customer=takeover.customer)
    assert services.codes_expire(on=timezone.localdate()) == {"expired": 0}
    assert ResellerChangeCode.objects.get().state == CodeState.PENDING


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (None, "This code is not right"),
        ("expired", "This code has expired"),
        ("used", "This code has been used already"),
        ("invalidated", "This code no longer works"),
    ],
)
def test_rc6_unknown_expired_used_and_invalidated_codes_get_a_clear_message(takeover, state, message):
    if state:
        ResellerChangeCodeFactory(customer=takeover.customer, plain="ABCD2345", state=state)
    response = takeover.enter("abcd-2345")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ResellerChangeFailure.objects.get().user == takeover.owner


def test_rc6_five_failures_an_hour_per_admin_then_even_a_right_code_waits(takeover):
    ResellerChangeCodeFactory(customer=takeover.customer, plain="ABCD2345")
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        ResellerChangeCodeFactory(customer=takeover.customer, plain="GQQD2345")
        for _ in range(5):
            assert "not right" in takeover.enter("WRNG2345").content.decode()
        blocked = takeover.enter("GQQD2345").content.decode()
        assert "Too many wrong codes. Try again after" in blocked
        assert "reseller-change-preview" not in blocked
        # another admin of the same customer has attempts of their own
        assert "reseller-change-preview" in takeover.enter("GQQD2345", user=takeover.second_admin).content.decode()
        traveller.shift(timedelta(hours=1, seconds=1))
        assert "reseller-change-preview" in takeover.enter("GQQD2345").content.decode()
    assert ResellerChangeFailure.objects.count() == 5


# ---- RC-7: the preview and the refusals -------------------------------------------------------------


def test_rc7_the_preview_names_the_new_reseller_and_what_carries_over(takeover):
    takeover.customer.vip_select_level = "02"
    takeover.customer.anniversary_date = datetime(2027, 5, 17, tzinfo=UTC).date()
    takeover.customer.save()
    ThreeYearCommitFactory(customer=takeover.customer, committed_quantity=25)
    LicencePoolFactory(customer=takeover.customer, fulfilled=30, assigned=20)
    OrderFactory(customer=takeover.customer)
    takeover.send()
    page = takeover.enter(code_from_outbox(takeover.owner.email)).content.decode()
    reseller_b = takeover.triad.reseller_b
    assert reseller_b.name in page and reseller_b.reseller_id in page
    for shown in ("30 licences, 20 assigned", "1 order placed so far", "17 May 2027", "02", "25 licences"):
        assert shown in page
    assert "Move to" in page
    assert Customer.objects.get().reseller == takeover.triad.reseller_a  # a preview changes nothing


@pytest.mark.parametrize("reason", ["unpaid", "segment", "same"])
def test_rc7_the_change_is_refused_with_the_reason(takeover, reason):
    triad = takeover.triad
    sender = triad.member_b
    if reason == "unpaid":
        pa = PurchaseAuthorizationFactory(customer=takeover.customer)
        expected = f"Purchase authorization {pa.number} is not paid yet"
    elif reason == "segment":
        triad.reseller_b.segments = ["EDU"]
        triad.reseller_b.save()
        expected = "does not sell in the Commercial market segment"
    else:
        sender = triad.member_a
        expected = "is already your reseller"
    ResellerChangeCodeFactory(customer=takeover.customer, sent_by=sender, plain="ABCD2345")
    preview = takeover.enter("ABCD2345").content.decode()
    assert expected in preview
    assert "Move to" not in preview
    confirm = takeover.enter("ABCD2345", confirm=True)
    assert confirm.status_code == 200
    assert expected in confirm.content.decode()
    assert Customer.objects.get().reseller == triad.reseller_a
    assert not ResellerChangeFailure.objects.exists()  # a refusal is not a wrong code


# ---- RC-8: the list of sent codes ------------------------------------------------------------------


def test_rc8_the_list_shows_each_code_with_its_state_and_the_codes_left(takeover):
    triad = takeover.triad
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        ResellerChangeCodeFactory(sent_by=triad.member_b, customer=None, admin_email="x@old.example", slot=1)
        traveller.shift(timedelta(hours=80))  # expired, not yet marked by the job
        ResellerChangeCodeFactory(sent_by=triad.member_b, customer=takeover.customer, state="used", slot=1)
        ResellerChangeCodeFactory(sent_by=triad.member_b, customer=takeover.customer, state="invalidated", slot=2)
        ResellerChangeCodeFactory(sent_by=triad.member_b, customer=takeover.customer, slot=3)
        page = triad.client_for(triad.member_b).get(reverse("reseller_change:codes")).content.decode()
    for text in ("Expired", "Used", "Invalidated", "Pending", "x@old.example", triad.member_b.user.email):
        assert text in page
    assert "2 of 5 codes left today." in page


def test_rc8_a_viewer_sees_the_list_but_no_form(triad):
    page = triad.client_for(triad.viewer_a).get(reverse("reseller_change:codes")).content.decode()
    assert "code-send-form" not in page
    assert "No codes sent yet." in page


def test_rc8_other_resellers_codes_are_not_listed(takeover):
    ResellerChangeCodeFactory(customer=takeover.customer, admin_email="secret@other.example")
    page = takeover.triad.client_for(takeover.triad.member_b).get(reverse("reseller_change:codes")).content.decode()
    assert "secret@other.example" not in page


# ---- RC-9: Transferred away -------------------------------------------------------------------------


def test_rc9_the_old_reseller_sees_the_customer_only_under_transferred_away_with_its_orders(takeover):
    triad = takeover.triad
    old_order = OrderFactory(customer=takeover.customer)
    takeover.send()
    takeover.enter(code_from_outbox(takeover.owner.email), confirm=True)
    new_order = OrderFactory(customer=takeover.customer, reseller=triad.reseller_b, created_by=triad.member_b.user)
    client_a = triad.client_for(triad.member_a)
    away = client_a.get(reverse("reseller_change:transferred")).content.decode()
    assert "Harbor Studio" in away and old_order.number in away and new_order.number not in away
    assert "Harbor Studio" not in client_a.get(reverse("customers:list")).content.decode()
    assert client_a.get(reverse("customers:detail", args=[takeover.customer.vip_id])).status_code == 404
    client_b = triad.client_for(triad.member_b)
    assert "Harbor Studio" in client_b.get(reverse("customers:list")).content.decode()
    assert "Harbor Studio" not in client_b.get(reverse("reseller_change:transferred")).content.decode()


def test_rc9_a_customer_that_came_back_is_not_listed_as_transferred_away(takeover):
    from tests.factories import CustomerTransferFactory

    CustomerTransferFactory(
        code__customer=takeover.customer, code__sent_by=takeover.triad.member_b, from_reseller=takeover.triad.reseller_a
    )
    page = takeover.triad.client_for(takeover.triad.member_a).get(reverse("reseller_change:transferred"))
    assert "Harbor Studio" not in page.content.decode()  # it is still (again) A's customer
    assert "No customer has moved to another reseller." in page.content.decode()


def test_the_customers_page_offers_the_reseller_change_and_transferred_away(triad):
    page = triad.client_for(triad.member_a).get(reverse("customers:list")).content.decode()
    assert f'href="{reverse("reseller_change:codes")}"' in page
    assert "Reseller Change for Customer" in page
    assert f'href="{reverse("reseller_change:transferred")}"' in page
