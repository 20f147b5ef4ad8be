"""The periodic job's renewals seen in the browser (issue 8, REN-4, REN-9, JOB-1): time-machine moves the
clock to the Anniversary Date and the job runs — an auto-renewing customer is renewed by it (the Orders
tab lists the Renewal, the AD is 12 months on) — and past the grace — a customer who turned
auto-renewal off and did not renew is lapsed, its licences shown expired on the Plans tab."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import Page, expect

from console.clock import today
from console.periodic import periodic_run
from customers.models import Customer
from purchase_auth.models import Order
from purchase_auth.services.licences import licences_assign
from tests.browser.test_renewals import bought, long_date
from tests.conftest import Triad
from tests.factories import AutoRenewalFactory, CustomerFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def noon(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def test_an_auto_renewing_customer_is_renewed_by_the_job_on_its_ad(
    live_server: Any,
    triad: Triad,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    suite = ProductFactory(code="SUITE-J", name="Design Suite")
    ad = today() + timedelta(days=10)
    customer = CustomerFactory(managed_by=triad.member_a, name="Auto Renewing Co", segment="COM")
    bought(triad, customer, suite, 20, ad - relativedelta(months=12))

    with time_machine.travel(noon(ad), tick=True):
        page = signed_in_page(triad.member_a)
        page.goto(f"{live_server.url}/customers/{customer.vip_id}/?tab=orders")
        expect(page.locator("tr[data-order] td:nth-child(2)", has_text="Renewal")).to_have_count(0)

        counts = periodic_run(on=ad)  # the job of the AD: places the order; the (eager) worker accepts it
        assert counts["auto_renewals"]["placed"] == 1

        order = Order.objects.get(customer=customer, kind=Order.Kind.RENEWAL)
        assert order.auto_renewal and order.status == Order.Status.COMPLETE
        page.reload()
        row = page.locator(f'tr[data-order="{order.number}"]')
        expect(row.locator("td").nth(1)).to_have_text("Renewal")
        expect(row.locator(".badge")).to_have_text("Complete")
        expect(row).to_contain_text("20 × Design Suite")
        screenshot(page, "renewals-job-auto-renewed")

        page.get_by_role("link", name="Overview").click()
        expect(page.locator("main")).to_contain_text(long_date(ad + relativedelta(months=12)))
        expect(page.locator("[data-renewal-state]")).to_have_attribute("data-renewal-state", "renewed")
        customer.refresh_from_db()
        assert customer.anniversary_date == ad + relativedelta(months=12)

        periodic_run(on=ad)  # run again (JOB-2): still one renewal order
        assert Order.objects.filter(customer=customer, kind=Order.Kind.RENEWAL).count() == 1


def test_a_customer_that_did_not_renew_is_lapsed_after_the_grace_with_its_licences_expired(
    live_server: Any,
    triad: Triad,
    signed_in_page: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    suite = ProductFactory(code="SUITE-L", name="Design Suite")
    ad = today() - timedelta(days=25)  # in grace today; the grace ends at AD+30
    customer: Customer = CustomerFactory(managed_by=triad.member_a, name="Lapsing Co", segment="COM")
    bought(triad, customer, suite, 20, ad - relativedelta(months=12))
    licences_assign(customer=customer, actor=triad.member_a.user, product_id=suite.pk, assigned=12)
    AutoRenewalFactory(customer=customer)

    page = signed_in_page(triad.member_a)
    page.goto(f"{live_server.url}/customers/{customer.vip_id}/?tab=plans")
    expect(page.locator('[data-product="SUITE-L"] [data-grace]')).to_have_attribute("data-grace", "20")
    expect(page.locator("[data-total=active]")).to_have_text("12")
    expect(page.locator("[data-total=available]")).to_have_text("8")

    after_grace = ad + timedelta(days=31)
    with time_machine.travel(noon(after_grace), tick=True):
        counts = periodic_run(on=after_grace)
        assert counts["licence_expiry"] == {"partial": 0, "lapsed": 1}
        assert not Order.objects.filter(customer=customer, kind=Order.Kind.RENEWAL).exists()

        page.reload()
        pool = page.locator('[data-product="SUITE-L"]')
        expect(pool.locator("[data-expired]")).to_have_attribute("data-expired", "20")
        expect(pool.locator("[data-expired] .badge")).to_have_text("20 expired")
        expect(pool.locator("[data-grace]")).to_have_count(0)
        expect(page.locator("[data-total=active]")).to_have_text("0")  # expired licences are not active
        expect(page.locator("[data-total=available]")).to_have_text("0")  # nor assignable
        screenshot(page, "renewals-job-lapsed-plans")

        page.get_by_role("link", name="Overview").click()
        expect(page.locator("[data-renewal-state]")).to_have_attribute("data-renewal-state", "lapsed")
        expect(page.locator("main")).to_contain_text("The licences that were not renewed expired")
