"""Production settings: everything secret or host-specific must come from the environment.

`manage.py check --deploy --fail-level WARNING` passes with these settings (tested).
"""

from django.core.exceptions import ImproperlyConfigured

from console.settings.base import *  # noqa: F403  (the conventional settings layering)
from console.settings.base import DEVELOPMENT_SECRET_KEY, LOGGING, SILENCED_SYSTEM_CHECKS, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")  # no default: refuse to start without one
if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY is the development key or shorter than 50 characters; generate one for production, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
# Opt-in: both bind every subdomain of the host (and, once preloaded, browsers for months) to HTTPS;
# an operator turns them on knowingly (README, "Running in production"). Django's deploy check asks
# for them, so its two warnings are silenced here on purpose.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W005", "security.W021"]
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGGING["handlers"]["console"]["formatter"] = "json"
WEBHOOK_ALLOW_PRIVATE_URLS = False  # HOOK-5: never in production, whatever the environment says
