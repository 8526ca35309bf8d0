"""Every write of contact tracing: one function per use case, atomic, audited.

An action called by a person (``actor``) first checks that the person may act on the record
(``Case.objects.visible_to`` / ``Contact.objects.visible_to`` and the role the use case
needs); ``actor=None`` is the system (demo data, batch jobs), recorded as such.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from seoul.core import audit
from seoul.core.crypto import blind_index
from seoul.core.engine.time import SEOUL, local_midnight
from seoul.core.models import ServiceRole, User
from seoul.core.roles import Role, Service
from seoul.metro import interfaces as metro
from seoul.tracing import sms
from seoul.tracing.engine import ingest
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import (
    Assignment,
    Candidate,
    Case,
    Contact,
    Exposure,
    FollowUp,
    Outbreak,
    Person,
    SelfReportCode,
    Setting,
    Source,
    TimelineEntry,
    TracerProfile,
    movement_dir,
)
from seoul.tracing.sources import geometry

if TYPE_CHECKING:
    from seoul.tracing.engine.discovery import Candidate as Found
    from seoul.tracing.engine.discovery import Window

log = logging.getLogger("seoul.tracing")

SELF_REPORT_MAX_FAILURES = 5
SELF_REPORT_LOCK = timedelta(minutes=15)


# --- checks --------------------------------------------------------------------------------


def _need_role(actor: User | None, role: str) -> None:
    if actor is not None and not actor.has_role(Service.TRACING, role):
        raise PermissionDenied(_("needs the role tracing:%(role)s") % {"role": role})


def _case_for(actor: User | None, case: Case, role: str = Role.OPERATOR) -> Case:
    """The case, locked for update, if ``actor`` may act on it."""
    _need_role(actor, role)
    if actor is not None and not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionDenied(_("this case is not assigned to you, your district or your outbreak"))
    return Case.objects.select_for_update(of=("self",)).select_related("outbreak", "person").get(pk=case.pk)


def _contact_for(actor: User | None, contact: Contact, role: str = Role.OPERATOR) -> Contact:
    _need_role(actor, role)
    if actor is not None and not Contact.objects.visible_to(actor).filter(pk=contact.pk).exists():
        raise PermissionDenied(_("this contact is not assigned to you, your district or your outbreak"))
    return (
        Contact.objects.select_for_update(of=("self",))
        .select_related("outbreak", "person", "source_case")
        .get(pk=contact.pk)
    )


def _district(value: int) -> int:
    if not 0 <= int(value) <= 24:
        raise ValidationError({"district": _("One of Seoul's 25 districts (0 to 24).")})
    return int(value)


def _text(value: str, field: str, *, minimum: int = 1, maximum: int = 200) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ValidationError({field: _("At least %(n)d characters.") % {"n": minimum}})
    return value[:maximum]


# --- outbreaks and people --------------------------------------------------------------------


def open_outbreak(
    actor: User | None, name: str, district: int, *, monitoring_days: int = 14, infectious_days_before: int = 2
) -> Outbreak:
    _need_role(actor, Role.APPROVER)
    if not 1 <= monitoring_days <= 60:
        raise ValidationError({"monitoring_days": _("From 1 to 60 days.")})
    if not 0 <= infectious_days_before <= 14:
        raise ValidationError({"infectious_days_before": _("From 0 to 14 days.")})
    with transaction.atomic():
        outbreak = Outbreak.objects.create(
            name=_text(name, "name", minimum=3),
            district=_district(district),
            monitoring_days=monitoring_days,
            infectious_days_before=infectious_days_before,
        )
        audit.record(
            TracingEvent.OUTBREAK_OPENED,
            actor=actor,
            target=outbreak,
            new={
                "district": outbreak.district,
                "monitoring_days": monitoring_days,
                "days_before": infectious_days_before,
            },
        )
    return outbreak


def add_investigator(actor: User | None, outbreak: Outbreak, user: User) -> None:
    """Make ``user`` an investigator of ``outbreak``: they see its cases and contacts."""
    _need_role(actor, Role.APPROVER)
    if not user.has_role(Service.TRACING, Role.VIEWER):
        raise ValidationError({"user": _("Investigators need a contact-tracing role.")})
    with transaction.atomic():
        outbreak.investigators.add(user)
        audit.record(TracingEvent.INVESTIGATOR_ADDED, actor=actor, target=outbreak, new={"user": user.username})


def set_tracer_profile(actor: User | None, user: User, district: int, *, active: bool = True) -> TracerProfile:
    """The district a tracer works in (or a supervisor supervises)."""
    _need_role(actor, Role.ADMIN)
    if not user.has_role(Service.TRACING, Role.OPERATOR):
        raise ValidationError({"user": _("Tracers and supervisors hold tracing:operator or tracing:approver.")})
    with transaction.atomic():
        old = TracerProfile.objects.filter(user=user).values("district", "active").first()
        profile, _created = TracerProfile.objects.update_or_create(
            user=user, defaults={"district": _district(district), "active": active}
        )
        audit.record(
            TracingEvent.TRACER_PROFILE_SET,
            actor=actor,
            target=user,
            old=old,
            new={"district": district, "active": active},
        )
    return profile


def _person(name: str, phone: str, district: int, presence_id: str = "") -> Person:
    """The person already on record — same phone number (blind index) and same name, or the
    same presence id — else a new one. A phone alone is not enough: families share phones."""
    presence_id = (presence_id or "").strip()[:64]
    wanted = " ".join(name.split())
    found = None
    if phone.strip():
        same_phone = Person.objects.filter(phone_index=blind_index(phone, purpose="tracing.person.phone"))
        found = next((p for p in same_phone if " ".join(p.name.split()) == wanted), None)
    if found is None and presence_id:
        found = Person.objects.filter(presence_id=presence_id).first()
    if found is not None:
        if presence_id and not found.presence_id:
            found.presence_id = presence_id
            found.save(update_fields=["presence_id"])
        return found
    return Person.objects.create(
        name=_text(name, "name", maximum=100),
        phone=phone.strip()[:30],
        district=_district(district),
        presence_id=presence_id,
    )


# --- assignment ----------------------------------------------------------------------------


def _tracers() -> Any:
    """Active tracers: an active profile and exactly the operator role (supervisors and
    administrators are not handed casework automatically)."""
    operators = ServiceRole.objects.filter(service=Service.TRACING, role=Role.OPERATOR).values("user_id")
    return TracerProfile.objects.filter(active=True, user__is_active=True, user_id__in=operators)


def pick_tracer(district: int) -> User | None:
    """The tracer of ``district`` with the fewest open assignments (then the lowest id);
    when the district has no tracer, the least loaded tracer of the city."""
    for profiles in (_tracers().filter(district=district), _tracers()):
        best = (
            profiles.annotate(
                load=Count("user__tracing_assignments", filter=Q(user__tracing_assignments__ended_at=None))
            )
            .order_by("load", "user_id")
            .select_related("user")
            .first()
        )
        if best is not None:
            tracer: User = best.user
            return tracer
    return None


def _assign(
    actor: User | None,
    *,
    case: Case | None = None,
    contact: Contact | None = None,
    tracer: User | None = None,
    reason: str = "",
) -> Assignment | None:
    target: Case | Contact | None = case or contact
    assert target is not None  # noqa: S101
    tracer = tracer or pick_tracer(target.district)
    if tracer is None:
        log.warning("no tracer to assign %s to", target)
        return None
    assignment = Assignment.objects.create(case=case, contact=contact, tracer=tracer, assigned_by=actor, reason=reason)
    audit.record(
        TracingEvent.ASSIGNED,
        actor=actor,
        actor_label="" if actor else "system (assignment)",
        target=target,
        new={"tracer": tracer.username, "district": target.district, "reason": reason},
    )
    return assignment


def reassign(actor: User | None, assignment: Assignment, tracer: User, reason: str) -> Assignment:
    """Give the work to another tracer; the old assignment ends and both are kept."""
    _need_role(actor, Role.APPROVER)
    reason = _text(reason, "reason", minimum=5, maximum=300)
    if not _tracers().filter(user=tracer).exists():
        raise ValidationError({"tracer": _("Choose an active tracer.")})
    with transaction.atomic():
        current = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("case", "contact", "tracer")
            .get(pk=assignment.pk)
        )
        if current.ended_at is not None:
            raise ValidationError({"assignment": _("This assignment has already ended.")})
        target: Case | Contact = current.case or current.contact  # type: ignore[assignment]
        model = Case if current.case_id else Contact
        if actor is not None and not model.objects.visible_to(actor).filter(pk=target.pk).exists():
            raise PermissionDenied(_("this work is outside your district"))
        if current.tracer_id == tracer.pk:
            raise ValidationError({"tracer": _("This tracer already has it.")})
        current.ended_at = timezone.now()
        current.save(update_fields=["ended_at"])
        new = Assignment.objects.create(
            case=current.case, contact=current.contact, tracer=tracer, assigned_by=actor, reason=reason
        )
        audit.record(
            TracingEvent.REASSIGNED,
            actor=actor,
            target=target,
            old={"tracer": current.tracer.username},
            new={"tracer": tracer.username},
            reason=reason,
        )
    return new


# --- cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseInput:
    name: str
    phone: str
    district: int
    confirmed_on: date
    onset_on: date | None = None
    test_on: date | None = None
    presence_id: str = ""
    isolated_at: datetime | None = None


def _check_dates(confirmed_on: date, onset_on: date | None, test_on: date | None) -> None:
    if onset_on is None and test_on is None:
        raise ValidationError(
            {"onset_on": _("Give the symptom onset date, or the test date if there were no symptoms.")}
        )
    for field, value in (("onset_on", onset_on), ("test_on", test_on)):
        if value is not None and value > confirmed_on:
            raise ValidationError({field: _("Cannot be after the confirmation date.")})


def register_case(actor: User | None, outbreak: Outbreak, data: CaseInput, *, tracer: User | None = None) -> Case:
    """A confirmed case: its person (found again by phone or presence id, else new), the case
    and its assignment to a tracer of the person's district."""
    _need_role(actor, Role.OPERATOR)
    _check_dates(data.confirmed_on, data.onset_on, data.test_on)
    with transaction.atomic():
        person = _person(data.name, data.phone, data.district, data.presence_id)
        if Case.objects.filter(person=person, outbreak=outbreak).exists():
            raise ValidationError({"name": _("This person is already a case of this outbreak.")})
        case = Case.objects.create(
            person=person,
            outbreak=outbreak,
            district=person.district,
            confirmed_on=data.confirmed_on,
            onset_on=data.onset_on,
            test_on=data.test_on,
            isolated_at=data.isolated_at,
            status=Case.Status.ISOLATED if data.isolated_at else Case.Status.INVESTIGATING,
        )
        audit.record(
            TracingEvent.CASE_REGISTERED,
            actor=actor,
            target=case,
            new={"outbreak": outbreak.pk, "district": case.district, "confirmed_on": str(data.confirmed_on)},
        )
        _assign(actor, case=case, tracer=tracer, reason="new case")
    return case


