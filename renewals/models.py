"""REN-9: auto-renewal settings. A customer without a row renews automatically, all its active
licences; a row records what the reseller changed (off, or other quantities per product)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

if TYPE_CHECKING:
    from django_scopes import ScopedManagerType


class AutoRenewal(models.Model):
    reseller = models.ForeignKey("accounts.Reseller", on_delete=models.PROTECT, related_name="+")
    customer = models.OneToOneField("customers.Customer", on_delete=models.PROTECT, related_name="auto_renewal")
    enabled = models.BooleanField(_("auto-renewal"), default=True)
    updated_at = models.DateTimeField(_("changed"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects: ClassVar[ScopedManagerType[Self]] = ScopedManager(reseller="reseller")

    def __str__(self) -> str:
        return f"{self.customer_id}: {'on' if self.enabled else 'off'}"


class AutoRenewalLine(models.Model):
    """The quantity of one product that the auto-renewal order will renew (0 = leave it out)."""

    auto_renewal = models.ForeignKey(AutoRenewal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("purchase_auth.Product", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["auto_renewal", "product"], name="auto_renewal_line_one_per_product"),
            models.CheckConstraint(condition=Q(quantity__lte=200_000), name="auto_renewal_line_quantity_range"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"
