"""Smart train: sensor batches scored as they arrive, alerts turned into work orders, and the
work orders taken by maintenance staff to a finding (docs/metro-maintenance.md).

A device's batch is checked per reading (shape in ``schemas``; here: the sensor is the device's,
the value within the sensor's physical range, no two readings of a sensor at one time). Readings
at or before a sensor's last accepted one are duplicates (a device resending). The good
readings of each sensor are scored in time order by its detector and health checks, whose state
is stored with the sensor (``engine/maintenance/state.py``); the batch's readings go to the day's
Parquet files. A finding opens a work order, or is counted on the open one of the same sensor and
kind (de-duplication); every third alert on an open order raises its severity one step.

Staff (``maintains_trains``; operators may act) acknowledge, inspect and close with a finding.
A false alarm raises the alert threshold of the asset's sensors by ``THRESHOLD_STEP``.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from seoul.core import audit
from seoul.core.actions import token_hash
from seoul.core.models import User
from seoul.core.roles import Role
from seoul.core.validation import check_text
from seoul.metro import storage
from seoul.metro.engine.maintenance import detector, state, watch
from seoul.metro.engine.maintenance.health import HealthSettings, SensorHealth
from seoul.metro.errors import MetroError
from seoul.metro.events import MetroEvent
from seoul.metro.models import Asset, Sensor, SensorDevice, WorkOrder, WorkOrderEvent, maintains_trains
from seoul.metro.schemas import MAX_SENSOR_BATCH, ReadingItem, check_reading

log = logging.getLogger("seoul.metro")

PROBATION = 750
"""Readings of a new sensor that teach the detector without raising anomaly alerts (NAB's cap
on the probationary period)."""
THRESHOLD_STEP = 0.05
"""How much each false alarm on an asset raises the alert threshold of its sensors."""
DUE = {
    WorkOrder.Severity.HIGH: timedelta(hours=4),
    WorkOrder.Severity.MEDIUM: timedelta(hours=24),
    WorkOrder.Severity.LOW: timedelta(hours=72),
}
ESCALATE_EVERY = 3
"""Alerts on one open order that raise its severity one step."""
_HIGHER = {WorkOrder.Severity.LOW: WorkOrder.Severity.MEDIUM, WorkOrder.Severity.MEDIUM: WorkOrder.Severity.HIGH}
# Unusual readings of these can precede a derailment (a hot axle box, a track fault): high at once.
_SAFETY = {Sensor.Kind.BEARING_TEMPERATURE, Sensor.Kind.TRACK_GEOMETRY}
_COMFORT = {Sensor.Kind.DOOR_CYCLE, Sensor.Kind.COMPRESSOR_PRESSURE}


def detector_settings(sensor: Sensor) -> detector.Settings:
    """The platform's detector settings (NAB's, for a probation of ``PROBATION`` readings), with
    the pattern channel's threshold raised by the asset's false alarms; the other channels fire
    only on something the stream never did, which a false alarm has taught them."""
    base = detector.Settings()
    return replace(base, alert_at=min(1.0, base.alert_at + THRESHOLD_STEP * sensor.asset.false_alarms))


def _health(sensor: Sensor) -> SensorHealth:
    return state.load(SensorHealth(HealthSettings()), bytes(sensor.health_state))


def _watchers(sensor: Sensor) -> tuple[detector.Stream, SensorHealth]:
    stream = state.load(
        detector.Stream(sensor.low, sensor.high, detector_settings(sensor)), bytes(sensor.detector_state)
    )
    return stream, _health(sensor)


def _severity(sensor: Sensor, kind: str) -> WorkOrder.Severity:
    if kind != WorkOrder.Kind.ANOMALY:
        return WorkOrder.Severity.MEDIUM  # a blind sensor: someone has to look within a day
    if sensor.kind in _SAFETY:
        return WorkOrder.Severity.HIGH
    if sensor.kind in _COMFORT:
        return WorkOrder.Severity.LOW
    return WorkOrder.Severity.MEDIUM


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


EVIDENCE_LOOKBACK = timedelta(hours=6)


def _evidence(sensor: Sensor, finding: watch.Finding) -> list[list[float]]:
    """The readings up to a finding: those of its batch, with the ones before from the store
    when the batch alone holds fewer than ``watch.EVIDENCE_BEFORE``."""
    evidence = [list(r) for r in finding.evidence]
    missing = watch.EVIDENCE_BEFORE + 1 - len(evidence)
    if missing > 0:
        before = _moment(evidence[0][0] if evidence else finding.at) - timedelta(microseconds=1)
        earlier = storage.window(sensor.pk, before - EVIDENCE_LOOKBACK, before)[-missing:]
        evidence = [[t.timestamp(), v, s] for t, v, s in earlier] + evidence
    return evidence


def raise_alert(sensor: Sensor, finding: watch.Finding, *, now: datetime) -> WorkOrder:
    """Open a work order for a finding, or count it on the sensor's open order of its kind.
    Call inside a transaction holding the sensor's row lock."""
    at = _moment(finding.at)
    order = (
        WorkOrder.objects.select_for_update()
        .filter(sensor=sensor, kind=finding.kind)
        .exclude(status=WorkOrder.Status.CLOSED)
        .first()
    )
    if order is None:
        severity = _severity(sensor, finding.kind)
        order = WorkOrder.objects.create(
            asset_id=sensor.asset_id,
            sensor=sensor,
            kind=finding.kind,
            severity=severity,
            opened_at=now,
            first_alert_at=at,
            last_alert_at=at,
            due_at=now + DUE[severity],
            score=finding.score,
            evidence=_evidence(sensor, finding),
        )
        WorkOrderEvent.objects.create(order=order, at=now, action=WorkOrderEvent.Action.OPENED)
        return order
    order.alerts += 1
    order.last_alert_at = max(order.last_alert_at, at)
    order.score = max(order.score, finding.score)
    WorkOrderEvent.objects.create(order=order, at=now, action=WorkOrderEvent.Action.REPEATED)
    higher = _HIGHER.get(WorkOrder.Severity(order.severity))
    if higher is not None and order.alerts % ESCALATE_EVERY == 0:
        order.severity = higher
        order.due_at = min(order.due_at, now + DUE[higher])
        WorkOrderEvent.objects.create(order=order, at=now, action=WorkOrderEvent.Action.ESCALATED)
    order.save(update_fields=["alerts", "last_alert_at", "score", "severity", "due_at"])
    return order


