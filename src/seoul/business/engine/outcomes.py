"""What became of the businesses that completed a programme, for the city's evaluation:
survival 1 and 3 years after completion, and sales growth from the year before the programme to
the year after it — computed from the profile's dated observations (each refresh of a profile is
kept as an observation, never overwritten).

Survival at a horizon (completion + 1 or 3 years):

* ``not_due``: the horizon has not come yet;
* ``closed``: an observation on or before the horizon shows the business closed;
* ``survived``: an observation on or after the horizon shows it open;
* ``unknown``: otherwise (nothing observed since the horizon).

Sales growth: sales of the year after completion over sales of the year before completion, less
one, from the latest observation that states both years; None when they are not both known.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

HORIZONS = (1, 3)


@dataclass(frozen=True)
class Observation:
    as_of: date
    closed: bool
    sales_by_year: dict[int, int] = field(default_factory=dict)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def survival(completed_on: date, observations: Sequence[Observation], years: int, today: date) -> str:
    due = add_years(completed_on, years)
    if today < due:
        return "not_due"
    if any(o.closed and o.as_of <= due for o in observations):
        return "closed"
    if any(o.as_of >= due and not o.closed for o in observations):
        return "survived"
    if any(o.closed for o in observations):
        return "closed"
    return "unknown"


def sales_growth(completed_on: date, observations: Sequence[Observation]) -> float | None:
    before, after = completed_on.year - 1, completed_on.year + 1
    sales: dict[int, int] = {}
    for o in sorted(observations, key=lambda o: o.as_of):
        sales.update(o.sales_by_year)
    if before not in sales or after not in sales or not sales[before]:
        return None
    return round(sales[after] / sales[before] - 1, 4)


@dataclass(frozen=True)
class Outcome:
    survival: dict[int, str]
    sales_growth: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"survival": {str(k): v for k, v in self.survival.items()}, "sales_growth": self.sales_growth}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        return cls({int(k): str(v) for k, v in data.get("survival", {}).items()}, data.get("sales_growth"))


def outcome(completed_on: date, observations: Sequence[Observation], today: date) -> Outcome:
    return Outcome(
        {y: survival(completed_on, observations, y, today) for y in HORIZONS},
        sales_growth(completed_on, observations),
    )


@dataclass(frozen=True)
class Row:
    """One completed participation: its programme, the business's stage, and the outcome."""

    programme: str
    stage: str
    outcome: Outcome


@dataclass(frozen=True)
class Summary:
    programme: str
    stage: str
    completed: int
    #: Per horizon: (survived, closed, not due, unknown).
    survival: dict[int, tuple[int, int, int, int]]
    growth_known: int
    growth_median: float | None
    growth_mean: float | None

    def rate(self, years: int) -> float | None:
        survived, closed, _due, _unknown = self.survival[years]
        return None if survived + closed == 0 else survived / (survived + closed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "programme": self.programme,
            "stage": self.stage,
            "completed": self.completed,
            **{
                f"survival_{y}y": dict(zip(("survived", "closed", "not_due", "unknown"), self.survival[y], strict=True))
                | {"rate": self.rate(y)}
                for y in HORIZONS
            },
            "sales_growth": {"known": self.growth_known, "median": self.growth_median, "mean": self.growth_mean},
        }


def summarise(rows: Iterable[Row]) -> list[Summary]:
    """One summary per programme and stage, in programme then stage order."""
    groups: dict[tuple[str, str], list[Outcome]] = {}
    for row in rows:
        groups.setdefault((row.programme, row.stage), []).append(row.outcome)
    out = []
    for (programme, stage), outcomes in sorted(groups.items()):
        counts = {}
        for y in HORIZONS:
            states = [o.survival.get(y, "unknown") for o in outcomes]
            counts[y] = (
                states.count("survived"),
                states.count("closed"),
                states.count("not_due"),
                states.count("unknown"),
            )
        growth = [o.sales_growth for o in outcomes if o.sales_growth is not None]
        out.append(
            Summary(
                programme,
                stage,
                len(outcomes),
                counts,
                len(growth),
                round(statistics.median(growth), 4) if growth else None,
                round(statistics.fmean(growth), 4) if growth else None,
            )
        )
    return out
