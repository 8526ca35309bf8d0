"""A sensor's detector and health state between batches (engine/maintenance/state.py)."""

from __future__ import annotations

import io
import json
import zlib

import numpy as np
import pytest

from seoul.metro.engine.maintenance import detector, state
from seoul.metro.engine.maintenance.health import SensorHealth


def series(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 20 + 5 * np.sin(np.arange(n) / 30) + rng.normal(0, 0.5, n)


def test_a_stored_stream_scores_on_as_if_it_had_never_stopped() -> None:
    values = np.r_[series(1500, 1), np.full(10, 95.0), series(500, 2)]
    whole = detector.Stream(0, 100).score(values)
    first = detector.Stream(0, 100)
    head = first.score(values[:1200])
    stored = state.dump(first)
    again = state.load(detector.Stream(0, 100), stored)
    assert np.array_equal(np.r_[head, again.score(values[1200:])], whole)
    assert whole[1500:1510].max() >= detector.Settings().alert_at  # the part after the cut has an alert to keep


def test_a_stored_health_check_keeps_its_normal_and_its_run() -> None:
    times = np.arange(2000.0)
    values = np.r_[series(1950, 3), np.full(50, 21.0)]
    whole = SensorHealth().observe(times, values)
    first = SensorHealth()
    head = first.observe(times[:1960], values[:1960])
    again = state.load(SensorHealth(), state.dump(first))
    assert [a.kind for a in head + again.observe(times[1960:], values[1960:])] == [a.kind for a in whole] == ["stuck"]


def test_states_of_the_first_version_are_still_read() -> None:
    stream = detector.Stream(0, 100)
    stream.score(series(300, 4))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{"set:_seen": np.array(sorted(stream._seen), dtype=np.int64)})
    assert state.load(detector.Stream(0, 100), buffer.getvalue())._seen == stream._seen


def test_a_state_holding_anything_but_plain_numbers_is_refused() -> None:
    header = json.dumps([["set:_seen", "|O", [1]]]).encode()
    forged = state.MAGIC + zlib.compress(len(header).to_bytes(4, "little") + header + b"\\0" * 8)
    with pytest.raises(ValueError, match="plain number type"):
        state.load(detector.Stream(0, 100), forged)
