"""metro.interfaces: what the contact-tracing service may read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from seoul.core.models import AuditEvent, User
from seoul.metro import actions, interfaces
from seoul.metro import reference as metro_reference
from seoul.metro.models import Rider
from seoul.metro.tests.test_ingest import CITY_HALL, NOW, SEOUL_STATION, T0, bus, ev

pytestmark = pytest.mark.django_db


@pytest.fixture
def riders(reference: None, make_user: Callable[..., User]) -> tuple[Rider, Rider]:
    metro_reference.load()
    person = make_user(kind=User.Kind.CITIZEN, institution=None, username="case-1")
    person.phone = "010-1234-5678"
    person.save()
    return Rider.objects.create(account="phone-1", user=person), Rider.objects.create(account="phone-2")


@pytest.fixture
def tracer(make_user: Callable[..., User]) -> User:
    return make_user(institution="CITY_HALL", username="tracer-1")


def test_network_lists_stations_and_segments() -> None:
    net = interfaces.network()
    stations = {s.name: s for s in net.stations}
    assert len(stations) == len(net.stations) > 500
    assert {"1", "4"} <= set(stations["서울역"].lines)  # one transfer station, several lines
    seg = next(s for s in net.segments if {s.a, s.b} == {"서울역", "시청"} and s.line == "1")
    assert 500 < seg.metres < 2000
    assert all(s.a in stations and s.b in stations for s in net.segments)
    with pytest.raises(AttributeError):
        net.stations[0].name = "x"  # type: ignore[misc]


def test_journeys_are_completed_subway_journeys_in_the_period(riders: tuple[Rider, Rider], tracer: User) -> None:
    batch = [
        ev(1, SEOUL_STATION, "entry", 0),
        ev(2, CITY_HALL, "exit", 12),
        ev(3, CITY_HALL, "entry", 60),  # no exit: left out
        ev(4, SEOUL_STATION, "exit", 60 + 601),  # no entry (more than 10 hours later: no pair): left out
        ev(5, CITY_HALL, "entry", 24 * 60 - 30, rider="phone-2"),
        ev(6, SEOUL_STATION, "exit", 24 * 60 - 20, rider="phone-2"),
        bus(7, 400),  # bus rides are not subway journeys
        ev(8, SEOUL_STATION, "entry", -60),  # before the period
        ev(9, CITY_HALL, "exit", -50),
    ]
    r = actions.ingest_events(actor=None, items=batch, now=NOW)
    assert r.rejected == []
    table = interfaces.journeys(T0, NOW, actor=tracer, reason="case 2026-77: exposure window")
    assert table.schema == interfaces.JOURNEYS_SCHEMA
    assert table.schema.field("entry_at").type == pa.timestamp("us", tz="UTC")
    rows = table.to_pylist()
    ref1, ref2 = interfaces.rider_ref(riders[0].pk), interfaces.rider_ref(riders[1].pk)
    assert rows == [
        {
            "rider_ref": ref1,
            "entry_station": "서울역",
            "entry_at": T0.astimezone(UTC),
            "exit_station": "시청",
            "exit_at": (T0 + timedelta(minutes=12)).astimezone(UTC),
        },
        {
            "rider_ref": ref2,
            "entry_station": "시청",
            "entry_at": (T0 + timedelta(minutes=24 * 60 - 30)).astimezone(UTC),
            "exit_station": "서울역",
            "exit_at": (T0 + timedelta(minutes=24 * 60 - 20)).astimezone(UTC),
        },
    ]
    # The reference is pseudonymous: neither the account nor the phone number.
    assert ref1 != ref2 and ref1.startswith("r_")
    assert "phone-1" not in ref1 and "5678" not in ref1
    # [start, end): an entry exactly at the end is out, at the start in.
    assert interfaces.journeys(T0, T0 + timedelta(minutes=1), actor=tracer, reason="r").num_rows == 1
    assert interfaces.journeys(T0 - timedelta(hours=2), T0, actor=tracer, reason="r").num_rows == 1  # ev-8
    only = interfaces.journeys(T0, NOW, actor=tracer, reason="case 77", rider_refs=[ref2])
    assert only.column("rider_ref").to_pylist() == [ref2]


def test_disclosure_is_audited_and_needs_a_reason(riders: tuple[Rider, Rider], tracer: User) -> None:
    actions.ingest_events(actor=None, items=[ev(1, SEOUL_STATION, "entry", 0), ev(2, CITY_HALL, "exit", 12)], now=NOW)
    for empty in ("", "   "):
        with pytest.raises(ValueError, match="reason"):
            interfaces.journeys(T0, NOW, actor=tracer, reason=empty)
    assert not AuditEvent.objects.filter(event="metro.journeys.disclosed").exists()
    with pytest.raises(ValueError, match="time zone"):
        interfaces.journeys(datetime(2026, 11, 24), NOW, actor=tracer, reason="case 77")
    with pytest.raises(ValueError, match="before"):
        interfaces.journeys(NOW, T0, actor=tracer, reason="case 77")
    interfaces.journeys(T0, NOW, actor=tracer, reason="case 2026-77: exposure window")
    event = AuditEvent.objects.get(event="metro.journeys.disclosed")
    assert event.actor == tracer
    assert event.reason == "case 2026-77: exposure window"
    assert event.new == {"start": T0.isoformat(), "end": NOW.isoformat(), "rows": 1, "riders_asked": None}


def test_rider_ref_for_phone_uses_the_blind_index(riders: tuple[Rider, Rider]) -> None:
    assert interfaces.rider_ref_for_phone("010 1234 5678") == interfaces.rider_ref(riders[0].pk)
    assert interfaces.rider_ref_for_phone("01012345678") == interfaces.rider_ref(riders[0].pk)
    assert interfaces.rider_ref_for_phone("010-9999-0000") is None
    assert interfaces.rider_ref_for_phone("") is None
    lookups = AuditEvent.objects.filter(event="metro.rider.looked_up").order_by("id")
    assert [e.new["found"] for e in lookups] == [True, True, False]
    assert not any("5678" in str(e.new) for e in lookups)  # the number itself is not logged
