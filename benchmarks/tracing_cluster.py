"""Outbreak-level discovery: a 10-case cluster in one pass against ten single runs, on the
10-million-person city (issue #13).

    .venv/bin/python benchmarks/tracing_cluster.py [--people 10000000] [--days 14] [--cases 10] [--runs 3] [--reuse] [--limit K]

1. Simulates the city with ``--cases`` planted cases into DIR/cluster-city (``--reuse`` keeps a
   city already there).
2. Runs, ``--runs`` times and alternating the order: ``discover_cluster`` over all the cases in
   one pass, and ``discover`` once per case; wall and CPU seconds of each.
3. Checks the one pass gives every case exactly the candidates its single run gives.

``--limit K`` keeps each case's K best candidates, as a tracer's list does (default: all).

Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seoul.settings")
django.setup()  # the metro network comes through metro.interfaces, a Django module

from seoul.tracing.engine import discovery, simulate  # noqa: E402 - after django.setup()
from seoul.tracing.sources import geometry  # noqa: E402

SEED = 2020


def windows(planted: list[dict[str, object]]) -> list[tuple[str, discovery.Window]]:
    return [
        (
            str(c["person_id"]),
            discovery.infectious_window(
                date.fromisoformat(str(c["onset"])), None, datetime.fromisoformat(str(c["isolated_at"]))
            ),
        )
        for c in planted
    ]


def timed(fn):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=10_000_000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--cases", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/seoul-bench/tracing"))  # noqa: S108 - bulky data, not secrets
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--limit", type=int, default=None, help="each case's best K candidates (default: all)")
    args = ap.parse_args()

    city = args.dir / "cluster-city"
    figures: dict[str, object] = {"people": args.people, "days": args.days, "cases": args.cases, "limit": args.limit}
    if not (args.reuse and (city / "planted.json").exists()):
        shutil.rmtree(city, ignore_errors=True)
        summary = simulate.simulate(
            geometry(), people=args.people, days=args.days, seed=SEED, out=city, cases=args.cases
        )
        figures |= {"rows": summary.rows, "simulate_seconds": round(summary.seconds, 1)}
    planted = json.loads((city / "planted.json").read_text())["cases"][: args.cases]
    cluster = windows(planted)

    one_pass: list[tuple[float, float]] = []
    singles: list[tuple[float, float]] = []
    reference: list[list[discovery.Candidate]] | None = None
    together: list[list[discovery.Candidate]] = []
    for run in range(args.runs):
        order = ("cluster", "singles") if run % 2 == 0 else ("singles", "cluster")
        for kind in order:
            if kind == "cluster":
                found, wall, cpu = timed(lambda: discovery.discover_cluster(city, cluster, limit=args.limit))
                one_pass.append((wall, cpu))
                together = found
            else:
                found, wall, cpu = timed(lambda: [discovery.discover(city, p, w, limit=args.limit) for p, w in cluster])
                singles.append((wall, cpu))
                reference = found
    assert reference is not None
    same = all(
        [(c.person_id, c.score) for c in a] == [(c.person_id, c.score) for c in b]
        for a, b in zip(together, reference, strict=True)
    )
    merged = discovery.union([p for p, _ in cluster], together)
    figures |= {
        "one_pass_seconds": round(statistics.median(w for w, _ in one_pass), 3),
        "one_pass_cpu_seconds": round(statistics.median(c for _, c in one_pass), 3),
        "ten_singles_seconds": round(statistics.median(w for w, _ in singles), 3),
        "ten_singles_cpu_seconds": round(statistics.median(c for _, c in singles), 3),
        "one_pass_runs": [round(w, 2) for w, _ in one_pass],
        "singles_runs": [round(w, 2) for w, _ in singles],
        "candidates_per_case": [len(f) for f in together],
        "union": len(merged),
        "overlaps": sum(1 for u in merged if len(u.cases) > 1),
        "same_candidates_as_single_runs": same,
    }
    figures["speedup"] = round(float(figures["ten_singles_seconds"]) / float(figures["one_pass_seconds"]), 2)  # type: ignore[arg-type]
    print(f"{'':<22} {'wall s':>8} {'cpu s':>8}")
    print(f"{'cluster, one pass':<22} {figures['one_pass_seconds']:>8} {figures['one_pass_cpu_seconds']:>8}")
    print(f"{'ten single runs':<22} {figures['ten_singles_seconds']:>8} {figures['ten_singles_cpu_seconds']:>8}")
    print(
        f"speed-up {figures['speedup']}x; union {figures['union']:,} people, {figures['overlaps']:,} near several cases; "
        f"same candidates as single runs: {same}"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
