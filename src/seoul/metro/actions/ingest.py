"""Gate events from gate controllers (and bus rides from the bus fare system).

Events are accepted at most once by event id. Each item is checked on its own (the shapes in
``schemas``; here only what needs the database: the gate, the rider, a replay with other
content), so one bad item never costs the good ones; each bad item is reported once with its
index, event id, field, reason and code. Accepted events rebuild the riders' journeys.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.roles import Role
from seoul.metro.actions.access import check_role
from seoul.metro.actions.journeys import rebuild_rider
from seoul.metro.actions.riders import riders_presenting
from seoul.metro.errors import MetroError
from seoul.metro.events import MetroEvent
from seoul.metro.models import BusRide, FlaggedPassage, Gate, GateEvent, Rider
from seoul.metro.schemas import MAX_BATCH, BusRideIn, EventItem, FlaggedIn, PassageIn, check_event

log = logging.getLogger("seoul.metro")


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    riders: set[int] = field(default_factory=set)
    spans: dict[int, tuple[datetime, datetime]] = field(default_factory=dict)  # rider -> times touched

    def touch(self, rider_id: int, *times: datetime) -> None:
        self.riders.add(rider_id)
        lo, hi = self.spans.get(rider_id, (min(times), max(times)))
        self.spans[rider_id] = (min(lo, *times), max(hi, *times))

    def reject(self, index: int, event_id: str, field_name: str, reason: str, code: str) -> None:
        self.rejected.append(
            {"index": index, "event_id": event_id, "field": field_name, "reason": reason, "code": code}
        )

    def refuse(self, index: int, event_id: str, field_name: str, error: MetroError, **params: Any) -> None:
        self.reject(index, event_id, field_name, error.message(**params), error.value)


def content_hash(item: Mapping[str, Any]) -> str:
    """What makes two deliveries of an event id the same event (as sent, so hashes stored
    before the item schemas still match)."""
    keep = {k: item.get(k) for k in ("gate", "rider", "kind", "at", "source", "lane")}
    if item.get("kind") == "bus":
        keep |= {k: item.get(k) for k in ("mode", "route", "alight_at", "distance_m")}
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()


Stored = GateEvent | BusRide | FlaggedPassage


def _store(model: Any, fresh: Mapping[str, tuple[int, Stored]], result: IngestResult) -> None:
    """Insert new events, then compare what is stored: another batch may have stored the same
    id in the meantime, and only the same content counts as accepted."""
    model.objects.bulk_create([obj for _, obj in fresh.values()], ignore_conflicts=True)
    stored = dict(model.objects.filter(event_id__in=fresh).values_list("event_id", "content_hash"))
    for event_id, (index, obj) in fresh.items():
        found = stored.get(event_id)
        if found == obj.content_hash:
            result.accepted += 1
            if isinstance(obj, BusRide):
                result.touch(obj.rider_id, obj.board_at, obj.alight_at)
            elif isinstance(obj, GateEvent):
                result.touch(obj.rider_id, obj.at)
        elif found is None:  # refused by the database (a constraint): say so, never "duplicate"
            result.refuse(index, event_id, "event_id", MetroError.NOT_STORED)
        else:
            result.refuse(index, event_id, "event_id", MetroError.CONFLICT)


def ingest_events(
    items: Sequence[EventItem | Mapping[str, Any]], *, actor: User | None, now: datetime | None = None
) -> IngestResult:
    """Accept new gate events; report each bad item once (index, event id, field, reason, code).

    ``items`` are checked items from the API (``schemas.EventBatch``) or plain mappings, which
    are checked here the same way. Good items are stored even when others in the batch are bad;
    an event id seen before with the same content is a harmless duplicate, with different
    content it is rejected. ``actor``: metro operator staff (a gate controller's token), or
    None for the platform itself (the tagless step, demo data).
    """
    check_role(actor, Role.OPERATOR)
    now = now or timezone.now()
    if len(items) > MAX_BATCH:
        raise MetroError.BATCH_TOO_LARGE.error("events", limit=MAX_BATCH, count=len(items))
    checked = [check_event(raw, now=now) for raw in items]
    result = IngestResult()
    valid = [c.item for c in checked if c.item is not None]
    gates = {g.code: g for g in Gate.objects.filter(code__in={i.gate for i in valid if not isinstance(i, BusRideIn)})}
    riders = riders_presenting(i.rider for i in valid if not isinstance(i, FlaggedIn))
    ids = [i.event_id for i in valid]
    known: dict[str, str] = {}
    for model in (GateEvent, BusRide, FlaggedPassage):
        known |= dict(model.objects.filter(event_id__in=ids).values_list("event_id", "content_hash"))
    fresh: dict[type[Stored], dict[str, tuple[int, Stored]]] = {GateEvent: {}, BusRide: {}, FlaggedPassage: {}}
    pending: dict[str, str] = {}

    for index, check in enumerate(checked):
        item = check.item
        if item is None:
            result.reject(index, check.key("event_id"), check.field, check.reason, check.code)
            continue
        event_id = item.event_id
        digest = content_hash(check.raw)
        seen = known.get(event_id) or pending.get(event_id)
        if seen is not None:
            if seen == digest:
                result.duplicates += 1
            else:
                result.refuse(index, event_id, "event_id", MetroError.CONFLICT)
            continue
        obj = _event(item, digest, gates, riders, result, index)
        if obj is not None:
            pending[event_id] = digest
            fresh[type(obj)][event_id] = (index, obj)
    with transaction.atomic():
        for model, objs in fresh.items():
            _store(model, objs, result)
        audit.record(
            MetroEvent.EVENTS_INGESTED,
            actor=actor,
            new={"accepted": result.accepted, "duplicates": result.duplicates, "rejected": len(result.rejected)},
        )
    result.rejected.sort(key=lambda r: r["index"])
    if result.rejected:
        log.warning("gate events rejected: %s", result.rejected[:20])
    for rider_id in sorted(result.riders):
        rebuild_rider(rider_id, actor=actor, now=now, touched=result.spans[rider_id])
    return result


def _event(
    item: PassageIn | BusRideIn | FlaggedIn,
    digest: str,
    gates: Mapping[str, Gate],
    riders: Mapping[str, Rider],
    result: IngestResult,
    index: int,
) -> Stored | None:
    """The row to store for a checked item, or None (reported) when its gate or rider is unknown."""
    event_id = item.event_id
    if isinstance(item, BusRideIn):
        rider = riders.get(item.rider)
        if rider is None:
            result.refuse(index, event_id, "rider", MetroError.UNKNOWN_RIDER, rider=item.rider)
            return None
        return BusRide(
            event_id=event_id,
            rider=rider,
            mode=item.mode,
            route=item.route,
            board_at=item.at,
            alight_at=item.alight_at,
            metres=item.distance_m,
            content_hash=digest,
        )
    gate = gates.get(item.gate)
    if gate is None:
        result.refuse(index, event_id, "gate", MetroError.UNKNOWN_GATE, gate=item.gate)
        return None
    if isinstance(item, FlaggedIn):
        return FlaggedPassage(
            event_id=event_id, gate=gate, at=item.at, lane=item.lane, reason=item.reason, content_hash=digest
        )
    rider = riders.get(item.rider)
    if rider is None:
        result.refuse(index, event_id, "rider", MetroError.UNKNOWN_RIDER, rider=item.rider)
        return None
    return GateEvent(
        event_id=event_id,
        gate=gate,
        rider=rider,
        kind=item.kind,
        at=item.at,
        source=item.source,
        lane=item.lane,
        content_hash=digest,
    )
