"""Settings shared by every environment, read from the environment with django-environ.

With no DATABASE_URL/REDIS_URL the project runs on an embedded default: SQLite and kombu's
filesystem transport, so `make run` needs no external service.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
RUN_DIR = BASE_DIR / ".run"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# Production settings refuse this key (console.settings.production).
DEVELOPMENT_SECRET_KEY = "insecure-development-key-change-me-" + "x" * 20
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default=f"http://127.0.0.1:{env('WEB_PORT', default='8000')}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_countries",  # for its translated country names
    "django_celery_beat",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from the package, no CDN (API-4)
    "console",
    "console.accounts",
    "console.audit",
    "console.outbox",
    "console.jobs",
    "customers",
    "purchase_auth",
    "renewals",
    "reseller_change",
    "portal",
    "api",
]

MIDDLEWARE = [
    "console.logs.RequestContextMiddleware",
    # Before SecurityMiddleware and host validation: a probe may call a pod's own address over HTTP.
    "console.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # NF-5: after WhiteNoise, so static files stay cacheable; every other response is no-store and has the CSP.
    "console.headers.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "console.i18n.UserLanguageMiddleware",  # after authentication: the signed-in user's language (I18N-2)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "console.tenancy.TenantMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "console.urls"
WSGI_APPLICATION = "console.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.tenancy.tenant_context",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
SILENCED_SYSTEM_CHECKS: list[str] = []
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Covering indexes (INCLUDE) are a PostgreSQL optimisation; SQLite builds the plain index.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
    # The embedded default is shared by web, worker and beat: WAL and a busy timeout avoid "locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)

# Login throttling (NF-5): django-axes locks a username+address pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
# Behind N reverse proxies the client's address is the Nth entry from the right of X-Forwarded-For
# (each proxy appends the address it received the request from); 0 = no proxy, use REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "console.accounts.auth.client_ip_address"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("uk", "Українська")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
# One date style per language, the same for every date shown to people (I18N-3): console/formats/<lang>.
FORMAT_MODULE_PATH = ["console.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / ".run" / "staticfiles"))
# Third-party assets come from packages: npm's bootstrap and chart.js (node_modules), django-htmx's bundled htmx.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Email: EMAIL_URL such as smtp://user:pass@host:587 (or smtp+tls://…); the default writes to the
# console. Every email goes through the outbox table first (MAIL-1).
vars().update(env.email("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Reseller Console <console@example.com>")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=30)

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport under .run/ (or under
# CELERY_FS_BROKER_DIR, so a test can give worker and beat a broker of their own).
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CELERY_BROKER_URL = "filesystem://"
    _broker_dir = Path(env("CELERY_FS_BROKER_DIR", default=str(RUN_DIR)))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "broker"),
        "data_folder_out": str(_broker_dir / "broker"),
        "control_folder": str(_broker_dir / "broker-control"),
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # worker logs go through LOGGING below, like the web's
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
PERIODIC_REFRESH_MINUTES = env.int("PERIODIC_REFRESH_MINUTES", default=15)
CELERY_BEAT_SCHEDULER = "console.jobs.scheduler:CodeScheduleScheduler"
# JOB-1: one schedule, declared here; django-celery-beat copies it into the database, where operators
# see it (and each task's last run) in the Django admin.
CELERY_BEAT_SCHEDULE = {
    "outbox-flush": {
        "task": "console.outbox.tasks.outbox_flush",
        "schedule": timedelta(seconds=env.int("OUTBOX_FLUSH_SECONDS", default=60)),
    },
    "webhooks-flush": {
        "task": "api.tasks.webhook_flush",
        "schedule": timedelta(seconds=env.int("WEBHOOK_FLUSH_SECONDS", default=30)),
    },
    "periodic-refresh": {
        "task": "console.tasks.periodic_run_task",
        "schedule": timedelta(minutes=PERIODIC_REFRESH_MINUTES),
    },
}

# /health/ready/ fails when the periodic job has not succeeded for this long (0: not checked).
HEALTH_PERIODIC_MAX_AGE_MINUTES = env.int("HEALTH_PERIODIC_MAX_AGE_MINUTES", default=3 * PERIODIC_REFRESH_MINUTES)

# Programme policies (SPEC numbers marked "policy"); operators change them through the environment.
VIP_POLICY = {
    "INVITATION_LINK_DAYS": env.int("POLICY_INVITATION_LINK_DAYS", default=30),
    "PA_DUE_DAYS": env.int("POLICY_PA_DUE_DAYS", default=14),
    "PA_SUSPEND_AFTER_DAYS": env.int("POLICY_PA_SUSPEND_AFTER_DAYS", default=60),
    "RENEWAL_NOTICE_DAYS": env.int("POLICY_RENEWAL_NOTICE_DAYS", default=45),
    "RENEWAL_WINDOW_DAYS": env.int("POLICY_RENEWAL_WINDOW_DAYS", default=30),
    "RENEWAL_GRACE_DAYS": env.int("POLICY_RENEWAL_GRACE_DAYS", default=30),
    "AUTO_RENEWAL_EDIT_DAYS": env.int("POLICY_AUTO_RENEWAL_EDIT_DAYS", default=3),
    "AUTO_RENEWAL_NOTICE_DAYS": env.int("POLICY_AUTO_RENEWAL_NOTICE_DAYS", default=7),
    "RETURN_DAYS": env.int("POLICY_RETURN_DAYS", default=14),
    "RESELLER_CHANGE_CODE_HOURS": env.int("POLICY_RESELLER_CHANGE_CODE_HOURS", default=72),
    "RESELLER_CHANGE_CODES_PER_DAY": env.int("POLICY_RESELLER_CHANGE_CODES_PER_DAY", default=5),
    "RESELLER_CHANGE_FAILURES_PER_HOUR": env.int("POLICY_RESELLER_CHANGE_FAILURES_PER_HOUR", default=5),
    "THREE_YEAR_COMMIT_DAYS": env.int("POLICY_THREE_YEAR_COMMIT_DAYS", default=30),
    "TEAM_INVITATION_DAYS": env.int("POLICY_TEAM_INVITATION_DAYS", default=7),
}

# The REST API (SPEC §16): API keys only, problem details for errors, cursor pagination, a rate per key.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ApiKeyPermission"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
API_RATE_LIMIT = env("API_RATE_LIMIT", default="600/min")  # per API key (API-7)
API_IDEMPOTENCY_HOURS = env.int("API_IDEMPOTENCY_HOURS", default=24)  # API-6
# Webhooks (SPEC §17). Private, loopback, link-local and metadata addresses are refused unless this is
# on (tests and a local `make run` may turn it on; production settings force it off, HOOK-5).
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10)
# Standard Webhooks' schedule after the first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (~28 h).
WEBHOOK_RETRY_SECONDS = env.list("WEBHOOK_RETRY_SECONDS", cast=int, default=[5, 300, 1800, 7200, 18000, 36000, 36000])
WEBHOOK_DISABLE_AFTER_HOURS = env.int("WEBHOOK_DISABLE_AFTER_HOURS", default=24)
# Encrypts the stored signing secrets (Fernet); derived from SECRET_KEY unless set.
WEBHOOK_SECRET_KEY = env("WEBHOOK_SECRET_KEY", default="")
SPECTACULAR_SETTINGS = {
    "TITLE": "Reseller Console API",
    "DESCRIPTION": "Manage VIP customers, purchase authorizations, orders and licences (SPEC §16).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CustomerTypeEnum": "customers.models.CustomerType",
        "RenewalStateEnum": "customers.rules.RenewalState",
    },
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "OAS_VERSION": "3.1.0",  # for the `webhooks` section (HOOK-2)
    "WEBHOOKS": "api.webhook_schema.WEBHOOKS",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.problem_responses"],
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# NF-5: a Content-Security-Policy without inline scripts, inline event handlers or eval (django-csp).
# Scripts and styles come only from our own static files; json_script data (type application/json) is
# not a script. htmx's own indicator <style> is turned off by a meta tag (templates/skeleton.html).
# Bootstrap's CSS draws some icons as data: SVG images.
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Logs go to stderr; production writes one JSON object per line (console.logs), development text.
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"text": {"()": "console.logs.TextFormatter"}, "json": {"()": "console.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "text"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
