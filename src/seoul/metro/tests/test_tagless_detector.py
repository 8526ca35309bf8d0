"""The tagless detector charges clean passages and refuses everything it cannot attribute.

Pure engine tests: no database. Events come from the simulator (ground truth) or are built by
hand from the path-loss model, so nothing here hard-codes a detector output.
"""

from __future__ import annotations

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
from seoul.metro.engine.tagless.metrics import Metrics
from seoul.metro.engine.tagless.simulator import simulate_batches

GATES = GateArray()
CALM = SimParams(sigma_db=(4.0, 5.0), carry_mix=(1.0, 0.0, 0.0), uwb_share=1.0, uwb_sigma_m=(0.1, 0.15))


def straight_passage(
    lane: int, direction: str, *, t0: float = 100.0, tc: float = 3.2, speed: float = 1.3
) -> ReadingWindow:
    """A noise-free phone in hand walking straight through ``lane``: RSSI from the detector's own model."""
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
    cos_theta = GATES.beacon_facing[None, :] * dx / np.maximum(planar, 0.05)
    rssi = cfg.p0 - 10 * cfg.path_loss_n * np.log10(dist) - cfg.back_loss_db * (1 - cos_theta) / 2
    a = GATES.anchor_xyz
    ranges = np.sqrt((x[:, None] - a[:, 0]) ** 2 + (y[:, None] - a[:, 1]) ** 2 + (cfg.phone_z - a[:, 2]) ** 2)
    n_b, n_a = len(b), len(a)
    return ReadingWindow(
        t0=t0,
        t=t0 + np.repeat(times, n_b) + 0.001,
        beacon=np.tile(np.arange(n_b), len(times)),
        rssi=np.round(rssi.ravel()),
        uwb_t=t0 + np.repeat(times, n_a) + 0.002,
        uwb_anchor=np.tile(np.arange(n_a), len(times)),
        uwb_range=ranges.ravel(),
    )


@pytest.mark.parametrize(("lane", "direction"), [(0, "in"), (2, "out"), (3, "in"), (5, "out")])
def test_clean_passage_is_charged_to_its_lane_and_direction(lane: int, direction: str) -> None:
    decision = detect(straight_passage(lane, direction), GATES)
    assert decision.charged, decision
    assert decision.lane_id == lane
    assert decision.direction == direction
    assert decision.crossed_at is not None
    assert abs(decision.crossed_at - 103.2) < 0.5
    assert decision.reason is None
    assert 0.5 < decision.confidence <= 1.0


def test_simulated_clean_passages_are_mostly_charged_and_never_wrongly() -> None:
    events = list(simulate(60, seed=11, mix={"clean": 1.0}, params=CALM))
    charged = 0
    for event in events:
        d = detect(event.window, GATES)
        if d.charged:
            charged += 1
            assert (d.lane_id, d.direction) == (event.truth.lane, event.truth.direction)
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


def test_adjacent_lanes_at_once_are_each_correct_or_refused_never_swapped() -> None:
    params = SimParams(uwb_share=0.7)
    seen_crowds = 0
    for event in simulate(150, seed=21, mix={"crowd": 1.0}, params=params):
        assert event.truth.passed
        seen_crowds += 1
        d = detect(event.window, GATES)
        if d.charged:
            assert d.lane_id == event.truth.lane, (d, event.truth)
            assert d.direction == event.truth.direction
    assert seen_crowds == 150


@pytest.mark.parametrize(
    ("scenario", "reasons"),
    [
        (
            "linger",
            {"no_crossing", "turn_back", "outside_lanes", "low_confidence", "ambiguous_lane", "inconsistent_direction"},
        ),
        (
            "walk_past",
            {"no_crossing", "outside_lanes", "low_confidence", "ambiguous_lane", "turn_back", "inconsistent_direction"},
        ),
        (
            "turn_back",
            {"turn_back", "no_crossing", "low_confidence", "ambiguous_lane", "inconsistent_direction", "outside_lanes"},
        ),
    ],
)
def test_people_who_do_not_pass_are_refused(scenario: str, reasons: set[str]) -> None:
    params = SimParams(uwb_share=0.5)
    events = list(simulate(120, seed=31, mix={scenario: 1.0}, params=params))
    decisions = [detect(e.window, GATES) for e in events]
    assert all(not e.truth.passed for e in events)
    assert not any(d.charged for d in decisions), [d for d in decisions if d.charged]
    assert {d.reason for d in decisions} <= reasons | {"dwell_too_long", "insufficient_data"}


def test_turn_back_is_mostly_reported_as_such() -> None:
    events = list(simulate(80, seed=41, mix={"turn_back": 1.0}, params=CALM))
    reasons = [detect(e.window, GATES).reason for e in events]
    assert reasons.count("turn_back") >= len(reasons) // 2, reasons


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    weights=st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=len(SCENARIOS), max_size=len(SCENARIOS)).filter(
        lambda w: sum(w) > 0.05
    ),
    uwb_share=st.sampled_from([0.0, 0.3, 1.0]),
)
def test_no_false_charges_on_random_simulated_events(seed: int, weights: list[float], uwb_share: float) -> None:
    mix = dict(zip(SCENARIOS, weights, strict=True))
    metrics = Metrics()
    for batch in simulate_batches(100, seed=seed, mix=mix, params=SimParams(uwb_share=uwb_share)):
        metrics.score(detect_batch(batch.readings, GATES), batch.truth)
    total = metrics.total
    assert total.events == 100
    assert total.false_charges == 0, metrics.as_dict()
