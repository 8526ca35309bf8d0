"""Every write of the metro service.

Gate events are accepted at most once by event id; each accepted batch rebuilds the affected
riders' journeys from all their events and reconciles the ledger (engine/ledger.py), under a
per-rider row lock, so charges are exactly once whatever the arrival order or duplication.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from seoul.core import audit
from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.metro.engine import data
from seoul.metro.engine.fares import FareError, Leg, SubwayTrip, price_journey, price_subway
from seoul.metro.engine.journeys import (
    MAX_JOURNEY,
    JourneyDraft,
    Status,
    Tap,
    apply_caps,
    build_journeys,
    chain_legs,
)
from seoul.metro.engine.journeys import BusRide as BusRide_
from seoul.metro.engine.ledger import REFUNDS, RIDER, reconcile
from seoul.metro.engine.network import UNREACHABLE
from seoul.metro.engine.tagless import DetectorConfig, GateArray, ReadingWindow, detect
from seoul.metro.events import MetroEvent
from seoul.metro.models import (
    BusRide,
    Dispute,
    FlaggedPassage,
    Gate,
    GateEvent,
    GateHourCount,
    GateHourRollup,
    Journey,
    LedgerEntry,
    LedgerTransaction,
    RevenueRollup,
    RevenueRollupRow,
    Rider,
    RiderPass,
    TaglessWindow,
    activity_by_gate,
)

log = logging.getLogger("seoul.metro")

MAX_BATCH = 5000
FUTURE_TOLERANCE = timedelta(minutes=5)
EARLIEST = datetime(2015, 6, 27, tzinfo=SEOUL)


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


def _content_hash(item: Mapping[str, Any]) -> str:
    keep = {k: item.get(k) for k in ("gate", "rider", "kind", "at", "source", "lane")}
    if item.get("kind") == "bus":
        keep |= {k: item.get(k) for k in ("mode", "route", "alight_at", "distance_m")}
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()


def _time(value: Any, now: datetime) -> datetime:
    """An accepted event time: ISO 8601 with an offset, not before the first tariff and not
    more than 5 minutes ahead of the receiving clock. ValueError says what is wrong."""
    try:
        at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"not an ISO date-time with offset: '{value}'") from None
    if at.tzinfo is None:
        raise ValueError("needs a time zone offset, e.g. 2026-11-25T08:10:00+09:00")
    if at > now + FUTURE_TOLERANCE:
        raise ValueError("more than 5 minutes in the future")
    if at < EARLIEST:
        raise ValueError("before the earliest tariff (2015-06-27)")
    return at


def _store(model: Any, fresh: Mapping[str, Any], result: IngestResult, reject: Any, ids: list[str]) -> None:
    """Insert new events, then compare what is stored: another batch may have stored the same
    id in the meantime, and only the same content counts as accepted."""
    model.objects.bulk_create(fresh.values(), ignore_conflicts=True)
    stored = dict(model.objects.filter(event_id__in=fresh).values_list("event_id", "content_hash"))
    for event_id, obj in fresh.items():
        if stored.get(event_id) == obj.content_hash:
            result.accepted += 1
            if getattr(obj, "rider_id", None) is not None:
                times = (obj.board_at, obj.alight_at) if isinstance(obj, BusRide) else (obj.at,)
                result.touch(obj.rider_id, *times)
        else:
            reject(ids.index(event_id), event_id, "event_id", "already received with different content")


def ingest_events(
    actor: User | None, items: Sequence[Mapping[str, Any]], *, now: datetime | None = None
) -> IngestResult:
    """Accept new gate events; report each bad item (index, event id, field, reason).

    Good items are stored even when others in the batch are bad; an event id seen before with
    the same content is a harmless duplicate, with different content it is rejected.
    """
    now = now or timezone.now()
    result = IngestResult()
    if len(items) > MAX_BATCH:
        raise ValidationError({"events": f"at most {MAX_BATCH} events per batch (got {len(items)})"})
    gates = {g.code: g for g in Gate.objects.filter(code__in={str(i.get("gate")) for i in items})}
    riders = {r.account: r for r in Rider.objects.filter(account__in={str(i.get("rider")) for i in items})}
    ids = [str(i.get("event_id", "")) for i in items]
    known = dict(GateEvent.objects.filter(event_id__in=ids).values_list("event_id", "content_hash"))
    known |= dict(BusRide.objects.filter(event_id__in=ids).values_list("event_id", "content_hash"))
    known |= dict(FlaggedPassage.objects.filter(event_id__in=ids).values_list("event_id", "content_hash"))
    fresh: dict[str, GateEvent] = {}
    fresh_bus: dict[str, BusRide] = {}
    fresh_flags: dict[str, FlaggedPassage] = {}

    def reject(index: int, event_id: str, field_name: str, reason: str) -> None:
        result.rejected.append({"index": index, "event_id": event_id, "field": field_name, "reason": reason})

    for index, item in enumerate(items):
        event_id = str(item.get("event_id", "")).strip()
        if not event_id or len(event_id) > 64:
            reject(index, event_id, "event_id", "required, at most 64 characters")
            continue
        digest = _content_hash(item)
        pending = fresh.get(event_id) or fresh_bus.get(event_id) or fresh_flags.get(event_id)
        seen = known.get(event_id) or (pending.content_hash if pending is not None else None)
        if seen is not None:
            if seen == digest:
                result.duplicates += 1
            else:
                reject(index, event_id, "event_id", "already received with different content")
            continue
        if item.get("kind") == "bus":
            bus = _bus_ride(item, event_id, digest, riders, now, reject, index)
            if bus is not None:
                fresh_bus[event_id] = bus
            continue
        gate = gates.get(str(item.get("gate")))
        if gate is None:
            reject(index, event_id, "gate", f"unknown gate '{item.get('gate')}'")
            continue
        if item.get("kind") == "flagged":
            try:
                flag_at = _time(item.get("at"), now)
            except ValueError as exc:
                reject(index, event_id, "at", str(exc))
                continue
            reason = str(item.get("reason", "")).strip()[:40]
            if not reason:
                reject(index, event_id, "reason", "a flagged passage needs the detector's reason")
                continue
            fresh_flags[event_id] = FlaggedPassage(
                event_id=event_id, gate=gate, at=flag_at, lane=item.get("lane"), reason=reason, content_hash=digest
            )
            continue
        rider = riders.get(str(item.get("rider")))
        if rider is None:
            reject(index, event_id, "rider", f"unknown rider account '{item.get('rider')}'")
            continue
        kind = item.get("kind")
        if kind not in GateEvent.Kind.values:
            reject(index, event_id, "kind", "must be 'entry', 'exit' or 'flagged'")
            continue
        try:
            at = _time(item.get("at"), now)
        except ValueError as exc:
            reject(index, event_id, "at", str(exc))
            continue
        source = item.get("source", GateEvent.Source.TAGLESS)
        if source not in GateEvent.Source.values:
            reject(index, event_id, "source", "must be 'tagless' or 'card'")
            continue
        lane = item.get("lane")
        if lane is not None and (not isinstance(lane, int) or not 0 <= lane < 100):
            reject(index, event_id, "lane", "a whole number from 0 to 99")
            continue
        fresh[event_id] = GateEvent(
            event_id=event_id, gate=gate, rider=rider, kind=kind, at=at, source=source, lane=lane, content_hash=digest
        )
    with transaction.atomic():
        _store(GateEvent, fresh, result, reject, ids)
        _store(BusRide, fresh_bus, result, reject, ids)
        _store(FlaggedPassage, fresh_flags, result, reject, ids)
        audit.record(
            MetroEvent.EVENTS_INGESTED,
            actor=actor,
            new={"accepted": result.accepted, "duplicates": result.duplicates, "rejected": len(result.rejected)},
        )
    if result.rejected:
        log.warning("gate events rejected: %s", result.rejected[:20])
    for rider_id in sorted(result.riders):
        rebuild_rider(rider_id, now=now, touched=result.spans[rider_id])
    return result


# --- tagless windows: beacon readings -> a gate event or a flagged passage ------------------

MAX_WINDOWS = 100
MAX_READINGS = 5000
WINDOW_PREFIX = "tw:"
MAX_WINDOW_ID = 64 - len(WINDOW_PREFIX)
READING_SLACK = (2.0, 12.0)  # readings may lie this many seconds before t0 / after t0
SAME_PASSAGE = timedelta(seconds=2)
SENSOR_MATCH = timedelta(seconds=1)  # a lane sensor passage confirms a crossing this close to it
MAX_SENSOR_PASSAGES = 50
_WINDOW_KEYS = ("gate", "rider", "started_at", "t0", "t", "beacon", "rssi", "uwb_t", "uwb_anchor", "uwb_range")


@dataclass
class WindowResult:
    charged: int = 0
    merged: int = 0
    refused: int = 0
    duplicates: int = 0
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)


class _Bad(ValueError):
    def __init__(self, field_name: str, reason: str):
        super().__init__(reason)
        self.field = field_name


def _window_hash(item: Mapping[str, Any]) -> str:
    keep = {k: item.get(k) for k in _WINDOW_KEYS}
    if "passages" in item:  # only when sent, so windows stored before sensors keep their hash
        keep["passages"] = item["passages"]
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()


def _numbers(item: Mapping[str, Any], key: str, *, lo: float, hi: float, whole: bool = False) -> list[float]:
    value = item.get(key, [])
    if not isinstance(value, list):
        raise _Bad(key, "a list of numbers")
    if len(value) > MAX_READINGS:
        raise _Bad(key, f"at most {MAX_READINGS} readings per window (got {len(value)})")
    out = []
    for x in value:
        if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
            raise _Bad(key, "a list of numbers")
        if whole and x != int(x):
            raise _Bad(key, "whole numbers only")
        if not lo <= x <= hi:
            raise _Bad(key, f"values from {lo:g} to {hi:g}")
        out.append(float(x))
    return out


def _reading_window(item: Mapping[str, Any], gate: Gate, started_at: datetime, now: datetime) -> ReadingWindow:
    """The engine's ReadingWindow from a posted item; _Bad names the field that is wrong."""
    t0 = item.get("t0")
    if isinstance(t0, bool) or not isinstance(t0, int | float) or not math.isfinite(t0):
        raise _Bad("t0", "the window start on the phone's clock, in seconds")
    lo, hi = t0 - READING_SLACK[0], t0 + READING_SLACK[1]
    t = _numbers(item, "t", lo=lo, hi=hi)
    beacon = _numbers(item, "beacon", lo=0, hi=4 * gate.lanes - 1, whole=True)
    rssi = _numbers(item, "rssi", lo=-127, hi=20)
    if not len(t) == len(beacon) == len(rssi):
        raise _Bad("t", "t, beacon and rssi must have the same length")
    if not t:
        raise _Bad("t", "a window needs beacon readings")
    uwb_t = _numbers(item, "uwb_t", lo=lo, hi=hi)
    uwb_anchor = _numbers(item, "uwb_anchor", lo=0, hi=gate.lanes, whole=True)
    uwb_range = _numbers(item, "uwb_range", lo=0, hi=50)
    if not len(uwb_t) == len(uwb_anchor) == len(uwb_range):
        raise _Bad("uwb_t", "uwb_t, uwb_anchor and uwb_range must have the same length")
    last = max(t + uwb_t)
    if started_at + timedelta(seconds=last - t0) > now + FUTURE_TOLERANCE:
        raise _Bad("t", "readings more than 5 minutes in the future")
    return ReadingWindow(float(t0), t, beacon, rssi, uwb_t, uwb_anchor, uwb_range)  # type: ignore[arg-type]