# --- a device's batch -------------------------------------------------------------------------


@dataclass
class ReadingsResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    alerts: int = 0
    orders: list[int] = field(default_factory=list)

    def refuse(self, index: int, sensor: str, field_name: str, reason: str, code: str) -> None:
        self.rejected.append({"index": index, "sensor": sensor, "field": field_name, "reason": reason, "code": code})


def ingest_readings(
    items: Sequence[ReadingItem | Mapping[str, Any]], *, device: SensorDevice, now: datetime | None = None
) -> ReadingsResult:
    """Store and score a device's batch; report each bad reading once (index, sensor, field,
    reason, code) and keep the good ones. ``device``: the authenticated sender (not revoked)."""
    now = now or timezone.now()
    if len(items) > MAX_SENSOR_BATCH:
        raise MetroError.BATCH_TOO_LARGE.error("readings", limit=MAX_SENSOR_BATCH, count=len(items))
    checked = [check_reading(raw, now=now) for raw in items]
    result = ReadingsResult()
    sensors = {s.code: s for s in Sensor.objects.filter(device=device).select_related("asset")}
    per_sensor: dict[int, list[tuple[datetime, float, int]]] = defaultdict(list)
    times_seen: set[tuple[int, datetime]] = set()
    for index, check in enumerate(checked):
        item = check.item
        if item is None:
            result.refuse(index, check.key("sensor"), check.field, check.reason, check.code)
            continue
        sensor = sensors.get(item.sensor)
        if sensor is None:
            result.refuse(
                index,
                item.sensor,
                "sensor",
                MetroError.UNKNOWN_SENSOR.message(sensor=item.sensor),
                MetroError.UNKNOWN_SENSOR.value,
            )
            continue
        if not sensor.low <= item.value <= sensor.high:
            error = MetroError.READING_RANGE
            result.refuse(
                index,
                item.sensor,
                "value",
                error.message(value=f"{item.value:g}", low=f"{sensor.low:g}", high=f"{sensor.high:g}"),
                error.value,
            )
            continue
        if (sensor.pk, item.at) in times_seen:
            error = MetroError.READING_REPEATED
            result.refuse(index, item.sensor, "at", error.message(), error.value)
            continue
        times_seen.add((sensor.pk, item.at))
        per_sensor[sensor.pk].append((item.at, item.value, index))
    if per_sensor:
        with transaction.atomic():
            locked = {
                s.pk: s for s in Sensor.objects.select_for_update().filter(pk__in=sorted(per_sensor)).order_by("pk")
            }
            _score_and_store(device, locked, sensors, per_sensor, result, now)
    result.rejected.sort(key=lambda r: r["index"])
    if result.rejected:
        log.warning("sensor readings rejected from device %s: %s", device.pk, result.rejected[:20])
    return result


