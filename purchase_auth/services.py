"""Writes for purchasing (SPEC §5–§6). Every service locks the customer row first, so purchases,
cancels, orders and removals of one customer happen one at a time; the database constraints
(one order per PA, licence counts) refuse whatever slips past."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from console.accounts.models import Reseller, User
from console.audit.models import AuditEvent
from console.audit.services import SYSTEM, audit_log
from console.outbox.services import Mail, mail_enqueue, mail_enqueue_bulk
from customers.models import AnniversarySource, Customer, ThreeYearCommitStatus
from customers.rules import today
from purchase_auth import rules
from purchase_auth.models import (
    LicencePool,
    Order,
    OrderLine,
    Price,
    Product,
    PurchaseAuthorization,
    PurchaseAuthorizationLine,
    Return,
    ReturnLine,
    ThreeYearCommit,
)

OPEN = PurchaseAuthorization.OPEN_STATES


class PurchaseError(Exception):
    """A purchase the rules refuse; the message is shown to the user."""


@dataclass(frozen=True)
class Line:
    product: Product
    quantity: int


def _locked_customer(reseller: Reseller, vip_id: str) -> Customer:
    customer = (
        Customer.objects.select_for_update(of=("self",))
        .select_related("reseller")
        .filter(reseller=reseller, vip_id=vip_id, removed_at__isnull=True)
        .first()
    )
    if customer is None:
        raise PurchaseError(_("This customer does not exist."))
    return customer


def customer_purchase_state_refresh(customer: Customer) -> None:
    """Store what the list filters read (LIST-2): products ever bought or requested, and the earliest
    and latest due dates of the open purchase authorizations. One statement, from the PA table."""
    open_pas = PurchaseAuthorization.objects.filter(customer=customer, state__in=OPEN)
    dues = open_pas.aggregate(first=Min("due_date"), last=Max("due_date"))
    has_products = (
        PurchaseAuthorization.objects.filter(customer=customer).exists()
        or Order.objects.filter(customer=customer).exists()
    )
    Customer.objects.filter(pk=customer.pk).update(
        has_products=has_products, open_pa_min_due=dues["first"], open_pa_max_due=dues["last"]
    )
    customer.has_products, customer.open_pa_min_due, customer.open_pa_max_due = (
        has_products,
        dues["first"],
        dues["last"],
    )


def _check_lines(customer: Customer, lines: Iterable[Line], *, allow_consumables: bool) -> list[Line]:
    checked: dict[int, Line] = {}
    for line in lines:
        product = line.product
        if not product.is_active:
            raise PurchaseError(_("%(product)s is not sold any more.") % {"product": product.name})
        if customer.segment not in product.segments:  # CAT-4
            raise PurchaseError(
                _("%(product)s is not sold in the %(segment)s segment.")
                % {"product": product.name, "segment": customer.get_segment_display()}
            )
        if product.is_consumable and not allow_consumables:  # PA-6
            raise PurchaseError(_("Consumables cannot be requested with a purchase authorization."))
        if not 1 <= line.quantity <= product.max_quantity:  # PA-1
            raise PurchaseError(
                _("Order 1 to %(max)s of %(product)s.") % {"max": f"{product.max_quantity:,}", "product": product.name}
            )
        if product.pk in checked:
            raise PurchaseError(_("List each product once."))
        checked[product.pk] = line
    if not checked:
        raise PurchaseError(_("Add at least one product."))
    return list(checked.values())


def _pool_add(customer: Customer, product: Product, **deltas: int) -> None:
    """Add to a licence pool's counts (negative to remove); the check constraint refuses an overdraw."""
    LicencePool.objects.get_or_create(customer=customer, product=product)
    LicencePool.objects.filter(customer=customer, product=product).update(
        **{field: F(field) + delta for field, delta in deltas.items()}
    )


