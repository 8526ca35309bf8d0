"""Door / CCTV passenger counts as a second source of per-car loads: the accumulation along a
trip (arithmetic, the reset at a trip's first station, continuing across pulls, clipping, a
train first seen mid-trip), the simulated counts against the simulator's truth, and the counts
feed's adapter against its loopback stand-in (pages, malformed and repeated records, a busy or
late service, a line without counters, a wrong key, a cursor that does not move)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from django.test import override_settings

from seoul.core.adapters.standin import Answer, Request, StandIn, json_answer
from seoul.core.engine.time import SEOUL
from seoul.metro.adapters import doorcounts, loads
from seoul.metro.adapters.doorcounts import CountsError
from seoul.metro.adapters.doorcounts_standin import BAD_KINDS, CountsStandIn
from seoul.metro.adapters.loads_standin import LoadsStandIn
from seoul.metro.engine.congestion import baseline, counts, forecast, live
from seoul.metro.engine.congestion.counts import NO_ERRORS, DoorCount, accumulate, loads_from_counts, simulated_counts
from seoul.metro.engine.congestion.levels import CAPACITY, KG_PER_PASSENGER, MAX_PERCENT, percent_from_load_kg

DAY = date(2026, 3, 4)  # a Wednesday: the day the congestion pages' tests show
AT = datetime(2026, 3, 4, 8, 10, tzinfo=SEOUL)
TRUNK = baseline.route_for("5", "장한평")  # 방화-하남검단산
BRANCH = next(r for r in baseline.table().routes if r.line == "5" and r.name == "강동-마천")
LOOP = next(r for r in baseline.table().routes if r.loop)
OPENING = live.service_start(DAY) - timedelta(minutes=30)  # the first train may leave a little before 05:30
NAMES, HOPS = TRUNK.ordered(True)
ROW = TRUNK.row(True)


def _at(i: int, start: float = 60.0) -> datetime:
    """When a trunk train that left 방화 at minute ``start`` leaves its ``i``-th station."""
    return live.service_start(DAY) + timedelta(minutes=start + sum(HOPS[:i]))


def _count(
    i: int, boarded: list[int], alighted: list[int], train: str = "T1", destination: str = "하남검단산", **kw: object
) -> DoorCount:
    fields: dict[str, object] = {
        "train": train,
        "line": "5",
        "station": NAMES[i],
        "direction": ROW,
        "departed_at": _at(i),
        "boarded": tuple(boarded),
        "alighted": tuple(alighted),
        "destination": destination,
    }
    fields.update(kw)
    return DoorCount(**fields)  # type: ignore[arg-type]


def _riders(d: live.Departure) -> list[float]:
    return [kg / KG_PER_PASSENGER for kg in d.loads_kg]


# --- accumulation ---------------------------------------------------------------------------------


def test_riders_are_accumulated_along_the_trip_in_time_order() -> None:
    trip = [
        _count(0, [10, 20, 30, 40, 0, 0, 0, 5], [0] * 8),
        _count(1, [5, 0, 0, 0, 3, 0, 0, 0], [2, 20, 1, 0, 0, 0, 0, 5]),
        _count(2, [0, 7, 0, 0, 0, 0, 0, 1], [8, 0, 29, 10, 1, 0, 0, 0]),
    ]
    got = loads_from_counts(reversed(trip))  # any order: the train's stops are taken in time order
    assert [d.station for d in got] == NAMES[:3]
    assert _riders(got[0]) == [10, 20, 30, 40, 0, 0, 0, 5]
    assert _riders(got[1]) == [13, 0, 29, 40, 3, 0, 0, 0]
    assert _riders(got[2]) == [5, 7, 0, 30, 2, 0, 0, 1]
    assert got[2].loads_kg == (5 * 65.0, 7 * 65.0, 0.0, 30 * 65.0, 2 * 65.0, 0.0, 0.0, 65.0)
    assert all(d.source == "door_counts" and d.train == "T1" and d.direction == ROW for d in got)
    assert got[0].departed_at == _at(0) and got[0].destination == "하남검단산"
    # the same stop given twice is used once (applied twice it would shift the rest of the trip)
    again = accumulate([*trip, trip[1]])
    assert again.departures == got and again.repeated == 1


def test_a_trip_starts_empty_at_its_first_station_whatever_was_carried() -> None:
    prior = {"T1": (99.0,) * 8}
    got = loads_from_counts([_count(0, [4] * 8, [0] * 8)], prior)
    assert _riders(got[0]) == [4] * 8  # everyone left at the terminus
    # 강동 is the 마천 branch's first station but the trunk's middle: a 마천 train leaves it with its
    # own boarders only; a trunk train (or one whose destination is not given) keeps its riders
    gangdong = {"station": "강동", "departed_at": _at(0), "direction": BRANCH.row(True)}
    branch = loads_from_counts([_count(0, [4] * 8, [0] * 8, destination="마천", **gangdong)], prior)
    trunk = loads_from_counts([_count(0, [4] * 8, [0] * 8, **gangdong)], prior)
    unknown = loads_from_counts([_count(0, [4] * 8, [0] * 8, destination="", **gangdong)], prior)
    assert _riders(branch[0]) == [4] * 8
    assert _riders(trunk[0]) == _riders(unknown[0]) == [103] * 8


def test_a_train_first_seen_mid_trip_starts_from_zero_and_is_flagged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="seoul.metro.congestion.counts"):
        done = accumulate([_count(5, [3] * 8, [1] * 8, train="LATE"), _count(0, [2] * 8, [0] * 8, train="EARLY")])
    assert done.mid_trip == ("LATE",)
    assert "first seen mid-trip" in caplog.text and "LATE" in caplog.text
    by = {d.train: d for d in done.departures}
    assert _riders(by["LATE"]) == [2] * 8
    # with the riders carried from an earlier pull it continues and is not flagged
    later = accumulate([_count(5, [3] * 8, [1] * 8, train="LATE")], {"LATE": (50.0,) * 8})
    assert later.mid_trip == () and _riders(later.departures[0]) == [52] * 8


def _day_counts(route: baseline.Route, forward: bool, errors: counts.CountErrors | None = None) -> list[DoorCount]:
    sim = forecast._simulated(route, forward, DAY)
    boarded, alighted = simulated_counts(sim, forecast._seed(DAY), errors)
    start = live.service_start(DAY)
    row = route.row(forward)
    return [
        DoorCount(
            f"{route.line}{row}{j:03d}",
            route.line,
            station,
            row,
            start + timedelta(minutes=float(sim.dep[j, i])),
            tuple(boarded[j, i].tolist()),
            tuple(alighted[j, i].tolist()),
            sim.stations[-1],
        )
        for j in range(sim.dep.shape[0])
        for i, station in enumerate(sim.stations)
    ]


@pytest.mark.parametrize("split", [AT, AT + timedelta(hours=9, minutes=3)])
def test_two_pulls_continued_with_the_prior_equal_one_pull(split: datetime) -> None:
    every = _day_counts(TRUNK, True)  # with counting errors, so clipping happens too
    first = [c for c in every if c.departed_at < split]
    second = [c for c in every if c.departed_at >= split]
    whole = accumulate(every)
    one = accumulate(first)
    two = accumulate(second, one.carried)
    assert whole.clipped > 0 and two.mid_trip == () and whole.mid_trip == ()
    assert one.departures + two.departures == whole.departures
    assert counts.prior_from(one.departures) == one.carried
    # without the prior, the trains under way at the split start from 0 and are flagged
    alone = accumulate(second)
    assert alone.mid_trip and len(alone.mid_trip) == len(set(one.carried) & {c.train for c in second})


def test_the_running_total_is_clipped_to_what_a_car_can_hold(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="seoul.metro.congestion.counts"):
        done = accumulate(
            [
                _count(0, [5, 600, 0, 0, 0, 0, 0, 0], [0] * 8),
                _count(1, [0, 100, 0, 0, 0, 0, 0, 0], [9, 0, 0, 0, 0, 0, 0, 0]),  # 5 - 9 < 0; 700 > 640
                _count(2, [1, 0, 0, 0, 0, 0, 0, 0], [0, 40, 0, 0, 0, 0, 0, 0]),
            ]
        )
    riders = [_riders(d) for d in done.departures]
    assert riders[1][:2] == [0, MAX_PERCENT / 100 * CAPACITY] and riders[2][:2] == [1, 600]
    assert done.clipped == 2 and "2 car-stops clipped" in caplog.text
    assert all(percent_from_load_kg(kg) <= MAX_PERCENT for d in done.departures for kg in d.loads_kg)


def test_counts_that_cannot_be_a_count_are_skipped() -> None:
    done = accumulate(
        [
            _count(0, [1] * 8, [0] * 8),
            _count(1, [1] * 7, [0] * 7),  # line 5 has 8 cars
            _count(1, [-1] * 8, [0] * 8),
            _count(1, [1] * 8, [0] * 8, direction=2),
            _count(1, [1] * 8, [0] * 8, departed_at=_at(1).replace(tzinfo=None)),
            _count(2, [1] * 8, [0] * 8),
        ]
    )
    assert len(done.skipped) == 4 and [_riders(d) for d in done.departures] == [[1] * 8, [2] * 8]


# --- the simulated counts -------------------------------------------------------------------------


@pytest.mark.parametrize(("route", "forward"), [(TRUNK, True), (TRUNK, False), (BRANCH, True), (LOOP, False)])
def test_a_perfect_counter_gives_the_simulated_truth(route: baseline.Route, forward: bool) -> None:
    sim = forecast._simulated(route, forward, DAY)
    boarded, alighted = simulated_counts(sim, 7, NO_ERRORS)
    before = np.zeros_like(sim.load)
    before[:, 1:] = sim.load[:, :-1]
    assert (boarded >= 0).all() and (alighted >= 0).all() and (alighted <= before).all()
    assert np.array_equal(before - alighted + boarded, sim.load)
    assert alighted[:, 1:].sum() > 0.05 * boarded.sum()  # riders do alight: not just the load's fall
    # and accumulated through the engine, the loads are the truth to the rider
    got = loads_from_counts(_day_counts(route, forward, NO_ERRORS))
    pct = np.array([[percent_from_load_kg(kg) for kg in d.loads_kg] for d in got])
    truth = np.array([sim.pct[int(d.train[-3:]), sim.stations.index(d.station)] for d in got])
    assert len(got) == sim.load.shape[0] * sim.load.shape[1]
    assert np.abs(pct - truth).max() < 1e-9


def test_the_counting_errors_are_small_seeded_and_reset_with_each_trip() -> None:
    sim = forecast._simulated(TRUNK, True, DAY)
    exact = simulated_counts(sim, 7, NO_ERRORS)
    noisy = simulated_counts(sim, 7)
    assert all(np.array_equal(a, b) for a, b in zip(noisy, simulated_counts(sim, 7), strict=True))
    assert not np.array_equal(noisy[0], simulated_counts(sim, 8)[0])
    assert not np.array_equal(noisy[0], exact[0])
    # about 2 % net fewer riders counted than passed (the default miss and double-count rates)
    assert 0.95 < noisy[0].sum() / exact[0].sum() < 0.99
    on = np.clip(np.cumsum(noisy[0] - noisy[1], axis=1), 0, None)
    err = np.abs(on - sim.load) / CAPACITY * 100
    assert err.mean() < 3.0
    assert err[:, :5].mean() < err[:, -10:].mean()  # the drift grows along the trip


# --- the counts feed and its stand-in -------------------------------------------------------------


def test_the_feed_answers_in_pages_with_the_departures_feeds_trains(counter: CountsStandIn, feed: LoadsStandIn) -> None:
    since = AT - timedelta(minutes=20)
    pulled = doorcounts.pull("5", since, AT + timedelta(hours=1))  # the hour ahead has not happened
    got = pulled.counts
    assert len(got) > 300 and pulled.skipped == [] and pulled.repeated == 0 and pulled.pages == 1
    assert all(since <= c.departed_at <= AT for c in got)
    assert [c.departed_at for c in got] == sorted(c.departed_at for c in got)
    assert all(len(c.boarded) == len(c.alighted) == 8 for c in got)
    deps = loads.departures("5", since, AT + timedelta(hours=1))
    assert [(c.train, c.station, c.direction, c.departed_at, c.destination) for c in got] == [
        (d.train, d.station, d.direction, d.departed_at, d.destination) for d in deps
    ]
    with override_settings(SEOUL_METRO_COUNTS_PAGE=100):
        small = doorcounts.pull("5", since, AT + timedelta(hours=1))
    assert small.counts == got and small.pages == len(got) // 100 + 1
    assert [s["cursor"] for s in counter.served[-small.pages :]] == [100 * k for k in range(small.pages)]
    counter.clock = (AT + timedelta(minutes=10)).isoformat()
    assert len(doorcounts.pull("5", since, AT + timedelta(hours=1)).counts) > len(got)


def test_the_day_accumulated_from_the_feed_follows_the_simulated_loads(counter: CountsStandIn) -> None:
    """The counts of the day up to now, pulled in two windows and accumulated with the prior,
    give the trunk's loads within the counting errors, and the live view reads them as it
    reads the feed."""
    middle = AT - timedelta(hours=1)
    one = counts.accumulate(doorcounts.pull("5", OPENING, middle).counts)
    two = counts.accumulate(doorcounts.pull("5", middle, AT + timedelta(seconds=1)).counts, one.carried)
    assert one.mid_trip == () and two.mid_trip == ()
    got = one.departures + two.departures
    minute = live.minute_of(DAY, AT)
    for forward in (True, False):
        view = live.live_from_departures(TRUNK, forward, DAY, got, None, minute)
        sim = forecast._simulated(TRUNK, forward, DAY)
        truth = forecast.observe(sim, minute)
        assert np.array_equal(np.isnan(view.dep), np.isnan(truth.dep))
        seen = ~np.isnan(view.weigh_pct)
        err = np.abs(view.weigh_pct[seen] - sim.pct[seen])
        assert seen.sum() > 1000 and err.mean() < 3.0  # percentage points; the weighing's is about 1.7
        assert err.mean() > 0  # the feed's counts carry the counting errors


def test_malformed_records_are_skipped_with_their_reasons_and_repeats_kept_once(counter: CountsStandIn) -> None:
    window = (AT - timedelta(minutes=5), AT)
    clean = doorcounts.pull("5", *window).counts
    counter.bad_records = 1
    pulled = doorcounts.pull("5", *window)
    assert pulled.counts == clean
    assert len(pulled.skipped) == len(BAD_KINDS)
    reasons = " | ".join(pulled.skipped)
    for words in (
        "negative",
        "more than a car's doors can pass",
        "not a whole number",
        "not a list of 8",
        "offset",
        "direction 2",
        "train id",
        "not an object",
    ):
        assert words in reasons
    counter.repeat_records = 1
    again = doorcounts.pull("5", *window)
    assert again.counts == clean and again.repeated == len(clean) and again.skipped == []


def test_a_busy_service_is_asked_again_then_given_up_on(counter: CountsStandIn) -> None:
    window = (AT - timedelta(minutes=5), AT)
    clean = doorcounts.pull("5", *window).counts
    counter.fail_next = 2  # busy twice, the third try answers
    assert doorcounts.pull("5", *window).counts == clean
    counter.fail_next = 3
    with pytest.raises(CountsError) as exc:
        doorcounts.pull("5", *window)
    assert exc.value.code == "unavailable" and exc.value.status == 503


@override_settings(SEOUL_METRO_COUNTS_TIMEOUT=0.3)
def test_a_late_answer_is_a_time_out_and_asked_again(counter: CountsStandIn) -> None:
    window = (AT - timedelta(minutes=5), AT)
    clean = doorcounts.pull("5", *window).counts
    counter.set_knobs({"late_next": 1, "late_by": 0.8})
    assert doorcounts.pull("5", *window).counts == clean
    counter.set_knobs({"late_next": 1, "late_by": 0.8})
    with override_settings(SEOUL_METRO_COUNTS_ATTEMPTS=1), pytest.raises(CountsError) as exc:
        doorcounts.pull("5", *window)
    assert exc.value.code == "timeout"


def test_a_line_without_counters_says_so(counter: CountsStandIn) -> None:
    window = (AT - timedelta(minutes=5), AT)
    counter.set_knobs({"lines": "7, 8"})
    with pytest.raises(CountsError) as exc:
        doorcounts.pull("5", *window)
    assert exc.value.code == "no_counters" and exc.value.status == 400
    assert counter.served == []  # refused, not retried
    assert doorcounts.pull("7", *window).counts
    with pytest.raises(ValueError, match="unknown 9"):
        counter.set_knobs({"lines": ["5", "9"]})
    counter.set_knobs({"lines": ""})
    assert doorcounts.pull("5", *window).counts


def test_the_feed_wants_its_api_key_and_a_sound_question(counter: CountsStandIn) -> None:
    with override_settings(SEOUL_METRO_COUNTS_API_KEY="wrong"), pytest.raises(CountsError) as exc:
        doorcounts.pull("5", AT - timedelta(minutes=5), AT)
    assert exc.value.code == "unauthorized" and exc.value.status == 401
    with pytest.raises(CountsError) as exc:
        doorcounts.pull("5", AT - timedelta(days=2), AT)
    assert exc.value.code == "invalid_window"
    with pytest.raises(CountsError) as exc:
        doorcounts.pull("9", AT - timedelta(minutes=5), AT)
    assert exc.value.code == "invalid_line"


class _Stuck(StandIn):
    """A feed whose cursor never moves on."""

    def respond(self, request: Request) -> Answer:
        return json_answer(200, {"counts": [], "next_cursor": "7"})


def test_a_cursor_that_does_not_move_on_is_an_invalid_answer() -> None:
    stuck = _Stuck()
    try:
        with override_settings(SEOUL_METRO_COUNTS_URL=stuck.url), pytest.raises(CountsError) as exc:
            doorcounts.pull("5", AT - timedelta(minutes=5), AT)
    finally:
        stuck.stop()
    assert exc.value.code == "invalid_answer" and "does not move on" in str(exc.value)