def _sensor_passages(item: Mapping[str, Any], gate: Gate, now: datetime) -> list[tuple[int, datetime]] | None:
    """The lane passage sensor's detections the controller sent with the window (lane, time on
    the controller's clock), or None when it sent none."""
    value = item.get("passages")
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_SENSOR_PASSAGES:
        raise _Bad("passages", f"a list of at most {MAX_SENSOR_PASSAGES} {{lane, at}} objects")
    out = []
    for p in value:
        lane = p.get("lane") if isinstance(p, dict) else None
        if isinstance(lane, bool) or not isinstance(lane, int) or not 0 <= lane < gate.lanes:
            raise _Bad("passages", f"each passage needs a lane from 0 to {gate.lanes - 1}")
        try:
            out.append((lane, _time(p.get("at"), now)))
        except ValueError as exc:
            raise _Bad("passages", f"at: {exc}") from None
    return out


def _unconfirmed(
    sensed: list[tuple[int, datetime]] | None,
    lane: int | None,
    at: datetime,
    gate: Gate,
    rider: Rider,
    claimed: dict[tuple[str, int, datetime], int],
) -> str | None:
    """Why a crossing the detector would charge is not confirmed by the lane's own passage
    sensor, or None when it is (or when sensors are not required and the controller sent none).
    A sensor passage confirms one phone: a second phone on it (tailgating, or a bystander whose
    readings look alike) is refused."""
    if sensed is None:
        return "no passage sensor data from the gate" if settings.SEOUL_METRO_TAGLESS_REQUIRE_SENSOR else None
    match = [a for lane_seen, a in sensed if lane_seen == lane and abs(a - at) <= SENSOR_MATCH]
    if lane is None or not match:
        return f"no passage in lane {lane} within {SENSOR_MATCH.total_seconds():g} s"
    passage = min(match, key=lambda a: abs(a - at))
    other = claimed.get((gate.code, lane, passage))
    taken = (
        GateEvent.objects.filter(gate=gate, lane=lane, source=GateEvent.Source.TAGLESS, at__gte=passage - SENSOR_MATCH)
        .filter(at__lte=passage + SENSOR_MATCH)
        .exclude(rider=rider)
        .exists()
    )
    if taken or (other is not None and other != rider.pk):
        return "one lane passage, two phones"
    claimed[(gate.code, lane, passage)] = rider.pk
    return None


