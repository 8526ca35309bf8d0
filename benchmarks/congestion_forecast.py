"""Per-car congestion forecast against the seasonal baseline, on held-back simulated days.

    nice -n 10 .venv/bin/python benchmarks/congestion_forecast.py [--days 20] [--seed 0]

Simulates ``--days`` consecutive weekdays of 5호선 (방화–하남검단산, both directions) with the
generative model of ``metro/engine/congestion/simulator.py``; the first 30 % of the days fit the
forecast (``forecast.learn``), the next 20 % set its 80 % band (``forecast.calibrate``), the last
half are held back and scored. Every ``--every`` minutes of each held-back day, the next three
trains at the platform are forecast per car and compared with the simulated truth, at the MOIS
2023 pilot's stations 장한평 and 군자 (the anchor: 90.1 % level accuracy reported there) and, for
a line-wide figure, at every sixth station of the route.

Measures, per car: level accuracy (share of forecasts in the right one of 여유/보통/주의/혼잡),
mean absolute error in percentage points, and the share of true values inside the 80 % band.
Against: the published profile for the slot on every car ("baseline"), and spread with the
car shape learned on the fitting days ("baseline+cars"). Split: normal, the normal trains of the
peaks (leaving 07:00-09:30 or 17:30-19:30), and disrupted (trains leaving the platform from the
held train on, up to 30 minutes after it, where the hold was at or before the platform). ``--stress`` draws the days from a world the forecast's assumptions fit worse (a longer walk
from the gates than the 2 minutes it assumes, noisier demand, more local surges, noisier
weighing, a car pattern that changes from day to day). ``--taps`` says which gate taps the
forecast reads: ``direction`` (default) the simulated taps of riders for this direction, as if a
gate knew where each rider goes; ``station`` what the platform's gates really give, the entries of
a station in both directions summed and split back by the published profile
(``engine/congestion/taps.py``), on the fitting days as on the scored ones; ``usual`` none: the
learned usual taps (what the pages do when no gate reports). Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from seoul.metro.engine.congestion import baseline, forecast, levels, live, simulator, taps  # noqa: E402

ANCHORS = ("장한평", "군자")
STRESS = simulator.SimParams(
    walk_min=(3, 6),  # the forecast assumes 2 minutes from the gates to the platform
    noise_sd=0.2,
    surges_per_day=3.0,
    sensor_sd_kg=250.0,
    kg_day_bias_sd=3.0,
    car_day_sd=0.2,  # riders' car choice changes from day to day
)
DISRUPTED_MINUTES = 30.0


@dataclass
class Scores:
    truth: list[np.ndarray] = field(default_factory=list)
    model: list[np.ndarray] = field(default_factory=list)
    low: list[np.ndarray] = field(default_factory=list)
    high: list[np.ndarray] = field(default_factory=list)
    flat: list[np.ndarray] = field(default_factory=list)
    shaped: list[np.ndarray] = field(default_factory=list)
    disrupted: list[np.ndarray] = field(default_factory=list)
    peak: list[np.ndarray] = field(default_factory=list)

    def add(self, day: simulator.SimDay, model: forecast.Model, k: int, f: forecast.TrainForecast) -> None:
        self.truth.append(day.pct[f.train, k])
        self.model.append(f.pct)
        self.low.append(f.low)
        self.high.append(f.high)
        self.flat.append(forecast.seasonal(model, k, f.leaves_at, shaped=False))
        self.shaped.append(forecast.seasonal(model, k, f.leaves_at, shaped=True))
        self.disrupted.append(np.full(day.cars, disrupted(day, f.train, k)))
        hour = 5.5 + day.dep[f.train, k] / 60
        self.peak.append(np.full(day.cars, 7 <= hour < 9.5 or 17.5 <= hour < 19.5))

    def table(self) -> dict[str, dict[str, dict[str, float]]]:
        truth = np.concatenate(self.truth)
        dis = np.concatenate(self.disrupted)
        peak = np.concatenate(self.peak)
        out: dict[str, dict[str, dict[str, float]]] = {}
        periods = (("all", np.ones_like(dis)), ("normal", ~dis), ("peak", peak & ~dis), ("disrupted", dis))
        for period, sel in periods:
            row: dict[str, dict[str, float]] = {}
            for name, values in (("forecast", self.model), ("baseline", self.flat), ("baseline+cars", self.shaped)):
                v = np.concatenate(values)[sel]
                t = truth[sel]
                row[name] = {
                    "level_accuracy": round(100 * float((level_indices(v) == level_indices(t)).mean()), 1)
                    if len(t)
                    else float("nan"),
                    "mae_points": round(float(np.abs(v - t).mean()), 2) if len(t) else float("nan"),
                    "cars": int(sel.sum()),
                }
            lo, hi = np.concatenate(self.low)[sel], np.concatenate(self.high)[sel]
            row["forecast"]["band_coverage"] = (
                round(100 * float(((truth[sel] >= lo) & (truth[sel] <= hi)).mean()), 1) if len(lo) else float("nan")
            )
            out[period] = row
        return out


def level_indices(pct: np.ndarray) -> np.ndarray:
    """0..3 per value, the edges of ``levels.level`` (≤ 80, < 130, < 150)."""
    lo, mid, hi = levels.BOUNDS
    return (pct > lo).astype(np.int64) + (pct >= mid) + (pct >= hi)


def disrupted(day: simulator.SimDay, train: int, k: int) -> bool:
    d = day.disruption
    if d is None or d.station > k or train < d.train:
        return False
    return bool(day.dep[train, k] - day.dep[d.train, k] <= DISRUPTED_MINUTES)


def other_lines(
    route: baseline.Route, days: list[date], seed: int, params: simulator.SimParams
) -> list[list[simulator.SimDay]]:
    """Per day, the simulated days (both directions) of every other line crossing the route,
    whose riders enter through the same gates at the transfer stations."""
    names = set(route.stations)
    others = {
        baseline.table().routes_of(line, station)[0]
        for station in names
        for line in baseline.table().lines_of(station)
        if line != route.line
    }
    return [
        [simulator.simulate_day(r, forward, d, seed * 1000 + i, params) for r in others for forward in (True, False)]
        for i, d in enumerate(days)
    ]


def split_back(
    route: baseline.Route,
    forward: bool,
    both: dict[bool, list[simulator.SimDay]],
    crossing: list[list[simulator.SimDay]],
    i: int,
) -> simulator.SimDay:
    """Day ``i`` of a direction with the taps the platform's gates would give: each station's
    entries on every platform (both directions, and the crossing lines' at a transfer station)
    summed, then split by the published profile."""
    day = both[forward][i]
    span = day.taps.shape[1]
    entries: dict[str, np.ndarray] = {station: np.zeros(span, dtype=np.int64) for station in day.stations}
    for sim in [both[True][i], both[False][i], *crossing[i]]:
        for row, station in zip(sim.taps, sim.stations, strict=True):
            if station in entries:
                entries[station][: min(len(row), span)] += row[:span]
    found = taps.split(entries, route, forward, day.day)
    new = np.zeros_like(day.taps)
    for k, station in enumerate(day.stations):
        got = found.get(station)
        if got is not None:
            new[k, : min(len(got), new.shape[1])] = got[: new.shape[1]]
    return replace(day, taps=new)


def weekdays(start: date, n: int) -> list[date]:
    out: list[date] = []
    day = start
    while len(out) < n:
        if baseline.day_type(day) == "weekday":
            out.append(day)
        day += timedelta(days=1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--every", type=float, default=5.0, help="minutes between forecasts")
    parser.add_argument("--start", default="2026-03-03", help="first simulated day (weekdays only are taken)")
    parser.add_argument("--stress", action="store_true", help="a world the forecast's assumptions fit worse (STRESS)")
    parser.add_argument("--taps", choices=("direction", "station", "usual"), default="direction")
    args = parser.parse_args()
    params = STRESS if args.stress else simulator.SimParams()
    route = next(r for r in baseline.table().routes if r.name == "방화-하남검단산")
    days = weekdays(date.fromisoformat(args.start), args.days)
    n_fit, n_cal = max(2, round(0.3 * len(days))), max(1, round(0.2 * len(days)))
    started = time.perf_counter()
    anchors, line = Scores(), Scores()
    sim_seconds = 0.0
    disruptions = 0
    t0 = time.perf_counter()
    both = {
        forward: [simulator.simulate_day(route, forward, d, args.seed * 1000 + i, params) for i, d in enumerate(days)]
        for forward in (True, False)
    }
    sim_seconds += time.perf_counter() - t0
    if args.taps == "station":
        t0 = time.perf_counter()
        crossing = other_lines(route, days, args.seed, params)
        sim_seconds += time.perf_counter() - t0
        both = {forward: [split_back(route, forward, both, crossing, i) for i in range(len(days))] for forward in both}
    for sims in both.values():
        names = sims[0].stations
        anchor_idx = [names.index(a) for a in ANCHORS]
        sampled = sorted(set(range(1, len(names), 6)) - set(anchor_idx))
        model = forecast.learn(sims[:n_fit])
        model = forecast.calibrate(model, sims[n_fit : n_fit + n_cal], anchor_idx + sampled, every=15.0)
        for day in sims[n_fit + n_cal :]:
            disruptions += day.disruption is not None
            for now in np.arange(30.0, float(day.dep[:, 0].max()), args.every):
                live_view = forecast.observe(day, float(now))
                if args.taps == "usual":
                    usual = live.usual_taps(model, live_view.taps.shape[1])
                    live_view = replace(live_view, taps=usual)
                for k in anchor_idx:
                    for f in forecast.forecast(model, live_view, k):
                        anchors.add(day, model, k, f)
                if int(now) % 15 == 0:
                    for k in sampled:
                        for f in forecast.forecast(model, live_view, k):
                            line.add(day, model, k, f)
    seconds = time.perf_counter() - started
    held = len(days) - n_fit - n_cal
    print(
        f"{'STRESS: ' if args.stress else ''}5호선 방화–하남검단산, {len(days)} simulated weekdays from {days[0]}: {n_fit} fit, {n_cal} band,"
        f" {held} held back x 2 directions ({disruptions} of {2 * held} with a held train);"
        f" next 3 trains every {args.every:g} min; per car; taps: {args.taps}"
    )
    results = {"anchors (장한평, 군자)": anchors.table(), "line (every 6th station)": line.table()}
    header = f"  {'':26}{'period':>10}{'cars':>9}{'acc %':>8}{'MAE pt':>8}{'band %':>8}"
    for title, table in results.items():
        print(title)
        print(header)
        for period, row in table.items():
            for name, m in row.items():
                band = f"{m['band_coverage']:8.1f}" if "band_coverage" in m else f"{'':8}"
                print(f"  {name:26}{period:>10}{m['cars']:9d}{m['level_accuracy']:8.1f}{m['mae_points']:8.2f}{band}")
    print(f"  (MOIS 2023 pilot, 장한평/군자: 90.1 % level accuracy, its own data and method); {seconds:.0f} s")
    summary = {
        "benchmark": "congestion_forecast",
        "line": "5",
        "days": len(days),
        "held_back_days": held,
        "seed": args.seed,
        "stress": args.stress,
        "taps": args.taps,
        "disrupted_days": disruptions,
        "anchors": results["anchors (장한평, 군자)"],
        "line_sample": results["line (every 6th station)"],
        "simulate_seconds_per_day_direction": round(sim_seconds / (2 * len(days)), 3),
        "seconds": round(seconds, 1),
    }
    print(json.dumps(summary, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main()
