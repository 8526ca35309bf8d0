"""Regressions of the change from "charge only a resolved lane" to "charge the side crossing".

Until 2026-12 the detector charged a passage only when it could tell adjacent 0.9 m lanes apart
from BLE (and UWB), so BLE-only phones were almost never charged (docs/metro-tagless.md, "History").
The fare does not depend on the lane: these tests pin down that a crossing with an open lane is
charged, that its lane is left to the sensors instead of guessed, and that what keeps bystanders
out is the lane sensors' passage and the crossing margin, not the lane.
"""

from __future__ import annotations

from dataclasses import replace

from seoul.metro.engine.tagless import DetectorConfig, GateArray, SimParams, detect, detect_batch, simulate
from seoul.metro.engine.tagless.simulator import confirm_batch, simulate_batches

GATES = GateArray()
BLE_ONLY = SimParams(uwb_share=0.0, carry_mix=(1.0, 0.0, 0.0))


def test_ble_only_passers_are_charged_with_the_lane_left_open() -> None:
    events = list(simulate(40, seed=61, mix={"clean": 1.0}, params=BLE_ONLY))
    decisions = [detect(e.window, GATES) for e in events]
    charged = [(e, d) for e, d in zip(events, decisions, strict=True) if d.charged]
    # The old rule charged almost none of these; the side-crossing rule charges most.
    assert len(charged) >= len(events) // 2
    for e, d in charged:
        assert d.direction == e.truth.direction
        assert d.lane_id is None  # BLE alone never names the lane
        assert d.lane_candidates  # ... the sensors settle it (usually among these)
    assert sum(e.truth.lane in d.lane_candidates for e, d in charged) >= len(charged) // 2


def test_what_keeps_bystanders_out_is_the_sensor_passage_and_the_margin() -> None:
    """Bystanders whose readings look like a crossing are refused because no lane sensor saw
    anyone go through (``no_passage``), never because their lane was unclear."""
    batch = next(simulate_batches(300, seed=62, mix={"walk_past": 1.0, "paid_side": 1.0}))
    radio = detect_batch(batch.readings, GATES)
    final = confirm_batch(radio, batch)
    zero = replace(DetectorConfig(), min_margin=0.0, min_margin_ble_only=0.0)
    assert any(d.charged for d in detect_batch(batch.readings, GATES, zero))  # the radio alone, no margin
    assert not any(d.charged for d in final)
    assert all(d.reason == "no_passage" for d, r in zip(final, radio, strict=True) if r.charged)
