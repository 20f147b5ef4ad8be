"""Safe production defaults (issue 13, NF-5): the entry points never fall back to the development
settings, production refuses the development key, HSTS subdomains/preload are opt-in, login throttling
keys on the client behind a proxy, and logs are one JSON object per line with the request's ids."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from console.logs import JsonFormatter
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_KEY = "a-long-random-production-secret-key-that-is-not-in-the-repository-0123456789"


def _env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS")}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env["DATABASE_URL"] = "sqlite:///:memory:"
    env.update(overrides)
    return env


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("module", ["console.wsgi", "console.celery"])
def test_entry_points_without_a_settings_module_refuse_to_start_without_production_secrets(module):
    result = _python(f"import {module}; from django.conf import settings; print(settings.DEBUG)", _env())
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("module", ["console.wsgi", "console.celery"])
def test_entry_points_without_a_settings_module_run_the_production_settings(module):
    code = (
        f"import {module}, os; from django.conf import settings; "
        "print(os.environ['DJANGO_SETTINGS_MODULE'], settings.DEBUG, settings.SESSION_COOKIE_SECURE)"
    )
    result = _python(code, _env(SECRET_KEY=PRODUCTION_KEY, ALLOWED_HOSTS="console.example.com", DEBUG="1"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["console.settings.production", "False", "True"]


@pytest.mark.parametrize("key", [settings.DEVELOPMENT_SECRET_KEY, "short-but-not-the-development-key"])
def test_production_settings_refuse_the_development_or_a_short_secret_key(key):
    env = _env(DJANGO_SETTINGS_MODULE="console.settings.production", SECRET_KEY=key, ALLOWED_HOSTS="x.example.com")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY is the development key or shorter than 50 characters" in result.stderr


HSTS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD)"
)


def test_hsts_subdomains_and_preload_are_opt_in():
    base = {"DJANGO_SETTINGS_MODULE": "console.settings.production", "SECRET_KEY": PRODUCTION_KEY}
    default = _python(HSTS, _env(**base, ALLOWED_HOSTS="x.example.com"))
    assert default.returncode == 0, default.stderr
    assert default.stdout.split() == ["31536000", "False", "False"]

    opted = _python(
        HSTS,
        _env(**base, ALLOWED_HOSTS="x.example.com", SECURE_HSTS_INCLUDE_SUBDOMAINS="1", SECURE_HSTS_PRELOAD="1"),
    )
    assert opted.returncode == 0, opted.stderr
    assert opted.stdout.split() == ["31536000", "True", "True"]


def test_production_logs_one_json_object_per_line_on_stderr():
    code = (
        "import django; django.setup(); import logging; "
        "logging.getLogger('console.probe').warning('disk %s is full', 'A')"
    )
    env = _env(DJANGO_SETTINGS_MODULE="console.settings.production", SECRET_KEY=PRODUCTION_KEY, ALLOWED_HOSTS="x")
    result = _python(code, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    entry = json.loads(lines[-1])
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "console.probe"
    assert entry["message"] == "disk A is full"
    assert entry["time"].endswith("+00:00")
    assert {"request_id", "reseller_id", "user_id"} <= set(entry)


def test_a_log_line_written_during_a_request_carries_its_request_reseller_and_user_ids(triad, member_client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = member_client.get("/customers/no-such-page/", HTTP_X_REQUEST_ID="probe-123")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 404
    assert response["X-Request-ID"] == "probe-123"
    entry = json.loads(stream.getvalue().splitlines()[-1])
    assert entry["message"].startswith("Not Found")
    assert entry["request_id"] == "probe-123"
    assert entry["reseller_id"] == triad.reseller_a.pk
    assert entry["user_id"] == triad.member_a.user.pk


def test_a_request_without_a_sane_request_id_gets_a_fresh_one(client):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="bad id\r\nwith spaces")
    assert response["X-Request-ID"] != "bad id\r\nwith spaces"
    assert len(response["X-Request-ID"]) == 32


def _fail_to_sign_in(client: Client, email: str, times: int, forwarded_for: str) -> None:
    for _ in range(times):
        client.post(reverse("login"), {"username": email, "password": "wrong"}, HTTP_X_FORWARDED_FOR=forwarded_for)


def _sign_in(email: str, forwarded_for: str) -> int:
    response = Client().post(
        reverse("login"), {"username": email, "password": PASSWORD}, HTTP_X_FORWARDED_FOR=forwarded_for
    )
    return response.status_code


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_throttling_keys_on_the_clients_address_not_the_proxys(triad):
    email = triad.member_a.user.email
    _fail_to_sign_in(Client(), email, settings.AXES_FAILURE_LIMIT, forwarded_for="203.0.113.5")
    assert _sign_in(email, forwarded_for="203.0.113.5") == 429  # that client is locked out
    assert _sign_in(email, forwarded_for="198.51.100.7") == 302  # another client behind the same proxy is not
    # A client cannot dodge the lock by writing its own X-Forwarded-For: the proxy appends the real one.
    assert _sign_in(email, forwarded_for="192.0.2.1, 203.0.113.5") == 429


def test_without_a_proxy_a_forged_forwarded_for_header_is_ignored(triad):
    email = triad.member_a.user.email
    _fail_to_sign_in(Client(), email, settings.AXES_FAILURE_LIMIT, forwarded_for="203.0.113.5")
    assert _sign_in(email, forwarded_for="198.51.100.7") == 429  # same REMOTE_ADDR: still locked
