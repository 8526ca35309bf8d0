"""Scores anomaly detectors on the Numenta Anomaly Benchmark (NAB v1.1), by the benchmark's rules.

The rules, from Lavin & Ahmad, "Evaluating Real-time Anomaly Detection Algorithms -- the Numenta
Anomaly Benchmark" (IEEE ICMLA 2015, arXiv:1510.03336) and the benchmark's published definition:

* Each data file has labelled **anomaly windows** (``labels/combined_windows.json``: first and
  last timestamp of each). A detector gives every row an anomaly score in [0, 1]; a row is a
  **detection** when its score is at least the profile's threshold.
* The first 15 % of a file's rows (at most 750) are its **probationary period**: a detector is
  learning there, and nothing in it counts, for or against.
* A detection inside a window is worth the **scaled sigmoid** of its place in the window,
  ``2 / (1 + exp(5 x)) - 1`` with ``x`` running from -1 at the window's first row to 0 past its
  last (so an early detection is worth about 1 and a late one about 0), divided by its value at
  -1 and times the profile's true-positive weight. Only the best (earliest) detection of a window
  counts; a window with none costs the false-negative weight.
* A detection outside every window costs the profile's false-positive weight times the same
  sigmoid of its distance past the end of the previous window, in window widths (a detection
  just after a window is nearly free; from three widths on, or before any window, it costs the
  full weight).
* A file's **raw score** is the sum of these; the corpus's is the sum over files. It is
  **normalised** so that a detector that never detects scores 0 and a perfect one 100:
  ``100 (raw - null) / (perfect - null)``, with ``perfect`` the number of windows times the
  true-positive weight and ``null`` the raw score of no detections.
* Each profile (``config/profiles.json``: standard, reward_low_FP_rate, reward_low_FN_rate) has
  its own weights and its own **threshold**, the one that maximises the corpus score; the
  scoreboard's figures are each detector's score at its best threshold.

Pure: stdlib and NumPy. The optimiser is one pass over the corpus's rows sorted by anomaly score
(every distinct score is a threshold), vectorised.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from . import detector

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

PROBATION_PERCENT = 0.15
PROBATION_CAP_ROWS = 5000  # the probationary period is at most 15 % of 5,000 rows
OUTSIDE = -1  # a row in no window
PROBATION = -2  # a row in the probationary period (not scored)
PROFILES = ("standard", "reward_low_FP_rate", "reward_low_FN_rate")


class NabError(ValueError):
    """The corpus or a results file is not what the benchmark defines."""


@dataclass(frozen=True)
class CostMatrix:
    tp: float
    fp: float
    fn: float


@dataclass(frozen=True)
class DataFile:
    name: str
    """The path under ``data/``, e.g. ``realKnownCause/nyc_taxi.csv``."""
    timestamps: tuple[str, ...]
    values: F64
    windows: tuple[tuple[int, int], ...]
    """Each window as the indices of its first and last row."""

    def __len__(self) -> int:
        return len(self.timestamps)


@dataclass(frozen=True)
class Corpus:
    files: tuple[DataFile, ...]
    profiles: Mapping[str, CostMatrix]

    @property
    def windows(self) -> int:
        return sum(len(f.windows) for f in self.files)


@dataclass(frozen=True)
class ProfileScore:
    profile: str
    threshold: float
    raw: float
    score: float
    """Normalised: 0 for a detector that never detects, 100 for a perfect one."""
    windows_found: int
    false_positives: int
    """Detections outside every window (rows, after the probationary period)."""
    per_file: Mapping[str, float]
    """Each file's raw score."""


def _stamp(text: str) -> str:
    """A timestamp as the data files write it (``YYYY-MM-DD HH:MM:SS``): the labels add microseconds."""
    return text.strip()[:19]