def isolate(actor: User | None, case: Case, at: datetime) -> Case:
    """Record when the case was isolated: the end of its infectious window."""
    if at.tzinfo is None:
        raise ValidationError({"isolated_at": _("Needs a time zone.")})
    if at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"isolated_at": _("Cannot be in the future.")})
    with transaction.atomic():
        case = _case_for(actor, case)
        if at <= case.window().start:
            raise ValidationError({"isolated_at": _("Isolation must come after the start of the infectious window.")})
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


# --- timeline ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineInput:
    start: datetime
    end: datetime
    place: str
    setting: str
    found_by: str = Source.INTERVIEW
    note: str = ""


def _check_timeline(case: Case, data: TimelineInput) -> None:
    if data.start.tzinfo is None or data.end.tzinfo is None:
        raise ValidationError({"start": _("Times need a time zone.")})
    if data.end < data.start:
        raise ValidationError({"end": _("The end is before the start.")})
    if data.end - data.start > timedelta(days=2):
        raise ValidationError({"end": _("One entry covers at most 2 days; split longer stays.")})
    if data.setting not in Setting.values:
        raise ValidationError({"setting": _("Choose a setting.")})
    if data.found_by not in Source.values:
        raise ValidationError({"found_by": _("Interview or movement data.")})
    window = case.window()
    if data.end <= window.start or data.start >= window.end:
        raise ValidationError(
            {
                "start": (
                    _("Outside the infectious window (%(start)s to %(end)s).")
                    % {
                        "start": f"{window.start.astimezone(SEOUL):%Y-%m-%d %H:%M}",
                        "end": f"{window.end.astimezone(SEOUL):%Y-%m-%d %H:%M}",
                    }
                )
            }
        )


