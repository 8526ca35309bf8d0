"""The tagless detector charges side crossings and refuses everything that does not cross.

Pure engine tests: no database. Events come from the simulator (ground truth) or are built by
hand from the path-loss model, so nothing here hard-codes a detector output.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seoul.metro.engine.tagless import (
    SCENARIOS,
    DetectorConfig,
    GateArray,
    ReadingBatch,
    ReadingWindow,
    SimParams,
    detect,
    detect_batch,
    simulate,
)
from seoul.metro.engine.tagless.detector import explain_batch
from seoul.metro.engine.tagless.metrics import Metrics
from seoul.metro.engine.tagless.model import Decision
from seoul.metro.engine.tagless.simulator import BYSTANDER_SCENARIOS, SimBatch, confirm_batch, simulate_batches

GATES = GateArray()
CALM = SimParams(sigma_db=(4.0, 5.0), carry_mix=(1.0, 0.0, 0.0), uwb_share=1.0, uwb_sigma_m=(0.1, 0.15))
# Every threshold at zero and any lane's passage may confirm: the best class alone decides.
NO_THRESHOLDS = replace(DetectorConfig(), min_margin=0.0, min_margin_ble_only=0.0, lane_keeps_margin=False)


def straight_passage(
    lane: int, direction: str, *, t0: float = 100.0, tc: float = 6.0, speed: float = 1.3, uwb: bool = True
) -> ReadingWindow:
    """A noise-free phone walking straight through ``lane``: RSSI from the detector's own model."""
    cfg = DetectorConfig()
    sign = 1.0 if direction == "in" else -1.0
    times = np.arange(0.0, cfg.window, 0.1)
    x = np.full_like(times, GATES.lane_x(lane))
    y = sign * speed * (times - tc)
    b = GATES.beacon_xyz
    dx = x[:, None] - b[None, :, 0]
    dy = y[:, None] - b[None, :, 1]
    planar = np.hypot(dx, dy)
    dist = np.maximum(np.sqrt(planar**2 + (cfg.phone_z - b[None, :, 2]) ** 2), 0.2)
    facing = GATES.beacon_facing[None, :]
    cos_theta = facing * dx / np.maximum(planar, 0.05)
    gain = np.where(facing != 0, -cfg.back_loss_db * (1 - cos_theta) / 2, 0.0)
    rssi = cfg.p0 - 10 * cfg.path_loss_n * np.log10(dist) + gain
    a = GATES.anchor_xyz
    ranges = np.sqrt((x[:, None] - a[:, 0]) ** 2 + (y[:, None] - a[:, 1]) ** 2 + (cfg.phone_z - a[:, 2]) ** 2)
    n_b, n_a = len(b), len(a)
    keep = rssi.ravel() >= -95
    u = {}
    if uwb:
        u = {
            "uwb_t": t0 + np.repeat(times, n_a) + 0.002,
            "uwb_anchor": np.tile(np.arange(n_a), len(times)),
            "uwb_range": ranges.ravel(),
        }
    return ReadingWindow(
        t0=t0,
        t=(t0 + np.repeat(times, n_b) + 0.001)[keep],
        beacon=np.tile(np.arange(n_b), len(times))[keep],
        rssi=np.round(rssi.ravel())[keep],
        **u,
    )


@pytest.mark.parametrize(("lane", "direction"), [(0, "in"), (2, "out"), (3, "in"), (5, "out")])
def test_clean_passage_is_charged_in_its_direction_and_its_lane_resolved(lane: int, direction: str) -> None:
    decision = detect(straight_passage(lane, direction), GATES)
    assert decision.charged, decision
    assert decision.direction == direction
    assert decision.crossed_at is not None
    assert abs(decision.crossed_at - 106.0) < 0.5
    assert decision.reason is None
    assert decision.margin >= DetectorConfig().min_margin
    assert decision.lane_id == lane  # noise-free with UWB: the lane is resolved
    assert decision.lane_candidates[0] == lane


def test_a_ble_only_crossing_is_charged_without_resolving_its_lane() -> None:
    decision = detect(straight_passage(2, "in", uwb=False), GATES)
    assert decision.charged and decision.direction == "in"
    assert decision.lane_id is None  # BLE alone never names the lane ...
    assert 2 in decision.lane_candidates  # ... the lane sensors settle it among the candidates


