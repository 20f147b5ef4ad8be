"""MAIL-2, MAIL-3, I18N-2: every email renders in the recipient's language, and plain-text parts are
not HTML-escaped (NF-2)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from console.accounts.models import Membership, User
from console.outbox.models import OutboxMessage
from console.outbox.services import mail_enqueue
from purchase_auth.models import ThreeYearCommitStatus
from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    OrderFactory,
    OrderLineFactory,
    PeriodicRunFactory,
    ProductFactory,
    PurchaseAuthorizationFactory,
    ResellerFactory,
    ReturnFactory,
    ThreeYearCommitFactory,
    UserFactory,
)

EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"
# Every message the code sends (MAIL-3): one per subject template, so a new email is covered the day it lands.
TEMPLATES = sorted(path.name.removesuffix("_subject.txt") for path in EMAILS.glob("*_subject.txt"))
# Emails that say different things to different readers: the renewal reminder (REN-6), the reseller
# change completed (to the old reseller, the new one, the customer's admins).
KINDS = {"renewal_reminder": ["window", "ad", "removal"], "reseller_change_completed": ["old", "new", "customer"]}
VARIANTS = [(name, kind) for name in TEMPLATES for kind in KINDS.get(name, [None])]
CYRILLIC = re.compile(r"[А-Яа-яІіЇїЄєҐґ]")
# Names that stay as they are in Ukrainian text: products, the programme, codes.
UNTRANSLATED_WORDS = {
    "VIP",
    "Select",
    "Value",
    "Incentive",
    "Plan",
    "USD",
    "Webhooks",
    "Standard",
    "http",
    "https",
    "Reseller",
}


def universe() -> dict[str, Any]:
    """A context with every variable any email template reads, with names typed in Ukrainian so that any
    English left in the rendered message comes from the template, not from the data."""
    reseller = ResellerFactory.build(name="Альфа Ресейл")
    member = MembershipFactory.build(
        reseller=reseller,
        role=Membership.Role.ADMIN,
        user=UserFactory.build(first_name="Ірина", last_name="Коваль", email="iryna@alpha.example"),
    )
    customer = CustomerFactory.build(
        managed_by=member,
        reseller=reseller,
        name="Рога і Копита",
        name_en="Roga i Kopyta",
        contact_first_name="Олена",
        vip_id="0123456789ABCDEF0123",
    )
    customer.rn_expiring = 3
    product = ProductFactory.build(name="Пакет дизайну")
    pa = PurchaseAuthorizationFactory.build(customer=customer, number="PA0000000001", due_date=date(2026, 12, 13))
    order = OrderFactory.build(customer=customer, number="O000000001", total=Decimal("1234.50"))
    line = OrderLineFactory.build(order=order, product=product, quantity=5, months=7, line_total=Decimal("350.00"))
    record = ReturnFactory.build(order=order, number="R00000001", credit=Decimal("120.00"))
    commit = ThreeYearCommitFactory.build(customer=customer, committed_quantity=21, level="03")
    commit.status = ThreeYearCommitStatus.COMMITTED
    quote = SimpleNamespace(
        lines=[
            SimpleNamespace(quantity=5, product=product, unit_price=Decimal("108.00"), line_total=Decimal("540.00"))
        ],
        total=Decimal("540.00"),
        level="02",
    )
    return {
        "reseller": reseller,
        "membership": member,
        "member": member,
        "invited_by": member.user,
        "user": member.user,
        "customer": customer,
        "customers": [customer],
        "pa": pa,
        "order": order,
        "lines": [line],
        "record": record,
        "commit": commit,
        "quote": quote,
        "level": "02",
        "link": "https://console.example.com/link/abc",
        "days": 22,
        "hours": 24,
        "kind": "window",
        "expiring": 5,
        "anniversary_date": date(2027, 3, 20),
        "removal_date": date(2027, 4, 19),
        "edit_until": date(2027, 3, 17),
        "endpoint": SimpleNamespace(url="https://hooks.example.com/vip"),
        "run": PeriodicRunFactory.build(started_at=timezone.now()),
        "steps": ["renewals_expiry", "purchase_auth_states"],
        "admin_path": "/admin/jobs/periodicrun/1/",
        # reseller change (RC): the code email and the three "completed" emails
        "code": "K7M2QX9P",
        "expires_at": timezone.now(),
        "to_reseller": ResellerFactory.build(name="Бета Ліцензії"),
        "managed_by": member,
    }


# Each template's own shape of `lines` where it differs.
LINES = {
    "pa_requested": lambda c: [SimpleNamespace(quantity=2, product=c["lines"][0].product)],
    "return_processed": lambda c: [(c["lines"][0], 1, Decimal("120.00"))],
}


def send(template: str, language: str, kind: str | None = None) -> OutboxMessage:
    context = universe()
    if template in LINES:
        context["lines"] = LINES[template](context)
    if kind:
        context["kind"] = context["audience"] = kind
    message = mail_enqueue(to="someone@example.com", template=template, context=context, language=language)
    assert message is not None
    return OutboxMessage.objects.get(pk=message.pk)


def english_words(text: str) -> set[str]:
    words = set(re.findall(r"\b[A-Za-z][a-z]{2,}\b", re.sub(r"https?://\S+|\S+@\S+", "", text)))
    return words - UNTRANSLATED_WORDS


def test_every_mail_3_message_is_known() -> None:
    """The list the test below walks is the code's own: every template name the services enqueue."""
    sources = " ".join(
        path.read_text()
        for app in ("console", "customers", "purchase_auth", "renewals", "api", "portal")
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py")
    )
    used = set(re.findall(r'template="([a-z_]+)"', sources)) | {f"pa_{state}" for state in ("overdue", "suspended")}
    assert used <= set(TEMPLATES)
    assert len(TEMPLATES) >= 18