def load_corpus(root: Path) -> Corpus:
    """The corpus at ``root`` (``data/``, ``labels/combined_windows.json``, ``config/profiles.json``)."""
    windows_path = root / "labels" / "combined_windows.json"
    profiles_path = root / "config" / "profiles.json"
    for path in (root / "data", windows_path, profiles_path):
        if not path.exists():
            raise NabError(f"{path} is missing: not a NAB corpus")
    labelled: dict[str, list[list[str]]] = json.loads(windows_path.read_text(encoding="utf-8"))
    profiles = {
        name: CostMatrix(
            float(m["CostMatrix"]["tpWeight"]), float(m["CostMatrix"]["fpWeight"]), float(m["CostMatrix"]["fnWeight"])
        )
        for name, m in json.loads(profiles_path.read_text(encoding="utf-8")).items()
    }
    files = []
    for name in sorted(labelled):
        path = root / "data" / name
        stamps, values = _read_columns(path, "value")
        at = {t: i for i, t in enumerate(stamps)}
        spans = []
        for first, last in labelled[name]:
            try:
                spans.append((at[_stamp(first)], at[_stamp(last)]))
            except KeyError as exc:
                raise NabError(f"{name}: window {first} - {last} does not start or end on a row") from exc
        files.append(DataFile(name, stamps, values, tuple(sorted(spans))))
    return Corpus(tuple(files), profiles)


def _read_columns(path: Path, column: str) -> tuple[tuple[str, ...], F64]:
    stamps: list[str] = []
    values: list[float] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "timestamp" not in reader.fieldnames or column not in reader.fieldnames:
            raise NabError(f"{path}: needs the columns timestamp and {column}")
        for line, row in enumerate(reader, start=2):
            try:
                values.append(float(row[column]))
            except (TypeError, ValueError) as exc:
                raise NabError(f"{path}, line {line}: {column} is not a number: {row[column]!r}") from exc
            stamps.append(_stamp(row["timestamp"]))
    return tuple(stamps), np.asarray(values, dtype=np.float64)


def scaled_sigmoid(x: F64) -> F64:
    """``2 / (1 + exp(5 x)) - 1``, and -1 beyond ``x = 3`` (the benchmark's cut-off)."""
    with np.errstate(over="ignore"):
        return np.where(x > 3.0, -1.0, 2.0 / (1.0 + np.exp(5.0 * x)) - 1.0)


def probation_rows(rows: int) -> float:
    return min(math.floor(PROBATION_PERCENT * rows), PROBATION_PERCENT * PROBATION_CAP_ROWS)


def row_weights(rows: int, windows: tuple[tuple[int, int], ...], cost: CostMatrix) -> tuple[F64, I64]:
    """What a detection on each row would be worth, and each row's window (``OUTSIDE``, or
    ``PROBATION`` for the rows that are not scored)."""
    weight = np.empty(rows, dtype=np.float64)
    window = np.full(rows, OUTSIDE, dtype=np.int64)
    max_tp = float(scaled_sigmoid(np.array([-1.0]))[0])
    start = 0
    previous: tuple[int, float] | None = None  # the last window's last row and width
    for k, (first, last) in enumerate((*windows, (rows, rows - 1))):  # a sentinel closes the tail
        gap = np.arange(start, first)
        if previous is None:
            weight[gap] = -cost.fp
        else:
            weight[gap] = scaled_sigmoid(np.abs(previous[0] - gap) / (previous[1] - 1.0)) * cost.fp
        if k == len(windows):
            break
        inside = np.arange(first, last + 1)
        width = float(last - first + 1)
        weight[inside] = scaled_sigmoid(-(last - inside + 1) / width) * cost.tp / max_tp
        window[inside] = k
        previous, start = (last, width), last + 1
    window[np.arange(rows) < probation_rows(rows)] = PROBATION
    return weight, window


@dataclass(frozen=True)
class _Rows:
    """Every scored row of the corpus: anomaly score, worth and window (numbered across files)."""

    score: F64
    weight: F64
    window: I64
    file: I64  # index into the corpus's files
    windows: int  # windows with at least one scored row


