"""Where pitch decks are kept: files under ``<SEOUL_VAR_DIR>/fund/decks/`` (the platform's
run-time folder, as the records and metro stores), each named by an opaque key
(``2026/FD-2612-ABCDEF.pdf``) and checked by its SHA-256. A deck is only a PDF (its first bytes
say ``%PDF-``) of at most :data:`MAX_BYTES`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

MAX_BYTES = 20 * 1024 * 1024
MAGIC = b"%PDF-"


def root() -> Path:
    return Path(getattr(settings, "SEOUL_FUND_DIR", settings.VAR_DIR / "fund")) / "decks"


def _path(key: str) -> Path:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"not a storage key: {key!r}")
    return root() / key


def check(head: bytes, size: int) -> str:
    """``""`` for a PDF within the size cap, else ``empty``, ``too_big`` or ``not_pdf``."""
    if size == 0:
        return "empty"
    if size > MAX_BYTES:
        return "too_big"
    if not head.startswith(MAGIC):
        return "not_pdf"
    return ""


def put(key: str, source: BinaryIO) -> tuple[str, int]:
    """Write ``source`` under ``key`` (beside its place, then moved in); its SHA-256 and size."""
    target = _path(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    hasher = hashlib.sha256()
    size = 0
    with partial.open("wb") as out:
        while chunk := source.read(1 << 20):
            hasher.update(chunk)
            size += len(chunk)
            out.write(chunk)
    os.replace(partial, target)
    return hasher.hexdigest(), size


def open_deck(key: str) -> BinaryIO:
    return _path(key).open("rb")


def exists(key: str) -> bool:
    return bool(key) and _path(key).is_file()


def delete(key: str) -> None:
    if key:
        _path(key).unlink(missing_ok=True)
