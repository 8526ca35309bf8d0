"""One window at a time, as a gate decides: where a single ``detect`` call spends its time.

    .venv/bin/python benchmarks/tagless_single.py --passages 20000 --seed 7 --chunks 8 --per-chunk 40

Takes the first ``--per-chunk`` windows of the first ``--chunks`` chunks of the benchmark's plan
(all scenarios), times the process's first call (loading the compiled code from Numba's cache,
or compiling it), then on this otherwise idle process:

- times each window's ``detect`` call (``time.perf_counter``), with the garbage collector's
  pauses recorded through ``gc.callbacks`` while they run;
- profiles the same calls with cProfile and reports the share of their time spent in the
  detector's steps (track passes, emission scores, binning).

Prints the figures and one JSON line. docs/metro-tagless.md "Latency" quotes it (ADR 0018).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from seoul.metro.engine.tagless import DEFAULT_MIX, DetectorConfig, GateArray, SimParams  # noqa: E402
from seoul.metro.engine.tagless.detector import detect  # noqa: E402
from seoul.metro.engine.tagless.simulator import plan, run_job  # noqa: E402

STEPS = ("_side_tracks", "_emissions", "_bin")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chunks", type=int, default=8)
    parser.add_argument("--per-chunk", type=int, default=40)
    args = parser.parse_args()

    gates, params, config = GateArray(), SimParams(), DetectorConfig()
    windows = []
    for job in plan(args.passages, args.seed, dict(DEFAULT_MIX), params)[: args.chunks]:
        batch = run_job(job, gates, params)
        windows += [batch.readings[i] for i in range(min(args.per_chunk, batch.readings.size))]
    t = time.perf_counter()
    detect(windows[0], gates, config)  # start-up: load (or compile) the compiled code, not a decision
    first_call = time.perf_counter() - t

    pauses: list[tuple[int, float]] = []
    started = [0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses.append((int(info["generation"]), time.perf_counter() - started[0]))

    latencies = []
    gc.callbacks.append(on_gc)
    try:
        for window in windows:
            t = time.perf_counter()
            detect(window, gates, config)
            latencies.append(time.perf_counter() - t)
    finally:
        gc.callbacks.remove(on_gc)

    profile = cProfile.Profile()
    profile.enable()
    for window in windows:
        detect(window, gates, config)
    profile.disable()
    stats: Any = pstats.Stats(profile).stats  # {(file, line, name): (cc, nc, tt, ct, callers)}
    total = sum(ct for (_f, _l, name), (_cc, _nc, _tt, ct, _c) in stats.items() if name == "detect")
    share = {
        step: round(sum(ct for (_f, _l, name), (_cc, _nc, _tt, ct, _c) in stats.items() if name == step) / total, 3)
        for step in STEPS
    }

    ms = np.array(latencies) * 1000
    result = {
        "windows": len(windows),
        "latency_ms_p50": round(float(np.percentile(ms, 50)), 3),
        "latency_ms_p99": round(float(np.percentile(ms, 99)), 3),
        "latency_ms_max": round(float(ms.max()), 3),
        "first_call_ms": round(first_call * 1000, 1),
        "profiled_ms_per_call": round(total / len(windows) * 1000, 3),
        "share_of_call": share,
        "gc_collections": len(pauses),
        "gc_max_pause_ms": round(max((p for _g, p in pauses), default=0.0) * 1000, 3),
        "passages": args.passages,
        "seed": args.seed,
    }
    print(
        f"{len(windows)} single calls: p50 {result['latency_ms_p50']} ms, p99 {result['latency_ms_p99']} ms, "
        f"max {result['latency_ms_max']} ms (the process's first call {result['first_call_ms']} ms); profiled {result['profiled_ms_per_call']} ms a call, of which "
        + ", ".join(f"{step} {100 * s:.0f} %" for step, s in share.items())
        + f"; {len(pauses)} collections, longest {result['gc_max_pause_ms']} ms"
    )
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
