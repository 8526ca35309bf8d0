"""Encryption at rest for personal identifiers and phone numbers.

``EncryptedTextField`` stores Fernet tokens (AES-128-CBC + HMAC-SHA256) made with the first
key of ``settings.FIELD_ENCRYPTION_KEYS``; every listed key can decrypt, so keys rotate by
prepending a new one. Because ciphertexts are randomised, exact-match lookup goes through a
separate ``blind_index`` column (keyed HMAC of the normalised value).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def encrypt(value: str) -> str:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS)).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS)).decrypt(token.encode()).decode()
    except InvalidToken as exc:  # wrong key or tampered value: never return garbage silently
        raise ValueError("encrypted value cannot be decrypted with the configured keys") from exc


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash for exact-match search; ``purpose`` separates the spaces of different fields."""
    # Phone and registration numbers are written with spaces, hyphens or dots alike.
    normalised = "".join(ch for ch in value if not ch.isspace() and ch not in "-.").lower()
    key = f"{settings.BLIND_INDEX_KEY}:{purpose}".encode()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column whose stored value is always ciphertext; Python sees plaintext."""

    description = "Text encrypted at rest"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        # Ciphertexts are randomised: comparing them would silently never match.
        if lookup_name not in ("isnull",):
            raise NotImplementedError(f"encrypted fields cannot be filtered with '{lookup_name}'; use a blind index")
        return super().get_lookup(lookup_name)
