"""The tagless simulator is reproducible and its ground truth and signals are physically sensible."""

from __future__ import annotations

import numpy as np
import pytest

from seoul.metro.engine.tagless import SCENARIOS, GateArray, SimParams, simulate
from seoul.metro.engine.tagless.metrics import Metrics
from seoul.metro.engine.tagless.model import Decision
from seoul.metro.engine.tagless.simulator import BYSTANDER_SCENARIOS, PASSING_SCENARIOS, plan, simulate_batches

GATES = GateArray()


def test_same_seed_same_events_other_seed_other_events() -> None:
    a = list(simulate(30, seed=7))
    b = list(simulate(30, seed=7))
    c = list(simulate(30, seed=8))
    assert [e.truth for e in a] == [e.truth for e in b]
    assert all(np.array_equal(x.window.rssi, y.window.rssi) for x, y in zip(a, b, strict=True))
    assert any(
        len(x.window.rssi) != len(y.window.rssi) or not np.array_equal(x.window.rssi, y.window.rssi)
        for x, y in zip(a, c, strict=True)
    )


def test_chunking_does_not_change_the_events() -> None:
    small = SimParams(chunk=7)
    assert sum(j.windows for j in plan(50, 3, params=small)) == 50
    events = list(simulate(50, seed=3, params=small))
    assert len(events) == 50


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_ground_truth_matches_the_scenario(scenario: str) -> None:
    events = list(simulate(40, seed=1, mix={scenario: 1.0}))
    assert len(events) == 40
    for e in events:
        assert e.truth.scenario == scenario
        if scenario in PASSING_SCENARIOS:
            assert e.truth.passed
        if scenario in BYSTANDER_SCENARIOS:
            assert not e.truth.passed
        if e.truth.passed:
            assert e.truth.lane is not None and 0 <= e.truth.lane < GATES.lanes
            assert e.truth.direction in ("in", "out")
            assert e.truth.crossed_at is not None
            lo, hi = SimParams().crossing_at
            assert e.window.t0 + lo - 0.01 <= e.truth.crossed_at <= e.window.t0 + hi + 0.01
        assert np.all((e.window.t >= e.window.t0) & (e.window.t < e.window.t0 + SimParams().window))
    if scenario == "neighbour":  # one passer and one bystander standing in the next lane per scene
        assert {e.truth.passed for e in events} == {True, False}


def test_mix_only_produces_requested_scenarios() -> None:
    seen = {e.truth.scenario for e in simulate(200, seed=2, mix={"linger": 1.0, "crowd": 3.0})}
    assert seen == {"linger", "crowd"}
    with pytest.raises(ValueError, match="unknown"):
        list(simulate(1, seed=0, mix={"teleport": 1.0}))


def test_readings_are_plausible_ble() -> None:
    p = SimParams()
    events = list(simulate(100, seed=4))
    for e in events:
        w = e.window
        assert np.all((w.beacon >= 0) & (w.beacon < GATES.beacon_count))
        assert np.all(w.rssi >= p.sensitivity_dbm) and np.all(w.rssi < -10)
        # At most one advertisement per beacon per interval (plus the edges of the window).
        per_beacon = np.bincount(w.beacon, minlength=len(GATES.beacons))
        assert per_beacon.max() <= p.window / p.adv_interval + 2
        if not e.truth.uwb:
            assert len(w.uwb_t) == 0
    assert any(len(e.window.uwb_t) for e in events)


def test_rssi_falls_with_distance_and_the_passers_lane_is_loudest_at_the_crossing() -> None:
    loudest_is_own_lane = 0
    events = list(simulate(150, seed=9, mix={"clean": 1.0}))
    for e in events:
        w, tr = e.window, e.truth
        assert tr.crossed_at is not None and tr.lane is not None
        near = np.abs(w.t - tr.crossed_at) < 0.3
        far = np.abs(w.t - tr.crossed_at) > 2.0
        own = np.isin(w.beacon, [b.index for b in GATES.beacons if b.lane == tr.lane and b.lane >= 0])
        if (near & own).any() and (far & own).any():
            assert w.rssi[near & own].mean() > w.rssi[far & own].mean()
        if near.any():
            strongest = w.beacon[near][np.argmax(w.rssi[near])]
            loudest_is_own_lane += GATES.beacons[strongest].lane == tr.lane
    assert loudest_is_own_lane > len(events) * 0.6


