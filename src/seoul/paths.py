"""Where the platform keeps what it writes at run time, without Django (settings, engines'
data loaders and batch jobs share it)."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def var_dir() -> Path:
    """``SEOUL_VAR_DIR``, else ``var/`` in the checkout: the database, secrets, caches."""
    return Path(os.environ.get("SEOUL_VAR_DIR", BASE_DIR / "var"))
