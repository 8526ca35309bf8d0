from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seoul.core import actions as core_actions
from seoul.core.engine.time import SEOUL
from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent, User
from seoul.metro import actions
from seoul.metro.models import Dispute, GateEvent, Journey, LedgerEntry, LedgerTransaction, Rider

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=SEOUL)
NOW = T0 + timedelta(days=1)
from seoul.metro.tests.builders import CITY_HALL, GANGNAM_SBD, SEOUL_STATION  # noqa: E402


def ev(i: int, gate: str, kind: str, minutes: float, rider: str = "phone-1", **extra: Any) -> dict[str, Any]:
    return {
        "event_id": f"ev-{i}",
        "gate": gate,
        "rider": rider,
        "kind": kind,
        "at": (T0 + timedelta(minutes=minutes)).isoformat(),
        **extra,
    }


def balance(account: str) -> int:
    return LedgerEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or 0


def test_gate_codes_exist(gates: None) -> None:
    from seoul.metro.models import Gate

    assert Gate.objects.get(code=SEOUL_STATION).station == "서울역"
    assert Gate.objects.get(code=CITY_HALL).station == "시청"
    assert Gate.objects.get(code=GANGNAM_SBD).station == "강남"


def test_a_journey_is_charged_once(rider: Rider) -> None:
    batch = [ev(1, SEOUL_STATION, "entry", 0), ev(2, CITY_HALL, "exit", 12)]
    r = actions.ingest_events(actor=None, items=batch, now=NOW)
    assert (r.accepted, r.duplicates, r.rejected) == (2, 0, [])
    assert actions.ingest_events(actor=None, items=batch, now=NOW).duplicates == 2
    journey = Journey.objects.get(rider=rider)
    assert (journey.status, journey.fare, journey.charge) == ("complete", 1550, 1550)
    assert journey.breakdown["tariff_version"] == "2025-06-28"
    assert balance("rider:phone-1") == 1550
    assert balance("revenue") == -1550
    assert LedgerTransaction.objects.count() == 1


def test_bad_items_are_reported_and_good_ones_kept(rider: Rider) -> None:
    batch = [
        ev(1, SEOUL_STATION, "entry", 0),
        ev(2, "G-NOPE", "exit", 5),
        ev(3, CITY_HALL, "exit", 5, rider="stranger"),
        ev(4, CITY_HALL, "hover", 5),
        {**ev(5, CITY_HALL, "exit", 5), "at": "yesterday"},
        {**ev(6, CITY_HALL, "exit", 5), "at": "2026-11-24T08:05:00"},
        ev(7, CITY_HALL, "exit", 60 * 24 + 30),  # 30 minutes after "now"
        {**ev(8, CITY_HALL, "exit", 5), "event_id": ""},
        ev(9, CITY_HALL, "exit", 5, lane=500),
        ev(10, CITY_HALL, "exit", 12),
    ]
    r = actions.ingest_events(actor=None, items=batch, now=NOW)
    assert r.accepted == 2
    assert [(x["index"], x["field"]) for x in r.rejected] == [
        (1, "gate"),
        (2, "rider"),
        (3, "kind"),
        (4, "at"),
        (5, "at"),
        (6, "at"),
        (7, "event_id"),
        (8, "lane"),
    ]
    assert set(GateEvent.objects.values_list("event_id", flat=True)) == {"ev-1", "ev-10"}


def test_same_id_different_content_is_rejected(rider: Rider) -> None:
    actions.ingest_events(actor=None, items=[ev(1, SEOUL_STATION, "entry", 0)], now=NOW)
    r = actions.ingest_events(actor=None, items=[ev(1, CITY_HALL, "entry", 0)], now=NOW)
    assert [(x["index"], x["event_id"], x["field"], x["code"]) for x in r.rejected] == [
        (0, "ev-1", "event_id", "metro.conflict")
    ]
    assert GateEvent.objects.get(event_id="ev-1").gate.code == SEOUL_STATION


def test_late_exit_replaces_the_maximum_fare(rider: Rider) -> None:
    actions.ingest_events(actor=None, items=[ev(1, SEOUL_STATION, "entry", 0)], now=NOW)
    j = Journey.objects.get()
    assert j.status == "incomplete_no_exit"
    assert j.charge > 3000  # the maximum fare from 서울역
    assert j.breakdown["maximum_fare_to"]
    actions.ingest_events(actor=None, items=[ev(2, CITY_HALL, "exit", 15)], now=NOW)
    j.refresh_from_db()
    assert (j.status, j.charge) == ("complete", 1550)
    assert balance("rider:phone-1") == 1550
    assert LedgerTransaction.objects.filter(journey_key="ev-1").count() == 2  # charge, then correction


