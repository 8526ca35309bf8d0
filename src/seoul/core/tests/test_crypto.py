from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.test import override_settings

from seoul.core import crypto
from seoul.core.models import User

pytestmark = pytest.mark.django_db


def _raw_phone(user: User) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM core_user WHERE id = %s", [user.pk])
        return str(cur.fetchone()[0])


def test_phone_is_encrypted_at_rest_and_found_by_blind_index(make_user: Callable[..., User]) -> None:
    user = make_user(username="park")
    user.phone = "010-1234-5678"
    user.save()
    raw = _raw_phone(user)
    assert "1234" not in raw
    assert raw.startswith("gAAAA")  # a Fernet token
    assert User.objects.get(pk=user.pk).phone == "010-1234-5678"
    index = crypto.blind_index("010 1234 5678", purpose="user.phone")
    assert User.objects.get(phone_index=index) == user


def test_ciphertexts_differ_for_same_value() -> None:
    assert crypto.encrypt("010-0000-0000") != crypto.encrypt("010-0000-0000")


def test_blind_index_depends_on_purpose() -> None:
    assert crypto.blind_index("x", purpose="a") != crypto.blind_index("x", purpose="b")


def test_key_rotation_and_wrong_key() -> None:
    token = crypto.encrypt("secret")
    new_key = Fernet.generate_key().decode()
    from django.conf import settings

    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, *settings.FIELD_ENCRYPTION_KEYS]):
        assert crypto.decrypt(token) == "secret"  # old key still decrypts
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]), pytest.raises(ValueError, match="cannot be decrypted"):
        crypto.decrypt(token)


def test_filtering_on_encrypted_field_is_refused() -> None:
    with pytest.raises(NotImplementedError, match="blind index"):
        list(User.objects.filter(phone="010-1234-5678"))
