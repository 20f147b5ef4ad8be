from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

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


def _product_label(product: Product) -> str:
    consumable = f" · {_('consumable')}" if product.is_consumable else ""
    return f"{product.name} · {product.get_offering_type_display()}{consumable}"


class LineForm(forms.Form):
    """One product line. A row left empty is skipped by the formset; a half-filled one is an error."""

    product = forms.TypedChoiceField(
        label=_("Product"), coerce=int, empty_value=None, error_messages={"required": _("Choose a product.")}
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=ENTERPRISE_MAX_QUANTITY,
        error_messages={"required": _("Enter a quantity.")},
    )

    def __init__(self, *args: Any, products: dict[int, Product], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.products = products
        cast(forms.TypedChoiceField, self.fields["product"]).choices = [("", _("Choose a product"))] + [
            (pk, _product_label(product)) for pk, product in products.items()
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        product, quantity = self.products.get(cleaned.get("product", 0)), cleaned.get("quantity")
        if product is not None and quantity is not None and quantity > product.max_quantity:
            self.add_error("quantity", _("At most %(max)s.") % {"max": f"{product.max_quantity:,}"})
        return cleaned


class BaseLineFormSet(forms.BaseFormSet):
    """The product lines of a purchase authorization or an order: products the customer may buy
    (CAT-4), each at most once, at least one line."""

    default_error_messages = {
        **forms.BaseFormSet.default_error_messages,
        "too_many_forms": ngettext_lazy(
            "Add at most %(num)d product at a time.", "Add at most %(num)d products at a time.", "num"
        ),
    }

    def __init__(self, data: Any = None, *, customer: Customer, consumables: bool, **kwargs: Any) -> None:
        self.products = {product.pk: product for product in products_for(customer, consumables=consumables)}
        kwargs.setdefault("prefix", "lines")
        super().__init__(data, form_kwargs={"products": self.products}, **kwargs)

    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[int] = set()
        for form in self.forms:
            if not form.has_changed():
                continue
            product = form.cleaned_data["product"]
            if product in seen:
                form.add_error("product", _("List each product once."))
            seen.add(product)
        if not seen:
            raise forms.ValidationError(_("Add at least one product."), code="no_lines")

    @property
    def lines(self) -> list[Line]:
        """The filled rows, in page order; only once the formset is valid."""
        return [
            Line(self.products[form.cleaned_data["product"]], form.cleaned_data["quantity"])
            for form in self.forms
            if form.has_changed()
        ]

    def add_error(self, message: str) -> None:
        """Show a refusal that concerns the lines as a whole (e.g. from a service) above them."""
        self.non_form_errors().append(message)


# formset_factory builds a subclass of BaseLineFormSet; its stubs only say "some BaseFormSet".
LineFormSet = cast(
    type[BaseLineFormSet],
    forms.formset_factory(
        LineForm, formset=BaseLineFormSet, extra=LINE_ROWS, max_num=LINE_ROWS, absolute_max=LINE_ROWS, validate_max=True
    ),
)


class PurchaseAuthorizationForm(CleanTextMixin, forms.Form):
    """The PA's own field; its lines are a LineFormSet beside it."""

    po_number = forms.CharField(label=_("End-user PO number (optional)"), max_length=35, required=False)


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
        super().clean()
        cleaned = self.cleaned_data
        quantities = {line.pk: cleaned.get(f"line_{line.pk}") or 0 for line in self.lines}
        if not self.errors and not any(quantities.values()):
            raise forms.ValidationError(_("Enter how many licences to return."))
        cleaned["quantities"] = quantities
        return cleaned


class CommitRequestForm(forms.Form):
    quantity = forms.IntegerField(label=_("Licences to commit to"), min_value=10, max_value=ENTERPRISE_MAX_QUANTITY)
