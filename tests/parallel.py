"""Run calls at the same moment on real, separate database connections (NF-3 race tests).

Each call runs in its own thread, released together by a barrier; whatever a call raises is returned
in its place, so a test can assert that no loser crashed. Every thread closes its connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpResponse
from django.test import Client

from console.accounts.models import User


def in_parallel(calls: list[Callable[[], Any]], *, prepare: Callable[[int], Any] | None = None) -> list[Any]:
    """Run `calls` at once; each gets the result of `prepare(i)` (built in its own thread, before the
    barrier) as its argument when `prepare` is given. Returns each call's result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[..., Any]) -> None:
        try:
            args = (prepare(index),) if prepare else ()
            barrier.wait(timeout=10)
            results[index] = call(*args)
        except BaseException as error:  # noqa: BLE001 - reported to the test, which asserts on it
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def client_for(user: User | None) -> Client:
    """A test client of its own (one per thread), signed in as `user` when given."""
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def messages_of(response: HttpResponse) -> list[str]:
    """The flash messages a response queued for the next page."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def crashes(results: list[Any]) -> list[Any]:
    """The results that are exceptions or server errors — none is allowed."""
    return [r for r in results if isinstance(r, BaseException) or getattr(r, "status_code", 0) >= 500]
