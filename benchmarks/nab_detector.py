"""The smart-train detector's settings on NAB, checked on files they were not picked on.

    .venv/bin/python benchmarks/nab_detector.py [--data ../shared/data/nab]

The platform's detector (``metro/engine/maintenance/detector.py``) has four settings: bands,
pattern orders, the score that is an alert, and the rest after one (as a share of NAB's
probationary period). They were picked on the whole corpus, as every NAB scoreboard entry picks
its thresholds. Here the corpus is split in two halves (alternate files of each category, so
both halves hold every kind of series), the best settings of a grid are picked on one half and
scored on the other, and the other way round. A detector whose settings only fit the files
they were picked on scores much lower on the other half. Each half is normalised on its own
(its own windows, its own null score), at the best threshold of each profile, as NAB does.
Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from seoul.metro.engine.maintenance import detector, nab  # noqa: E402 - after the path


@dataclass(frozen=True)
class Row:
    settings: dict[str, float]
    all: float
    a: float
    b: float


GRID = {"levels": (6, 8, 10, 12), "orders": (3, 4, 5), "alert_at": (0.6, 0.75), "rest": (0.1, 0.2, 0.3)}


def scores_for(corpus: nab.Corpus, levels: int, orders: int, alert_at: float, rest: float) -> dict[str, nab.F64]:
    out = {}
    for f in corpus.files:
        settings = detector.Settings(levels, orders, alert_at, int(nab.probation_rows(len(f)) * rest))
        out[f.name] = detector.score(f.values, float(f.values.min()), float(f.values.max()), settings)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "nab")
    args = parser.parse_args()
    corpus = nab.load_corpus(args.data)
    halves = (
        replace(corpus, files=tuple(f for i, f in enumerate(corpus.files) if i % 2 == 0)),
        replace(corpus, files=tuple(f for i, f in enumerate(corpus.files) if i % 2 == 1)),
    )
    started = time.perf_counter()
    table: list[Row] = []
    for combo in itertools.product(*GRID.values()):
        levels, orders, alert_at, rest = int(combo[0]), int(combo[1]), float(combo[2]), float(combo[3])
        on = [
            nab.score_profile(part, scores_for(part, levels, orders, alert_at, rest), "standard").score
            for part in (corpus, *halves)
        ]
        table.append(Row(dict(zip(GRID, combo, strict=True)), on[0], on[1], on[2]))
    best_all = max(table, key=lambda r: r.all)
    best_a = max(table, key=lambda r: r.a)
    best_b = max(table, key=lambda r: r.b)
    result = {
        "benchmark": "nab_detector",
        "grid_size": len(table),
        "best_on_all": {"settings": best_all.settings, "standard": round(best_all.all, 2)},
        "picked_on_a": {"settings": best_a.settings, "on_a": round(best_a.a, 2), "on_b": round(best_a.b, 2)},
        "picked_on_b": {"settings": best_b.settings, "on_b": round(best_b.b, 2), "on_a": round(best_b.a, 2)},
        "seconds": round(time.perf_counter() - started, 1),
    }
    sizes = f"halves of {len(halves[0].files)} and {len(halves[1].files)} files"
    print(f"NAB standard profile, {len(table)} settings, {sizes}")
    print(f"  best on the whole corpus   {best_all.all:6.2f}  {best_all.settings}")
    print(f"  picked on half A: on A {best_a.a:6.2f}, on B (held out) {best_a.b:6.2f}  {best_a.settings}")
    print(f"  picked on half B: on B {best_b.b:6.2f}, on A (held out) {best_b.a:6.2f}  {best_b.settings}")
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
