"""A small JSON-over-HTTP client shared by every outside-service adapter (stdlib only).

Every failure becomes :class:`AdapterError` with a ``code`` the service can explain to a
person: ``timeout``, ``unavailable`` (connection refused, 5xx), ``refused`` (4xx, with the
service's own error code when it sends one, e.g. ``idempotency_key_required``).
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection
from typing import Any, TypeVar

T = TypeVar("T")

# Codes after which sending the same request again (with the same idempotency key) is safe and
# may succeed: nothing was answered, or the service said it was busy.
TRANSIENT = frozenset({"timeout", "unavailable"})


class AdapterError(Exception):
    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def call(
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> tuple[int, dict[str, Any]]:
    if not url.startswith(("http://", "https://")):
        raise AdapterError("config", f"not an http(s) URL: {url}")
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - scheme checked above
    req.add_header("Content-Type", "application/json")
    req.add_header("Accept", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as exc:
        try:
            payload = json.loads(exc.read() or b"{}")
        except ValueError:
            payload = {}
        if not isinstance(payload, dict):
            payload = {}
        code = str(payload.get("error", "refused" if exc.code < 500 else "unavailable"))
        raise AdapterError(code, str(payload.get("message", exc.reason)), status=exc.code) from None
    except TimeoutError:
        raise AdapterError("timeout", f"no answer within {timeout} s") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError | socket.timeout):
            raise AdapterError("timeout", f"no answer within {timeout} s") from None
        raise AdapterError("unavailable", str(exc.reason)) from None
    except (ConnectionError, ValueError) as exc:  # reset mid-answer, or an answer that is not JSON
        raise AdapterError("unavailable", str(exc)) from None


def with_retries(
    attempt: Callable[[], T],
    *,
    attempts: int = 3,
    retry_on: Collection[str] = TRANSIENT,
    backoff: float = 0.2,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``attempt()`` until it answers, at most ``attempts`` times, waiting ``backoff`` × n
    seconds between tries; only errors whose code is in ``retry_on`` are tried again. The
    caller makes the repeat safe (the same idempotency key in every attempt)."""
    for n in range(1, attempts + 1):
        try:
            return attempt()
        except AdapterError as exc:
            if exc.code not in retry_on or n == attempts:
                raise
            sleep(backoff * n)
    raise AdapterError("unavailable", "no attempt was made")  # attempts < 1