def _rows(corpus: Corpus, scores: Mapping[str, F64], cost: CostMatrix) -> _Rows:
    parts_score, parts_weight, parts_window, parts_file = [], [], [], []
    offset, scored_windows = 0, 0
    for n, f in enumerate(corpus.files):
        s = scores.get(f.name)
        if s is None:
            raise NabError(f"no anomaly scores for {f.name}")
        if len(s) != len(f):
            raise NabError(f"{f.name}: {len(s)} anomaly scores for {len(f)} rows")
        weight, window = row_weights(len(f), f.windows, cost)
        keep = window != PROBATION
        global_window = np.where(window[keep] >= 0, window[keep] + offset, OUTSIDE)
        scored_windows += len(np.unique(global_window[global_window >= 0]))
        parts_score.append(np.asarray(s, dtype=np.float64)[keep])
        parts_weight.append(weight[keep])
        parts_window.append(global_window)
        parts_file.append(np.full(len(global_window), n, dtype=np.int64))
        offset += len(f.windows)
    return _Rows(
        np.concatenate(parts_score),
        np.concatenate(parts_weight),
        np.concatenate(parts_window),
        np.concatenate(parts_file),
        scored_windows,
    )


def _sweep(rows: _Rows, cost: CostMatrix) -> tuple[F64, F64]:
    """Every threshold worth trying (1.1, then each distinct score, descending) and the raw
    score with it: the benchmark's optimiser, as one sorted pass."""
    order = np.argsort(-rows.score, kind="stable")
    score, weight, window = rows.score[order], rows.weight[order], rows.window[order]
    gain = np.where(window < 0, weight, 0.0)  # false positives add their (negative) worth
    inside = np.flatnonzero(window >= 0)
    if len(inside):
        # a window's worth is the best of its detections so far, starting at the missed cost
        by_window = inside[np.argsort(window[inside], kind="stable")]  # grouped, still by score
        w = window[by_window]
        starts = np.r_[True, w[1:] != w[:-1]]
        # running maximum within each window's rows: each group lifted above those before it
        lift = (np.cumsum(starts) - 1) * 4 * (float(np.max(np.abs(weight))) + cost.fn + 1.0)
        running = np.maximum.accumulate(np.maximum(weight[by_window], -cost.fn) + lift) - lift
        before = np.r_[-cost.fn, running[:-1]]
        before[starts] = -cost.fn
        gain[by_window] = running - before
    null = -cost.fn * rows.windows
    total = null + np.cumsum(gain)
    last_of_run = np.r_[score[1:] != score[:-1], True]  # a threshold counts every row at or above it
    thresholds = np.r_[1.1, score[last_of_run]]
    raws = np.r_[null, total[last_of_run]]
    return thresholds, raws


def score_profile(
    corpus: Corpus, scores: Mapping[str, F64], profile: str, threshold: float | None = None
) -> ProfileScore:
    """The corpus score for ``profile`` at ``threshold`` (None: the best threshold)."""
    cost = corpus.profiles[profile]
    rows = _rows(corpus, scores, cost)
    if threshold is None:
        thresholds, raws = _sweep(rows, cost)
        threshold = float(thresholds[int(np.argmax(raws))])
    detected = rows.score >= threshold
    per_file = np.zeros(len(corpus.files))
    false_positive = detected & (rows.window < 0)
    np.add.at(per_file, rows.file[false_positive], rows.weight[false_positive])
    # each scored window: its best detection, or the missed cost
    inside = rows.window >= 0
    scored, first = np.unique(rows.window[inside], return_index=True)
    best = np.full(corpus.windows, -np.inf)
    hit = detected & inside
    np.maximum.at(best, rows.window[hit], rows.weight[hit])
    found = np.isfinite(best[scored])
    np.add.at(per_file, rows.file[inside][first], np.where(found, best[scored], -cost.fn))
    raw = float(per_file.sum())
    null = -cost.fn * rows.windows
    perfect = cost.tp * corpus.windows
    return ProfileScore(
        profile=profile,
        threshold=threshold,
        raw=raw,
        score=100.0 * (raw - null) / (perfect - null),
        windows_found=int(found.sum()),
        false_positives=int(false_positive.sum()),
        per_file={f.name: float(v) for f, v in zip(corpus.files, per_file, strict=True)},
    )