def test_the_charge_does_not_depend_on_the_lane_thresholds() -> None:
    window = straight_passage(4, "out")
    strict = replace(DetectorConfig(), min_lane_margin=1e9)
    a, b = detect(window, GATES), detect(window, GATES, strict)
    assert (a.charged, a.direction, a.crossed_at) == (b.charged, b.direction, b.crossed_at)
    assert a.lane_id == 4 and b.lane_id is None


def test_simulated_clean_passages_are_mostly_charged_and_never_wrongly() -> None:
    events = list(simulate(60, seed=11, mix={"clean": 1.0}, params=CALM))
    charged = 0
    for event in events:
        d = detect(event.window, GATES)
        if d.charged:
            charged += 1
            assert d.direction == event.truth.direction
            assert d.lane_id in (None, event.truth.lane)
    assert charged >= len(events) // 2


def test_a_window_without_readings_is_refused() -> None:
    empty = ReadingWindow(t0=0.0, t=np.empty(0), beacon=np.empty(0, dtype=np.int64), rssi=np.empty(0))
    d = detect(empty, GATES)
    assert not d.charged
    assert d.reason == "insufficient_data"


def test_batch_and_single_decisions_agree() -> None:
    batch = next(simulate_batches(40, seed=5, params=SimParams(uwb_share=0.5)))
    together = detect_batch(batch.readings, GATES)
    alone = [detect(batch.readings[i], GATES) for i in range(batch.readings.size)]
    assert [(d.charged, d.lane_id, d.direction, d.reason) for d in together] == [
        (d.charged, d.lane_id, d.direction, d.reason) for d in alone
    ]
    assert ReadingBatch.of([batch.readings[i] for i in range(3)]).size == 3


def test_crowds_are_charged_in_their_own_direction_and_resolved_lanes_are_right() -> None:
    params = SimParams(uwb_share=0.7)
    for event in simulate(150, seed=21, mix={"crowd": 1.0}, params=params):
        assert event.truth.passed
        d = detect(event.window, GATES)
        if d.charged:
            assert d.direction == event.truth.direction, (d, event.truth)
            assert d.lane_id in (None, event.truth.lane), (d, event.truth)


def radio_and_sensors(batch: SimBatch, config: DetectorConfig | None = None) -> tuple[list[Decision], list[Decision]]:
    """The detector's decisions from the radio alone, and after the lane sensors' confirmation."""
    radio = detect_batch(batch.readings, GATES, config)
    return radio, confirm_batch(radio, batch)


@pytest.mark.parametrize("scenario", sorted(BYSTANDER_SCENARIOS | {"neighbour"}))
def test_people_who_do_not_pass_are_refused(scenario: str) -> None:
    batch = next(simulate_batches(120, seed=31, mix={scenario: 1.0}, params=SimParams(uwb_share=0.5)))
    radio, final = radio_and_sensors(batch)
    bystanders = [i for i in range(batch.readings.size) if not batch.truth.passed[i]]
    assert bystanders
    assert not any(final[i].charged for i in bystanders), [final[i] for i in bystanders if final[i].charged]
    assert {final[i].reason for i in bystanders} <= {
        "no_crossing",
        "low_confidence",
        "inconsistent_direction",
        "no_passage",
    }
    # The radio alone already refuses most of them (people walking round the end of the array
    # and standing by the fence are the hardest: 106 of 120 here), the sensors the rest.
    assert sum(not radio[i].charged for i in bystanders) >= 0.85 * len(bystanders)


def test_without_the_lane_sensors_some_bystanders_would_be_charged() -> None:
    """People at the fence or just inside can look like a crossing to the radio (so the test
    above can fail); the passage sensors saw no one go through, and nobody is charged."""
    batch = next(simulate_batches(240, seed=31, mix={"walk_past": 1.0, "paid_side": 1.0}))
    radio, final = radio_and_sensors(batch)
    assert not batch.truth.passed.any()
    assert sum(d.charged for d in radio) >= 1
    assert not any(d.charged for d in final)
    assert {d.reason for d, r in zip(final, radio, strict=True) if r.charged} == {"no_passage"}


