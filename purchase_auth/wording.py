"""The purchasing verbs and fields in words (AUD-2), registered with console.audit.wording."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from console.audit.wording import audit_field_register, audit_verb_register, choice_display, date_display
from purchase_auth import rules
from purchase_auth.models import Order, PurchaseAuthorization


def level_name(level: str) -> str:
    """CAT-3: a discount level as a person reads it, e.g. "Level 02 (10–49 licences)"."""
    volume = {"12": "02", "13": "03", "14": "04"}.get(level)
    bounds = dict(rules.level_bounds()).get(volume or level)
    if bounds is None:
        return level
    lowest, highest = bounds
    span = f"{lowest}–{highest}" if highest else f"{lowest}+"
    if volume:
        return _("Level %(level)s (three-year commit, %(span)s licences)") % {"level": level, "span": span}
    return _("Level %(level)s (%(span)s licences)") % {"level": level, "span": span}


def _level(value: Any) -> str:
    return level_name(str(value))


def register() -> None:
    for action, sentence in {
        "pa.create": _("Purchase authorization %(object)s created"),
        "pa.cancel": _("Purchase authorization %(object)s cancelled"),
        "pa.overdue": _("Purchase authorization %(object)s is overdue"),
        "pa.suspended": _("Purchase authorization %(object)s is suspended"),
        "customer.pa_create": _("Purchase authorization %(pa)s created"),
        "customer.pa_cancel": _("Purchase authorization %(pa)s cancelled"),
        "licences.assign": _("Licences assigned"),
        "order.place": _("Order %(object)s placed"),
        "order.accept": _("Order %(object)s completed"),
        "order.fail": _("Order %(object)s failed"),
        "order.return": _("Return %(return)s of order %(object)s"),
        "customer.commit_request": _("Three-year commit offered"),
        "customer.commit_decide": _("Three-year commit answered: %(three_year_commit)s"),
        "customer.commit_committed": _("Three-year commit reached: level %(level)s locked"),
        "customer.commit_non_compliant": _("Three-year commit not reached in time"),
        "customer.commit_expired": _("Three-year commit expired"),
    }.items():
        audit_verb_register(action, sentence)
    audit_field_register(
        "state",
        _("State"),
        choice_display(PurchaseAuthorization.State.choices),
        object_type="purchase_auth.purchaseauthorization",
    )
    audit_field_register("status", _("Status"), choice_display(Order.Status.choices), object_type="purchase_auth.order")
    audit_field_register("kind", _("Type"), choice_display(Order.Kind.choices))
    audit_field_register("due_date", _("Due date"), date_display)
    audit_field_register("lines", _("Lines"))
    audit_field_register("pa", _("Purchase authorization"))
    audit_field_register("total", _("Total"))
    audit_field_register("credit", _("Credit"))
    audit_field_register("return", _("Return"))
    audit_field_register("level", _("Level"), _level)
    audit_field_register("vip_select_level", _("VIP Select level"), _level)


def customer_orders_and_pas(customer: Any) -> Q:
    """DET-4: a customer's History shows its orders' and purchase authorizations' events too (they are
    audited against the order or the PA, not the customer)."""

    def keys(model: Any) -> Any:
        return (
            model.objects.with_scopes_disabled()
            .filter(customer_id=customer.pk)
            .annotate(key=Cast("pk", CharField()))
            .values("key")
        )

    return Q(object_type=Order._meta.label_lower, object_id__in=keys(Order)) | Q(
        object_type=PurchaseAuthorization._meta.label_lower, object_id__in=keys(PurchaseAuthorization)
    )
