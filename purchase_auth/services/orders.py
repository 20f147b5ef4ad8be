"""ORD-1, ORD-2, ORD-5: place orders (accepted asynchronously by `order_acceptance`) and returns."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from console.accounts.models import Reseller, User
from console.audit.services import audit_log
from console.clock import today
from console.outbox.services import mail_enqueue
from customers.models import Customer, ThreeYearCommitStatus
from purchase_auth import rules, selectors
from purchase_auth.models import (
    Order,
    OrderLine,
    PurchaseAuthorization,
    Return,
    ReturnLine,
    ThreeYearCommit,
)
from purchase_auth.services.common import (
    OPEN,
    Line,
    PurchaseError,
    customer_purchase_state_refresh,
    locked_customer,
    pool_add,
)
from purchase_auth.services.pricing import order_quote, return_credit
from purchase_auth.tasks import order_accept_task


def order_create(
    *,
    customer: Customer,
    actor: User | None,
    lines: list[OrderLine],
    anniversary: date,
    kind: str = Order.Kind.NEW,
    pa: PurchaseAuthorization | None = None,
    renews_ad: date | None = None,
    auto_renewal: bool = False,
    submission_key: uuid.UUID | None = None,
) -> Order:
    """Save an order of priced, unsaved `lines` for a customer whose row the caller holds locked, audit
    it and have the Celery task accept it after commit (ORD-1). Raises OrderAlreadyPlaced when another
    order holds `submission_key` (NF-3: the caller checked `order_submission_check` first; this is the
    constraint's word), and IntegrityError from a savepoint when another constraint refuses it (one
    order per PA, one auto-renewal per term): the caller decides."""
    order = Order(
        reseller_id=customer.reseller_id,
        customer=customer,
        kind=kind,
        purchase_authorization=pa,
        created_at=timezone.now(),
        created_on=today(),
        created_by=actor or customer.managed_by.user,
        anniversary_date=anniversary,
        renews_ad=renews_ad,
        auto_renewal=auto_renewal,
        submission_key=submission_key,
        total=sum((line.line_total for line in lines), Decimal("0.00")),
    )
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError as error:
        if existing := _submitted(customer.reseller, submission_key):  # order_one_per_submission
            raise OrderAlreadyPlaced(existing) from error
        raise
    for line in lines:
        line.order = order
    OrderLine.objects.bulk_create(lines)
    customer_purchase_state_refresh(customer)
    audit_log(
        reseller=customer.reseller,
        actor=actor,
        action="order.place",
        obj=order,
        changes={
            "kind": [None, order.kind],
            "status": [None, order.status],
            "total": [None, order.total],
            "pa": [None, pa.number if pa else None],
        },
    )
    transaction.on_commit(lambda: order_accept_task.delay(order.pk), robust=True)
    return order


class OrderAlreadyPlaced(PurchaseError):
    """A second submit of the same Place order form (NF-3): `order` is the one the first placed."""

    def __init__(self, order: Order) -> None:
        super().__init__(_("This order was already placed: order %(number)s.") % {"number": order.number})
        self.order = order


def _submitted(reseller: Reseller, submission_key: uuid.UUID | None) -> Order | None:
    if submission_key is None:
        return None
    return Order.objects.filter(reseller=reseller, submission_key=submission_key).first()


def order_submission_check(reseller: Reseller, submission_key: uuid.UUID | None) -> None:
    """NF-3: raise OrderAlreadyPlaced when an order of this form's submission (its hidden key) exists —
    a double click, two tabs, a resubmit. Call it first, with the customer's row locked, so the second
    submit waits for the first and is answered with its order, not refused by a later check (the PA
    already ordered, the late renewal's quantities used up). `order_create` stores the key, and the
    `order_one_per_submission` constraint holds it. No key, no check."""
    if existing := _submitted(reseller, submission_key):
        raise OrderAlreadyPlaced(existing)


def order_place(
    *,
    reseller: Reseller,
    actor: User,
    vip_id: str,
    lines: Iterable[Line] = (),
    pa_number: str = "",
    submission_key: uuid.UUID | None = None,
) -> Order:
    """ORD-1, ORD-2: place a new or add-on order, optionally from a pending PA (whose lines it copies).
    It is priced now, prorated by whole months to the Anniversary Date, and accepted asynchronously.
    In the grace after an unrenewed term only a renewal order is possible; a lapsed customer starts a
    new term (REN-7).

    A second submit of the same form (same `submission_key`: a double click, two tabs, a resubmit)
    raises OrderAlreadyPlaced with the order the first placed, and never places another: checked under
    the customer's row lock, and held by the `order_one_per_submission` constraint (NF-3)."""
    with transaction.atomic():
        customer = locked_customer(reseller, vip_id)
        order_submission_check(reseller, submission_key)
        on = today()
        pa = None
        if pa_number:
            pa = (
                PurchaseAuthorization.objects.select_for_update()
                .filter(reseller=reseller, customer=customer, number=pa_number)
                .first()
            )
            if pa is None or pa.state not in OPEN:
                raise PurchaseError(_("This purchase authorization cannot be ordered: it is not pending any more."))
            if pa.orders.exclude(status=Order.Status.FAILED).exists():
                raise PurchaseError(_("An order for this purchase authorization was placed already."))
            lines = [Line(line.product, line.quantity) for line in pa.lines.select_related("product")]
        quote = order_quote(customer, lines, on)
        try:
            return order_create(
                customer=customer,
                actor=actor,
                lines=quote.lines,
                anniversary=quote.anniversary,
                pa=pa,
                submission_key=submission_key,
            )
        except IntegrityError as error:  # another order for the PA won the race
            raise PurchaseError(_("An order for this purchase authorization was placed already.")) from error


def order_return(
    *,
    reseller: Reseller,
    actor: User,
    vip_id: str,
    order_number: str,
    quantities: dict[int, int],
    expected_returned: dict[int, int] | None = None,
) -> Return:
    """ORD-5: return all or part of an order's lines within 14 days (policy) of the order date. The
    licences go at once; the credit is at the original prices. Consumables count as used once
    delivered and cannot be returned. Refused when it would leave assigned licences uncovered, and —
    given `expected_returned` (line id → returned quantity when the user confirmed) — when the order's
    returns changed since, so a double submit of a confirmation returns once."""
    with transaction.atomic():
        customer = locked_customer(reseller, vip_id)
        order = (
            Order.objects.select_for_update().filter(reseller=reseller, customer=customer, number=order_number).first()
        )
        if order is None:
            raise PurchaseError(_("This order does not exist."))
        if order.status != Order.Status.COMPLETE:
            raise PurchaseError(_("Only a complete order can be returned."))
        last_day = rules.return_last_day(order.created_on)
        if not rules.is_returnable_on(order.created_on, today()):
            raise PurchaseError(
                _("Order %(number)s can no longer be returned: the last day was %(day)s.")
                % {"number": order.number, "day": date_format(last_day)}
            )
        lines = {line.pk: line for line in order.lines.select_for_update().select_related("product")}
        wanted = {pk: quantity for pk, quantity in quantities.items() if quantity}
        if not wanted or any(pk not in lines for pk in wanted):
            raise PurchaseError(_("Enter how many licences to return."))
        if expected_returned is not None and any(
            line.returned_quantity != expected_returned.get(pk, 0) for pk, line in lines.items()
        ):
            # What the user confirmed no longer holds: a double submit, or a colleague returned licences.
            raise PurchaseError(
                _("Licences of order %(number)s were returned meanwhile: check the order and confirm again.")
                % {"number": order.number}
            )
        for pk, quantity in wanted.items():
            line = lines[pk]
            if line.product.is_consumable:
                raise PurchaseError(
                    _("%(product)s is a consumable and cannot be returned.") % {"product": line.product.name}
                )
            if not 1 <= quantity <= line.quantity - line.returned_quantity:
                raise PurchaseError(
                    _("Return 1 to %(max)d of %(product)s.")
                    % {"max": line.quantity - line.returned_quantity, "product": line.product.name}
                )
        return_lines = return_credit({lines[pk]: quantity for pk, quantity in wanted.items()})
        credit = sum((amount for _line, _q, amount in return_lines), Decimal("0.00"))
        if customer.three_year_commit_status == ThreeYearCommitStatus.COMMITTED:
            commit = ThreeYearCommit.objects.get(customer=customer, status=ThreeYearCommitStatus.COMMITTED)
            returned_qualifying = sum(q for line, q, _a in return_lines if line.product.counts_for_vip_select)
            if selectors.qualifying_bought(customer) - returned_qualifying < commit.committed_quantity:
                raise PurchaseError(
                    ngettext(
                        "This return would take the customer below its three-year commitment of %(count)d licence.",
                        "This return would take the customer below its three-year commitment of %(count)d licences.",
                        commit.committed_quantity,
                    )
                    % {"count": commit.committed_quantity}
                )
        record = Return.objects.create(
            reseller=reseller,
            order=order,
            created_at=timezone.now(),
            created_by=actor,
            credit=credit,
            currency=order.currency,
        )
        try:
            with transaction.atomic():
                for line, quantity, amount in return_lines:
                    ReturnLine.objects.create(return_record=record, order_line=line, quantity=quantity, credit=amount)
                    OrderLine.objects.filter(pk=line.pk).update(returned_quantity=F("returned_quantity") + quantity)
                    pool_add(customer, line.product, fulfilled=-quantity)
        except IntegrityError as error:
            raise PurchaseError(
                _("Some of these licences are assigned to users; the customer must unassign them before the return.")
            ) from error
        customer_purchase_state_refresh(customer)
        audit_log(
            reseller=reseller,
            actor=actor,
            action="order.return",
            obj=order,
            changes={
                "return": [None, record.number],
                "credit": [None, str(credit)],
                "lines": [None, ", ".join(f"{q} × {line.product.code}" for line, q, _a in return_lines)],
            },
        )
        recipient = customer.contract_owner.email if customer.contract_owner else customer.contact_email
        mail_enqueue(
            to=recipient,
            template="return_processed",
            language=customer.language,
            reseller=reseller,
            context={"customer": customer, "order": order, "record": record, "lines": return_lines},
        )
    return record
