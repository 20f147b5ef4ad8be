"""The customer's status badges, once for the list (built per row in Python, NF-4) and the detail page."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from customers.rules import PAYMENT_SUSPENDED, CustomerFilter

register = template.Library()

RENEWAL_BADGES = (  # (renewal state, Bootstrap class), in the order the page shows them
    ("upcoming", "text-bg-secondary"),
    ("ready", "text-bg-primary"),
    ("in_grace", "text-bg-warning"),
    ("partial", "text-bg-warning"),
    ("renewed", "text-bg-success"),
    ("lapsed", "text-bg-dark"),
)


def badge_labels() -> dict[str, str]:
    """The badges' labels in the active language (once per page, not once per row)."""
    return {
        "suspended": _("Suspended"),
        "overdue": _("Overdue"),
        "pending": _("Pending request"),
        "upcoming": _("Upcoming renewal"),
        "ready": _("Ready for renewal"),
        "in_grace": _("In grace"),
        "partial": _("Partially renewed"),
        "renewed": _("Renewed"),
        "lapsed": _("Lapsed"),
        "no_products": _("No products"),
    }


def customer_badges(flags: dict[str, bool], labels: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(Bootstrap badge class, label) for each badge the customer's flags (customers.rules.customer_flags)
    call for, in the order the page shows them."""
    labels = labels or badge_labels()
    badges: list[tuple[str, str]] = []
    if flags[CustomerFilter.PAST_DUE]:
        badges.append(("text-bg-danger", labels["suspended" if flags[PAYMENT_SUSPENDED] else "overdue"]))
    if flags[CustomerFilter.PENDING]:
        badges.append(("text-bg-info", labels["pending"]))
    badges.extend((css, labels[state]) for state, css in RENEWAL_BADGES if flags[f"renewal_{state}"])
    if flags[CustomerFilter.NO_PRODUCTS]:
        badges.append(("text-bg-light border", labels["no_products"]))
    return badges


@register.filter(name="customer_badges")
def customer_badges_filter(flags: dict[str, bool]) -> list[tuple[str, str]]:
    return customer_badges(flags)
