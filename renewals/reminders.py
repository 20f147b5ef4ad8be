"""JOB-1: the renewal emails of a day (MAIL-3), as one periodic step.

- REN-1: the upcoming-renewal digest — one email per managing member and day, listing their customers
  that entered the notice window today (AD−45).
- REN-6: the customer admins' reminders 30 days before the AD, on the AD, and 7 days before the
  licences left in grace are removed (the job removes them the day after the grace, AD+31).
- REN-9: the auto-renewal notice 7 days (policy) before the AD to auto-renewing customers' admins.

Each goes out on its day only, in the recipient's language, at most once: the outbox's unique
de-duplication key (`renewal-<kind>-<customer>-<AD>-<recipient>`, `renewal-digest-<member>-<day>`)
decides, so a second or concurrent run sends nothing (JOB-2). A fixed number of statements whatever
the number of customers (JOB-3): the candidates of each kind in one query, their admins in one, the
auto-renewal quotes in a few, the keys already used in one, and one INSERT.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Case, CharField, Prefetch, Q, QuerySet, Value, When

from console.accounts.models import Membership
from console.clock import policy
from console.outbox.models import OutboxMessage
from console.outbox.services import Mail, mail_enqueue_bulk
from customers.models import Customer, CustomerAdmin
from customers.rules import RenewalState, renewal_state_q
from renewals import pipeline, selectors

# REN-6: the customer admins' reminders, by kind.
WINDOW, ANNIVERSARY, REMOVAL = "window", "ad", "removal"
REMOVAL_NOTICE_DAYS = 7  # REN-6: 7 days before the licences are removed


def _customers(on: date) -> QuerySet[Customer]:
    """Listed customers of every reseller, with what they may renew on `on` (pipeline.expiring)."""
    return (
        Customer.objects.with_scopes_disabled()
        .filter(removed_at__isnull=True)
        .annotate(rn_expiring=pipeline.expiring_licences_sql(on), rn_ad=pipeline.term_ad_sql(on))
        .filter(rn_expiring__gt=0)
    )


def reminder_days(on: date) -> dict[str, Q]:
    """REN-6 and REN-9: which customers get which email on `on` — each on one day of its term."""
    window, grace = policy("RENEWAL_WINDOW_DAYS"), policy("RENEWAL_GRACE_DAYS")
    # Licences in grace are removed on the first day after it (AD + grace + 1, renewals.services).
    removal_ad = on - timedelta(days=grace + 1 - REMOVAL_NOTICE_DAYS)
    return {
        WINDOW: renewal_state_q(RenewalState.READY, on) & Q(anniversary_date=on + timedelta(days=window)),
        ANNIVERSARY: renewal_state_q(RenewalState.IN_GRACE, on) & Q(anniversary_date=on),
        REMOVAL: (renewal_state_q(RenewalState.IN_GRACE, on) & Q(anniversary_date=removal_ad))
        | (renewal_state_q(RenewalState.PARTIAL, on) & Q(renewed_ad=removal_ad)),
    }


def _admins(customer: Customer) -> list[tuple[str, str]]:
    """(email, key suffix) of each of the customer's admins; the invitation's contact while there is none."""
    admins = [(admin.user.email, str(admin.user_id)) for admin in customer.admins.all()]
    return admins or [(customer.contact_email, "contact")]


def _with_admins(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    return customers.select_related("reseller").prefetch_related(
        Prefetch("admins", queryset=CustomerAdmin.objects.select_related("user").order_by("user_id"))
    )


def _customer_reminders(on: date) -> list[Mail]:
    kinds = reminder_days(on)
    kind = Case(*(When(q, then=Value(k)) for k, q in kinds.items()), default=Value(""), output_field=CharField())
    # Any: rows carry the rn_* annotations, which the model's type does not name.
    # The kinds' days also as a plain OR, which the Anniversary Date indexes answer (the CASE alone would
    # make PostgreSQL compute every listed customer's expiring licences first).
    any_kind = kinds[WINDOW] | kinds[ANNIVERSARY] | kinds[REMOVAL]
    customers: list[Any] = list(
        _with_admins(_customers(on).filter(any_kind).annotate(rn_kind=kind).exclude(rn_kind=""))
    )
    grace = timedelta(days=policy("RENEWAL_GRACE_DAYS") + 1)
    return [
        Mail(
            to=email,
            template="renewal_reminder",
            language=customer.language,
            reseller=customer.reseller,
            context={
                "customer": customer,
                "kind": customer.rn_kind,
                "anniversary_date": customer.rn_ad,
                "expiring": customer.rn_expiring,
                "removal_date": customer.rn_ad + grace,
                "reseller": customer.reseller,
            },
            dedupe_key=f"renewal-{customer.rn_kind}-{customer.pk}-{customer.rn_ad.isoformat()}-{who}",
        )
        for customer in customers
        for email, who in _admins(customer)
    ]


def _auto_renewal_notices(on: date) -> list[Mail]:
    ad = on + timedelta(days=policy("AUTO_RENEWAL_NOTICE_DAYS"))
    customers = list(
        _with_admins(
            _customers(on)
            .annotate(rn_auto=pipeline.auto_renewal_sql())
            .filter(renewal_state_q(RenewalState.READY, on), anniversary_date=ad, rn_auto=True)
        )
    )
    quotes = selectors.auto_renewal_quotes(customers)
    edit_until = ad - timedelta(days=policy("AUTO_RENEWAL_EDIT_DAYS"))
    return [
        Mail(
            to=email,
            template="auto_renewal_notice",
            language=customer.language,
            reseller=customer.reseller,
            context={
                "customer": customer,
                "anniversary_date": ad,
                "quote": quotes[customer.pk],
                "edit_until": edit_until,
                "reseller": customer.reseller,
            },
            dedupe_key=f"renewal-auto-{customer.pk}-{ad.isoformat()}-{who}",
        )
        for customer in customers
        if customer.pk in quotes
        for email, who in _admins(customer)
    ]


def _digests(on: date) -> list[Mail]:
    """REN-1: per active managing member, the customers whose AD is 45 days (policy) away today."""
    upcoming = (
        _customers(on)
        .filter(
            renewal_state_q(RenewalState.UPCOMING, on),
            anniversary_date=on + timedelta(days=policy("RENEWAL_NOTICE_DAYS")),
            managed_by__status=Membership.Status.ACTIVE,
        )
        .select_related("managed_by__user", "managed_by__reseller")
        .order_by("managed_by_id", "name", "id")
    )
    by_member: dict[Membership, list[Customer]] = defaultdict(list)
    for customer in upcoming:
        by_member[customer.managed_by].append(customer)
    return [
        Mail(
            to=member.user.email,
            template="renewal_digest",
            language=member.user.language,
            reseller=member.reseller,
            context={
                "member": member,
                "customers": customers,
                "anniversary_date": on + timedelta(days=policy("RENEWAL_NOTICE_DAYS")),
            },
            dedupe_key=f"renewal-digest-{member.pk}-{on.isoformat()}",
        )
        for member, customers in by_member.items()
    ]


def _not_sent(mails: Iterable[Mail]) -> list[Mail]:
    """Leave out the messages whose key was used already, so a second run renders nothing; the unique
    key still decides between two runs at the same moment (mail_enqueue_bulk ignores the conflict)."""
    mails = list(mails)
    used = set(
        OutboxMessage.objects.filter(dedupe_key__in=[mail.dedupe_key for mail in mails]).values_list(
            "dedupe_key", flat=True
        )
    )
    return [mail for mail in mails if mail.dedupe_key not in used]


def renewal_reminders(*, on: date) -> dict[str, int]:
    """JOB-1: queue the day's renewal digests (REN-1), customer-admin reminders (REN-6) and auto-renewal
    notices (REN-9) in one transaction; returns how many of each were new. Idempotent (JOB-2),
    a fixed number of statements (JOB-3)."""
    with transaction.atomic():
        digests = _not_sent(_digests(on))
        reminders = _not_sent(_customer_reminders(on))
        notices = _not_sent(_auto_renewal_notices(on))
        mail_enqueue_bulk(digests + reminders + notices)
    return {"digests": len(digests), "reminders": len(reminders), "auto_renewal_notices": len(notices)}
