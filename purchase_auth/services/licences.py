"""ORD-4: licence assignment by the customer admin (member portal)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from console.accounts.models import User
from console.audit.services import audit_log
from customers.models import Customer
from purchase_auth import selectors
from purchase_auth.models import (
    LicencePool,
)
from purchase_auth.services.common import (
    PurchaseError,
    customer_purchase_state_refresh,
)


def licences_assign(*, customer: Customer, actor: User, product_id: int, assigned: int) -> LicencePool:
    """ORD-4: the customer admin sets how many licences of a product are assigned to users — never
    more than exist (fulfilled + pending); the check constraint refuses the rest."""
    with transaction.atomic():
        # The customer's row first, as every purchasing service: its stored figures change below.
        Customer.objects.with_scopes_disabled().select_for_update().filter(pk=customer.pk).first()
        pool = (
            LicencePool.objects.select_for_update()
            .select_related("product")
            .filter(customer=customer, product_id=product_id)
            .first()
        )
        if pool is None:
            raise PurchaseError(_("This organization has no licences of that product."))
        # PA-2: pending licences of a suspended purchase authorization stopped working.
        usable = pool.total - selectors.suspended_quantities(customer=customer).get(pool.product_id, 0)
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
        customer_purchase_state_refresh(customer)
        audit_log(
            reseller=customer.reseller,
            actor=actor,
            action="licences.assign",
            obj=customer,
            changes={f"assigned {pool.product.code}": [before, assigned]},
        )
    return pool