@pytest.mark.django_db
@pytest.mark.parametrize(("template", "kind"), VARIANTS)
def test_every_email_renders_in_ukrainian_for_a_ukrainian_recipient(template: str, kind: str | None) -> None:
    english = send(template, "en", kind)
    ukrainian = send(template, "uk", kind)

    assert ukrainian.language == "uk"
    for part in ("subject", "body_text", "body_html"):
        text = getattr(ukrainian, part)
        assert CYRILLIC.search(text), f"{template} {part} has no Ukrainian: {text!r}"
        assert text != getattr(english, part)
    assert english.subject not in ukrainian.subject
    assert not english_words(ukrainian.subject), ukrainian.subject
    assert not english_words(ukrainian.body_text), ukrainian.body_text
    assert 'lang="uk"' in ukrainian.body_html
    names = ("Альфа Ресейл", "Бета Ліцензії", "Рога і Копита")
    assert not CYRILLIC.search(re.sub("|".join(names), "", english.subject))


@pytest.mark.django_db
def test_email_dates_and_money_follow_the_recipient_language() -> None:
    ukrainian = send("order_confirmation", "uk")
    english = send("order_confirmation", "en")
    assert "1\xa0234,50 USD" in ukrainian.body_text
    assert "1,234.50 USD" in english.body_text
    assert "7 місяців" in ukrainian.body_text
    assert "20 бер. 2027" in send("auto_renewal_notice", "uk").subject
    assert "20 Mar 2027" in send("auto_renewal_notice", "en").subject


def test_an_invitation_to_a_ukrainian_contact_arrives_in_ukrainian(triad: Any, member_client: Any) -> None:
    from tests.customers.test_invitations import invite_data

    response = member_client.post(reverse("customers:invite"), invite_data(language="uk"))
    assert response.status_code == 302
    message = OutboxMessage.objects.get(template="customer_invitation")
    assert message.language == "uk"
    assert message.subject == f"{triad.reseller_a.name} запрошує вас до Value Incentive Plan"
    assert message.body_text.startswith("Вітаємо, Olena!")
    assert "діє 30 днів" in message.body_text
    assert 'lang="uk"' in message.body_html


def test_an_invitation_to_an_english_contact_stays_english(triad: Any, member_client: Any) -> None:
    from tests.customers.test_invitations import invite_data

    triad.member_a.user.language = "uk"  # the sender's language does not matter: the recipient's does
    triad.member_a.user.save(update_fields=["language"])
    member_client.post(reverse("customers:invite"), invite_data(language="en"))
    message = OutboxMessage.objects.get(template="customer_invitation")
    assert message.subject == f"{triad.reseller_a.name} invites you to the Value Incentive Plan"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "uk"])
def test_plain_text_parts_are_not_html_escaped_and_the_html_part_is(language: str) -> None:
    """Item 6 of issue 10, NF-2: `O'Brien & "Sons"` as typed in the subject and the text body."""
    name = 'O\'Brien & "Sons" <b>'
    context = universe()
    context["customer"].name = name
    context["reseller"].name = name
    for template in ("customer_invitation", "customer_welcome", "pa_requested", "three_year_commit_result"):
        context["lines"] = LINES.get(template, lambda c: c["lines"])(context)
        message = mail_enqueue(to="someone@example.com", template=template, context=context, language=language)
        assert message is not None
        assert name in message.subject, message.subject
        assert name in message.body_text
        assert name not in message.body_html
        assert "O&#x27;Brien &amp; &quot;Sons&quot; &lt;b&gt;" in message.body_html


def test_a_team_invitation_goes_out_in_the_inviters_language_and_the_new_account_keeps_it(
    triad: Any, admin_client_a: Client
) -> None:
    """A new person has chosen nothing yet: the inviter's language is the best guess (I18N-2)."""
    triad.admin_a.user.language = "uk"
    triad.admin_a.user.save(update_fields=["language"])
    response = admin_client_a.post(
        reverse("console:team_invite"),
        {"email": "new.person@alpha.example", "first_name": "Тарас", "last_name": "Шевченко", "role": "member"},
    )
    assert response.status_code == 302
    message = OutboxMessage.objects.get(template="team_invitation")
    assert message.language == "uk"
    assert message.subject == f"Вас запрошено приєднатися до {triad.reseller_a.name} у Консолі реселера"
    assert User.objects.get(email="new.person@alpha.example").language == "uk"


def test_the_managing_member_hears_of_a_purchase_request_in_their_language(triad: Any) -> None:
    """The PA-requested email goes to the customer's Managed by, in the language that member chose."""
    from purchase_auth.services.common import Line
    from purchase_auth.services.purchase_authorizations import purchase_authorization_create

    triad.member_a.user.language = "uk"
    triad.member_a.user.save(update_fields=["language"])
    customer = CustomerFactory(managed_by=triad.member_a, segment="COM", name="Рога і Копита", language="en")
    purchase_authorization_create(
        reseller=triad.reseller_a,
        actor=triad.admin_a.user,
        vip_id=customer.vip_id,
        lines=[Line(ProductFactory(name="Пакет дизайну"), 3)],
    )
    message = OutboxMessage.objects.get(template="pa_requested")
    assert message.to_email == triad.member_a.user.email
    assert message.subject == "Рога і Копита запитує покупку"
