"""Measured departures instead of the simulator: the departures feed's adapter against its
loopback stand-in (pages, a busy or late service, malformed and repeated records), the live
view built from the feed equal to the simulator's (so the forecast from measurements is the
pages' forecast when the measurements are the simulated day's), and yesterday's open-data
table (no database)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from django.test import override_settings

from seoul.core.adapters.http import AdapterError, call
from seoul.core.engine.time import SEOUL
from seoul.metro.adapters import loads
from seoul.metro.adapters.loads import LoadsError
from seoul.metro.adapters.loads_standin import BAD_KINDS, LoadsStandIn
from seoul.metro.engine.congestion import baseline, forecast, live, opendata
from seoul.metro.engine.congestion.levels import CAPACITY, KG_PER_PASSENGER
from seoul.metro.engine.congestion.live import Departure

DAY = date(2026, 3, 4)  # a Wednesday: the day the congestion pages' tests show
AT = datetime(2026, 3, 4, 8, 10, tzinfo=SEOUL)
TRUNK = baseline.route_for("5", "장한평")  # 방화-하남검단산; 강동 is also the 마천 branch's first station
KG = CAPACITY * KG_PER_PASSENGER / 100  # kg a car at 1 %
ROUNDING = 0.1 + 1e-9  # one step of the answer's 0.1 % rounding (and the float error of 57.6 - 57.5)
OPENING = live.service_start(DAY) - timedelta(minutes=30)  # the first train may leave a little before 05:30


def _simulated_count(since: datetime, until: datetime) -> int:
    """Departures of line 5 in [since, until), read straight from the simulated days."""
    lo, hi = live.minute_of(DAY, since), live.minute_of(DAY, until)
    count = 0
    for route in (r for r in baseline.table().routes if r.line == "5"):
        for forward in (True, False):
            dep = forecast._simulated(route, forward, DAY).dep
            count += int(((dep >= lo) & (dep < hi)).sum())
    return count


def test_the_feed_answers_in_pages_and_only_what_has_happened(feed: LoadsStandIn) -> None:
    since = AT - timedelta(minutes=20)
    got = loads.departures("5", since, AT + timedelta(hours=1))  # the hour ahead has not happened
    assert len(got) == _simulated_count(since, AT) > 300
    assert all(since <= d.departed_at <= AT for d in got)
    assert [d.departed_at for d in got] == sorted(d.departed_at for d in got)
    assert all(d.line == "5" and len(d.loads_kg) == 8 and d.direction in (0, 1) for d in got)
    assert {d.station for d in got} <= {name for (line, name) in baseline.table().code_of if line == "5"}
    assert {d.destination for d in got} == {"방화", "하남검단산", "강동", "마천"}
    assert len({d.train for d in got}) > 30
    # smaller pages: the same departures
    with override_settings(SEOUL_METRO_LOADS_PAGE=100):
        pulled = loads.pull("5", since, AT + timedelta(hours=1))
    assert pulled.departures == got and pulled.pages == len(got) // 100 + 1
    # the clock moves on: the next minutes appear
    feed.clock = (AT + timedelta(minutes=10)).isoformat()
    later = loads.departures("5", since, AT + timedelta(hours=1))
    assert len(later) == _simulated_count(since, AT + timedelta(minutes=10)) > len(got)


def test_a_busy_service_is_asked_again_then_given_up_on(feed: LoadsStandIn) -> None:
    window = (AT - timedelta(minutes=5), AT)
    clean = loads.departures("5", *window)
    feed.fail_next = 2  # busy twice, the third try answers
    assert loads.departures("5", *window) == clean
    feed.fail_next = 3
    with pytest.raises(LoadsError) as exc:
        loads.departures("5", *window)
    assert exc.value.code == "unavailable" and exc.value.status == 503


@override_settings(SEOUL_METRO_LOADS_TIMEOUT=0.3)
def test_a_late_answer_is_a_time_out_and_asked_again(feed: LoadsStandIn) -> None:
    window = (AT - timedelta(minutes=5), AT)
    clean = loads.departures("5", *window)
    feed.set_knobs({"late_next": 1, "late_by": 0.8})
    assert loads.departures("5", *window) == clean  # the second try answers in time
    feed.set_knobs({"late_next": 1, "late_by": 0.8})
    with override_settings(SEOUL_METRO_LOADS_ATTEMPTS=1), pytest.raises(AdapterError) as exc:
        loads.departures("5", *window)
    assert isinstance(exc.value, LoadsError) and exc.value.code == "timeout"


def test_malformed_records_are_skipped_and_repeats_kept_once(feed: LoadsStandIn) -> None:
    window = (AT - timedelta(minutes=5), AT)
    clean = loads.departures("5", *window)
    feed.bad_records = 1
    pulled = loads.pull("5", *window)
    assert pulled.departures == clean
    assert len(pulled.skipped) == len(BAD_KINDS)
    reasons = " | ".join(pulled.skipped)
    for words in ("negative", "more than a car can carry", "not a list of 8", "offset", "direction 2", "train id"):
        assert words in reasons
    feed.repeat_records = 1
    again = loads.pull("5", *window)
    assert again.departures == clean and again.repeated == len(clean) and again.skipped == []


def test_the_feed_wants_its_api_key_and_a_sound_question(feed: LoadsStandIn) -> None:
    with override_settings(SEOUL_METRO_LOADS_API_KEY="wrong"), pytest.raises(LoadsError) as exc:
        loads.departures("5", AT - timedelta(minutes=5), AT)
    assert exc.value.code == "unauthorized"
    with pytest.raises(LoadsError) as exc:
        loads.departures("5", AT - timedelta(days=2), AT)
    assert exc.value.code == "invalid_window"
    with pytest.raises(LoadsError) as exc:
        loads.departures("9", AT - timedelta(minutes=5), AT)
    assert exc.value.code == "invalid_line"


def _sim_taps(route: baseline.Route, forward: bool) -> dict[str, forecast.I64]:
    sim = forecast._simulated(route, forward, DAY)
    return {name: sim.taps[i] for i, name in enumerate(sim.stations)}


@pytest.mark.parametrize("forward", [True, False])
def test_the_live_view_from_the_feed_is_the_simulators(feed: LoadsStandIn, forward: bool) -> None:
    """The feed carries every departure of line 5 (both branches, both directions); the trunk's
    view in one direction must be ``observe``'s: the same trains in the same rows, the same
    departures, the weighings to the feed's 0.1 kg (0.001 %)."""
    got = loads.departures("5", OPENING, AT + timedelta(seconds=1))
    minute = live.minute_of(DAY, AT)
    view = live.live_from_departures(TRUNK, forward, DAY, got, _sim_taps(TRUNK, forward), minute)
    truth = forecast.observe(forecast._simulated(TRUNK, forward, DAY), minute)
    assert view.dep.shape == truth.dep.shape and view.weigh_pct.shape == truth.weigh_pct.shape
    assert np.array_equal(np.isnan(view.dep), np.isnan(truth.dep))
    assert np.nanmax(np.abs(view.dep - truth.dep)) < 1e-6
    assert np.nanmax(np.abs(view.weigh_pct - truth.weigh_pct)) < 0.05 / KG + 1e-9
    assert np.allclose(view.timetable, truth.timetable)
    assert np.array_equal(view.taps, truth.taps)