def _score_and_store(
    device: SensorDevice,
    locked: dict[int, Sensor],
    configured: dict[str, Sensor],
    per_sensor: dict[int, list[tuple[datetime, float, int]]],
    result: ReadingsResult,
    now: datetime,
) -> None:
    assets = {s.pk: s.asset for s in configured.values()}  # the asset's false alarms as read with the batch
    columns: dict[str, list[Any]] = {"sensor": [], "at": [], "value": [], "score": []}
    findings: list[tuple[Sensor, watch.Finding]] = []
    for pk, rows in per_sensor.items():
        sensor = locked[pk]
        sensor.asset = assets[pk]
        rows.sort()
        last = sensor.last_reading_at
        fresh = [r for r in rows if last is None or r[0] > last]
        result.duplicates += len(rows) - len(fresh)
        if not fresh:
            continue
        at_us = np.array([int(r[0].timestamp() * 1_000_000) for r in fresh], dtype=np.int64)
        values = np.array([r[1] for r in fresh], dtype=np.float64)
        stream, health = _watchers(sensor)
        scores, found = watch.feed(
            stream, health, seen=sensor.readings, probation=PROBATION, times=at_us / 1e6, values=values
        )
        findings += [(sensor, f) for f in found]
        sensor.detector_state = state.dump(stream)
        sensor.health_state = state.dump(health)
        sensor.readings += len(fresh)
        sensor.last_reading_at = fresh[-1][0]
        columns["sensor"].append(np.full(len(fresh), pk, dtype=np.int64))
        columns["at"].append(at_us)
        columns["value"].append(values)
        columns["score"].append(scores)
        result.accepted += len(fresh)
    if not columns["sensor"]:
        return
    with storage.writing(device.pk, *(np.concatenate(columns[k]) for k in ("sensor", "at", "value", "score"))):
        for sensor in locked.values():
            sensor.save(update_fields=["detector_state", "health_state", "readings", "last_reading_at"])
        touched = []
        for sensor, finding in sorted(findings, key=lambda sf: sf[1].at):
            touched.append(raise_alert(sensor, finding, now=now).pk)
        result.alerts = len(findings)
        result.orders = sorted(set(touched))


def sweep_silent(*, actor: User | None = None, now: datetime | None = None) -> list[int]:
    """The scheduled check: every sensor that has sent nothing for too long gets (or adds to) a
    ``silent`` work order. Returns the orders touched."""
    _check_staff(actor, Role.OPERATOR)
    now = now or timezone.now()
    quiet_since = now - timedelta(seconds=HealthSettings().silent_min_s)
    touched: list[int] = []
    for pk in Sensor.objects.filter(last_reading_at__lt=quiet_since).values_list("pk", flat=True).order_by("pk"):
        with transaction.atomic():
            sensor = Sensor.objects.select_for_update().select_related("asset").get(pk=pk)
            finding = watch.silence(_health(sensor), now.timestamp())
            if finding is None:
                continue
            if (
                WorkOrder.objects.filter(
                    sensor=sensor, kind=WorkOrder.Kind.SILENT, first_alert_at__gte=_moment(finding.since)
                )
                .exclude(status=WorkOrder.Status.CLOSED)
                .exists()
            ):
                continue  # this silence already has its order: a sweep every few minutes must not count it again
            touched.append(raise_alert(sensor, finding, now=now).pk)
    if touched:
        log.warning("silent sensors: work orders %s", touched)
    return touched


# --- staff --------------------------------------------------------------------------------------


def _check_staff(actor: User | None, role: str) -> None:
    if actor is None:
        return
    if maintains_trains(actor, role=role):
        return
    if not maintains_trains(actor):
        raise MetroError.NOT_MAINTENANCE_STAFF.denied()
    raise MetroError.NEEDS_ROLE.denied(role=Role(role).label)


def _step(order: WorkOrder, *, actor: User, allowed: Iterable[str]) -> WorkOrder:
    """The order locked for a step that is possible from the statuses ``allowed``."""
    _check_staff(actor, Role.OPERATOR)
    locked = WorkOrder.objects.visible_to(actor).select_for_update().get(pk=order.pk)
    if locked.status not in allowed:
        raise MetroError.ORDER_STEP.error("status", status=WorkOrder.Status(locked.status).label)
    return locked


