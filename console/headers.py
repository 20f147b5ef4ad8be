"""NF-5 response headers the Content-Security-Policy middleware (django-csp) does not set.

`NoStoreMiddleware`: every response made by the application — console and portal pages, CSV exports,
the API — carries `Cache-Control: no-store`, so neither the browser nor a proxy keeps a copy of tenant
data (the back button after signing out shows nothing). Static files (WhiteNoise) and the health probes
answer before this middleware and stay cacheable."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # Replace, not merge: a view's max-age or public must never make a page with tenant data cacheable.
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        return response