def purchase_authorization_create(
    *, reseller: Reseller, actor: User, vip_id: str, lines: Iterable[Line], po_number: str = ""
) -> PurchaseAuthorization:
    """PA-1, PA-2, PA-5: the customer gets immediate access (pending licences); payment is due in 14
    days. Refused while the customer has a past-due purchase authorization."""
    with transaction.atomic():
        customer = _locked_customer(reseller, vip_id)
        on = today()
        if customer.open_pa_min_due and customer.open_pa_min_due < on:
            raise PurchaseError(
                _("%(name)s has a past-due purchase authorization: place its order before requesting more.")
                % {"name": customer.name}
            )
        checked = _check_lines(customer, lines, allow_consumables=False)
        pa = PurchaseAuthorization.objects.create(
            reseller=reseller,
            customer=customer,
            created_at=timezone.now(),
            created_on=on,
            created_by=actor,
            due_date=rules.pa_due_date(on),
            po_number=po_number,
        )
        PurchaseAuthorizationLine.objects.bulk_create(
            [
                PurchaseAuthorizationLine(purchase_authorization=pa, product=line.product, quantity=line.quantity)
                for line in checked
            ]
        )
        for line in checked:
            _pool_add(customer, line.product, pending=line.quantity)
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
            changes=changes | {"customer": [None, customer.vip_id], "lines": [None, _lines_text(checked)]},
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


def _lines_text(lines: Iterable[Line]) -> str:
    return ", ".join(f"{line.quantity} × {line.product.code}" for line in lines)


def purchase_authorization_cancel(
    *, reseller: Reseller, actor: User, vip_id: str, number: str
) -> PurchaseAuthorization:
    """PA-4: cancel an open purchase authorization none of whose licences is assigned; its pending
    licences go. The licence pool's check constraint refuses a cancel that would leave assigned
    licences without a licence behind them."""
    with transaction.atomic():
        customer = _locked_customer(reseller, vip_id)
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
                    _pool_add(customer, line.product, pending=-line.quantity)
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


def customer_level(customer: Customer) -> str:
    """The discount level the customer buys at (CAT-3, ORD-3): the level reached this term, or the
    three-year commit's locked level while it is committed (ORD-6)."""
    if customer.three_year_commit_status == ThreeYearCommitStatus.COMMITTED:
        commit = ThreeYearCommit.objects.filter(customer=customer, status=ThreeYearCommitStatus.COMMITTED).first()
        if commit and commit.level:
            return commit.level
    return customer.vip_select_level or "01"


def _price(product: Product, segment: str, level: str) -> Price:
    price = Price.objects.filter(product=product, segment=segment, currency="USD", level=level).first()
    if price is None:
        price = Price.objects.filter(product=product, segment=segment, currency="USD", level="01").first()
    if price is None:
        raise PurchaseError(_("%(product)s has no price in this segment.") % {"product": product.name})
    return price


def order_place(
    *,
    reseller: Reseller,
    actor: User,
    vip_id: str,
    lines: Iterable[Line] = (),
    pa_number: str = "",
) -> Order:
    """ORD-1, ORD-2: place a new or add-on order, optionally from a pending PA (whose lines it copies).
    It is priced now, prorated by whole months to the Anniversary Date, and accepted asynchronously."""
    with transaction.atomic():
        customer = _locked_customer(reseller, vip_id)
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
        checked = _check_lines(customer, lines, allow_consumables=True)
        anniversary = customer.anniversary_date or rules.first_anniversary(on)
        months = rules.months_to_anniversary(on, anniversary)  # an extended term pays up to 48 months up front
        qualifying = sum(line.quantity for line in checked if line.product.counts_for_vip_select)
        level = max(customer_level(customer), rules.volume_level(qualifying))
        order = Order(
            reseller=reseller,
            customer=customer,
            purchase_authorization=pa,
            created_at=timezone.now(),
            created_on=on,
            created_by=actor,
            anniversary_date=anniversary,
        )
        order_lines = []
        for line in checked:
            price = _price(line.product, customer.segment, level)
            order_lines.append(
                OrderLine(
                    product=line.product,
                    quantity=line.quantity,
                    level=price.level,
                    unit_price=price.unit_price,
                    months=months,
                    line_total=rules.line_total(unit_price=price.unit_price, quantity=line.quantity, months=months),
                )
            )
        order.total = sum((line.line_total for line in order_lines), Decimal("0.00"))
        try:
            with transaction.atomic():
                order.save()
        except IntegrityError as error:  # order_one_per_pa: another order won the race
            raise PurchaseError(_("An order for this purchase authorization was placed already.")) from error
        for line in order_lines:
            line.order = order
        OrderLine.objects.bulk_create(order_lines)
        customer_purchase_state_refresh(customer)
        audit_log(
            reseller=reseller,
            actor=actor,
            action="order.place",
            obj=order,
            changes={"status": [None, order.status], "total": [None, order.total], "pa": [None, pa_number or None]},
        )
        from purchase_auth.tasks import order_accept_task

        transaction.on_commit(lambda: order_accept_task.delay(order.pk), robust=True)
    return order


