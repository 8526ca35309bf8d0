"""A short reference for each request, which a person can read out over the phone.

``RequestIdMiddleware`` gives every request one (``request.request_id``, the ``X-Request-ID``
response header); ``RequestIdFilter`` puts it on every log record written while the request
runs, so the reference on the 500 page finds the traceback in the log. Plain Python, no models:
the logging configuration imports it before Django's apps are ready.
"""

from __future__ import annotations

import contextvars
import logging
import secrets

# No 0/O, 1/I/L: a reference read over the phone must not be ambiguous.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("seoul_request_id", default="-")


def new() -> str:
    """Eight characters in two groups, e.g. ``K7QM-3XPA`` (31⁸ ≈ 8.5·10¹¹ possibilities)."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def set_current(value: str) -> contextvars.Token[str]:
    return _current.set(value)


def reset(token: contextvars.Token[str]) -> None:
    _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (``-`` outside a request) to each record, for the log format."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True