def acknowledge(order: WorkOrder, *, actor: User, now: datetime | None = None) -> WorkOrder:
    now = now or timezone.now()
    with transaction.atomic():
        locked = _step(order, actor=actor, allowed=[WorkOrder.Status.OPEN])
        locked.status = WorkOrder.Status.ACKNOWLEDGED
        locked.save(update_fields=["status"])
        WorkOrderEvent.objects.create(order=locked, at=now, action=WorkOrderEvent.Action.ACKNOWLEDGED, actor=actor)
    return locked


def start_inspection(order: WorkOrder, *, actor: User, now: datetime | None = None) -> WorkOrder:
    now = now or timezone.now()
    with transaction.atomic():
        locked = _step(order, actor=actor, allowed=[WorkOrder.Status.OPEN, WorkOrder.Status.ACKNOWLEDGED])
        if locked.status == WorkOrder.Status.OPEN:  # starting to inspect is taking it on
            WorkOrderEvent.objects.create(order=locked, at=now, action=WorkOrderEvent.Action.ACKNOWLEDGED, actor=actor)
        locked.status = WorkOrder.Status.INSPECTING
        locked.save(update_fields=["status"])
        WorkOrderEvent.objects.create(order=locked, at=now, action=WorkOrderEvent.Action.INSPECTING, actor=actor)
    return locked


def close_order(order: WorkOrder, *, finding: str, note: str, actor: User, now: datetime | None = None) -> WorkOrder:
    """Record what the inspection found and close. A false alarm makes the asset's sensors
    less quick to alert (``detector_settings``)."""
    now = now or timezone.now()
    if len((note or "").strip()) < 5:
        raise MetroError.FINDING_NOTE.error("note")
    note = check_text(note, "note", max_length=2000, multiline=True)
    kind = WorkOrder.Finding(finding)
    with transaction.atomic():
        locked = _step(order, actor=actor, allowed=[WorkOrder.Status.INSPECTING])
        locked.status = WorkOrder.Status.CLOSED
        locked.finding = kind
        locked.note = note
        locked.closed_at = now
        locked.closed_by = actor
        locked.save(update_fields=["status", "finding", "note", "closed_at", "closed_by"])
        WorkOrderEvent.objects.create(order=locked, at=now, action=WorkOrderEvent.Action.CLOSED, actor=actor, note=note)
        if kind == WorkOrder.Finding.FALSE_ALARM:
            Asset.objects.filter(pk=locked.asset_id).update(false_alarms=F("false_alarms") + 1)
    return locked


def _new_token() -> tuple[str, str, str]:
    """(secret, its hash, its prefix): the secret is shown once and never kept."""
    secret = "sd_" + secrets.token_urlsafe(32)
    return secret, token_hash(secret), secret[3:11]


def register_device(
    asset: Asset, name: str, *, actor: User | None, now: datetime | None = None
) -> tuple[SensorDevice, str]:
    """A new sensor device for ``asset`` and its token (shown once; only its hash is kept)."""
    _check_staff(actor, Role.ADMIN)
    name = check_text(name, "name", max_length=60)
    secret, digest, prefix = _new_token()
    with transaction.atomic():
        device = SensorDevice.objects.create(
            asset=asset, name=name, token_hash=digest, prefix=prefix, issued_at=now or timezone.now()
        )
        audit.record(MetroEvent.SENSOR_DEVICE_REGISTERED, target=device, actor=actor, new={"asset": asset.code})
    return device, secret


def revoke_device(
    device: SensorDevice, *, reason: str, actor: User | None, now: datetime | None = None
) -> SensorDevice:
    """Stop ``device``'s token at once (a unit lost, stolen or replaced): its posts get 401 from
    now on; its sensors stay, and the silence sweep opens a work order if nothing else feeds them."""
    _check_staff(actor, Role.ADMIN)
    reason = check_text(reason, "reason", max_length=200).strip()
    if len(reason) < 5:
        raise MetroError.SENSOR_DEVICE_REASON.error("reason")
    with transaction.atomic():
        locked = SensorDevice.objects.select_for_update().get(pk=device.pk)
        if locked.revoked_at is not None:
            raise MetroError.SENSOR_DEVICE_REVOKED.error()
        locked.revoked_at = now or timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit.record(MetroEvent.SENSOR_DEVICE_REVOKED, target=locked, actor=actor, reason=reason)
    log.info("sensor device %s revoked: %s", locked.pk, reason)
    return locked


