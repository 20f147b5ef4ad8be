"""NF-4 under real concurrent load: the production stack (console.settings.production, DEBUG off, gunicorn
sync workers on loopback) driven by wrk (Debian's `wrk`, 16 connections), signed in with a session cookie
as the bench login. Each page is compared with the sign-in page *in the same run*: on a 2-core machine that
PostgreSQL, gunicorn and wrk share, a ratio survives the noise, an absolute req/s does not.

The server runs in real time (no time-machine: it is another process), so "today" is the machine's date;
the figures do not depend on which day it is, the filter counts do a little."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import config

CONNECTIONS = 16
THREADS = 2
LIST_RATIO = 0.2  # NF-4: the list serves ≥ 0.2 × the sign-in page's req/s
SEARCH_RATIO = 0.1  # … a search ≥ 0.1 ×
SIGN_IN = "/accounts/login/"


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    path: str
    params: dict[str, str]
    target_ratio: float | None = None
    optional: bool = False  # may not exist yet: measured when the URL answers, reported "not present" if 404

    @property
    def url(self) -> str:
        return f"{self.path}?{urlencode(self.params)}" if self.params else self.path


PAGES = [
    Page("sign_in", "sign-in page (anonymous)", SIGN_IN, {}),
    Page("list_all", "customers: All", "/customers/", {}, LIST_RATIO),
    Page("list_pending", "customers: filter=pending", "/customers/", {"filter": "pending"}, LIST_RATIO),
    Page(
        "list_ready_mine", "customers: filter=ready mine", "/customers/", {"filter": "ready", "mine": "on"}, LIST_RATIO
    ),
    Page("list_sort_status", "customers: sort=status", "/customers/", {"sort": "status"}, LIST_RATIO),
    Page("list_search", "customers: q=berg", "/customers/", {"q": "berg"}, SEARCH_RATIO),
    Page("home", "home page", "/", {}, LIST_RATIO, optional=True),
    Page("renewals", "renewals page", "/renewals/", {}, LIST_RATIO),
]
# At one web worker (and again at two, for the comparison): the sign-in page, the list and a search.
SCALING_KEYS = ("sign_in", "list_all", "list_search")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(secret_key: str) -> dict[str, str]:
    """What the production settings need, and nothing from the developer's settings."""
    env = config.env_for_django()
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "console.settings.production",
            "SECRET_KEY": secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DEBUG": "0",
            # Persistent connections, as a production deployment runs (README, "Running in production").
            "CONN_MAX_AGE": "60",
            "LOG_LEVEL": "WARNING",
            "STATIC_ROOT": str(config.BASE_DIR / ".run" / "bench-static"),
        }
    )
    return env