def test_a_lane_is_a_candidate_only_where_the_crossing_keeps_the_margin() -> None:
    """Lane k may confirm a crossing only when the side margin less lane k's shortfall against
    the best lane still reaches the margin; strong crossings leave several lanes open, and
    some lanes are ruled out."""
    cfg = DetectorConfig()
    checked = ruled_out = 0
    for batch in simulate_batches(160, seed=9, mix={"clean": 1.0, "pocket": 1.0, "crowd": 1.0}):
        decisions = detect_batch(batch.readings, GATES, cfg)
        for d, info in zip(decisions, explain_batch(batch.readings, GATES, cfg), strict=True):
            if not d.charged:
                continue
            need = cfg.min_margin if info["has_uwb"] else cfg.min_margin_ble_only
            scores = info["lane_scores"]
            assert isinstance(scores, list)
            kept = [d.margin - (max(scores) - score) for score in scores]
            assert {k for k, v in enumerate(kept) if v >= need + 0.05} <= set(d.lane_candidates)
            assert set(d.lane_candidates) <= {k for k, v in enumerate(kept) if v >= need - 0.05}
            assert d.lane_candidates[0] == int(np.argmax(scores))
            checked += 1
            ruled_out += len(d.lane_candidates) < GATES.lanes
    assert checked >= 100 and ruled_out >= 10


def test_the_margin_keeps_the_bystander_off_an_evaders_passage() -> None:
    """In the next lane someone walks through without a tagless phone (a fare evader): their
    passage is free for any phone that claims it. With every threshold at zero and any lane
    allowed the bystander standing there would sometimes claim it; with the margin kept in the
    passage's lane none does. Windows of 20 s, as before 2026-12-03: with today's 30 s the
    bystander's walk back is heard and even the loose rule charges about 1 in 10,000 of them
    (docs/metro-tagless.md "Calibration"), too few for 600 windows to show."""
    params = SimParams(uwb_share=0.3, neighbour_evader_share=1.0, window=20.0)
    batch = next(simulate_batches(600, seed=104, mix={"neighbour": 1.0}, params=params))
    assert not batch.truth.passed.any()  # every window is a bystander's: the passers carry no phone
    assert batch.passages is not None and len(batch.passages.at) >= 500
    _, loose = radio_and_sensors(batch, replace(NO_THRESHOLDS, window=20.0))
    _, final = radio_and_sensors(batch, replace(DetectorConfig(), window=20.0))
    assert sum(d.charged for d in loose) >= 1
    assert not any(d.charged for d in final)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    weights=st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=len(SCENARIOS), max_size=len(SCENARIOS)).filter(
        lambda w: sum(w) > 0.05
    ),
    uwb_share=st.sampled_from([0.0, 0.3, 1.0]),
)
def test_nobody_is_charged_for_a_passage_they_did_not_make(seed: int, weights: list[float], uwb_share: float) -> None:
    """Nobody who did not pass, or passed the other way, is charged. A passer in a crowd may be
    confirmed by the passage of the person beside them (same direction, within the settling
    second: their fare is right, the record's time is not); the benchmarks count 1.3 to 1.5 of
    these per 1,000 crowd passers, so a random batch may hold one (seed 386412333 did)."""
    mix = dict(zip(SCENARIOS, weights, strict=True))
    metrics = Metrics()
    for batch in simulate_batches(80, seed=seed, mix=mix, params=SimParams(uwb_share=uwb_share)):
        metrics.score(radio_and_sensors(batch)[1], batch.truth)
    total = metrics.total
    assert total.events == 80
    assert total.false_charges == total.swapped, metrics.as_dict()
    assert metrics.by_scenario["crowd"].swapped == total.swapped, metrics.as_dict()


def test_a_crowd_passer_confirmed_by_a_neighbours_passage_is_counted_as_swapped() -> None:
    """The batch Hypothesis found on 2026-12-05: four phones without UWB crossing within 1.5 s;
    one claims the passage of the person beside them and that person falls back to a tap."""
    weights = [0.0, 0.0, 0.864, 0.799, 0.374, 0.537, 0.0, 0.980]
    mix = dict(zip(SCENARIOS, weights, strict=True))
    metrics = Metrics()
    for batch in simulate_batches(80, seed=386412333, mix=mix, params=SimParams(uwb_share=0.0)):
        metrics.score(radio_and_sensors(batch)[1], batch.truth)
    crowd = metrics.by_scenario["crowd"]
    assert crowd.false_charges == crowd.swapped == 1
    assert crowd.bystander_charges == 0 and crowd.missed >= 1
