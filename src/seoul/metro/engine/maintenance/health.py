"""Is the sensor itself alive? A stuck or silent sensor is an alert of its own.

A failing sensor hides failures: a thermocouple that keeps reporting its last value, or a
device that stops sending, looks perfectly normal to a detector that scores what arrives. So
every stream is also watched for:

* **stuck**: the same value (within ``resolution``) for more readings in a row than the stream
  held still while it was learning (its first ``learn`` readings), times ``stuck_factor``, and
  at least ``stuck_min`` readings. While it is learning the limit is ``stuck_min`` times
  ``stuck_factor``, so a sensor stuck from the start is still caught, and a run past the limit
  is not learned as normal. One alert per run, when it crosses the limit; the same alerts
  whatever the batches.
* **silent**: no reading for longer than ``silent_factor`` times the stream's usual interval (the
  median of its recent intervals), and at least ``silent_min_s``. Found when the next reading
  arrives after the gap (:meth:`SensorHealth.observe`) or, while nothing arrives, by asking
  (:meth:`SensorHealth.silent_since`), which the scheduler does for every sensor. The usual
  interval is taken from the batches before (a stream's first batch: its own intervals), so
  a silence found can depend on where the batches were cut.

Pure: NumPy; a batch is checked with a few vectorised passes.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class HealthSettings:
    resolution: float = 0.0
    """Readings closer than this count as the same value (0: exactly equal)."""
    stuck_min: int = 30
    stuck_factor: float = 3.0
    learn: int = 1000
    silent_factor: float = 10.0
    silent_min_s: float = 60.0
    recent_intervals: int = 256


@dataclass(frozen=True)
class HealthAlert:
    kind: Literal["stuck", "silent"]
    at: float
    """When it was found: the reading that crossed the limit, or the reading after the gap."""
    since: float
    """When it began: the first reading of the run, or the last reading before the gap."""
    detail: str


@dataclass
class SensorHealth:
    settings: HealthSettings = field(default_factory=HealthSettings)
    readings: int = 0
    longest_still: int = 0
    """The longest run of one value while learning, runs past the limit left out: the stream's normal."""
    _value: float = float("nan")
    _run: int = 0
    _run_since: float = float("nan")
    _alerted: bool = False
    _last_time: float = float("nan")
    _intervals: deque[float] = field(default_factory=deque)

    def stuck_limit(self) -> int:
        s = self.settings
        normal = self.longest_still if self.readings >= s.learn else s.stuck_min
        return int(max(s.stuck_min, s.stuck_factor * normal))

    def usual_interval(self) -> float | None:
        return float(np.median(self._intervals)) if self._intervals else None

    def silence_limit(self, usual: float | None = None) -> float | None:
        """The longest gap that is not a silence, for ``usual`` (default: the stream's) interval."""
        usual = self.usual_interval() if usual is None else usual
        return None if usual is None else max(self.settings.silent_min_s, self.settings.silent_factor * usual)

    def silent_since(self, now: float) -> HealthAlert | None:
        """A silence alert if nothing has arrived for too long before ``now``."""
        limit = self.silence_limit()
        if limit is None or now - self._last_time <= limit:
            return None
        return _silence(now, self._last_time, limit)

    def observe(self, times: F64, values: F64) -> list[HealthAlert]:
        """Check a batch (times in seconds, increasing) and take it into the stream's normal."""
        times = np.asarray(times, dtype=np.float64)
        values = np.asarray(values, dtype=np.float64)
        if len(times) == 0:
            return []
        alerts = self._gaps(times)
        cut = min(max(self.settings.learn - self.readings, 0), len(values))  # where learning ends
        for part in (slice(0, cut), slice(cut, len(values))):
            if part.stop > part.start:
                alerts += self._still(times[part], values[part])
        return sorted(alerts, key=lambda a: a.at)

    def _gaps(self, times: F64) -> list[HealthAlert]:
        """Gaps longer than the silence limit as it stood before this batch (from this batch's own
        intervals for a stream's first)."""
        s = self.settings
        previous = np.r_[self._last_time, times[:-1]]
        gaps = times - previous
        known = gaps[np.isfinite(gaps)]
        limit = self.silence_limit()
        if limit is None and len(known):
            limit = self.silence_limit(float(np.median(known)))
        self._last_time = float(times[-1])
        if limit is None:
            return []  # a stream's first reading: no interval to compare with yet
        alerts = [_silence(float(times[i]), float(previous[i]), limit) for i in np.flatnonzero(gaps > limit)]
        self._intervals.extend(known[known <= limit].tolist())  # a silence does not become the usual interval
        while len(self._intervals) > s.recent_intervals:
            self._intervals.popleft()
        return alerts

    def _still(self, times: F64, values: F64) -> list[HealthAlert]:
        s = self.settings
        n = len(values)
        previous = np.r_[self._value, values[:-1]]
        new_run = ~(np.abs(values - previous) <= s.resolution)  # against nan (the first ever): a new run
        index = np.arange(n)
        run_start = np.maximum.accumulate(np.where(new_run, index, -1))  # -1: the run going on before
        continuing = run_start < 0
        length = np.where(continuing, self._run + index + 1, index - run_start + 1)
        since = np.where(continuing, self._run_since, times[np.maximum(run_start, 0)])
        limit = self.stuck_limit()
        found = set(np.flatnonzero(length == limit + 1).tolist())
        if continuing[0] and length[0] > limit + 1 and not self._alerted:
            found.add(0)  # the limit came down (learning ended) under a run already longer
        alerts = [
            HealthAlert(
                "stuck",
                float(times[i]),
                float(since[i]),
                f"the same value {values[i]:g} for {length[i]} readings (limit {limit})",
            )
            for i in sorted(found)
        ]
        normal = length[length <= limit]  # a run past the limit never becomes the stream's normal
        if self.readings < s.learn and len(normal):
            self.longest_still = max(self.longest_still, int(normal.max()))
        self.readings += n
        self._value, self._run, self._run_since = float(values[-1]), int(length[-1]), float(since[-1])
        self._alerted = bool(length[-1] > limit)
        return alerts


def _silence(at: float, since: float, limit: float) -> HealthAlert:
    return HealthAlert("silent", at, since, f"no reading for {at - since:.0f} s (limit {limit:.0f} s)")


__all__ = ["HealthAlert", "HealthSettings", "SensorHealth"]
