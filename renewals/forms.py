from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from purchase_auth.forms import BaseLineFormSet, LineForm
from purchase_auth.models import Product
from purchase_auth.services.common import Line

RENEWAL_ROWS = 10


class BaseRenewalLineFormSet(BaseLineFormSet):
    """REN-2, REN-7: the product lines of a renewal order — purchasing's lines without consumables,
    prefilled with what expires. In a late renewal (`limits` given: from the AD to the end of the
    grace) only the expiring products are offered, each up to its expiring quantity; the service
    checks it again, the form says it first.

    The prefill is each row's own initial value, not the formset's, and only while unbound: a
    submitted row is then read like any typed row (purchasing skips rows equal to their initial)."""

    def __init__(
        self,
        data: Any = None,
        *,
        customer: Customer,
        prefill: Iterable[Line] = (),
        limits: Mapping[Product, int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, customer=customer, consumables=False, **kwargs)
        self.limits = {product.pk: quantity for product, quantity in limits.items()} if limits is not None else None
        if self.limits is not None:  # the forms share this dict: narrow their product choices too
            for pk in set(self.products) - set(self.limits):
                del self.products[pk]
        self.prefill = [] if self.is_bound else [line for line in prefill if line.product.pk in self.products]
        self.prefill = self.prefill[: self.max_num]
        if not self.is_bound:
            self.extra = min(len(self.prefill) + 2, self.max_num)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_form_kwargs(index)
        if index is not None and index < len(self.prefill):
            line = self.prefill[index]
            kwargs["initial"] = {"product": line.product.pk, "quantity": line.quantity}
        return kwargs

    def clean(self) -> None:
        super().clean()
        if self.limits is None or any(self.errors):
            return
        for form in self.forms:
            if not form.has_changed():
                continue
            most = self.limits.get(form.cleaned_data["product"], 0)
            if form.cleaned_data["quantity"] > most:
                form.add_error(
                    "quantity",
                    _("At most %(max)d: after the Anniversary Date only expiring licences renew.") % {"max": most},
                )


# formset_factory builds a subclass of BaseRenewalLineFormSet; its stubs only say "some BaseFormSet".
RenewalLineFormSet = cast(
    type[BaseRenewalLineFormSet],
    forms.formset_factory(
        LineForm,
        formset=BaseRenewalLineFormSet,
        extra=2,
        max_num=RENEWAL_ROWS,
        absolute_max=RENEWAL_ROWS,
        validate_max=True,
    ),
)


class AutoRenewalForm(forms.Form):
    """REN-9: auto-renewal on or off, and per product how many licences it renews (0 leaves it out)."""

    enabled = forms.BooleanField(label=_("Renew automatically on the Anniversary Date"), required=False)

    def __init__(self, *args: Any, quantities: Iterable[tuple[Product, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.products: dict[str, Product] = {}
        for product, quantity in quantities:
            name = f"quantity_{product.pk}"
            self.products[name] = product
            self.fields[name] = forms.IntegerField(
                label=product.name,
                min_value=0,
                max_value=product.max_quantity,
                initial=quantity,
                error_messages={"required": _("Enter a quantity, 0 to leave the product out.")},
            )

    @property
    def quantities(self) -> dict[Product, int]:
        """The chosen quantity per product; only once the form is valid."""
        return {product: self.cleaned_data[name] for name, product in self.products.items()}

    def quantity_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.products]
