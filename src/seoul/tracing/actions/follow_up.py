"""Daily follow-up of contacts under monitoring, by their tracer or by the contact's own
self-report, and the tracer's review of reported symptoms.

Every entry is kept: a second entry for the same contact and day (a missed call, then a call
that got through; a self-report, then the tracer's call) is added, never written over the
first, and the day's status is its latest entry. Symptoms are the list of
``engine/monitoring.py`` (a temperature at or above the outbreak's fever threshold is a fever)
plus others in words; those the outbreak's alert rules name flag the contact on the tracer's
worklist until the tracer records what was done, whatever entries follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.core.validation import check_text
from seoul.tracing.actions._checks import choice, contact_for
from seoul.tracing.engine.monitoring import TEMPERATURE_RANGE_C, RulesError, assess
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import Contact, FollowUp


def add_follow_up(
    contact: Contact,
    day: date,
    status: str,
    symptoms: str,
    channel: str,
    *,
    actor: User | None,
    now: datetime,
    symptom_list: Sequence[str] = (),
    temperature: float | Decimal | None = None,
) -> FollowUp:
    """A follow-up entry of ``contact`` (locked by the caller) on ``day``, inside the caller's
    transaction: ``symptom_list`` (codes), ``temperature`` (°C) and ``symptoms`` (others, in
    words) are assessed by the outbreak's alert rules."""
    choice(status, FollowUp.Status.values, "status")
    if not contact.quarantine_start <= day <= contact.quarantine_end:
        raise TracingError.OUTSIDE_MONITORING.error(
            "day", start=contact.quarantine_start.isoformat(), end=contact.quarantine_end.isoformat()
        )
    if day > now.astimezone(SEOUL).date():
        raise TracingError.FUTURE_DAY.error("day")
    symptoms = check_text(symptoms, "symptoms", max_length=500, min_length=0)
    reached = status in FollowUp.REACHED
    if not reached and (symptom_list or symptoms or temperature is not None):
        raise TracingError.NOT_REACHED_NO_REPORT.error("status")
    try:
        report = assess(
            contact.outbreak.rules, symptom_list, None if temperature is None else float(temperature), symptoms
        )
    except RulesError as exc:
        if exc.field == "temperature":
            low, high = TEMPERATURE_RANGE_C
            raise TracingError.TEMPERATURE.error("temperature", low=low, high=high) from exc
        raise TracingError.CHOICE.error("symptom_list") from exc
    if status == FollowUp.Status.SEEN_SYMPTOMS and not report.has_symptoms:
        raise TracingError.SYMPTOMS_NEEDED.error("symptoms")
    if status == FollowUp.Status.SEEN_WELL and report.has_symptoms:
        raise TracingError.WELL_WITH_SYMPTOMS.error("status")
    before = FollowUp.objects.filter(contact=contact, day=day).values("status", "channel").first()
    follow_up = FollowUp.objects.create(
        contact=contact,
        day=day,
        status=status,
        symptom_list=list(report.symptoms),
        temperature=None if report.temperature_c is None else Decimal(str(report.temperature_c)),
        symptoms=report.other,
        alerts=list(report.alerts),
        channel=channel,
        recorded_by=actor,
        recorded_at=now,
    )
    changed = []
    if status in FollowUp.REACHED and contact.traced_at is None:
        contact.traced_at = now
        changed.append("traced_at")
    if report.alerts and contact.symptoms_flagged_at is None:
        contact.symptoms_flagged_at = now
        changed.append("symptoms_flagged_at")
    if changed:
        contact.save(update_fields=changed)
    audit.record(
        TracingEvent.FOLLOW_UP_RECORDED,
        actor=actor,
        actor_label="" if actor else f"system ({channel})",
        target=contact,
        old=before,  # the day's status until now (kept as its own entry)
        new={
            "day": str(day),
            "status": status,
            "channel": channel,
            "entry": follow_up.pk,
            "alerts": list(report.alerts),
        },
    )
    if "symptoms_flagged_at" in changed:
        audit.record(
            TracingEvent.CONTACT_SYMPTOMS_FLAGGED,
            actor=actor,
            actor_label="" if actor else f"system ({channel})",
            target=contact,
        )
    return follow_up


def record_follow_up(
    contact: Contact,
    day: date,
    status: str,
    symptoms: str = "",
    *,
    actor: User | None,
    now: datetime | None = None,
    symptom_list: Sequence[str] = (),
    temperature: float | Decimal | None = None,
) -> FollowUp:
    """The tracer's follow-up of ``contact`` on ``day``: a new entry, the day's status from now
    on (earlier entries of the day are kept). ``symptom_list`` are codes of
    ``engine/monitoring.SYMPTOMS``, ``symptoms`` others in words, ``temperature`` in °C."""
    with transaction.atomic():
        contact = contact_for(actor, contact)
        if contact.status != Contact.Status.MONITORING:
            raise TracingError.NOT_MONITORING.error("status")
        return add_follow_up(
            contact,
            day,
            status,
            symptoms,
            FollowUp.Channel.TRACER,
            actor=actor,
            now=now or timezone.now(),
            symptom_list=symptom_list,
            temperature=temperature,
        )


def clear_symptom_flag(contact: Contact, note: str, *, actor: User | None) -> Contact:
    """The tracer has reviewed reported symptoms (e.g. arranged a test)."""
    note = check_text(note, "note", min_length=5, max_length=300)
    with transaction.atomic():
        contact = contact_for(actor, contact)
        if contact.symptoms_flagged_at is None:
            raise TracingError.NO_SYMPTOM_REPORT.error("note")
        old = contact.symptoms_flagged_at.isoformat()
        contact.symptoms_flagged_at = None
        contact.save(update_fields=["symptoms_flagged_at"])
        audit.record(
            TracingEvent.CONTACT_FLAG_CLEARED, actor=actor, target=contact, old={"flagged_at": old}, reason=note
        )
    return contact
