"""Cases: registering a confirmed case, recording isolation, a contact who tested positive,
and the registrations of a case already on record that wait for a supervisor.

A registration never tells the registering tracer about records outside what they may see:
when the person is already a case of the outbreak that the tracer may not see, the
registration is kept for the supervisors who see that case (``DuplicateRegistration``) and the
tracer gets the same answer as for any new case that lands outside their own work
("registration received, handled by the tracers of that district").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.core.roles import Role
from seoul.core.validation import PANDEMIC_ERA, check_text
from seoul.tracing.actions._checks import case_for, contact_for, need_role, outbreak_seen
from seoul.tracing.actions._people import find_or_add_person
from seoul.tracing.actions.assignment import assign
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import Case, ClassificationChange, Contact, DuplicateRegistration, Outbreak


@dataclass(frozen=True)
class CaseInput:
    name: str
    phone: str
    district: int
    confirmed_on: date | None = None
    onset_on: date | None = None
    test_on: date | None = None
    presence_id: str = ""
    isolated_at: datetime | None = None
    language: str = ""
    classification: str = Case.Classification.CONFIRMED
    basis: str = ""
    """Why a suspected or probable case is one (symptoms, link), in words."""


@dataclass(frozen=True)
class Registration:
    """What a registration led to: ``case`` when a case was created, ``None`` when the person
    was already a case the registering person may not see (kept in ``duplicate`` for review)."""

    case: Case | None
    duplicate: DuplicateRegistration | None = None


def _check_dates(confirmed_on: date | None, onset_on: date | None, test_on: date | None) -> None:
    """Dates in the pandemic era, onset or test given, neither after the confirmation (or, for
    a case not confirmed, after today)."""
    if confirmed_on is not None:
        PANDEMIC_ERA.check(confirmed_on, "confirmed_on")
    if onset_on is None and test_on is None:
        raise TracingError.ONSET_OR_TEST.error("onset_on")
    latest = confirmed_on or timezone.localdate(timezone.now(), SEOUL)
    for field, value in (("onset_on", onset_on), ("test_on", test_on)):
        if value is not None:
            PANDEMIC_ERA.check(value, field)
            if value > latest:
                if confirmed_on is None:
                    raise TracingError.IN_FUTURE.error(field)
                raise TracingError.AFTER_CONFIRMATION.error(field)


def _check_class(data: CaseInput) -> None:
    if data.classification not in (
        Case.Classification.SUSPECTED,
        Case.Classification.PROBABLE,
        Case.Classification.CONFIRMED,
    ):
        raise TracingError.REGISTER_AS.error("classification")
    if data.classification == Case.Classification.CONFIRMED and data.confirmed_on is None:
        raise TracingError.CONFIRMED_ON_NEEDED.error("confirmed_on")
    if data.classification != Case.Classification.CONFIRMED and data.confirmed_on is not None:
        raise TracingError.CONFIRMED_ON_ONLY_CONFIRMED.error("confirmed_on")


def _check_moment(at: datetime, field: str) -> datetime:
    if at.tzinfo is None:
        raise TracingError.NEEDS_TIME_ZONE.error(field)
    PANDEMIC_ERA.check(at, field)
    if at > timezone.now() + timedelta(minutes=5):
        raise TracingError.IN_FUTURE.error(field)
    return at


def _refer(case: Case, details: dict[str, object], *, actor: User) -> DuplicateRegistration:
    """Keep a registration of ``case`` by someone who may not see it, for its supervisors."""
    duplicate = DuplicateRegistration.objects.create(case=case, registered_by=actor, details=details)
    audit.record(
        TracingEvent.DUPLICATE_REGISTERED,
        actor=actor,
        target=case,
        new={"duplicate": duplicate.pk, **{k: v for k, v in details.items() if k != "presence_id"}},
    )
    return duplicate


def register_case(
    outbreak: Outbreak, data: CaseInput, *, actor: User | None, tracer: User | None = None
) -> Registration:
    """A case -- confirmed (with its confirmation date), or suspected or probable (with the
    basis in words): its person (found again by phone and name or movement-data id, else new),
    the case, its first classification and its assignment to a tracer of the person's district."""
    need_role(actor, Role.OPERATOR)
    outbreak_seen(actor, outbreak)
    _check_class(data)
    _check_dates(data.confirmed_on, data.onset_on, data.test_on)
    basis = check_text(data.basis, "basis", min_length=0, max_length=300)
    if data.isolated_at is not None:
        _check_moment(data.isolated_at, "isolated_at")
    with transaction.atomic():
        person = find_or_add_person(data.name, data.phone, data.district, data.presence_id, data.language)
        existing = Case.objects.filter(person=person, outbreak=outbreak).first()
        if existing is not None:
            if actor is None or Case.objects.visible_to(actor).filter(pk=existing.pk).exists():
                raise TracingError.ALREADY_A_CASE.error("name", ref=existing.reference)
            details = {
                "district": data.district,
                "classification": data.classification,
                "confirmed_on": str(data.confirmed_on) if data.confirmed_on else None,
                "onset_on": str(data.onset_on) if data.onset_on else None,
                "test_on": str(data.test_on) if data.test_on else None,
                "presence_id": data.presence_id,
            }
            return Registration(None, _refer(existing, details, actor=actor))
        case = Case.objects.create(
            person=person,
            outbreak=outbreak,
            district=person.district,
            classification=data.classification,
            confirmed_on=data.confirmed_on,
            onset_on=data.onset_on,
            test_on=data.test_on,
            isolated_at=data.isolated_at,
            status=Case.Status.ISOLATED if data.isolated_at else Case.Status.INVESTIGATING,
        )
        ClassificationChange.objects.create(
            case=case,
            classification=data.classification,
            on=data.confirmed_on or timezone.localdate(timezone.now(), SEOUL),
            basis=basis,
            recorded_by=actor,
        )
        audit.record(
            TracingEvent.CASE_REGISTERED,
            actor=actor,
            target=case,
            new={
                "outbreak": outbreak.pk,
                "district": case.district,
                "classification": data.classification,
                "confirmed_on": str(data.confirmed_on) if data.confirmed_on else None,
            },
        )
        assign(actor=actor, case=case, tracer=tracer, reason="new case")
    return Registration(case)


