"""A charge needs a body through a lane: the array's lane passage sensors confirm the radio.

The detector says whether a phone's readings show it crossing the gate line, which way and
when, and which lanes its readings do not rule out. A person standing in the next lane, at the
fence or just inside can look the same to the radio, but the lanes' passage sensors (the beams
every gate lane already has) only see someone who walks through. So a crossing is charged only
when a passage of the array's sensors within ``tolerance`` seconds of it, in the same direction
when the sensor reports one, **in one of the radio's candidate lanes**, is still free: one
sensor passage confirms one phone, the strongest radio evidence first (the windows of a
settling period -- a few seconds -- decided together), and the confirmed passage's lane and
time are the ones recorded. The radio's lane evidence does not pick the lane (BLE alone cannot
tell 0.9 m lanes apart reliably) but it does rule lanes out: a bystander standing in the next
lane while someone without a tagless phone walks through is heard loudest in their own lane,
not the passer's (docs/metro-tagless.md "Calibration"). The same rule runs in
``seoul.metro.actions.tagless`` (against passages already matched in the database as well).

Pure: stdlib only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from .model import Decision, Direction


@dataclass(frozen=True)
class SensorPassage:
    """One passage seen by a lane's sensors at ``at`` (the readings' clock)."""

    lane: int
    at: float
    direction: Direction | None = None
    """The way the sensor saw it go, when it reports one (None: any)."""


def lane_order(decision: Decision) -> list[int]:
    """The lanes a confirming passage may be in, in the order they are tried: the resolved lane,
    then the candidates (best first). Empty when the decision carries no lane evidence at all
    (the detector always names at least one candidate), and then any lane may confirm."""
    order = [decision.lane_id] if decision.lane_id is not None else []
    return order + [k for k in decision.lane_candidates if k not in order]


def pick(decision: Decision, passages: Sequence[SensorPassage], free: Sequence[bool], tolerance: float) -> int | None:
    """The passage that confirms ``decision`` among the free ones, or None."""
    if not decision.charged or decision.crossed_at is None:
        return None
    order = lane_order(decision)
    best: tuple[int, float] | None = None
    chosen: int | None = None
    for i, p in enumerate(passages):
        if not free[i] or abs(p.at - decision.crossed_at) > tolerance:
            continue
        if p.direction is not None and p.direction != decision.direction:
            continue
        if order and p.lane not in order:
            continue  # the radio rules this lane out
        rank = (order.index(p.lane) if p.lane in order else 0, abs(p.at - decision.crossed_at))
        if best is None or rank < best:
            best, chosen = rank, i
    return chosen


def priority(decisions: Sequence[Decision]) -> list[int]:
    """The order in which crossings claim passages: the strongest radio evidence first (ties in
    arrival order), so a passer's own passage is not taken by a bystander who merely looks alike."""
    return sorted(range(len(decisions)), key=lambda i: -decisions[i].margin)


def confirm(decisions: Sequence[Decision], passages: Sequence[SensorPassage], tolerance: float = 1.0) -> list[Decision]:
    """The decisions of one gate array's windows with every radio crossing either confirmed by a
    free sensor passage (its lane and time recorded) or refused as ``no_passage``; crossings
    claim in :func:`priority` order."""
    free = [True] * len(passages)
    out: list[Decision] = list(decisions)
    for w in priority(decisions):
        d = decisions[w]
        if not d.charged:
            continue
        i = pick(d, passages, free, tolerance)
        if i is None:
            out[w] = replace(d, charged=False, reason="no_passage")
            continue
        free[i] = False
        out[w] = replace(d, lane_id=passages[i].lane, crossed_at=passages[i].at)
    return out


__all__ = ["SensorPassage", "confirm", "lane_order", "pick", "priority"]