def _timeline_values(entry: TimelineEntry) -> dict[str, str]:
    return {
        "start": entry.start.isoformat(),
        "end": entry.end.isoformat(),
        "place": entry.place,
        "setting": entry.setting,
        "found_by": entry.found_by,
    }


def add_timeline_entry(actor: User | None, case: Case, data: TimelineInput) -> TimelineEntry:
    with transaction.atomic():
        case = _case_for(actor, case)
        _check_timeline(case, data)
        entry = TimelineEntry.objects.create(
            case=case,
            start=data.start,
            end=data.end,
            place=_text(data.place, "place"),
            setting=data.setting,
            found_by=data.found_by,
            note=data.note.strip()[:2000],
            recorded_by=actor,
        )
        audit.record(TracingEvent.TIMELINE_ADDED, actor=actor, target=case, new=_timeline_values(entry))
    return entry


def change_timeline_entry(actor: User | None, entry: TimelineEntry, data: TimelineInput) -> TimelineEntry:
    with transaction.atomic():
        case = _case_for(actor, entry.case)
        entry = TimelineEntry.objects.select_for_update().get(pk=entry.pk, case=case)
        _check_timeline(case, data)
        old = _timeline_values(entry)
        entry.start, entry.end, entry.setting, entry.found_by = data.start, data.end, data.setting, data.found_by
        entry.place = _text(data.place, "place")
        entry.note = data.note.strip()[:2000]
        entry.save()
        audit.record(TracingEvent.TIMELINE_CHANGED, actor=actor, target=case, old=old, new=_timeline_values(entry))
    return entry


