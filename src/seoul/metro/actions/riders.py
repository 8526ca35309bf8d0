"""Rider accounts: signing up with a verified mobile number, consents, the tagless token of each
phone, free-travel entitlements, and whether tagless gates may charge the account
(docs/metro-riders.md).

Tokens: a phone presents its tagless token at gates; only its SHA-256 hash is kept. A lost or
replaced phone's token is revoked and a new one issued. Withdrawing the location-data consent
stops tagless for the account (gates refuse it; taps still work) without revoking the tokens, so
giving the consent again restarts it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from datetime import date, datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seoul.core import audit, phone
from seoul.core.crypto import blind_index
from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.core.validation import check_text
from seoul.metro.actions.access import own_rider
from seoul.metro.engine import data
from seoul.metro.engine.journeys import PassPeriod, pass_in_force
from seoul.metro.engine.riders import MIN_SIGN_UP_AGE, age_on, category_on
from seoul.metro.errors import MetroError
from seoul.metro.events import MetroEvent
from seoul.metro.models import Consent, DenyListing, Device, Entitlement, PaymentCard, Rider

log = logging.getLogger("seoul.metro")

PHONE_PURPOSE = "metro.sign_up"
TERMS_VERSION = "2026-12"
LOCATION_VERSION = "2026-12"
MAX_DEVICES = 3
OLDEST_BIRTH = date(1900, 1, 1)


def sign_up_text() -> str:
    return str(_("[Seoul Metro] Your verification code is {code}. It expires in 5 minutes."))


def start_phone_check(number: str) -> int:
    """Text a code to ``number`` for signing up; returns the challenge id (kept in the session)."""
    return phone.start(number, purpose=PHONE_PURPOSE, text=sign_up_text()).pk


def confirm_phone_check(challenge_id: int, code: str) -> None:
    phone.confirm(challenge_id, code, purpose=PHONE_PURPOSE)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_device(rider: Rider, label: str, now: datetime) -> tuple[Device, str]:
    token = "tg_" + secrets.token_urlsafe(24)
    device = Device.objects.create(
        rider=rider, label=label, token_hash=token_hash(token), prefix=token[:10], issued_at=now
    )
    return device, token


def _check_label(label: str) -> str:
    label = check_text(label.strip(), field="label", max_length=60) if label.strip() else ""
    return label or str(_("My phone"))


def sign_up(
    *,
    challenge_id: int | None,
    password: str,
    birth_date: date,
    accept_terms: bool,
    location_consent: bool,
    payment_mode: str = Rider.PaymentMode.PREPAID,
    display_name: str = "",
    device_label: str = "",
    now: datetime | None = None,
) -> tuple[Rider, str]:
    """A new rider account for the person who proved they hold a mobile number; returns the rider
    and the first phone's tagless token (shown once).

    Refuses (``ValidationError`` per field): terms not accepted, a birth date in the future or
    before 1900, under 14 (a guardian must consent), a number that already has an account, an
    unverified number, a weak password."""
    now = now or timezone.now()
    today = now.astimezone(SEOUL).date()
    errors: dict[str, list[ValidationError]] = {}
    if not accept_terms:
        errors.setdefault("accept_terms", []).append(MetroError.TERMS_REQUIRED.error())
    if not OLDEST_BIRTH <= birth_date <= today:
        errors.setdefault("birth_date", []).append(MetroError.BIRTH_DATE_RANGE.error())
    elif age_on(birth_date, today) < MIN_SIGN_UP_AGE:
        errors.setdefault("birth_date", []).append(MetroError.TOO_YOUNG.error(age=MIN_SIGN_UP_AGE))
    if payment_mode not in Rider.PaymentMode.values:
        errors.setdefault("payment_mode", []).append(MetroError.PAYMENT_MODE.error())
    name = check_text(display_name.strip(), field="display_name", max_length=100) if display_name.strip() else ""
    label = _check_label(device_label)
    user = User(username="rider-" + secrets.token_hex(6), kind=User.Kind.CITIZEN, display_name=name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.error_list)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        number = phone.consume(challenge_id, purpose=PHONE_PURPOSE)
        user.phone = number
        if User.objects.filter(kind=User.Kind.CITIZEN, phone_index=blind_index(number, purpose="user.phone")).exists():
            raise MetroError.PHONE_TAKEN.error("phone")
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # another sign-up with this number committed in between
            raise MetroError.PHONE_TAKEN.error("phone") from None
        rider = Rider.objects.create(
            account=secrets.token_urlsafe(18), user=user, birth_date=birth_date, payment_mode=payment_mode
        )
        Consent.objects.create(rider=rider, kind=Consent.Kind.TERMS, version=TERMS_VERSION, given_at=now)
        if location_consent:
            Consent.objects.create(rider=rider, kind=Consent.Kind.LOCATION, version=LOCATION_VERSION, given_at=now)
        device, token = _new_device(rider, label, now)
        audit.record(
            MetroEvent.RIDER_SIGNED_UP,
            actor=user,
            target=rider,
            new={"payment_mode": payment_mode, "location_consent": location_consent, "device": device.prefix},
        )
    return rider, token


# --- consents --------------------------------------------------------------------------------


def live_consent(rider: Rider, kind: str) -> Consent | None:
    return rider.consents.filter(kind=kind, withdrawn_at__isnull=True).first()


def set_location_consent(rider: Rider, given: bool, *, actor: User, now: datetime | None = None) -> bool:
    """Give or withdraw the location-data consent of the actor's own account; returns whether
    anything changed. Without it tagless gates refuse the account (taps still work)."""
    if own_rider(actor).pk != rider.pk:
        raise MetroError.NOT_YOUR_ACCOUNT.denied()
    now = now or timezone.now()
    with transaction.atomic():
        Rider.objects.select_for_update().filter(pk=rider.pk).first()
        live = live_consent(rider, Consent.Kind.LOCATION)
        if given == (live is not None):
            return False
        if given:
            Consent.objects.create(rider=rider, kind=Consent.Kind.LOCATION, version=LOCATION_VERSION, given_at=now)
        else:
            assert live is not None  # noqa: S101
            live.withdrawn_at = now
            live.save(update_fields=["withdrawn_at"])
        audit.record(
            MetroEvent.CONSENT_GIVEN if given else MetroEvent.CONSENT_WITHDRAWN,
            actor=actor,
            target=rider,
            new={"kind": Consent.Kind.LOCATION, "version": LOCATION_VERSION},
        )
    return True


# --- phones and their tagless tokens --------------------------------------------------------


def add_device(rider: Rider, label: str, *, actor: User, now: datetime | None = None) -> tuple[Device, str]:
    """A tagless token for another phone of the actor (at most three live phones)."""
    if own_rider(actor).pk != rider.pk:
        raise MetroError.NOT_YOUR_ACCOUNT.denied()
    now = now or timezone.now()
    label = _check_label(label)
    with transaction.atomic():
        Rider.objects.select_for_update().filter(pk=rider.pk).first()
        if rider.devices.filter(revoked_at__isnull=True).count() >= MAX_DEVICES:
            raise MetroError.TOO_MANY_DEVICES.error("label", limit=MAX_DEVICES)
        device, token = _new_device(rider, label, now)
        audit.record(MetroEvent.DEVICE_ADDED, actor=actor, target=rider, new={"device": device.prefix})
    return device, token


def replace_device(
    rider: Rider, device_id: int, reason: str, *, actor: User, label: str = "", now: datetime | None = None
) -> tuple[Device, str]:
    """A lost or replaced phone: its token stops working at once and a new one is issued."""
    if own_rider(actor).pk != rider.pk:
        raise MetroError.NOT_YOUR_ACCOUNT.denied()
    if reason not in (Device.Revoked.LOST, Device.Revoked.REPLACED):
        raise MetroError.DEVICE_REASON.error("reason")
    now = now or timezone.now()
    with transaction.atomic():
        old = rider.devices.select_for_update().filter(pk=device_id, revoked_at__isnull=True).first()
        if old is None:
            raise MetroError.NO_SUCH_DEVICE.error("device")
        old.revoked_at, old.revoked_reason = now, reason
        old.save(update_fields=["revoked_at", "revoked_reason"])
        device, token = _new_device(rider, _check_label(label or old.label), now)
        audit.record(
            MetroEvent.DEVICE_REPLACED,
            actor=actor,
            target=rider,
            old={"device": old.prefix},
            new={"device": device.prefix, "reason": reason},
        )
    return device, token


def rider_for_token(token: str) -> Rider | None:
    """The rider whose live phone presents ``token`` (None: unknown or revoked)."""
    return riders_presenting([token]).get(token)


def riders_presenting(values: Iterable[str]) -> dict[str, Rider]:
    """The riders that what gates received stands for, in two queries: a phone's tagless token
    (``tg_…``, live phones only: a lost phone's token stands for nobody) or a rider account id
    (card taps, and controllers that present the account)."""
    wanted = set(values)
    tokens = {token_hash(v): v for v in wanted if v.startswith("tg_") and len(v) <= 64}
    found: dict[str, Rider] = {
        tokens[d.token_hash]: d.rider
        for d in Device.objects.select_related("rider").filter(token_hash__in=list(tokens), revoked_at__isnull=True)
    }
    accounts = wanted - set(tokens.values())
    found.update({r.account: r for r in Rider.objects.filter(account__in=accounts)})
    return found


# --- fare category ----------------------------------------------------------------------------


def category_of(rider: Rider, day: date) -> str:
    """The rider's fare category on ``day`` (engine/riders.py): verified entitlements first,
    then age from the stated birth date. A rider with neither keeps the category on record
    (riders created before sign-up existed: demo data, imports)."""
    entitlements: list[tuple[str, date]] | None = getattr(rider, "_entitlements", None)
    if entitlements is None:  # read once per rider object: a rebuild prices many journeys
        entitlements = list(rider.entitlements.values_list("kind", "valid_until"))
        rider._entitlements = entitlements  # type: ignore[attr-defined]
    if rider.birth_date is None and not entitlements:
        return str(rider.category)
    return category_on(rider.birth_date, day, entitlements)


# --- may tagless gates charge this account? ------------------------------------------------


class Refusal:
    NO_LOCATION_CONSENT = "no_location_consent"
    DENIED = "deny_listed"
    LOW_BALANCE = "low_balance"
    NO_CARD = "no_card"


def base_fare(rider: Rider, at: datetime) -> int:
    day = at.astimezone(SEOUL).date()
    category = category_of(rider, day)
    _version, card = data.tariffs().subway_period(day)
    return int(card.get(category, 0))


def tagless_refusal(rider: Rider, at: datetime) -> str | None:
    """Why tagless gates may not charge ``rider`` at ``at`` (None: they may). The gate then asks
    for a card tap. An entry needs the location consent, no open deny listing, and a way to pay:
    a pass that covers the day, or a prepaid balance of at least the base fare (the journey may
    then take it below zero, once, as a transport card's does), or a registered postpaid card."""
    from seoul.metro.actions.money import balance

    if live_consent(rider, Consent.Kind.LOCATION) is None:
        return Refusal.NO_LOCATION_CONSENT
    if DenyListing.objects.filter(rider=rider, cleared_at__isnull=True).exists():
        return Refusal.DENIED
    if rider.payment_mode == Rider.PaymentMode.POSTPAID:
        if not PaymentCard.objects.filter(rider=rider, removed_at__isnull=True).exists():
            return Refusal.NO_CARD
        return None
    if has_pass_on(rider, at):
        return None
    if balance(rider) < base_fare(rider, at):
        return Refusal.LOW_BALANCE
    return None


def has_pass_on(rider: Rider, at: datetime) -> bool:
    """A 기후동행카드 in force at ``at`` (its days run 04:00 to 04:00)."""
    periods = [
        PassPeriod(first, last or first, ended)
        for first, last, ended in rider.passes.values_list("month", "ends_on", "refunded_at")
    ]
    return pass_in_force(periods, at)


# --- entitlements --------------------------------------------------------------------------


def record_entitlements(
    rider: Rider, found: list[tuple[str, date]], *, actor: User | None, now: datetime | None = None
) -> list[Entitlement]:
    """Keep what the verification service answered (kind, valid until); kinds it no longer
    confirms end today."""
    now = now or timezone.now()
    today = now.astimezone(SEOUL).date()
    rider.__dict__.pop("_entitlements", None)  # category_of reads them again
    with transaction.atomic():
        kept = []
        answered = {kind: until for kind, until in found if kind in Entitlement.Kind.values}
        for kind, until in answered.items():
            row, _created = Entitlement.objects.update_or_create(
                rider=rider, kind=kind, defaults={"valid_until": until, "verified_at": now}
            )
            kept.append(row)
        Entitlement.objects.filter(rider=rider, valid_until__gte=today).exclude(kind__in=list(answered)).update(
            valid_until=today, verified_at=now
        )
        audit.record(
            MetroEvent.ENTITLEMENTS_VERIFIED,
            actor=actor,
            target=rider,
            new={k: v.isoformat() for k, v in answered.items()},
        )
    return kept