def test_sinbundang_gate_marks_the_line_used(rider: Rider) -> None:
    actions.ingest_events(
        actor=None, items=[ev(1, GANGNAM_SBD, "entry", 0), ev(2, "G-3-332", "exit", 10)], now=NOW
    )  # 3호선 양재
    j = Journey.objects.get()
    assert j.breakdown["separate_surcharges"] == {"GANGNAM-JEONGJA": 1000}


def test_dispute_and_refund(rider: Rider, make_user: Callable[..., User]) -> None:
    citizen = make_user(kind=User.Kind.CITIZEN, institution=None, username="rider-person")
    rider.user = citizen
    rider.save()
    staff = make_user(roles={"metro": "approver"})
    actions.ingest_events(actor=None, items=[ev(1, SEOUL_STATION, "entry", 0), ev(2, CITY_HALL, "exit", 12)], now=NOW)
    journey = Journey.objects.get()
    dispute = actions.open_dispute(journey, actor=citizen, reason="I was charged but the gate let me through twice")
    with pytest.raises(ValidationError) as invalid:
        actions.open_dispute(journey, actor=citizen, reason="again please")
    assert codes_of(invalid.value) == ["metro.dispute_already_open"]
    with pytest.raises(ValidationError) as invalid:
        actions.resolve_dispute(dispute, actor=staff, refund=2000, resolution="too much")
    assert codes_of(invalid.value) == ["metro.refund_range"]
    assert "1,550" in str(invalid.value)
    actions.resolve_dispute(dispute, actor=staff, refund=1550, resolution="gate fault confirmed")
    assert balance("rider:phone-1") == 0
    assert balance("refunds") == 1550
    assert Dispute.objects.get().status == "refunded"
    assert AuditEvent.objects.filter(event="metro.dispute.resolved", actor=staff).exists()
    with pytest.raises(ValidationError) as invalid:
        actions.resolve_dispute(dispute, actor=staff, refund=1, resolution="double click")
    assert codes_of(invalid.value) == ["metro.dispute_resolved"]
    # Replaying the events later does not undo the refund or charge again.
    actions.ingest_events(actor=None, items=[ev(1, SEOUL_STATION, "entry", 0), ev(2, CITY_HALL, "exit", 12)], now=NOW)
    actions.rebuild_rider(rider.pk, actor=None, now=NOW)
    assert balance("rider:phone-1") == 0


def test_pass_covers_the_month(rider: Rider) -> None:
    actions.ingest_events(actor=None, items=[ev(1, SEOUL_STATION, "entry", 0), ev(2, CITY_HALL, "exit", 12)], now=NOW)
    actions.buy_pass(rider, actor=None, month=date(2026, 11, 1))
    actions.rebuild_rider(rider.pk, actor=None, now=NOW)
    j = Journey.objects.get()
    assert (j.fare, j.charge, j.breakdown["covered_by"]) == (1550, 0, "climate_card")
    assert balance("rider:phone-1") == 62000


def test_daily_cap(rider: Rider, settings: Any) -> None:
    settings.SEOUL_METRO_DAILY_CAP = 4000
    batch = []
    for k in range(4):
        batch += [ev(2 * k, SEOUL_STATION, "entry", k * 60), ev(2 * k + 1, CITY_HALL, "exit", k * 60 + 10)]
    actions.ingest_events(actor=None, items=batch, now=NOW)
    assert sorted(Journey.objects.values_list("charge", flat=True)) == [0, 900, 1550, 1550]
    assert balance("rider:phone-1") == 4000


# --- exactly once, whatever the delivery ---------------------------------------------------

GATES = [SEOUL_STATION, CITY_HALL, "G-2-222", "G-4-433"]  # 서울역, 시청, 강남 (2), 사당 (4)


def stream_strategy() -> st.SearchStrategy[list[dict[str, Any]]]:
    item = st.tuples(
        st.sampled_from(["phone-1", "phone-2"]),
        st.sampled_from(GATES),
        st.sampled_from(["entry", "exit"]),
        st.integers(0, 900),
    )
    return st.lists(item, min_size=1, max_size=14).map(
        lambda xs: [ev(i, g, k, m, rider=r) for i, (r, g, k, m) in enumerate(xs)]
    )


def _balances() -> dict[str, int]:
    return dict(LedgerEntry.objects.values("account").annotate(s=Sum("amount")).values_list("account", "s"))


