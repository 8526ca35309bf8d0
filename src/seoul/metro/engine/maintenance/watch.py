"""One sensor watched as its batches arrive: the anomaly detector and the sensor's own health,
turned into findings a maintenance engineer can act on.

A finding is an ``anomaly`` (the detector's score reached the sensor's threshold), a ``stuck``
sensor or a ``silent`` one (``health.py``). Anomalies are not reported while the stream is on
probation (its first ``probation`` readings: the detector is still learning what normal is, as
NAB's probationary period), but the detector learns from them. Each finding carries the
readings around it (``evidence``) so a work order can show why it was opened even after the
day's readings have left the store.

Pure: NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from seoul.metro.engine.maintenance.detector import Stream
from seoul.metro.engine.maintenance.health import SensorHealth

F64 = npt.NDArray[np.float64]

EVIDENCE_BEFORE = 120
"""Readings kept before a finding (with the finding's own): two minutes of a 1 Hz sensor."""

Kind = Literal["anomaly", "stuck", "silent"]


@dataclass(frozen=True)
class Finding:
    kind: Kind
    at: float
    """Seconds since the epoch: the reading that raised it (for a silence: the one after the gap)."""
    since: float
    score: float
    detail: str
    evidence: tuple[tuple[float, float, float], ...]
    """(time, value, score) of the readings of this batch up to the finding, at most EVIDENCE_BEFORE + 1."""


def _evidence(times: F64, values: F64, scores: F64, index: int) -> tuple[tuple[float, float, float], ...]:
    lo = max(0, index - EVIDENCE_BEFORE)
    return tuple(
        (float(t), float(v), float(s))
        for t, v, s in zip(times[lo : index + 1], values[lo : index + 1], scores[lo : index + 1], strict=True)
    )


def feed(
    detector: Stream, health: SensorHealth, *, seen: int, probation: int, times: F64, values: F64
) -> tuple[F64, list[Finding]]:
    """Score one batch (times in seconds, increasing; ``seen`` readings came before it) and
    return the scores and the findings, in time order. ``detector`` and ``health`` move on."""
    times = np.asarray(times, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    scores = detector.score(values)
    findings: list[Finding] = []
    threshold = detector.settings.alert_at
    index = np.arange(seen, seen + len(values))
    for i in np.flatnonzero((scores >= threshold) & (index >= probation)).tolist():
        findings.append(
            Finding(
                "anomaly",
                float(times[i]),
                float(times[i]),
                float(scores[i]),
                f"anomaly score {scores[i]:.2f} (alert at {threshold:.2f})",
                _evidence(times, values, scores, i),
            )
        )
    position = {float(t): i for i, t in enumerate(times.tolist())}
    for alert in health.observe(times, values):
        i = position.get(alert.at, len(times) - 1)
        findings.append(
            Finding(alert.kind, alert.at, alert.since, 1.0, alert.detail, _evidence(times, values, scores, i))
        )
    findings.sort(key=lambda f: f.at)
    return scores, findings


def silence(health: SensorHealth, now: float) -> Finding | None:
    """A ``silent`` finding if the sensor has sent nothing for too long before ``now``."""
    alert = health.silent_since(now)
    if alert is None:
        return None
    return Finding("silent", alert.at, alert.since, 1.0, alert.detail, ())


__all__ = ["EVIDENCE_BEFORE", "Finding", "feed", "silence"]
