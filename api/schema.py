"""The OpenAPI contract (API-4): the API-key security scheme, the problem-details error responses
(API-5) and the Idempotency-Key header (API-6) on every operation that takes them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

PROBLEM = {
    "type": "object",
    "description": "An RFC 9457 problem.",
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Field errors of invalid input; `field` is a dotted path, empty for the whole body.",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}
ERRORS = {
    "400": "Invalid input (field errors in `errors`).",
    "401": "No API key, or one that is unknown, expired or revoked.",
    "403": "A read-only key tried to write.",
    "404": "Not found (also another reseller's object).",
    "405": "Method not allowed.",
    "406": "Not acceptable.",
    "409": "A request with the same Idempotency-Key is still being processed.",
    "415": "Unsupported media type.",
    "422": "A rule refuses the request, or the Idempotency-Key was used with another body.",
    "429": "Rate limit reached; see Retry-After.",
}
WRITE_ONLY_ERRORS = {"403", "409", "415", "422"}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key created by a reseller admin in the console (Team → API keys): `rck_…`.",
        }


def problem_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    ref = {"$ref": "#/components/schemas/Problem"}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/") or path.startswith(("/api/v1/schema", "/api/v1/docs", "/api/v1/redoc")):
            continue
        for method, operation in operations.items():
            writes = method in ("post", "put", "patch", "delete")
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                if code in WRITE_ONLY_ERRORS and not writes:
                    continue
                responses.setdefault(
                    code, {"description": description, "content": {"application/problem+json": {"schema": ref}}}
                )
            if "429" in responses:
                responses["429"]["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
            if method == "post":
                operation.setdefault("parameters", []).append(
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "Send the same key to retry safely: the first answer is replayed (24 h).",
                        "schema": {"type": "string", "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
                    }
                )
    return result
