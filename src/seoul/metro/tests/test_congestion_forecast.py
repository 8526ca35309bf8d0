"""The forecast sees nothing from the future and beats the published profile on held-back days."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from seoul.metro.engine.congestion import baseline, forecast, simulator

ROUTE = baseline.route_for("5", "장한평")


def _levels(pct: np.ndarray) -> np.ndarray:
    return (pct > 80).astype(int) + (pct >= 130) + (pct >= 150)


@pytest.fixture(scope="module")
def days() -> list[simulator.SimDay]:
    start = date(2026, 3, 9)  # Monday; five weekdays, then the next Monday and Tuesday
    dates = [start + timedelta(days=k) for k in (0, 1, 2, 3, 4, 7, 8)]
    return [simulator.simulate_day(ROUTE, True, d, 100 + k, disruption=k >= 5) for k, d in enumerate(dates)]


def test_observations_stop_at_now(days: list[simulator.SimDay]) -> None:
    d = days[0]
    live = forecast.observe(d, 180.0)
    assert live.taps.shape[1] == 180
    assert np.isnan(live.dep[d.dep > 180]).all() and not np.isnan(live.dep[d.dep <= 180]).any()
    assert np.isnan(live.weigh_pct[d.dep > 180]).all()


def test_forecast_beats_the_seasonal_baseline(days: list[simulator.SimDay]) -> None:
    model = forecast.calibrate(forecast.learn(days[:4]), days[4:5], [days[0].stations.index("장한평")], every=20)
    k = days[0].stations.index("장한평")
    truth, ours, published, inside = [], [], [], []
    for d in days[5:]:  # held back, each with a held train
        for now in np.arange(30.0, float(d.dep[:, 0].max()), 10.0):
            for f in forecast.forecast(model, forecast.observe(d, float(now)), k, 3):
                assert (f.low <= f.pct + 1e-9).all() and (f.pct <= f.high + 1e-9).all()
                truth.append(d.pct[f.train, k])
                ours.append(f.pct)
                published.append(forecast.seasonal(model, k, f.leaves_at, shaped=False))
                inside.append((d.pct[f.train, k] >= f.low) & (d.pct[f.train, k] <= f.high))
    t, o, p = np.concatenate(truth), np.concatenate(ours), np.concatenate(published)
    mae_ours, mae_published = np.abs(o - t).mean(), np.abs(p - t).mean()
    acc_ours, acc_published = (_levels(o) == _levels(t)).mean(), (_levels(p) == _levels(t)).mean()
    assert mae_ours < 0.7 * mae_published
    assert acc_ours > acc_published
    assert 0.6 < np.concatenate(inside).mean() < 0.95  # an 80 % band, roughly


def test_the_next_trains_are_in_order_and_not_gone(days: list[simulator.SimDay]) -> None:
    model = forecast.learn(days[:3])
    d = days[5]
    k = d.stations.index("군자")
    now = 2.5 * 60.0
    found = forecast.forecast(model, forecast.observe(d, now), k, 4)
    assert len(found) == 4
    assert [f.train for f in found] == sorted(f.train for f in found)
    assert all(d.dep[f.train, k] > now for f in found)
    assert all(f.leaves_at >= now for f in found)


def test_a_moment_in_another_zone_is_forecast_at_the_same_seoul_time() -> None:
    from datetime import UTC, datetime

    from seoul.core.engine.time import SEOUL
    from seoul.metro.engine.congestion.baseline import route_for
    from seoul.metro.engine.congestion.forecast import simulated_platform

    route = route_for("5", "군자")
    seoul = simulated_platform(route, True, "군자", datetime(2026, 3, 4, 8, 10, tzinfo=SEOUL), 1)
    utc = simulated_platform(route, True, "군자", datetime(2026, 3, 3, 23, 10, tzinfo=UTC), 1)
    assert utc["trains"] == seoul["trains"] and utc["slot"] == "08:00"
