"""The platform's own gate entries as the forecast's taps: split by platform (engine/congestion/
taps.py), counted per station and minute from the gate events (actions/congestion.py), stored
(storage.py), read by the forecast, and a station whose gates say nothing filled in with its
usual taps (live.not_reporting)."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from seoul.core.engine.time import SEOUL
from seoul.metro import actions, selectors, storage
from seoul.metro.adapters import loads
from seoul.metro.adapters.loads_standin import LoadsStandIn
from seoul.metro.engine.congestion import baseline, forecast, live, taps
from seoul.metro.models import Gate, GateEvent, Rider

AT = datetime(2026, 3, 4, 8, 10, tzinfo=SEOUL)  # a Wednesday morning
DAY = baseline.service_day(AT)
TRUNK = next(r for r in baseline.table().routes if r.name == "방화-하남검단산")
OPENING = datetime(2026, 3, 4, 5, 0, tzinfo=SEOUL)


def test_each_platform_gets_its_share_and_no_entry_is_lost() -> None:
    """군자 (5호선 and 7호선): four platforms share the station's entries at every minute; split
    back per platform, the entries add up again (whole taps: at most one lost or gained per
    platform to rounding over the whole day)."""
    found = taps.shares("군자", "weekday")
    assert set(found) == {("5", 0), ("5", 1), ("7", 0), ("7", 1)}
    total = np.sum(list(found.values()), axis=0)
    assert np.allclose(total, 1.0)
    assert all(((s >= 0) & (s <= 1)).all() for s in found.values())
    rng = np.random.default_rng(7)
    entries = {"군자": rng.poisson(30, 300), "장한평": rng.poisson(12, 300)}
    got = 0
    for route in (TRUNK, baseline.table().routes_of("7", "군자")[0]):
        for forward in (True, False):
            got += int(taps.split(entries, route, forward, DAY)["군자"].sum())
    assert abs(got - int(entries["군자"].sum())) <= 4
    # a station of only one line splits between its two directions
    both = sum(int(taps.split(entries, TRUNK, f, DAY)["장한평"].sum()) for f in (True, False))
    assert abs(both - int(entries["장한평"].sum())) <= 2


def test_at_a_terminal_every_entry_takes_the_train_leaving_it() -> None:
    """방화 ends 5호선: nobody boards toward 방화 there, so while trains leave 방화 all its entries
    are the departing platform's; at 장한평 in the morning peak both directions board."""
    found = taps.shares("방화", "weekday")
    leaving = found[(TRUNK.line, TRUNK.row(True))]
    service = slice(0, 18 * 30)  # 05:30 to 23:30
    assert np.allclose(leaving[service], 1.0)
    assert np.allclose(found[(TRUNK.line, TRUNK.row(False))][service], 0.0)
    both = taps.shares("장한평", "weekday")
    assert all(0.2 < float(s[2 * 30 + 15]) < 0.8 for s in both.values())  # 07:45


def test_pooling_keeps_published_lines_and_service_minutes_only() -> None:
    rows = [
        ("군자", "5", 10, 3),
        ("군자", "7", 10, 2),  # the other line's gates share the paid area: pooled
        ("노량진", "9", 10, 50),  # 9호선: no published congestion, left out
        ("군자", "5", -1, 9),  # before 05:30
        ("군자", "5", taps.SPAN, 9),  # after the last slot
    ]
    got = taps.pooled(*zip(*rows, strict=True))
    assert set(got) == {"군자"} and got["군자"][10] == 5 and got["군자"].sum() == 5


def _view(entries: dict[str, np.ndarray], forward: bool, at: datetime) -> live.Live:
    got = loads.departures("5", OPENING, at + timedelta(seconds=1))
    return live.live_from_departures(
        TRUNK, forward, DAY, got, taps.split(entries, TRUNK, forward, DAY), live.minute_of(DAY, at)
    )


def _entries(scale: float = 1.0) -> dict[str, np.ndarray]:
    """Each station's gate entries of the simulated day: both directions' taps summed."""
    out: dict[str, np.ndarray] = {}
    for forward in (True, False):
        sim = forecast._simulated(TRUNK, forward, DAY)
        for row, station in zip(sim.taps, sim.stations, strict=True):
            mine = out.setdefault(station, np.zeros(taps.SPAN, dtype=np.int64))
            mine[: len(row)] += np.rint(row[: taps.SPAN] * scale).astype(np.int64)
    return out