def order_accept(*, order_id: int) -> Order:
    """ORD-1, ORD-3, ORD-8, PA-3, PA-5: the stand-in for the upstream licensing system accepts an open
    order: licences become fulfilled, the PA is ordered, the Anniversary Date is set, the level is
    re-evaluated, the customer admin is emailed. A refused order fails with a reason and changes
    nothing else. Running it twice changes nothing the second time."""
    with transaction.atomic():
        order = Order.objects.with_scopes_disabled().select_for_update().filter(pk=order_id).first()
        if order is None or order.status != Order.Status.OPEN:
            return order  # type: ignore[return-value]
        customer = (
            Customer.objects.with_scopes_disabled()
            .select_for_update(of=("self",))
            .select_related("reseller", "managed_by__user", "contract_owner")
            .get(pk=order.customer_id)
        )
        reason = ""
        if customer.removed_at is not None or customer.reseller_id != order.reseller_id:
            reason = _("The customer is not active with this reseller.")
        elif not customer.reseller.is_active:
            reason = _("The reseller is not active.")
        lines = list(order.lines.select_related("product"))
        pa = order.purchase_authorization
        if not reason and pa is not None and pa.state not in OPEN:
            reason = _("The purchase authorization is not pending any more.")
        if not reason and any(not line.product.is_active for line in lines):
            reason = _("A product in this order is not sold any more.")
        if reason:
            Order.objects.with_scopes_disabled().filter(pk=order.pk).update(
                status=Order.Status.FAILED, failure_reason=reason
            )
            order.refresh_from_db()
            audit_log(
                reseller=order.reseller,
                actor=None,
                action="order.fail",
                obj=order,
                changes={"status": [Order.Status.OPEN, Order.Status.FAILED], "reason": [None, reason]},
            )
            return order
        for line in lines:
            _pool_add(customer, line.product, fulfilled=line.quantity, pending=-line.quantity if pa else 0)
        if pa is not None:
            PurchaseAuthorization.objects.with_scopes_disabled().filter(pk=pa.pk).update(
                state=PurchaseAuthorization.State.ORDERED
            )
        now = timezone.now()
        changes: dict = {"status": [Order.Status.OPEN, Order.Status.COMPLETE]}
        if customer.anniversary_date is None:  # PA-5 (no PA before this order)
            customer.anniversary_date = rules.first_anniversary(timezone.localdate(now))
            customer.anniversary_source = AnniversarySource.ORDER
            changes["anniversary_date"] = [None, customer.anniversary_date]
        before_level = customer.vip_select_level
        new_level = _level_after(customer, order)
        if new_level > (before_level or "01"):  # ORD-3: never drops mid-term
            customer.vip_select_level = new_level
            changes["vip_select_level"] = [before_level or None, new_level]
        customer.save(update_fields=["anniversary_date", "anniversary_source", "vip_select_level", "search_text"])
        Order.objects.with_scopes_disabled().filter(pk=order.pk).update(status=Order.Status.COMPLETE, accepted_at=now)
        order.refresh_from_db()
        customer_purchase_state_refresh(customer)
        three_year_commit_check(customer)
        audit_log(reseller=order.reseller, actor=None, action="order.accept", obj=order, changes=changes)
        recipient = customer.contract_owner.email if customer.contract_owner else customer.contact_email
        mail_enqueue(
            to=recipient,
            template="order_confirmation",
            language=customer.language,
            reseller=order.reseller,
            context={"customer": customer, "order": order, "lines": lines},
            dedupe_key=f"order-confirmation-{order.pk}",
        )
        if (before_level or "01") < "02" <= new_level:  # ORD-3: the VIP Select welcome, the first time
            mail_enqueue(
                to=recipient,
                template="vip_select_welcome",
                language=customer.language,
                reseller=order.reseller,
                context={"customer": customer, "level": new_level},
                dedupe_key=f"vip-select-welcome-{customer.pk}",
            )
    return order


