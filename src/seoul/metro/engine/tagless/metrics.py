"""Scoring decisions against ground truth.

Definitions (per simulated phone window = one person with a phone near the gates):

* **charged**: the detector returned a passage.
* **correct**: charged, the person truly passed, and the direction and crossing time (within
  ``time_tolerance_s``) match the truth. The lane does not enter the fare, so it is not part of
  "correct" (it is scored on its own below).
* **false charge**: charged and not correct -- the person did not pass (lingered, walked past,
  turned back, stood in the next lane, stayed on the paid side), or passed the other way or at
  another time. Every false charge bills someone for a passage that is not theirs: target zero.
* **swapped**: a false charge of someone who did pass, in the charged direction, confirmed by
  the passage of the person beside them (its time more than ``time_tolerance_s`` from their
  own): their fare is right, the passage record is not, and often the other person falls back
  to a tap. In a crowd of phones without UWB this happens (docs/metro-tagless.md); every other
  false charge bills someone for a passage they did not make.
* **missed (fallback)**: the person truly passed and was not charged; the gate falls back to a
  card tap or staff.
* **lane**: among charged true passages, *resolved* when the decision names a lane (after the
  sensors' confirmation: the confirming passage's lane), *wrong* when that lane is not the true
  one, and *in candidates* when the true lane is among the lanes the radio did not rule out
  (``Decision.lane_candidates``; only these may confirm).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .model import REFUSAL_REASONS, Decision
from .simulator import SCENARIOS, SimulatedEvent, TruthArrays

TIME_TOLERANCE_S = 1.0


@dataclass
class ScenarioCounts:
    events: int = 0
    passages: int = 0
    charged: int = 0
    correct: int = 0
    correct_lane: int = 0
    false_charges: int = 0
    missed: int = 0
    bystander_charges: int = 0
    """Charges of people who did not pass at all (a subset of the false charges)."""
    swapped: int = 0
    """Charges of passers, in their direction, with a neighbour's passage (a subset of the false charges)."""
    lane_resolved: int = 0
    lane_wrong: int = 0
    lane_in_candidates: int = 0

    def add(self, other: ScenarioCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def fallback_rate(self) -> float:
        return self.missed / self.passages if self.passages else 0.0

    @property
    def charged_rate(self) -> float:
        """True passages charged without a tap, over true passages."""
        return self.correct / self.passages if self.passages else 0.0


CARRY_GROUPS = ("hand", "pocket", "bag")
PHONE_GROUPS = ("ble_only", "uwb")


@dataclass
class Metrics:
    by_scenario: dict[str, ScenarioCounts] = field(default_factory=lambda: {s: ScenarioCounts() for s in SCENARIOS})
    by_carry: dict[str, ScenarioCounts] = field(default_factory=lambda: {s: ScenarioCounts() for s in CARRY_GROUPS})
    by_phone: dict[str, ScenarioCounts] = field(default_factory=lambda: {s: ScenarioCounts() for s in PHONE_GROUPS})
    by_scenario_phone: dict[str, ScenarioCounts] = field(
        default_factory=lambda: {f"{s}/{p}": ScenarioCounts() for s in SCENARIOS for p in PHONE_GROUPS}
    )
    reasons: Counter[str] = field(default_factory=Counter)
    latencies_s: list[float] = field(default_factory=list)

    @property
    def total(self) -> ScenarioCounts:
        out = ScenarioCounts()
        for c in self.by_scenario.values():
            out.add(c)
        return out

    @property
    def lane_accuracy(self) -> float:
        """Resolved lanes that are right, over resolved lanes of charged passages."""
        t = self.total
        return (t.lane_resolved - t.lane_wrong) / t.lane_resolved if t.lane_resolved else 1.0

    @property
    def false_charges_per_million(self) -> float:
        t = self.total
        return 1e6 * t.false_charges / t.events if t.events else 0.0

    def latency_ms(self, q: float) -> float:
        return float(np.percentile(np.array(self.latencies_s) * 1000, q)) if self.latencies_s else float("nan")

    def merge(self, other: Metrics) -> None:
        for mine, theirs in (
            (self.by_scenario, other.by_scenario),
            (self.by_carry, other.by_carry),
            (self.by_phone, other.by_phone),
            (self.by_scenario_phone, other.by_scenario_phone),
        ):
            for s, c in theirs.items():
                mine[s].add(c)
        self.reasons.update(other.reasons)
        self.latencies_s.extend(other.latencies_s)

    def score(
        self, decisions: Sequence[Decision], truth: TruthArrays, time_tolerance_s: float = TIME_TOLERANCE_S
    ) -> None:
        """Add a batch of decisions (in the order of ``truth``) to the counts."""
        n = len(truth)
        if len(decisions) != n:
            raise ValueError("one decision per truth")
        charged = np.array([d.charged for d in decisions], dtype=bool)
        lane = np.array([d.lane_id if d.lane_id is not None else -2 for d in decisions])
        direction = np.array([{"in": 0, "out": 1}.get(d.direction or "", -2) for d in decisions])
        crossed = np.array([d.crossed_at if d.crossed_at is not None else np.nan for d in decisions])
        in_candidates = np.array(
            [t >= 0 and int(t) in d.lane_candidates for d, t in zip(decisions, truth.lane, strict=True)],
            dtype=bool,
        )
        correct = (
            charged
            & truth.passed
            & (direction == truth.direction)
            & (np.abs(crossed - np.nan_to_num(truth.crossed_at, nan=np.inf)) <= time_tolerance_s)
        )
        false = charged & ~correct
        swapped = false & truth.passed & (direction == truth.direction)
        missed = truth.passed & ~charged
        resolved = correct & (lane >= 0)
        lane_ok = resolved & (lane == truth.lane)

        def counts(sel: npt.NDArray[np.bool_]) -> ScenarioCounts:
            return ScenarioCounts(
                events=int(sel.sum()),
                passages=int((truth.passed & sel).sum()),
                charged=int((charged & sel).sum()),
                correct=int((correct & sel).sum()),
                correct_lane=int((lane_ok & sel).sum()),
                false_charges=int((false & sel).sum()),
                bystander_charges=int((charged & ~truth.passed & sel).sum()),
                swapped=int((swapped & sel).sum()),
                missed=int((missed & sel).sum()),
                lane_resolved=int((resolved & sel).sum()),
                lane_wrong=int((resolved & ~lane_ok & sel).sum()),
                lane_in_candidates=int((correct & in_candidates & sel).sum()),
            )

        uwb = truth.uwb.astype(bool)
        for i, name in enumerate(SCENARIOS):
            sel = truth.scenario == i
            if sel.any():
                self.by_scenario[name].add(counts(sel))
                for phone, has in zip(PHONE_GROUPS, (False, True), strict=True):
                    if (sel & (uwb == has)).any():
                        self.by_scenario_phone[f"{name}/{phone}"].add(counts(sel & (uwb == has)))
        for i, name in enumerate(CARRY_GROUPS):
            if (truth.carry == i).any():
                self.by_carry[name].add(counts(truth.carry == i))
        for phone, has in zip(PHONE_GROUPS, (False, True), strict=True):
            if (uwb == has).any():
                self.by_phone[phone].add(counts(uwb == has))
        self.reasons.update(d.reason for d in decisions if d.reason is not None)

    def as_dict(self) -> dict[str, object]:
        t = self.total
        return {
            "events": t.events,
            "passages": t.passages,
            "charged": t.charged,
            "correct": t.correct,
            "correct_lane": t.correct_lane,
            "charged_rate": round(t.charged_rate, 5),
            "lane_resolved": t.lane_resolved,
            "lane_wrong": t.lane_wrong,
            "lane_in_candidates": t.lane_in_candidates,
            "lane_accuracy": round(self.lane_accuracy, 6),
            "false_charges": t.false_charges,
            "false_charges_per_million": round(self.false_charges_per_million, 3),
            "missed": t.missed,
            "fallback_rate": round(t.fallback_rate, 5),
            "fallback_rate_by_scenario": {
                s: round(c.fallback_rate, 5) for s, c in self.by_scenario.items() if c.passages
            },
            "charged_rate_by_scenario": {
                s: round(c.charged_rate, 5) for s, c in self.by_scenario.items() if c.passages
            },
            "charged_rate_by_carry": {s: round(c.charged_rate, 5) for s, c in self.by_carry.items() if c.passages},
            "charged_rate_by_phone": {s: round(c.charged_rate, 5) for s, c in self.by_phone.items() if c.passages},
            "charged_rate_by_scenario_phone": {
                s: round(c.charged_rate, 5) for s, c in self.by_scenario_phone.items() if c.passages
            },
            "false_charges_by_scenario": {s: c.false_charges for s, c in self.by_scenario.items() if c.events},
            "false_charges_by_carry": {s: c.false_charges for s, c in self.by_carry.items() if c.events},
            "false_charges_by_phone": {s: c.false_charges for s, c in self.by_phone.items() if c.events},
            "non_passing_events": t.events - t.passages,
            "bystander_charges": t.bystander_charges,
            "swapped": t.swapped,
            "false_charges_per_million_non_passing": round(
                1e6 * t.bystander_charges / max(t.events - t.passages, 1), 3
            ),
            "refusals_by_reason": {r: self.reasons.get(r, 0) for r in REFUSAL_REASONS},
            "latency_ms_p50": round(self.latency_ms(50), 3),
            "latency_ms_p99": round(self.latency_ms(99), 3),
            "latency_samples": len(self.latencies_s),
        }


def evaluate(events: Iterable[SimulatedEvent], detector: Callable[[SimulatedEvent], Decision]) -> Metrics:
    """Run ``detector`` on each event (timing each call) and score it against the event's truth."""
    import time

    metrics = Metrics()
    decisions: list[Decision] = []
    truths = []
    for event in events:
        start = time.perf_counter()
        decisions.append(detector(event))
        metrics.latencies_s.append(time.perf_counter() - start)
        truths.append(event.truth)
    if truths:
        metrics.score(decisions, _truth_arrays(truths))
    return metrics


def _truth_arrays(truths: Sequence[object]) -> TruthArrays:
    from .simulator import CARRIES, Truth

    ts = [t for t in truths if isinstance(t, Truth)]
    return TruthArrays(
        scenario=np.array([SCENARIOS.index(t.scenario) for t in ts]),
        passed=np.array([t.passed for t in ts], dtype=bool),
        lane=np.array([t.lane if t.lane is not None else -1 for t in ts]),
        direction=np.array([{"in": 0, "out": 1}.get(t.direction or "", -1) for t in ts]),
        crossed_at=np.array([t.crossed_at if t.crossed_at is not None else np.nan for t in ts]),
        carry=np.array([CARRIES.index(t.carry) for t in ts]),
        uwb=np.array([t.uwb for t in ts], dtype=bool),
    )
