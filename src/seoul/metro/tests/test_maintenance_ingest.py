"""Sensor batches from devices: per-reading refusals, duplicates, state kept between batches,
Parquet by day, alerts into de-duplicated work orders, the silence sweep (actions/maintenance.py,
the sensor-readings API)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from django.test import Client
from django.utils import timezone

from seoul.metro import actions, storage
from seoul.metro.actions import maintenance
from seoul.metro.models import Sensor, WorkOrder, WorkOrderEvent
from seoul.metro.tests import builders

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)  # 12:00 in Seoul
START = NOW - timedelta(hours=2)


@pytest.fixture
def fleet(reference: None, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.SEOUL_METRO_READINGS_DIR = tmp_path / "readings"
    return builders.train()


def normal(n: int, seed: int = 1, level: float = 45.0) -> np.ndarray:
    """A bearing warming and cooling with the train's runs (°C), with sensor noise."""
    rng = np.random.default_rng(seed)
    return level + 4 * np.sin(np.arange(n) / 40) + rng.normal(0, 0.3, n)


def post(token: str, items: list[dict[str, Any]], client: Client | None = None) -> Any:
    return (client or Client()).post(
        "/api/v1/metro/sensor-readings",
        data=json.dumps({"readings": items}),
        content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )


def test_each_bad_reading_is_refused_with_its_reason_and_the_good_ones_are_kept(fleet: dict[str, Any]) -> None:
    t = fleet["temperature"].code
    good = builders.readings(t, START, [40, 41, 42])
    items = [
        good[0],
        {"sensor": "9-99-1-B1-T", "at": START.isoformat(), "value": 40.0},  # another device's or none
        {"sensor": t, "at": (START + timedelta(seconds=5)).isoformat(), "value": 250.0},  # beyond -40..200
        good[1],
        {"sensor": t, "at": (NOW - timedelta(days=8)).isoformat(), "value": 40.0},
        {"sensor": t, "at": (NOW + timedelta(minutes=10)).isoformat(), "value": 40.0},
        {"sensor": t, "at": good[1]["at"], "value": 43.0},  # a second reading at the same time
        {"sensor": t, "at": "2026-12-04T11:00:00", "value": 40.0},  # no time zone
        {"sensor": t, "value": 40.0},
        good[2],
    ]
    result = actions.ingest_readings(items, device=fleet["device"], now=NOW)
    assert result.accepted == 3
    assert [(r["index"], r["field"]) for r in result.rejected] == [
        (1, "sensor"),
        (2, "value"),
        (4, "at"),
        (5, "at"),
        (6, "at"),
        (7, "at"),
        (8, "at"),
    ]
    codes = {r["index"]: r["code"] for r in result.rejected}
    assert (
        codes[1] == "metro.unknown_sensor"
        and codes[2] == "metro.reading_range"
        and codes[6] == "metro.reading_repeated"
    )
    assert all(r["reason"] for r in result.rejected)
    sensor = Sensor.objects.get(pk=fleet["temperature"].pk)
    assert sensor.readings == 3
    stored = storage.window(sensor.pk, START - timedelta(minutes=1), NOW)
    assert [v for _, v, _ in stored] == [40.0, 41.0, 42.0]


def test_a_resent_batch_is_counted_as_duplicates_and_changes_nothing(fleet: dict[str, Any]) -> None:
    items = builders.readings(fleet["temperature"].code, START, normal(50))
    first = actions.ingest_readings(items, device=fleet["device"], now=NOW)
    state = bytes(Sensor.objects.get(pk=fleet["temperature"].pk).detector_state)
    again = actions.ingest_readings(items, device=fleet["device"], now=NOW)
    assert (first.accepted, first.duplicates) == (50, 0)
    assert (again.accepted, again.duplicates) == (0, 50)
    sensor = Sensor.objects.get(pk=fleet["temperature"].pk)
    assert sensor.readings == 50 and bytes(sensor.detector_state) == state
    assert len(storage.window(sensor.pk, START, NOW)) == 50


def test_scores_do_not_depend_on_how_the_device_cut_its_batches(fleet: dict[str, Any], reference: None) -> None:
    other = builders.train("2-52")
    values = np.r_[normal(900, seed=3), np.full(20, 150.0), normal(300, seed=4)]
    whole = builders.readings(fleet["temperature"].code, START, values)
    actions.ingest_readings(whole, device=fleet["device"], now=NOW)
    cut = builders.readings(other["temperature"].code, START, values)
    for lo, hi in ((0, 7), (7, 400), (400, 401), (401, 905), (905, len(cut))):
        actions.ingest_readings(cut[lo:hi], device=other["device"], now=NOW)
    one = storage.window(fleet["temperature"].pk, START, NOW)
    many = storage.window(other["temperature"].pk, START, NOW)
    assert len(one) == len(many) == len(values)
    assert [s for _, _, s in one] == [s for _, _, s in many]
    assert max(s for _, _, s in one[900:920]) >= 0.75  # the jump scored as an anomaly in both