def ingest_windows(
    actor: User | None, items: Sequence[Mapping[str, Any]], *, now: datetime | None = None
) -> WindowResult:
    """Run the tagless detector on windows of beacon readings posted by gate controllers.

    Each window (one phone at one gate, see docs/metro-tagless.md "Ingestion") becomes either
    an entry/exit gate event of that rider at that gate, or a flagged passage with the
    detector's refusal reason; both go through :func:`ingest_events`, so journeys and the
    ledger stay exactly-once. A refused window never charges anyone. A window id seen before
    with the same content is a duplicate, with different content it is rejected. A charged
    passage of the same rider and direction within 2 s of one already recorded (overlapping
    windows of one passage) is merged into it instead of recorded twice. A crossing is charged
    only when the lane's passage sensor saw a passage within 1 s (``_unconfirmed``), unless
    ``SEOUL_METRO_TAGLESS_REQUIRE_SENSOR`` is off and the controller sent no sensor data.
    """
    now = now or timezone.now()
    result = WindowResult()
    claimed: dict[tuple[str, int, datetime], int] = {}
    if len(items) > MAX_WINDOWS:
        raise ValidationError({"windows": f"at most {MAX_WINDOWS} windows per batch (got {len(items)})"})
    gates = {g.code: g for g in Gate.objects.filter(code__in={str(i.get("gate")) for i in items})}
    riders = {r.account: r for r in Rider.objects.filter(account__in={str(i.get("rider")) for i in items})}
    ids = [str(i.get("window_id", "")).strip() for i in items]
    known = dict(TaglessWindow.objects.filter(window_id__in=ids).values_list("window_id", "content_hash"))
    pending: dict[str, str] = {}
    config = DetectorConfig()
    # (window index, TaglessWindow to store, derived gate-event item or None when merged)
    decided: list[tuple[int, TaglessWindow, dict[str, Any] | None]] = []
    passages: list[tuple[int, str, datetime, str]] = []  # (rider id, kind, at, event id) charged in this batch

    def reject(index: int, window_id: str, field_name: str, reason: str) -> None:
        result.rejected.append({"index": index, "window_id": window_id, "field": field_name, "reason": reason})

    for index, item in enumerate(items):
        window_id = ids[index]
        if not window_id or len(window_id) > MAX_WINDOW_ID:
            reject(index, window_id, "window_id", f"required, at most {MAX_WINDOW_ID} characters")
            continue
        digest = _window_hash(item)
        seen = known.get(window_id) or pending.get(window_id)
        if seen is not None:
            if seen == digest:
                result.duplicates += 1
                result.outcomes.append({"index": index, "window_id": window_id, "outcome": "duplicate"})
            else:
                reject(index, window_id, "window_id", "already received with different content")
            continue
        gate = gates.get(str(item.get("gate")))
        if gate is None or not gate.tagless:
            reject(index, window_id, "gate", f"unknown or not a tagless gate '{item.get('gate')}'")
            continue
        rider = riders.get(str(item.get("rider")))
        if rider is None:
            reject(index, window_id, "rider", f"unknown rider account '{item.get('rider')}'")
            continue
        try:
            started_at = _time(item.get("started_at"), now)
        except ValueError as exc:
            reject(index, window_id, "started_at", str(exc))
            continue
        try:
            window = _reading_window(item, gate, started_at, now)
            sensed = _sensor_passages(item, gate, now)
        except _Bad as exc:
            reject(index, window_id, exc.field, str(exc))
            continue
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
        refusal = (
            (decision.reason or "refused")
            if not decision.charged
            else _unconfirmed(sensed, decision.lane_id, record.at, gate, rider, claimed)
        )
        if refusal is not None:
            record.outcome = TaglessWindow.Outcome.REFUSED
            record.reason = refusal
            flag = {"kind": "flagged", "reason": record.reason, "lane": decision.lane_id}
            decided.append((index, record, {"event_id": record.event_id, "gate": gate.code, **flag}))
            continue
        kind = GateEvent.Kind.ENTRY if decision.direction == "in" else GateEvent.Kind.EXIT
        record.rider = rider
        record.outcome = TaglessWindow.Outcome.CHARGED
        earlier = GateEvent.objects.filter(
            rider=rider, kind=kind, at__gte=record.at - SAME_PASSAGE, at__lte=record.at + SAME_PASSAGE
        ).first()
        same = [e for r, k, a, e in passages if r == rider.pk and k == kind and abs(a - record.at) <= SAME_PASSAGE]
        if earlier is not None or same:
            record.outcome = TaglessWindow.Outcome.MERGED
            record.event_id = earlier.event_id if earlier is not None else same[0]
            decided.append((index, record, None))
            continue
        passages.append((rider.pk, kind, record.at, record.event_id))
        item_out = {"event_id": record.event_id, "gate": gate.code, "rider": rider.account, "kind": kind}
        decided.append((index, record, {**item_out, "source": "tagless", "lane": decision.lane_id}))

    derived = [(index, record, ev) for index, record, ev in decided if ev is not None]
    with transaction.atomic():
        for _, record, ev in derived:
            assert ev is not None  # noqa: S101
            ev["at"] = record.at.isoformat()
        ingested = ingest_events(actor, [ev for _, _, ev in derived], now=now) if derived else IngestResult()
        failed = {}
        for bad in ingested.rejected:
            index, record, _ = derived[bad["index"]]
            failed[record.window_id] = bad
            reject(index, record.window_id, bad["field"], f"gate event {bad['event_id']}: {bad['reason']}")
        keep = {r.window_id: r for _, r, _ in decided if r.window_id not in failed}
        TaglessWindow.objects.bulk_create(keep.values(), ignore_conflicts=True)
        stored = dict(TaglessWindow.objects.filter(window_id__in=keep).values_list("window_id", "content_hash"))
        for index, record, _ in decided:
            if record.window_id in failed:
                continue
            if stored.get(record.window_id) != record.content_hash:
                reject(index, record.window_id, "window_id", "already received with different content")
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


