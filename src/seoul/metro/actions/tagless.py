"""Tagless windows: beacon readings from gate controllers become a gate event or a flagged
passage (docs/metro-tagless.md "Ingestion").

Each window is checked on its own (``schemas.WindowIn``; here only what needs the gate: its
lanes, beacons and anchors), so one bad window never costs the good ones.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.roles import Role
from seoul.metro.actions.access import check_role
from seoul.metro.actions.ingest import IngestResult, ingest_events
from seoul.metro.actions.riders import riders_presenting, tagless_refusal
from seoul.metro.engine.tagless import Decision, DetectorConfig, GateArray, ReadingWindow, SensorPassage, detect
from seoul.metro.engine.tagless.sensors import lane_order, pick, priority
from seoul.metro.errors import MetroError
from seoul.metro.events import MetroEvent
from seoul.metro.models import Gate, GateEvent, Rider, TaglessWindow
from seoul.metro.schemas import MAX_WINDOWS, WINDOW_PREFIX, WindowIn, WindowItem, check_window

log = logging.getLogger("seoul.metro")

SAME_PASSAGE = timedelta(seconds=2)
SENSOR_MATCH = timedelta(seconds=1)  # a lane sensor passage confirms a crossing this close to it
_WINDOW_KEYS = ("gate", "rider", "started_at", "t0", "t", "beacon", "rssi", "uwb_t", "uwb_anchor", "uwb_range")


@dataclass
class WindowResult:
    charged: int = 0
    merged: int = 0
    refused: int = 0
    duplicates: int = 0
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, index: int, window_id: str, field_name: str, reason: str, code: str) -> None:
        self.rejected.append(
            {"index": index, "window_id": window_id, "field": field_name, "reason": reason, "code": code}
        )

    def refuse(self, index: int, window_id: str, field_name: str, error: MetroError, **params: Any) -> None:
        self.reject(index, window_id, field_name, error.message(**params), error.value)


def _window_hash(item: Mapping[str, Any]) -> str:
    keep = {k: item.get(k) for k in _WINDOW_KEYS}
    if "passages" in item:  # only when sent, so windows stored before sensors keep their hash
        keep["passages"] = item["passages"]
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()


def _fits_gate(item: WindowIn, gate: Gate) -> tuple[str, MetroError, int] | None:
    """What in a checked window does not fit the gate's own lanes, beacons and anchors."""
    beacons, lanes = GateArray(lanes=gate.lanes).beacon_count, gate.lanes
    if any(b >= beacons for b in item.beacon):
        return "beacon", MetroError.BEACON_RANGE, beacons - 1
    if any(a > lanes for a in item.uwb_anchor):
        return "uwb_anchor", MetroError.ANCHOR_RANGE, lanes
    if any(p.lane >= lanes for p in item.passages or []):
        return "passages", MetroError.LANE_RANGE, lanes - 1
    return None


def _confirm(
    sensed: list[SensorPassage] | None,
    decision: Decision,
    at: datetime,
    started_at: datetime,
    window_t0: float,
    gate: Gate,
    rider: Rider,
    claimed: dict[tuple[str, int, datetime], int],
) -> tuple[str | None, int | None, datetime]:
    """Confirm a crossing the detector charges with *a* passage the array's lane sensors saw
    within 1 s of it (in the same direction when the sensor reports one), in a lane the
    detector does not rule out, not yet matched to another phone -- the rule of
    ``engine.tagless.sensors`` (the detector's resolved lane, then its candidates, nearest in
    time first), here also against passages matched by earlier batches. Returns (why not, or
    None; the lane and the time to record: the matched passage's). One sensor passage confirms
    one phone: a second phone on it (tailgating, or a bystander whose readings look alike) is
    refused. Without sensor data the crossing stands alone only when
    ``SEOUL_METRO_TAGLESS_REQUIRE_SENSOR`` is off (a pilot), with the detector's lane if
    resolved and its time."""
    if sensed is None:
        if settings.SEOUL_METRO_TAGLESS_REQUIRE_SENSOR:
            return "no passage sensor data from the gate", None, at
        return None, decision.lane_id, at

    def when(p: SensorPassage) -> datetime:
        return started_at + timedelta(seconds=p.at - window_t0)

    def free(p: SensorPassage) -> bool:
        passage = when(p)
        other = claimed.get((gate.code, p.lane, passage))
        if other is not None and other != rider.pk:
            return False
        return not (
            GateEvent.objects.filter(
                gate=gate, lane=p.lane, source=GateEvent.Source.TAGLESS, at__gte=passage - SENSOR_MATCH
            )
            .filter(at__lte=passage + SENSOR_MATCH)
            .exclude(rider=rider)
            .exists()
        )

    tolerance = SENSOR_MATCH.total_seconds()
    near = [p for p in sensed if abs(p.at - (decision.crossed_at or 0.0)) <= tolerance]
    if not near:
        return f"no sensor passage within {tolerance:g} s", None, at
    chosen = pick(decision, near, [free(p) for p in near], tolerance)
    if chosen is None:
        allowed = lane_order(decision)
        ruled_out = bool(allowed) and all(p.lane not in allowed for p in near)
        return ("passage in a lane the radio rules out" if ruled_out else "one lane passage, two phones"), None, at
    claimed[(gate.code, near[chosen].lane, when(near[chosen]))] = rider.pk
    return None, near[chosen].lane, when(near[chosen])


