"""Line-list files waiting between upload and column mapping (``views.import_*``).

An uploaded file holds personal data, so it lives only for the two steps of an import: written
owner-only under ``VAR_DIR/uploads/tracing`` with a random token, read back by the same person
only, and deleted once imported. One abandoned at the mapping step is destroyed by the
retention policy ``line_list_uploads`` after a day (``retention.py``).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

TOKEN_BYTES = 18
MAX_BYTES = 50 * 1024 * 1024


def upload_dir() -> Path:
    return Path(settings.VAR_DIR) / "uploads" / "tracing"


@dataclass(frozen=True)
class Staged:
    token: str
    path: Path
    user_id: int
    kind: str
    outbreak_id: int | None
    filename: str

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)
        self.path.with_suffix(".json").unlink(missing_ok=True)


def stage(upload: UploadedFile, *, user_id: int, kind: str, outbreak_id: int | None) -> Staged:
    """Write ``upload`` owner-only under a fresh token, with who may map it and as what."""
    root = upload_dir()
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    path = root / f"{token}.data"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    filename = (upload.name or "")[:200]
    meta = {
        "user": user_id,
        "kind": kind,
        "outbreak": outbreak_id,
        "filename": filename,
        "at": timezone.now().isoformat(),
    }
    meta_fd = os.open(path.with_suffix(".json"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(meta_fd, "w", encoding="utf-8") as out:
        json.dump(meta, out)
    return Staged(token, path, user_id, kind, outbreak_id, filename)


def staged(token: str, user_id: int) -> Staged | None:
    """The file staged under ``token`` by ``user_id``, or None (unknown, someone else's, gone)."""
    if not token.replace("-", "").replace("_", "").isalnum() or len(token) > 40:
        return None
    path = upload_dir() / f"{token}.data"
    try:
        meta: dict[str, Any] = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("user") != user_id or not path.exists():
        return None
    return Staged(token, path, user_id, str(meta["kind"]), meta.get("outbreak"), str(meta.get("filename", "")))


def older_than(cutoff: datetime) -> list[Path]:
    root = upload_dir()
    if not root.exists():
        return []
    stamp = cutoff.timestamp()
    return [p for p in root.iterdir() if p.suffix in (".data", ".json") and p.stat().st_mtime < stamp]
