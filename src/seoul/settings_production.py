"""Production settings: everything ``manage.py check --deploy`` asks for.

Secrets and hosts come from the environment (``SEOUL_SECRET_KEY``, ``SEOUL_ALLOWED_HOSTS``,
``DATABASE_URL``); static files are collected and served compressed by WhiteNoise.
"""

from __future__ import annotations

import os

from seoul.settings import *  # noqa: F403
from seoul.settings import DATABASES

DEBUG = False

# Each gunicorn worker keeps its database connection between requests (opening one costs
# PostgreSQL a process fork and an authentication, more than most pages); a connection that
# broke is noticed at the start of the next request and replaced.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("SEOUL_DB_CONN_MAX_AGE", "600"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

ALLOWED_HOSTS = [h for h in os.environ.get("SEOUL_ALLOWED_HOSTS", "platform.seoul.go.kr").split(",") if h]

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = os.environ.get("SEOUL_SSL_REDIRECT", "1") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
