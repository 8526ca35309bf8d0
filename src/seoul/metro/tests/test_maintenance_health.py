"""A stuck or silent sensor is an alert: found once per event, in any batches, and never learned
as the stream's normal."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seoul.metro.engine.maintenance.health import HealthAlert, HealthSettings, SensorHealth

QUICK = HealthSettings(stuck_min=5, stuck_factor=3.0, learn=100, silent_factor=10.0, silent_min_s=30.0)


def noisy(n: int, seed: int = 1) -> np.ndarray:
    return np.round(np.random.default_rng(seed).normal(50, 5, n), 1)


def feed(health: SensorHealth, times: np.ndarray, values: np.ndarray, cuts: list[int]) -> list[HealthAlert]:
    edges = [0, *sorted({c for c in cuts if 0 < c < len(values)}), len(values)]
    return [a for lo, hi in itertools.pairwise(edges) for a in health.observe(times[lo:hi], values[lo:hi])]


def test_a_value_held_past_the_stream_s_normal_is_one_stuck_alert() -> None:
    values = noisy(300)
    values[200:260] = values[199]  # stuck for 61 readings (with the one before)
    times = np.arange(300) * 5.0
    health = SensorHealth(QUICK)
    alerts = health.observe(times, values)
    limit = max(5, 3 * health.longest_still)
    assert health.longest_still < 5  # rounded noise repeats itself now and then, never for long
    [stuck] = alerts
    assert stuck.kind == "stuck" and stuck.since == times[199]
    assert stuck.at == times[199 + limit]  # the reading that made the run longer than the limit
    assert health.longest_still < 60  # the stuck run did not become the normal


@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=399), max_size=10))
def test_batches_find_the_same_stuck_alerts(cuts: list[int]) -> None:
    values = noisy(400, seed=4)
    values[80:95] = 42.0  # 15 while learning: at the limit, and learned as normal
    values[150:230] = 42.0  # 80 after: stuck
    values[300:320] = 43.0  # 20: under three times the normal
    times = np.arange(400) * 2.0
    whole = SensorHealth(QUICK).observe(times, values)
    assert [(a.kind, a.since) for a in whole] == [("stuck", 300.0)]
    assert feed(SensorHealth(QUICK), times, values, cuts) == whole


def test_a_sensor_stuck_from_the_start_is_caught_while_learning() -> None:
    alerts = SensorHealth(QUICK).observe(np.arange(40.0), np.full(40, 7.0))
    [stuck] = alerts
    assert stuck.at == 15.0  # limit 5 x 3 while learning: the 16th equal reading


def test_within_the_resolution_is_the_same_value() -> None:
    values = 20.0 + np.tile([0.0, 0.01, -0.01], 10)
    exact = SensorHealth(QUICK).observe(np.arange(30.0), values)
    coarse = SensorHealth(HealthSettings(resolution=0.05, stuck_min=5, learn=100)).observe(np.arange(30.0), values)
    assert exact == [] and [a.kind for a in coarse] == ["stuck"]


def test_silence_is_found_by_asking_and_when_readings_come_back() -> None:
    health = SensorHealth(QUICK)
    health.observe(np.arange(0.0, 100.0, 2.0), noisy(50))  # every 2 s: limit max(30, 10 x 2) = 30 s
    assert health.silent_since(125.0) is None
    alert = health.silent_since(140.0)
    assert alert is not None and alert.kind == "silent" and alert.since == 98.0
    [back] = health.observe(np.array([400.0, 402.0]), np.array([50.0, 51.0]))
    assert back.kind == "silent" and back.since == 98.0 and back.at == 400.0
    assert health.usual_interval() == pytest.approx(2.0)  # the silence is not the usual interval
