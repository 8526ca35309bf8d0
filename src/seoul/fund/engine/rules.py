"""The fund's rules as data (``reference/fund.json``): its size and the sectors' allocations, the
stages with the ticket limits of each instrument, the committee's quorum rule and pass mark, the
scoring criteria and their weights, and the bounds of each instrument's terms.

:func:`parse` checks every field and reports every mistake with its path
(``sectors[2].allocation: ...``); nothing in the file is trusted unchecked.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

PATH = Path(__file__).resolve().parent.parent / "reference" / "fund.json"
INSTRUMENTS = ("equity", "convertible", "loan")
MAX_SIZE = 10**13  # 10조 won: far above any city fund
TOTAL_WEIGHT = 100


class RulesError(ValueError):
    """The file is wrong; ``problems`` lists each mistake as ``path: what``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("fund.json: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Sector:
    code: str
    name_ko: str
    name_en: str
    allocation: int


@dataclass(frozen=True)
class Stage:
    code: str
    name_ko: str
    name_en: str
    max_years: int
    #: instrument → (smallest, largest) amount in won
    tickets: dict[str, tuple[int, int]]


@dataclass(frozen=True)
class Committee:
    members: int
    quorum_share: float
    quorum_minimum: int
    pass_mark: float


@dataclass(frozen=True)
class Criterion:
    code: str
    name_ko: str
    name_en: str
    weight: int


@dataclass(frozen=True)
class Rules:
    code: str
    name_ko: str
    name_en: str
    manager_ko: str
    manager_en: str
    size: int
    opened_on: date
    life_years: int
    sectors: tuple[Sector, ...]
    stages: tuple[Stage, ...]
    committee: Committee
    criteria: tuple[Criterion, ...]
    score_scale: int
    #: instrument → bound name → number (``percent_min``, ``rate_max``, ...)
    instruments: dict[str, dict[str, float]]
    tranches_max: int

    def sector(self, code: str) -> Sector | None:
        return next((s for s in self.sectors if s.code == code), None)

    def stage(self, code: str) -> Stage | None:
        return next((s for s in self.stages if s.code == code), None)


INSTRUMENT_BOUNDS = {
    "equity": ("percent_min", "percent_max"),
    "convertible": ("discount_min", "discount_max", "cap_min", "cap_max", "term_months_min", "term_months_max"),
    "loan": ("rate_min", "rate_max", "term_months_min", "term_months_max"),
}


class _Reader:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, what: str) -> None:
        self.problems.append(f"{path}: {what}")

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, "must be an object")
            return {}
        return value

    def text(self, d: dict[str, Any], key: str, path: str) -> str:
        value = d.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{path}.{key}", "must be non-empty text")
            return ""
        return value

    def number(self, d: dict[str, Any], key: str, path: str, lo: float, hi: float, *, whole: bool = False) -> float:
        value = d.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"{path}.{key}", "must be a number")
            return lo
        if whole and not float(value).is_integer():
            self.fail(f"{path}.{key}", "must be a whole number")
        if not lo <= value <= hi:
            self.fail(f"{path}.{key}", f"must be from {lo:g} to {hi:g}, not {value:g}")
            return lo
        return float(value)

    def whole(self, d: dict[str, Any], key: str, path: str, lo: int, hi: int) -> int:
        return int(self.number(d, key, path, lo, hi, whole=True))

    def codes(self, items: list[Any], path: str) -> None:
        seen: set[str] = set()
        for i, item in enumerate(items):
            code = item.get("code") if isinstance(item, dict) else None
            if isinstance(code, str) and code in seen:
                self.fail(f"{path}[{i}].code", f"{code!r} appears twice")
            if isinstance(code, str):
                seen.add(code)

    def items(self, data: dict[str, Any], key: str) -> list[Any]:
        value = data.get(key)
        if not isinstance(value, list) or not value:
            self.fail(key, "must be a non-empty list")
            return []
        self.codes(value, key)
        return value


def _sectors(r: _Reader, data: dict[str, Any], size: int) -> tuple[Sector, ...]:
    out = []
    for i, raw in enumerate(r.items(data, "sectors")):
        path = f"sectors[{i}]"
        d = r.obj(raw, path)
        out.append(
            Sector(
                r.text(d, "code", path),
                r.text(d, "name_ko", path),
                r.text(d, "name_en", path),
                r.whole(d, "allocation", path, 1, MAX_SIZE),
            )
        )
    total = sum(s.allocation for s in out)
    if out and total != size:
        r.fail("sectors", f"the allocations add up to {total:,} won, not the fund's size {size:,} won")
    return tuple(out)