def test_an_anomaly_opens_one_work_order_and_later_alerts_are_counted_on_it(fleet: dict[str, Any]) -> None:
    t = fleet["temperature"]
    quiet = actions.ingest_readings(builders.readings(t.code, START, normal(1000)), device=fleet["device"], now=NOW)
    assert quiet.alerts == 0 and not WorkOrder.objects.exists()  # probation and a familiar signal
    hot = builders.readings(t.code, START + timedelta(seconds=1000), np.full(5, 160.0))
    result = actions.ingest_readings(hot, device=fleet["device"], now=NOW)
    order = WorkOrder.objects.get()
    assert result.orders == [order.pk] and result.alerts >= 1
    assert (order.kind, order.severity, order.status) == ("anomaly", "high", "open")
    assert order.due_at == NOW + timedelta(hours=4)
    assert order.evidence[-1][1] == 160.0 and len(order.evidence) > 100  # the readings that led to it
    # after the detector's rest, a different new pattern: counted on the same order
    rest = maintenance.detector.Settings().rest
    later = np.r_[normal(rest + 5, seed=9), -30.0, 190.0, -30.0]
    actions.ingest_readings(
        builders.readings(t.code, START + timedelta(seconds=1005), later), device=fleet["device"], now=NOW
    )
    order.refresh_from_db()
    assert WorkOrder.objects.count() == 1 and order.alerts >= 2
    assert list(order.events.values_list("action", flat=True))[:2] == ["opened", "repeated"]


def test_every_third_alert_raises_the_severity_of_an_open_order(fleet: dict[str, Any]) -> None:
    from seoul.metro.engine.maintenance.watch import Finding

    sensor = Sensor.objects.select_related("asset").get(pk=fleet["vibration"].pk)
    finding = Finding("anomaly", NOW.timestamp(), NOW.timestamp(), 1.0, "", ())
    orders = [maintenance.raise_alert(sensor, finding, now=NOW) for _ in range(6)]
    order = WorkOrder.objects.get()
    assert {o.pk for o in orders} == {order.pk}
    assert order.alerts == 6 and order.severity == "high"  # medium, then high at the third
    assert order.due_at == NOW + timedelta(hours=4)
    assert WorkOrderEvent.objects.filter(order=order, action="escalated").count() == 1


def test_a_stuck_sensor_is_an_alert_of_its_own(fleet: dict[str, Any]) -> None:
    t = fleet["temperature"]
    values = np.r_[normal(1000, seed=5), np.full(40, 47.25)]
    result = actions.ingest_readings(builders.readings(t.code, START, values), device=fleet["device"], now=NOW)
    order = WorkOrder.objects.get(kind="stuck")
    assert order.pk in result.orders and order.severity == "medium"
    assert order.evidence[-1][1] == 47.25


def test_the_sweep_finds_a_silent_sensor_once(fleet: dict[str, Any]) -> None:
    t = fleet["temperature"]
    actions.ingest_readings(builders.readings(t.code, START, normal(100)), device=fleet["device"], now=NOW)
    last = START + timedelta(seconds=99)
    assert actions.sweep_silent(now=last + timedelta(seconds=30)) == []  # within the usual gaps
    found = actions.sweep_silent(now=last + timedelta(minutes=10))
    order = WorkOrder.objects.get(kind="silent")
    assert found == [order.pk] and order.sensor_id == t.pk
    assert actions.sweep_silent(now=last + timedelta(minutes=15)) == []  # the same silence
    assert WorkOrder.objects.get(kind="silent").alerts == 1


def test_readings_are_not_kept_when_the_batch_fails(fleet: dict[str, Any], monkeypatch: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(maintenance, "raise_alert", broken)
    t = fleet["temperature"]
    values = np.r_[normal(1000), np.full(3, 160.0)]
    with pytest.raises(RuntimeError):
        actions.ingest_readings(builders.readings(t.code, START, values), device=fleet["device"], now=NOW)
    assert Sensor.objects.get(pk=t.pk).readings == 0
    assert list((storage.root()).rglob("*.parquet")) == []


def test_the_api_takes_a_device_token_and_reports_per_reading(fleet: dict[str, Any]) -> None:
    t = fleet["temperature"].code
    now = timezone.now().replace(microsecond=0)
    items = [*builders.readings(t, now - timedelta(minutes=5), [40, 41]), {"sensor": t, "at": "yesterday", "value": 1}]
    response = post(fleet["token"], items)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["alerts"]) == (2, 0, 0)
    assert body["rejected"][0]["index"] == 2 and body["rejected"][0]["field"] == "at"
    assert body["rejected"][0]["sensor"] == t
    assert post("sd_not-a-token", items).status_code == 401
    assert post(fleet["token"], []).status_code == 422  # not a batch