# --- contacts and exposures -------------------------------------------------------------------


@dataclass(frozen=True)
class ExposureInput:
    on: date
    place: str
    setting: str
    duration_minutes: int
    proximity: str = Exposure.Proximity.UNKNOWN
    mask: str = Exposure.Mask.UNKNOWN
    certainty: str = Exposure.Certainty.PROBABLE
    found_by: str = Source.INTERVIEW


def _check_exposure(case: Case, data: ExposureInput) -> None:
    for field, value, choices in (
        ("setting", data.setting, Setting.values),
        ("proximity", data.proximity, Exposure.Proximity.values),
        ("mask", data.mask, Exposure.Mask.values),
        ("certainty", data.certainty, Exposure.Certainty.values),
        ("found_by", data.found_by, Source.values),
    ):
        if value not in choices:
            raise ValidationError({field: _("One of %(choices)s.") % {"choices": ", ".join(choices)}})
    if not 0 <= data.duration_minutes <= 24 * 60 * 14:
        raise ValidationError({"duration_minutes": _("From 0 minutes to 14 days.")})
    window = case.window()
    if not window.start.astimezone(SEOUL).date() <= data.on <= window.end.astimezone(SEOUL).date():
        raise ValidationError({"on": _("The exposure must fall inside the case's infectious window.")})


def _exposure(actor: User | None, case: Case, exposed: Person, data: ExposureInput) -> Exposure:
    if exposed.pk == case.person_id:
        raise ValidationError({"name": _("A case cannot be its own contact.")})
    exposure = Exposure.objects.create(
        outbreak=case.outbreak,
        source=case.person,
        exposed=exposed,
        case=case,
        on=data.on,
        place=_text(data.place, "place"),
        setting=data.setting,
        duration_minutes=data.duration_minutes,
        proximity=data.proximity,
        mask=data.mask,
        certainty=data.certainty,
        found_by=data.found_by,
        recorded_by=actor,
    )
    audit.record(
        TracingEvent.EXPOSURE_RECORDED,
        actor=actor,
        target=case,
        new={"exposure": exposure.pk, "exposed": str(exposed), "on": str(data.on), "setting": data.setting},
    )
    return exposure


def _contact(actor: User | None, case: Case, person: Person, last_exposure_on: date) -> Contact:
    """The person's contact record for this case: created, or its last exposure moved later."""
    contact = Contact.objects.filter(person=person, source_case=case).first()
    if contact is not None:
        if last_exposure_on > contact.last_exposure_on:
            contact.last_exposure_on = last_exposure_on
            contact.save(update_fields=["last_exposure_on"])
        return contact
    contact = Contact.objects.create(
        person=person,
        outbreak=case.outbreak,
        source_case=case,
        district=person.district,
        last_exposure_on=last_exposure_on,
    )
    audit.record(
        TracingEvent.CONTACT_ADDED,
        actor=actor,
        target=contact,
        new={"case": case.pk, "last_exposure_on": str(last_exposure_on), "district": contact.district},
    )
    _assign(actor, contact=contact, reason="new contact")
    return contact


def add_contact(
    actor: User | None,
    case: Case,
    *,
    name: str,
    phone: str,
    district: int,
    exposure: ExposureInput,
    presence_id: str = "",
) -> Contact:
    """A contact named in the case's interview, with the exposure that makes them one."""
    with transaction.atomic():
        case = _case_for(actor, case)
        _check_exposure(case, exposure)
        person = _person(name, phone, district, presence_id)
        _exposure(actor, case, person, exposure)
        return _contact(actor, case, person, exposure.on)


def record_exposure(actor: User | None, case: Case, exposed: Person, data: ExposureInput) -> Exposure:
    """Another exposure between the case and a known person (keeps their contact current)."""
    with transaction.atomic():
        case = _case_for(actor, case)
        _check_exposure(case, data)
        exposure = _exposure(actor, case, exposed, data)
        _contact(actor, case, exposed, data.on)
    return exposure


# --- follow-up -----------------------------------------------------------------------------


