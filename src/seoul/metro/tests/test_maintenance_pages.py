"""The maintenance worklist, a work order taken to its finding, and an asset's history
(views, actions' permission checks, false-alarm feedback)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from seoul.metro import actions
from seoul.metro.actions import maintenance
from seoul.metro.models import Asset, Sensor, WorkOrder
from seoul.metro.tests import builders
from seoul.metro.tests.test_maintenance_ingest import normal

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)


@pytest.fixture
def hot(reference: None, settings: Any, tmp_path: Any) -> dict[str, Any]:
    """A train whose bearing ran hot: one open anomaly order, with the readings in the store."""
    settings.SEOUL_METRO_READINGS_DIR = tmp_path / "readings"
    fleet = builders.train()
    values = np.r_[normal(1000), np.full(5, 160.0)]
    start = NOW - timedelta(hours=1)
    actions.ingest_readings(
        builders.readings(fleet["temperature"].code, start, values), device=fleet["device"], now=NOW
    )
    fleet["order"] = WorkOrder.objects.get(kind="anomaly")
    return fleet


def client_of(user: Any, lang: str = "ko") -> Client:
    c = Client(headers={"accept-language": lang})
    c.force_login(user)
    return c


def test_an_engineer_takes_an_alert_to_a_closed_work_order(hot: dict[str, Any]) -> None:
    engineer = builders.staff("kim.engineer", "operator")
    c = client_of(engineer, "en")
    order = hot["order"]
    page = c.get("/metro/maintenance/")
    assert page.status_code == 200 and f"/metro/maintenance/orders/{order.pk}/" in page.text
    detail = c.get(f"/metro/maintenance/orders/{order.pk}/")
    assert "Acknowledge" in detail.text and "chart-signal" in detail.text
    assert c.post(f"/metro/maintenance/orders/{order.pk}/acknowledge/").status_code == 302
    assert c.post(f"/metro/maintenance/orders/{order.pk}/inspect/").status_code == 302
    refused = c.post(f"/metro/maintenance/orders/{order.pk}/", {"finding": "real_fault", "note": "hm"})
    assert refused.status_code == 400 and 'id="id_note_error"' in refused.text
    done = c.post(
        f"/metro/maintenance/orders/{order.pk}/",
        {"finding": "real_fault", "note": "Axle box bearing worn; bogie changed at the depot."},
    )
    assert done.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.finding, order.closed_by) == ("closed", "real_fault", engineer)
    assert list(order.events.values_list("action", flat=True)) == ["opened", "acknowledged", "inspecting", "closed"]
    assert order.pk not in {o.pk for o in WorkOrder.objects.exclude(status="closed")}  # off the default worklist
    history = c.get(f"/metro/maintenance/assets/{hot['train'].code}/")
    assert "Axle box bearing worn" in history.text and f'id="chart-order-{order.pk}"' in history.text


def test_a_step_out_of_order_is_refused_with_a_message(hot: dict[str, Any]) -> None:
    engineer = builders.staff("kim.engineer", "operator")
    order = hot["order"]
    with pytest.raises(ValidationError) as refused:
        actions.close_order(order, finding="false_alarm", note="nothing there", actor=engineer)
    assert refused.value.error_dict["status"][0].code == "metro.order_step"
    c = client_of(engineer, "en")
    c.post(f"/metro/maintenance/orders/{order.pk}/acknowledge/")
    again = c.post(f"/metro/maintenance/orders/{order.pk}/acknowledge/", follow=True)
    assert "that step is not possible now" in again.text


def test_a_false_alarm_makes_the_assets_sensors_slower_to_alert(hot: dict[str, Any]) -> None:
    engineer = builders.staff("kim.engineer", "operator")
    order = hot["order"]
    before = maintenance.detector_settings(Sensor.objects.select_related("asset").get(pk=hot["temperature"].pk))
    actions.start_inspection(order, actor=engineer)
    actions.close_order(order, finding="false_alarm", note="Sensor cable loose; reseated.", actor=engineer)
    bogie = Asset.objects.get(pk=hot["bogie"].pk)
    assert bogie.false_alarms == 1
    after = maintenance.detector_settings(Sensor.objects.select_related("asset").get(pk=hot["temperature"].pk))
    assert after.alert_at == pytest.approx(before.alert_at + maintenance.THRESHOLD_STEP)
    # the same kind of event on another train, whose asset has no false alarm, still alerts there
    other = builders.train("2-52")
    other_sensor = Sensor.objects.select_related("asset").get(pk=other["temperature"].pk)
    assert maintenance.detector_settings(other_sensor).alert_at == before.alert_at


def test_only_seoul_metro_staff_see_the_work_orders_and_only_operators_act(hot: dict[str, Any]) -> None:
    outsider = builders.staff("lee.other", "approver", institution="SMC")
    assert client_of(outsider).get("/metro/maintenance/").status_code == 403
    assert client_of(outsider).get(f"/metro/maintenance/orders/{hot['order'].pk}/").status_code == 403
    viewer = builders.staff("park.viewer", "viewer")
    c = client_of(viewer, "en")
    page = c.get(f"/metro/maintenance/orders/{hot['order'].pk}/")
    assert page.status_code == 200 and "Acknowledge" not in page.text
    assert c.post(f"/metro/maintenance/orders/{hot['order'].pk}/acknowledge/").status_code == 403
    with pytest.raises(PermissionDenied, match=r"operator|Operator|운영"):
        actions.acknowledge(hot["order"], actor=viewer)
    assert WorkOrder.objects.get(pk=hot["order"].pk).status == "open"


def test_the_worklist_filters_and_sorts(hot: dict[str, Any]) -> None:
    engineer = builders.staff("kim.engineer", "operator")
    stuck = maintenance.raise_alert(
        Sensor.objects.select_related("asset").get(pk=hot["vibration"].pk),
        maintenance.watch.Finding("stuck", NOW.timestamp(), NOW.timestamp(), 1.0, "", ()),
        now=NOW,
    )
    c = client_of(engineer, "en")
    both = c.get("/metro/maintenance/?sort=severity").text
    assert both.index(f"orders/{hot['order'].pk}/") < both.index(f"orders/{stuck.pk}/")  # high before medium
    only = c.get("/metro/maintenance/?kind=stuck").text
    assert f"orders/{stuck.pk}/" in only and f"orders/{hot['order'].pk}/" not in only
    bad = c.get("/metro/maintenance/?severity=urgent")
    assert bad.status_code == 400 and f"orders/{stuck.pk}/" in bad.text  # the bad filter is left out
    partial = c.get("/metro/maintenance/?kind=stuck", headers={"hx-request": "true"})
    assert "<html" not in partial.text and 'id="order-table-wrap"' in partial.text


def test_the_signal_chart_marks_the_alerting_readings(hot: dict[str, Any]) -> None:
    from seoul.metro import selectors

    order = WorkOrder.objects.select_related("sensor", "asset").get(pk=hot["order"].pk)
    points = selectors.order_signal(order)
    spec = selectors.signal_chart(order, points, 0.75)
    values = spec["data"]["values"]
    assert len(values) == len(points) > 100
    flagged = [v for v in values if v["alert"]]
    assert flagged and all(v["value"] == 160.0 for v in flagged)
    assert spec["layer"][2]["data"]["values"][0]["at"] == flagged[0]["at"]  # the first alert's rule


def test_an_admin_registers_a_device_stops_its_token_and_issues_a_new_one(hot: dict[str, Any]) -> None:
    """The token is shown once after a redirect, never cached; a stopped token is refused by the
    ingest API at once; a new token works and the old one does not; each step is audited."""
    from seoul.core.models import AuditEvent
    from seoul.metro.models import SensorDevice
    from seoul.metro.tests.test_maintenance_ingest import post

    admin = builders.staff("choi.admin", "admin")
    c = client_of(admin, "en")
    train = hot["train"].code
    page = c.get(f"/metro/maintenance/assets/{train}/")
    assert "Register a device on this asset" in page.text and hot["device"].prefix in page.text
    empty = c.post(f"/metro/maintenance/assets/{train}/devices/", {"name": " "})
    assert empty.status_code == 400 and 'id="id_name_error"' in empty.text
    added = c.post(f"/metro/maintenance/assets/{train}/devices/", {"name": "TCMS spare"})
    device = SensorDevice.objects.get(name="TCMS spare")
    assert added.status_code == 302 and added["Location"] == f"/metro/maintenance/devices/{device.pk}/token/"
    shown = c.get(added["Location"])
    token = shown.context["token"]
    assert token.startswith("sd_" + device.prefix) and token in shown.text
    assert "no-store" in shown["Cache-Control"]
    again = c.get(added["Location"])
    assert again.context["token"] is None and token not in again.text  # shown once

    old = hot["token"]
    sensor = hot["temperature"].code
    item = [{"sensor": sensor, "at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(), "value": 50.0}]
    field = f"device-{hot['device'].pk}-reason"
    short = c.post(f"/metro/maintenance/devices/{hot['device'].pk}/stop/", {field: "lost"})
    assert short.status_code == 400 and f'id="id_{field}_error"' in short.text
    stopped = c.post(f"/metro/maintenance/devices/{hot['device'].pk}/stop/", {field: "unit stolen at the depot"})
    assert stopped.status_code == 302
    assert post(old, item).status_code == 401
    twice = c.post(f"/metro/maintenance/devices/{hot['device'].pk}/stop/", {field: "unit stolen at the depot"})
    assert twice.status_code == 400 and "already stopped" in twice.text

    renewed = c.post(f"/metro/maintenance/devices/{hot['device'].pk}/reissue/")
    fresh = c.get(renewed["Location"]).context["token"]
    assert fresh and fresh != old
    accepted = post(fresh, item)
    assert accepted.status_code == 200 and accepted.json()["accepted"] == 1
    assert post(old, item).status_code == 401
    events = list(
        AuditEvent.objects.filter(event__startswith="metro.sensor_device", actor=admin)
        .order_by("pk")
        .values_list("event", "reason", "actor")
    )
    assert events == [
        ("metro.sensor_device.registered", "", admin.pk),
        ("metro.sensor_device.revoked", "unit stolen at the depot", admin.pk),
        ("metro.sensor_device.reissued", "", admin.pk),
    ]


def test_only_admins_manage_devices(hot: dict[str, Any]) -> None:
    engineer = builders.staff("kim.engineer", "operator")
    c = client_of(engineer, "en")
    page = c.get(f"/metro/maintenance/assets/{hot['train'].code}/")
    assert page.status_code == 200 and hot["device"].name in page.text and "Issue a new token" not in page.text
    assert c.post(f"/metro/maintenance/devices/{hot['device'].pk}/reissue/").status_code == 403
    assert c.post(f"/metro/maintenance/assets/{hot['train'].code}/devices/", {"name": "x"}).status_code == 403
    outsider_admin = builders.staff("lee.admin", "admin", institution="SMC")
    assert client_of(outsider_admin).post(f"/metro/maintenance/devices/{hot['device'].pk}/reissue/").status_code == 403
    with pytest.raises(PermissionDenied):
        actions.revoke_device(hot["device"], reason="not mine to stop", actor=engineer)
