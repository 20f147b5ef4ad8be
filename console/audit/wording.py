"""AUD-2 in words: the one place that turns an audit event (its verb and the changed fields' before →
after values) into a sentence and human field labels and values, for the History tab, the activity log
and its CSV export.

Each app registers the sentences of the verbs it emits and the labels and value formats of the fields
it audits from its AppConfig.ready() (`audit_verb_register`, `audit_field_register`), so the console never
imports the apps that build on it. tests/console/test_audit_wording.py finds every verb in the code and
fails when one has no sentence.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from console.audit.models import AuditEvent

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MISSING = "—"

# A value formatter: the stored JSON value (never None) → what a person reads.
Formatter = Callable[[Any], str]


@dataclass(frozen=True)
class AuditField:
    label: StrOrPromise
    display: Formatter | None = None
    member: bool = False  # the value is a person's email: shown as their name


_verbs: dict[str, StrOrPromise] = {}
_fields: dict[tuple[str, str], AuditField] = {}


def audit_verb_register(action: str, sentence: StrOrPromise) -> None:
    """The sentence for a verb, e.g. ``_("Purchase authorization %(pa)s created")``. Placeholders are
    ``%(object)s`` (what the event is about) and the names of its changed fields (their shown value:
    the value after, or before when it was removed)."""
    _verbs[action] = sentence


def audit_field_register(
    name: str,
    label: StrOrPromise,
    display: Formatter | None = None,
    *,
    object_type: str = "",
    member: bool = False,
) -> None:
    """The label and value format of a changed field, for every object type or only for one
    (``object_type`` as stored: ``app_label.model``); the narrower registration wins."""
    _fields[(object_type, name)] = AuditField(label, display, member)


def audit_verbs() -> frozenset[str]:
    return frozenset(_verbs)


def choice_display(choices: Iterable[tuple[Any, Any]]) -> Formatter:
    """Shows a choice's label (translated when shown), the stored value when it is not a choice."""
    labels = dict(choices)
    return lambda value: str(labels.get(value, value))


def date_display(value: Any) -> str:
    """An audited ISO date or date-time in the active language's format."""
    text = str(value)
    try:
        if len(text) <= 10:
            return formats.date_format(datetime.date.fromisoformat(text), "DATE_FORMAT")
        return formats.date_format(datetime.datetime.fromisoformat(text), "SHORT_DATETIME_FORMAT")
    except ValueError:
        return text


def yes_no_display(value: Any) -> str:
    return _("yes") if value else _("no")


@dataclass(frozen=True)
class ChangeRow:
    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditWording:
    """An audit event as a person reads it."""

    event: AuditEvent
    sentence: str
    rows: list[ChangeRow]

    def changes_text(self) -> str:
        return "; ".join(f"{row.label}: {row.before} → {row.after}" for row in self.rows)


class _Values(dict):
    def __missing__(self, key: str) -> str:
        return MISSING


def _field(object_type: str, name: str) -> AuditField | None:
    return _fields.get((object_type, name)) or _fields.get(("", name))


def _members(events: list[AuditEvent]) -> dict[str, str]:
    """The names of the people whose emails the events' member fields hold, in one query."""
    emails = set()
    for event in events:
        for name, before, after in event.change_rows():
            spec = _field(event.object_type, name)
            if spec and spec.member:
                emails |= {v for v in (before, after) if isinstance(v, str) and v}
    if not emails:
        return {}
    users = get_user_model().objects.filter(email__in=emails)
    return {u.email: (u.get_full_name() or u.email) for u in users}


def _shown(value: Any, spec: AuditField | None, members: dict[str, str]) -> str:
    if value is None or value == "":
        return MISSING
    if spec and spec.member and isinstance(value, str):
        name = members.get(value, value)
        return name if name == value else f"{name} ({value})"
    if spec and spec.display:
        return spec.display(value)
    if isinstance(value, bool):
        return yes_no_display(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _label(name: str, spec: AuditField | None) -> str:
    if spec:
        return str(spec.label)
    # An unregistered field still reads as words: "reseller_id" → "Reseller id".
    return name.replace("_", " ").capitalize()


def describe(event: AuditEvent, members: dict[str, str] | None = None) -> AuditWording:
    """One event in words (use `describe_all` for many: it looks the people up once)."""
    members = members if members is not None else _members([event])
    rows = []
    values = _Values(object=event.object_repr)
    for name, before, after in event.change_rows():
        spec = _field(event.object_type, name)
        row = ChangeRow(name, _label(name, spec), _shown(before, spec, members), _shown(after, spec, members))
        values[name] = row.after if after not in (None, "") else row.before
        if row.before != MISSING or row.after != MISSING:  # "Expires: — → —" says nothing
            rows.append(row)
    sentence = _verbs.get(event.action)
    try:
        text = str(sentence) % values if sentence is not None else event.action
    except (ValueError, TypeError):  # a broken placeholder in a translation must not break the page
        text = event.action
    return AuditWording(event, text, rows)


def describe_all(events: Iterable[AuditEvent]) -> list[AuditWording]:
    events = list(events)
    members = _members(events)
    return [describe(event, members) for event in events]


def _register_console() -> None:
    """The verbs and fields of the console itself (resellers, teams)."""
    from console.accounts.models import Membership

    t = gettext_lazy
    for action, sentence in {
        "reseller.create": t("Reseller %(object)s created"),
        "reseller.deactivate": t("Reseller %(object)s deactivated"),
        "reseller.reactivate": t("Reseller %(object)s reactivated"),
        "team.invite": t("%(email)s invited to the team as %(role)s"),
        "team.invite_resend": t("Team invitation sent again to %(object)s"),
        "team.join": t("%(object)s joined the team"),
        "team.role_change": t("Role of %(object)s changed to %(role)s"),
        "team.primary_handover": t("Primary admin role handed over to %(primary_admin)s"),
        "team.remove": t("%(object)s removed from the team"),
    }.items():
        audit_verb_register(action, sentence)
    audit_field_register("name", t("Name"))
    audit_field_register("reseller_id", t("Reseller ID"))
    audit_field_register("primary_admin", t("Primary admin"), member=True)
    audit_field_register("email", t("Email"))
    audit_field_register("role", t("Role"), choice_display(Membership.Role.choices))
    audit_field_register(
        "status", t("Status"), choice_display(Membership.Status.choices), object_type="accounts.membership"
    )
    audit_field_register("is_active", t("Active"), yes_no_display)
    audit_field_register("active", t("Active"), yes_no_display)
    audit_field_register("removed", t("Removed"), yes_no_display)
    audit_field_register("revoked", t("Revoked"), yes_no_display)
    audit_field_register("customers_reassigned_to", t("Customers reassigned to"))
    audit_field_register("reason", t("Reason"))