def _stages(r: _Reader, data: dict[str, Any]) -> tuple[Stage, ...]:
    out = []
    for i, raw in enumerate(r.items(data, "stages")):
        path = f"stages[{i}]"
        d = r.obj(raw, path)
        tickets_raw = r.obj(d.get("tickets"), f"{path}.tickets")
        tickets: dict[str, tuple[int, int]] = {}
        for instrument in INSTRUMENTS:
            where = f"{path}.tickets.{instrument}"
            pair = tickets_raw.get(instrument)
            if (
                not isinstance(pair, list)
                or len(pair) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
            ):
                if tickets_raw:
                    r.fail(where, "must be [smallest, largest] amounts in won")
                continue
            if not 0 < pair[0] <= pair[1] <= MAX_SIZE:
                r.fail(where, f"must have 0 < smallest ≤ largest, not {pair}")
                continue
            tickets[instrument] = (pair[0], pair[1])
        out.append(
            Stage(
                r.text(d, "code", path),
                r.text(d, "name_ko", path),
                r.text(d, "name_en", path),
                r.whole(d, "max_years", path, 1, 50),
                tickets,
            )
        )
    return tuple(out)


def _criteria(r: _Reader, data: dict[str, Any]) -> tuple[Criterion, ...]:
    out = []
    for i, raw in enumerate(r.items(data, "criteria")):
        path = f"criteria[{i}]"
        d = r.obj(raw, path)
        out.append(
            Criterion(
                r.text(d, "code", path),
                r.text(d, "name_ko", path),
                r.text(d, "name_en", path),
                r.whole(d, "weight", path, 1, TOTAL_WEIGHT),
            )
        )
    total = sum(c.weight for c in out)
    if out and total != TOTAL_WEIGHT:
        r.fail("criteria", f"the weights add up to {total}, not {TOTAL_WEIGHT}")
    return tuple(out)


def _instruments(r: _Reader, data: dict[str, Any]) -> dict[str, dict[str, float]]:
    raw = r.obj(data.get("instruments"), "instruments")
    out: dict[str, dict[str, float]] = {}
    for instrument, names in INSTRUMENT_BOUNDS.items():
        path = f"instruments.{instrument}"
        d = r.obj(raw.get(instrument), path)
        bounds = {name: r.number(d, name, path, 0, MAX_SIZE) for name in names}
        for lo_name in names[::2]:
            hi_name = lo_name.replace("_min", "_max")
            if bounds[lo_name] > bounds[hi_name]:
                r.fail(f"{path}.{lo_name}", f"is above {hi_name}")
        out[instrument] = bounds
    if out.get("equity", {}).get("percent_max", 0) > 100:
        r.fail("instruments.equity.percent_max", "a share cannot be above 100 %")
    return out


def parse(data: Any) -> Rules:
    """The rules in ``data`` (the file's JSON), or :class:`RulesError` listing every mistake."""
    r = _Reader()
    top = r.obj(data, "(file)")
    fund = r.obj(top.get("fund"), "fund")
    size = r.whole(fund, "size", "fund", 1, MAX_SIZE)
    opened_raw = fund.get("opened_on")
    opened = date(2020, 1, 1)
    try:
        opened = date.fromisoformat(str(opened_raw))
    except ValueError:
        r.fail("fund.opened_on", f"must be a date YYYY-MM-DD, not {opened_raw!r}")
    committee = r.obj(top.get("committee"), "committee")
    members = r.whole(committee, "members", "committee", 1, 100)
    minimum = r.whole(committee, "quorum_minimum", "committee", 1, 100)
    if minimum > members:
        r.fail("committee.quorum_minimum", f"is more than the {members} members")
    rules = Rules(
        code=r.text(fund, "code", "fund"),
        name_ko=r.text(fund, "name_ko", "fund"),
        name_en=r.text(fund, "name_en", "fund"),
        manager_ko=r.text(fund, "manager_ko", "fund"),
        manager_en=r.text(fund, "manager_en", "fund"),
        size=size,
        opened_on=opened,
        life_years=r.whole(fund, "life_years", "fund", 1, 30),
        sectors=_sectors(r, top, size),
        stages=_stages(r, top),
        committee=Committee(
            members=members,
            quorum_share=r.number(committee, "quorum_share", "committee", 0.01, 1),
            quorum_minimum=minimum,
            pass_mark=r.number(committee, "pass_mark", "committee", 0, TOTAL_WEIGHT),
        ),
        criteria=_criteria(r, top),
        score_scale=r.whole(top, "score_scale", "(file)", 1, 100),
        instruments=_instruments(r, top),
        tranches_max=r.whole(top, "tranches_max", "(file)", 1, 12),
    )
    if r.problems:
        raise RulesError(r.problems)
    return rules


@functools.cache
def rules() -> Rules:
    """The rules of ``reference/fund.json`` (read once)."""
    return parse(json.loads(PATH.read_text(encoding="utf-8")))