def collectstatic(env: dict[str, str]) -> None:
    """The manifest storage of the production settings needs collected files, or every page is a 500."""
    subprocess.run(  # noqa: S603
        [str(config.BASE_DIR / ".venv" / "bin" / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=config.BASE_DIR,
        env=env,
        check=True,
    )


@contextmanager
def gunicorn(env: dict[str, str], workers: int) -> Iterator[tuple[str, Path]]:
    """A gunicorn with `workers` sync workers on a free loopback port; stopped (by its pid) on exit."""
    port = _free_port()
    binary = config.BASE_DIR / ".venv" / "bin" / "gunicorn"
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603
        [str(binary), "console.wsgi", "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--timeout", "120"],
        cwd=config.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}: {Path(log.name).read_text()[-2000:]}")
            try:
                if fetch(base + SIGN_IN, cookie=None)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within 60 s: {Path(log.name).read_text()[-2000:]}")
            time.sleep(0.3)
        yield base, Path(log.name)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        os.unlink(log.name)


def _headers(cookie: str | None) -> dict[str, str]:
    # The production settings redirect plain HTTP to HTTPS unless the proxy says the request came over TLS.
    headers = {"X-Forwarded-Proto": "https"}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    return headers


def fetch(url: str, *, cookie: str | None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=_headers(cookie))  # noqa: S310 (loopback, built here)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), ""


_DURATION = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unknown wrk duration {text!r}")
    return float(match.group(1)) * _DURATION[match.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    """req/s, latency percentiles, request count and errors from `wrk --latency` output."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    percentiles = {p: _ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.MULTILINE)}
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if not rate or not total or "50" not in percentiles or "99" not in percentiles:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    return {
        "requests_per_s": float(rate.group(1)),
        "requests": int(total.group(1)),
        "p50_ms": round(percentiles["50"], 2),
        "p90_ms": round(percentiles.get("90", 0.0), 2),
        "p99_ms": round(percentiles["99"], 2),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        # connect, read and write errors are failures; a timeout is a request slower than wrk waits
        "socket_errors": sum(int(x) for x in socket_errors.groups()[:3]) if socket_errors else 0,
        "timeouts": int(socket_errors.group(4)) if socket_errors else 0,
    }


def wrk(url: str, *, cookie: str | None, seconds: int) -> dict[str, Any]:
    args = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "30s", "--latency"]
    for name, value in _headers(cookie).items():
        args += ["-H", f"{name}: {value}"]
    completed = subprocess.run([*args, url], capture_output=True, text=True, check=True, timeout=seconds + 60)  # noqa: S603
    return parse_wrk(completed.stdout)


def session_cookie(email: str) -> str:
    """A signed-in session of the bench login, stored in the bench database (as the sign-in view would)."""
    from django.test import Client

    from console.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    return str(client.cookies["sessionid"].value)


def _measure(
    base: str, pages: list[Page], cookie: str, seconds: int, progress: Callable[[str], None]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for page in pages:
        use = None if page.key == "sign_in" else cookie
        status, _ = fetch(base + page.url, cookie=use)
        row: dict[str, Any] = {"key": page.key, "label": page.label, "url": page.url, "status": status}
        if status == 404 and page.optional:
            row["present"] = False
            progress(f"    {page.label:<32} not present (GET {page.url} answers 404)")
            rows.append(row)
            continue
        if status != 200:
            raise RuntimeError(f"GET {page.url} through gunicorn answered {status}")
        row["present"] = True
        row.update(wrk(base + page.url, cookie=use, seconds=seconds))
        if row["non_2xx"] or row["socket_errors"]:
            raise RuntimeError(
                f"wrk on {page.url}: {row['non_2xx']} non-2xx answers, {row['socket_errors']} socket errors"
            )
        progress(
            f"    {page.label:<32} {row['requests_per_s']:>8.1f} req/s  p50 {row['p50_ms']:>8.1f} ms  "
            f"p99 {row['p99_ms']:>8.1f} ms"
        )
        rows.append(row)
    sign_in = next(r for r in rows if r["key"] == "sign_in")["requests_per_s"]
    for row, page in zip(rows, pages, strict=True):
        if row["present"]:
            row["ratio"] = round(row["requests_per_s"] / sign_in, 3) if sign_in else 0.0
            row["target_ratio"] = page.target_ratio
            row["ok"] = page.target_ratio is None or row["ratio"] >= page.target_ratio
    return rows


def run(*, login_email: str, seconds: int, scaling: bool = True, progress: Callable[[str], None]) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install -y wrk)")
    import secrets

    secret_key = secrets.token_urlsafe(50)
    env = server_env(secret_key)
    # The session cookie is signed with the server's key: sign in with the same one.
    from django.conf import settings

    previous_key = settings.SECRET_KEY
    settings.SECRET_KEY = secret_key
    try:
        cookie = session_cookie(login_email)
    finally:
        settings.SECRET_KEY = previous_key
    progress("Real server: collectstatic for the production settings …")
    collectstatic(env)
    result: dict[str, Any] = {"connections": CONNECTIONS, "threads": THREADS, "seconds": seconds, "workers": {}}
    passes = [(2, PAGES)] + ([(1, [p for p in PAGES if p.key in SCALING_KEYS])] if scaling else [])
    for workers, pages in passes:
        progress(f"Real server: gunicorn, {workers} sync worker(s), wrk -t{THREADS} -c{CONNECTIONS} -d{seconds}s …")
        with gunicorn(env, workers) as (base, log):
            try:
                result["workers"][str(workers)] = _measure(base, pages, cookie, seconds, progress)
            except RuntimeError as error:
                raise RuntimeError(f"{error}\ngunicorn's log:\n{log.read_text()[-3000:]}") from error
    return result
