"""A rider completes one of their own incomplete journeys: "I left at station X around HH:MM"
(or, for a journey with no entry, "I entered at X around HH:MM").

The correction is stored as the gate event the gate missed (source ``rider``, one per journey
by its event id), so the journey is rebuilt from events like any other: the maximum fare is
replaced by the fare of the completed journey and the reconciliation posts the difference
once (docs/metro-journeys.md "Incomplete journeys"). Limits: the rider's own journey, started
within the last 8 weeks, incomplete now, corrected once, a station that exists and is
reachable, a time after the entry (before the exit) within 5 hours and before the rider's
next (previous) tap.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.metro.actions.journeys import rebuild_rider
from seoul.metro.engine import data
from seoul.metro.engine.journeys import MAX_JOURNEY
from seoul.metro.engine.network import UNREACHABLE, UnknownStation
from seoul.metro.errors import MetroError
from seoul.metro.events import MetroEvent
from seoul.metro.models import Gate, GateEvent, Journey, Rider

CORRECTION_WINDOW = timedelta(weeks=8)


def correction_event_id(journey_key: str) -> str:
    """The id of a journey's correction: one per journey (the id is unique)."""
    return "fix-" + hashlib.sha256(journey_key.encode()).hexdigest()[:40]


def _gate_at(station: str, prefer_line: str) -> Gate | None:
    """A gate array of ``station``: on the known tap's line when it has one, else one not on a
    separately charged line (the rider did not say they used one)."""
    gates = list(Gate.objects.filter(station=station).order_by("line"))
    separate = data.tariffs().separately_charged_lines
    same = [g for g in gates if g.line == prefer_line]
    plain = [g for g in gates if g.line not in separate]
    found = same or plain or gates
    return found[0] if found else None


def correct_journey(
    journey: Journey, station: str, at: datetime, *, actor: User, now: datetime | None = None
) -> Journey:
    """Complete ``journey`` (incomplete, the actor's own) with the missing tap at ``station``
    around ``at``; returns the journey as rebuilt."""
    now = now or timezone.now()
    if at.tzinfo is None:
        raise MetroError.CORRECTION_TIME.error("at")
    with transaction.atomic():
        rider = Rider.objects.select_for_update().get(pk=journey.rider_id)
        if rider.user_id is None or rider.user_id != actor.pk:
            raise MetroError.NOT_YOUR_JOURNEY.error("journey")
        j = Journey.objects.select_related("entry__gate", "exit__gate").get(pk=journey.pk)
        event_id = correction_event_id(j.key)
        if GateEvent.objects.filter(event_id=event_id).exists():
            raise MetroError.CORRECTION_DONE.error("journey")
        if j.superseded or j.status not in (Journey.Status.NO_EXIT, Journey.Status.NO_ENTRY):
            raise MetroError.CORRECTION_NOT_INCOMPLETE.error("journey")
        if j.started_at < now - CORRECTION_WINDOW:
            raise MetroError.CORRECTION_TOO_OLD.error("journey")
        known = j.entry if j.status == Journey.Status.NO_EXIT else j.exit
        assert known is not None  # noqa: S101 - an incomplete journey keeps its one tap
        net = data.network()
        try:
            name = net.resolve(station)
        except UnknownStation:
            raise MetroError.CORRECTION_STATION.error("station") from None
        if net.all_lines[net.station(known.gate.station), net.station(name)] >= UNREACHABLE:
            raise MetroError.CORRECTION_STATION.error("station")
        gate = _gate_at(name, known.gate.line)
        if gate is None:
            raise MetroError.CORRECTION_STATION.error("station")
        missing_exit = j.status == Journey.Status.NO_EXIT
        # The tap must fall between the known tap and the rider's neighbouring one, within 5 hours
        # (a later exit would pair with another entry, an earlier entry with another exit).
        if missing_exit:
            ok = known.at < at <= min(known.at + MAX_JOURNEY, now)
            neighbour = GateEvent.objects.filter(rider=rider, at__gt=known.at).order_by("at").first()
            ok = ok and (neighbour is None or at < neighbour.at)
        else:
            ok = known.at - MAX_JOURNEY <= at < known.at
            neighbour = GateEvent.objects.filter(rider=rider, at__lt=known.at).order_by("-at").first()
            ok = ok and (neighbour is None or at > neighbour.at)
        if not ok:
            raise MetroError.CORRECTION_TIME.error("at")
        GateEvent.objects.create(
            event_id=event_id,
            gate=gate,
            rider=rider,
            kind=GateEvent.Kind.EXIT if missing_exit else GateEvent.Kind.ENTRY,
            at=at,
            source=GateEvent.Source.RIDER,
            content_hash=hashlib.sha256(f"{j.key}|{name}|{at.isoformat()}".encode()).hexdigest(),
        )
        audit.record(
            MetroEvent.JOURNEY_CORRECTED,
            actor=actor,
            target=rider,
            old={"journey": j.key, "status": j.status, "charge": j.charge},
            new={"station": name, "at": at.isoformat(), "kind": "exit" if missing_exit else "entry"},
            service="metro",
        )
    rebuild_rider(rider.pk, actor=actor, now=now, touched=(min(at, known.at), max(at, known.at)))
    # A journey with no entry is keyed by its entry once it has one (the correction's id).
    return Journey.objects.filter(key__in=[j.key, event_id], superseded=False).first() or Journey.objects.get(key=j.key)