def reissue_device_token(device: SensorDevice, *, actor: User | None, now: datetime | None = None) -> str:
    """A new token for ``device`` (the old one stops at once; a revoked device is brought back):
    the unit keeps its sensors and history. Returns the token, shown once."""
    _check_staff(actor, Role.ADMIN)
    secret, digest, prefix = _new_token()
    with transaction.atomic():
        locked = SensorDevice.objects.select_for_update().get(pk=device.pk)
        old = {"prefix": locked.prefix, "revoked": locked.revoked_at is not None}
        locked.token_hash, locked.prefix, locked.issued_at, locked.revoked_at = (
            digest,
            prefix,
            now or timezone.now(),
            None,
        )
        locked.save(update_fields=["token_hash", "prefix", "issued_at", "revoked_at"])
        audit.record(MetroEvent.SENSOR_DEVICE_REISSUED, target=locked, actor=actor, old=old, new={"prefix": prefix})
    return secret


# --- the fleet's configuration (seoul metro maintenance load-fleet) ----------------------------

FLEET_COLUMNS = ("asset", "kind", "line", "parent", "sensor", "sensor_kind", "device", "low", "high")


@dataclass
class FleetResult:
    assets: int = 0
    sensors: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _fleet_row(row: Mapping[str, str], *, now: datetime) -> tuple[int, int]:
    """One line of a fleet file: the asset (created if new), and its sensor if the line names
    one. Returns (assets created, sensors created); raises ValidationError naming the field."""
    from django.core.exceptions import ValidationError

    def need(name: str) -> str:
        value = (row.get(name) or "").strip()
        if not value:
            raise ValidationError({name: "required"})
        return check_text(value, name, max_length=60)

    code, kind, line = need("asset"), need("kind"), need("line")
    if kind not in Asset.Kind.values:
        raise ValidationError({"kind": f"one of {', '.join(Asset.Kind.values)}"})
    parent = None
    if (row.get("parent") or "").strip():
        parent = Asset.objects.filter(code=row["parent"].strip()).first()
        if parent is None:
            raise ValidationError({"parent": "no such asset (list a part after what it is part of)"})
    asset, created = Asset.objects.get_or_create(code=code, defaults={"kind": kind, "line": line, "parent": parent})
    if not created and (asset.kind, asset.line, asset.parent_id) != (kind, line, parent.pk if parent else None):
        raise ValidationError({"asset": "exists with another kind, line or parent"})
    if not (row.get("sensor") or "").strip():
        return int(created), 0
    sensor_code, sensor_kind, device_name = need("sensor"), need("sensor_kind"), need("device")
    if sensor_kind not in Sensor.Kind.values:
        raise ValidationError({"sensor_kind": f"one of {', '.join(Sensor.Kind.values)}"})
    device = SensorDevice.objects.filter(name=device_name, revoked_at=None).first()
    if device is None:
        raise ValidationError({"device": "no such device (add it first: seoul metro maintenance add-device)"})
    try:
        low, high = float(need("low")), float(need("high"))
    except ValueError:
        raise ValidationError({"low": "low and high must be numbers"}) from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValidationError({"high": "the range needs low < high, both finite"})
    existing = Sensor.objects.filter(code=sensor_code).first()
    if existing is not None:
        same = (existing.asset_id, existing.kind, existing.device_id, existing.low, existing.high)
        if same != (asset.pk, sensor_kind, device.pk, low, high):
            raise ValidationError({"sensor": "exists with another asset, kind, device or range"})
        return int(created), 0
    Sensor.objects.create(asset=asset, device=device, code=sensor_code, kind=sensor_kind, low=low, high=high)
    return int(created), 1


def load_fleet(rows: Iterable[Mapping[str, str]], *, actor: User | None, now: datetime | None = None) -> FleetResult:
    """Assets and sensors from a fleet file's rows (``FLEET_COLUMNS``), each line on its own: a
    bad line is reported (line number from 2, field, reason) and logged, the good ones are kept.
    Loading the same file again changes nothing."""
    from django.core.exceptions import ValidationError

    _check_staff(actor, Role.ADMIN)
    now = now or timezone.now()
    result = FleetResult()
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            with transaction.atomic():
                assets, sensors = _fleet_row(row, now=now)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                result.errors.append({"line": number, "field": name, "reason": "; ".join(messages)})
            continue
        result.assets += assets
        result.sensors += sensors
        result.unchanged += int(not assets and not sensors)
    if result.errors:
        log.warning("fleet file: %d line(s) refused: %s", len({e["line"] for e in result.errors}), result.errors[:20])
    return result
