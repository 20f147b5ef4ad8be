"""JOB-1: the renewal emails of a day (MAIL-3), as one periodic step.

- REN-1: the upcoming-renewal digest — one email per managing member and day, listing their customers
  that entered the notice window today (AD−45).
- REN-6: the customer admins' reminders 30 days before the AD, on the AD, and 7 days before the
  licences left in grace are removed (the job removes them the day after the grace, AD+31).
- REN-9: the auto-renewal notice 7 days (policy) before the AD to auto-renewing customers' admins.

Each is due on or after its day, while its window lasts (the customer is still in the state the
email is about: the AD reminder until the removal reminder takes over, the others until their state
ends), and not yet sent this term: a run covers every day since the last day this step succeeded
(`due_since`, from the job's record), so a day the job did not run is caught up the next run instead
of lost. Each goes out in the recipient's language, at most once: the outbox's unique de-duplication
key (`renewal-<kind>-<customer>-<AD>-<recipient>`, `renewal-digest-<member>-<day it entered the
window>`) decides, so a second or concurrent run sends nothing (JOB-2). A fixed number of statements
whatever the number of customers (JOB-3): the last successful day in one, the candidates of each kind
in one, their admins in one, the auto-renewal quotes in a few, the keys already used in one, and one
INSERT.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, cast

from django.db import transaction
from django.db.models import Case, CharField, Max, Q, QuerySet, Value, When

from console.accounts.models import Membership, Reseller
from console.audit.models import AuditEvent
from console.audit.services import AuditEntry, audit_log_bulk
from console.clock import policy
from console.jobs.models import PeriodicRun
from console.outbox.models import OutboxMessage
from console.outbox.services import Mail, mail_enqueue_bulk
from customers.models import Customer, CustomerAdmin
from customers.rules import RenewalState, renewal_state_q
from renewals import pipeline, selectors

# REN-6: the customer admins' reminders, by kind.
WINDOW, ANNIVERSARY, REMOVAL = "window", "ad", "removal"
REMOVAL_NOTICE_DAYS = 7  # REN-6: 7 days before the licences are removed
STEP = "renewal_reminders"  # this step's name in the periodic job (renewals.apps)
CATCH_UP_DAYS = 90  # longer than any reminder's window (AD−45 … AD+30): older days have nothing left due


def due_since(on: date) -> date:
    """The first day whose reminders are due on `on`: the day after the last day this step succeeded
    before `on` (the job's record), so the days it did not run are caught up. Without a record of this
    step (a new installation, or the step called on its own) only `on` itself."""
    last = PeriodicRun.objects.filter(
        on__lt=on, on__gte=on - timedelta(days=CATCH_UP_DAYS), counts__has_key=STEP
    ).aggregate(last=Max("on"))["last"]
    return last + timedelta(days=1) if last else on


def _between(field: str, first: date, last: date) -> Q:
    return Q(**{f"{field}__range": (first, last)}) if first <= last else Q(pk__in=[])


def _customers(on: date) -> QuerySet[Customer]:
    """Listed customers of every reseller, with what they may renew on `on` (pipeline.expiring)."""
    return (
        Customer.objects.with_scopes_disabled()
        .filter(removed_at__isnull=True)
        .annotate(rn_expiring=pipeline.expiring_licences_sql(on), rn_ad=pipeline.term_ad_sql(on))
        .filter(rn_expiring__gt=0)
    )


def reminder_days(on: date, since: date | None = None) -> dict[str, Q]:
    """REN-6 and REN-9: which customers get which email on `on` — each whose day fell on `since` … `on`
    (default: `on` only) and whose window is still open on `on`."""
    since = since or on
    window, grace = policy("RENEWAL_WINDOW_DAYS"), policy("RENEWAL_GRACE_DAYS")
    # Licences in grace are removed on the first day after it (AD + grace + 1, renewals.services).
    notice = grace + 1 - REMOVAL_NOTICE_DAYS  # the removal reminder's day, counted from the AD
    return {
        WINDOW: renewal_state_q(RenewalState.READY, on)
        & _between("anniversary_date", since + timedelta(days=window), on + timedelta(days=window)),
        # The AD's reminder until the removal reminder is due (which then says the same, and more).
        ANNIVERSARY: renewal_state_q(RenewalState.IN_GRACE, on)
        & _between("anniversary_date", max(since, on - timedelta(days=notice - 1)), on),
        REMOVAL: (
            renewal_state_q(RenewalState.IN_GRACE, on)
            & _between("anniversary_date", since - timedelta(days=notice), on - timedelta(days=notice))
        )
        | (
            renewal_state_q(RenewalState.PARTIAL, on)
            & _between("renewed_ad", since - timedelta(days=notice), on - timedelta(days=notice))
        ),
    }


# The columns the emails' rows need here: the messages store the customers by reference, with the
# values computed for the email (the rn_* annotations), and the sender reads the rows again when it
# renders (console.outbox.rendering), so loading whole rows here only cost time (JOB-3's heavy day).
_MAIL_COLUMNS = ("id", "language", "reseller_id", "contact_email")


def _admins(customers: list[Any]) -> dict[int, list[tuple[str, str]]]:
    """Per customer, (email, key suffix) of each of its admins in user order; the invitation's contact
    while there is none. One query, of the two columns it needs."""
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = (
        CustomerAdmin.objects.filter(customer_id__any=[customer.pk for customer in customers])
        .order_by("customer_id", "user_id")
        .values_list("customer_id", "user__email", "user_id")
    )
    for customer_id, email, user_id in rows:
        found[customer_id].append((email, str(user_id)))
    return {customer.pk: found.get(customer.pk) or [(customer.contact_email, "contact")] for customer in customers}


def _resellers(customers: list[Any]) -> dict[int, Reseller]:
    """The customers' resellers, each read once (the messages keep only the reference)."""
    return Reseller.objects.in_bulk({customer.reseller_id for customer in customers})


def _customer_reminders(on: date, since: date) -> list[Mail]:
    kinds = reminder_days(on, since)
    kind = Case(*(When(q, then=Value(k)) for k, q in kinds.items()), default=Value(""), output_field=CharField())
    # Any: rows carry the rn_* annotations, which the model's type does not name.
    # The kinds' days also as a plain OR, which the Anniversary Date indexes answer (the CASE alone would
    # make PostgreSQL compute every listed customer's expiring licences first).
    any_kind = kinds[WINDOW] | kinds[ANNIVERSARY] | kinds[REMOVAL]
    customers: list[Any] = list(
        _customers(on).filter(any_kind).annotate(rn_kind=kind).exclude(rn_kind="").only(*_MAIL_COLUMNS)
    )
    admins, resellers = _admins(customers), _resellers(customers)
    grace = timedelta(days=policy("RENEWAL_GRACE_DAYS") + 1)
    return [
        Mail(
            to=email,
            template="renewal_reminder",
            language=customer.language,
            reseller=resellers[customer.reseller_id],
            context={
                "customer": customer,
                "kind": customer.rn_kind,
                "anniversary_date": customer.rn_ad,
                "expiring": customer.rn_expiring,
                "removal_date": customer.rn_ad + grace,
                "reseller": resellers[customer.reseller_id],
            },
            dedupe_key=f"renewal-{customer.rn_kind}-{customer.pk}-{customer.rn_ad.isoformat()}-{who}",
        )
        for customer in customers
        for email, who in admins[customer.pk]
    ]


def _auto_renewal_notices(on: date, since: date) -> list[Mail]:
    """REN-9: due from AD−7 (policy) until the AD, while the customer still renews automatically."""
    days = timedelta(days=policy("AUTO_RENEWAL_NOTICE_DAYS"))
    # Any: rows carry the rn_* annotations (rn_ad, the AD being renewed), which the model's type does not name.
    customers: list[Any] = list(
        _customers(on)
        .annotate(rn_auto=pipeline.auto_renewal_sql())
        .filter(renewal_state_q(RenewalState.READY, on), _between("anniversary_date", since + days, on + days))
        .filter(rn_auto=True)
        .only(*_MAIL_COLUMNS, "segment", "three_year_commit_status", "vip_select_level")  # and the quotes'
    )
    admins, resellers = _admins(customers), _resellers(customers)
    quotes = selectors.auto_renewal_quotes(customers)
    edit_days = timedelta(days=policy("AUTO_RENEWAL_EDIT_DAYS"))
    return [
        Mail(
            to=email,
            template="auto_renewal_notice",
            language=customer.language,
            reseller=resellers[customer.reseller_id],
            context={
                "customer": customer,
                "anniversary_date": customer.rn_ad,
                "quote": quotes[customer.pk],
                "edit_until": customer.rn_ad - edit_days,
                "reseller": resellers[customer.reseller_id],
            },
            dedupe_key=f"renewal-auto-{customer.pk}-{customer.rn_ad.isoformat()}-{who}",
        )
        for customer in customers
        if customer.pk in quotes
        for email, who in admins[customer.pk]
    ]


def _digests(on: date, since: date) -> list[Mail]:
    """REN-1: per active managing member and day a customer entered the notice window (AD−45, policy)
    on `since` … `on`, the customers that did and are still upcoming — on a normal day one digest per
    member, today's; after a day the job did not run, that day's digest too."""
    notice = timedelta(days=policy("RENEWAL_NOTICE_DAYS"))
    upcoming = (
        _customers(on)
        .filter(
            renewal_state_q(RenewalState.UPCOMING, on),
            _between("anniversary_date", since + notice, on + notice),
            managed_by__status=Membership.Status.ACTIVE,
        )
        .select_related("managed_by__user", "managed_by__reseller")
        .only("id", "managed_by")  # stored by reference (with rn_*): the sender reads the rows again
        .order_by("managed_by_id", "anniversary_date", "name", "id")
    )
    by_member_and_day: dict[tuple[Membership, date], list[Customer]] = defaultdict(list)
    for customer in cast(Iterable[Any], upcoming):  # rn_ad: the AD being renewed (annotated)
        by_member_and_day[customer.managed_by, customer.rn_ad].append(customer)
    return [
        Mail(
            to=member.user.email,
            template="renewal_digest",
            language=member.user.language,
            reseller=member.reseller,
            context={"member": member, "customers": customers, "anniversary_date": ad},
            dedupe_key=f"renewal-digest-{member.pk}-{(ad - notice).isoformat()}",
        )
        for (member, ad), customers in by_member_and_day.items()
    ]


def _not_sent(mails: Iterable[Mail]) -> list[Mail]:
    """Leave out the messages whose key was used already, so a second run renders nothing; the unique
    key still decides between two runs at the same moment (mail_enqueue_bulk ignores the conflict)."""
    mails = list(mails)
    used = set(
        OutboxMessage.objects.filter(dedupe_key__any=[mail.dedupe_key for mail in mails]).values_list(
            "dedupe_key", flat=True
        )
    )
    return [mail for mail in mails if mail.dedupe_key not in used]


def _entered(on: date, since: date) -> list[AuditEntry]:
    """HOOK-2: an audit entry (so a webhook event, api.webhooks) per customer that entered UPCOMING
    (AD−45, policy) or READY (AD−30, policy) on `since` … `on` and is still in that state on `on`, unless
    one was written for the same AD already. `since` leaves out only the days of earlier days' runs: a
    second run on the same day (or two overlapping runs, which step_claim serialises) covers today
    again, so the entries already written — one query — decide; each customer gets each once a term."""
    notice, window = timedelta(days=policy("RENEWAL_NOTICE_DAYS")), timedelta(days=policy("RENEWAL_WINDOW_DAYS"))
    entering = {
        "renewal.upcoming": renewal_state_q(RenewalState.UPCOMING, on)
        & _between("anniversary_date", since + notice, on + notice),
        "renewal.ready": renewal_state_q(RenewalState.READY, on)
        & _between("anniversary_date", since + window, on + window),
    }
    state = Case(*(When(q, then=Value(a)) for a, q in entering.items()), default=Value(""), output_field=CharField())
    # Any: rows carry the rn_* annotations (rn_ad, the AD being renewed), which the model's type does not name.
    customers: list[Any] = list(
        _customers(on)
        .filter(entering["renewal.upcoming"] | entering["renewal.ready"])
        .annotate(rn_event=state)
        .exclude(rn_event="")
        .order_by("reseller_id", "anniversary_date", "id")
        .only("reseller_id", "vip_id", "name", "invitation_status")  # what the entries and webhook events read
    )
    if not customers:
        return []
    written = set(
        AuditEvent.objects.with_scopes_disabled()
        .filter(
            action__in=list(entering),
            object_type=Customer._meta.label_lower,
            object_id__any=[str(customer.pk) for customer in customers],
        )
        .values_list("action", "object_id", "changes__anniversary_date__1")
    )
    return [
        AuditEntry(
            customer.reseller_id,
            action="renewal.upcoming" if customer.rn_event == "renewal.upcoming" else "renewal.ready",
            obj=customer,
            changes={"anniversary_date": [None, customer.rn_ad]},
        )
        for customer in customers
        if (customer.rn_event, str(customer.pk), customer.rn_ad.isoformat()) not in written
    ]


def renewal_reminders(*, on: date) -> dict[str, int]:
    """JOB-1: queue the day's renewal digests (REN-1), customer-admin reminders (REN-6) and auto-renewal
    notices (REN-9) in one transaction, and audit the customers that entered UPCOMING or READY (their
    webhook events, HOOK-2); returns how many emails of each kind were new. Idempotent (JOB-2), a fixed number of
    statements (JOB-3)."""
    since = due_since(on)
    with transaction.atomic():
        digests = _not_sent(_digests(on, since))
        reminders = _not_sent(_customer_reminders(on, since))
        notices = _not_sent(_auto_renewal_notices(on, since))
        mail_enqueue_bulk(digests + reminders + notices)
        entered = _entered(on, since)
        if entered:
            audit_log_bulk(entered)  # actor None: the system (one INSERT, and the webhooks' one)
    return {"digests": len(digests), "reminders": len(reminders), "auto_renewal_notices": len(notices)}
