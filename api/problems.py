"""API-5: every error is an RFC 9457 problem (`application/problem+json`): type, title, status,
detail, instance, and for invalid input the field errors as `errors: [{field, message}]`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:reseller-console:problem:"


class RuleRefused(exceptions.APIException):
    """A business rule refused the request (a CustomerError or PurchaseError from a service): 422."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request was understood but a rule refuses it."
    default_code = "rule-refused"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used with another request."
    default_code = "idempotency-key-reused"


def _field_errors(detail: Any, path: str = "") -> Iterator[dict[str, str]]:
    if isinstance(detail, dict):
        for name, value in detail.items():
            field = "" if name in ("non_field_errors", "__all__") else str(name)
            yield from _field_errors(value, f"{path}.{field}" if path and field else path or field)
    elif isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            for item in detail:
                yield {"field": path, "message": str(item)}
        else:
            for index, item in enumerate(detail):
                yield from _field_errors(item, f"{path}[{index}]")
    else:
        yield {"field": path, "message": str(detail)}


def problem_response(
    *,
    status_code: int,
    title: str,
    detail: str,
    code: str,
    instance: str = "",
    errors: list[dict[str, str]] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": f"{TYPE_PREFIX}{code}",
        "title": title,
        "status": status_code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    response = Response(body, status=status_code)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


TITLES = {
    400: "Invalid request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    415: "Unsupported media type",
    422: "Refused",
    429: "Too many requests",
}


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (404/403 conversion, WWW-Authenticate, Retry-After), with its body as a problem."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return None  # an unexpected error: a 500 from Django, logged
    request = context.get("request")
    instance = request.path if request is not None else ""
    if isinstance(exc, exceptions.ValidationError):
        errors = list(_field_errors(exc.detail))
        problem = problem_response(
            status_code=response.status_code,
            title=_("Invalid request"),
            detail=_("Some fields are not valid: see errors."),
            code="validation",
            instance=instance,
            errors=errors,
        )
    else:
        problem = problem_response(
            status_code=response.status_code,
            title=TITLES.get(response.status_code, "Error"),
            detail=str(exc.detail),
            code=str(exc.default_code if not isinstance(exc.get_codes(), str) else exc.get_codes()).replace("_", "-"),
            instance=instance,
        )
    for header, value in response.items():
        if header.lower() in ("www-authenticate", "retry-after", "allow"):
            problem[header] = value
    return problem
