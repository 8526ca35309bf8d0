"""The smart-train detector's settings on NAB, checked on files they were not picked on.

    .venv/bin/python benchmarks/nab_detector.py [--data ../shared/data/nab]

The platform's detector (``metro/engine/maintenance/detector.py``) has a pattern channel
(bands, pattern orders, the share that is an alert) and three more (logarithmic bands, jumps,
trend), one alert rule over them and a rest after an alert. The pattern channel's own settings
(8 bands, orders 1 to 4, alert at 0.75) were picked on an earlier grid (6 to 12 bands, 3 to 5
orders, 0.6 or 0.75) and are held here; the grid below is over what the other channels and the
alert rule add: each extra channel on or off (at its one setting), the rest and the quiet spell
a new pattern needs (as shares of NAB's probationary period, as the platform runs it on NAB).
They were picked on the whole corpus, as every NAB scoreboard entry picks its thresholds. Here
the corpus is split in two halves (alternate files of each category, so both halves hold every
kind of series), the best settings of the grid are picked on one half and scored on the other,
and the other way round. A detector whose settings only fit the files they were picked on
scores much lower on the other half. Each half is normalised on its own (its own windows, its
own null score), at the best threshold of each profile, as NAB does. Prints a table and one
JSON line.
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


GRID = {
    "rest": (0.15, 0.2, 0.25),
    "quiet": (0.0, 0.2, 0.3),
    "log_levels": (0, 16, 24),
    "residual_span": (0, 8),
    "trend_span": (0, 16),
}


def scores_for(
    corpus: nab.Corpus, rest: float, quiet: float, log_levels: int, residual_span: int, trend_span: int
) -> dict[str, nab.F64]:
    base = detector.Settings(log_levels=log_levels, residual_span=residual_span, trend_span=trend_span)
    out = {}
    for f in corpus.files:
        settings = detector.for_probation(int(nab.probation_rows(len(f))), base, rest, quiet)
        out[f.name] = detector.score(f.values, float(f.values.min()), float(f.values.max()), settings)
    return out


def profiles(part: nab.Corpus, scores: dict[str, nab.F64]) -> dict[str, float]:
    return {
        p: round(nab.score_profile(part, {f.name: scores[f.name] for f in part.files}, p).score, 2)
        for p in nab.PROFILES
    }


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
    kept: dict[int, dict[str, nab.F64]] = {}
    for combo in itertools.product(*GRID.values()):
        rest, quiet = float(combo[0]), float(combo[1])
        scores = scores_for(corpus, rest, quiet, int(combo[2]), int(combo[3]), int(combo[4]))
        on = [
            nab.score_profile(part, {f.name: scores[f.name] for f in part.files}, "standard").score
            for part in (corpus, *halves)
        ]
        table.append(Row(dict(zip(GRID, combo, strict=True)), on[0], on[1], on[2]))
        kept[len(table) - 1] = scores
    best_all = max(range(len(table)), key=lambda i: table[i].all)
    best_a = max(range(len(table)), key=lambda i: table[i].a)
    best_b = max(range(len(table)), key=lambda i: table[i].b)
    held_b = profiles(halves[1], kept[best_a])
    held_a = profiles(halves[0], kept[best_b])
    result = {
        "benchmark": "nab_detector",
        "grid_size": len(table),
        "best_on_all": {"settings": table[best_all].settings, "profiles": profiles(corpus, kept[best_all])},
        "picked_on_a": {"settings": table[best_a].settings, "on_a": round(table[best_a].a, 2), "on_b": held_b},
        "picked_on_b": {"settings": table[best_b].settings, "on_b": round(table[best_b].b, 2), "on_a": held_a},
        "seconds": round(time.perf_counter() - started, 1),
    }
    best_all_row, best_a_row, best_b_row = table[best_all], table[best_a], table[best_b]
    sizes = f"halves of {len(halves[0].files)} and {len(halves[1].files)} files"
    print(f"NAB standard profile, {len(table)} settings, {sizes}")
    print(f"  best on the whole corpus   {best_all_row.all:6.2f}  {best_all_row.settings}")
    print(f"     all profiles: {result['best_on_all']['profiles']}")
    print(f"  picked on half A: on A {best_a_row.a:6.2f}, on B (held out) {best_a_row.b:6.2f}  {best_a_row.settings}")
    print(f"     held out, all profiles: {held_b}")
    print(f"  picked on half B: on B {best_b_row.b:6.2f}, on A (held out) {best_b_row.a:6.2f}  {best_b_row.settings}")
    print(f"     held out, all profiles: {held_a}")
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