def isolate(case: Case, at: datetime, *, actor: User | None) -> Case:
    """Record when the case was isolated: the end of its infectious window."""
    _check_moment(at, "isolated_at")
    with transaction.atomic():
        case = case_for(actor, case)
        if at <= case.window().start:
            raise TracingError.ISOLATION_TOO_EARLY.error("isolated_at")
        old = {"isolated_at": case.isolated_at.isoformat() if case.isolated_at else None, "status": case.status}
        case.isolated_at = at
        case.status = Case.Status.ISOLATED
        case.save(update_fields=["isolated_at", "status"])
        audit.record(
            TracingEvent.CASE_UPDATED,
            actor=actor,
            target=case,
            old=old,
            new={"isolated_at": at.isoformat(), "status": case.status},
        )
    return case


def convert_to_case(
    contact: Contact,
    *,
    actor: User | None,
    confirmed_on: date,
    onset_on: date | None = None,
    test_on: date | None = None,
) -> Registration:
    """The contact tested positive: a case of the same person and outbreak (nothing retyped),
    linked to the contact (a case-to-case link of the transmission chain), kept by the same
    tracer. When the person is already a case of the outbreak that the actor may not see, the
    conversion waits for that case's supervisors, as a registration does."""
    _check_dates(confirmed_on, onset_on, test_on)
    with transaction.atomic():
        contact = contact_for(actor, contact)
        if contact.status != Contact.Status.MONITORING:
            raise TracingError.ALREADY_CONVERTED.error("confirmed_on")
        existing = Case.objects.filter(person=contact.person, outbreak=contact.outbreak).first()
        if existing is not None:
            if actor is None or Case.objects.visible_to(actor).filter(pk=existing.pk).exists():
                raise TracingError.ALREADY_A_CASE.error("confirmed_on", ref=existing.reference)
            details = {
                "from_contact": contact.reference,
                "district": contact.district,
                "confirmed_on": str(confirmed_on),
                "onset_on": str(onset_on) if onset_on else None,
                "test_on": str(test_on) if test_on else None,
            }
            return Registration(None, _refer(existing, details, actor=actor))
        case = Case.objects.create(
            person=contact.person,
            outbreak=contact.outbreak,
            district=contact.district,
            confirmed_on=confirmed_on,
            onset_on=onset_on,
            test_on=test_on,
            from_contact=contact,
        )
        ClassificationChange.objects.create(
            case=case, classification=Case.Classification.CONFIRMED, on=confirmed_on, recorded_by=actor
        )
        contact.status = Contact.Status.BECAME_CASE
        contact.closed_on = timezone.localdate(timezone.now(), SEOUL)
        contact.save(update_fields=["status", "closed_on"])
        audit.record(
            TracingEvent.CONTACT_CONVERTED,
            actor=actor,
            target=contact,
            old={"status": Contact.Status.MONITORING},
            new={"status": contact.status, "case": case.pk},
        )
        audit.record(
            TracingEvent.CASE_REGISTERED,
            actor=actor,
            target=case,
            new={"outbreak": case.outbreak_id, "from_contact": contact.pk, "confirmed_on": str(confirmed_on)},
        )
        current = contact.assignments.filter(ended_at=None).select_related("tracer").first()
        if current is not None:
            current.ended_at = timezone.now()
            current.save(update_fields=["ended_at"])
        assign(actor=actor, case=case, tracer=current.tracer if current else None, reason="contact became a case")
    return Registration(case)


def review_duplicate(duplicate: DuplicateRegistration, note: str, *, actor: User | None) -> DuplicateRegistration:
    """A supervisor who sees the case has dealt with a registration of it by someone else
    (compared the dates, called the registering tracer, corrected the case)."""
    note = check_text(note, "note", min_length=5, max_length=300)
    with transaction.atomic():
        duplicate = DuplicateRegistration.objects.select_for_update().get(pk=duplicate.pk)
        case_for(actor, duplicate.case, Role.APPROVER)
        if duplicate.reviewed_at is not None:
            raise TracingError.ALREADY_REVIEWED.error("note")
        duplicate.reviewed_by = actor
        duplicate.reviewed_at = timezone.now()
        duplicate.note = note
        duplicate.save(update_fields=["reviewed_by", "reviewed_at", "note"])
        audit.record(
            TracingEvent.DUPLICATE_REVIEWED,
            actor=actor,
            target=duplicate.case,
            new={"duplicate": duplicate.pk},
            reason=note,
        )
    return duplicate