def _deliver(batches: list[list[dict[str, Any]]]) -> dict[str, int]:
    with transaction.atomic():
        for b in batches:
            actions.ingest_events(actor=None, items=b, now=NOW)
        result = _balances()
        transaction.set_rollback(True)
    return result


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(stream_strategy(), st.randoms(use_true_random=False))
def test_any_delivery_gives_the_same_balances(gates: None, events: list[dict[str, Any]], rnd: random.Random) -> None:
    Rider.objects.get_or_create(account="phone-1")
    Rider.objects.get_or_create(account="phone-2")
    reference_balances = _deliver([sorted(events, key=lambda e: e["at"])])
    # At least once, out of order, duplicated, some dropped at first and redelivered late,
    # in batches of random size, and the whole stream replayed again at the end.
    messy = events + [rnd.choice(events) for _ in range(rnd.randint(0, 5))]
    rnd.shuffle(messy)
    late = [e for e in messy if rnd.random() < 0.2]
    first = [e for e in messy if e not in late]
    batches, i = [], 0
    while i < len(first):
        n = rnd.randint(1, 4)
        batches.append(first[i : i + n])
        i += n
    batches += [late, events] if late else [events]
    assert _deliver([b for b in batches if b]) == reference_balances
    assert sum(reference_balances.values()) == 0


# --- the API ---------------------------------------------------------------------------------


@pytest.fixture
def gate_token(gates: None, make_user: Callable[..., User]) -> str:
    controller = make_user(roles={"metro": "operator"}, username="gate-controller-1")
    return core_actions.issue_token(None, controller, "gate controller 1")


def post(token: str | None, body: Any) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().post("/api/v1/metro/gate-events", data=json.dumps(body), content_type="application/json", **headers)


def test_api_requires_a_token_with_the_role(gate_token: str, make_user: Callable[..., User], rider: Rider) -> None:
    body = {"events": [ev(1, SEOUL_STATION, "entry", -5)]}
    assert post(None, body).status_code == 401
    assert post("st_not-a-token", body).status_code == 401
    viewer_token = core_actions.issue_token(None, make_user(roles={"metro": "viewer"}), "viewer")
    assert post(viewer_token, body).status_code == 403
    r = post(gate_token, body)
    assert r.status_code == 200, r.content
    assert r.json()["accepted"] == 1


def test_api_reports_items_and_limits(gate_token: str, rider: Rider) -> None:
    r = post(gate_token, {"events": [ev(1, SEOUL_STATION, "entry", -5), ev(2, "G-NOPE", "exit", -1)]})
    assert r.json()["rejected"][0]["field"] == "gate"
    assert post(gate_token, {"events": []}).status_code == 422
    assert post(gate_token, {"events": "lots"}).status_code == 422
    too_many = {"events": [ev(i, SEOUL_STATION, "entry", 0) for i in range(actions.MAX_BATCH + 1)]}
    assert post(gate_token, too_many).status_code in (413, 422)


# --- bus legs ---------------------------------------------------------------------------------


def bus(
    i: int, minutes: float, ride_minutes: float = 15, km: float = 4.0, route: str = "472", rider: str = "phone-1"
) -> dict[str, Any]:
    board = T0 + timedelta(minutes=minutes)
    return {
        "event_id": f"bus-{i}",
        "kind": "bus",
        "rider": rider,
        "mode": "trunk",
        "route": route,
        "at": board.isoformat(),
        "alight_at": (board + timedelta(minutes=ride_minutes)).isoformat(),
        "distance_m": round(km * 1000),
    }


def test_bus_then_subway_within_the_window_is_one_journey(rider: Rider) -> None:
    # Bus 4 km, boarded 08:00, off 08:15; subway 서울역 → 시청 entered 08:25 (inside 30 minutes).
    r = actions.ingest_events(
        [bus(1, 0), ev(2, SEOUL_STATION, "entry", 25), ev(3, CITY_HALL, "exit", 35)], actor=None, now=NOW
    )
    assert (r.accepted, r.rejected) == (3, [])
    journey = Journey.objects.get(superseded=False)
    assert journey.key == "bus-1"
    assert journey.charge == 1550  # the higher base once; 5.1 km in all, no distance step
    legs = journey.breakdown["legs"]
    assert [(leg["mode"], leg["charge"]) for leg in legs] == [("trunk", 1500), ("subway", 50)]
    assert legs[1]["transfer_credit"] == 1500
    assert balance("rider:phone-1") == 1550


