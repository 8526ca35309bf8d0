"""An online anomaly detector for one sensor stream: is what the last readings do new?

Four channels, each asking a different "never before?" question of the stream, and one alert
rule over them (the design and its measurements: ``benchmarks/nab_detector.py``).

* **Patterns** (the family of CAD OSE on NAB's scoreboard; this implementation is our own):
  readings are quantised into ``levels`` bands over the sensor's range (its physical range as
  configured per asset; NAB hands every detector the file's range for the same purpose), and at
  each reading the patterns of the last 1, 2, ..., ``orders`` bands are looked up among all
  patterns seen before on this stream. Its score is the share of them never seen: a band the
  sensor never reached, or a familiar level reached in an unfamiliar way, scores high; a stream
  doing what it always does scores 0. A share of at least ``alert_at`` is an alert, unless
  another such share came within the ``quiet`` readings before it (then it scores half of
  ``alert_at``): a stream that keeps making new patterns is noisy rather than changing, and
  only its first new pattern after a settled spell counts.
* **Fine low levels**: the same range on a logarithmic scale (``log_levels`` bands, the lowest
  ``1 / log_compression`` of the range as wide as a band): a reading in such a band for the
  first time alerts. Counts, volumes and loads spend most of their time near the bottom of
  their range, where even bands are too coarse to see a burst that a rare peak dwarfs.
* **Jumps**: the reading minus the mean of the ``residual_span`` before it, in bands of
  ``1 / residual_bands`` of the range (four each way, then one for larger): a jump of a size
  the stream never made alerts, whatever level it starts from.
* **Trend**: the mean of the last ``trend_span`` readings on the logarithmic scale, moving past
  its highest or lowest so far by ``trend_margin`` (of that scale): a sustained drift out of
  the stream's past, which no single reading shows.

The last three learn from the first reading but alert only after ``warmup`` readings (a new
sensor's first readings teach; NAB calls it the probationary period). After an alert (a score
of at least ``alert_at``; the channels other than patterns score 1, so raising ``alert_at``
makes only the pattern channel stricter) the detector rests for ``rest`` readings and scores 0,
so one event raises one alert, not a burst.

Causal and online: the score at a reading depends only on the readings up to it. ``Stream``
scores batches as they arrive (bands and pattern keys in one compiled loop, one set lookup per
pattern, then one compiled pass over the batch for the other channels and the alert rule, which
carries its state from batch to batch in plain arrays) and gives the same scores whatever the
batches; ``score`` runs a whole series as one batch.

Pure: NumPy and Numba (both loops compiled on first use and cached beside this file)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import cast

import numpy as np
import numpy.typing as npt
from numba import njit

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]


MAX_LEVELS = 62  # a band and the two outside it fit in 6 bits
MAX_ORDERS = 9  # nine 6-bit bands, and the order in the top bits, fit in 63 bits


@dataclass(frozen=True)
class Settings:
    levels: int = 8
    orders: int = 4
    alert_at: float = 0.75
    rest: int = 150
    """Readings scored 0 after an alert (on NAB: a fifth of the probationary period)."""
    quiet: int = 225
    """Readings before a new pattern in which no other share of at least ``alert_at`` may have
    come for it to alert (on NAB: three tenths of the probationary period); 0 turns the rule off."""
    log_levels: int = 24
    """Bands of the logarithmic channel; 0 turns it off."""
    log_compression: float = 30.0
    residual_span: int = 8
    """Readings the jump channel measures a reading against; 0 turns it off."""
    residual_bands: int = 16
    trend_span: int = 16
    """Readings the trend channel averages; 0 turns it off."""
    trend_margin: float = 0.01
    warmup: int = 750
    """Readings the channels other than patterns learn from before they may alert (NAB's cap
    on the probationary period; on NAB each file's own probationary period)."""

    def __post_init__(self) -> None:
        if not 1 <= self.levels <= MAX_LEVELS:
            raise ValueError(f"levels must be 1 to {MAX_LEVELS}")
        if not 1 <= self.orders <= MAX_ORDERS:
            raise ValueError(f"orders must be 1 to {MAX_ORDERS}")
        if self.rest < 0:
            raise ValueError("rest must not be negative")
        if self.quiet < 0 or self.warmup < 0:
            raise ValueError("quiet and warmup must not be negative")
        if not 0 <= self.log_levels <= MAX_LEVELS or not self.log_compression > 0:
            raise ValueError(f"log_levels must be 0 to {MAX_LEVELS} and log_compression positive")
        if self.residual_span < 0 or self.residual_bands < 1:
            raise ValueError("residual_span must not be negative and residual_bands must be positive")
        if self.trend_span < 0 or not self.trend_margin >= 0:
            raise ValueError("trend_span and trend_margin must not be negative")


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


def _bands_and_keys_py(
    values: F64, low: float, high: float, span: float, levels: int, orders: int, history: I64, band: I64, keys: I64
) -> None:
    """:func:`bands` and :func:`pattern_keys` in one compiled loop, into ``band`` and ``keys``:
    the same arithmetic step for step (so the same results; a test checks it), without the ~20
    NumPy calls that cost most of a small batch's time."""
    before = min(len(history), orders - 1)
    full = np.empty(before + len(values), dtype=np.int64)
    for j in range(before):
        full[j] = history[len(history) - before + j] + 1
    for i in range(len(values)):
        v = values[i]
        raw = float(levels - 1) if v == high else np.floor((v - low) / span * levels)  # a float: NaN and inf stay
        if math.isnan(raw) or raw > levels:
            b = levels
        elif raw < -1:
            b = -1
        else:
            b = int(raw)
        band[i] = b
        full[before + i] = b + 1
    for i in range(len(values)):
        acc = 0
        for k in range(orders):
            at = before + i - k
            if at < 0:
                keys[i, k] = -1
                continue
            acc = (acc << 6) | full[at]
            keys[i, k] = acc | (k << 57)


_bands_and_keys = cast(Callable[..., None], njit(cache=True, nogil=True)(_bands_and_keys_py))


RESIDUAL_SIDE = 4  # jump bands each way before the open-ended ones
_CLOCK = 3  # readings so far, the last alert-worthy pattern share, the last reading of the rest


def _fuse_py(
    values: F64,
    share: F64,
    low: float,
    span: float,
    alert_at: float,
    rest: int,
    quiet: int,
    warmup: int,
    log_levels: int,
    log_compression: float,
    residual_span: int,
    residual_bands: int,
    trend_span: int,
    trend_margin: float,
    seen: U8,  # the logarithmic bands reached (log_levels + 2), then the jump bands (2 RESIDUAL_SIDE + 2)
    recent: F64,  # the last residual_span readings, the last trend_span log-scale readings, the trend's high and low
    clock: I64,
    out: F64,
) -> None:
    """Channels, alert rule and rest for one batch, reading by reading; updates ``seen``,
    ``recent`` and ``clock`` in place, so the next batch goes on exactly where this one ended."""
    t0, last_share, resting_until = clock[0], clock[1], clock[2]
    log_norm = math.log1p(log_compression)
    res_base = log_levels + 2
    trend_base = residual_span
    high_at = residual_span + trend_span
    for i in range(len(values)):
        t = t0 + i
        x = values[i]
        score = share[i]
        alert = False
        if score >= alert_at:
            if t - last_share > quiet:
                alert = True
            else:
                score = 0.5 * alert_at  # held back by the quiet rule: below an alert
            last_share = t
        unit = (x - low) / span
        if unit < 0.0:
            unit = 0.0
        z = math.log1p(unit * log_compression) / log_norm  # NaN stays NaN
        if log_levels > 0:
            b = log_levels - 1 if z == 1.0 else log_levels  # the range includes high; NaN counts as above
            if z < 1.0:  # False for NaN
                b = math.floor(z * log_levels)
            if seen[b + 1] == 0:
                seen[b + 1] = 1
                alert = alert or t >= warmup
        if residual_span > 0:
            if t >= residual_span:
                total = 0.0
                for k in range(residual_span):
                    total += recent[k]
                jump = (x - total / residual_span) / span * residual_bands
                b = RESIDUAL_SIDE  # the largest jump up, or not a number (counted as above)
                if jump < -RESIDUAL_SIDE:
                    b = -RESIDUAL_SIDE - 1
                elif jump < RESIDUAL_SIDE:  # False for NaN
                    b = math.floor(jump)
                idx = res_base + b + RESIDUAL_SIDE + 1
                if seen[idx] == 0:
                    seen[idx] = 1
                    alert = alert or t >= warmup
            recent[t % residual_span] = x
        if trend_span > 0:
            recent[trend_base + t % trend_span] = z
            if t >= trend_span - 1:
                total = 0.0
                for k in range(trend_span):
                    total += recent[trend_base + k]
                mean = total / trend_span
                if math.isfinite(mean):  # one reading off the scale must not end the channel
                    high, low_mean = recent[high_at], recent[high_at + 1]
                    if t >= warmup and (mean > high + trend_margin or mean < low_mean - trend_margin):
                        alert = True
                    recent[high_at] = max(high, mean)
                    recent[high_at + 1] = min(low_mean, mean)
        if alert and score < alert_at:
            score = 1.0
        if t <= resting_until:
            score = 0.0
        elif score >= alert_at:
            resting_until = t + rest
        out[i] = score
    clock[0] = t0 + len(values)
    clock[1] = last_share
    clock[2] = resting_until


_fuse = cast(Callable[..., None], njit(cache=True, nogil=True)(_fuse_py))


def _fresh_recent(settings: Settings) -> F64:
    recent = np.zeros(settings.residual_span + settings.trend_span + 2)
    recent[-2:] = (-np.inf, np.inf)
    return recent


@dataclass
class Stream:
    """One sensor stream's detector, fed its readings in batches, in order."""

    low: float
    high: float
    settings: Settings = field(default_factory=Settings)
    _seen: set[int] = field(default_factory=set)
    _history: I64 = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    _channels_seen: U8 = field(default_factory=lambda: np.empty(0, dtype=np.uint8))
    _recent: F64 = field(default_factory=lambda: np.empty(0, dtype=np.float64))
    _clock: I64 = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def _state(self) -> tuple[U8, F64, I64]:
        """This stream's channel state, fresh where it is missing or was kept for other channel
        settings, and writable (arrays read back from storage may not be)."""
        s = self.settings
        seen, recent, clock = self._channels_seen, self._recent, self._clock
        if len(seen) != s.log_levels + 2 * RESIDUAL_SIDE + 4 or seen.dtype != np.uint8:
            seen = np.zeros(s.log_levels + 2 * RESIDUAL_SIDE + 4, dtype=np.uint8)
        if len(recent) != s.residual_span + s.trend_span + 2 or recent.dtype != np.float64:
            recent = _fresh_recent(s)
        if len(clock) != _CLOCK or clock.dtype != np.int64:
            clock = np.array([0, -(2**62), -1], dtype=np.int64)
        return (
            seen if seen.flags.writeable else seen.copy(),
            recent if recent.flags.writeable else recent.copy(),
            clock if clock.flags.writeable else clock.copy(),
        )

    def score(self, values: F64) -> F64:
        s = self.settings
        values = np.ascontiguousarray(values, dtype=np.float64)
        span = self.high - self.low
        if not math.isfinite(span) or span <= 0:
            span = 1.0
        band = np.empty(len(values), dtype=np.int64)
        keys = np.empty((len(values), s.orders), dtype=np.int64)
        _bands_and_keys(
            values, float(self.low), float(self.high), float(span), s.levels, s.orders, self._history, band, keys
        )
        # one set lookup per pattern, in reading order (so a pattern twice in a batch is new once);
        # faster than sorting for the batches the ingest brings (measured: benchmarks/maintenance_throughput.py)
        seen, flags = self._seen, []
        for key in keys.ravel().tolist():
            is_new = key >= 0 and key not in seen
            if is_new:
                seen.add(key)
            flags.append(is_new)
        share = np.array(flags, dtype=bool).reshape(keys.shape).sum(axis=1) / s.orders
        channels_seen, recent, clock = self._state()
        out = np.empty(len(band))
        _fuse(
            values, share, float(self.low), float(span), float(s.alert_at), s.rest, s.quiet, s.warmup,
            s.log_levels, float(s.log_compression), s.residual_span, s.residual_bands, s.trend_span,
            float(s.trend_margin), channels_seen, recent, clock, out,
        )  # fmt: skip
        self._channels_seen, self._recent, self._clock = channels_seen, recent, clock
        recent_bands = np.concatenate([self._history, band])
        self._history = recent_bands[max(len(recent_bands) - (s.orders - 1), 0) :]
        return out


REST_SHARE = 0.2
QUIET_SHARE = 0.3


def for_probation(
    probation: int, base: Settings | None = None, rest_share: float = REST_SHARE, quiet_share: float = QUIET_SHARE
) -> Settings:
    """``base`` (the defaults if None) for a stream whose first ``probation`` readings only teach:
    the channels beyond patterns warm up for them, and the rest and the quiet rule are shares
    of them (NAB tells each detector its file's probationary period; the defaults are these for
    750 readings, NAB's longest and the platform's)."""
    return replace(
        base or Settings(), rest=int(probation * rest_share), quiet=int(probation * quiet_share), warmup=probation
    )


def score(values: F64, low: float, high: float, settings: Settings | None = None) -> F64:
    """Scores for a whole series: the same as one :class:`Stream` fed it in any batches."""
    return Stream(low, high, settings or Settings()).score(values)


__all__ = ["Settings", "Stream", "bands", "for_probation", "pattern_keys", "score"]
