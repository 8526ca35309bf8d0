"""The simulated line: loads stay possible, a held train fills its platforms, the mean follows
the published profile, the observations look like the sources."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from seoul.metro.engine.congestion import baseline, simulator
from seoul.metro.engine.congestion.levels import CAPACITY

ROUTE = baseline.route_for("5", "장한평")
DAY = date(2026, 3, 4)


def test_loads_are_possible_and_order_is_kept() -> None:
    params = simulator.SimParams()
    crush = params.crush_pct / 100 * CAPACITY
    for forward in (True, False):
        d = simulator.simulate_day(ROUTE, forward, DAY, 7, disruption=True)
        assert d.load.min() >= 0
        assert d.load.max() <= crush
        assert (d.left >= 0).all() and (d.left <= d.waiting).all()
        assert (np.diff(d.dep, axis=1) >= 0).all()  # a train goes forward in time
        assert (np.diff(d.dep, axis=0) >= params.min_headway - 1e-9).all()  # and never overtakes
        assert d.weigh_pct.min() >= 0
        assert np.abs(d.weigh_pct - d.pct).mean() < 5  # load-weighing is close, not exact
        assert d.taps.min() >= 0 and d.taps.sum() > 0


def test_the_same_seed_gives_the_same_day() -> None:
    a = simulator.simulate_day(ROUTE, True, DAY, 3)
    b = simulator.simulate_day(ROUTE, True, DAY, 3)
    assert np.array_equal(a.load, b.load) and np.array_equal(a.taps, b.taps)
    c = simulator.simulate_day(ROUTE, True, DAY, 4)
    assert not np.array_equal(a.load, c.load)


def test_a_held_train_raises_the_platform_queues_behind_it() -> None:
    for seed in range(3):
        calm = simulator.simulate_day(ROUTE, True, DAY, seed, disruption=False)
        held = simulator.simulate_day(ROUTE, True, DAY, seed, disruption=True)
        d = held.disruption
        assert d is not None and calm.disruption is None
        after = slice(d.station + 1, None)
        # the held train meets more riders on every platform after the hold, and leaves fuller
        assert held.waiting[d.train, after].sum() > calm.waiting[d.train, after].sum()
        assert held.load[d.train, after].sum() > calm.load[d.train, after].sum()
        gap = held.dep[d.train, after] - held.dep[d.train - 1, after]
        assert (gap >= d.minutes).all()


def test_the_mean_load_follows_the_published_profile() -> None:
    days = [DAY + timedelta(days=7 * k) for k in range(6)]  # Wednesdays
    ratio, per_station = [], []
    for k, day in enumerate(days):
        d = simulator.simulate_day(ROUTE, k % 2 == 0, day, k, disruption=False)
        riders = d.load.sum(axis=2)
        ratio.append(riders.sum() / d.expected.sum())
        per_station.append((riders.mean(axis=0), d.expected.mean(axis=0)))
    assert abs(float(np.mean(ratio)) - 1) < 0.05
    for simulated, published in per_station:
        assert np.corrcoef(simulated, published)[0, 1] > 0.95


def test_cars_at_the_ends_are_emptier() -> None:
    d = simulator.simulate_day(ROUTE, True, DAY, 1)
    per_car = d.load.sum(axis=(0, 1))
    assert per_car[0] < per_car[1:-1].min() and per_car[-1] < per_car[1:-1].min()


def test_headways_follow_the_time_of_day() -> None:
    peak = simulator.headway(2.5 * 60, "weekday")  # 08:00
    midday = simulator.headway(7 * 60, "weekday")
    assert peak < midday < simulator.headway(17.5 * 60, "weekday")  # 23:00
    assert simulator.headway(2.5 * 60, "saturday") > peak