def _post(
    rider: Rider,
    key: str,
    kind: str,
    amount: int,
    entries: Sequence[tuple[str, int]],
    *,
    journey_key: str = "",
    memo: str = "",
) -> LedgerTransaction:
    """The one way into the ledger: a transaction whose entries balance, posted once by key."""
    if sum(m for _, m in entries) != 0:
        raise ValueError(f"ledger transaction {key} does not balance: {entries}")
    txn = LedgerTransaction.objects.create(
        key=key, kind=kind, rider=rider, journey_key=journey_key, amount=amount, memo=memo
    )
    LedgerEntry.objects.bulk_create(LedgerEntry(transaction=txn, account=a, amount=m) for a, m in entries)
    return txn


def _bus_ride(
    item: Mapping[str, Any],
    event_id: str,
    digest: str,
    riders: Mapping[str, Rider],
    now: datetime,
    reject: Any,
    index: int,
) -> BusRide | None:
    """Validate a ``kind: "bus"`` item (a ride reported by the bus fare system)."""
    rider = riders.get(str(item.get("rider")))
    if rider is None:
        reject(index, event_id, "rider", f"unknown rider account '{item.get('rider')}'")
        return None
    mode = item.get("mode")
    if mode not in BusRide.Mode.values:
        reject(index, event_id, "mode", f"one of {', '.join(BusRide.Mode.values)}")
        return None
    route = str(item.get("route", "")).strip()
    if not route or len(route) > 20:
        reject(index, event_id, "route", "required, at most 20 characters")
        return None
    times = {}
    for key in ("at", "alight_at"):
        try:
            times[key] = _time(item.get(key), now)
        except ValueError as exc:
            reject(index, event_id, key, str(exc))
            return None
    board_at, alight_at = times["at"], times["alight_at"]
    if not board_at <= alight_at <= board_at + timedelta(hours=5):
        reject(index, event_id, "alight_at", "must be after boarding and within 5 hours")
        return None
    metres = item.get("distance_m")
    if not isinstance(metres, int) or not 0 <= metres <= 200_000:
        reject(index, event_id, "distance_m", "whole metres from 0 to 200,000")
        return None
    return BusRide(
        event_id=event_id,
        rider=rider,
        mode=mode,
        route=route,
        board_at=board_at,
        alight_at=alight_at,
        metres=metres,
        content_hash=digest,
    )


