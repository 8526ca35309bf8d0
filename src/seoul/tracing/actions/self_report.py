"""Self-report by text message: a link and a one-time code texted to a contact, and the
contact's report of today's health made with it, without an account.

The code is recorded first and texted after the recording commits (``transaction.on_commit``):
no transaction or row lock is held while the SMS gateway answers. Sending is idempotent: a code
is texted at most once (it is claimed pending → sending before the gateway is called), and a
second request for the same contact within :data:`RESEND_AFTER` (a double click) returns the
code already on its way instead of texting another. A code the gateway refuses is marked not
delivered and expires at once; the tracer is told and may try again.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from seoul.core import audit
from seoul.core.adapters import sms
from seoul.core.engine.time import SEOUL, local_midnight
from seoul.core.errors import codes_of
from seoul.core.models import User
from seoul.tracing.actions._checks import contact_for
from seoul.tracing.actions.follow_up import add_follow_up
from seoul.tracing.engine.monitoring import RulesError, assess
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import Contact, FollowUp, SelfReportCode

log = logging.getLogger("seoul.tracing")

SELF_REPORT_MAX_FAILURES = 5
SELF_REPORT_LOCK = timedelta(minutes=15)
RESEND_AFTER = timedelta(minutes=2)
Delivery = SelfReportCode.Delivery


def code_hash(invite: str, code: str) -> str:
    key = f"{settings.SECRET_KEY}:tracing.self_report".encode()
    return hmac.new(key, f"{invite}:{code}".encode(), hashlib.sha256).hexdigest()


def _deliver(row_id: int, to: str, text: str, *, actor: User | None) -> None:
    """Text a recorded code, once: runs after the recording committed, outside any transaction."""
    claimed = SelfReportCode.objects.filter(pk=row_id, delivery=Delivery.PENDING).update(delivery=Delivery.SENDING)
    if not claimed:
        return  # already being sent (or sent, or withdrawn): never twice
    label = "" if actor else "system (daily texts)"
    try:
        message_id = sms.sender().send(to, text)
    except sms.SmsError as exc:
        now = timezone.now()
        SelfReportCode.objects.filter(pk=row_id).update(delivery=Delivery.FAILED, delivered_at=now, expires_at=now)
        row = SelfReportCode.objects.select_related("contact").get(pk=row_id)
        log.warning("self-report text for %s not sent: %s", row.contact, exc)
        audit.record(
            TracingEvent.SELF_REPORT_NOT_SENT,
            actor=actor,
            actor_label=label,
            target=row.contact,
            new={"day": str(row.day), "error": str(exc)[:200]},
        )
        return
    SelfReportCode.objects.filter(pk=row_id).update(
        delivery=Delivery.SENT, delivered_at=timezone.now(), message_id=message_id[:100]
    )
    row = SelfReportCode.objects.select_related("contact").get(pk=row_id)
    audit.record(
        TracingEvent.SELF_REPORT_SENT,
        actor=actor,
        actor_label=label,
        target=row.contact,
        new={"day": str(row.day), "message": message_id},
    )


def send_self_report_code(
    contact: Contact, base_url: str, *, actor: User | None, now: datetime | None = None
) -> SelfReportCode:
    """Text the contact a link and a fresh 6-digit code for today's self-report. Earlier
    unused codes stop working; only a keyed hash of the code is kept.

    Returns the code's row: ``delivery`` says whether it was texted (``sent``) or is still on
    its way (``pending``, when the caller's own transaction has not committed yet). Refused
    with ``TEXT_NOT_SENT`` when the gateway did not take it."""
    now = now or timezone.now()
    with transaction.atomic():
        contact = contact_for(actor, contact)
        today = now.astimezone(SEOUL).date()
        if not contact.monitored_on(today) and not (
            contact.status == Contact.Status.MONITORING and today == contact.quarantine_start
        ):
            raise TracingError.NOT_DUE_TODAY.error("contact")
        if not contact.person.phone:
            raise TracingError.NO_PHONE.error("contact")
        unused = contact.self_report_codes.filter(used_at=None, expires_at__gt=now)
        recent = unused.filter(
            day=today,
            created_at__gt=now - RESEND_AFTER,
            delivery__in=[Delivery.PENDING, Delivery.SENDING, Delivery.SENT],
        ).first()
        if recent is not None:
            return recent  # a second click: the code on its way is the one
        unused.update(expires_at=now)
        invite = secrets.token_urlsafe(12)
        code = f"{secrets.randbelow(1_000_000):06d}"
        row = SelfReportCode.objects.create(
            contact=contact,
            invite=invite,
            code_hash=code_hash(invite, code),
            day=today,
            created_at=now,
            expires_at=local_midnight(today + timedelta(days=1)),
        )
        text = daily_text(contact, f"{base_url.rstrip('/')}/tracing/r/{invite}/", code)
        phone = contact.person.phone
        transaction.on_commit(lambda: _deliver(row.pk, phone, text, actor=actor), robust=True)
    row.refresh_from_db()
    if row.delivery == Delivery.FAILED:
        raise TracingError.TEXT_NOT_SENT.error("contact")
    return row


@dataclass
class DailyTexts:
    """What :func:`send_daily_texts` did: codes recorded (texted once committed), contacts
    skipped (nothing due, a code already on its way, no phone), codes the gateway refused."""

    codes: list[SelfReportCode] = field(default_factory=list)
    skipped: int = 0
    not_sent: int = 0

    @property
    def sent(self) -> int:
        return sum(1 for c in self.codes if c.delivery == Delivery.SENT)


def daily_text(contact: Contact, link: str, code: str) -> str:
    """The self-report text, in the language the person reads. It names no case, place or
    disease detail: a shared phone shows it to others."""
    with translation.override(contact.person.language):
        return gettext(
            "[Seoul contact tracing] Tell us how you are today: %(link)s code %(code)s "
            "(until midnight, once). Quarantine ends %(end)s."
        ) % {"link": link, "code": code, "end": f"{contact.quarantine_end:%Y-%m-%d}"}


def send_daily_texts(base_url: str, *, now: datetime | None = None) -> DailyTexts:
    """The scheduled job (``seoul tracing daily-texts``, 09:00): today's self-report text to
    every contact under monitoring who has a phone, no follow-up yet today and no unused code
    from today (so a second run sends nothing). Each contact's code is recorded and texted on
    its own, by the system: one refused text does not stop the others."""
    now = now or timezone.now()
    today = now.astimezone(SEOUL).date()
    due = Contact.objects.filter(status=Contact.Status.MONITORING, last_exposure_on__lt=today)
    # who already has a code on its way, or an entry today: one query each, not two per contact
    coded = SelfReportCode.objects.filter(contact__in=due, day=today, used_at=None, expires_at__gt=now)
    entered = FollowUp.objects.filter(contact__in=due, day=today)
    not_due = set(coded.values_list("contact_id", flat=True)) | set(entered.values_list("contact_id", flat=True))
    result = DailyTexts()
    for contact in due.select_related("outbreak", "person", "source_case").order_by("pk"):
        if not contact.monitored_on(today) or contact.pk in not_due or not contact.person.phone:
            result.skipped += 1
            continue
        try:
            result.codes.append(send_self_report_code(contact, base_url, actor=None, now=now))
        except ValidationError as exc:
            if TracingError.TEXT_NOT_SENT.value not in codes_of(exc):
                raise
            result.not_sent += 1
    return result


class SelfReportRefused(Exception):
    """Why a self-report was not accepted: ``kind`` (expired, used, locked, wrong_code), the
    ``error`` whose words the contact reads and the ``language`` they read ("" when the link
    names nobody)."""

    ERRORS = {
        "expired": TracingError.LINK_EXPIRED,
        "used": TracingError.LINK_USED,
        "locked": TracingError.LINK_LOCKED,
        "wrong_code": TracingError.WRONG_CODE,
    }

    def __init__(self, kind: str, language: str = ""):
        super().__init__(kind)
        self.kind = kind
        self.error = self.ERRORS[kind]
        self.language = language


def self_report_code(invite: str, *, now: datetime | None = None) -> SelfReportCode:
    """The code row a link names, if it can still be used (else :class:`SelfReportRefused`)."""
    now = now or timezone.now()
    row = (
        SelfReportCode.objects.select_related("contact__outbreak", "contact__person").filter(invite=invite[:32]).first()
    )
    if row is None:
        raise SelfReportRefused("expired")
    language = row.contact.person.language
    if row.expires_at <= now or row.delivery == Delivery.FAILED:
        raise SelfReportRefused("expired", language)
    if row.used_at is not None:
        raise SelfReportRefused("used", language)
    if row.locked_until is not None and row.locked_until > now:
        raise SelfReportRefused("locked", language)
    return row


def submit_self_report(
    invite: str,
    code: str,
    *,
    symptoms: str = "",
    symptom_list: Sequence[str] = (),
    temperature: float | Decimal | None = None,
    now: datetime | None = None,
) -> FollowUp:
    """The contact's own report for today, made with the texted code: a follow-up entry of the
    day (the tracer's earlier entries stay), "with symptoms" when any symptom, a fever by the
    outbreak's threshold or other symptoms in words were reported. What the outbreak's alert
    rules name flags the contact on their tracer's worklist. Wrong codes count; five lock the
    link for 15 minutes."""
    now = now or timezone.now()
    with transaction.atomic():
        row = self_report_code(invite, now=now)
        row = SelfReportCode.objects.select_for_update().get(pk=row.pk)
        if not hmac.compare_digest(row.code_hash, code_hash(row.invite, (code or "").strip())):
            row.failed_attempts += 1
            if row.failed_attempts >= SELF_REPORT_MAX_FAILURES:
                row.locked_until = now + SELF_REPORT_LOCK
                row.failed_attempts = 0
            row.save(update_fields=["failed_attempts", "locked_until"])
            locked = row.locked_until is not None and row.locked_until > now
            audit.record(
                TracingEvent.SELF_REPORT_REFUSED, actor_label="self-report", target=row.contact, new={"locked": locked}
            )
            # Raised after the block commits: the failed attempt must be counted.
            refused: SelfReportRefused | None = SelfReportRefused("locked" if locked else "wrong_code")
        else:
            refused = None
    if refused is not None:
        raise refused
    with transaction.atomic():
        row = SelfReportCode.objects.select_for_update().get(pk=row.pk)
        if row.used_at is not None:
            raise SelfReportRefused("used")
        contact = (
            Contact.objects.select_for_update(of=("self",)).select_related("outbreak", "person").get(pk=row.contact_id)
        )
        if contact.status != Contact.Status.MONITORING:
            raise SelfReportRefused("expired")
        try:
            unwell = assess(
                contact.outbreak.rules, symptom_list, None if temperature is None else float(temperature), symptoms
            ).has_symptoms
        except RulesError:
            unwell = True  # add_follow_up refuses it with the field and the reason
        status = FollowUp.Status.SEEN_SYMPTOMS if unwell else FollowUp.Status.SEEN_WELL
        follow_up = add_follow_up(
            contact,
            row.day,
            status,
            symptoms,
            FollowUp.Channel.SELF_REPORT,
            actor=None,
            now=now,
            symptom_list=symptom_list,
            temperature=temperature,
        )
        row.used_at = now
        row.save(update_fields=["used_at"])
        audit.record(
            TracingEvent.SELF_REPORT_RECEIVED,
            actor_label="self-report",
            target=contact,
            new={"day": str(row.day), "status": status},
        )
    return follow_up
