"""Structured logs: one JSON object per line on stderr (production), each carrying the request id and,
once the request is signed in, the user and reseller ids, so an operator can follow one request or one
tenant through the logs.

RequestContextMiddleware (first in MIDDLEWARE) keeps the request in a context variable; the formatter
reads the ids from it at the moment a record is written, so it never queries the database itself.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

_current_request: ContextVar[HttpRequest | None] = ContextVar("console_request", default=None)


def request_context() -> dict[str, Any]:
    """The ids of the request being served (all None outside a request)."""
    request = _current_request.get()
    if request is None:
        return {"request_id": None, "reseller_id": None, "user_id": None}
    # Read only what the middleware already resolved: a log line must not load the user itself.
    user = request.__dict__.get("_cached_user")
    reseller = request.__dict__.get("reseller")
    return {
        "request_id": getattr(request, "request_id", None),
        "reseller_id": reseller.pk if reseller is not None else None,
        "user_id": user.pk if user is not None and user.is_authenticated else None,
    }


class RequestContextMiddleware:
    """Gives every request an id (the proxy's X-Request-ID when it sends a sane one), returns it in the
    response and makes the request visible to the log formatter."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        setattr(request, "request_id", request_id)  # noqa: B010  (HttpRequest declares no such attribute)
        # Cleared when the response is finished (request_finished), not here: Django logs a 4xx/5xx
        # answer after the middleware chain returns, and that line should carry the ids too.
        _current_request.set(request)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


@receiver(request_finished)
def _request_context_clear(**kwargs: Any) -> None:
    _current_request.set(None)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request/reseller/user ids, and the
    traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **request_context(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The same fields for a person reading a terminal (development)."""

    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(f"{key}={value}" for key, value in request_context().items() if value is not None)
        line = f"{self.formatTime(record)} {record.levelname} {record.name}: {record.getMessage()}"
        line = f"{line} [{ids}]" if ids else line
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line
