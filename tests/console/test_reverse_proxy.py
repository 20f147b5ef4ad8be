"""Issue 13, "Done when": the console with PRODUCTION settings under gunicorn behind nginx (Debian's),
both started here on free ports with non-root temp paths and a self-signed certificate, answers the
health URLs and serves the sign-in page over HTTPS with the secure headers; plain HTTP is redirected;
login throttling keys on the client address nginx forwards (AXES_PROXY_COUNT=1), not on nginx's own
address and not on an X-Forwarded-For the client made up.

The nginx configuration is the README's ("Running in production", "Behind a reverse proxy") with
test ports and paths."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.factories import PASSWORD, MembershipFactory, PeriodicRunFactory

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CLIENT = "127.0.0.2"  # the "browser": a loopback address other than the one nginx and gunicorn use
OTHER_CLIENT = "127.0.0.3"

NGINX_CONF = """
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;

    upstream console {{ server 127.0.0.1:{app_port}; }}

    server {{
        listen 127.0.0.1:{http_port};
        server_name localhost;
        return 301 https://$host:{https_port}$request_uri;
    }}

    server {{
        listen 127.0.0.1:{https_port} ssl;
        server_name localhost;
        ssl_certificate {prefix}/cert.pem;
        ssl_certificate_key {prefix}/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        client_max_body_size 10m;

        location / {{
            proxy_pass http://console;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Request-ID $request_id;
            proxy_redirect off;
            proxy_read_timeout 300s;
        }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited with {process.returncode}:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}:\n{log.read_text(errors='replace')[-4000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@dataclass
class Stack:
    app_port: int
    http_port: int
    https_port: int
    prefix: Path

    def https(self, source: str = CLIENT) -> http.client.HTTPSConnection:
        context = ssl.create_default_context(cafile=str(self.prefix / "cert.pem"))  # verify the test's own CA
        return http.client.HTTPSConnection(
            "localhost", self.https_port, context=context, timeout=30, source_address=(source, 0)
        )

    @property
    def origin(self) -> str:
        return f"https://localhost:{self.https_port}"


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def stack(transactional_db: None, tmp_path: Path) -> Iterator[Stack]:
    prefix = tmp_path / "proxy"
    for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / folder).mkdir(parents=True)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(prefix / "key.pem"), "-out", str(prefix / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    stack = Stack(app_port=_free_port(), http_port=_free_port(), https_port=_free_port(), prefix=prefix)

    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="console.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="localhost",
        DATABASE_URL=_database_url(),
        REDIS_URL=settings.REDIS_URL,
        STATIC_ROOT=str(tmp_path / "static"),
        SITE_URL=stack.origin,
        AXES_PROXY_COUNT="1",
        AXES_FAILURE_LIMIT="3",
    )
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert collect.returncode == 0, collect.stderr

    app_log = tmp_path / "gunicorn.log"
    gunicorn = [str(Path(sys.executable).with_name("gunicorn")), "console.wsgi", "--workers", "1",
                "--bind", f"127.0.0.1:{stack.app_port}", "--pid", str(tmp_path / "gunicorn.pid")]  # fmt: skip
    with app_log.open("wb") as out:
        app = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    conf = prefix / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            prefix=prefix, app_port=stack.app_port, http_port=stack.http_port, https_port=stack.https_port
        )
    )
    nginx_log = prefix / "error.log"
    nginx_log.touch()
    nginx = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(nginx_log), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_for(stack.app_port, app, app_log)
        _wait_for(stack.https_port, nginx, nginx_log)
        yield stack
    finally:
        _stop(nginx)
        _stop(app)


def _get(stack: Stack, path: str, source: str = CLIENT, **headers: str) -> http.client.HTTPResponse:
    conn = stack.https(source)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    conn.close()
    return response


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    """Set-Cookie headers by cookie name (the raw header, attributes included)."""
    return {SimpleCookie(raw).popitem()[0]: raw for raw in response.headers.get_all("Set-Cookie") or []}


def _sign_in(
    stack: Stack, email: str, password: str, source: str = CLIENT, forwarded_for: str | None = None
) -> http.client.HTTPResponse:
    page = _get(stack, "/accounts/login/", source)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()  # type: ignore[attr-defined, union-attr]
    csrf_cookie = SimpleCookie(_cookies(page)["csrftoken"])["csrftoken"].value
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={csrf_cookie}",
        "Origin": stack.origin,
        "Referer": f"{stack.origin}/accounts/login/",
    }
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    conn = stack.https(source)
    body = urlencode({"csrfmiddlewaretoken": token, "username": email, "password": password})
    conn.request("POST", "/accounts/login/", body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


@pytest.mark.django_db(transaction=True)
def test_production_settings_behind_nginx_serve_https_with_the_secure_headers(stack: Stack) -> None:
    PeriodicRunFactory()  # the job ran: /health/ready/ checks it

    live = _get(stack, "/health/live/")
    assert live.status == 200
    assert live.body == b'{"status": "ok"}'  # type: ignore[attr-defined]
    ready = _get(stack, "/health/ready/")
    assert ready.status == 200, ready.body  # type: ignore[attr-defined]
    assert b'"status": "ok"' in ready.body  # type: ignore[attr-defined]

    page = _get(stack, "/accounts/login/")
    assert page.status == 200
    assert b'name="csrfmiddlewaretoken"' in page.body  # type: ignore[attr-defined]
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    if csp := page.headers.get("Content-Security-Policy"):
        assert "default-src" in csp
    assert page.headers["X-Request-ID"]  # nginx's $request_id reaches the logs and comes back
    csrf = _cookies(page)["csrftoken"]
    assert "Secure" in csrf and "HttpOnly" in csrf

    # A static asset through the manifest storage (a broken collectstatic would 500 the page above).
    css = re.search(rb'href="(/static/[^"]+\.css)"', page.body).group(1).decode()  # type: ignore[attr-defined, union-attr]
    assert _get(stack, css).status == 200

    # Plain HTTP through nginx: redirected to HTTPS, nothing served.
    plain = http.client.HTTPConnection("localhost", stack.http_port, timeout=30, source_address=(CLIENT, 0))
    plain.request("GET", "/accounts/login/?next=/customers/")
    redirect = plain.getresponse()
    plain.close()
    assert redirect.status == 301
    assert redirect.headers["Location"] == f"{stack.origin}/accounts/login/?next=/customers/"

    # A request reaching gunicorn without the proxy's X-Forwarded-Proto: Django redirects it too.
    direct = http.client.HTTPConnection("127.0.0.1", stack.app_port, timeout=30)
    direct.request("GET", "/accounts/login/", headers={"Host": "localhost"})
    bounced = direct.getresponse()
    direct.close()
    assert bounced.status == 301
    assert bounced.headers["Location"] == "https://localhost/accounts/login/"


@pytest.mark.django_db(transaction=True)
def test_signing_in_behind_nginx_sets_secure_cookies_and_throttles_the_forwarded_client(stack: Stack) -> None:
    member = MembershipFactory()
    email = member.user.email
    # The test settings hash with MD5, which production does not accept: store a production hash.
    member.user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt(), iterations=1000)
    member.user.save(update_fields=["password"])

    # A good sign-in: the session cookie is Secure and HttpOnly.
    signed_in = _sign_in(stack, email, PASSWORD)
    assert signed_in.status == 302
    session = _cookies(signed_in)["sessionid"]
    assert "Secure" in session and "HttpOnly" in session

    # Three failures (AXES_FAILURE_LIMIT=3) from CLIENT lock CLIENT out, whatever X-Forwarded-For it sends…
    for spoofed in ("10.0.0.1", "10.0.0.2"):
        assert _sign_in(stack, email, "wrong password", CLIENT, forwarded_for=spoofed).status == 200
    assert _sign_in(stack, email, "wrong password", CLIENT).status == 429
    assert _sign_in(stack, email, PASSWORD, CLIENT, forwarded_for="10.0.0.9").status == 429
    attempts = AccessAttempt.objects.filter(username=email)
    assert list(attempts.values_list("ip_address", flat=True)) == [CLIENT]
    assert attempts.get().failures_since_start == 4  # three wrong passwords and the refused right one

    # …and not a different client behind the same proxy (nginx's own address is not the key).
    assert _sign_in(stack, email, PASSWORD, OTHER_CLIENT).status == 302
