"""Signed, expiring links (invitations): one way to write and read them.

A token carries a small JSON payload signed with the project's SECRET_KEY and a salt per purpose, and
the time it was made. Reading checks the signature and the age. Single use is the caller's job: put a
nonce in the payload and compare it with the row (the services lock the row when the link is used).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import signing


class LinkInvalid(Exception):
    """The token was not made by this site for this purpose (forged, altered, truncated or mangled)."""


class LinkExpired(LinkInvalid):
    """The token is genuine but older than its time limit."""


def link_sign(salt: str, payload: dict[str, Any]) -> str:
    """A URL-safe token carrying `payload` (JSON-serialisable) and the current time."""
    return signing.TimestampSigner(salt=salt).sign_object(payload)


def link_read(salt: str, token: str, *, max_age: timedelta | int) -> dict[str, Any]:
    """The payload of a token made by :func:`link_sign` with the same `salt` no longer than `max_age`
    (a timedelta or seconds) ago. Raises LinkExpired when it is too old, LinkInvalid for anything else that is wrong."""
    try:
        payload = signing.TimestampSigner(salt=salt).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as error:
        raise LinkExpired from error
    except (signing.BadSignature, TypeError, ValueError) as error:
        raise LinkInvalid from error
    if not isinstance(payload, dict):
        raise LinkInvalid
    return payload