@lru_cache(maxsize=4096)
def maximum_fare(station: str, category: str, on: date) -> tuple[int, str]:
    """The highest fare from (or to) ``station``: charged for an incomplete journey."""
    net, tariffs = data.network(), data.tariffs()
    row = net.integrated[net.station(station)]
    reachable = [(int(m), net.names[i]) for i, m in enumerate(row) if m < UNREACHABLE]
    _, farthest = max(reachable)
    at = datetime(on.year, on.month, on.day, 12, tzinfo=SEOUL)
    return price_subway(net, tariffs, SubwayTrip(station, farthest), category=category, at=at).fare, farthest


def _price_incomplete(draft: JourneyDraft, rider: Rider) -> tuple[int, dict[str, Any]] | None:
    """Incomplete journeys pay the maximum fare; journeys in progress are not charged yet."""
    if draft.status == Status.IN_PROGRESS:
        return None
    tap = draft.entry or draft.exit
    assert tap is not None  # noqa: S101
    fare, farthest = maximum_fare(tap.station, rider.category, tap.at.astimezone(SEOUL).date())
    return fare, {"policy": str(draft.status), "maximum_fare_to": farthest, "fare": fare}


def _units(drafts: list[JourneyDraft], rides: list[BusRide_]) -> list[tuple[JourneyDraft, list[Leg] | None]]:
    """What gets charged: incomplete subway journeys alone (no legs), and chains of complete
    subway journeys and bus rides under the integrated transfer rules."""
    by_key = {d.key: d for d in drafts}
    units: list[tuple[JourneyDraft, list[Leg] | None]] = [(d, None) for d in drafts if d.status != Status.COMPLETE]
    for chain in chain_legs(drafts, rides, data.tariffs()):
        subway = [by_key[leg.ref] for leg in chain if leg.mode == "subway"]
        if len(chain) == 1 and subway:
            units.append((subway[0], chain))
            continue
        draft = JourneyDraft(
            chain[0].ref,
            Status.COMPLETE,
            subway[0].entry if subway else None,
            subway[-1].exit if subway else None,
            start=chain[0].board_at,
        )
        units.append((draft, chain))
    return units


def _price_chain(chain: list[Leg], rider: Rider) -> tuple[int, dict[str, Any]]:
    net, tariffs = data.network(), data.tariffs()
    if len(chain) == 1 and chain[0].subway is not None:  # a plain subway journey (card or free)
        b = price_subway(net, tariffs, chain[0].subway, category=rider.category, at=chain[0].board_at)
        return b.fare, b.as_dict()
    priced = price_journey(data.network(), data.tariffs(), chain, category=rider.category)
    breakdown = priced.breakdown.as_dict()
    breakdown["legs"] = [
        {
            "ref": lc.leg.ref,
            "mode": lc.leg.mode,
            "route": lc.leg.bus_route,
            "from": lc.leg.subway.origin if lc.leg.subway else "",
            "to": lc.leg.subway.destination if lc.leg.subway else "",
            "charge": lc.charge,
            "transfer_credit": lc.transfer_credit,
        }
        for lc in priced.legs
    ]
    return priced.total, breakdown


def _local_day(at: datetime) -> tuple[int, int, int]:
    d = at.astimezone(SEOUL).date()
    return (d.year, d.month, d.day)


# --- the bounded rebuild (docs/metro-journeys.md "Bounded rebuild") ---------------------------

# Journeys and transfer chains never span a quiet gap this long in a rider's events: a journey
# lasts at most 5 hours (and its exit may be up to 5 minutes ahead of the clock that judges
# "5 hours have passed"); a transfer waits at most 60 minutes; a bus ride lasts at most 5 hours.
QUIET = MAX_JOURNEY + FUTURE_TOLERANCE + timedelta(minutes=1)


def _cut_before(rider: Rider, t: datetime) -> datetime | None:
    """The latest instant ``c <= t`` such that everything the rider did before ``c`` ended
    more than QUIET before it (so no journey or chain spans ``c``); None: from the start."""
    c = t
    while True:
        found: list[tuple[datetime, datetime]] = []
        tap = GateEvent.objects.filter(rider=rider, at__lt=c).order_by("-at").values_list("at", flat=True).first()
        if tap is not None:
            found.append((tap, tap))
        ride = (
            BusRide.objects.filter(rider=rider, board_at__lt=c)
            .order_by("-alight_at")
            .values_list("board_at", "alight_at")
            .first()
        )
        if ride is not None:
            found.append(ride)
        if not found:
            return None
        start, end = max(found, key=lambda x: x[1])
        if end < c - QUIET:
            return c
        c = start


