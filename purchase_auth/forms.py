from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from console.forms import CleanTextMixin
from customers.models import Customer
from purchase_auth.models import ENTERPRISE_MAX_QUANTITY, Order, Product
from purchase_auth.services.common import Line

LINE_ROWS = 5


def products_for(customer: Customer, *, consumables: bool) -> list[Product]:
    """CAT-4: the active products of the customer's market segment (Team and Enterprise alike)."""
    products = Product.objects.filter(is_active=True).order_by("offering_type", "name")
    if not consumables:
        products = products.filter(is_consumable=False)
    return [p for p in products if customer.segment in p.segments]  # a short list; JSON lookups differ per DB


class LinesForm(CleanTextMixin, forms.Form):
    """Up to five product lines; empty rows are ignored."""

    def __init__(self, *args: Any, customer: Customer, consumables: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.products = products_for(customer, consumables=consumables)
        choices = [("", _("Choose a product"))] + [
            (
                p.pk,
                f"{p.name} · {p.get_offering_type_display()}{' · ' + str(_('consumable')) if p.is_consumable else ''}",
            )
            for p in self.products
        ]
        for row in range(LINE_ROWS):
            self.fields[f"product_{row}"] = forms.TypedChoiceField(
                label=_("Product"), choices=choices, coerce=int, required=False, empty_value=None
            )
            self.fields[f"quantity_{row}"] = forms.IntegerField(
                label=_("Quantity"), min_value=1, max_value=ENTERPRISE_MAX_QUANTITY, required=False
            )

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"product_{row}"], self[f"quantity_{row}"]) for row in range(LINE_ROWS)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        by_pk = {p.pk: p for p in self.products}
        lines: list[Line] = []
        seen: set[int] = set()
        for row in range(LINE_ROWS):
            product_pk, quantity = cleaned.get(f"product_{row}"), cleaned.get(f"quantity_{row}")
            if product_pk is None and quantity is None:
                continue
            if product_pk is None:
                self.add_error(f"product_{row}", _("Choose a product for this quantity."))
                continue
            if quantity is None:
                self.add_error(f"quantity_{row}", _("Enter a quantity."))
                continue
            if product_pk in seen:
                self.add_error(f"product_{row}", _("List each product once."))
                continue
            product = by_pk[product_pk]
            if quantity > product.max_quantity:
                self.add_error(f"quantity_{row}", _("At most %(max)s.") % {"max": f"{product.max_quantity:,}"})
                continue
            seen.add(product_pk)
            lines.append(Line(product, quantity))
        if not lines and not self.errors:
            raise forms.ValidationError(_("Add at least one product."))
        cleaned["lines"] = lines
        return cleaned


class PurchaseAuthorizationForm(LinesForm):
    po_number = forms.CharField(label=_("End-user PO number (optional)"), max_length=35, required=False)

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, customer=customer, consumables=False, **kwargs)
        self.order_fields([name for name in self.fields if name != "po_number"] + ["po_number"])


class ReturnForm(forms.Form):
    """ORD-5: how many licences of each line to return."""

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        self.lines = list(order.lines.select_related("product"))
        for line in self.lines:
            remaining = line.quantity - line.returned_quantity
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=f"{line.product.name}",
                min_value=0,
                max_value=remaining,
                initial=0,
                required=False,
                help_text=_("Up to %(count)d") % {"count": remaining},
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        quantities = {line.pk: cleaned.get(f"line_{line.pk}") or 0 for line in self.lines}
        if not self.errors and not any(quantities.values()):
            raise forms.ValidationError(_("Enter how many licences to return."))
        cleaned["quantities"] = quantities
        return cleaned


class CommitRequestForm(forms.Form):
    quantity = forms.IntegerField(label=_("Licences to commit to"), min_value=10, max_value=ENTERPRISE_MAX_QUANTITY)
