"""API-7: a rate limit per API key, counted in the cache (Redis in production); 429 with Retry-After."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiKey

if TYPE_CHECKING:
    from rest_framework.views import APIView


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self) -> str:
        # Read at each request (not frozen at import) so operators and tests can change it.
        return str(settings.API_RATE_LIMIT)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        key = request.auth
        if not isinstance(key, ApiKey):
            return None  # unauthenticated requests are refused before they count
        return self.cache_format % {"scope": self.scope, "ident": key.pk}