@pytest.mark.parametrize(("forward", "at"), [(True, AT), (False, AT), (True, AT + timedelta(hours=9, minutes=25))])
def test_the_forecast_from_the_feed_is_the_pages_forecast(feed: LoadsStandIn, forward: bool, at: datetime) -> None:
    """With the simulator's taps, the measured path gives the pages' answer: the same trains at
    the same minutes; each car within 0.1 point, because the feed rounds the weighing to 0.1 kg
    (≤ 0.0005 % a car, carried on with a kept share ≤ 1) and the answer rounds to 0.1 %, so a
    value on a rounding edge may land on the other side."""
    feed.clock = at.isoformat()
    got = loads.departures("5", OPENING, at + timedelta(seconds=1))
    view = live.live_from_departures(TRUNK, forward, DAY, got, _sim_taps(TRUNK, forward), live.minute_of(DAY, at))
    measured = live.platform_from_live(TRUNK, forward, "장한평", at, view, 3)
    simulated = forecast.simulated_platform(TRUNK, forward, "장한평", at, 3)
    assert measured["source"] == "measured" and simulated["source"] == "simulated"
    assert set(measured) == set(simulated)
    for key in set(simulated) - {"source", "note", "trains"}:
        assert measured[key] == simulated[key], key
    assert len(measured["trains"]) == len(simulated["trains"]) == 3
    for ours, theirs in zip(measured["trains"], simulated["trains"], strict=True):
        assert ours["leaves_at"] == theirs["leaves_at"]
        assert ours["minutes_away"] == pytest.approx(theirs["minutes_away"], abs=ROUNDING)
        assert ours["percent"] == pytest.approx(theirs["percent"], abs=ROUNDING)
        for a, b in zip(ours["cars"], theirs["cars"], strict=True):
            assert a["car"] == b["car"]
            for field in ("percent", "low", "high"):
                assert a[field] == pytest.approx(b[field], abs=ROUNDING)


