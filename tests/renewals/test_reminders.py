"""REN-1, REN-6, REN-9, MAIL-3: the renewal emails of the periodic job on their boundary days — the
managing member's digest at AD−45, the customer admins' reminders at AD−30, on the AD and 7 days before
the licences left in grace are removed, the auto-renewal notice 7 days before — each once per term
(run twice: nothing more), in the recipient's language, with a number of statements that does not
grow with the customers (JOB-2, JOB-3)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from console.audit.models import AuditEvent
from console.outbox.models import OutboxMessage
from console.outbox.rendering import message_render
from console.periodic import periodic_run, periodic_steps
from customers.figures import customer_figures_refresh
from customers.models import Customer, ThreeYearCommitStatus
from purchase_auth.models import Price, Product
from renewals import selectors
from renewals.models import AutoRenewal, AutoRenewalLine
from renewals.reminders import due_since, renewal_reminders
from tests.factories import (
    AutoRenewalFactory,
    CustomerAdminFactory,
    CustomerFactory,
    LicencePoolFactory,
    PeriodicRunFactory,
    ProductFactory,
    ThreeYearCommitFactory,
)

AD = date(2027, 5, 20)


@pytest.fixture
def suite(db) -> Product:
    return ProductFactory(name="Design Suite")  # 120.00 at level 01, 108.00 at 02, 96.00 at 03, 84.00 at 04


def renewing(membership, product: Product, quantity: int = 20, admins: int = 1, **fields) -> Customer:
    customer = CustomerFactory(managed_by=membership, anniversary_date=fields.pop("anniversary_date", AD), **fields)
    LicencePoolFactory(customer=customer, product=product, fulfilled=quantity)
    for _ in range(admins):
        CustomerAdminFactory(customer=customer)
    return customer


def mails(template: str | None = None) -> list[OutboxMessage]:
    """The queued messages, rendered as the sender renders them (the job stores their context)."""
    messages = OutboxMessage.objects.order_by("to_email", "dedupe_key")
    rendered = list(messages.filter(template=template) if template else messages)
    for message in rendered:
        message_render(message)
    return rendered


def test_the_step_is_registered_after_the_auto_renewals():
    names = [step.name for step in periodic_steps()]
    assert names.index("renewal_reminders") > names.index("auto_renewals") > names.index("licence_expiry")


@pytest.mark.parametrize(("days_before", "sent"), [(46, False), (45, True), (44, False)])
def test_rem1_the_digest_goes_out_on_the_day_the_customers_enter_the_window(triad, suite, days_before, sent):
    first = renewing(triad.member_a, suite, name="Zeta Org")
    second = renewing(triad.member_a, suite, name="Alpha Org")
    renewing(triad.admin_a, suite, name="Someone Else's Org")
    renewal_reminders(on=AD - timedelta(days=days_before))
    digests = [m for m in mails("renewal_digest") if m.to_email == triad.member_a.user.email]
    assert len(digests) == (1 if sent else 0)
    if sent:
        (digest,) = digests
        assert digest.subject == "2 customers renew on 20 May 2027"
        assert digest.body_text.index("Alpha Org") < digest.body_text.index("Zeta Org")
        assert first.vip_id in digest.body_html and second.vip_id in digest.body_html
        assert "Someone Else" not in digest.body_text
        assert digest.dedupe_key == f"renewal-digest-{triad.member_a.pk}-{(AD - timedelta(days=45)).isoformat()}"
        assert len(mails("renewal_digest")) == 2  # one per managing member


@pytest.mark.parametrize(
    ("days_from_ad", "kind"),
    [(-31, None), (-30, "window"), (-29, None), (-1, None), (0, "ad"), (1, None), (23, None), (24, "removal")],
)
def test_rem6_customer_admins_are_reminded_on_their_days(triad, suite, days_from_ad, kind):
    customer = renewing(triad.member_a, suite, admins=2)
    AutoRenewalFactory(customer=customer)  # no auto-renewal notice in the way
    renewal_reminders(on=AD + timedelta(days=days_from_ad))
    sent = mails("renewal_reminder")
    if kind is None:
        assert sent == []
        return
    admins = sorted(customer.admins.select_related("user"), key=lambda a: a.user.email)
    assert [m.to_email for m in sent] == [a.user.email for a in admins]
    keys = {f"renewal-{kind}-{customer.pk}-{AD.isoformat()}-{admin.user_id}" for admin in admins}
    assert {m.dedupe_key for m in sent} == keys
    assert customer.name in sent[0].subject and "20 licences" in sent[0].body_text


def test_rem6_the_removal_reminder_reaches_a_partially_renewed_customer(triad, suite):
    customer = renewing(triad.member_a, suite, quantity=12)
    Customer.objects.filter(pk=customer.pk).update(
        anniversary_date=AD + relativedelta(months=12), renewed_ad=AD, renewal_shortfall=8
    )
    customer.licence_pools.update(grace=8)
    customer_figures_refresh([customer.pk])  # what renewal_apply stores with the pools it changes
    renewal_reminders(on=AD + timedelta(days=23))
    assert mails("renewal_reminder") == []
    renewal_reminders(on=AD + timedelta(days=24))
    (reminder,) = mails("renewal_reminder")
    assert reminder.dedupe_key.startswith(f"renewal-removal-{customer.pk}-{AD.isoformat()}-")
    assert "8 licences" in reminder.body_text and "20 Jun 2027" in reminder.body_text


def test_rem6_a_renewed_customer_gets_no_reminder(triad, suite):
    customer = renewing(triad.member_a, suite)
    Customer.objects.filter(pk=customer.pk).update(anniversary_date=AD + relativedelta(months=12), renewed_ad=AD)
    for day in (AD, AD + timedelta(days=24)):
        renewal_reminders(on=day)
    assert mails("renewal_reminder") == []


@pytest.mark.parametrize(("days_before", "sent"), [(8, False), (7, True), (6, False)])
def test_rem9_the_auto_renewal_notice_goes_out_7_days_before(triad, suite, days_before, sent):
    photo = ProductFactory(name="Photo Studio")
    customer = renewing(triad.member_a, suite, quantity=40)
    LicencePoolFactory(customer=customer, product=photo, fulfilled=15)
    settings = AutoRenewal.objects.create(
        reseller=triad.reseller_a, customer=customer, updated_at=timezone.now(), updated_by=triad.member_a.user
    )
    AutoRenewalLine.objects.create(auto_renewal=settings, product=suite, quantity=50)  # 65 in all: level 03
    renewing(triad.member_a, suite, name="Turned Off Org")
    AutoRenewalFactory(customer=Customer.objects.get(name="Turned Off Org"))
    renewal_reminders(on=AD - timedelta(days=days_before))
    notices = mails("auto_renewal_notice")
    assert len(notices) == (1 if sent else 0)
    if sent:
        (notice,) = notices
        assert notice.subject == f"{customer.name}: your subscriptions are about to renew on 20 May 2027"
        assert "50 × Design Suite: 96.00 USD per year = 4,800.00 USD" in notice.body_text
        assert "15 × Photo Studio: 96.00 USD per year = 1,440.00 USD" in notice.body_text
        assert "Estimated total: 6,240.00 USD (discount level 03)" in notice.body_text
        assert "before 17 May 2027" in notice.body_text  # editable until AD−3 (policy)
        assert notice.dedupe_key.startswith(f"renewal-auto-{customer.pk}-{AD.isoformat()}-")


def test_running_the_job_twice_sends_nothing_twice(triad, suite):
    renewing(triad.member_a, suite, anniversary_date=AD)  # AD−45 on the day below
    renewing(triad.member_a, suite, anniversary_date=AD - timedelta(days=15))  # AD−30
    renewing(triad.member_a, suite, anniversary_date=AD - timedelta(days=38))  # AD−7: auto-renewal notice
    renewing(triad.member_a, suite, anniversary_date=AD - timedelta(days=45))  # on the AD
    renewing(triad.member_a, suite, anniversary_date=AD - timedelta(days=69))  # AD+24
    day = AD - timedelta(days=45)
    assert renewal_reminders(on=day) == {"digests": 1, "reminders": 3, "auto_renewal_notices": 1}
    assert OutboxMessage.objects.count() == 5
    assert renewal_reminders(on=day) == {"digests": 0, "reminders": 0, "auto_renewal_notices": 0}
    assert OutboxMessage.objects.count() == 5
    # The same term on a later day: nothing either.
    renewal_reminders(on=day + timedelta(days=1))
    assert OutboxMessage.objects.filter(template="renewal_reminder").count() == 3


def test_each_email_is_in_the_recipients_language(triad, suite):
    member = triad.member_a
    member.user.language = "uk"
    member.user.save()
    customer = renewing(triad.admin_a, suite, language="uk", anniversary_date=AD)
    english = renewing(triad.admin_a, suite, anniversary_date=AD)
    renewing(member, suite, anniversary_date=AD + timedelta(days=15))
    renewal_reminders(on=AD - timedelta(days=30))
    by_customer = {m.body_text.count(customer.name) > 0: m for m in mails("renewal_reminder")}
    assert by_customer[True].language == "uk" and customer.name in by_customer[True].subject
    assert by_customer[False].language == "en" and english.name in by_customer[False].subject
    (digest,) = mails("renewal_digest")
    assert digest.to_email == member.user.email and digest.language == "uk"
    assert '<html lang="uk">' in digest.body_html and "customers/" in digest.body_text


def test_plain_text_subjects_are_not_html_escaped(triad, suite):
    renewing(triad.member_a, suite, name='O\'Brien & "Sons"', anniversary_date=AD)
    renewal_reminders(on=AD - timedelta(days=30))
    (reminder,) = mails("renewal_reminder")
    assert reminder.subject == 'O\'Brien & "Sons": your subscriptions renew on 20 May 2027'
    assert "O&#x27;Brien &amp; &quot;Sons&quot;" in reminder.body_html


def _every_kind(triad, suite, count: int) -> None:
    for index in range(count):
        member = triad.member_a if index % 2 else triad.admin_a
        for days in (45, 30, 7, 0, -24):
            renewing(member, suite, quantity=1 + index, anniversary_date=AD + timedelta(days=days))


def test_the_statements_do_not_grow_with_the_customers(triad, suite):
    _every_kind(triad, suite, 3)
    with CaptureQueriesContext(connection) as few:
        renewal_reminders(on=AD)
    sent = OutboxMessage.objects.count()
    _every_kind(triad, suite, 27)
    with CaptureQueriesContext(connection) as many:
        renewal_reminders(on=AD)
    # Two digests (two managing members) the first time; none the second: one per member and day.
    assert (sent, OutboxMessage.objects.count() - sent) == (4 * 3 + 2, 4 * 27)
    assert len(many) == len(few)


def test_the_bulk_auto_renewal_quotes_equal_renewal_quote(triad, suite):
    photo, flat = ProductFactory(name="Photo"), ProductFactory(name="Flat", prices=False)
    Price.objects.create(product=flat, segment="COM", level="01", unit_price=Decimal("33.33"))
    consumable = ProductFactory(name="Stock", is_consumable=True)
    plain = renewing(triad.member_a, suite, quantity=9)
    LicencePoolFactory(customer=plain, product=consumable, fulfilled=5)
    changed = renewing(triad.member_a, suite, quantity=30)
    LicencePoolFactory(customer=changed, product=photo, fulfilled=30)
    LicencePoolFactory(customer=changed, product=flat, fulfilled=2)
    settings = AutoRenewal.objects.create(
        reseller=triad.reseller_a, customer=changed, updated_at=timezone.now(), updated_by=triad.member_a.user
    )
    AutoRenewalLine.objects.create(auto_renewal=settings, product=photo, quantity=0)  # left out
    AutoRenewalLine.objects.create(auto_renewal=settings, product=suite, quantity=120)
    committed = renewing(triad.member_a, suite, quantity=12, vip_select_level="02")
    ThreeYearCommitFactory(customer=committed, status=ThreeYearCommitStatus.COMMITTED, level="12")
    Customer.objects.filter(pk=committed.pk).update(three_year_commit_status=ThreeYearCommitStatus.COMMITTED)
    education = renewing(triad.member_a, suite, quantity=55, segment="EDU")
    empty = CustomerFactory(managed_by=triad.member_a, anniversary_date=AD)
    customers = list(Customer.objects.filter(pk__in=[c.pk for c in (plain, changed, committed, education, empty)]))
    quotes = selectors.auto_renewal_quotes(customers)
    assert set(quotes) == {plain.pk, changed.pk, committed.pk, education.pk}
    for customer in customers[:4]:
        expected = selectors.renewal_quote(customer, selectors.auto_renewal_lines(customer))
        got = quotes[customer.pk]
        assert (got.level, got.total) == (expected.level, expected.total)
        assert [(line.product, line.quantity, line.unit_price, line.line_total) for line in got.lines] == [
            (line.product, line.quantity, line.unit_price, line.line_total) for line in expected.lines
        ]
    assert quotes[changed.pk].level == "04" and quotes[committed.pk].level == "12"


# --- a day the job did not run (REN-1, REN-6, REN-9, JOB-2) -------------------------------------------------


def test_a_day_the_job_did_not_run_is_caught_up_by_the_next_run(triad, suite):
    """Every email due on the missed day D goes out with the run of D+1 — once: the run of D+2 and a
    second run of D+1 add nothing — and D+1's own emails go out with it."""
    missed = AD - timedelta(days=45)  # D: the digest day of AD's customers
    digest_customer = renewing(triad.member_a, suite, name="Digest Org")
    window_customer = renewing(triad.member_a, suite, anniversary_date=missed + timedelta(days=30))
    ad_customer = renewing(triad.member_a, suite, anniversary_date=missed)
    removal_customer = renewing(triad.member_a, suite, anniversary_date=missed - timedelta(days=24))
    auto_customer = renewing(triad.member_a, suite, anniversary_date=missed + timedelta(days=7))
    next_day_customer = renewing(triad.member_a, suite, name="Next Day Org", anniversary_date=AD + timedelta(days=1))
    for customer in (window_customer, ad_customer, removal_customer):
        AutoRenewalFactory(customer=customer)

    periodic_run(on=missed - timedelta(days=1))
    assert renewal_reminders(on=missed - timedelta(days=1)) == {"digests": 0, "reminders": 0, "auto_renewal_notices": 0}
    # D: the job does not run.
    assert periodic_run(on=missed + timedelta(days=1))["renewal_reminders"] == {
        "digests": 2,  # D's (AD's customers) and D+1's (the next day's)
        "reminders": 3,
        "auto_renewal_notices": 1,
    }
    digests = {m.dedupe_key: m for m in mails("renewal_digest")}
    assert set(digests) == {
        f"renewal-digest-{triad.member_a.pk}-{missed.isoformat()}",
        f"renewal-digest-{triad.member_a.pk}-{(missed + timedelta(days=1)).isoformat()}",
    }
    assert digest_customer.name in digests[f"renewal-digest-{triad.member_a.pk}-{missed.isoformat()}"].body_text
    assert next_day_customer.name not in digests[f"renewal-digest-{triad.member_a.pk}-{missed.isoformat()}"].body_text
    reminders = {m.dedupe_key.split("-")[1]: m.dedupe_key for m in mails("renewal_reminder")}
    assert reminders["window"].startswith(f"renewal-window-{window_customer.pk}-")
    assert reminders["ad"].startswith(f"renewal-ad-{ad_customer.pk}-")
    assert reminders["removal"].startswith(f"renewal-removal-{removal_customer.pk}-")
    (notice,) = mails("auto_renewal_notice")
    assert notice.dedupe_key.startswith(f"renewal-auto-{auto_customer.pk}-{auto_customer.anniversary_date}-")
    assert "renew automatically on 12 Apr 2027" in notice.body_text
    assert "before 9 Apr 2027" in notice.body_text  # its own AD−3, not the run's day + 4

    count = OutboxMessage.objects.count()
    assert renewal_reminders(on=missed + timedelta(days=1)) == {"digests": 0, "reminders": 0, "auto_renewal_notices": 0}
    periodic_run(on=missed + timedelta(days=2))
    assert OutboxMessage.objects.count() == count  # nothing is due on D+2 and nothing went twice


