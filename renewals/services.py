"""Writes for renewals (SPEC §7): renewal orders and what accepting one does (REN-2, REN-3, REN-7),
auto-renewal settings (REN-9), and the periodic steps: licence expiry after the grace (REN-4) and the
auto-renewal orders on the Anniversary Date (REN-9)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from functools import partial
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from console.accounts.models import Reseller, User
from console.audit.services import AuditEntry, audit_log, audit_log_bulk
from console.bulk import bulk_insert
from console.clock import policy, today
from customers.figures import customer_figures_refresh
from customers.models import Customer, ThreeYearCommitStatus
from customers.rules import RenewalState, renewal_state_for
from purchase_auth import rules
from purchase_auth.models import LicencePool, Order, OrderLine, Product
from purchase_auth.services.common import Line, PurchaseError, check_lines, locked_customer, pool_add
from purchase_auth.services.orders import order_create, order_submission_check
from purchase_auth.tasks import order_accept_task
from renewals import selectors
from renewals.models import AutoRenewal, AutoRenewalLine


def _checked_renewal(
    customer: Customer, lines: Iterable[Line], on: date, *, preview: bool = False
) -> tuple[date, list[Line]]:
    """REN-2, REN-7: the term a renewal placed on `on` renews, and its lines once the rules allow them.
    A preview (REN-10) is allowed while the renewal is upcoming too, before orders open at AD−30."""
    ad = selectors.term_ad(customer, on)
    state = renewal_state_for(customer, on)
    window = timedelta(days=policy("RENEWAL_WINDOW_DAYS"))
    too_early = ad is None or state == RenewalState.UPCOMING or on < ad - window
    if ad is None or state == RenewalState.NONE or (too_early and not preview):
        raise PurchaseError(_("A renewal order can be placed from 30 days before the Anniversary Date."))
    if state == RenewalState.LAPSED:
        raise PurchaseError(
            _("The grace period after %(day)s is over: the licences expired, so place a new order.")
            % {"day": date_format(ad)}
        )
    checked = check_lines(customer, lines, allow_consumables=False)
    if on >= ad:  # late renewal: only what expires, up to its quantity
        expiring = selectors.expiring(customer, on)
        for line in checked:
            if line.quantity > expiring.get(line.product, 0):
                raise PurchaseError(
                    _("After the Anniversary Date only expiring licences renew: at most %(max)d of %(product)s.")
                    % {"max": expiring.get(line.product, 0), "product": line.product.name}
                )
    return ad, checked


def renewal_preview(*, customer: Customer, lines: Iterable[Line], on: date | None = None) -> selectors.Quote:
    """REN-10: the level, unit prices, line totals and total of a renewal order of these lines, checked
    by the rules placing it applies (products, late renewal's limits) and priced by the same function.
    Raises PurchaseError with the reason when the order would be refused."""
    _ad, checked = _checked_renewal(customer, lines, on or today(), preview=True)
    return selectors.renewal_quote(customer, checked)


def renewal_order_place(
    *, reseller: Reseller, actor: User, vip_id: str, lines: Iterable[Line], submission_key: uuid.UUID | None = None
) -> Order:
    """REN-2, REN-7, REN-10: a renewal order of the term being renewed, priced at the level the renewal
    quantity reaches for a full 12-month term, accepted asynchronously like any order.

    NF-3: a second submit of the same form (same `submission_key`) raises OrderAlreadyPlaced with the
    order the first placed and places no other, as `order_place` does (`order_submission_check`)."""
    with transaction.atomic():
        customer = locked_customer(reseller, vip_id)
        order_submission_check(reseller, submission_key)
        on = today()
        ad, checked = _checked_renewal(customer, lines, on)
        quote = selectors.renewal_quote(customer, checked)
        return order_create(
            customer=customer,
            actor=actor,
            lines=quote.lines,
            anniversary=ad + relativedelta(months=12),
            kind=Order.Kind.RENEWAL,
            renews_ad=ad,
            submission_key=submission_key,
        )


def renewal_apply(customer: Customer, order: Order, lines: list[OrderLine]) -> dict[str, list[Any]]:
    """REN-3, REN-4: accepting a renewal order (called by purchase_auth's acceptance, inside its
    transaction, with the customer's row locked). The first renewal of a term moves the Anniversary
    Date 12 months on; the renewed quantities become the new term's licences and the rest stay in grace
    until the old term's grace ends. A second renewal order in the same window adds licences and takes
    them out of grace; it does not move the AD again. The level follows the renewal (REN-2)."""
    renewed = {line.product_id: line.quantity for line in lines}
    changes: dict[str, list[Any]] = {}
    if customer.renewed_ad != order.renews_ad:  # the term's first renewal
        pools = {pool.product_id: pool for pool in LicencePool.objects.select_for_update().filter(customer=customer)}
        for product_id, pool in pools.items():
            quantity = renewed.get(product_id, 0)
            LicencePool.objects.filter(pk=pool.pk).update(fulfilled=quantity, grace=max(pool.fulfilled - quantity, 0))
        for line in lines:
            if line.product_id not in pools:
                pool_add(customer, line.product, fulfilled=line.quantity)
        before = customer.anniversary_date
        customer.anniversary_date = order.anniversary_date
        customer.renewed_ad = order.renews_ad
        changes["anniversary_date"] = [before, customer.anniversary_date]
        if customer.three_year_commit_status != ThreeYearCommitStatus.COMMITTED:
            level = rules.volume_level(sum(line.quantity for line in lines if line.product.counts_for_vip_select))
            changes["vip_select_level"] = [customer.vip_select_level or None, level]
            customer.vip_select_level = level
    else:
        for line in lines:
            pool_add(customer, line.product, fulfilled=line.quantity)
            LicencePool.objects.filter(customer=customer, product=line.product).update(
                grace=F("grace") - Least(F("grace"), line.quantity)
            )
    shortfall = sum(LicencePool.objects.filter(customer=customer).values_list("grace", flat=True))
    changes["licences_not_renewed"] = [customer.renewal_shortfall, shortfall]
    customer.renewal_shortfall = shortfall
    return changes


def auto_renewal_update(
    *, reseller: Reseller, actor: User, vip_id: str, enabled: bool, quantities: dict[Product, int]
) -> AutoRenewal:
    """REN-9: turn auto-renewal on or off and set the quantity per product, until 3 days (policy) before
    the Anniversary Date. A committed three-year commit cannot turn it off nor go below the commitment."""
    with transaction.atomic():
        customer = locked_customer(reseller, vip_id)
        on = today()
        ad = customer.anniversary_date
        if ad is not None and on > ad - timedelta(days=policy("AUTO_RENEWAL_EDIT_DAYS")):
            raise PurchaseError(
                _("Auto-renewal can be changed until %(day)s.")
                % {"day": date_format(ad - timedelta(days=policy("AUTO_RENEWAL_EDIT_DAYS")))}
            )
        if any(not 0 <= quantity <= product.max_quantity for product, quantity in quantities.items()):
            raise PurchaseError(_("Enter a quantity from 0 to the product's maximum."))
        if customer.three_year_commit_status == ThreeYearCommitStatus.COMMITTED:
            committed = customer.three_year_commits.filter(status=ThreeYearCommitStatus.COMMITTED).first()
            renewing = sum(q for product, q in quantities.items() if product.counts_for_vip_select)
            if not enabled or (committed and quantities and renewing < committed.committed_quantity):
                raise PurchaseError(
                    ngettext(
                        "With a three-year commit, auto-renewal stays on with at least %(count)d licence.",
                        "With a three-year commit, auto-renewal stays on with at least %(count)d licences.",
                        committed.committed_quantity if committed else 0,
                    )
                    % {"count": committed.committed_quantity if committed else 0}
                )
        settings, _created = AutoRenewal.objects.update_or_create(
            customer=customer,
            defaults={"reseller": reseller, "enabled": enabled, "updated_at": timezone.now(), "updated_by": actor},
        )
        AutoRenewalLine.objects.filter(auto_renewal=settings).delete()
        AutoRenewalLine.objects.bulk_create(
            [AutoRenewalLine(auto_renewal=settings, product=product, quantity=q) for product, q in quantities.items()]
        )
        audit_log(
            reseller=reseller,
            actor=actor,
            action="customer.auto_renewal",
            obj=customer,
            changes={
                "auto_renewal": [None, "on" if enabled else "off"],
                "quantities": [None, ", ".join(f"{q} × {p.code}" for p, q in quantities.items())],
            },
        )
    return settings


def licences_expire(*, on: date) -> dict[str, int]:
    """JOB-1/REN-4: after the grace, licences that were not renewed expire — of a partial renewal, those
    left in grace; of a customer who did not renew, all of the term's. Expired licences are no longer
    assigned. Set-based and idempotent: an expired licence is no longer in grace nor fulfilled."""
    grace_end = on - timedelta(days=policy("RENEWAL_GRACE_DAYS"))
    # No ordering: LicencePool's default (by product name) made each statement join the products and
    # sort every pool of the customers past their grace (make bench, job stage).
    pools = LicencePool.objects.filter(customer__removed_at__isnull=True).order_by()
    listed = Customer.objects.with_scopes_disabled().filter(removed_at__isnull=True)
    with transaction.atomic():
        # The customers to look at, from the licences stored on their rows (customers.figures, exact in
        # every transaction) and two partial indexes: those whose grace is over and that still have
        # licences, not every customer that ever lapsed. Their pools decide, as before.
        renewed = listed.filter(renewal_licences_grace__gt=0, renewed_ad__lt=grace_end)
        licensed = listed.filter(Q(renewal_licences__gt=0) | Q(renewal_licences_grace__gt=0))
        partial = pools.filter(
            grace__gt=0, customer__renewed_ad__lt=grace_end, customer__any=list(renewed.values_list("pk", flat=True))
        )
        lapsed = pools.filter(
            Q(fulfilled__gt=0) | Q(grace__gt=0),
            customer__anniversary_date__lt=grace_end,
            customer__any=list(licensed.filter(anniversary_date__lt=grace_end).values_list("pk", flat=True)),
        )
        # Lock the pools to expire, then update just those (by primary key, the conditions checked again):
        # the UPDATE does not search the customers past their grace a second time.
        locked = dict(partial.select_for_update(of=("self",)).values_list("pk", "customer_id"))
        partial.filter(pk__any=list(locked)).update(
            expired=F("expired") + F("grace"), assigned=Least("assigned", F("fulfilled") + F("pending")), grace=0
        )
        partial_ids = set(locked.values())
        locked = dict(lapsed.select_for_update(of=("self",)).values_list("pk", "customer_id"))
        lapsed.filter(pk__any=list(locked)).update(
            expired=F("expired") + F("fulfilled") + F("grace"),
            assigned=Least("assigned", F("pending")),
            fulfilled=0,
            grace=0,
        )
        lapsed_ids = set(locked.values())
        # Only what the pools give: the PAs, orders and prices did not change.
        customer_figures_refresh(partial_ids | lapsed_ids, sources=("licences", "renewals"))
        # What the audit entries (str(customer)) and their webhook events (api.webhooks) read, not the rows.
        customers = (
            Customer.objects.with_scopes_disabled()
            .filter(pk__any=list(partial_ids | lapsed_ids))
            .only("reseller_id", "vip_id", "name", "invitation_status")
        )
        audit_log_bulk(
            AuditEntry(
                reseller_id=customer.reseller_id,
                action="licences.expire",
                obj=customer,
                changes={"renewal": [None, "lapsed" if customer.pk in lapsed_ids else "partially renewed"]},
            )
            for customer in customers
        )
    return {"partial": len(partial_ids), "lapsed": len(lapsed_ids)}


def auto_renewals_place(*, on: date) -> dict[str, int]:
    """JOB-1/REN-9: on (or after, within the grace) the Anniversary Date, place the renewal order of
    every auto-renewing customer that has not renewed, all at once (JOB-3: the same few statements
    whatever the number of customers): one query finds and locks them (a concurrent run skips the rows
    this one holds, then finds their orders), one pass prices them (renewal_quote's rules, in bulk), one
    INSERT each for orders, lines and audit events. The database allows one auto-renewal order per
    customer and term (order_one_auto_renewal_per_term): should a run slip past, its insert fails whole
    and the next run places what is left. Each order is then accepted by its Celery task like any other."""
    grace = timedelta(days=policy("RENEWAL_GRACE_DAYS"))
    renewed_already = Order.objects.with_scopes_disabled().filter(
        customer=OuterRef("pk"), auto_renewal=True, renews_ad=OuterRef("anniversary_date")
    )
    switched_off = AutoRenewal.objects.with_scopes_disabled().filter(customer=OuterRef("pk"), enabled=False)
    with_licences = LicencePool.objects.filter(customer=OuterRef("pk"), fulfilled__gt=0)
    in_window = (
        Customer.objects.with_scopes_disabled()
        .filter(removed_at__isnull=True, anniversary_date__lte=on, anniversary_date__gte=on - grace)
        .exclude(Exists(switched_off) & ~Q(three_year_commit_status=ThreeYearCommitStatus.COMMITTED))
    )
    try:
        with transaction.atomic():
            # First the ids, from customer_job_ad alone (it carries id and the commit status): most customers of
            # the grace window switched auto-renewal off, and reading their rows was most of the step's disk
            # reads on the bench's heavy day. Then only the rows to renew, locked, every condition checked again.
            candidates = list(in_window.order_by().values_list("pk", flat=True))
            customers = list(
                in_window.select_for_update(of=("self",), skip_locked=True)
                .select_related("managed_by")
                .filter(pk__any=candidates)
                .filter(Exists(with_licences))
                .exclude(Exists(renewed_already))
                .order_by("pk")
                # What the orders, the quotes and the webhook events (api.webhooks: the customer's VIP ID)
                # read, not whole rows (JOB-3's heavy day).
                .only(
                    "reseller_id",
                    "vip_id",
                    "anniversary_date",
                    "segment",
                    "three_year_commit_status",
                    "vip_select_level",
                    "managed_by__user_id",
                )
            )
            quotes = selectors.auto_renewal_quotes(customers)
            now = timezone.now()
            placed = [
                Order(
                    reseller_id=customer.reseller_id,
                    customer=customer,
                    kind=Order.Kind.RENEWAL,
                    created_at=now,
                    created_on=on,
                    created_by_id=customer.managed_by.user_id,
                    anniversary_date=customer.anniversary_date + relativedelta(months=12),
                    renews_ad=customer.anniversary_date,
                    auto_renewal=True,
                    total=quotes[customer.pk].total,
                )
                for customer in customers
                if customer.pk in quotes and customer.anniversary_date is not None
            ]
            # One INSERT each, as JSON (console.bulk): bulk_create's preparation of every field of ~4,000
            # orders and their lines was most of the step's time on the bench's heavy day.
            ids = bulk_insert(
                Order,
                [
                    {
                        "reseller_id": order.reseller_id,
                        "customer_id": order.customer_id,
                        "number": order.number,
                        "created_by_id": order.created_by_id,
                        "anniversary_date": order.anniversary_date,
                        "renews_ad": order.renews_ad,
                        "total": order.total,
                    }
                    for order in placed
                ],
                same={"kind": Order.Kind.RENEWAL, "created_at": now, "created_on": on, "auto_renewal": True},
                key="number",
            )
            for order in placed:
                order.pk = ids[order.number]
                order._state.adding = False
            lines = [
                {
                    "order_id": order.pk,
                    "product_id": line.product.pk,
                    "quantity": line.quantity,
                    "level": line.level,
                    "unit_price": line.unit_price,
                    "months": line.months,
                    "line_total": line.line_total,
                }
                for order in placed
                for line in quotes[order.customer_id].lines
            ]
            bulk_insert(OrderLine, lines, same={})
            audit_log_bulk(
                AuditEntry(
                    reseller_id=order.reseller_id,
                    action="order.place",
                    obj=order,
                    changes={"kind": [None, order.kind], "status": [None, order.status], "total": [None, order.total]},
                )
                for order in placed
            )
            for order in placed:
                transaction.on_commit(partial(order_accept_task.delay, order.pk), robust=True)
    except IntegrityError:  # another run's order for one of these terms (or a clashing number): next run
        return {"placed": 0, "refused": 0}
    return {"placed": len(placed), "refused": len(customers) - len(placed)}


def auto_renewal_move(customer: Customer, from_reseller: Reseller, to_reseller: Reseller) -> None:
    """RC-5: the customer's auto-renewal settings move with it to the new reseller, unchanged."""
    AutoRenewal.objects.with_scopes_disabled().filter(customer=customer, reseller=from_reseller).update(
        reseller=to_reseller
    )
