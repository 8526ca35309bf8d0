"""Where the fund keeps files: pitch decks under ``<SEOUL_VAR_DIR>/fund/decks/`` and milestone
evidence under ``<SEOUL_VAR_DIR>/fund/evidence/`` (the platform's run-time folder, as the
records and metro stores), each named by an opaque key (``2026/FD-2612-ABCDEF.pdf``) and checked
by its SHA-256. Both are only PDFs (the first bytes say ``%PDF-``; the name is not trusted) of at
most :data:`MAX_BYTES`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

MAX_BYTES = 20 * 1024 * 1024
MAGIC = b"%PDF-"
DECKS = "decks"
EVIDENCE = "evidence"
FOLDERS = (DECKS, EVIDENCE)


def root(folder: str = DECKS) -> Path:
    if folder not in FOLDERS:
        raise ValueError(f"not a fund folder: {folder!r}")
    return Path(getattr(settings, "SEOUL_FUND_DIR", settings.VAR_DIR / "fund")) / folder


def _path(key: str, folder: str) -> Path:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"not a storage key: {key!r}")
    return root(folder) / key


def check(head: bytes, size: int) -> str:
    """``""`` for a PDF within the size cap, else ``empty``, ``too_big`` or ``not_pdf``."""
    if size == 0:
        return "empty"
    if size > MAX_BYTES:
        return "too_big"
    if not head.startswith(MAGIC):
        return "not_pdf"
    return ""


def check_upload(source: BinaryIO, size: int) -> str:
    """:func:`check` of a file about to be kept, read from its first bytes (then rewound)."""
    head = source.read(len(MAGIC))
    source.seek(0)
    return check(head, size)


def put(key: str, source: BinaryIO, *, folder: str = DECKS) -> tuple[str, int]:
    """Write ``source`` under ``key`` (beside its place, then moved in); its SHA-256 and size."""
    target = _path(key, folder)
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


def open_file(key: str, *, folder: str = DECKS) -> BinaryIO:
    return _path(key, folder).open("rb")


def open_deck(key: str) -> BinaryIO:
    return open_file(key, folder=DECKS)


def exists(key: str, *, folder: str = DECKS) -> bool:
    return bool(key) and _path(key, folder).is_file()


def delete(key: str, *, folder: str = DECKS) -> None:
    if key:
        _path(key, folder).unlink(missing_ok=True)
