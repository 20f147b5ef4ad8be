"""MAIL-2: rendering an outbox message from its templates, now or when it is sent.

A message queued one at a time (a user's action) is rendered when it is queued. The periodic job queues
thousands at once (JOB-3: a heavy day has ~14,000 emails over the bench's million customers), and the
template engine takes milliseconds per message — most of the job's time. So `mail_enqueue_bulk` stores
what the templates need instead (`context_encode`: the objects by reference, the values computed for
the email as they are) and the sender renders each message once, when it claims it (`message_render`),
in the recipient's language as before. The objects are read again at that moment, seconds later; the
values the email is about (dates, quantities, quotes, the reminder's kind) are the ones stored.

A context with anything else in it (an object the codec does not know) is rendered at once, as before.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Model
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django_scopes import scopes_disabled

from console.outbox.models import OutboxMessage


class NotEncodable(TypeError):
    """The context holds something `context_encode` cannot store: render the message now instead."""


def _render_text(name: str, context: dict[str, Any]) -> str:
    """A plain-text part (subject or text body): nothing is HTML-escaped, so `O'Brien & "Sons"` stays as
    typed (NF-2); only the HTML body escapes."""
    template = get_template(name).template  # type: ignore[attr-defined]  # the Django backend's Template
    return str(template.render(Context(context, autoescape=False)))


def render(template: str, language: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, plain-text body, HTML body) of templates/emails/<template>_* in `language`."""
    # render_to_string has no request, so the i18n context processor does not run: pass the language
    # ourselves, or the HTML part would always say lang="en".
    context = {"site_url": settings.SITE_URL, "LANGUAGE_CODE": language, **context}
    with translation.override(language):
        subject = " ".join(_render_text(f"emails/{template}_subject.txt", context).split())
        body_text = _render_text(f"emails/{template}_body.txt", context)
        body_html = render_to_string(f"emails/{template}_body.html", context)
    return subject[:250], body_text, body_html


@functools.cache
def _attnames(model: type[Model]) -> frozenset[str]:
    return frozenset(field.attname for field in model._meta.concrete_fields)


def _fields(instance: Model) -> frozenset[str]:
    return _attnames(type(instance))


def _encode(value: Any, language: str) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Promise):
        with translation.override(language):  # the recipient's (activated here only: thousands per job run)
            return str(value)
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Model):
        label = value._meta.label_lower
        if value.pk is None:  # an unsaved row, e.g. a quote's order line: its field values
            return {"$new": label, "fields": {name: _encode(getattr(value, name), language) for name in _fields(value)}}
        # A stored row by reference, with the values annotated on it for the email (rn_ad, rn_expiring …).
        known = _fields(value)
        extra = {
            name: _encode(item, language)
            for name, item in vars(value).items()
            if name not in known and not name.startswith("_")
        }
        return {"$model": label, "pk": value.pk, "extra": extra}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        fields = {field.name: _encode(getattr(value, field.name), language) for field in dataclasses.fields(value)}
        return {"$dataclass": f"{kind.__module__}:{kind.__qualname__}", "fields": fields}
    if isinstance(value, list | tuple):
        return [_encode(item, language) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) and not key.startswith("$") for key in value):
        return {key: _encode(item, language) for key, item in value.items()}
    raise NotEncodable(type(value).__name__)


def context_encode(context: dict[str, Any], language: str) -> dict[str, Any]:
    """The context as JSON, for rendering later; raises NotEncodable for anything it cannot store."""
    return {key: _encode(value, language) for key, value in context.items()}


def _references(value: Any, found: dict[str, set[Any]]) -> None:
    if isinstance(value, list):
        for item in value:
            _references(item, found)
    elif isinstance(value, dict):
        if "$model" in value:
            found[value["$model"]].add(value["pk"])
        for item in value.values():
            _references(item, found)


def _decode(value: Any, rows: dict[str, dict[Any, Model]]) -> Any:
    if isinstance(value, list):
        return [_decode(item, rows) for item in value]
    if not isinstance(value, dict):
        return value
    if "$decimal" in value:
        return Decimal(value["$decimal"])
    if "$datetime" in value:
        return datetime.fromisoformat(value["$datetime"])
    if "$date" in value:
        return date.fromisoformat(value["$date"])
    if "$model" in value:
        instance = rows[value["$model"]][value["pk"]]  # KeyError: the row is gone (the message fails)
        for name, item in value["extra"].items():
            setattr(instance, name, _decode(item, rows))
        return instance
    if "$new" in value:
        model = apps.get_model(value["$new"])
        return model(**{name: _decode(item, rows) for name, item in value["fields"].items()})
    if "$dataclass" in value:
        module, name = value["$dataclass"].split(":")
        kind: Any = importlib.import_module(module)
        for part in name.split("."):
            kind = getattr(kind, part)
        return kind(**{key: _decode(item, rows) for key, item in value["fields"].items()})
    return {key: _decode(item, rows) for key, item in value.items()}


def context_decode(stored: dict[str, Any]) -> dict[str, Any]:
    """The context `context_encode` stored, its rows read again (one query per model)."""
    found: dict[str, set[Any]] = defaultdict(set)
    _references(stored, found)
    with scopes_disabled():
        rows = {label: apps.get_model(label)._base_manager.in_bulk(pks) for label, pks in found.items()}
    return {key: _decode(value, rows) for key, value in stored.items()}


def message_render(message: OutboxMessage) -> None:
    """Fill in the subject and bodies of a message queued with its context (mail_enqueue_bulk) and
    forget the context; nothing to do for one rendered already. The caller saves it."""
    if message.context is None:
        return
    with scopes_disabled():  # templates follow relations through the tenant-scoped managers
        message.subject, message.body_text, message.body_html = render(
            message.template, message.language, context_decode(message.context)
        )
    message.context = None
