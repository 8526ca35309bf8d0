"""Field libraries against the platform's detector on NAB, for the record (issue 16's ADR).

    .venv/bin/python benchmarks/nab_libraries.py [--data ../shared/data/nab] [--stumpy-every 1]

Each library runs the way NAB runs a detector: one reading at a time, causally, told the file's
range where the model needs one (NAB's ``inputMin``/``inputMax``, as our detector is). Scores are
mapped into [0, 1] by a fixed monotone map (no look at the file's later scores). Every model is
scored twice with ``nab.score_profile``, each profile at its best threshold:

* ``raw``: the library's scores as they are (NAB's sweep over every distinct score);
* ``rest``: the same scores with our detector's alert rule (after a detection, a fifth of the
  probationary period is silent), with the threshold picked among candidates,
  since the rest depends on the threshold (every distinct score when there are at most 40,
  else 40 quantiles of the upper tail). This is what our detector does, so the comparison is
  of the scores, not of the post-processing.

Models:

* river ``GaussianScorer`` (a Gaussian over all readings so far; score ``2 |CDF - 0.5|``);
* river ``StandardAbsoluteDeviation`` (``|x - mean| / std``; score ``s / (1 + s)``);
* river ``HalfSpaceTrees`` on the last four readings scaled to the file's range (its documented
  use; 10 trees of height 8, reference window 250);
* stumpy ``stumpi`` (streaming matrix profile, ``egress=False`` so it keeps the whole past: the
  left matrix profile), subsequence length 32, score = left profile distance / ``2 sqrt(m)``
  (the largest z-normalised distance). Its update costs O(readings so far), so it runs on the
  short files only: those with at most 4,100 rows (40 of 58; ``--stumpy-every n`` keeps every
  n-th of them); the platform's detector is scored on the same files beside it.

The speed column is readings scored per second in this process, model update included,
timed without the loading and the scoring. A library that cannot be imported is skipped with
a message. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from seoul.metro.engine.maintenance import detector, nab  # noqa: E402 - after the path

Scorer = Callable[[np.ndarray, float, float], np.ndarray]  # values, low, high -> scores in [0, 1]
SUBSEQUENCE = 32
HST_LAGS = 4


def rested(score: np.ndarray, threshold: float, rest: int) -> np.ndarray:
    """Detections at ``threshold`` kept only outside the rest after an earlier one (scores 0 there)."""
    out = score.copy()
    until = -1
    for t in np.flatnonzero(score >= threshold):
        if t <= until:
            out[t] = 0.0
            continue
        until = int(t) + rest
    return out


def evaluate(corpus: nab.Corpus, scores: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    raw = {p: nab.score_profile(corpus, scores, p).score for p in nab.PROFILES}
    pooled = np.concatenate([scores[f.name][int(nab.probation_rows(len(f))) :] for f in corpus.files])
    candidates = np.unique(pooled)
    if len(candidates) > 40:  # the upper tail, denser towards the top, where detections are rare
        candidates = np.unique(np.quantile(pooled, np.r_[1.0 - np.logspace(-1, -5, 39), 1.0]))
    best = dict.fromkeys(nab.PROFILES, -math.inf)
    for threshold in candidates:
        if threshold <= 0:
            continue
        r = {f.name: rested(scores[f.name], threshold, int(nab.probation_rows(len(f)) / 5)) for f in corpus.files}
        for p in nab.PROFILES:
            best[p] = max(best[p], nab.score_profile(corpus, r, p, threshold=float(threshold)).score)
    return {"raw": raw, "rest": best}


def ours(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """The platform's detector as ``nab.platform_detector`` runs it."""
    return detector.score(values, low, high, detector.for_probation(int(nab.probation_rows(len(values)))))


def river_models() -> dict[str, Scorer]:
    from river import anomaly  # type: ignore[import-untyped]

    def gaussian(values: np.ndarray, low: float, high: float) -> np.ndarray:
        model = anomaly.GaussianScorer(grace_period=100)
        out = np.empty(len(values))
        for i, v in enumerate(values.tolist()):
            out[i] = model.score_one(None, v)
            model.learn_one(None, v)
        return out

    def sad(values: np.ndarray, low: float, high: float) -> np.ndarray:
        model = anomaly.StandardAbsoluteDeviation()
        out = np.empty(len(values))
        for i, v in enumerate(values.tolist()):
            s = model.score_one(None, v) if i >= 2 else 0.0
            out[i] = s / (1.0 + s) if math.isfinite(s) else 1.0
            model.learn_one(None, v)
        return out

    def hst(values: np.ndarray, low: float, high: float) -> np.ndarray:
        span = high - low if high > low else 1.0
        scaled = ((values - low) / span).tolist()
        model = anomaly.HalfSpaceTrees(
            n_trees=10, height=8, window_size=250, limits=dict.fromkeys(range(HST_LAGS), (0.0, 1.0)), seed=16
        )
        out = np.zeros(len(values))
        for i in range(HST_LAGS - 1, len(scaled)):
            x = {k: scaled[i - k] for k in range(HST_LAGS)}
            out[i] = model.score_one(x)
            model.learn_one(x)
        return out

    return {"river GaussianScorer": gaussian, "river StandardAbsoluteDeviation": sad, "river HalfSpaceTrees": hst}