def test_a_reminder_whose_window_closed_while_the_job_was_down_is_not_sent(triad, suite):
    """Down from AD−31 to AD+25: the AD−30 reminder (the customer is no longer ready) and the AD's
    reminder (the removal reminder took over) are not sent; the removal reminder is."""
    customer = renewing(triad.member_a, suite)
    AutoRenewalFactory(customer=customer)
    PeriodicRunFactory(on=AD - timedelta(days=31), counts={"renewal_reminders": {}})
    assert due_since(AD + timedelta(days=25)) == AD - timedelta(days=30)
    renewal_reminders(on=AD + timedelta(days=25))
    (reminder,) = mails("renewal_reminder")
    assert reminder.dedupe_key.startswith(f"renewal-removal-{customer.pk}-{AD.isoformat()}-")


def test_due_since_reads_the_last_day_the_step_succeeded(db):
    day = AD
    assert due_since(day) == day  # no record: that day only
    PeriodicRunFactory(on=day - timedelta(days=5), counts={"renewal_reminders": {}})
    PeriodicRunFactory(on=day - timedelta(days=2), counts={"licence_expiry": {}})  # the step failed that day
    PeriodicRunFactory(on=day, counts={"renewal_reminders": {}})  # today's own run does not count
    assert due_since(day) == day - timedelta(days=4)