@dataclass
class _Detected:
    """A checked window and the detector's decision, waiting for its turn to claim a passage."""

    index: int
    record: TaglessWindow
    decision: Decision
    rider: Rider
    gate: Gate
    sensed: list[SensorPassage] | None
    started_at: datetime
    t0: float


def ingest_windows(
    items: Sequence[WindowItem | Mapping[str, Any]], *, actor: User | None, now: datetime | None = None
) -> WindowResult:
    """Run the tagless detector on windows of beacon readings posted by gate controllers.

    Each window (one phone at one gate, see docs/metro-tagless.md "Ingestion") becomes either
    an entry/exit gate event of that rider at that gate, or a flagged passage with the
    detector's refusal reason; both go through :func:`ingest_events`, so journeys and the
    ledger stay exactly-once. A refused window never charges anyone. A window id seen before
    with the same content is a duplicate, with different content it is rejected. A charged
    passage of the same rider and direction within 2 s of one already recorded (overlapping
    windows of one passage) is merged into it instead of recorded twice. The charge follows the
    detector's side-crossing decision (did the phone go from one side of the gate line to the
    other), never its lane; it is confirmed by a free passage of the array's lane sensors within
    1 s (``_confirm``), whose lane is recorded, unless ``SEOUL_METRO_TAGLESS_REQUIRE_SENSOR`` is
    off and the controller sent no sensor data. Every window of the batch is detected first;
    crossings then claim passages strongest radio margin first, whatever order they came in.
    """
    check_role(actor, Role.OPERATOR)
    now = now or timezone.now()
    if len(items) > MAX_WINDOWS:
        raise MetroError.BATCH_TOO_LARGE.error("windows", limit=MAX_WINDOWS, count=len(items))
    checked = [check_window(raw, now=now) for raw in items]
    result = WindowResult()
    claimed: dict[tuple[str, int, datetime], int] = {}
    valid = [c.item for c in checked if c.item is not None]
    gates = {g.code: g for g in Gate.objects.filter(code__in={i.gate for i in valid})}
    riders = riders_presenting(i.rider for i in valid)
    known = dict(
        TaglessWindow.objects.filter(window_id__in=[i.window_id for i in valid]).values_list(
            "window_id", "content_hash"
        )
    )
    pending: dict[str, str] = {}
    config = DetectorConfig()
    # (window index, TaglessWindow to store, derived gate-event item or None when merged)
    decided: list[tuple[int, TaglessWindow, dict[str, Any] | None]] = []
    passages: list[tuple[int, str, datetime, str]] = []  # (rider id, kind, at, event id) charged in this batch
    detected: list[_Detected] = []

    for index, check in enumerate(checked):
        item = check.item
        if item is None:
            result.reject(index, check.key("window_id"), check.field, check.reason, check.code)
            continue
        window_id = item.window_id
        digest = _window_hash(check.raw)
        seen = known.get(window_id) or pending.get(window_id)
        if seen is not None:
            if seen == digest:
                result.duplicates += 1
                result.outcomes.append({"index": index, "window_id": window_id, "outcome": "duplicate"})
            else:
                result.refuse(index, window_id, "window_id", MetroError.CONFLICT)
            continue
        gate = gates.get(item.gate)
        if gate is None:
            result.refuse(index, window_id, "gate", MetroError.UNKNOWN_GATE, gate=item.gate)
            continue
        if not gate.tagless:
            result.refuse(index, window_id, "gate", MetroError.NOT_TAGLESS_GATE, gate=item.gate)
            continue
        rider = riders.get(item.rider)
        if rider is None:
            result.refuse(index, window_id, "rider", MetroError.UNKNOWN_RIDER, rider=item.rider)
            continue
        misfit = _fits_gate(item, gate)
        if misfit is not None:
            name, error, last = misfit
            result.refuse(index, window_id, name, error, last=last)
            continue
        window = ReadingWindow(
            item.t0,
            np.array(item.t),
            np.array(item.beacon, dtype=np.int64),
            np.array(item.rssi),
            np.array(item.uwb_t),
            np.array(item.uwb_anchor, dtype=np.int64),
            np.array(item.uwb_range),
        )
        # Sensor passages on the readings' clock (seconds after t0 = seconds after started_at).
        sensed = (
            None
            if item.passages is None
            else [
                SensorPassage(p.lane, item.t0 + (p.at - item.started_at).total_seconds(), p.direction)
                for p in item.passages
            ]
        )
        started_at = item.started_at
        pending[window_id] = digest
        decision = detect(window, GateArray(lanes=gate.lanes), config)
        offset = timedelta(seconds=(decision.crossed_at - window.t0) if decision.crossed_at is not None else 0)
        record = TaglessWindow(
            window_id=window_id,
            content_hash=digest,
            gate=gate,
            lane=decision.lane_id,
            direction=decision.direction or "",
            at=started_at + offset,
            event_id=WINDOW_PREFIX + window_id,
        )
        detected.append(_Detected(index, record, decision, rider, gate, sensed, started_at, window.t0))

    # Crossings claim sensor passages strongest radio evidence first (engine.tagless.sensors):
    # a bystander who merely looks like a crossing never takes a passer's passage because their
    # window came first in the batch.
    for k in priority([d.decision for d in detected]):
        index, record, decision, rider, gate = (
            detected[k].index,
            detected[k].record,
            detected[k].decision,
            detected[k].rider,
            detected[k].gate,
        )
        refusal: str | None = (decision.reason or "refused") if not decision.charged else None
        if refusal is None and decision.direction == "in":
            # May this account be charged at all (consent, deny list, a way to pay)? An exit is
            # always recorded: it completes a journey the gates already let in.
            blocked = tagless_refusal(rider, record.at)
            refusal = f"account: {blocked}" if blocked else None
        if refusal is None:
            d = detected[k]
            refusal, settled, passed_at = _confirm(
                d.sensed, decision, record.at, d.started_at, d.t0, gate, rider, claimed
            )
            if refusal is None:
                record.lane, record.at = settled, passed_at
        if refusal is not None:
            record.outcome = TaglessWindow.Outcome.REFUSED
            record.reason = refusal
            flag = {"kind": "flagged", "reason": record.reason, "lane": record.lane}
            decided.append((index, record, {"event_id": record.event_id, "gate": gate.code, **flag}))
            continue
        kind = GateEvent.Kind.ENTRY if decision.direction == "in" else GateEvent.Kind.EXIT
        record.rider = rider
        record.outcome = TaglessWindow.Outcome.CHARGED
        earlier = GateEvent.objects.filter(
            rider=rider, kind=kind, at__gte=record.at - SAME_PASSAGE, at__lte=record.at + SAME_PASSAGE
        ).first()
        same = [e for r, k2, a, e in passages if r == rider.pk and k2 == kind and abs(a - record.at) <= SAME_PASSAGE]
        if earlier is not None or same:
            record.outcome = TaglessWindow.Outcome.MERGED
            record.event_id = earlier.event_id if earlier is not None else same[0]
            decided.append((index, record, None))
            continue
        passages.append((rider.pk, kind, record.at, record.event_id))
        item_out = {"event_id": record.event_id, "gate": gate.code, "rider": rider.account, "kind": kind}
        decided.append((index, record, {**item_out, "source": "tagless", "lane": record.lane}))
    decided.sort(key=lambda entry: entry[0])  # events in the order their windows came

    derived = [(index, record, ev) for index, record, ev in decided if ev is not None]
    with transaction.atomic():
        for _, record, ev in derived:
            assert ev is not None  # noqa: S101
            ev["at"] = record.at.isoformat()
        ingested = ingest_events([ev for _, _, ev in derived], actor=actor, now=now) if derived else IngestResult()
        failed = {}
        for bad in ingested.rejected:
            index, record, _ = derived[bad["index"]]
            failed[record.window_id] = bad
            reason = MetroError.DERIVED_EVENT.message(reason=f"{bad['event_id']}: {bad['reason']}")
            result.reject(index, record.window_id, bad["field"], reason, bad["code"])
        keep = {r.window_id: r for _, r, _ in decided if r.window_id not in failed}
        TaglessWindow.objects.bulk_create(keep.values(), ignore_conflicts=True)
        stored = dict(TaglessWindow.objects.filter(window_id__in=keep).values_list("window_id", "content_hash"))
        for index, record, _ in decided:
            if record.window_id in failed:
                continue
            found = stored.get(record.window_id)
            if found != record.content_hash:
                error = MetroError.NOT_STORED if found is None else MetroError.CONFLICT
                result.refuse(index, record.window_id, "window_id", error)
                continue
            if record.outcome == TaglessWindow.Outcome.CHARGED:
                result.charged += 1
            elif record.outcome == TaglessWindow.Outcome.MERGED:
                result.merged += 1
            else:
                result.refused += 1
            result.outcomes.append(
                {
                    "index": index,
                    "window_id": record.window_id,
                    "outcome": record.outcome,
                    "event_id": record.event_id,
                    "reason": record.reason or None,
                    "lane": record.lane,
                    "direction": record.direction or None,
                }
            )
        result.outcomes.sort(key=lambda o: o["index"])
        result.rejected.sort(key=lambda r: r["index"])
        audit.record(
            MetroEvent.WINDOWS_INGESTED,
            actor=actor,
            new={
                "charged": result.charged,
                "merged": result.merged,
                "refused": result.refused,
                "duplicates": result.duplicates,
                "rejected": len(result.rejected),
            },
        )
    if result.rejected:
        log.warning("tagless windows rejected: %s", result.rejected[:20])
    return result