def platform_detector(corpus: Corpus) -> dict[str, F64]:
    """The platform's detector (:mod:`detector`) run over every file as NAB runs a detector: it is
    told the file's range (NAB's ``inputMin``/``inputMax``, standing for a sensor's configured
    range) and its probationary period, as NAB tells its detectors (see
    :func:`detector.for_probation`)."""
    out: dict[str, F64] = {}
    for f in corpus.files:
        settings = detector.for_probation(int(probation_rows(len(f))))
        out[f.name] = detector.score(f.values, float(f.values.min()), float(f.values.max()), settings)
    return out


def read_results(directory: Path, corpus: Corpus) -> dict[str, F64]:
    """A detector's raw results in NAB's layout: ``DIR/<category>/<detector>_<file>.csv`` with an
    ``anomaly_score`` column, one row per data row (``<detector>`` is the folder's name)."""
    detector = directory.name
    out: dict[str, F64] = {}
    for f in corpus.files:
        category, file_name = f.name.split("/", 1)
        path = directory / category / f"{detector}_{file_name}"
        if not path.exists():
            raise NabError(f"{path} is missing: a results folder has one file per data file")
        stamps, score = _read_columns(path, "anomaly_score")
        if stamps != f.timestamps:
            raise NabError(f"{path}: its timestamps are not those of data/{f.name}")
        out[f.name] = score
    return out


__all__ = [
    "PROFILES",
    "Corpus",
    "CostMatrix",
    "DataFile",
    "NabError",
    "ProfileScore",
    "load_corpus",
    "platform_detector",
    "read_results",
    "row_weights",
    "scaled_sigmoid",
    "score_profile",
]


def load_labels(root: Path) -> dict[str, tuple[str, ...]]:
    """The labelled anomaly moments of each file (``labels/combined_labels.json``): each window
    is centred on one."""
    path = root / "labels" / "combined_labels.json"
    if not path.exists():
        raise NabError(f"{path} is missing: not a NAB corpus")
    found: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
    return {name: tuple(_stamp(t) for t in stamps) for name, stamps in found.items()}


@dataclass(frozen=True)
class Lead:
    """How early the detections in windows came: the first detection of each detected window
    against the labelled anomaly it surrounds (positive: before it)."""

    windows: int
    detected: int
    before_label: int
    median_hours: float
    median_window_share: float
    """Median of (label row - detection row) / window rows: 0.5 is the window's start."""


def lead_time(corpus: Corpus, scores: Mapping[str, F64], threshold: float, labels: Mapping[str, Sequence[str]]) -> Lead:
    """The lead of the first detection (score at least ``threshold``) in each window scored
    after the probationary period."""
    hours: list[float] = []
    shares: list[float] = []
    windows = 0
    for f in corpus.files:
        at = {t: i for i, t in enumerate(f.timestamps)}
        marks = sorted(at[t] for t in labels.get(f.name, ()) if t in at)
        probation = probation_rows(len(f.values))
        hits = np.flatnonzero(np.asarray(scores[f.name]) >= threshold)
        for start, end in f.windows:
            if start < probation:
                continue
            windows += 1
            inside = hits[(hits >= start) & (hits <= end)]
            mark = next((m for m in marks if start <= m <= end), (start + end) // 2)
            if len(inside) == 0:
                continue
            first = int(inside[0])
            seconds = (
                datetime.fromisoformat(f.timestamps[mark]) - datetime.fromisoformat(f.timestamps[first])
            ).total_seconds()
            hours.append(seconds / 3600)
            shares.append((mark - first) / max(end - start + 1, 1))
    return Lead(
        windows=windows,
        detected=len(hours),
        before_label=sum(1 for h in hours if h > 0),
        median_hours=float(np.median(hours)) if hours else float("nan"),
        median_window_share=float(np.median(shares)) if shares else float("nan"),
    )
