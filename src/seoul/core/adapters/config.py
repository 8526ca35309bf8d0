"""Where an adapter's configuration comes from: a Django setting, else the environment
variable of the same name, else the default; secrets derived from ``SECRET_KEY`` when none is
configured, one per purpose, so no two services share a key by accident."""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

from django.conf import settings


def setting(name: str, default: Any = None, *, fallbacks: tuple[str, ...] = ()) -> Any:
    """The first of ``name`` and then ``fallbacks`` (older names kept working) that is set as a
    setting or, failing that, as an environment variable; else ``default``."""
    for candidate in (name, *fallbacks):
        value = getattr(settings, candidate, None)
        if value is None:
            value = os.environ.get(candidate)
        if value is not None and value != "":
            return value
    return default


def derived_secret(name: str, purpose: bytes) -> str:
    """The secret configured as ``name``, else one derived from ``SECRET_KEY`` for ``purpose``
    (the same in every process that shares the key, different for every purpose)."""
    configured = setting(name)
    if configured:
        return str(configured)
    return hmac.new(settings.SECRET_KEY.encode(), purpose, hashlib.sha256).hexdigest()
