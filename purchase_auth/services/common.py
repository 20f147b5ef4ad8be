"""What every purchasing service shares: the domain error, order/PA lines, the customer lock, the
licence-pool arithmetic and the summary of open PAs stored on the customer row (LIST-2)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F
from django.utils.translation import gettext as _

from console.accounts.models import Reseller
from customers.figures import customer_figures_refresh
from customers.models import Customer
from purchase_auth.models import (
    LicencePool,
    Product,
    PurchaseAuthorization,
)

OPEN = PurchaseAuthorization.OPEN_STATES


class PurchaseError(Exception):
    """A purchase the rules refuse; the message is shown to the user."""


@dataclass(frozen=True)
class Line:
    product: Product
    quantity: int


def locked_customer(reseller: Reseller, vip_id: str) -> Customer:
    customer = (
        Customer.objects.select_for_update(of=("self",))
        .select_related("reseller")
        .filter(reseller=reseller, vip_id=vip_id, removed_at__isnull=True)
        .first()
    )
    if customer is None:
        raise PurchaseError(_("This customer does not exist."))
    return customer


FIGURES_READ_BACK = ("has_products", "open_pa_min_due", "open_pa_max_due", "open_pa_min_suspends")


def customer_purchase_state_refresh(customer: Customer) -> None:
    """Store the customer's figures (customers.figures): what the list filters and badges read (LIST-2,
    PA-2: products ever bought or requested, the open PAs' earliest and latest due dates and earliest
    suspension date) and what the report and the renewals page read (PA counts and due dates, licences,
    renewal quantities and values). Call it inside the transaction that changed the customer's PAs,
    orders, licences or commitment, after the change, with the customer's row locked."""
    customer_figures_refresh([customer.pk])
    stored = Customer.objects.with_scopes_disabled().filter(pk=customer.pk).values(*FIGURES_READ_BACK).get()
    for field, value in stored.items():
        setattr(customer, field, value)


def check_lines(customer: Customer, lines: Iterable[Line], *, allow_consumables: bool) -> list[Line]:
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


def pool_add(customer: Customer, product: Product, **deltas: int) -> None:
    """Add to a licence pool's counts (negative to remove); the check constraint refuses an overdraw."""
    LicencePool.objects.get_or_create(customer=customer, product=product)
    LicencePool.objects.filter(customer=customer, product=product).update(
        **{field: F(field) + delta for field, delta in deltas.items()}
    )


def lines_text(lines: Iterable[Line]) -> str:
    return ", ".join(f"{line.quantity} × {line.product.code}" for line in lines)