def stumpy_models() -> dict[str, Scorer]:
    import stumpy  # type: ignore[import-untyped]

    def stumpi(values: np.ndarray, low: float, high: float) -> np.ndarray:
        m = SUBSEQUENCE
        start = 2 * m  # stumpi needs a first matrix profile to grow from
        out = np.zeros(len(values))
        stream = stumpy.stumpi(values[:start], m, egress=False)
        for v in values[start:].tolist():
            stream.update(v)
        left = np.asarray(stream.left_P_, dtype=np.float64)  # one per subsequence, ending at row i + m - 1
        score = np.where(np.isfinite(left), left / (2.0 * math.sqrt(m)), 0.0)
        out[m - 1 :] = np.clip(score, 0.0, 1.0)
        out[:start] = 0.0  # the first profile is computed in one go, both sides: not causal, not scored
        return out

    stumpy.stumpi(np.random.default_rng(0).normal(size=4 * SUBSEQUENCE), SUBSEQUENCE, egress=False).update(0.0)
    return {"stumpy stumpi (left matrix profile)": stumpi}


def run(corpus: nab.Corpus, model: Scorer) -> tuple[dict[str, np.ndarray], float]:
    out: dict[str, np.ndarray] = {}
    started = time.perf_counter()
    for f in corpus.files:
        out[f.name] = model(f.values, float(f.values.min()), float(f.values.max()))
    return out, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "nab")
    parser.add_argument("--stumpy-every", type=int, default=1, help="stumpy: every n-th file of <= 4,100 rows")
    args = parser.parse_args()
    corpus = nab.load_corpus(args.data)
    small = [f for f in corpus.files if len(f) <= 4100][:: args.stumpy_every]
    subsample = replace(corpus, files=tuple(small))
    groups: list[tuple[str, Callable[[], dict[str, Scorer]], nab.Corpus]] = [
        ("river", river_models, corpus),
        ("stumpy", stumpy_models, subsample),
    ]
    rows: list[dict[str, Any]] = []
    ours_on: dict[int, dict[str, Any]] = {}
    skipped: dict[str, str] = {}
    for library, load, part in groups:
        try:
            models = load()
        except ImportError as exc:
            skipped[library] = f"not importable ({exc}); install it to measure it"
            print(f"skipping {library}: {skipped[library]}")
            continue
        if id(part) not in ours_on:
            scores, seconds = run(part, ours)
            ours_on[id(part)] = {
                "model": f"platform detector ({len(part.files)} files)",
                "files": len(part.files),
                "readings": sum(len(f) for f in part.files),
                "readings_per_s": round(sum(len(f) for f in part.files) / seconds),
                **evaluate(part, scores),
            }
            rows.append(ours_on[id(part)])
        for name, model in models.items():
            scores, seconds = run(part, model)
            readings = sum(len(f) for f in part.files)
            rows.append(
                {
                    "model": name,
                    "files": len(part.files),
                    "readings": readings,
                    "readings_per_s": round(readings / seconds),
                    **evaluate(part, scores),
                }
            )
            print(f"  measured {name} ({seconds:.0f} s)", flush=True)
    head = f"{'model':42s} {'files':>5s} {'readings/s':>11s}  {'standard':>8s} {'low FP':>7s} {'low FN':>7s}  {'raw std':>7s}"
    print(head)
    for r in rows:
        rest, raw = r["rest"], r["raw"]
        print(
            f"{r['model']:42s} {r['files']:5d} {r['readings_per_s']:11,d}  {rest['standard']:8.2f} "
            f"{rest['reward_low_FP_rate']:7.2f} {rest['reward_low_FN_rate']:7.2f}  {raw['standard']:7.2f}"
        )
    print("standard/low FP/low FN: with the rest after a detection; raw std: the scores as they are (NAB's sweep)")
    for r in rows:
        for kind in ("raw", "rest"):
            r[kind] = {p: round(v, 2) for p, v in r[kind].items()}
    print(json.dumps({"benchmark": "nab_libraries", "rows": rows, "skipped": skipped}, sort_keys=True))


if __name__ == "__main__":
    main()
