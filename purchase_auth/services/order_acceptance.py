"""ORD-1, ORD-3, ORD-8: the stand-in for the upstream licensing system accepts an open order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from console.audit.services import audit_log
from console.clock import today
from console.outbox.services import mail_enqueue
from customers.models import AnniversarySource, Customer
from customers.rules import RenewalState, renewal_state_for
from purchase_auth import rules, selectors
from purchase_auth.models import Order, OrderLine, PurchaseAuthorization
from purchase_auth.services.common import (
    OPEN,
    customer_purchase_state_refresh,
    pool_add,
)
from purchase_auth.services.three_year_commit import three_year_commit_check

# What accepting an order of another kind does (the renewals app registers Order.Kind.RENEWAL): given
# the locked customer, the order and its lines, apply the licences, Anniversary Date and level, and
# return the audit changes. Called inside the acceptance's transaction.
OrderApply = Callable[[Customer, Order, list[OrderLine]], dict[str, list[Any]]]
_order_kinds: dict[str, OrderApply] = {}


def order_kind_register(kind: str, apply: OrderApply) -> None:
    """Called from an app's AppConfig.ready(); registering a kind again replaces it."""
    _order_kinds[kind] = apply


def order_accept(*, order_id: int) -> Order | None:
    """ORD-1, ORD-3, ORD-8, PA-3, PA-5: the stand-in for the upstream licensing system accepts an open
    order: licences become fulfilled, the PA is ordered, the Anniversary Date is set, the level is
    re-evaluated, the customer admin is emailed. A refused order fails with a reason and changes
    nothing else. Running it twice changes nothing the second time; returns the order (None when it
    does not exist)."""
    with transaction.atomic():
        order = Order.objects.with_scopes_disabled().select_for_update().filter(pk=order_id).first()
        if order is None or order.status != Order.Status.OPEN:
            return order
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
        if not reason and order.kind != Order.Kind.NEW and order.kind not in _order_kinds:
            reason = _("This kind of order cannot be accepted.")
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
        now = timezone.now()
        changes: dict[str, list[Any]] = {"status": [Order.Status.OPEN, Order.Status.COMPLETE]}
        before_level = customer.vip_select_level
        if order.kind in _order_kinds:
            changes |= _order_kinds[order.kind](customer, order, lines)
            new_level = customer.vip_select_level or "01"
        else:
            changes |= _new_order_apply(customer, order, lines)
            new_level = _level_after(customer, order)
            if new_level > (before_level or "01"):  # ORD-3: never drops mid-term
                customer.vip_select_level = new_level
                changes["vip_select_level"] = [before_level or None, new_level]
        customer.save(
            update_fields=[
                "anniversary_date",
                "anniversary_source",
                "vip_select_level",
                "renewed_ad",
                "renewal_shortfall",
                "search_text",
            ]
        )
        Order.objects.with_scopes_disabled().filter(pk=order.pk).update(status=Order.Status.COMPLETE, accepted_at=now)
        order.refresh_from_db()
        three_year_commit_check(customer)
        customer_purchase_state_refresh(customer)
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


def _new_order_apply(customer: Customer, order: Order, lines: list[OrderLine]) -> dict[str, list[Any]]:
    """A new or add-on order: its licences are fulfilled (from pending when it fulfils a PA, PA-3), and
    a customer without a term — never had one, or lapsed (REN-7) — starts one (PA-5)."""
    pa = order.purchase_authorization
    for line in lines:
        pool_add(customer, line.product, fulfilled=line.quantity, pending=-line.quantity if pa else 0)
    if pa is not None:
        PurchaseAuthorization.objects.with_scopes_disabled().filter(pk=pa.pk).update(
            state=PurchaseAuthorization.State.ORDERED
        )
    changes: dict[str, list[Any]] = {}
    on = today()
    if customer.anniversary_date is None or renewal_state_for(customer, on) == RenewalState.LAPSED:
        before = customer.anniversary_date
        customer.anniversary_date = (
            order.anniversary_date if order.anniversary_date > on else rules.first_anniversary(on)
        )
        customer.anniversary_source = AnniversarySource.ORDER
        changes["anniversary_date"] = [before, customer.anniversary_date]
    return changes


def _level_after(customer: Customer, order: Order) -> str:
    """ORD-3: the level reached by the qualifying licences bought this term together with the order
    being accepted."""
    this_order = order.lines.filter(product__counts_for_vip_select=True).aggregate(total=Sum("quantity"))["total"] or 0
    return rules.volume_level(selectors.qualifying_bought(customer) + this_order)
