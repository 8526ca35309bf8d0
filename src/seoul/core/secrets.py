"""Secrets generated on first run and kept outside version control.

Environment variables win (``SEOUL_SECRET_KEY``, ``SEOUL_FIELD_ENCRYPTION_KEYS`` as a comma
separated list, ``SEOUL_BLIND_INDEX_KEY``); otherwise the values are read from a JSON file
under the var directory, created with mode 0600 the first time it is needed.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path
from typing import Any


def _new_fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def load_or_create_secrets(path: Path) -> dict[str, Any]:
    stored: dict[str, Any] = {}
    if path.exists():
        stored = json.loads(path.read_text())
    changed = False
    if "SECRET_KEY" not in stored:
        stored["SECRET_KEY"] = secrets.token_urlsafe(50)
        changed = True
    if "FIELD_ENCRYPTION_KEYS" not in stored:
        stored["FIELD_ENCRYPTION_KEYS"] = [_new_fernet_key()]
        changed = True
    if "BLIND_INDEX_KEY" not in stored:
        stored["BLIND_INDEX_KEY"] = secrets.token_urlsafe(32)
        changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(stored, fh, indent=2)
    env_keys = os.environ.get("SEOUL_FIELD_ENCRYPTION_KEYS")
    return {
        "SECRET_KEY": os.environ.get("SEOUL_SECRET_KEY", stored["SECRET_KEY"]),
        "FIELD_ENCRYPTION_KEYS": env_keys.split(",") if env_keys else stored["FIELD_ENCRYPTION_KEYS"],
        "BLIND_INDEX_KEY": os.environ.get("SEOUL_BLIND_INDEX_KEY", stored["BLIND_INDEX_KEY"]),
    }