def test_metrics_count_false_charges_and_misses() -> None:
    passers, bystanders = (next(simulate_batches(6, seed=12, mix={name: 1.0})).truth for name in ("clean", "linger"))
    flip = {"in": "out", "out": "in"}
    # A passer charged the wrong way is a false charge; the wrong lane is not (the fare does not
    # depend on it) but is counted as a wrong lane.
    decisions = []
    for i in range(len(passers)):
        t = passers[i]
        assert t.direction is not None and t.lane is not None
        if i % 2:
            decisions.append(Decision(True, (t.lane + 1) % GATES.lanes, t.direction, t.crossed_at, 1.0, 99.0))
        else:
            decisions.append(Decision(True, t.lane, flip[t.direction], t.crossed_at, 1.0, 99.0))  # type: ignore[arg-type]
    m = Metrics()
    m.score(decisions, passers)
    odd = len(passers) // 2
    assert (m.total.correct, m.total.false_charges, m.total.lane_wrong) == (odd, len(passers) - odd, odd)
    assert m.total.bystander_charges == 0 and m.total.missed == 0
    # Anyone charged who did not pass is a bystander charge.
    m2 = Metrics()
    m2.score([Decision(True, None, "in", 0.0, 1.0, 99.0) for _ in range(len(bystanders))], bystanders)
    assert m2.total.false_charges == m2.total.bystander_charges == len(bystanders)
    refused = [Decision(False, None, None, None, 0.0, 0.0, "low_confidence") for _ in range(len(passers))]
    m3 = Metrics()
    m3.score(refused, passers)
    assert m3.total.false_charges == 0
    assert m3.total.missed == len(passers)
    assert m3.total.charged_rate == 0.0


def test_zone_rows_tell_the_sides_apart() -> None:
    """A passer hears the zone row of the side it comes from louder before the crossing than
    after it, and the other row the other way round (the evidence the charge rests on)."""
    agree = 0
    events = list(simulate(100, seed=13, mix={"clean": 1.0}, params=SimParams(carry_mix=(1.0, 0.0, 0.0))))
    concourse = [b.index for b in GATES.beacons if b.end == "concourse"]
    paid_area = [b.index for b in GATES.beacons if b.end == "paid_area"]
    for e in events:
        w, tr = e.window, e.truth
        assert tr.crossed_at is not None
        before, after = w.t < tr.crossed_at - 1.0, w.t > tr.crossed_at + 1.0
        c, p = np.isin(w.beacon, concourse), np.isin(w.beacon, paid_area)
        if not all((m & n).any() for m in (before, after) for n in (c, p)):
            continue
        contrast_before = w.rssi[before & c].mean() - w.rssi[before & p].mean()
        contrast_after = w.rssi[after & c].mean() - w.rssi[after & p].mean()
        entering = tr.direction == "in"
        agree += (contrast_before > contrast_after) == entering
    assert agree > len(events) * 0.8


@pytest.mark.parametrize("scenario", sorted(BYSTANDER_SCENARIOS))
def test_bystanders_never_cross_the_gate_line(scenario: str) -> None:
    """Whatever a bystander does, its path stays on one side of the gate line (or inside a lane)."""
    from seoul.metro.engine.tagless.simulator import _positions, _scene

    rng = np.random.default_rng(3)
    sc = _scene(rng, scenario, 200, GATES, SimParams())
    pos, _ = _positions(sc, np.linspace(-5, 20, 101))
    y = pos[..., 1][sc.active]  # (people, times)
    half = GATES.cabinet_length / 2
    assert np.all((y.max(axis=1) <= half) | (y.min(axis=1) >= -half))
