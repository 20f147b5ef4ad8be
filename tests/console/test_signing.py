"""console.signing: the one way invitation links are written and read."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import signing

from console.signing import LinkExpired, LinkInvalid, link_read, link_sign

DAY = timedelta(days=1)


def test_a_link_reads_back_its_payload():
    token = link_sign("test.purpose", {"c": 7, "n": "abc"})
    assert link_read("test.purpose", token, max_age=DAY) == {"c": 7, "n": "abc"}


def test_a_link_is_expired_after_its_time_limit_and_not_before():
    with time_machine.travel("2026-01-01 12:00Z", tick=False) as traveller:
        token = link_sign("test.purpose", {"c": 7})
        traveller.shift(DAY - timedelta(seconds=1))
        assert link_read("test.purpose", token, max_age=DAY) == {"c": 7}
        assert link_read("test.purpose", token, max_age=int(DAY.total_seconds())) == {"c": 7}
        traveller.shift(timedelta(seconds=2))
        with pytest.raises(LinkExpired):
            link_read("test.purpose", token, max_age=DAY)


def test_an_expired_link_is_also_an_invalid_link():
    assert issubclass(LinkExpired, LinkInvalid)


def test_a_link_made_for_another_purpose_is_invalid():
    token = link_sign("team.invitation", {"m": 1})
    with pytest.raises(LinkInvalid) as caught:
        link_read("customers.invitation", token, max_age=DAY)
    assert not isinstance(caught.value, LinkExpired)


@pytest.mark.parametrize(
    "token", ["", "x", "a:b:c", "\x00", "<script>", "%ff", "😀" * 10, "A" * 5000, ":" * 50, "e30:1v:abc"]
)
def test_a_forged_or_mangled_link_is_invalid(token):
    with pytest.raises(LinkInvalid):
        link_read("test.purpose", token, max_age=DAY)


def test_an_altered_link_is_invalid():
    token = link_sign("test.purpose", {"c": 7})
    payload, rest = token.split(":", 1)
    with pytest.raises(LinkInvalid):
        link_read("test.purpose", payload[:-1] + ("A" if payload[-1] != "A" else "B") + ":" + rest, max_age=DAY)


def test_a_genuine_token_that_is_not_a_payload_object_is_invalid():
    token = signing.TimestampSigner(salt="test.purpose").sign_object([1, 2])
    with pytest.raises(LinkInvalid):
        link_read("test.purpose", token, max_age=DAY)
