"""The investment committee's arithmetic: who may score an application, whether the quorum is
met, and the weighted score.

* The committee is a defined set of ``members`` (the fund's membership list). A member present
  at the meeting who declared a conflict of interest in an application neither scores nor
  counts towards its quorum; a member absent does neither.
* Quorum (our assumption, stated in ``reference/SOURCE.md``): the members present and not
  conflicted are at least ``max(quorum_minimum, ceil(quorum_share × members))`` — with 7
  members, a share of ½ and a minimum of 5, that is 5.
* Each counted member gives each criterion 0…``score_scale`` points; a member's total is
  ``Σ weight × points ÷ scale`` (out of 100); the committee's score is the mean of the
  counted members' totals. Sheets of conflicted or absent members are left out, and said so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Set
from dataclasses import dataclass

from seoul.fund.engine.rules import Committee, Criterion


@dataclass(frozen=True)
class Quorum:
    members: int
    present: int
    conflicted: int
    counted: int
    needed: int
    #: "" when met, else ``too_few`` (fewer counted than needed)
    reason: str

    @property
    def met(self) -> bool:
        return not self.reason

    def to_dict(self) -> dict[str, int | str | bool]:
        return {
            "members": self.members,
            "present": self.present,
            "conflicted": self.conflicted,
            "counted": self.counted,
            "needed": self.needed,
            "met": self.met,
            "reason": self.reason,
        }


def needed(rule: Committee, members: int) -> int:
    """How many present, unconflicted members make a quorum of a committee of ``members``."""
    return max(rule.quorum_minimum, math.ceil(rule.quorum_share * members - 1e-9))


def quorum(rule: Committee, members: Set[int], present: Set[int], conflicted: Set[int]) -> Quorum:
    """The quorum for one application: ``present`` and ``conflicted`` are member ids (non-members
    among them are ignored)."""
    here = present & members
    counted = here - conflicted
    need = needed(rule, len(members))
    return Quorum(
        members=len(members),
        present=len(here),
        conflicted=len(here & conflicted),
        counted=len(counted),
        needed=need,
        reason="" if len(counted) >= need else "too_few",
    )


def member_total(criteria: tuple[Criterion, ...], scale: int, sheet: Mapping[str, float]) -> float:
    """One member's weighted total out of 100 (a criterion not scored counts 0)."""
    return sum(c.weight * float(sheet.get(c.code, 0)) / scale for c in criteria)


@dataclass(frozen=True)
class Tally:
    quorum: Quorum
    #: member id → total, of the counted members who scored
    totals: dict[int, float]
    #: criterion code → mean points of the counted members' sheets
    means: dict[str, float]
    #: counted members who have not scored yet
    waiting: tuple[int, ...]
    #: sheets left out (conflicted or absent members)
    excluded: tuple[int, ...]
    score: float | None
    pass_mark: float

    @property
    def complete(self) -> bool:
        return self.quorum.met and not self.waiting

    @property
    def passed(self) -> bool:
        return self.complete and self.score is not None and self.score >= self.pass_mark

    def to_dict(self) -> dict[str, object]:
        return {
            "quorum": self.quorum.to_dict(),
            "totals": {str(k): round(v, 2) for k, v in sorted(self.totals.items())},
            "means": {k: round(v, 2) for k, v in self.means.items()},
            "waiting": list(self.waiting),
            "excluded": list(self.excluded),
            "score": None if self.score is None else round(self.score, 2),
            "pass_mark": self.pass_mark,
            "complete": self.complete,
            "passed": self.passed,
        }


def tally(
    rule: Committee,
    criteria: tuple[Criterion, ...],
    scale: int,
    *,
    members: Set[int],
    present: Set[int],
    conflicted: Set[int],
    sheets: Mapping[int, Mapping[str, float]],
) -> Tally:
    found = quorum(rule, members, present, conflicted)
    counted = (present & members) - conflicted
    kept = {m: s for m, s in sheets.items() if m in counted}
    totals = {m: member_total(criteria, scale, s) for m, s in kept.items()}
    means = {c.code: sum(float(s.get(c.code, 0)) for s in kept.values()) / len(kept) for c in criteria} if kept else {}
    return Tally(
        quorum=found,
        totals=totals,
        means=means,
        waiting=tuple(sorted(counted - set(kept))),
        excluded=tuple(sorted(set(sheets) - counted)),
        score=sum(totals.values()) / len(totals) if totals else None,
        pass_mark=rule.pass_mark,
    )
