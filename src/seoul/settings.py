"""Settings for the Seoul public-service platform.

Local development and tests use these settings directly (embedded SQLite under ``var/``
unless ``DATABASE_URL`` says otherwise). Production imports them and tightens them in
``seoul.settings_production``. Secrets are never committed: they come from the
environment or are generated once into ``var/secrets.json`` (see ``seoul.core.secrets``).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from seoul.core.engine.time import SEOUL_TZ_NAME
from seoul.core.secrets import load_or_create_secrets
from seoul.paths import BASE_DIR, var_dir

VAR_DIR = var_dir()
VAR_DIR.mkdir(parents=True, exist_ok=True)

_SECRETS = load_or_create_secrets(VAR_DIR / "secrets.json")
SECRET_KEY = _SECRETS["SECRET_KEY"]
# Fernet keys for personal data at rest; the first encrypts, all decrypt (rotation).
FIELD_ENCRYPTION_KEYS: list[str] = _SECRETS["FIELD_ENCRYPTION_KEYS"]
# HMAC key for blind indexes (exact-match lookup of encrypted identifiers).
BLIND_INDEX_KEY: str = _SECRETS["BLIND_INDEX_KEY"]

# Off unless asked for (SEOUL_DEBUG=1): what `make run` serves never shows tracebacks.
DEBUG = os.environ.get("SEOUL_DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("SEOUL_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_htmx",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "seoul.core",
    "seoul.plan",
    "seoul.metro",
    "seoul.tracing",
    "seoul.guarantee",
    "seoul.hospitals",
    "seoul.records",
    "seoul.care",
    "seoul.business",
    "seoul.fund",
    "seoul.overseas",
]

MIDDLEWARE = [
    "seoul.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "seoul.core.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed a second factor (TOTP)
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "seoul.core.middleware.RequestContextMiddleware",
    "seoul.core.middleware.RefusalAuditMiddleware",
    "seoul.core.personal_data.ReasonMiddleware",
    # Last, so that it sees failed logins after every other middleware has run.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "seoul.urls"
WSGI_APPLICATION = "seoul.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "seoul.core.context_processors.platform",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'seoul.sqlite3'}"),
        conn_max_age=int(os.environ.get("SEOUL_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Per-process memory only (no cache server): template fragments whose keys name the version of
# the data they show, never anything personal (docs/adr/0011-caching-by-data-version.md).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 1000}}}

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the account and its roles in one query per request
    "seoul.core.backends.UserWithRolesBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# Login throttling: 5 failures for the same username from the same address lock it for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8  # one working day
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "seoul.core.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Tagless gates charge a crossing only when the lane's own passage sensor saw someone pass within
# 1 s (docs/metro-tagless.md). "0" lets a pilot without sensors charge on the detector alone.
SEOUL_METRO_TAGLESS_REQUIRE_SENSOR = os.environ.get("SEOUL_METRO_TAGLESS_REQUIRE_SENSOR", "1") == "1"

# The platform's public address, for links in texts sent by scheduled jobs (no request to take
# it from): the tracing self-report link of `seoul tracing daily-texts`.
SEOUL_PUBLIC_URL = os.environ.get("SEOUL_PUBLIC_URL", "http://127.0.0.1:8000/")

# Outside services (ADR 14; each also read from the environment of the same name when unset
# here). SMS: SEOUL_SMS_SENDER / _URL / _OUTBOX (older SEOUL_TRACING_SMS_* names still work).
# Metro payment gateway and entitlement verification (docs/metro-payments.md): no URL starts a
# loopback stand-in; a fixed stand-in port lets every worker process of `seoul run` share one.
SEOUL_METRO_GATEWAY_URL = os.environ.get("SEOUL_METRO_GATEWAY_URL", "")
SEOUL_METRO_GATEWAY_STANDIN_PORT = int(os.environ.get("SEOUL_METRO_GATEWAY_STANDIN_PORT", "0"))
SEOUL_METRO_GATEWAY_WEBHOOK_URL = os.environ.get("SEOUL_METRO_GATEWAY_WEBHOOK_URL", "")
SEOUL_METRO_GATEWAY_TIMEOUT = float(os.environ.get("SEOUL_METRO_GATEWAY_TIMEOUT", "5"))
SEOUL_METRO_GATEWAY_ATTEMPTS = int(os.environ.get("SEOUL_METRO_GATEWAY_ATTEMPTS", "3"))
SEOUL_METRO_ENTITLEMENTS_URL = os.environ.get("SEOUL_METRO_ENTITLEMENTS_URL", "")
SEOUL_METRO_ENTITLEMENTS_STANDIN_PORT = int(os.environ.get("SEOUL_METRO_ENTITLEMENTS_STANDIN_PORT", "0"))
SEOUL_METRO_ENTITLEMENTS_TIMEOUT = float(os.environ.get("SEOUL_METRO_ENTITLEMENTS_TIMEOUT", "5"))
# The gateway's API key and webhook secret and the verification service's API key come from the
# environment (SEOUL_METRO_GATEWAY_API_KEY, SEOUL_METRO_GATEWAY_SECRET,
# SEOUL_METRO_ENTITLEMENTS_API_KEY); unset, each is derived from SECRET_KEY for its purpose.

# Smart-train sensor readings, as Parquet files by day (metro/storage.py).
SEOUL_METRO_READINGS_DIR = Path(os.environ.get("SEOUL_METRO_READINGS_DIR", str(VAR_DIR / "metro-readings")))
# Measured train departures with per-car loads, as Parquet files by service day (metro/storage.py).
SEOUL_METRO_LOADS_DIR = Path(os.environ.get("SEOUL_METRO_LOADS_DIR", str(VAR_DIR / "metro-loads")))
# Lines whose trains are counted at the doors (door sensors or CCTV) instead of weighed: their
# per-car loads come from the door counts feed (docs/metro-congestion.md). "3,4"; empty: none.
SEOUL_METRO_COUNTED_LINES = tuple(
    line.strip() for line in os.environ.get("SEOUL_METRO_COUNTED_LINES", "").split(",") if line.strip()
)

# Electronic Document Center (records): where files are kept ("local": a folder under var/, or
# "s3": S3-compatible object storage at SEOUL_RECORDS_S3_ENDPOINT, bucket SEOUL_RECORDS_S3_BUCKET;
# keys from SEOUL_RECORDS_S3_ACCESS_KEY / SEOUL_RECORDS_S3_SECRET_KEY), the search index folder,
# and how many pages are read at once (one Tesseract thread each).
SEOUL_RECORDS_STORAGE = os.environ.get("SEOUL_RECORDS_STORAGE", "local")
SEOUL_RECORDS_DIR = Path(os.environ.get("SEOUL_RECORDS_DIR", str(VAR_DIR / "records")))
SEOUL_RECORDS_S3_ENDPOINT = os.environ.get("SEOUL_RECORDS_S3_ENDPOINT", "")
SEOUL_RECORDS_S3_BUCKET = os.environ.get("SEOUL_RECORDS_S3_BUCKET", "seoul-records")
SEOUL_RECORDS_S3_REGION = os.environ.get("SEOUL_RECORDS_S3_REGION", "ap-northeast-2")
SEOUL_RECORDS_OCR_JOBS = int(os.environ.get("SEOUL_RECORDS_OCR_JOBS", str(min(2, os.cpu_count() or 1))))
# Records are read right after an upload commits, in a thread of the web process ("thread"), or
# only by `seoul records consume` ("command"); tests use "inline" (in the request).
SEOUL_RECORDS_PROCESSING = os.environ.get("SEOUL_RECORDS_PROCESSING", "thread")
# The timestamp authority (RFC 3161) for the archive copies' signatures: empty means the loopback
# stand-in; SEOUL_RECORDS_TSA_CA_FILE is the real authority's CA certificate (PEM).
SEOUL_RECORDS_TSA_URL = os.environ.get("SEOUL_RECORDS_TSA_URL", "")
SEOUL_RECORDS_TSA_CA_FILE = os.environ.get("SEOUL_RECORDS_TSA_CA_FILE", "")
SEOUL_RECORDS_TSA_TIMEOUT = float(os.environ.get("SEOUL_RECORDS_TSA_TIMEOUT", "10"))
SEOUL_RECORDS_TSA_STANDIN_PORT = int(os.environ.get("SEOUL_RECORDS_TSA_STANDIN_PORT", "0"))
SEOUL_RECORDS_SIGNER_NAME = os.environ.get("SEOUL_RECORDS_SIGNER_NAME", "Seoul Electronic Document Center")
# Cloud standard model: outside these networks (the city's office networks, CIDR, comma-separated)
# staff open records only after a second factor (TOTP); restricted classes are never downloaded.
SEOUL_OFFICE_NETWORKS = [
    n.strip()
    for n in os.environ.get(
        "SEOUL_OFFICE_NETWORKS", "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"
    ).split(",")
    if n.strip()
]
OTP_TOTP_ISSUER = "Seoul Electronic Document Center"
# A share link for another institution's staff works this many days at most.
SEOUL_RECORDS_SHARE_MAX_DAYS = int(os.environ.get("SEOUL_RECORDS_SHARE_MAX_DAYS", "30"))
SEOUL_RECORDS_MAX_UPLOAD_BYTES = int(os.environ.get("SEOUL_RECORDS_MAX_UPLOAD_BYTES", str(100 * 1024 * 1024)))

# Requests larger than this are refused with 413 before any view reads them.
SEOUL_MAX_BODY_BYTES = int(os.environ.get("SEOUL_MAX_BODY_BYTES", str(2 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = SEOUL_MAX_BODY_BYTES
# Pages that take files larger than that (path prefix -> limit in bytes).
SEOUL_LARGER_BODIES = {"/records/": SEOUL_RECORDS_MAX_UPLOAD_BYTES}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "src" / "seoul" / "locale"]
TIME_ZONE = SEOUL_TZ_NAME
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Static files are collected (`make run`, `make test`: `seoul manage collectstatic`) under names
# that carry a hash of their content, each with a gzip copy; WhiteNoise serves those with a
# year-long, immutable cache header, so a changed file is a new URL. With DEBUG on, pages
# refer to the source files and WhiteNoise serves them from the apps as they change.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Audit events are kept at least this long (two years); nothing in the application deletes them.
AUDIT_RETENTION_DAYS = 730

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # [request id]: the reference a person quotes from an error page ("-" outside a request).
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "filters": {"request_id": {"()": "seoul.core.request_id.RequestIdFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("SEOUL_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},
        # fpdf2 subsets the Korean font of every PDF report and logs each step at INFO; it also
        # warns that it skips an SVG's <title> and <desc> (kept for screen readers on the page).
        "fontTools": {"level": "WARNING"},
        "fpdf.svg": {"level": "ERROR"},
    },
}

NINJA_PAGINATION_PER_PAGE = 100