def qualifying_bought(customer: Customer) -> int:
    """ORD-3: qualifying licences bought this term (accepted orders since the term began, less returns)."""
    if customer.anniversary_date is None:
        return 0
    term_start = customer.anniversary_date - relativedelta(months=12)
    return (
        OrderLine.objects.filter(
            order__customer=customer,
            order__status=Order.Status.COMPLETE,
            order__created_on__gte=term_start,
            product__counts_for_vip_select=True,
        )
        .aggregate(total=Sum(F("quantity") - F("returned_quantity")))
        .get("total")
        or 0
    )


def _level_after(customer: Customer, order: Order) -> str:
    """ORD-3: the level reached by the qualifying licences bought this term together with the order
    being accepted."""
    this_order = order.lines.filter(product__counts_for_vip_select=True).aggregate(total=Sum("quantity"))["total"] or 0
    return rules.volume_level(qualifying_bought(customer) + this_order)


def purchase_authorizations_refresh(*, on: date) -> dict[str, int]:
    """JOB-1/PA-7: move open purchase authorizations with time (pending → overdue → suspended).

    Set-based: one conditional UPDATE … RETURNING moves every PA whose time state differs from its
    stored one, so a second or concurrent run finds nothing to move and sends nothing (JOB-2); the
    outbox's de-duplication key makes a duplicate email impossible all the same. The time rule is
    purchase_auth.rules (the same dates the customer list filters on, JOB-4).
    """
    suspend_after = settings.VIP_POLICY["PA_SUSPEND_AFTER_DAYS"]
    table = PurchaseAuthorization._meta.db_table
    target = f"CASE WHEN %s >= created_on + {int(suspend_after) + 1} THEN 'suspended' ELSE 'overdue' END"
    if connection.vendor == "sqlite":
        target = (
            f"CASE WHEN %s >= date(created_on, '+{int(suspend_after) + 1} days') THEN 'suspended' ELSE 'overdue' END"
        )
    sql = (
        f"UPDATE {table} SET state = {target} "  # noqa: S608 (no user input: table name and integers)
        f"WHERE state IN ('pending', 'overdue') AND due_date < %s AND state <> {target} "
        "RETURNING id, state"
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, [on, on, on])
            moved = cursor.fetchall()
        if not moved:
            return {"overdue": 0, "suspended": 0}
        pas = (
            PurchaseAuthorization.objects.with_scopes_disabled()
            .filter(pk__in=[pk for pk, _state in moved])
            .select_related("customer__managed_by__user", "reseller")
        )
        new_state = dict(moved)
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    created_at=timezone.now(),
                    actor=None,
                    actor_label=SYSTEM,
                    reseller_id=pa.reseller_id,
                    action=f"pa.{new_state[pa.pk]}",
                    object_type=PurchaseAuthorization._meta.label_lower,
                    object_id=str(pa.pk),
                    object_repr=pa.number,
                    changes={"state": ["pending" if new_state[pa.pk] == "overdue" else "overdue", new_state[pa.pk]]},
                )
                for pa in pas
            ],
        )
        mail_enqueue_bulk(
            [
                Mail(
                    to=pa.customer.managed_by.user.email,
                    template=f"pa_{new_state[pa.pk]}",
                    language=pa.customer.managed_by.user.language,
                    reseller=pa.reseller,
                    context={"customer": pa.customer, "pa": pa},
                    dedupe_key=f"pa-{new_state[pa.pk]}-{pa.pk}",
                )
                for pa in pas
            ]
        )
    counts = {"overdue": 0, "suspended": 0}
    for _pk, state in moved:
        counts[state] += 1
    return counts


