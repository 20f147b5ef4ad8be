"""API-6: `Idempotency-Key` on POST. The same key with the same body replays the first answer; with
another body it is refused (422). The record is written in the same transaction as the change, and
the unique constraint (api_key, key) settles concurrent retries: the second INSERT waits for the
first request's transaction, then fails, and replays what the first one stored."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.models import ApiKey, IdempotencyRecord
from api.problems import IdempotencyKeyReused
from api.services import idempotency_cutoff

HEADER = "Idempotency-Key"
VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, no spaces (a UUID fits)

P = ParamSpec("P")
V = TypeVar("V", bound=APIView)


class IdempotencyKeyInFlight(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("A request with this Idempotency-Key is being processed; retry in a moment.")
    default_code = "idempotency-key-in-flight"


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(record.body, status=record.status_code or 200, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(
    handler: Callable[Concatenate[V, Request, P], HttpResponseBase],
) -> Callable[Concatenate[V, Request, P], HttpResponseBase]:
    """Decorate a POST handler of an API view."""

    @wraps(handler)
    def wrapped(view: V, request: Request, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        key_text = request.headers.get(HEADER)
        if key_text is None:
            return handler(view, request, *args, **kwargs)
        if not VALID_KEY.fullmatch(key_text):
            raise exceptions.ValidationError({HEADER: [_("Use 1 to 255 printable ASCII characters, e.g. a UUID.")]})
        api_key = request.auth
        assert isinstance(api_key, ApiKey)  # noqa: S101  (the permission ran first)
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        api_key=api_key, key=key_text, fingerprint=fingerprint, created_at=timezone.now()
                    )
            except IntegrityError:
                existing = IdempotencyRecord.objects.filter(api_key=api_key, key=key_text).first()
                if existing is None or existing.status_code is None:
                    raise IdempotencyKeyInFlight() from None
                if existing.created_at >= idempotency_cutoff():
                    if existing.fingerprint != fingerprint:
                        raise IdempotencyKeyReused() from None
                    return _replay(existing)
                existing.delete()  # older than the retention: the key starts afresh
                try:
                    with transaction.atomic():
                        record = IdempotencyRecord.objects.create(
                            api_key=api_key, key=key_text, fingerprint=fingerprint, created_at=timezone.now()
                        )
                except IntegrityError:
                    raise IdempotencyKeyInFlight() from None
            try:
                response = handler(view, request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001  (an unexpected error re-raises and rolls back)
                response = view.handle_exception(exc)
            if isinstance(response, Response):
                record.status_code = response.status_code
                record.content_type = response.content_type or "application/json"
                record.body = JSONRenderer().render(response.data).decode()
                record.save(update_fields=["status_code", "content_type", "body"])
            return response

    return wrapped
