"""Uploaded files (export documents, shipping receipts) are checked by their first bytes
(magic numbers), never by the name or the type the browser claims, and by size; their SHA-256
finds the same file uploaded twice."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

MAX_BYTES = 2 * 1024 * 1024
MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


@dataclass(frozen=True)
class Checked:
    content_type: str | None
    sha256: str
    problem: str | None  # "empty", "too_large", "type"


def sniff(head: bytes) -> str | None:
    return next((kind for prefix, kind in MAGIC if head.startswith(prefix)), None)


def check(content: bytes, *, max_bytes: int = MAX_BYTES) -> Checked:
    digest = hashlib.sha256(content).hexdigest()
    real = sniff(content[:16])
    if not content:
        return Checked(None, digest, "empty")
    if len(content) > max_bytes:
        return Checked(real, digest, "too_large")
    if real is None:
        return Checked(None, digest, "type")
    return Checked(real, digest, None)
