"""URL converters for the programme's identifiers (SPEC §2): anything else is a 404 before a view or
the database sees it (no NUL bytes or other junk reaching a query)."""

from __future__ import annotations


class _Identifier:
    regex = ""

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class VipIdConverter(_Identifier):
    regex = "[0-9A-F]{20}"


class PurchaseAuthorizationNumberConverter(_Identifier):
    regex = "PA[0-9]{18}"


class OrderNumberConverter(_Identifier):
    regex = "[0-9]{10}"