def _follow_up(
    actor: User | None, contact: Contact, day: date, status: str, symptoms: str, channel: str, *, now: datetime
) -> FollowUp:
    if status not in FollowUp.Status.values:
        raise ValidationError({"status": _("Choose how the follow-up went.")})
    if not contact.quarantine_start <= day <= contact.quarantine_end:
        raise ValidationError(
            {
                "day": _("Outside the monitoring period (%(start)s to %(end)s).")
                % {"start": contact.quarantine_start, "end": contact.quarantine_end}
            }
        )
    if day > now.astimezone(SEOUL).date():
        raise ValidationError({"day": _("Cannot record a follow-up for a future day.")})
    if status == FollowUp.Status.SEEN_SYMPTOMS and not symptoms.strip():
        raise ValidationError({"symptoms": _("Describe the symptoms.")})
    old = FollowUp.objects.filter(contact=contact, day=day).values("status", "channel").first()
    follow_up, _created = FollowUp.objects.update_or_create(
        contact=contact,
        day=day,
        defaults={
            "status": status,
            "symptoms": symptoms.strip()[:500] if status == FollowUp.Status.SEEN_SYMPTOMS else "",
            "channel": channel,
            "recorded_by": actor,
            "recorded_at": now,
        },
    )
    changed = []
    if status in FollowUp.REACHED and contact.traced_at is None:
        contact.traced_at = now
        changed.append("traced_at")
    if status == FollowUp.Status.SEEN_SYMPTOMS and contact.symptoms_flagged_at is None:
        contact.symptoms_flagged_at = now
        changed.append("symptoms_flagged_at")
    if changed:
        contact.save(update_fields=changed)
    audit.record(
        TracingEvent.FOLLOW_UP_RECORDED,
        actor=actor,
        actor_label="" if actor else f"system ({channel})",
        target=contact,
        old=old,
        new={"day": str(day), "status": status, "channel": channel},
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
    actor: User | None, contact: Contact, day: date, status: str, symptoms: str = "", *, now: datetime | None = None
) -> FollowUp:
    """The tracer's follow-up of ``contact`` on ``day`` (one per day: a second replaces it)."""
    with transaction.atomic():
        contact = _contact_for(actor, contact)
        if contact.status != Contact.Status.MONITORING:
            raise ValidationError({"status": _("This contact is no longer under monitoring.")})
        return _follow_up(actor, contact, day, status, symptoms, FollowUp.Channel.TRACER, now=now or timezone.now())


def clear_symptom_flag(actor: User | None, contact: Contact, note: str) -> Contact:
    """The tracer has reviewed reported symptoms (e.g. arranged a test)."""
    note = _text(note, "note", minimum=5, maximum=300)
    with transaction.atomic():
        contact = _contact_for(actor, contact)
        if contact.symptoms_flagged_at is None:
            raise ValidationError({"note": _("There is no symptom report to review.")})
        old = contact.symptoms_flagged_at.isoformat()
        contact.symptoms_flagged_at = None
        contact.save(update_fields=["symptoms_flagged_at"])
        audit.record(
            TracingEvent.CONTACT_FLAG_CLEARED, actor=actor, target=contact, old={"flagged_at": old}, reason=note
        )
    return contact


def convert_to_case(
    actor: User | None,
    contact: Contact,
    *,
    confirmed_on: date,
    onset_on: date | None = None,
    test_on: date | None = None,
) -> Case:
    """The contact tested positive: a case of the same person and outbreak (nothing retyped),
    linked to the contact (a case-to-case link of the transmission chain), kept by the same
    tracer."""
    _check_dates(confirmed_on, onset_on, test_on)
    with transaction.atomic():
        contact = _contact_for(actor, contact)
        if contact.status != Contact.Status.MONITORING:
            raise ValidationError({"confirmed_on": _("This contact is already a case.")})
        if Case.objects.filter(person=contact.person, outbreak=contact.outbreak).exists():
            raise ValidationError({"confirmed_on": _("This person is already a case of this outbreak.")})
        case = Case.objects.create(
            person=contact.person,
            outbreak=contact.outbreak,
            district=contact.district,
            confirmed_on=confirmed_on,
            onset_on=onset_on,
            test_on=test_on,
            from_contact=contact,
        )
        contact.status = Contact.Status.BECAME_CASE
        contact.save(update_fields=["status"])
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
        _assign(actor, case=case, tracer=current.tracer if current else None, reason="contact became a case")
    return case


# --- exposure discovery --------------------------------------------------------------------