def order_return(
    *, reseller: Reseller, actor: User, vip_id: str, order_number: str, quantities: dict[int, int]
) -> Return:
    """ORD-5: return all or part of an order's lines within 14 days (policy) of the order date. The
    licences go at once; the credit is at the original prices. Consumables count as used once
    delivered and cannot be returned. Refused when it would leave assigned licences uncovered."""
    with transaction.atomic():
        customer = _locked_customer(reseller, vip_id)
        order = (
            Order.objects.select_for_update().filter(reseller=reseller, customer=customer, number=order_number).first()
        )
        if order is None:
            raise PurchaseError(_("This order does not exist."))
        if order.status != Order.Status.COMPLETE:
            raise PurchaseError(_("Only a complete order can be returned."))
        last_day = order.created_on + timedelta(days=settings.VIP_POLICY["RETURN_DAYS"])
        if today() > last_day:
            raise PurchaseError(
                _("Order %(number)s can no longer be returned: the last day was %(day)s.")
                % {"number": order.number, "day": last_day.isoformat()}
            )
        lines = {line.pk: line for line in order.lines.select_for_update().select_related("product")}
        wanted = {pk: quantity for pk, quantity in quantities.items() if quantity}
        if not wanted or any(pk not in lines for pk in wanted):
            raise PurchaseError(_("Enter how many licences to return."))
        credit = Decimal("0.00")
        return_lines = []
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
            amount = rules.line_total(unit_price=line.unit_price, quantity=quantity, months=line.months)
            credit += amount
            return_lines.append((line, quantity, amount))
        if customer.three_year_commit_status == ThreeYearCommitStatus.COMMITTED:
            commit = ThreeYearCommit.objects.get(customer=customer, status=ThreeYearCommitStatus.COMMITTED)
            returned_qualifying = sum(q for line, q, _a in return_lines if line.product.counts_for_vip_select)
            if qualifying_bought(customer) - returned_qualifying < commit.committed_quantity:
                raise PurchaseError(
                    _("This return would take the customer below its three-year commitment of %(count)d licences.")
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
                    _pool_add(customer, line.product, fulfilled=-quantity)
        except IntegrityError as error:
            raise PurchaseError(
                _("Some of these licences are assigned to users; the customer must unassign them before the return.")
            ) from error
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


def licences_assign(*, customer: Customer, actor: User, product_id: int, assigned: int) -> LicencePool:
    """ORD-4: the customer admin sets how many licences of a product are assigned to users — never
    more than exist (fulfilled + pending); the check constraint refuses the rest."""
    with transaction.atomic():
        pool = (
            LicencePool.objects.select_for_update()
            .select_related("product")
            .filter(customer=customer, product_id=product_id)
            .first()
        )
        if pool is None:
            raise PurchaseError(_("This organization has no licences of that product."))
        # PA-2: pending licences of a suspended purchase authorization stopped working.
        from purchase_auth.selectors import suspended_quantities

        usable = pool.total - suspended_quantities(customer=customer).get(pool.product_id, 0)
        if assigned < 0 or assigned > max(usable, pool.assigned):
            raise PurchaseError(
                _("Assign 0 to %(max)d licences of %(product)s.") % {"max": usable, "product": pool.product.name}
            )
        before = pool.assigned
        try:
            with transaction.atomic():
                LicencePool.objects.filter(pk=pool.pk).update(assigned=assigned)
        except IntegrityError as error:  # the counts changed meanwhile
            raise PurchaseError(_("The licences changed meanwhile; try again.")) from error
        pool.assigned = assigned
        audit_log(
            reseller=customer.reseller,
            actor=actor,
            action="licences.assign",
            obj=customer,
            changes={f"assigned {pool.product.code}": [before, assigned]},
        )
    return pool


LIVE_COMMITS = (ThreeYearCommitStatus.REQUESTED, ThreeYearCommitStatus.ACCEPTED, ThreeYearCommitStatus.COMMITTED)


def _commit_notify(commit: ThreeYearCommit, customer: Customer) -> None:
    member = customer.managed_by.user
    mail_enqueue(
        to=member.email,
        template="three_year_commit_result",
        language=member.language,
        reseller=customer.reseller,
        context={"customer": customer, "commit": commit},
        dedupe_key=f"commit-{commit.pk}-{commit.status}",
    )


def three_year_commit_request(*, reseller: Reseller, actor: User, vip_id: str, quantity: int) -> ThreeYearCommit:
    """ORD-6: ask a VIP Select customer (never an extended-term one) to commit to `quantity` (≥ 10)
    licences for three terms; its admin accepts or declines in the member portal."""
    with transaction.atomic():
        customer = _locked_customer(reseller, vip_id)
        if customer.extended_term_months:
            raise PurchaseError(_("The three-year commit is not available with an extended term paid up front."))
        if (customer.vip_select_level or "01") < "02":
            raise PurchaseError(
                _("Only VIP Select customers (10 or more licences this term) can commit for three years.")
            )
        if not rules.VIP_SELECT_MINIMUM <= quantity <= 200_000:
            raise PurchaseError(_("Commit to 10 licences or more."))
        if ThreeYearCommit.objects.filter(customer=customer, status__in=LIVE_COMMITS).exists():
            raise PurchaseError(_("This customer already has a three-year commit in progress."))
        commit = ThreeYearCommit.objects.create(
            reseller=reseller,
            customer=customer,
            status=ThreeYearCommitStatus.REQUESTED,
            committed_quantity=quantity,
            requested_at=timezone.now(),
            requested_by=actor,
        )
        customer.three_year_commit_status = commit.status
        customer.save(update_fields=["three_year_commit_status", "search_text"])
        audit_log(
            reseller=reseller,
            actor=actor,
            action="customer.commit_request",
            obj=customer,
            changes={"three_year_commit": [None, f"{quantity} licences, requested"]},
        )
        from django.urls import reverse

        mail_enqueue(
            to=customer.contract_owner.email if customer.contract_owner else customer.contact_email,
            template="three_year_commit_request",
            language=customer.language,
            reseller=reseller,
            context={
                "customer": customer,
                "commit": commit,
                "link": settings.SITE_URL + reverse("portal:organization", args=[customer.vip_id]),
            },
        )
    return commit


def three_year_commit_decide(*, customer: Customer, actor: User, accept: bool) -> ThreeYearCommit:
    """ORD-6: the customer admin accepts (30 days to reach the quantity) or declines the request."""
    with transaction.atomic():
        locked = (
            Customer.objects.with_scopes_disabled()
            .select_for_update(of=("self",))
            .select_related("reseller", "managed_by__user")
            .get(pk=customer.pk)
        )
        commit = (
            ThreeYearCommit.objects.with_scopes_disabled()
            .select_for_update()
            .filter(customer=locked, status=ThreeYearCommitStatus.REQUESTED)
            .first()
        )
        if commit is None:
            raise PurchaseError(_("There is no three-year commit request to answer."))
        commit.decided_at = timezone.now()
        if accept:
            commit.status = ThreeYearCommitStatus.ACCEPTED
            commit.deadline = today() + timedelta(days=settings.VIP_POLICY["THREE_YEAR_COMMIT_DAYS"])
        else:
            commit.status = ThreeYearCommitStatus.DECLINED
        commit.save(update_fields=["status", "decided_at", "deadline"])
        locked.three_year_commit_status = commit.status
        locked.save(update_fields=["three_year_commit_status", "search_text"])
        audit_log(
            reseller=locked.reseller,
            actor=actor,
            action="customer.commit_decide",
            obj=locked,
            changes={"three_year_commit": [ThreeYearCommitStatus.REQUESTED, commit.status]},
        )
        _commit_notify(commit, locked)
        if accept:
            three_year_commit_check(locked)
    return commit


def three_year_commit_check(customer: Customer) -> None:
    """ORD-6: an accepted commitment becomes committed once the qualifying licences bought this term
    reach the committed quantity (before its deadline); the level is then locked for this term and
    the next two. Call inside a transaction that holds the customer's row."""
    commit = (
        ThreeYearCommit.objects.with_scopes_disabled()
        .select_for_update()
        .filter(customer=customer, status=ThreeYearCommitStatus.ACCEPTED)
        .first()
    )
    if commit is None or commit.deadline is None or today() > commit.deadline:
        return
    if qualifying_bought(customer) < commit.committed_quantity:
        return
    commit.status = ThreeYearCommitStatus.COMMITTED
    commit.level = rules.commit_level(customer.segment, commit.committed_quantity)
    commit.ends_on = customer.anniversary_date + relativedelta(months=24) if customer.anniversary_date else None
    commit.save(update_fields=["status", "level", "ends_on"])
    Customer.objects.with_scopes_disabled().filter(pk=customer.pk).update(three_year_commit_status=commit.status)
    customer.three_year_commit_status = commit.status
    audit_log(
        reseller=customer.reseller,
        actor=None,
        action="customer.commit_committed",
        obj=customer,
        changes={"three_year_commit": [ThreeYearCommitStatus.ACCEPTED, commit.status], "level": [None, commit.level]},
    )
    _commit_notify(commit, customer)


def three_year_commits_refresh(*, on: date) -> dict[str, int]:
    """JOB-1/ORD-6: accepted commitments past their deadline become non-compliant; committed ones past
    their third term expire (the customer returns to its normal level). Set-based and idempotent like
    purchase_authorizations_refresh."""
    counts = {"non_compliant": 0, "expired": 0}
    with transaction.atomic():
        moved: list[tuple[int, str]] = []
        for status, condition, target in (
            (ThreeYearCommitStatus.ACCEPTED, {"deadline__lt": on}, ThreeYearCommitStatus.NON_COMPLIANT),
            (ThreeYearCommitStatus.COMMITTED, {"ends_on__lt": on}, ThreeYearCommitStatus.EXPIRED),
        ):
            ids = list(
                ThreeYearCommit.objects.with_scopes_disabled()
                .select_for_update(skip_locked=True)
                .filter(status=status, **condition)
                .values_list("pk", flat=True)
            )
            changed = (
                ThreeYearCommit.objects.with_scopes_disabled().filter(pk__in=ids, status=status).update(status=target)
            )
            if changed:
                moved += [(pk, target) for pk in ids]
                counts[str(target)] = changed
        if not moved:
            return counts
        commits = list(
            ThreeYearCommit.objects.with_scopes_disabled()
            .filter(pk__in=[pk for pk, _t in moved])
            .select_related("customer__managed_by__user", "customer__reseller")
        )
        for target in (ThreeYearCommitStatus.NON_COMPLIANT, ThreeYearCommitStatus.EXPIRED):
            Customer.objects.with_scopes_disabled().filter(
                three_year_commits__in=[c for c in commits if c.status == target]
            ).update(three_year_commit_status=target)
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    created_at=timezone.now(),
                    actor=None,
                    actor_label=SYSTEM,
                    reseller_id=c.customer.reseller_id,
                    action=f"customer.commit_{c.status}",
                    object_type=Customer._meta.label_lower,
                    object_id=str(c.customer_id),
                    object_repr=str(c.customer)[:200],
                    changes={"three_year_commit": [None, c.status]},
                )
                for c in commits
            ],
        )
        mail_enqueue_bulk(
            [
                Mail(
                    to=c.customer.managed_by.user.email,
                    template="three_year_commit_result",
                    language=c.customer.managed_by.user.language,
                    reseller=c.customer.reseller,
                    context={"customer": c.customer, "commit": c},
                    dedupe_key=f"commit-{c.pk}-{c.status}",
                )
                for c in commits
            ]
        )
    return counts
