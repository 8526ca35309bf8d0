"""Signatures of webhooks: ``<Header>: t=<unix seconds>,v1=<hex HMAC-SHA256>`` over
``"<t>.<raw body>"`` with the shared secret, as payment providers do. Each service names its
own header (the partner bank ``X-Bank-Signature``, the payment gateway
``X-Gateway-Signature``); the format is the same. A signature older (or newer) than
``tolerance`` seconds is refused (replay).

Whatever arrives in the header is untrusted text: anything that is not exactly
``t=<digits>,v1=<64 hex digits>`` in ASCII is simply not a valid signature (never an error),
and the MAC is compared in constant time on bytes."""

from __future__ import annotations

import hashlib
import hmac
import re
import time

TOLERANCE = 300
_HEADER = re.compile(r"t=([0-9]{1,12}),v1=([0-9a-f]{64})", re.ASCII)


def sign(secret: str, body: bytes, now: float | None = None) -> str:
    t = int(now if now is not None else time.time())
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(
    secret: str, body: bytes, header: str | bytes | None, now: float | None = None, *, tolerance: float = TOLERANCE
) -> bool:
    """Whether ``header`` is a fresh signature of ``body`` with ``secret``; False for anything
    malformed (non-ASCII, other separators, a missing or extra part)."""
    if isinstance(header, bytes):
        header = header.decode("latin-1")
    if not isinstance(header, str):
        return False
    found = _HEADER.fullmatch(header)
    if found is None:
        return False
    t = int(found.group(1))
    if abs((now if now is not None else time.time()) - t) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest().encode("ascii")
    return hmac.compare_digest(expected, found.group(2).encode("ascii"))


def signed_headers(secret: str, body: bytes, header: str, now: float | None = None) -> dict[str, str]:
    """The headers of one webhook delivery: JSON, and ``header`` carrying the signature."""
    return {"Content-Type": "application/json", header: sign(secret, body, now)}
