"""A case's movement timeline: where the case was during the infectious window, from the
interview or from movement data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from seoul.core import audit
from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.core.validation import PANDEMIC_ERA, check_text
from seoul.tracing.actions._checks import case_for, choice, district
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import Candidate, Case, Setting, Source, TimelineEntry


@dataclass(frozen=True)
class TimelineInput:
    start: datetime
    end: datetime
    place: str
    setting: str
    found_by: str = Source.INTERVIEW
    note: str = ""
    district: int | None = None
    """The place's district (0-24); None when it is outside Seoul or not known."""


def _checked(case: Case, data: TimelineInput) -> TimelineInput:
    """The entry with its text cleaned, if it is one the case may have."""
    for field, moment in (("start", data.start), ("end", data.end)):
        if moment.tzinfo is None:
            raise TracingError.NEEDS_TIME_ZONE.error(field)
        PANDEMIC_ERA.check(moment, field)
    if data.end < data.start:
        raise TracingError.END_BEFORE_START.error("end")
    if data.end - data.start > timedelta(days=2):
        raise TracingError.ENTRY_TOO_LONG.error("end")
    choice(data.setting, Setting.values, "setting")
    choice(data.found_by, Source.values, "found_by")
    window = case.window()
    if data.end <= window.start or data.start >= window.end:
        raise TracingError.OUTSIDE_WINDOW.error(
            "start",
            start=f"{window.start.astimezone(SEOUL):%Y-%m-%d %H:%M}",
            end=f"{window.end.astimezone(SEOUL):%Y-%m-%d %H:%M}",
        )
    return TimelineInput(
        start=data.start,
        end=data.end,
        place=check_text(data.place, "place", max_length=200),
        setting=data.setting,
        found_by=data.found_by,
        note=check_text(data.note, "note", max_length=2000, min_length=0, multiline=True),
        district=None if data.district is None else district(data.district),
    )


def _values(entry: TimelineEntry) -> dict[str, str]:
    return {
        "start": entry.start.isoformat(),
        "end": entry.end.isoformat(),
        "place": entry.place,
        "setting": entry.setting,
        "found_by": entry.found_by,
        "district": "" if entry.district is None else str(entry.district),
    }


def add_timeline_entry(case: Case, data: TimelineInput, *, actor: User | None) -> TimelineEntry:
    with transaction.atomic():
        case = case_for(actor, case)
        data = _checked(case, data)
        entry = TimelineEntry.objects.create(
            case=case,
            start=data.start,
            end=data.end,
            place=data.place,
            district=data.district,
            setting=data.setting,
            found_by=data.found_by,
            note=data.note,
            recorded_by=actor,
        )
        audit.record(TracingEvent.TIMELINE_ADDED, actor=actor, target=case, new=_values(entry))
    return entry


def add_timeline_from_candidate(candidate: Candidate, episode: int, *, actor: User | None) -> TimelineEntry:
    """Put a place from a candidate's movement-data record (its ``episode``-th, as stored by
    discovery) on the case's timeline, with the district the movement data gives. The case was
    there at least while the two overlapped, so the entry spans the overlap; the tracer may
    widen it from the interview. Refused when that place and time are already on the timeline."""
    with transaction.atomic():
        case = case_for(actor, candidate.case)
        candidate = Candidate.objects.get(pk=candidate.pk, case=case)
        records = candidate.reasons
        if not 0 <= episode < len(records) or not isinstance(records[episode], dict):
            raise TracingError.NO_SUCH_EPISODE.error("episode")
        record = records[episode]
        start, end = datetime.fromisoformat(record["start"]), datetime.fromisoformat(record["end"])
        place = str(record.get("place") or "—")[:200]
        if case.timeline.filter(place=place, start__lte=start, end__gte=end).exists():
            raise TracingError.ALREADY_ON_TIMELINE.error("episode")
        metro = record.get("setting") == "transit" or "metro" in str(record.get("source", ""))
        return add_timeline_entry(
            case,
            TimelineInput(
                start=start,
                end=end,
                place=place,
                setting=Setting.TRANSIT if metro else Setting.OTHER,
                found_by=Source.DATA,
                district=record.get("district"),
            ),
            actor=actor,
        )


def change_timeline_entry(entry: TimelineEntry, data: TimelineInput, *, actor: User | None) -> TimelineEntry:
    """A corrected entry; the audit log keeps the values it replaced."""
    with transaction.atomic():
        case = case_for(actor, entry.case)
        entry = TimelineEntry.objects.select_for_update().get(pk=entry.pk, case=case)
        data = _checked(case, data)
        old = _values(entry)
        entry.start, entry.end, entry.setting, entry.found_by = data.start, data.end, data.setting, data.found_by
        entry.place, entry.note, entry.district = data.place, data.note, data.district
        entry.save()
        audit.record(TracingEvent.TIMELINE_CHANGED, actor=actor, target=case, old=old, new=_values(entry))
    return entry
