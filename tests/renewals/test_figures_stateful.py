"""NF-4/LIST-6/REN-11: the per-customer figures stored on the customer row stay exact. A hypothesis state
machine runs random sequences of what changes their sources — purchase authorizations created, cancelled
and ordered, new orders accepted and returned, licences assigned, renewal orders, three-year commits,
price changes, the clock moving days or months with or without a periodic job run (licence expiry,
auto-renewal orders, commit expiry) — and after every step checks that

- every stored figure equals what its sources give now (customers.figures, as check_customer_figures), and
- what the report and the renewals page derive from the row for *today* (pending / past-due PA counts,
  expiring licences, projected renewal value) equals the Python rules computed from the sources:
  so the figures are right the moment a write commits and the moment the date changes, job or not."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from console.clock import today
from console.periodic import periodic_run
from customers.figures import customer_figures_differences
from customers.models import Customer
from customers.rules import is_past_due, open_pa_past_due_sql, open_pa_pending_sql
from purchase_auth.models import LicencePool, Order, Price, PurchaseAuthorization
from purchase_auth.services import licences, order_acceptance, orders, purchase_authorizations, three_year_commit
from purchase_auth.services.common import Line, PurchaseError
from renewals import pipeline, selectors, services
from tests.factories import CustomerFactory, ProductFactory

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
customer_index = st.integers(min_value=0, max_value=1)
pick = st.integers(min_value=0, max_value=50)


def quote_total(customer: Customer, on: date) -> Decimal:
    lines = [Line(p, q) for p, q in selectors.expiring(customer, on).items() if not p.is_consumable]
    return selectors.renewal_quote(customer, lines).total if lines else Decimal("0.00")


class FiguresMachine(RuleBasedStateMachine):
    """Two customers of reseller A, two products (one not counting for VIP Select)."""

    triad = None

    def __init__(self) -> None:
        super().__init__()
        self.traveller = time_machine.travel(START, tick=False)
        self.clock = self.traveller.start()
        triad = type(self).triad
        self.reseller, self.member = triad.reseller_a, triad.member_a
        self.products = [ProductFactory(), ProductFactory(counts_for_vip_select=False)]
        self.customers = [CustomerFactory(managed_by=self.member, segment=s) for s in ("COM", "EDU")]

    def teardown(self) -> None:
        self.traveller.stop()

    # ------------------------------------------------------------------ helpers
    def customer(self, index: int) -> Customer:
        return Customer.objects.get(pk=self.customers[index].pk)

    def attempt(self, service, **kwargs):  # noqa: ANN001, ANN201 (any service)
        try:
            return service(reseller=self.reseller, actor=self.member.user, **kwargs)
        except PurchaseError:
            return None

    def accept_open_orders(self) -> None:
        """The Celery task's work (orders are accepted after commit; the test transaction never commits)."""
        with scopes_disabled():
            open_ids = list(
                Order.objects.filter(customer__in=self.customers, status=Order.Status.OPEN).values_list("pk", flat=True)
            )
        for pk in open_ids:
            order_acceptance.order_accept(order_id=pk)

    # ------------------------------------------------------------------ rules
    @rule(c=customer_index, p=st.integers(0, 1), quantity=st.integers(1, 40))
    def create_pa(self, c: int, p: int, quantity: int) -> None:
        self.attempt(
            purchase_authorizations.purchase_authorization_create,
            vip_id=self.customer(c).vip_id,
            lines=[Line(self.products[p], quantity)],
        )

    def _pa(self, c: int, n: int) -> PurchaseAuthorization | None:
        pas = list(
            PurchaseAuthorization.objects.filter(
                customer_id=self.customers[c].pk, state__in=PurchaseAuthorization.OPEN_STATES
            ).order_by("pk")
        )
        return pas[n % len(pas)] if pas else None

    @rule(c=customer_index, n=pick)
    def cancel_pa(self, c: int, n: int) -> None:
        if pa := self._pa(c, n):
            self.attempt(
                purchase_authorizations.purchase_authorization_cancel, vip_id=self.customer(c).vip_id, number=pa.number
            )

    @rule(c=customer_index, n=pick)
    def order_pa(self, c: int, n: int) -> None:
        if pa := self._pa(c, n):
            self.attempt(orders.order_place, vip_id=self.customer(c).vip_id, pa_number=pa.number)
            self.accept_open_orders()

    @rule(c=customer_index, p=st.integers(0, 1), quantity=st.integers(1, 60))
    def order_new(self, c: int, p: int, quantity: int) -> None:
        self.attempt(orders.order_place, vip_id=self.customer(c).vip_id, lines=[Line(self.products[p], quantity)])
        self.accept_open_orders()

    @rule(c=customer_index, n=pick, quantity=st.integers(1, 20))
    def return_order(self, c: int, n: int, quantity: int) -> None:
        completed = list(Order.objects.filter(customer_id=self.customers[c].pk, status=Order.Status.COMPLETE))
        if completed:
            order = completed[n % len(completed)]
            line = order.lines.order_by("pk").first()
            self.attempt(
                orders.order_return,
                vip_id=self.customer(c).vip_id,
                order_number=order.number,
                quantities={line.pk: quantity},
            )

    @rule(c=customer_index, p=st.integers(0, 1), share=st.floats(0, 1))
    def assign(self, c: int, p: int, share: float) -> None:
        pool = LicencePool.objects.filter(customer_id=self.customers[c].pk, product=self.products[p]).first()
        if pool is None:
            return
        try:
            licences.licences_assign(
                customer=self.customer(c),
                actor=self.member.user,
                product_id=pool.product_id,
                assigned=int((pool.fulfilled + pool.pending + pool.grace) * share),
            )
        except PurchaseError:
            pass

    @rule(c=customer_index, share=st.floats(0, 1.5))
    def renew(self, c: int, share: float) -> None:
        customer = self.customer(c)
        expiring = selectors.expiring(customer, today())
        lines = [Line(product, max(1, int(quantity * share))) for product, quantity in expiring.items()]
        if lines:
            self.attempt(services.renewal_order_place, vip_id=customer.vip_id, lines=lines)
            self.accept_open_orders()

    @rule(c=customer_index, quantity=st.integers(10, 40), accept=st.booleans())
    def three_year_commit(self, c: int, quantity: int, accept: bool) -> None:
        customer = self.customer(c)
        if self.attempt(three_year_commit.three_year_commit_request, vip_id=customer.vip_id, quantity=quantity):
            three_year_commit.three_year_commit_decide(customer=customer, actor=self.member.user, accept=accept)

    @rule(p=st.integers(0, 1), level=st.sampled_from(["01", "02", "03", "04"]), cents=st.integers(-500, 500))
    def price_change(self, p: int, level: str, cents: int) -> None:
        """The operator edits the price list in the Django admin (a model save)."""
        price = Price.objects.filter(product=self.products[p], level=level).order_by("segment").first()
        price.unit_price = max(Decimal("1.00"), price.unit_price + Decimal(cents) / 100)
        price.save()

    @rule(days=st.sampled_from([1, 2, 7, 13, 14, 15, 29, 30, 31, 45, 60, 61, 200, 330]), job=st.booleans())
    def time_passes(self, days: int, job: bool) -> None:
        self.clock.shift(timedelta(days=days))
        if job:
            with scopes_disabled():
                periodic_run(on=today())
            self.accept_open_orders()

    # ------------------------------------------------------------------ what must hold after every step
    @invariant()
    def stored_figures_agree_with_their_sources(self) -> None:
        with scopes_disabled():
            assert list(customer_figures_differences([c.pk for c in self.customers])) == []

    @invariant()
    def todays_split_agrees_with_the_rules(self) -> None:
        on = today()
        rows = Customer.objects.filter(pk__in=[c.pk for c in self.customers]).annotate(
            pending=open_pa_pending_sql(on),
            past_due=open_pa_past_due_sql(on),
            expiring=pipeline.expiring_licences_sql(on),
            value=pipeline.projected_value_sql(on),
        )
        for row in rows:
            dues = PurchaseAuthorization.objects.filter(
                customer=row, state__in=PurchaseAuthorization.OPEN_STATES
            ).values_list("due_date", flat=True)
            past_due = sum(1 for due in dues if is_past_due(due, on))
            assert (row.pending, row.past_due) == (len(dues) - past_due, past_due)
            assert row.expiring == sum(selectors.expiring(row, on).values())
            assert row.value == quote_total(row, on)


def test_figures_stay_exact_through_random_operations(triad):
    FiguresMachine.triad = triad
    run_state_machine_as_test(
        FiguresMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            derandomize=True,
        ),
    )


def test_the_check_command_lists_a_difference_and_fails(triad):
    customer = CustomerFactory(managed_by=triad.member_a)
    with scopes_disabled():
        call_command("check_customer_figures")  # nothing differs
        Customer.objects.filter(pk=customer.pk).update(licences_active=7, open_pa_count=2)
        out = io.StringIO()
        with pytest.raises(CommandError, match="2 figures of 1 customers differ"):
            call_command("check_customer_figures", stdout=out)
        assert f"{customer.vip_id}  licences_active: stored 7, sources give 0" in out.getvalue()
        with pytest.raises(CommandError):
            call_command("check_customer_figures", "--fix", stdout=out)
        assert list(customer_figures_differences([customer.pk])) == []
        call_command("check_customer_figures", stdout=out)