def test_without_taps_the_usual_ones_are_assumed(feed: LoadsStandIn) -> None:
    got = loads.departures("5", OPENING, AT + timedelta(seconds=1))
    view = live.live_from_departures(TRUNK, True, DAY, got, None, live.minute_of(DAY, AT))
    assert not view.taps.any()
    answer = live.platform_from_live(TRUNK, True, "장한평", AT, view, 2)
    assert "usual taps assumed" in answer["note"] and len(answer["trains"]) == 2
    # zero taps read as "nobody came" would board no one: the usual taps board riders
    k = TRUNK.ordered(True)[0].index("장한평")
    model = forecast._platform_model(TRUNK, True, DAY, k)
    empty = forecast.forecast(model, view, k, 2)
    assert answer["trains"][0]["percent"] > float(empty[0].pct.mean()) + 5


def _dep(train: str, station: str, direction: int, at: datetime, pcts: list[float], line: str = "5") -> Departure:
    return Departure(train, line, station, direction, at, tuple(p * KG for p in pcts))


def test_the_live_view_matches_trains_by_id_and_ignores_what_is_not_its_own() -> None:
    names, hops = TRUNK.ordered(True)
    row = TRUNK.row(True)
    start = live.service_start(DAY)
    timetable = live.scheduled(TRUNK, True, DAY)
    j = 10  # the eleventh train of the timetable and the next one
    first = float(timetable[j])
    gap = float(timetable[j + 1] - timetable[j])
    at = [start + timedelta(minutes=first + sum(hops[:i])) for i in range(3)]
    deps = [
        _dep("A", names[0], row, at[0], [10] * 8),
        _dep("A", names[1], row, at[1], [20] * 8),
        _dep("A", names[1], row, at[1] + timedelta(seconds=30), [99] * 8),  # repeated: the first kept
        _dep("B", names[0], row, at[1], [5] * 8),  # early: still the next timetable entry
        _dep("A", names[2], row, at[2], [30] * 8),  # after now: not known yet
        _dep("A", "서울역", row, at[1], [50] * 8),  # not on the route
        _dep("C", names[1], 1 - row, at[1], [50] * 8),  # the other direction
        _dep("D", names[1], row, at[1], [50] * 8, line="2"),  # another line
        Departure("E", "5", names[1], row, at[1], (-1.0,) * 8),  # a refused load
    ]
    now = live.minute_of(DAY, at[2]) - 0.1
    view = live.live_from_departures(TRUNK, True, DAY, deps, {names[0]: [1] * 1000, "없는역": [5] * 10}, now)
    assert view.dep.shape == (len(timetable) - j, len(names))  # trains before A never reported: dropped
    assert view.timetable[0] == first and view.timetable[1] == first + gap
    assert view.dep[0, 0] == pytest.approx(first) and view.dep[0, 1] == pytest.approx(first + hops[0])
    assert view.dep[1, 0] == pytest.approx(first + hops[0])
    assert np.isnan(view.dep[0, 2:]).all() and np.isnan(view.dep[1, 1:]).all() and np.isnan(view.dep[2:]).all()
    assert view.weigh_pct[0, 1] == pytest.approx([20] * 8) and view.weigh_pct[1, 0] == pytest.approx([5] * 8)
    assert view.taps.shape == (len(names), int(now)) and view.taps[0].sum() == int(now) and view.taps[1:].sum() == 0


