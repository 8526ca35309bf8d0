"""Smart-train detector throughput: readings scored per second, against a bare NumPy pass.

    .venv/bin/python benchmarks/maintenance_throughput.py [--streams 2000] [--readings 2000]
                                                          [--batch 200] [--workers 2] [--seed 7]

Synthetic sensor streams (a daily-like cycle, noise, a few spikes and one level shift each;
the same for every run with the same seed) are fed to the detector the way the ingest API would
feed it: one ``Stream`` per sensor, its readings in batches of ``--batch``, streams split across
``--workers`` processes. The floor is a bare NumPy pass over the same batches in the same
loop: each batch standardised against its sensor's range (one subtraction, one division, one
comparison per reading). Both are timed inside the workers (``time.perf_counter`` around the
loop, generation excluded) and the wall time of the slowest worker counts. The goal in issue 16
is at least 500,000 readings a second on this machine's two cores. Prints a table and one JSON
line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from seoul.metro.engine.maintenance.detector import Settings, Stream  # noqa: E402 - after the path

GOAL = 500_000


def streams(first: int, count: int, readings: int, seed: int) -> list[np.ndarray]:
    out = []
    for s in range(first, first + count):
        rng = np.random.default_rng([seed, s])
        t = np.arange(readings)
        x = 50 + 10 * np.sin(2 * np.pi * t / 288 + rng.uniform(0, 6.3)) + rng.normal(0, 2, readings)
        x[rng.integers(0, readings, 3)] += rng.uniform(15, 30, 3)
        x[rng.integers(readings // 2, readings) :] += 12
        out.append(x)
    return out


def run(args: tuple[int, int, int, int, int]) -> dict[str, float]:
    first, count, readings, batch, seed = args
    series = streams(first, count, readings, seed)
    settings = Settings(rest=readings // 20)
    started = time.perf_counter()
    alerts = 0
    for x in series:
        stream = Stream(20.0, 80.0, settings)
        for i in range(0, readings, batch):
            alerts += int((stream.score(x[i : i + batch]) >= settings.alert_at).sum())
    detector_s = time.perf_counter() - started
    started = time.perf_counter()
    flagged = 0
    for x in series:
        for i in range(0, readings, batch):
            z = (x[i : i + batch] - 20.0) / 60.0
            flagged += int((z > 1.0).sum())
    bare_s = time.perf_counter() - started
    return {"detector_s": detector_s, "bare_s": bare_s, "alerts": alerts, "flagged": flagged}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--readings", type=int, default=2000, help="readings per stream")
    parser.add_argument("--batch", type=int, default=200, help="readings per batch")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    a = parser.parse_args()
    share = -(-a.streams // a.workers)
    jobs = [(w * share, min(share, a.streams - w * share), a.readings, a.batch, a.seed) for w in range(a.workers)]
    with ProcessPoolExecutor(a.workers) as pool:
        parts = list(pool.map(run, jobs))
    total = a.streams * a.readings
    detector_s = max(p["detector_s"] for p in parts)
    bare_s = max(p["bare_s"] for p in parts)
    result = {
        "benchmark": "maintenance_throughput",
        "streams": a.streams,
        "readings_per_stream": a.readings,
        "batch": a.batch,
        "workers": a.workers,
        "cpus": os.cpu_count(),
        "readings": total,
        "detector_readings_per_s": round(total / detector_s),
        "bare_numpy_readings_per_s": round(total / bare_s),
        "detector_over_bare": round(detector_s / bare_s, 2),
        "alerts": int(sum(p["alerts"] for p in parts)),
        "goal_readings_per_s": GOAL,
        "goal_met": total / detector_s >= GOAL,
    }
    print(f"{total:,} readings ({a.streams} streams x {a.readings}), batches of {a.batch}, {a.workers} workers")
    print(f"  detector    {result['detector_readings_per_s']:>12,} readings/s  ({detector_s:.2f} s)")
    print(f"  bare NumPy  {result['bare_numpy_readings_per_s']:>12,} readings/s  ({bare_s:.2f} s)")
    print(
        f"  the detector takes {result['detector_over_bare']}x the bare pass; {result['alerts']} alerts; "
        f"goal >= {GOAL:,}/s: {'met' if result['goal_met'] else 'NOT met'}"
    )
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
