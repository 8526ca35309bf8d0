"""Proving a mobile number with a texted code (core/phone.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from seoul.core import phone
from seoul.core.adapters import sms
from seoul.core.errors import codes_of
from seoul.core.models import PhoneChallenge

pytestmark = pytest.mark.django_db
PURPOSE = "test.sign_up"


def _send(number: str, capture) -> PhoneChallenge:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return phone.start(number, purpose=PURPOSE, text="code {code}")


def _code_for(number: str) -> str:
    texts = [m["text"] for m in sms.read_outbox() if m["to"] == number]
    found = re.search(r"code (\d{6})", texts[-1])
    assert found is not None
    return found.group(1)


def test_a_texted_code_proves_the_number_once(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    challenge = _send("010-2345-6789", django_capture_on_commit_callbacks)
    stored = PhoneChallenge.objects.get(pk=challenge.pk)
    code = _code_for("01023456789")
    assert stored.delivery == PhoneChallenge.Delivery.SENT
    assert code not in stored.code_hash  # only a keyed hash is kept
    phone.confirm(challenge.pk, code, purpose=PURPOSE)
    assert phone.consume(challenge.pk, purpose=PURPOSE) == "01023456789"
    with pytest.raises(ValidationError) as second:
        phone.consume(challenge.pk, purpose=PURPOSE)
    assert codes_of(second.value) == ["core.phone.not_verified"]


def test_wrong_codes_are_counted_and_run_out(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    challenge = _send("01011112222", django_capture_on_commit_callbacks)
    right = _code_for("01011112222")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationError) as err:
            phone.confirm(challenge.pk, wrong, purpose=PURPOSE)
        assert f"{left}" in str(err.value)
    with pytest.raises(ValidationError) as err:
        phone.confirm(challenge.pk, wrong, purpose=PURPOSE)
    assert codes_of(err.value) == ["core.phone.no_tries_left"]
    with pytest.raises(ValidationError):  # even the right code is refused now
        phone.confirm(challenge.pk, right, purpose=PURPOSE)
    assert PhoneChallenge.objects.get(pk=challenge.pk).verified_at is None


def test_an_expired_code_is_refused(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    challenge = _send("01033334444", django_capture_on_commit_callbacks)
    PhoneChallenge.objects.filter(pk=challenge.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError) as err:
        phone.confirm(challenge.pk, _code_for("01033334444"), purpose=PURPOSE)
    assert codes_of(err.value) == ["core.phone.expired"]


def test_a_double_click_texts_once_and_the_hourly_limit_holds(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    first = _send("01055556666", django_capture_on_commit_callbacks)
    again = _send("01055556666", django_capture_on_commit_callbacks)
    assert again.pk == first.pk
    assert len([m for m in sms.read_outbox() if m["to"] == "01055556666"]) == 1
    # Later requests (past the resend wait) get new codes, up to the hourly limit.
    for _ in range(phone.PER_HOUR - 1):
        PhoneChallenge.objects.update(created_at=timezone.now() - phone.RESEND_AFTER - timedelta(seconds=1))
        _send("01055556666", django_capture_on_commit_callbacks)
    PhoneChallenge.objects.update(created_at=timezone.now() - phone.RESEND_AFTER - timedelta(seconds=1))
    with pytest.raises(ValidationError) as err:
        _send("01055556666", django_capture_on_commit_callbacks)
    assert codes_of(err.value) == ["core.phone.too_many"]
    # Only the newest code works: the earlier unused ones were expired when it was sent.
    live = PhoneChallenge.objects.filter(expires_at__gt=timezone.now())
    assert live.count() == 1


def test_not_a_mobile_number_is_refused_on_the_phone_field() -> None:
    with pytest.raises(ValidationError) as err:
        phone.start("02-123-4567", purpose=PURPOSE, text="{code}")
    assert "phone" in err.value.error_dict