def test_the_open_data_table_aggregates_a_day() -> None:
    def at(hour: int, minute: int, day: int = 4) -> datetime:
        return datetime(2026, 3, day, hour, minute, tzinfo=SEOUL)

    a = [40.0, 60, 80, 100, 120, 140, 160, 180]
    b = [50.0, 50, 50, 50, 50, 50, 50, 250]
    deps = [
        _dep("T1", "장한평", 1, at(8, 5), a),
        _dep("T2", "장한평", 1, at(8, 29), b),
        _dep("T3", "장한평", 1, at(8, 30), b),  # the next half-hour
        _dep("T1", "군자", 0, at(8, 10), a),
        _dep("T9", "장한평", 1, at(0, 10, day=5), a),  # after midnight: the 4th's service, "00:00"
        _dep("T9", "장한평", 1, at(3, 0, day=5), a),  # no published slot: left out
        Departure("T8", "5", "장한평", 1, at(8, 6), (-5.0,) * 8),  # refused load: left out
        _dep("L1", "시청", 0, at(8, 15), [70.0] * 10, line="2"),  # the loop: 내선
        _dep("L2", "신설동", 1, at(8, 15), [30.0] * 10, line="2"),  # a 2호선 branch: 하선
    ]
    rows = opendata.daily_table(deps)
    code = baseline.table().code_of
    assert len(rows) == 8 * 4 + 10 * 2
    assert {r.service_day for r in rows} == {DAY}
    by = {(r.station, r.direction, r.slot, r.car): r for r in rows}
    for car in range(8):
        r = by[("장한평", "하선", "08:00", car + 1)]
        assert r.trains == 2 and r.line == "5" and r.station_code == code[("5", "장한평")]
        assert r.mean_percent == pytest.approx(round((a[car] + b[car]) / 2, 1))
        assert r.max_percent == pytest.approx(round(max(a[car], b[car]), 1))
        nxt = by[("장한평", "하선", "08:30", car + 1)]
        assert nxt.trains == 1 and nxt.mean_percent == pytest.approx(b[car])
        assert by[("장한평", "하선", "00:00", car + 1)].mean_percent == pytest.approx(a[car])
        assert by[("군자", "상선", "08:00", car + 1)].max_percent == pytest.approx(a[car])
    assert by[("시청", "내선", "08:00", 10)].mean_percent == pytest.approx(70.0)
    assert by[("신설동", "하선", "08:00", 1)].station_code == code[("2", "신설동")]
    # ordered by day, line, station code, direction, half-hour, car
    keys = [(int(r.line), r.station_code or 0, r.direction, baseline.SLOT_LABELS.index(r.slot), r.car) for r in rows]
    assert keys == sorted(keys)

    text = opendata.to_csv(rows)
    assert text.startswith("\ufeff운행일,호선,역명,역번호,구분,시간대,칸,열차수,평균혼잡도(%),최대혼잡도(%)\r\n")
    parsed = list(csv.reader(io.StringIO(text.encode("utf-8").decode("utf-8-sig"))))
    assert len(parsed) == len(rows) + 1
    first = dict(zip(parsed[0], parsed[1], strict=True))
    assert first["운행일"] == "2026-03-04" and first["호선"] == rows[0].line
    assert float(first["평균혼잡도(%)"]) == rows[0].mean_percent
    assert not opendata.to_csv(rows, bom=False).startswith("\ufeff")


def test_the_clock_and_faults_are_set_over_the_control_endpoint(feed: LoadsStandIn) -> None:
    later = AT + timedelta(minutes=30)
    answer = call("POST", loads.endpoint() + "/_control", {"clock": later.isoformat(), "bad_records": 1})[1]
    assert answer["knobs"]["clock"] == later.isoformat() and feed.now() == later
    with pytest.raises(AdapterError) as exc:
        call("POST", loads.endpoint() + "/_control", {"clock": "08:00"})  # no date, no offset
    assert exc.value.code == "invalid_knobs"
    pulled = loads.pull("5", later - timedelta(minutes=5), later + timedelta(minutes=5))
    assert len(pulled.skipped) == len(BAD_KINDS)
    assert pulled.departures and max(d.departed_at for d in pulled.departures) <= later
    call("POST", loads.endpoint() + "/_control/reset", {})
    assert feed.clock == "" and feed.bad_records == 0
