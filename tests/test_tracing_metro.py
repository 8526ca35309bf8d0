"""Across two services: tracing imports metro journeys only through metro.interfaces, and a
case's co-riders are then discovered on the same train.

Lives outside both apps because it drives metro's own actions to make the journeys (the apps
may not import each other beyond the published interface)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from seoul.cli import main
from seoul.core.engine.time import SEOUL
from seoul.core.models import AuditEvent, User
from seoul.metro import actions as metro_actions
from seoul.metro import reference as metro_reference
from seoul.metro.interfaces import rider_ref
from seoul.metro.models import Rider
from seoul.tracing.engine import discovery

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 24, 8, 0, tzinfo=SEOUL)


def _tap(i: int, gate: str, kind: str, minutes: float, rider: str) -> dict[str, str]:
    return {
        "event_id": f"x-{i}",
        "gate": gate,
        "rider": rider,
        "kind": kind,
        "at": (T0 + timedelta(minutes=minutes)).isoformat(),
    }


def test_metro_journeys_become_train_presence_and_co_riders_are_found(
    reference: None, make_user: Callable[..., User], settings, tmp_path: Path
) -> None:
    settings.SEOUL_TRACING_DATA_DIR = tmp_path / "tracing"
    metro_reference.load()
    a, b, _later = (Rider.objects.create(account=f"phone-{n}") for n in "abc")
    events = [
        _tap(1, "G-1-150", "entry", 0, "phone-a"),  # 서울역 → 시청, together
        _tap(2, "G-1-151", "exit", 6, "phone-a"),
        _tap(3, "G-1-150", "entry", 0.1, "phone-b"),
        _tap(4, "G-1-151", "exit", 6.5, "phone-b"),
        _tap(5, "G-1-150", "entry", 30, "phone-c"),  # half an hour later: another train
        _tap(6, "G-1-151", "exit", 36, "phone-c"),
    ]
    assert metro_actions.ingest_events(actor=None, items=events, now=T0 + timedelta(hours=1)).rejected == []
    supervisor = make_user(institution="CITY_HALL", roles={"tracing": "approver"}, username="sup")
    tracer = make_user(institution="CITY_HALL", roles={"tracing": "operator"}, username="tracer")
    args = ["tracing", "pull-metro", "--since", T0.isoformat(), "--until", (T0 + timedelta(hours=2)).isoformat()]
    refused = CliRunner().invoke(main, [*args, "--actor", "tracer", "--reason", "case C-1 exposure window"])
    assert refused.exit_code == 2 and "추적 관리자" in refused.output  # needs a supervisor
    result = CliRunner().invoke(main, [*args, "--actor", "sup", "--reason", "case C-1 exposure window", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"journeys": 3, "rides": 3, "refused": 0}
    assert AuditEvent.objects.filter(event="metro.journeys.disclosed", actor=supervisor).count() == 1
    assert AuditEvent.objects.filter(event="tracing.movement.metro_imported", actor=supervisor).count() == 1
    assert not AuditEvent.objects.filter(actor=tracer, event="metro.journeys.disclosed").exists()

    window = discovery.Window(T0 - timedelta(hours=1), T0 + timedelta(hours=3))
    found = discovery.discover(tmp_path / "tracing", rider_ref(a.pk), window)
    assert [x.person_id for x in found] == [rider_ref(b.pk)]
    assert "열차" in found[0].reasons[0]  # on a train
    # pulling the same period again replaces it
    again = CliRunner().invoke(main, [*args, "--actor", "sup", "--reason", "case C-1 exposure window", "--json"])
    assert again.exit_code == 0
    assert len(discovery.discover(tmp_path / "tracing", rider_ref(a.pk), window)) == 1
