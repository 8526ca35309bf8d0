"""Regressions: events the detector once charged to the wrong lane, regenerated deterministically.

They come from the 1,000,000-event benchmark (seed 20261125, default mix, chunks of 2,000):
``benchmarks/tagless.py --dump-false-charges`` records the chunk and index of every false charge,
and ``plan`` + ``run_job`` rebuild exactly that window. See docs/metro-tagless.md ("Measured figures").
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from seoul.metro.engine.tagless import DEFAULT_MIX, DetectorConfig, GateArray, SimParams, detect
from seoul.metro.engine.tagless.simulator import plan, run_job

GATES = GateArray()
# The rule before the fix: UWB margin 15 nats, UWB bracket 0.85 m.
OLD_RULE = replace(DetectorConfig(), min_margin=15.0, bracket_range_m=0.85)


@pytest.mark.parametrize(
    ("chunk", "index", "true_lane", "wrong_lane", "direction"),
    [
        (3, 1312, 4, 5, "in"),  # clean scenario, phone in a pocket, UWB, margin 17.1
        (242, 1731, 2, 1, "out"),  # pocket scenario, UWB, margin 17.5
    ],
)
def test_benchmark_wrong_lane_charge_is_now_refused(
    chunk: int, index: int, true_lane: int, wrong_lane: int, direction: str
) -> None:
    job = plan(1_000_000, 20261125, DEFAULT_MIX, SimParams())[chunk]
    batch = run_job(job, GATES, SimParams())
    window, truth = batch.readings[index], batch.truth[index]
    assert (truth.passed, truth.lane, truth.direction, truth.uwb) == (True, true_lane, direction, True)

    before = detect(window, GATES, OLD_RULE)
    assert before.charged and before.lane_id == wrong_lane  # the false charge is reproduced

    after = detect(window, GATES)
    assert not after.charged or (after.lane_id, after.direction) == (true_lane, direction), after
