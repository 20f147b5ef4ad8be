"""REN-10/REN-11: the renewals page's figures in SQL agree with the Python rules — the projected value
with `renewal_quote(...).total`, the expiring licences with `selectors.expiring`, auto-renewal with
`selectors.auto_renewal_enabled` — and the pipeline holds exactly upcoming … lapsed in the last 30 days."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta

from customers.models import Customer, ThreeYearCommitStatus
from customers.rules import RenewalState, renewal_state_for
from purchase_auth.models import Price
from purchase_auth.services.common import Line
from renewals import pipeline, selectors
from renewals.models import AutoRenewal
from tests.factories import (
    CustomerFactory,
    LicencePoolFactory,
    ProductFactory,
    ThreeYearCommitFactory,
)

ON = date(2027, 3, 1)


def quote_total(customer: Customer, on: date) -> Decimal:
    lines = [Line(p, q) for p, q in selectors.expiring(customer, on).items() if not p.is_consumable]
    return selectors.renewal_quote(customer, lines).total if lines else Decimal("0.00")


@pytest.fixture
def customers(triad):
    """Customers whose renewals reach each level, a partial renewal, a committed three-year commit, a
    product priced at level 01 only, one that does not count for VIP Select, a consumable."""
    suite, photo = ProductFactory(name="Suite"), ProductFactory(name="Photo")
    flat = ProductFactory(name="Flat", prices=False)
    Price.objects.create(product=flat, segment="COM", level="01", unit_price=Decimal("33.33"))
    extra = ProductFactory(name="Extra", counts_for_vip_select=False)
    stock = ProductFactory(name="Stock", is_consumable=True)
    ad = ON + timedelta(days=20)
    made = []

    def customer(pools: list[tuple], **fields) -> Customer:
        made_customer = CustomerFactory(managed_by=triad.member_a, anniversary_date=ad, **fields)
        for product, fulfilled, grace in pools:
            LicencePoolFactory(customer=made_customer, product=product, fulfilled=fulfilled, grace=grace)
        made.append(made_customer)
        return made_customer

    customer([(suite, 3, 0)])  # level 01
    customer([(suite, 5, 0), (photo, 7, 0)])  # 12: level 02
    customer([(suite, 40, 0), (photo, 15, 0), (extra, 30, 0), (stock, 9, 0)])  # 55 qualifying: level 03
    customer([(suite, 100, 0), (flat, 4, 0)])  # level 04; Flat falls back to its level-01 price
    customer([(suite, 9, 0), (extra, 50, 0)], segment="EDU")  # Extra does not count: level 01
    # Partially renewed 10 days ago: the AD moved, 6 licences are left in grace.
    customer([(suite, 14, 6)], renewed_ad=ON - timedelta(days=10), renewal_shortfall=6).__class__.objects.filter(
        pk=made[-1].pk
    ).update(anniversary_date=ON - timedelta(days=10) + relativedelta(months=12))
    committed = customer([(suite, 4, 0)], vip_select_level="02")
    ThreeYearCommitFactory(customer=committed, status=ThreeYearCommitStatus.COMMITTED, level="13")
    Customer.objects.filter(pk=committed.pk).update(three_year_commit_status=ThreeYearCommitStatus.COMMITTED)
    Price.objects.create(product=suite, segment="COM", level="13", unit_price=Decimal("77.70"))
    customer([])  # nothing to renew
    return [Customer.objects.get(pk=c.pk) for c in made]


def test_the_projected_value_in_sql_equals_renewal_quote(triad, customers):
    values = dict(pipeline.renewal_pipeline(reseller=triad.reseller_a, on=ON).values_list("pk", "rn_value"))
    assert len(values) == len(customers)
    expected = {customer.pk: quote_total(customer, ON) for customer in customers}
    assert values == expected
    assert sorted(expected.values())[-1] > Decimal("8000")  # the level-04 customer, so levels were exercised
    assert len(set(expected.values())) == len(expected)


def test_expiring_licences_and_auto_renewal_in_sql_equal_the_selectors(triad, customers):
    AutoRenewal.objects.create(
        reseller=triad.reseller_a,
        customer=customers[0],
        enabled=False,
        updated_at=customers[0].created_at,
        updated_by=triad.member_a.user,
    )
    AutoRenewal.objects.create(  # a committed three-year commit cannot turn it off
        reseller=triad.reseller_a,
        customer=customers[6],
        enabled=False,
        updated_at=customers[0].created_at,
        updated_by=triad.member_a.user,
    )
    rows = {
        pk: (expiring, auto, ad, state)
        for pk, expiring, auto, ad, state in pipeline.renewal_pipeline(reseller=triad.reseller_a, on=ON).values_list(
            "pk", "rn_expiring", "rn_auto", "rn_ad", "rn_state"
        )
    }
    for customer in customers:
        expiring, auto, ad, state = rows[customer.pk]
        assert expiring == sum(selectors.expiring(customer, ON).values())
        assert auto == selectors.auto_renewal_enabled(customer)
        assert ad == selectors.term_ad(customer, ON)
        assert state == renewal_state_for(customer, ON)
    assert rows[customers[0].pk][1] is False and rows[customers[6].pk][1] is True
    assert rows[customers[5].pk][3] == RenewalState.PARTIAL


@pytest.mark.parametrize(
    ("days_from_ad", "listed"),
    [(46, False), (45, True), (0, True), (-30, True), (-60, True), (-61, False)],
)
def test_the_pipeline_runs_from_upcoming_to_lapsed_in_the_last_30_days(triad, days_from_ad, listed):
    customer = CustomerFactory(managed_by=triad.member_a, anniversary_date=ON + timedelta(days=days_from_ad))
    shown = pipeline.renewal_pipeline(reseller=triad.reseller_a, on=ON).filter(pk=customer.pk).exists()
    assert shown == listed


@pytest.fixture
def spread(triad, customers):
    """Beside `customers`, customers whose ADs fall every 5 days from AD−70 to AD+65, one renewed."""
    suite = ProductFactory(name="Spread")
    for days in range(-70, 66, 5):
        made = CustomerFactory(managed_by=triad.member_a, anniversary_date=ON + timedelta(days=days))
        LicencePoolFactory(customer=made, product=suite, fulfilled=abs(days) % 13 + 1)
    renewed = CustomerFactory(managed_by=triad.primary_a, renewed_ad=ON - timedelta(days=3))
    Customer.objects.filter(pk=renewed.pk).update(anniversary_date=ON - timedelta(days=3) + relativedelta(months=12))
    return Customer.objects.filter(reseller=triad.reseller_a)


@pytest.mark.parametrize("shift", [-40, -21, 0, 17, 33])
def test_the_pages_parts_are_exactly_the_pipeline_in_the_same_order(triad, spread, shift):
    """NF-4: the renewals page reads the pipeline as two index ranges; together they are exactly
    renewal_pipeline's customers, grouped and ordered the same, for any day and view."""
    on = ON + timedelta(days=shift)
    everyone = spread

    def view(**options):  # noqa: ANN003, ANN202
        return pipeline.renewal_pipeline(reseller=triad.reseller_a, on=on, **options)

    whole = view()
    parts = pipeline.pipeline_parts(everyone, on)
    ids = [pk for part in parts for pk in part.values_list("pk", flat=True)]
    assert len(ids) == len(set(ids)) and set(ids) == set(whole.values_list("pk", flat=True))
    cells = pipeline.pipeline_cells(everyone, on)
    for state in ["", *pipeline.PIPELINE_STATES]:
        expected = pipeline.pipeline_month_totals(view(state=state), on)
        assert pipeline.month_totals(cells, on, state=state) == expected
    for sort in pipeline.SORTS:
        for descending in (False, True):
            ordered = list(view(sort=sort, descending=descending).values_list("pk", flat=True))
            page = pipeline.pipeline_page(everyone, on, sort=sort, descending=descending, offset=3, limit=7)
            assert [c.pk for c in page] == ordered[3:10]
    for month in pipeline.pipeline_months(on):
        for state in ["", RenewalState.READY, RenewalState.RENEWED]:
            page = pipeline.pipeline_page(everyone, on, state=state, month=month, limit=100)
            assert [c.pk for c in page] == list(view(state=state, month=month).values_list("pk", flat=True))


@pytest.mark.parametrize("shift", [-40, -21, 0, 17, 33])
def test_a_pages_rows_show_what_renewal_pipeline_annotates(triad, spread, shift):
    """The page's rows are computed in Python from the customer row (customers.rules and pipeline_row);
    they agree with renewal_pipeline's SQL annotations for every customer of the pipeline on any day."""
    on = ON + timedelta(days=shift)
    off = spread.filter(anniversary_date__gte=on).order_by("anniversary_date").first()
    AutoRenewal.objects.create(
        reseller=triad.reseller_a, customer=off, enabled=False, updated_at=off.created_at, updated_by=triad.admin_a.user
    )
    whole = pipeline.renewal_pipeline(reseller=triad.reseller_a, on=on)
    expected = [(c.pk, c.rn_ad, c.rn_state, c.rn_expiring, c.rn_value, c.rn_auto) for c in whole]
    rows = pipeline.pipeline_page(spread, on, limit=len(expected))
    assert [(r.pk, r.term_ad, r.state, r.expiring, r.value, r.auto) for r in rows] == expected
    assert any(not r.auto for r in rows) or shift > 30
