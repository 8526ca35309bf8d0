"""Per-car loads accumulated from door counts against the simulated truth and the load-weighing.

    nice -n 10 .venv/bin/python benchmarks/congestion_counts.py [--first 2026-03-02] [--days 5]

Simulates 5호선 방화–하남검단산 in both directions on ``--days`` consecutive days from ``--first``
(the days the congestion pages show: ``forecast._simulated``, seeded by the date), turns each
day into the door counts a counter would report (``counts.simulated_counts``, seeded by the
date too) and accumulates them along every trip with ``counts.accumulate``, the code the
platform runs. Scores, per car of every train at every station, the error of the accumulated
load against the simulated truth in percentage points of 160 riders: mean absolute error
(MAE), mean signed error (bias: below 0 is an under-count) and the 90th percentile of the
absolute error, overall, in the peaks (trains leaving 07:00-09:30 or 17:30-19:30) and by how
many stations into the trip, where the drift shows. Against: the load-weighing observation of
the same trains (``SimDay.weigh_pct``), and the counts of a poor counter
(``counts.POOR_COUNTER``). A perfect counter (``counts.NO_ERRORS``) must score 0: checked.
Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from seoul.metro.engine.congestion import baseline, counts, forecast, live, simulator  # noqa: E402 - after the path
from seoul.metro.engine.congestion.levels import CAPACITY, KG_PER_PASSENGER  # noqa: E402

BUCKETS = ((0, 0), (1, 4), (5, 9), (10, 19), (20, 29), (30, 999))


def label(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else (f"{lo}+" if hi >= 999 else f"{lo}-{hi}")


def accumulated_pct(sim: simulator.SimDay, boarded: np.ndarray, alighted: np.ndarray) -> tuple[np.ndarray, int, int]:
    """(J, N, C) congestion in % from the counts, through ``counts.accumulate``; clipped car-stops
    and trains flagged mid-trip."""
    start = live.service_start(sim.day)
    row = sim.route.row(sim.forward)
    destination = sim.stations[-1]
    records = [
        counts.DoorCount(
            train=f"5A{row}{j:03d}",
            line=sim.route.line,
            station=station,
            direction=row,
            departed_at=start + timedelta(minutes=float(sim.dep[j, i])),
            boarded=tuple(boarded[j, i].tolist()),
            alighted=tuple(alighted[j, i].tolist()),
            destination=destination,
        )
        for j in range(sim.dep.shape[0])
        for i, station in enumerate(sim.stations)
    ]
    done = counts.accumulate(records)
    index = {name: i for i, name in enumerate(sim.stations)}
    out = np.full(sim.load.shape, np.nan)
    for d in done.departures:
        out[int(d.train[3:]), index[d.station]] = np.array(d.loads_kg) / KG_PER_PASSENGER / CAPACITY * 100
    return out, done.clipped, len(done.mid_trip)


def scores(err: np.ndarray, ahead: np.ndarray, peak: np.ndarray) -> dict[str, dict[str, float]]:
    def one(sel: np.ndarray) -> dict[str, float]:
        e = err[sel]
        return {
            "mae": round(float(np.abs(e).mean()), 2),
            "bias": round(float(e.mean()), 2),
            "p90": round(float(np.quantile(np.abs(e), 0.9)), 2),
            "n": int(e.size),
        }

    out = {"all": one(np.ones_like(peak)), "peak": one(peak)}
    for lo, hi in BUCKETS:
        out[label(lo, hi)] = one((ahead >= lo) & (ahead <= hi))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--first", type=date.fromisoformat, default=date(2026, 3, 2))
    parser.add_argument("--days", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("seoul.metro.congestion.counts").setLevel(logging.ERROR)  # clipping is counted below
    started = time.perf_counter()
    route = baseline.route_for("5", "장한평")
    errs: dict[str, list[np.ndarray]] = {"counts": [], "weighing": [], "poor": []}
    ahead_all: list[np.ndarray] = []
    peak_all: list[np.ndarray] = []
    clipped = {"counts": 0, "poor": 0}
    flagged = 0
    days = [args.first + timedelta(days=k) for k in range(args.days)]
    for day in days:
        seed = forecast._seed(day)
        for forward in (True, False):
            sim = forecast._simulated(route, forward, day)
            b0, a0 = counts.simulated_counts(sim, seed, counts.NO_ERRORS)
            exact, _, _ = accumulated_pct(sim, b0, a0)
            assert np.abs(exact - sim.pct).max() < 1e-9, "a perfect counter must give the truth"
            cells = sim.load.shape
            ahead = np.broadcast_to(np.arange(cells[1])[None, :, None], cells)
            hour = 5.5 + sim.dep / 60
            peak = np.broadcast_to((((hour >= 7) & (hour < 9.5)) | ((hour >= 17.5) & (hour < 19.5)))[:, :, None], cells)
            ahead_all.append(ahead.ravel())
            peak_all.append(peak.ravel())
            errs["weighing"].append((sim.weigh_pct - sim.pct).ravel())
            for name, model in (("counts", counts.CountErrors()), ("poor", counts.POOR_COUNTER)):
                b, a = counts.simulated_counts(sim, seed, model)
                pct, clip, mid = accumulated_pct(sim, b, a)
                clipped[name] += clip
                flagged += mid
                errs[name].append((pct - sim.pct).ravel())
    ahead = np.concatenate(ahead_all)
    peak = np.concatenate(peak_all)
    table = {name: scores(np.concatenate(e), ahead, peak) for name, e in errs.items()}
    columns = ["all", "peak", *(label(lo, hi) for lo, hi in BUCKETS)]
    kinds = {d.isoformat(): baseline.day_type(d) for d in days}
    print(f"5호선 {route.name}, both directions, {', '.join(f'{d} ({k})' for d, k in kinds.items())}")
    print("per-car error in percentage points of 160 riders, by stations into the trip")
    print(f"{'':24}" + "".join(f"{c:>8}" for c in columns))
    names = {"counts": "door counts (defaults)", "weighing": "load-weighing", "poor": "poor counter"}
    for name, rows in table.items():
        for metric in ("mae", "bias", "p90"):
            print(f"{names[name] + ' ' + metric:24}" + "".join(f"{rows[c][metric]:>8.2f}" for c in columns))
    print(f"cells: {table['counts']['all']['n']}; clipped car-stops: {clipped}; trains flagged mid-trip: {flagged}")
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "benchmark": "congestion_counts",
                "route": route.name,
                "days": kinds,
                "scores": table,
                "clipped": clipped,
                "mid_trip": flagged,
                "seconds": round(elapsed, 1),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