def test_a_station_whose_gates_say_nothing_gets_its_usual_taps(feed: LoadsStandIn) -> None:
    entries = _entries()
    k = TRUNK.ordered(True)[0].index("장한평")
    model = forecast._platform_model(TRUNK, True, DAY, k)
    whole = _view(entries, True, AT)
    assert not live.not_reporting(model, whole).any()
    answer = live.platform_from_live(TRUNK, True, "장한평", AT, whole, 2)
    assert "usual taps" not in answer["note"]
    del entries["장한평"]  # its gates offline
    partial = _view(entries, True, AT)
    missing = live.not_reporting(model, partial)
    assert missing.sum() == 1 and missing[k]
    answer = live.platform_from_live(TRUNK, True, "장한평", AT, partial, 2)
    assert "at 1 of" in answer["note"]


def test_more_riders_at_the_gates_make_fuller_trains(feed: LoadsStandIn) -> None:
    """The forecast reads the gates: the same trains with half again as many entries at every
    station over the day board more riders."""
    usual = live.platform_from_live(TRUNK, True, "군자", AT, _view(_entries(), True, AT), 3)
    busy = live.platform_from_live(TRUNK, True, "군자", AT, _view(_entries(1.5), True, AT), 3)
    assert busy["trains"][0]["percent"] > usual["trains"][0]["percent"] + 3


@pytest.mark.django_db
def test_entries_are_counted_per_station_and_minute_and_recounted(feed: LoadsStandIn, gates: None) -> None:
    rider = Rider.objects.create(account="counted")
    gunja_5 = Gate.objects.get(station="군자", line="5")
    gunja_7 = Gate.objects.get(station="군자", line="7")
    jangan = Gate.objects.get(station="장한평", line="5")
    minute = live.service_start(DAY)

    def enter(n: int, gate: Gate, at: datetime, kind: str = GateEvent.Kind.ENTRY) -> None:
        start = GateEvent.objects.count()
        GateEvent.objects.bulk_create(
            GateEvent(event_id=f"e{start + i}", gate=gate, rider=rider, kind=kind, at=at, content_hash="x")
            for i in range(n)
        )

    at = minute + timedelta(minutes=150, seconds=20)  # 08:00:20
    enter(4, gunja_5, at)
    enter(3, gunja_7, at + timedelta(seconds=30))
    enter(2, jangan, at)
    enter(5, jangan, at, kind=GateEvent.Kind.EXIT)  # exits are not entries
    enter(6, jangan, AT)  # 08:10: the minute still running is not counted
    counted = actions.count_entries(actor=None, now=AT)
    assert counted == {"day": DAY.isoformat(), "minutes": 30, "entries": 9}
    assert sorted(storage.read_entries(DAY)) == [("군자", "5", 150, 4), ("군자", "7", 150, 3), ("장한평", "5", 150, 2)]
    pooled = selectors.gate_entries(DAY)
    assert pooled["군자"][150] == 7 and pooled["장한평"][150] == 2
    # a gate that was offline sends its 08:00 entries late: the next count counts them
    enter(10, jangan, at)
    actions.count_entries(actor=None, now=AT + timedelta(minutes=1))
    assert selectors.gate_entries(DAY)["장한평"][150] == 12
    assert selectors.gate_entries(DAY)["장한평"][160] == 6
    # an hour later the 08:00 minute is out of the recount and keeps what was counted
    enter(100, jangan, at)
    actions.count_entries(actor=None, now=AT + timedelta(hours=1))
    assert selectors.gate_entries(DAY)["장한평"][150] == 12


@pytest.mark.django_db
def test_the_pages_forecast_reads_the_stored_entries(feed: LoadsStandIn) -> None:
    """Measured departures and no entries: usual taps everywhere; entries of every station
    stored: the note no longer says so, and twice the entries give fuller trains."""
    actions.pull_departures(["5"], actor=None, now=AT)
    platform = selectors.find_platform("군자", "하남검단산", "5")
    none = selectors.platform_forecast(platform, AT)
    assert none["source"] == "measured" and "gate taps not available" in none["note"]
    minutes = int(live.minute_of(DAY, AT))
    for scale, name in ((1.0, "usual"), (2.0, "double")):
        rows = [
            (station, "5", m, int(n))
            for station, row in _entries(scale).items()
            for m, n in enumerate(row[:minutes])
            if n
        ]
        storage.write_entries(DAY, rows, 0, minutes)
        answer = selectors.platform_forecast(platform, AT)
        assert "usual taps" not in answer["note"], name
        if name == "usual":
            first = answer["trains"][0]["percent"]
    assert answer["trains"][0]["percent"] > first + 5
