"""An online anomaly detector for one sensor stream: how new is the pattern the last readings make?

The idea (the family of CAD OSE on NAB's scoreboard; this implementation is our own): readings
are quantised into ``levels`` bands over the sensor's range (its physical range as configured per
asset; NAB hands every detector the file's range for the same purpose), and at each reading the
patterns of the last 1, 2, ..., ``orders`` bands are looked up among all patterns seen before
on this stream. The score is the share of them never seen: a reading in a band the sensor never
reached, or a familiar level reached in an unfamiliar way, scores high; a stream doing what it
always does scores 0. After an alert (a score of at least ``alert_at``) the detector rests for
``rest`` readings and scores 0, so one event raises one alert, not a burst.

Causal and online: the score at a reading depends only on the readings up to it. ``Stream``
scores batches as they arrive (bands and pattern keys vectorised, then one set lookup per
pattern) and gives the same scores whatever the batches; ``score`` runs a whole series as one
batch.

Pure: NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


MAX_LEVELS = 62  # a band and the two outside it fit in 6 bits
MAX_ORDERS = 9  # nine 6-bit bands, and the order in the top bits, fit in 63 bits


@dataclass(frozen=True)
class Settings:
    levels: int = 8
    orders: int = 4
    alert_at: float = 0.75
    rest: int = 150
    """Readings scored 0 after an alert (on NAB: a fifth of the probationary period)."""

    def __post_init__(self) -> None:
        if not 1 <= self.levels <= MAX_LEVELS:
            raise ValueError(f"levels must be 1 to {MAX_LEVELS}")
        if not 1 <= self.orders <= MAX_ORDERS:
            raise ValueError(f"orders must be 1 to {MAX_ORDERS}")
        if self.rest < 0:
            raise ValueError("rest must not be negative")


def bands(values: F64, low: float, high: float, levels: int) -> I64:
    """Each reading's band: 0 .. ``levels - 1`` across [low, high], -1 below and ``levels`` above
    (a reading that is not a number counts as above)."""
    span = high - low
    if not np.isfinite(span) or span <= 0:
        span = 1.0
    with np.errstate(invalid="ignore"):
        raw = np.where(values == high, levels - 1, np.floor((values - low) / span * levels))  # the range includes high
    finite: F64 = np.nan_to_num(raw, nan=levels, posinf=levels, neginf=-1)
    return np.clip(finite, -1, levels).astype(np.int64)


def pattern_keys(band: I64, orders: int, history: I64) -> I64:
    """For each reading (rows) and each order k = 1 .. ``orders`` (columns), one integer naming
    the last k bands, the order in its top bits; -1 where fewer than k bands exist. ``history``
    is the bands just before these readings (at most ``orders - 1`` are used)."""
    before = history[len(history) - min(len(history), orders - 1) :]
    full = np.concatenate([before, band]) + 1  # 0 .. 63
    n, start = len(band), len(before)
    keys = np.full((n, orders), -1, dtype=np.int64)
    acc = np.zeros(n, dtype=np.int64)
    for k in range(orders):
        idx = np.arange(start - k, start - k + n)
        ok = idx >= 0
        acc = np.where(ok, (acc << 6) | full[np.maximum(idx, 0)], -1)
        keys[:, k] = np.where(ok, acc | (k << 57), -1)
    return keys


def _rest(score: F64, alert_at: float, rest: int, resting_until: int) -> tuple[F64, int]:
    """Scores of 0 while resting after an alert. ``resting_until`` is the last reading of a rest
    begun earlier, as an index into this batch (negative when it ended before it); returns the
    same for the end of the last rest begun here."""
    out = score.copy()
    out[: max(resting_until + 1, 0)] = 0.0
    for t in np.flatnonzero(score >= alert_at):
        if t > resting_until:
            resting_until = int(t) + rest
            out[t + 1 : resting_until + 1] = 0.0
    return out, resting_until


@dataclass
class Stream:
    """One sensor stream's detector, fed its readings in batches, in order."""

    low: float
    high: float
    settings: Settings = field(default_factory=Settings)
    _seen: set[int] = field(default_factory=set)
    _history: I64 = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    _resting_until: int = -1  # relative to the next batch's first reading

    def score(self, values: F64) -> F64:
        s = self.settings
        band = bands(np.asarray(values, dtype=np.float64), self.low, self.high, s.levels)
        keys = pattern_keys(band, s.orders, self._history)
        # one set lookup per pattern, in reading order (so a pattern twice in a batch is new once);
        # faster than sorting for the batches the ingest brings (measured: benchmarks/maintenance_throughput.py)
        seen, flags = self._seen, []
        for key in keys.ravel().tolist():
            is_new = key >= 0 and key not in seen
            if is_new:
                seen.add(key)
            flags.append(is_new)
        new = np.array(flags, dtype=bool).reshape(keys.shape)
        out, until = _rest(new.sum(axis=1) / s.orders, s.alert_at, s.rest, self._resting_until)
        self._resting_until = until - len(band)
        recent = np.concatenate([self._history, band])
        self._history = recent[max(len(recent) - (s.orders - 1), 0) :]
        return out


def score(values: F64, low: float, high: float, settings: Settings | None = None) -> F64:
    """Scores for a whole series: the same as one :class:`Stream` fed it in any batches."""
    return Stream(low, high, settings or Settings()).score(values)


__all__ = ["Settings", "Stream", "bands", "pattern_keys", "score"]