def _cut_after(rider: Rider, t: datetime) -> datetime | None:
    """The earliest instant ``c > t`` such that everything the rider started before ``c``
    ended more than QUIET before it; None: nothing later (to the end)."""
    end = max(
        [t, *BusRide.objects.filter(rider=rider, board_at__lte=t, alight_at__gt=t).values_list("alight_at", flat=True)]
    )
    cur = t
    while True:
        found: list[tuple[datetime, datetime]] = []
        tap = GateEvent.objects.filter(rider=rider, at__gt=cur).order_by("at").values_list("at", flat=True).first()
        if tap is not None:
            found.append((tap, tap))
        ride = (
            BusRide.objects.filter(rider=rider, board_at__gt=cur)
            .order_by("board_at", "-alight_at")
            .values_list("board_at", "alight_at")
            .first()
        )
        if ride is not None:
            found.append(ride)
        if not found:
            return None
        start = min(x[0] for x in found)
        if start > end + QUIET:
            return start
        end = max([end, *(x[1] for x in found if x[0] == start)])
        cur = start


def _month_start(at: datetime) -> datetime:
    local = at.astimezone(SEOUL)
    return datetime(local.year, local.month, 1, tzinfo=SEOUL)


def _next_month(at: datetime) -> datetime:
    m = _month_start(at)
    return datetime(m.year + m.month // 12, m.month % 12 + 1, 1, tzinfo=SEOUL)


def _rebuild_window(
    rider: Rider, touched: tuple[datetime, datetime], capped: bool
) -> tuple[datetime | None, datetime | None]:
    """``[lo, hi)`` of event times whose journeys a change in ``touched`` can affect.

    Both ends are quiet gaps (no journey or chain spans them), an entry that was still in
    progress is inside (its status depends on the clock), and with caps the window runs on to the end
    of the last affected month (later journeys of that month may now hit the cap sooner or
    later); what the month spent before ``lo`` is carried in (:func:`_spent_before`).
    """
    lo, hi = touched
    # Only the rider's last tap can be a journey in progress (an earlier open entry is closed
    # by the tap after it). In progress means uncharged, so no journey row holds it yet.
    last = GateEvent.objects.filter(rider=rider).order_by("-at", "-event_id").values_list("pk", "kind", "at").first()
    open_entry = last is not None and last[1] == GateEvent.Kind.ENTRY
    if open_entry and not Journey.objects.filter(entry_id=last[0], superseded=False).exists():  # type: ignore[index]
        lo, hi = min(lo, last[2]), max(hi, last[2])  # type: ignore[index]
    start, stop = _cut_before(rider, lo), _cut_after(rider, hi)
    if capped and stop is not None:
        stop = _cut_after(rider, _next_month(stop))
    return start, stop


def _spent_before(rider: Rider, start: datetime) -> tuple[dict[tuple[int, int, int], int], dict[tuple[int, int], int]]:
    """What the rider was charged per local day and month from the start of ``start``'s month
    up to ``start``: the cap room already used before a bounded rebuild's window."""
    by_day: dict[tuple[int, int, int], int] = {}
    by_month: dict[tuple[int, int], int] = {}
    rows = Journey.objects.filter(
        rider=rider, superseded=False, started_at__gte=_month_start(start), started_at__lt=start
    ).values_list("started_at", "charge")
    for at, charge in rows:
        day = _local_day(at)
        by_day[day] = by_day.get(day, 0) + charge
        month = (day[0], day[1])
        by_month[month] = by_month.get(month, 0) + charge
    return by_day, by_month


def _between(name: str, start: datetime | None, stop: datetime | None) -> Q:
    q = Q()
    if start is not None:
        q &= Q(**{f"{name}__gte": start})
    if stop is not None:
        q &= Q(**{f"{name}__lt": stop})
    return q


def rebuild_rider(
    rider_id: int, *, now: datetime | None = None, touched: tuple[datetime, datetime] | None = None
) -> dict[str, int]:
    """Recompute the rider's journeys and post the ledger differences.

    ``touched`` is the span of event times that changed (new events, a pass month): only the
    journeys those can affect are rebuilt (:func:`_rebuild_window`); the result is the same as
    rebuilding from all events, which ``touched=None`` does.
    """
    now = now or timezone.now()
    caps = data.tariffs().raw.get("caps", {})
    daily_cap = getattr(settings, "SEOUL_METRO_DAILY_CAP", None) or caps.get("daily")
    monthly_cap = getattr(settings, "SEOUL_METRO_MONTHLY_CAP", None) or caps.get("monthly")
    with transaction.atomic():
        rider = Rider.objects.select_for_update().get(pk=rider_id)
        start, stop = (None, None)
        if touched is not None:
            start, stop = _rebuild_window(rider, touched, daily_cap is not None or monthly_cap is not None)
        span, bus_span, journey_span = (_between(f, start, stop) for f in ("at", "board_at", "started_at"))
        events = list(GateEvent.objects.filter(span, rider=rider).select_related("gate"))
        by_id = {e.event_id: e for e in events}
        taps = [Tap(e.event_id, e.kind, e.gate.station, e.gate.line, e.at) for e in events]
        drafts = build_journeys(taps, now)
        rides = [
            BusRide_(b.event_id, b.mode, b.route, b.board_at, b.alight_at, b.metres)
            for b in BusRide.objects.filter(bus_span, rider=rider)
        ]
        priced = []
        for draft, chain in _units(drafts, rides):
            try:
                p = _price_incomplete(draft, rider) if chain is None else _price_chain(chain, rider)
            except FareError as exc:
                log.warning("journey %s of rider %s cannot be priced: %s", draft.key, rider.account, exc)
                p = (0, {"error": str(exc)})
            if p is not None:
                priced.append((draft, p[0], p[1]))
        fare_of = {draft.key: fare for draft, fare, _ in priced}
        pass_months = {(m.year, m.month) for m in rider.passes.values_list("month", flat=True)}
        covered = []
        for draft, fare, breakdown in priced:
            d = _local_day(draft.started_at)
            uses_separate = bool(breakdown.get("separate_surcharges"))
            if (d[0], d[1]) in pass_months and not uses_separate and draft.status == Status.COMPLETE:
                covered.append((draft, 0, {**breakdown, "covered_by": "climate_card", "fare_without_pass": fare}))
            else:
                covered.append((draft, fare, breakdown))
        spent_day, spent_month = _spent_before(rider, start) if start is not None else ({}, {})
        charged = apply_caps(
            covered,
            daily_cap=daily_cap,
            monthly_cap=monthly_cap,
            local_day=_local_day,
            spent_day=spent_day,
            spent_month=spent_month,
        )
        desired: dict[str, int] = {}
        seen_keys = set()
        for c in charged:
            draft = c.draft
            seen_keys.add(draft.key)
            Journey.objects.update_or_create(
                key=draft.key,
                defaults={
                    "rider": rider,
                    "status": draft.status,
                    "entry": by_id.get(draft.entry.event_id) if draft.entry else None,
                    "exit": by_id.get(draft.exit.event_id) if draft.exit else None,
                    "started_at": draft.started_at,
                    "fare": fare_of[draft.key],
                    "charge": c.charge,
                    "breakdown": c.breakdown,
                    "superseded": False,
                },
            )
            desired[draft.key] = c.charge
        # Journeys that the events no longer produce: their charges are reversed to zero.
        in_window = Journey.objects.filter(journey_span, rider=rider)
        in_window.exclude(key__in=seen_keys).update(superseded=True, charge=0)
        keys = set(in_window.values_list("key", flat=True)) | seen_keys
        sums = (
            LedgerTransaction.objects.filter(rider=rider, kind=LedgerTransaction.Kind.CHARGE, journey_key__in=keys)
            .values("journey_key")
            .annotate(total=Sum("amount"), n=Count("id"))
        )
        posted = {r["journey_key"]: r["total"] for r in sums}
        revision = {r["journey_key"]: r["n"] for r in sums}
        postings = reconcile(f"{RIDER}:{rider.account}", desired, posted, revision)
        for posting in postings:
            _post(
                rider,
                posting.key,
                LedgerTransaction.Kind.CHARGE,
                posting.amount,
                posting.entries,
                journey_key=posting.journey,
                memo="journey charge" if posting.amount > 0 else "journey charge corrected",
            )
        if postings:
            audit.record(
                MetroEvent.JOURNEYS_CHARGED,
                target=rider,
                new={"postings": [{"key": p.key, "amount": p.amount} for p in postings]},
                service="metro",
            )
    return {"journeys": len(desired), "postings": len(postings)}


def open_dispute(user: User, journey: Journey, reason: str) -> Dispute:
    rider = getattr(user, "rider", None)
    if rider is None or journey.rider_id != rider.pk:
        raise PermissionDenied("riders dispute only their own journeys")
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationError({"reason": "Describe what went wrong in at least 5 characters."})
    with transaction.atomic():
        if journey.disputes.filter(status=Dispute.Status.OPEN).exists():
            raise ValidationError({"reason": "This journey already has an open dispute."})
        dispute = Dispute.objects.create(journey=journey, rider=rider, reason=reason[:2000])
        audit.record(
            MetroEvent.DISPUTE_OPENED, actor=user, target=journey, new={"dispute": dispute.pk, "reason": reason[:200]}
        )
    return dispute


def resolve_dispute(staff: User, dispute: Dispute, *, refund: int, resolution: str) -> Dispute:
    """Refund up to what the journey was charged (less earlier refunds), or reject. Audited."""
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update(of=("self",)).select_related("journey", "rider").get(pk=dispute.pk)
        if dispute.status != Dispute.Status.OPEN:
            raise ValidationError({"dispute": "This dispute is already resolved."})
        refunded = (
            LedgerTransaction.objects.filter(
                journey_key=dispute.journey.key, kind=LedgerTransaction.Kind.REFUND
            ).aggregate(s=Sum("amount"))["s"]
            or 0
        )
        room = dispute.journey.charge + refunded  # refunds are negative amounts
        if refund < 0 or refund > room:
            raise ValidationError({"refund": f"The refund must be between 0 and {room} won."})
        if len(resolution.strip()) < 5:
            raise ValidationError({"resolution": "Explain the decision in at least 5 characters."})
        if refund:
            rider_account = f"{RIDER}:{dispute.rider.account}"
            _post(
                dispute.rider,
                f"refund:dispute:{dispute.pk}",
                LedgerTransaction.Kind.REFUND,
                -refund,
                [(rider_account, -refund), (REFUNDS, refund)],
                journey_key=dispute.journey.key,
                memo=f"refund for dispute {dispute.pk}",
            )
        dispute.status = Dispute.Status.REFUNDED if refund else Dispute.Status.REJECTED
        dispute.refund = refund
        dispute.resolution = resolution.strip()[:2000]
        dispute.resolved_by = staff
        dispute.resolved_at = timezone.now()
        dispute.save()
        audit.record(
            MetroEvent.DISPUTE_RESOLVED,
            actor=staff,
            target=dispute.journey,
            old={"status": Dispute.Status.OPEN},
            new={"status": dispute.status, "refund": refund, "dispute": dispute.pk},
        )
    return dispute


def buy_pass(user: User | None, rider: Rider, month: date, *, now: datetime | None = None) -> RiderPass:
    product = data.tariffs().raw["products"]["climate_card"]
    first = month.replace(day=1)
    with transaction.atomic():
        bought, created = RiderPass.objects.get_or_create(
            rider=rider, product="climate_card", month=first, defaults={"price": product["price"]}
        )
        if created:
            price = product["price"]
            _post(
                rider,
                f"pass:{rider.account}:{first:%Y-%m}",
                LedgerTransaction.Kind.PASS,
                price,
                [(f"{RIDER}:{rider.account}", price), ("revenue:passes", -price)],
                memo=f"{product['name_ko']} {first:%Y-%m}",
            )
            audit.record(MetroEvent.PASS_BOUGHT, actor=user, target=rider, new={"month": f"{first:%Y-%m}"})
    if created:
        start = datetime(first.year, first.month, 1, tzinfo=SEOUL)
        rebuild_rider(rider.pk, now=now, touched=(start, _next_month(start)))
    return bought


# --- Scheduled jobs ----------------------------------------------------------------------------


def close_open_entries(*, now: datetime | None = None, lookback: timedelta = timedelta(days=2)) -> dict[str, int]:
    """Rebuild every rider whose entry has had no exit for longer than the 5-hour maximum, so
    the journey is charged by the no-exit policy now rather than at the rider's next tap.

    An entry still in progress has no journey row (it is not charged yet); those older than
    ``MAX_JOURNEY`` and younger than ``lookback`` are looked at. Rebuilding is idempotent, so
    the job may run as often as wanted (every 15 minutes, docs/operations.md)."""
    now = now or timezone.now()
    open_entries = list(
        GateEvent.objects.filter(kind=GateEvent.Kind.ENTRY, at__lt=now - MAX_JOURNEY, at__gte=now - lookback)
        .filter(~Exists(Journey.objects.filter(entry=OuterRef("pk"), superseded=False)))
        .values_list("pk", "rider_id", "at")
    )
    first: dict[int, datetime] = {}
    for _pk, rider_id, at in open_entries:
        first[rider_id] = min(at, first.get(rider_id, at))
    for rider_id, at in sorted(first.items()):
        rebuild_rider(rider_id, now=now, touched=(at, at))
    closed = Journey.objects.filter(
        entry_id__in=[pk for pk, _, _ in open_entries], status=Status.NO_EXIT, superseded=False
    ).count()
    log.info("open entries past %s: %d riders rebuilt, %d journeys without exit", MAX_JOURNEY, len(first), closed)
    return {"riders": len(first), "no_exit_journeys": closed}


# --- Revenue roll-up ---------------------------------------------------------------------------


def roll_up_revenue(days: Sequence[date], *, now: datetime | None = None) -> dict[str, int]:
    """Sum each day's charged journeys per line and entry station into ``RevenueRollup``
    (replacing an earlier roll-up of that day), so the operations page reads a few hundred rows
    per day instead of the day's journeys. Later days than today are refused.

    A roll-up is a snapshot: a change to its day (a journey closing, a late event) shows when
    the day is rolled up again. Jobs re-roll today and yesterday every 10 minutes and the last
    8 days every morning (docs/operations.md)."""
    now = now or timezone.now()
    today = now.astimezone(SEOUL).date()
    wanted = sorted(set(days))
    if wanted and wanted[-1] > today:
        raise ValueError(f"{wanted[-1]} is after today ({today}, Seoul time): nothing to roll up")
    rows = 0
    for day in wanted:
        with transaction.atomic():
            totals = Journey.objects.started_on([day]).revenue_by_day_and_gate()
            RevenueRollup.objects.filter(day=day).delete()
            rollup = RevenueRollup.objects.create(day=day, computed_at=now)
            RevenueRollupRow.objects.bulk_create(
                RevenueRollupRow(
                    rollup=rollup, line=t["line"], station=t["station"], journeys=t["journeys"], won=t["won"] or 0
                )
                for t in totals
            )
        rows += len(totals)
    log.info("revenue rolled up for %d days (%d rows)", len(wanted), rows)
    return {"days": len(wanted), "rows": rows}


def roll_up_gate_hours(hours: Sequence[datetime], *, now: datetime | None = None) -> dict[str, int]:
    """Count each closed hour's gate events and flagged passages per gate into
    ``GateHourRollup`` (replacing an earlier count of that hour), so gate health reads a few
    hundred rows per hour instead of the hour's events. Hours must start on the hour and have
    ended; like the revenue roll-up this is a snapshot, re-rolled by the jobs for late events."""
    now = now or timezone.now()
    wanted = sorted(set(hours))
    for hour in wanted:
        if hour.tzinfo is None or (hour.minute, hour.second, hour.microsecond) != (0, 0, 0):
            raise ValueError(f"{hour} is not the start of an hour (with a time zone)")
        if hour + timedelta(hours=1) > now:
            raise ValueError(f"the hour from {hour} has not ended at {now}")
    rows = 0
    for hour in wanted:
        with transaction.atomic():
            events, flags = activity_by_gate(Q(at__gte=hour, at__lt=hour + timedelta(hours=1)))
            GateHourRollup.objects.filter(hour=hour).delete()
            rollup = GateHourRollup.objects.create(hour=hour, computed_at=now)
            gates = sorted(events.keys() | flags.keys())
            GateHourCount.objects.bulk_create(
                GateHourCount(rollup=rollup, gate_id=g, events=events.get(g, 0), flagged=flags.get(g, 0)) for g in gates
            )
        rows += len(gates)
    log.info("gate activity rolled up for %d hours (%d rows)", len(wanted), rows)
    return {"hours": len(wanted), "rows": rows}
