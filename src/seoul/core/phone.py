"""Proving that a person holds a mobile number: a six-digit code texted to it.

``start`` records a challenge (only a keyed hash of the code) and texts the code once the
recording has committed, outside any transaction (DESIGN §6). ``confirm`` checks a code: at most
:data:`MAX_ATTEMPTS` tries, within :data:`LIFETIME`. ``consume`` lets one action (a sign-up, a
change of number) use a confirmed challenge once, within :data:`USE_WITHIN` of its confirmation.

Abuse limits: a second request for the same number within :data:`RESEND_AFTER` returns the
challenge already on its way (a double click texts nothing more), and at most
:data:`PER_HOUR` codes go to one number in an hour. The text is sent by the SMS adapter named
by ``SEOUL_SMS_SENDER`` (the platform's SMS gateway or its loopback stand-in).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seoul.core.adapters import sms
from seoul.core.crypto import blind_index
from seoul.core.engine.phone import digits, is_mobile
from seoul.core.errors import ErrorCode
from seoul.core.models import PhoneChallenge

log = logging.getLogger("seoul.core.phone")

LIFETIME = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=60)
USE_WITHIN = timedelta(minutes=30)
MAX_ATTEMPTS = 5
PER_HOUR = 5
Delivery = PhoneChallenge.Delivery


class PhoneError(ErrorCode):
    NOT_MOBILE = "core.phone.not_mobile", _("Enter a Korean mobile number, like 010-1234-5678.")
    TOO_MANY = "core.phone.too_many", _("Too many codes were sent to this number. Try again in an hour.")
    WRONG_CODE = "core.phone.wrong_code", _("That code is not right. %(left)d tries left.")
    NO_TRIES_LEFT = "core.phone.no_tries_left", _("Too many wrong codes. Ask for a new code.")
    EXPIRED = "core.phone.expired", _("This code has expired. Ask for a new code.")
    NOT_SENT = "core.phone.not_sent", _("We could not send the code. Check the number and ask again.")
    NOT_VERIFIED = "core.phone.not_verified", _("Verify your mobile number first.")


def code_hash(challenge_created: str, code: str) -> str:
    key = f"{settings.SECRET_KEY}:core.phone".encode()
    return hmac.new(key, f"{challenge_created}:{code}".encode(), hashlib.sha256).hexdigest()


def _deliver(challenge_id: int, text: str) -> None:
    """Text a recorded code once (claimed pending → sending first), after the recording committed."""
    if not PhoneChallenge.objects.filter(pk=challenge_id, delivery=Delivery.PENDING).update(delivery=Delivery.SENDING):
        return
    challenge = PhoneChallenge.objects.get(pk=challenge_id)
    try:
        message_id = str(sms.sender().send(challenge.phone, text))
    except Exception as exc:
        log.warning("phone challenge %s: code not sent: %s", challenge_id, exc)
        PhoneChallenge.objects.filter(pk=challenge_id).update(delivery=Delivery.FAILED, expires_at=timezone.now())
        return
    PhoneChallenge.objects.filter(pk=challenge_id).update(delivery=Delivery.SENT, message_id=message_id[:100])


def start(phone: str, *, purpose: str, text: str) -> PhoneChallenge:
    """A challenge for ``phone``; ``text`` is the message with ``{code}`` where the code goes.

    Raises ``PhoneError`` (field ``phone``) for a number that is not a mobile number or has had
    too many codes this hour."""
    if not is_mobile(phone):
        raise PhoneError.NOT_MOBILE.error("phone")
    number = digits(phone)
    index = blind_index(number, purpose="user.phone")
    now = timezone.now()
    with transaction.atomic():
        recent = PhoneChallenge.objects.select_for_update().filter(
            phone_index=index, purpose=purpose, created_at__gt=now - timedelta(hours=1)
        )
        pending = [
            c
            for c in recent
            if c.verified_at is None and c.expires_at > now and c.delivery != Delivery.FAILED and c.attempts == 0
        ]
        on_its_way = [c for c in pending if c.created_at > now - RESEND_AFTER]
        if on_its_way:
            return on_its_way[0]
        if len(recent) >= PER_HOUR:
            raise PhoneError.TOO_MANY.error("phone")
        PhoneChallenge.objects.filter(pk__in=[c.pk for c in pending]).update(expires_at=now)
        code = f"{secrets.randbelow(1_000_000):06d}"
        challenge = PhoneChallenge(
            purpose=purpose, phone=number, created_at=now, expires_at=now + LIFETIME, code_hash=""
        )
        challenge.code_hash = code_hash(now.isoformat(), code)
        challenge.save()
        message = text.replace("{code}", code)
        transaction.on_commit(lambda: _deliver(challenge.pk, message))
    return challenge


def confirm(challenge_id: int, code: str, *, purpose: str) -> PhoneChallenge:
    """Check ``code`` against the challenge; raises ``PhoneError`` on field ``code``."""
    now = timezone.now()
    with transaction.atomic():
        challenge = PhoneChallenge.objects.select_for_update().filter(pk=challenge_id, purpose=purpose).first()
        if challenge is None or challenge.used_at is not None:
            raise PhoneError.EXPIRED.error("code")
        if challenge.verified_at is not None:
            return challenge
        if challenge.delivery == Delivery.FAILED:
            raise PhoneError.NOT_SENT.error("code")
        if challenge.expires_at <= now:
            raise PhoneError.EXPIRED.error("code")
        if challenge.attempts >= MAX_ATTEMPTS:
            raise PhoneError.NO_TRIES_LEFT.error("code")
        candidate = "".join(c for c in code if c.isascii() and c.isdigit())
        if not hmac.compare_digest(code_hash(challenge.created_at.isoformat(), candidate), challenge.code_hash):
            challenge.attempts += 1
            challenge.save(update_fields=["attempts"])
            left = MAX_ATTEMPTS - challenge.attempts
            # Raised after the block, so the counted try is committed.
            error = (
                PhoneError.NO_TRIES_LEFT.error("code") if left <= 0 else PhoneError.WRONG_CODE.error("code", left=left)
            )
        else:
            challenge.verified_at = now
            challenge.save(update_fields=["verified_at"])
            return challenge
    raise error


def consume(challenge_id: int | None, *, purpose: str) -> str:
    """The number a confirmed challenge proved, marking it used; call inside the action's
    transaction. Raises ``PhoneError.NOT_VERIFIED`` on field ``phone``."""
    now = timezone.now()
    challenge = (
        PhoneChallenge.objects.select_for_update().filter(pk=challenge_id, purpose=purpose).first()
        if challenge_id
        else None
    )
    if (
        challenge is None
        or challenge.verified_at is None
        or challenge.used_at is not None
        or challenge.verified_at < now - USE_WITHIN
    ):
        raise PhoneError.NOT_VERIFIED.error("phone")
    challenge.used_at = now
    challenge.save(update_fields=["used_at"])
    return str(challenge.phone)