def test_a_device_posts_only_for_its_own_sensors_and_not_after_revocation(fleet: dict[str, Any]) -> None:
    other = builders.train("2-52")
    now = timezone.now()
    body = post(fleet["token"], builders.readings(other["temperature"].code, now - timedelta(minutes=1), [40])).json()
    assert body["accepted"] == 0 and body["rejected"][0]["code"] == "metro.unknown_sensor"
    fleet["device"].revoked_at = now
    fleet["device"].save()
    assert post(fleet["token"], builders.readings(fleet["temperature"].code, now, [40])).status_code == 401


def test_readings_days_past_their_period_are_removed_by_the_retention_job(fleet: dict[str, Any]) -> None:
    from seoul.metro import retention

    t = fleet["temperature"].code
    actions.ingest_readings(builders.readings(t, NOW - timedelta(days=6), [40, 41]), device=fleet["device"], now=NOW)
    actions.ingest_readings(builders.readings(t, NOW - timedelta(hours=1), [42]), device=fleet["device"], now=NOW)
    assert len(storage.stored_days()) == 2
    policy = next(p for p in retention.POLICIES if p.name == "sensor_readings")
    cutoff = NOW - timedelta(days=3)
    assert policy.count(cutoff) == 1
    assert policy.purge(cutoff) == {"sensor_reading_files": 1}
    assert storage.stored_days() == [(NOW - timedelta(hours=1)).astimezone(storage.SEOUL).date()]
    assert [v for _, v, _ in storage.window(fleet["temperature"].pk, NOW - timedelta(days=7), NOW)] == [42.0]


def test_the_sweep_command_reports_the_orders_it_opened(fleet: dict[str, Any]) -> None:
    from click.testing import CliRunner

    from seoul.metro.cli import group

    start = timezone.now() - timedelta(hours=1)
    actions.ingest_readings(builders.readings(fleet["temperature"].code, start, normal(30)), device=fleet["device"])
    out = CliRunner().invoke(group, ["maintenance", "sweep", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == {"silent_work_orders": [WorkOrder.objects.get(kind="silent").pk]}


FLEET = """asset,kind,line,parent,sensor,sensor_kind,device,low,high
2-60,train,2,,,,,,
2-60-1,car,2,2-60,2-60-1-M,motor_current,TCMS 2-51,0,800
2-60-1-B1,bogie,2,2-60-1,2-60-1-B1-T,bearing_temperature,TCMS 2-51,-40,200
2-61-1,car,2,2-61,,,,,
2-60-1-B2,bogie,2,2-60-1,2-60-1-B2-T,bearing_temperature,TCMS 2-51,200,-40
2-60-1-B2,wheel,2,2-60-1,,,,,
2-60-1-B1,bogie,2,2-60-1,2-60-1-B1-V,vibration,no such unit,0,100
"""


def test_a_fleet_file_keeps_its_good_lines_and_names_each_bad_one(fleet: dict[str, Any], tmp_path: Any) -> None:

    from click.testing import CliRunner

    from seoul.metro.cli import group
    from seoul.metro.models import Asset

    path = tmp_path / "fleet.csv"
    path.write_text(FLEET, encoding="utf-8")
    out = CliRunner().invoke(group, ["maintenance", "load-fleet", str(path), "--json"])
    assert out.exit_code == 1, out.output
    body = json.loads(out.output)
    assert [(e["line"], e["field"]) for e in body["errors"]] == [(5, "parent"), (6, "high"), (7, "kind"), (8, "device")]
    assert (body["assets"], body["sensors"]) == (3, 2)  # 2-60, 2-60-1, 2-60-1-B1: a refused line leaves nothing
    assert Sensor.objects.get(code="2-60-1-B1-T").asset.parent.code == "2-60-1"
    again = CliRunner().invoke(group, ["maintenance", "load-fleet", str(path), "--json"])
    assert json.loads(again.output)["assets"] == 0 and json.loads(again.output)["sensors"] == 0
    assert Asset.objects.filter(code__startswith="2-60").count() == 3


def test_a_device_token_is_printed_once_and_only_its_hash_kept(fleet: dict[str, Any]) -> None:
    from click.testing import CliRunner

    from seoul.core.actions import token_hash
    from seoul.metro.cli import group
    from seoul.metro.models import SensorDevice

    out = CliRunner().invoke(group, ["maintenance", "add-device", "--asset", "2-51", "--name", "TCMS 2-51 spare"])
    assert out.exit_code == 0, out.output
    token = out.output.split("token ")[1].split()[0]
    device = SensorDevice.objects.get(name="TCMS 2-51 spare")
    assert device.token_hash == token_hash(token) and token not in device.token_hash
    missing = CliRunner().invoke(group, ["maintenance", "add-device", "--asset", "9-99", "--name", "x"])
    assert missing.exit_code != 0 and "--asset" in missing.output