# --- HOOK-2: the renewal states a customer enters, audited once a term ------------------------------------


def entered() -> list[tuple[str, str, dict]]:
    events = AuditEvent.objects.with_scopes_disabled().filter(action__in=["renewal.upcoming", "renewal.ready"])
    return sorted((e.action, e.object_id, e.changes) for e in events)


def test_entering_upcoming_and_ready_is_audited_once_on_the_same_day_and_the_next(triad, suite):
    upcoming = renewing(triad.member_a, suite)  # AD−45 on `day`
    ready = renewing(triad.member_a, suite, anniversary_date=AD - timedelta(days=15))  # AD−30 on `day`
    tomorrow = renewing(triad.member_a, suite, anniversary_date=AD + timedelta(days=1))  # enters the window then
    renewing(triad.member_a, suite, anniversary_date=AD - timedelta(days=16))  # ready since yesterday: not today's
    other = renewing(triad.member_b, suite, anniversary_date=AD - timedelta(days=15))  # every reseller's
    day = AD - timedelta(days=45)
    periodic_run(on=day)
    expected = [
        ("renewal.ready", str(ready.pk), {"anniversary_date": [None, str(ready.anniversary_date)]}),
        ("renewal.ready", str(other.pk), {"anniversary_date": [None, str(other.anniversary_date)]}),
        ("renewal.upcoming", str(upcoming.pk), {"anniversary_date": [None, str(AD)]}),
    ]
    assert entered() == sorted(expected)
    event = AuditEvent.objects.with_scopes_disabled().get(action="renewal.upcoming")
    assert (event.actor_id, event.actor_label, event.reseller_id) == (None, "system", triad.reseller_a.pk)
    periodic_run(on=day)  # the same day again covers the same day: nothing twice
    renewal_reminders(on=day)  # and the step on its own
    assert entered() == sorted(expected)
    periodic_run(on=day + timedelta(days=1))  # the next day covers only that day: its own customers
    expected.append(("renewal.upcoming", str(tomorrow.pk), {"anniversary_date": [None, str(AD + timedelta(days=1))]}))
    assert entered() == sorted(expected)
    periodic_run(on=day + timedelta(days=1))
    assert entered() == sorted(expected)


def test_a_state_entered_on_a_day_the_job_did_not_run_is_audited_by_the_next_run(triad, suite):
    customer = renewing(triad.member_a, suite)
    periodic_run(on=AD - timedelta(days=46))
    assert entered() == []
    periodic_run(on=AD - timedelta(days=44))  # AD−45 missed
    assert [action for action, _pk, _changes in entered()] == ["renewal.upcoming"]
    periodic_run(on=AD - timedelta(days=31))
    periodic_run(on=AD - timedelta(days=30))
    periodic_run(on=AD - timedelta(days=30))
    periodic_run(on=AD - timedelta(days=29))
    assert entered() == [
        ("renewal.ready", str(customer.pk), {"anniversary_date": [None, str(AD)]}),
        ("renewal.upcoming", str(customer.pk), {"anniversary_date": [None, str(AD)]}),
    ]