class CandidateLike(Protocol):
    """What the discovery engine returns for one candidate (``engine.discovery.Candidate``)."""

    @property
    def person_id(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def reasons(self) -> list[str]: ...
    @property
    def overlap_minutes(self) -> float: ...
    @property
    def first_contact(self) -> datetime: ...
    @property
    def places(self) -> list[str]: ...


def _discover(data_dir: Path, presence_id: str, window: Window, limit: int | None) -> Sequence[Found]:
    """The engine boundary, imported here so that pages without discovery do not load DuckDB.
    Raises ``engine.discovery.DiscoveryError`` (a ValueError) when it cannot run."""
    from seoul.tracing.engine.discovery import discover

    return discover(data_dir, presence_id, window, limit=limit)


def _reasons(item: CandidateLike) -> list[Any]:
    """Structured episodes when the engine gave them (rendered in the reader's language by
    ``Candidate.reason_lines``), else the reason texts as given (API clients, the demo)."""
    episodes = getattr(item, "episodes", None)
    if episodes:
        return [e.record() for e in episodes][:20]
    return [str(r) for r in item.reasons][:20]


def store_candidates(actor: User | None, case: Case, found: Iterable[CandidateLike]) -> dict[str, int]:
    """Keep what discovery found: new candidates pending, pending ones refreshed, decided ones
    left as decided (a dismissed person is not proposed again)."""
    counts = {"new": 0, "refreshed": 0, "already_decided": 0}
    with transaction.atomic():
        case = _case_for(actor, case)
        existing = {c.presence_id: c for c in Candidate.objects.select_for_update().filter(case=case)}
        for item in found:
            if item.person_id == case.person.presence_id:
                continue
            values = {
                "score": float(item.score),
                "reasons": _reasons(item),
                "overlap_minutes": float(item.overlap_minutes),
                "first_contact": item.first_contact,
                "places": [str(p) for p in item.places][:20],
            }
            known = existing.get(item.person_id)
            if known is None:
                Candidate.objects.create(case=case, presence_id=str(item.person_id)[:64], **values)
                counts["new"] += 1
            elif known.status == Candidate.Status.PENDING:
                for key, value in values.items():
                    setattr(known, key, value)
                known.discovered_at = timezone.now()
                known.save()
                counts["refreshed"] += 1
            else:
                counts["already_decided"] += 1
        audit.record(TracingEvent.DISCOVERY_RUN, actor=actor, target=case, new=counts)
    return counts


def _discovery_refusal(exc: ValueError) -> str:
    """The engine's refusal in the reader's language (its own text is the command line's)."""
    messages = {
        "unknown_person": _(
            "This movement-data id is not in the movement data (yet): check the id, or import the data."
        ),
        "no_data": _("There is no movement data to search yet."),
        "no_onset": _("Give the symptom onset or test date first: it sets the infectious window."),
        "bad_window": _("The infectious window is empty: check the onset and isolation times."),
    }
    return str(messages.get(getattr(exc, "code", ""), str(exc)))


def run_discovery(actor: User | None, case: Case, data_dir: Path, *, limit: int | None = 200) -> dict[str, int]:
    """Find who was co-present with the case inside its infectious window and store them as
    candidates for a tracer's decision."""
    _need_role(actor, Role.OPERATOR)
    if actor is not None and not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionDenied(_("this case is not assigned to you, your district or your outbreak"))
    case = Case.objects.select_related("outbreak", "person").get(pk=case.pk)
    if not case.person.presence_id:
        raise ValidationError({"presence_id": _("This case has no movement-data id to search with.")})
    try:
        found = _discover(data_dir, case.person.presence_id, case.window(), limit)
    except ValueError as exc:  # DiscoveryError: no movement data, unknown person, empty window
        raise ValidationError({"presence_id": _discovery_refusal(exc)}) from exc
    return store_candidates(actor, case, found)


def search_store(
    actor: User, presence_id: str, window: Window, *, reason: str, limit: int | None = None
) -> Sequence[Found]:
    """Discovery outside a case over the platform's own movement store (``seoul tracing discover``
    pointed at it): supervisors only, with a stated reason, audited with the id searched, the
    window and how many candidates were disclosed. Raises ``ValueError`` when discovery cannot run."""
    if not actor.has_role(Service.TRACING, Role.APPROVER):
        raise PermissionDenied(_("needs the role tracing:approver"))
    reason = _text(reason, "reason", minimum=5, maximum=1000)
    found = _discover(movement_dir(), presence_id, window, limit)
    audit.record(
        TracingEvent.STORE_SEARCHED,
        actor=actor,
        reason=reason,
        target_type="tracing.presence",
        target_id=presence_id[:64],
        new={"start": window.start.isoformat(), "end": window.end.isoformat(), "candidates": len(found)},
        service="tracing",
    )
    return found


def _decide(actor: User | None, candidate: Candidate) -> Candidate:
    candidate = Candidate.objects.select_for_update(of=("self",)).select_related("case").get(pk=candidate.pk)
    _case_for(actor, candidate.case)
    if candidate.status != Candidate.Status.PENDING:
        raise ValidationError({"reason": _("This candidate has already been decided.")})
    return candidate


def confirm_candidate(
    actor: User | None,
    candidate: Candidate,
    *,
    reason: str,
    name: str = "",
    phone: str = "",
    district: int | None = None,
    setting: str = Setting.OTHER,
    proximity: str = Exposure.Proximity.UNKNOWN,
) -> Contact:
    """The tracer confirms a candidate: the person (found by presence id, or created from the
    name and phone the tracer obtained), a data-sourced exposure and the contact."""
    reason = _text(reason, "reason", minimum=5, maximum=500)
    with transaction.atomic():
        candidate = _decide(actor, candidate)
        case = Case.objects.select_related("outbreak", "person").get(pk=candidate.case_id)
        person = Person.objects.filter(presence_id=candidate.presence_id).first()
        if person is None:
            if not name.strip() or not phone.strip() or district is None:
                raise ValidationError({"name": _("Give the person's name, phone and district to add them.")})
            person = _person(name, phone, district, candidate.presence_id)
        end = candidate.first_contact + timedelta(minutes=candidate.overlap_minutes)
        exposure = ExposureInput(
            on=end.astimezone(SEOUL).date(),
            place=", ".join(candidate.places)[:200] or "—",
            setting=setting,
            duration_minutes=round(candidate.overlap_minutes),
            proximity=proximity,
            certainty=Exposure.Certainty.PROBABLE,
            found_by=Source.DATA,
        )
        _check_exposure(case, exposure)
        _exposure(actor, case, person, exposure)
        contact = _contact(actor, case, person, exposure.on)
        candidate.status = Candidate.Status.CONFIRMED
        candidate.contact = contact
        candidate.decided_by = actor
        candidate.decided_at = timezone.now()
        candidate.reason = reason
        candidate.save()
        audit.record(
            TracingEvent.CANDIDATE_CONFIRMED,
            actor=actor,
            target=case,
            new={"candidate": candidate.pk, "contact": contact.pk, "score": candidate.score},
            reason=reason,
        )
    return contact


def dismiss_candidate(actor: User | None, candidate: Candidate, reason: str) -> Candidate:
    reason = _text(reason, "reason", minimum=5, maximum=500)
    with transaction.atomic():
        candidate = _decide(actor, candidate)
        candidate.status = Candidate.Status.DISMISSED
        candidate.decided_by = actor
        candidate.decided_at = timezone.now()
        candidate.reason = reason
        candidate.save()
        audit.record(
            TracingEvent.CANDIDATE_DISMISSED,
            actor=actor,
            target=candidate.case,
            new={"candidate": candidate.pk, "score": candidate.score},
            reason=reason,
        )
    return candidate


# --- self-report ---------------------------------------------------------------------------


def code_hash(invite: str, code: str) -> str:
    key = f"{settings.SECRET_KEY}:tracing.self_report".encode()
    return hmac.new(key, f"{invite}:{code}".encode(), hashlib.sha256).hexdigest()


def send_self_report_code(
    actor: User | None, contact: Contact, base_url: str, *, now: datetime | None = None
) -> SelfReportCode:
    """Text the contact a link and a fresh 6-digit code for today's self-report. Earlier
    unused codes stop working; only a keyed hash of the code is kept."""
    now = now or timezone.now()
    with transaction.atomic():
        contact = _contact_for(actor, contact)
        today = now.astimezone(SEOUL).date()
        if not contact.monitored_on(today) and not (
            contact.status == Contact.Status.MONITORING and today == contact.quarantine_start
        ):
            raise ValidationError({"contact": _("This contact is not under monitoring today.")})
        if not contact.person.phone:
            raise ValidationError({"contact": _("There is no phone number to text.")})
        contact.self_report_codes.filter(used_at=None, expires_at__gt=now).update(expires_at=now)
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
        link = f"{base_url.rstrip('/')}/tracing/r/{invite}/"
        text = (
            f"[서울시 역학조사] 오늘의 건강 상태를 알려 주세요: {link} 인증번호 {code} "
            f"(오늘 자정까지, 1회). 격리 종료일 {contact.quarantine_end:%Y-%m-%d}."
        )
        try:
            message_id = sms.sender().send(contact.person.phone, text)
        except sms.SmsError as exc:  # nothing is kept: the code was never delivered
            raise ValidationError(
                {"contact": _("The text message could not be sent: %(error)s") % {"error": exc}}
            ) from exc
        audit.record(
            TracingEvent.SELF_REPORT_SENT,
            actor=actor,
            actor_label="" if actor else "system (daily texts)",
            target=contact,
            new={"day": str(today), "message": message_id},
        )
    return row


def send_daily_texts(actor: User, base_url: str, *, now: datetime | None = None) -> dict[str, int]:
    """Today's self-report text to each of ``actor``'s contacts under monitoring who has no
    follow-up yet today and no unused code from today (so a second click sends nothing)."""
    now = now or timezone.now()
    today = now.astimezone(SEOUL).date()
    mine = Contact.objects.filter(
        assignments__tracer=actor, assignments__ended_at=None, status=Contact.Status.MONITORING
    ).select_related("outbreak", "person")
    counts = {"sent": 0, "skipped": 0}
    for contact in mine:
        pending = contact.self_report_codes.filter(day=today, used_at=None, expires_at__gt=now).exists()
        done = FollowUp.objects.filter(contact=contact, day=today).exists()
        if not contact.monitored_on(today) or pending or done or not contact.person.phone:
            counts["skipped"] += 1
            continue
        send_self_report_code(actor, contact, base_url, now=now)
        counts["sent"] += 1
    return counts


class SelfReportRefused(Exception):
    """Why a self-report was not accepted (a message safe to show the person)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def self_report_code(invite: str, *, now: datetime | None = None) -> SelfReportCode:
    """The code row a link names, if it can still be used (else :class:`SelfReportRefused`)."""
    now = now or timezone.now()
    row = SelfReportCode.objects.select_related("contact__outbreak").filter(invite=invite).first()
    if row is None or row.expires_at <= now:
        raise SelfReportRefused("expired")
    if row.used_at is not None:
        raise SelfReportRefused("used")
    if row.locked_until is not None and row.locked_until > now:
        raise SelfReportRefused("locked")
    return row


def submit_self_report(invite: str, code: str, *, symptoms: str = "", now: datetime | None = None) -> FollowUp:
    """The contact's own report for today, made with the texted code. Symptoms flag the
    contact on their tracer's worklist. Wrong codes count; five lock the link for 15 minutes."""
    now = now or timezone.now()
    with transaction.atomic():
        row = self_report_code(invite, now=now)
        row = SelfReportCode.objects.select_for_update().get(pk=row.pk)
        if not hmac.compare_digest(row.code_hash, code_hash(invite, (code or "").strip())):
            row.failed_attempts += 1
            if row.failed_attempts >= SELF_REPORT_MAX_FAILURES:
                row.locked_until = now + SELF_REPORT_LOCK
                row.failed_attempts = 0
            row.save(update_fields=["failed_attempts", "locked_until"])
            audit.record(
                TracingEvent.SELF_REPORT_REFUSED,
                actor_label="self-report",
                target=row.contact,
                new={"locked": row.locked_until is not None and row.locked_until > now},
            )
            # Raised after the block commits: the failed attempt must be counted.
            refused = SelfReportRefused(
                "locked" if row.locked_until is not None and row.locked_until > now else "wrong_code"
            )
        else:
            refused = None
    if refused is not None:
        raise refused
    with transaction.atomic():
        row = (
            SelfReportCode.objects.select_for_update()
            .select_related("contact__outbreak", "contact__person")
            .get(pk=row.pk)
        )
        if row.used_at is not None:
            raise SelfReportRefused("used")
        contact = Contact.objects.select_for_update(of=("self",)).select_related("outbreak").get(pk=row.contact_id)
        if contact.status != Contact.Status.MONITORING:
            raise SelfReportRefused("expired")
        status = FollowUp.Status.SEEN_SYMPTOMS if symptoms.strip() else FollowUp.Status.SEEN_WELL
        existing = FollowUp.objects.filter(contact=contact, day=row.day).first()
        if (
            existing is not None
            and existing.status == FollowUp.Status.SEEN_SYMPTOMS
            and status == FollowUp.Status.SEEN_WELL
        ):
            follow_up = existing  # a tracer's record of symptoms is not overwritten by "well"
        else:
            follow_up = _follow_up(None, contact, row.day, status, symptoms, FollowUp.Channel.SELF_REPORT, now=now)
        row.used_at = now
        row.save(update_fields=["used_at"])
        audit.record(
            TracingEvent.SELF_REPORT_RECEIVED,
            actor_label="self-report",
            target=contact,
            new={"day": str(row.day), "status": status},
        )
    return follow_up


def import_metro_journeys(actor: User, start: datetime, end: datetime, *, reason: str) -> dict[str, int]:
    """Ask the metro service for the completed journeys whose entry lies in ``[start, end)``
    (through ``metro.interfaces``, which audits the disclosure on its side), put them on their
    trains and store them as movement data. A bulk disclosure: supervisors and admins only.
    Importing the same period again replaces the earlier import."""
    if not actor.has_role(Service.TRACING, Role.APPROVER):
        raise PermissionDenied(_("needs the role tracing:approver"))
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": _("State why the journeys are needed (at least 5 characters).")})
    table = metro.journeys(start, end, actor=actor, reason=reason)
    tag = f"metro-{start.astimezone(SEOUL):%Y%m%d%H%M}-{end.astimezone(SEOUL):%Y%m%d%H%M}"
    result = ingest.import_journeys(geometry(), table, movement_dir(), tag=tag)
    counts = {"journeys": table.num_rows, "rides": result.accepted, "refused": len(result.errors)}
    audit.record(
        TracingEvent.METRO_JOURNEYS_IMPORTED,
        actor=actor,
        reason=reason[:1000],
        new={"start": start.isoformat(), "end": end.isoformat(), **counts},
        service="tracing",
    )
    for error in result.errors:
        log.warning("metro journey %s refused: %s", error.line, error.reason)
    return counts
