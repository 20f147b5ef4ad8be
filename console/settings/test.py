"""Settings for the test suite: PostgreSQL and Redis on localhost unless the environment says otherwise."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/console")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from console.settings.base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; prod uses scrypt
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SITE_URL = "http://testserver"
WHITENOISE_AUTOREFRESH = True
WEBHOOK_ALLOW_PRIVATE_URLS = True  # the tests' receivers listen on 127.0.0.1