def test_bus_outside_the_window_is_its_own_journey(rider: Rider) -> None:
    actions.ingest_events(
        actor=None, items=[bus(1, 0), ev(2, SEOUL_STATION, "entry", 50), ev(3, CITY_HALL, "exit", 60)], now=NOW
    )
    assert sorted(Journey.objects.filter(superseded=False).values_list("key", "charge")) == [
        ("bus-1", 1500),
        ("ev-2", 1550),
    ]
    assert balance("rider:phone-1") == 3050


def test_a_late_bus_ride_turns_two_charges_into_one_journey(rider: Rider) -> None:
    actions.ingest_events(actor=None, items=[ev(2, SEOUL_STATION, "entry", 25), ev(3, CITY_HALL, "exit", 35)], now=NOW)
    assert balance("rider:phone-1") == 1550
    actions.ingest_events(actor=None, items=[bus(1, 0)], now=NOW)
    assert balance("rider:phone-1") == 1550  # the bus 1,500 + 50 for the subway, not 1,500 + 1,550
    assert Journey.objects.get(key="ev-2").superseded


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mode": "rocket"}, "mode"),
        ({"route": ""}, "route"),
        ({"distance_m": -3}, "distance_m"),
        ({"distance_m": "far"}, "distance_m"),
        ({"alight_at": (T0 - timedelta(minutes=1)).isoformat()}, "alight_at"),
        ({"alight_at": "soon"}, "alight_at"),
        ({"rider": "stranger"}, "rider"),
    ],
)
def test_bad_bus_items(rider: Rider, change: dict[str, Any], field: str) -> None:
    r = actions.ingest_events(actor=None, items=[{**bus(1, 0), **change}], now=NOW)
    assert r.accepted == 0
    assert [x["field"] for x in r.rejected] == [field]


def bus_stream() -> st.SearchStrategy[list[dict[str, Any]]]:
    tap = st.tuples(st.just("tap"), st.sampled_from(GATES), st.sampled_from(["entry", "exit"]), st.integers(0, 600))
    ride = st.tuples(st.just("bus"), st.sampled_from(["472", "7016"]), st.integers(1, 30), st.integers(0, 600))
    return st.lists(st.one_of(tap, ride), min_size=1, max_size=10).map(
        lambda xs: [
            ev(i, a, b, m) if kind == "tap" else bus(i, m, ride_minutes=b, route=a)
            for i, (kind, a, b, m) in enumerate(xs)
        ]
    )


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(bus_stream(), st.randoms(use_true_random=False))
def test_bus_and_subway_in_any_order_give_the_same_balances(
    gates: None, events: list[dict[str, Any]], rnd: random.Random
) -> None:
    Rider.objects.get_or_create(account="phone-1")
    reference_balances = _deliver([sorted(events, key=lambda e: e["at"])])
    messy = events + [rnd.choice(events) for _ in range(rnd.randint(0, 3))]
    rnd.shuffle(messy)
    half = rnd.randint(0, len(messy))
    assert _deliver([messy[:half], messy[half:], events]) == reference_balances


def test_rider_buys_a_pass_from_the_page(rider: Rider, make_user: Callable[..., User]) -> None:
    citizen = make_user(kind=User.Kind.CITIZEN, institution=None, username="pass-buyer")
    rider.user = citizen
    rider.save()
    client = Client()
    client.force_login(citizen)
    month = actions.pass_months()[0].isoformat()  # a 30-day pass from today (a pass day begins at 04:00)
    assert client.post("/metro/me/pass/", {"month": "1999-01-01"}).status_code == 302
    assert not rider.passes.exists()
    assert client.post("/metro/me/pass/", {"month": month}).status_code == 302
    client.post("/metro/me/pass/", {"month": month})  # a double click buys once
    assert rider.passes.count() == 1
    assert balance("rider:phone-1") == 62000
    assert f'data-testid="pass-{month[:7]}"' in client.get("/metro/me/").content.decode()


def test_caps_come_from_tariff_data(rider: Rider, monkeypatch: pytest.MonkeyPatch) -> None:
    from seoul.metro.engine import data

    monkeypatch.setitem(data.tariffs().raw, "caps", {"daily": 2000, "monthly": None})
    actions.ingest_events(
        actor=None,
        items=[
            ev(1, SEOUL_STATION, "entry", 0),
            ev(2, CITY_HALL, "exit", 10),
            ev(3, SEOUL_STATION, "entry", 60),
            ev(4, CITY_HALL, "exit", 70),
        ],
        now=NOW,
    )
    assert balance("rider:phone-1") == 2000
