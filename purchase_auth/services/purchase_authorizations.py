"""PA-1…PA-7: create and cancel purchase authorizations; the periodic step that moves them with time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from console.accounts.models import Reseller, User
from console.audit.services import AuditEntry, audit_log, audit_log_bulk
from console.bulk import update_returning
from console.clock import today
from console.outbox.services import Mail, mail_enqueue, mail_enqueue_bulk
from customers.models import AnniversarySource, Customer
from customers.rules import (
    is_past_due,
    past_due_q,
    payment_due_date,
    payment_state_sql,
    payment_suspends_on,
    suspended_q,
)
from purchase_auth import rules
from purchase_auth.models import (
    Order,
    PurchaseAuthorization,
    PurchaseAuthorizationLine,
)
from purchase_auth.services.common import (
    OPEN,
    Line,
    PurchaseError,
    check_lines,
    customer_purchase_state_refresh,
    lines_text,
    locked_customer,
    pool_add,
)


def purchase_authorization_create(
    *, reseller: Reseller, actor: User, vip_id: str, lines: Iterable[Line], po_number: str = ""
) -> PurchaseAuthorization:
    """PA-1, PA-2, PA-5: the customer gets immediate access (pending licences); payment is due in 14
    days. Refused while the customer has a past-due purchase authorization."""
    with transaction.atomic():
        customer = locked_customer(reseller, vip_id)
        on = today()
        if customer.open_pa_min_due is not None and is_past_due(customer.open_pa_min_due, on):
            raise PurchaseError(
                _("%(name)s has a past-due purchase authorization: place its order before requesting more.")
                % {"name": customer.name}
            )
        checked = check_lines(customer, lines, allow_consumables=False)
        pa = PurchaseAuthorization.objects.create(
            reseller=reseller,
            customer=customer,
            created_at=timezone.now(),
            created_on=on,
            created_by=actor,
            due_date=payment_due_date(on),
            suspends_on=payment_suspends_on(on),
            po_number=po_number,
        )
        PurchaseAuthorizationLine.objects.bulk_create(
            [
                PurchaseAuthorizationLine(purchase_authorization=pa, product=line.product, quantity=line.quantity)
                for line in checked
            ]
        )
        for line in checked:
            pool_add(customer, line.product, pending=line.quantity)
        changes: dict = {"state": [None, pa.state], "due_date": [None, pa.due_date]}
        if customer.anniversary_date is None:  # PA-5
            customer.anniversary_date = rules.first_anniversary(on)
            customer.anniversary_source = AnniversarySource.PURCHASE_AUTHORIZATION
            customer.save(update_fields=["anniversary_date", "anniversary_source", "search_text"])
            changes["anniversary_date"] = [None, customer.anniversary_date]
        customer_purchase_state_refresh(customer)
        audit_log(
            reseller=reseller,
            actor=actor,
            action="pa.create",
            obj=pa,
            changes=changes | {"customer": [None, customer.vip_id], "lines": [None, lines_text(checked)]},
        )
        audit_log(
            reseller=reseller, actor=actor, action="customer.pa_create", obj=customer, changes={"pa": [None, pa.number]}
        )
        managed_by = customer.managed_by.user
        mail_enqueue(
            to=managed_by.email,
            template="pa_requested",
            language=managed_by.language,
            reseller=reseller,
            context={"customer": customer, "pa": pa, "lines": checked},
        )
    return pa


def purchase_authorization_cancel(
    *, reseller: Reseller, actor: User, vip_id: str, number: str
) -> PurchaseAuthorization:
    """PA-4: cancel an open purchase authorization none of whose licences is assigned; its pending
    licences go. The licence pool's check constraint refuses a cancel that would leave assigned
    licences without a licence behind them."""
    with transaction.atomic():
        customer = locked_customer(reseller, vip_id)
        pa = (
            PurchaseAuthorization.objects.select_for_update()
            .filter(reseller=reseller, customer=customer, number=number)
            .first()
        )
        if pa is None:
            raise PurchaseError(_("This purchase authorization does not exist."))
        if pa.state not in OPEN:
            raise PurchaseError(
                _("Purchase authorization %(number)s is %(state)s; only a pending one can be cancelled.")
                % {"number": pa.number, "state": pa.get_state_display().lower()}
            )
        if pa.orders.exclude(status=Order.Status.FAILED).exists():
            raise PurchaseError(
                _("An order was placed for purchase authorization %(number)s; return it instead of cancelling.")
                % {"number": pa.number}
            )
        try:
            with transaction.atomic():
                for line in pa.lines.select_related("product"):
                    pool_add(customer, line.product, pending=-line.quantity)
        except IntegrityError as error:
            raise PurchaseError(
                _("Some of these licences are assigned to users; the customer must unassign them before you cancel.")
            ) from error
        before = pa.state
        pa.state = PurchaseAuthorization.State.CANCELLED
        pa.cancelled_at = timezone.now()
        pa.save(update_fields=["state", "cancelled_at"])
        customer_purchase_state_refresh(customer)
        audit_log(reseller=reseller, actor=actor, action="pa.cancel", obj=pa, changes={"state": [before, pa.state]})
        audit_log(
            reseller=reseller, actor=actor, action="customer.pa_cancel", obj=customer, changes={"pa": [pa.number, None]}
        )
    return pa


def purchase_authorizations_refresh(*, on: date) -> dict[str, int]:
    """JOB-1/PA-7: move open purchase authorizations with time (pending → overdue → suspended).

    Set-based and idempotent (JOB-2, JOB-3): the PAs whose PA-2 state on `on` (customers.rules, the
    rule the list, the badges and the Plans tab read) differs from the stored one are moved by one UPDATE
    that returns them; a concurrent run waits for their row locks, then finds nothing left to move (the
    UPDATE checks its condition again on the rows it waited for). The outbox's de-duplication key makes a
    duplicate email impossible all the same.
    """
    target = payment_state_sql(on)
    counts = {PurchaseAuthorization.State.OVERDUE: 0, PurchaseAuthorization.State.SUSPENDED: 0}
    with transaction.atomic():
        # The rule (state ≠ target) decides; the two cases it can move — pending past its due date, overdue
        # past its suspension day — let PostgreSQL read only those PAs (pa_open_due, pa_overdue_suspends)
        # instead of every overdue one that is not suspended yet.
        behind = (
            PurchaseAuthorization.objects.with_scopes_disabled()
            .filter(
                Q(past_due_q(on), state=PurchaseAuthorization.State.PENDING)
                | Q(past_due_q(on), suspended_q(on), state=PurchaseAuthorization.State.OVERDUE)
            )
            .exclude(state=target)
        )
        # Only the columns the audit entries, the webhook events (api.webhooks) and the emails read: the
        # emails store the rows by reference and the sender reads them again (console.outbox.rendering).
        pas = update_returning(behind, {"state": target}, ["number", "state", "due_date", "reseller", "customer"])
        if not pas:
            return {str(state): count for state, count in counts.items()}
        customers = (
            Customer.objects.with_scopes_disabled()
            .filter(pk__any=list({pa.customer_id for pa in pas}))
            .select_related("managed_by__user")
            .only("vip_id", "managed_by__user__email", "managed_by__user__language")
            .in_bulk()
        )
        for pa in pas:
            pa.customer = customers[pa.customer_id]
        resellers = Reseller.objects.in_bulk({pa.reseller_id for pa in pas})
        before: dict[str, str] = {"overdue": "pending", "suspended": "overdue"}
        audit_log_bulk(
            AuditEntry(
                reseller_id=pa.reseller_id,
                action=f"pa.{pa.state}",
                obj=pa,
                changes={"state": [before[pa.state], pa.state]},
            )
            for pa in pas
        )
        mail_enqueue_bulk(
            [
                Mail(
                    to=pa.customer.managed_by.user.email,
                    template=f"pa_{pa.state}",
                    language=pa.customer.managed_by.user.language,
                    reseller=resellers[pa.reseller_id],
                    context={"customer": pa.customer, "pa": pa},
                    dedupe_key=f"pa-{pa.state}-{pa.pk}",
                )
                for pa in pas
            ]
        )
    for pa in pas:
        counts[PurchaseAuthorization.State(pa.state)] += 1
    return {str(state): count for state, count in counts.items()}
