"""Signatures of bank webhooks: ``X-Bank-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>``
over ``"<t>.<raw body>"`` with the shared secret, as payment providers do. A signature older
than ``TOLERANCE`` seconds is refused (replay)."""

from __future__ import annotations

import hashlib
import hmac
import time

TOLERANCE = 300


def sign(secret: str, body: bytes, now: float | None = None) -> str:
    t = int(now if now is not None else time.time())
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(secret: str, body: bytes, header: str, now: float | None = None) -> bool:
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        t = int(parts["t"])
        given = parts["v1"]
    except (ValueError, KeyError):
        return False
    if abs((now if now is not None else time.time()) - t) > TOLERANCE:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)
