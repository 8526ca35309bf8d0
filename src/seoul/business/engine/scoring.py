"""Selection by published criteria: each applicant's score, criterion by criterion, and the
ranking that decides who is selected for a programme's seats.

The criteria and their weights are the programme's ``scoring`` in the catalogue (published on the
programme's page): automatic criteria take their points from the profile's facts by bands; an
``assessed`` criterion is the programme officer's own assessment from 0 to its weight. A score is
complete once every assessed criterion has its points. The ranking: highest total first; on
equal totals, the earlier application first (the order is the applicant's, never the officer's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from seoul.business.engine.catalogue import Programme
from seoul.business.engine.facts import Facts


@dataclass(frozen=True)
class Line:
    criterion: str
    #: The assessed criterion's code ("" for automatic ones).
    code: str
    weight: int
    value: float | str | None
    points: float | None  # None: an assessed criterion not scored yet

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "code": self.code,
            "weight": self.weight,
            "value": self.value,
            "points": self.points,
        }


@dataclass(frozen=True)
class Score:
    lines: tuple[Line, ...]

    @property
    def complete(self) -> bool:
        return all(line.points is not None for line in self.lines)

    @property
    def total(self) -> float:
        return round(sum(line.points or 0 for line in self.lines), 2)

    def to_dict(self) -> dict[str, Any]:
        return {"lines": [line.to_dict() for line in self.lines], "total": self.total, "complete": self.complete}


def _value(criterion: str, facts: Facts, today: date) -> float | None:
    if criterion == "months":
        return facts.months(today)
    if criterion == "sales":
        return facts.sales_last_year
    if criterion == "sales_growth":
        growth = facts.sales_growth
        return None if growth is None else round(growth, 4)
    if criterion == "programmes_completed":
        return facts.programmes_completed
    raise ValueError(criterion)


def _banded(bands: Sequence[Mapping[str, Any]], value: float | None) -> float:
    if value is None:
        return 0.0
    for band in bands:
        lo, hi = band.get("min"), band.get("max")
        if (lo is None or value >= lo) and (hi is None or value < hi):
            return float(band["points"])
    return 0.0


def score(programme: Programme, facts: Facts, today: date, assessed: Mapping[str, float] | None = None) -> Score:
    """The applicant's score by the programme's criteria; ``assessed``: the officer's points per
    assessed criterion code (clamped to 0…weight)."""
    assessed = assessed or {}
    lines = []
    for c in programme.scoring:
        name, weight = str(c["criterion"]), int(c["weight"])
        if name == "assessed":
            code = str(c["code"])
            given = assessed.get(code)
            points = None if given is None else max(0.0, min(float(weight), float(given)))
            lines.append(Line(name, code, weight, None, points))
        elif name == "district":
            inside = facts.district is not None and facts.district in c["in"]
            lines.append(Line(name, "", weight, facts.district, float(c["points"]) if inside else 0.0))
        else:
            value = _value(name, facts, today)
            lines.append(Line(name, "", weight, value, _banded(c["bands"], value)))
    return Score(tuple(lines))


@dataclass(frozen=True)
class Ranked:
    key: int  # the application's id
    total: float
    order: int  # the application's place in the order of applying (earlier: smaller)


@dataclass(frozen=True)
class Selection:
    selected: tuple[int, ...]
    not_selected: tuple[int, ...]
    #: Each application's rank (1 = best).
    ranks: dict[int, int]
    #: The lowest total selected (None: nobody).
    cut_off: float | None


def select(applicants: Sequence[Ranked], seats: int) -> Selection:
    ranked = sorted(applicants, key=lambda a: (-a.total, a.order, a.key))
    chosen = ranked[:seats]
    return Selection(
        selected=tuple(a.key for a in chosen),
        not_selected=tuple(a.key for a in ranked[seats:]),
        ranks={a.key: i for i, a in enumerate(ranked, start=1)},
        cut_off=chosen[-1].total if chosen else None,
    )
