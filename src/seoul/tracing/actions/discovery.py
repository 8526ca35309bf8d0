"""Exposure discovery from a case: search the movement data, keep what it finds as candidates,
and the tracer's decision on each (nothing becomes a contact without one)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.core.roles import Role
from seoul.core.validation import check_text
from seoul.tracing.actions._checks import case_for, choice, need_role
from seoul.tracing.actions._people import find_or_add_person
from seoul.tracing.actions.contacts import ExposureInput, checked_exposure, contact_of, record_exposure_row
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import Candidate, Case, Contact, Exposure, Person, Setting, Source, movement_dir

if TYPE_CHECKING:
    from seoul.tracing.engine.discovery import Candidate as Found
    from seoul.tracing.engine.discovery import Window


class CandidateLike(Protocol):
    """What the discovery engine returns for one candidate (``engine.discovery.Candidate``),
    and what a batch job posts to the API."""

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


def search_movement_data(data_dir: Path, presence_id: str, window: Window, limit: int | None) -> Sequence[Found]:
    """The engine boundary, imported here so that pages without discovery do not load DuckDB.
    Raises ``engine.discovery.DiscoveryError`` (a ValueError) when it cannot run."""
    from seoul.tracing.engine.discovery import discover

    return discover(data_dir, presence_id, window, limit=limit)


REFUSALS = {
    "unknown_person": TracingError.UNKNOWN_PERSON,
    "no_data": TracingError.NO_DATA,
    "no_onset": TracingError.NO_ONSET,
    "bad_window": TracingError.BAD_WINDOW,
}


def _reasons(item: CandidateLike) -> list[Any]:
    """Structured episodes when the engine gave them (rendered in the reader's language by
    ``Candidate.reason_lines``), else the reason texts as given (API clients)."""
    episodes = getattr(item, "episodes", None)
    if episodes:
        return [e.record() for e in episodes][:20]
    return [str(r) for r in item.reasons][:20]


def store_candidates(case: Case, found: Iterable[CandidateLike], *, actor: User | None) -> dict[str, int]:
    """Keep what discovery found: new candidates pending, pending ones refreshed, decided ones
    left as decided (a dismissed person is not proposed again)."""
    counts = {"new": 0, "refreshed": 0, "already_decided": 0}
    with transaction.atomic():
        case = case_for(actor, case)
        existing = {c.presence_id: c for c in Candidate.objects.select_for_update().filter(case=case)}
        for item in found:
            if item.person_id == case.person.presence_id:
                continue
            if item.first_contact.tzinfo is None:
                raise TracingError.NEEDS_TIME_ZONE.error("first_contact")
            values = {
                "score": float(item.score),
                "reasons": _reasons(item),
                "overlap_minutes": float(item.overlap_minutes),
                "first_contact": item.first_contact,
                "places": [str(p) for p in item.places][:20],
            }
            known = existing.get(item.person_id)
            if known is None:
                existing[item.person_id] = Candidate.objects.create(
                    case=case, presence_id=str(item.person_id)[:64], **values
                )
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


def run_discovery(case: Case, data_dir: Path, *, actor: User | None, limit: int | None = 200) -> dict[str, int]:
    """Find who was co-present with the case inside its infectious window and store them as
    candidates for a tracer's decision."""
    with transaction.atomic():  # the scope check (the search itself runs without a lock)
        case = case_for(actor, case)
    if not case.person.presence_id:
        raise TracingError.NO_PRESENCE_ID.error("presence_id")
    try:
        found = search_movement_data(data_dir, case.person.presence_id, case.window(), limit)
    except ValueError as exc:  # DiscoveryError: no movement data, unknown person, empty window
        raise REFUSALS.get(getattr(exc, "code", ""), TracingError.DISCOVERY_FAILED).error("presence_id") from exc
    return store_candidates(case, found, actor=actor)


def search_store(
    presence_id: str, window: Window, *, actor: User, reason: str, limit: int | None = None
) -> Sequence[Found]:
    """Discovery outside a case over the platform's own movement store (``seoul tracing discover``
    pointed at it): supervisors only, with a stated reason, audited with the id searched, the
    window and how many candidates were disclosed. Raises ``ValueError`` when discovery cannot run."""
    need_role(actor, Role.APPROVER)
    reason = check_text(reason, "reason", min_length=5, max_length=1000)
    presence_id = check_text(presence_id, "presence_id", max_length=64)
    found = search_movement_data(movement_dir(), presence_id, window, limit)
    audit.record(
        TracingEvent.STORE_SEARCHED,
        actor=actor,
        reason=reason,
        target_type="tracing.presence",
        target_id=presence_id,
        new={"start": window.start.isoformat(), "end": window.end.isoformat(), "candidates": len(found)},
        service="tracing",
    )
    return found


def _undecided(candidate: Candidate, *, actor: User | None) -> tuple[Candidate, Case]:
    """The candidate, locked, with its case (locked), if the actor may decide on it."""
    case = case_for(actor, candidate.case)
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk, case=case)
    if candidate.status != Candidate.Status.PENDING:
        raise TracingError.ALREADY_DECIDED.error("decision")
    return candidate, case


def confirm_candidate(
    candidate: Candidate,
    *,
    actor: User | None,
    reason: str,
    name: str = "",
    phone: str = "",
    district: int | None = None,
    setting: str = Setting.OTHER,
    proximity: str = Exposure.Proximity.UNKNOWN,
) -> Contact:
    """The tracer confirms a candidate as a contact: the person (found by movement-data id, or
    created from the name and phone the tracer obtained), a data-sourced exposure and the contact."""
    reason = check_text(reason, "reason", min_length=5, max_length=500)
    choice(setting, Setting.values, "setting")
    choice(proximity, Exposure.Proximity.values, "proximity")
    with transaction.atomic():
        candidate, case = _undecided(candidate, actor=actor)
        person = Person.objects.filter(presence_id=candidate.presence_id).first()
        if person is None:
            if not name.strip() or not phone.strip() or district is None:
                raise TracingError.PERSON_DETAILS_NEEDED.error("name")
            person = find_or_add_person(name, phone, district, candidate.presence_id)
        end = candidate.first_contact + timedelta(minutes=candidate.overlap_minutes)
        exposure = checked_exposure(
            case,
            ExposureInput(
                on=end.astimezone(SEOUL).date(),
                place=", ".join(candidate.places)[:200] or "—",
                setting=setting,
                duration_minutes=round(candidate.overlap_minutes),
                proximity=proximity,
                certainty=Exposure.Certainty.PROBABLE,
                found_by=Source.DATA,
            ),
        )
        record_exposure_row(case, person, exposure, actor=actor)
        contact = contact_of(case, person, exposure.on, actor=actor)
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


def dismiss_candidate(candidate: Candidate, reason: str, *, actor: User | None) -> Candidate:
    """The tracer dismisses a candidate, with a reason; it is not proposed again."""
    reason = check_text(reason, "reason", min_length=5, max_length=500)
    with transaction.atomic():
        candidate, case = _undecided(candidate, actor=actor)
        candidate.status = Candidate.Status.DISMISSED
        candidate.decided_by = actor
        candidate.decided_at = timezone.now()
        candidate.reason = reason
        candidate.save()
        audit.record(
            TracingEvent.CANDIDATE_DISMISSED,
            actor=actor,
            target=case,
            new={"candidate": candidate.pk, "score": candidate.score},
            reason=reason,
        )
    return candidate
