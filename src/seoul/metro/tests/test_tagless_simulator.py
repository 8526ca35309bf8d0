"""The tagless simulator is reproducible and its ground truth and signals are physically sensible."""

from __future__ import annotations

import numpy as np
import pytest

from seoul.metro.engine.tagless import SCENARIOS, GateArray, SimParams, simulate
from seoul.metro.engine.tagless.metrics import Metrics
from seoul.metro.engine.tagless.model import Decision
from seoul.metro.engine.tagless.simulator import PASSING_SCENARIOS, plan, simulate_batches

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
        assert e.truth.passed == (scenario in PASSING_SCENARIOS)
        if e.truth.passed:
            assert e.truth.lane is not None and 0 <= e.truth.lane < GATES.lanes
            assert e.truth.direction in ("in", "out")
            assert e.truth.crossed_at is not None
            assert e.window.t0 + 1.5 < e.truth.crossed_at < e.window.t0 + SimParams().window - 1.5
        assert np.all((e.window.t >= e.window.t0) & (e.window.t < e.window.t0 + SimParams().window))


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
        assert np.all((w.beacon >= 0) & (w.beacon < len(GATES.beacons)))
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
        own = np.isin(w.beacon, [b.index for b in GATES.beacons if b.lane == tr.lane])
        if (near & own).any() and (far & own).any():
            assert w.rssi[near & own].mean() > w.rssi[far & own].mean()
        if near.any():
            strongest = w.beacon[near][np.argmax(w.rssi[near])]
            loudest_is_own_lane += GATES.beacons[strongest].lane == tr.lane
    assert loudest_is_own_lane > len(events) * 0.6


def test_metrics_count_false_charges_and_misses() -> None:
    batch = next(simulate_batches(6, seed=12, mix={"clean": 1.0, "linger": 1.0}))
    truth = batch.truth
    decisions = []
    for i in range(len(truth)):
        t = truth[i]
        if t.passed:  # charge a wrong lane: a false charge and not a miss
            wrong = (t.lane + 1) % GATES.lanes if t.lane is not None else 0
            decisions.append(Decision(True, wrong, t.direction, t.crossed_at, 1.0, 99.0))
        else:  # charge someone who did not pass: a false charge
            decisions.append(Decision(True, 0, "in", 0.0, 1.0, 99.0))
    m = Metrics()
    m.score(decisions, truth)
    assert m.total.false_charges == len(truth)
    assert m.total.missed == 0
    assert m.lane_accuracy == 0.0
    refused = [Decision(False, None, None, None, 0.0, 0.0, "low_confidence") for _ in range(len(truth))]
    m2 = Metrics()
    m2.score(refused, truth)
    assert m2.total.false_charges == 0
    assert m2.total.missed == int(truth.passed.sum())
