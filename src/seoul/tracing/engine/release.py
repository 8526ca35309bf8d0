"""Release from isolation: the earliest day a confirmed case may leave isolation under the
criteria of its period (docs/tracing-release.md).

Korea changed the criteria several times (tests only; tests after 7 days; from 2020-06-25 a
symptom-based alternative; from 2022-01-26 seven days for a case whose vaccination was
complete; from 2022-02-09 seven days from the specimen for everyone). They are
data (``reference/release_criteria.toml``), one :class:`Version` per period, read by
:func:`load_criteria`. A version applies to release decisions taken while it is in force, so a
case isolated under one version is released under a later, more lenient one from the day that
one took effect -- which is what happened to those in isolation on 2020-06-25.

Pure: stdlib only.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, Literal

Anchor = Literal["onset", "specimen", "confirmed"]
ANCHORS: tuple[Anchor, ...] = ("onset", "specimen", "confirmed")

CRITERIA_FILE = Path(__file__).resolve().parent.parent / "reference" / "release_criteria.toml"


class CriteriaError(ValueError):
    """The criteria file is malformed (which version, which field, why)."""


@dataclass(frozen=True)
class Rule:
    kind: Literal["days", "tests"]
    anchor: Anchor
    days: int
    afebrile_hours: int = 0
    """``days`` rules of symptomatic cases: fever-free without antipyretics and improving for this long."""
    negatives: int = 0
    apart_hours: int = 0
    vaccinated: bool = False
    """Only for a case whose vaccination was complete (from 2022-01-26: shorter isolation)."""

    @property
    def key(self) -> str:
        """A short stable name, recorded with a release (e.g. ``days:onset+10/72h``)."""
        vaccinated = "/vaccinated" if self.vaccinated else ""
        if self.kind == "days":
            fever = f"/{self.afebrile_hours}h" if self.afebrile_hours else ""
            return f"days:{self.anchor}+{self.days}{fever}{vaccinated}"
        return f"tests:{self.negatives}x{self.apart_hours}h>{self.anchor}+{self.days}{vaccinated}"


@dataclass(frozen=True)
class Version:
    id: str
    effective_from: date
    title: str
    title_en: str
    source: str
    symptomatic: tuple[Rule, ...]
    asymptomatic: tuple[Rule, ...]


@dataclass(frozen=True)
class PcrResult:
    """One PCR on the case after it was confirmed: when the specimen was taken, when the result
    came, and whether it was negative (positive and inconclusive results break a run)."""

    collected_at: datetime
    resulted_at: datetime
    negative: bool


@dataclass(frozen=True)
class CaseFacts:
    confirmed_on: date
    onset_on: date | None = None
    """Symptom onset; None: no symptoms so far (asymptomatic)."""
    specimen_on: date | None = None
    """The day the positive specimen was taken (the case's test date)."""
    afebrile_since: datetime | None = None
    """Since when the case has had no fever without antipyretics and improving symptoms; None:
    not yet, or not known."""
    pcrs: Sequence[PcrResult] = ()
    vaccinated: bool | None = None
    """Whether the case's vaccination was complete by the definition of the time; None: not
    known (rules for the vaccinated do not apply)."""


@dataclass(frozen=True)
class Release:
    """The outcome for one case: ``on`` the earliest day it may be released (None: not yet
    known), under ``version`` by ``rule``; ``waiting`` says what is missing when ``on`` is None
    (``onset``-style anchors absent, ``afebrile``, ``tests``)."""

    on: date | None
    version: str = ""
    waiting: tuple[str, ...] = field(default=())
    basis: Rule | None = None
    """The rule met."""

    @property
    def rule(self) -> str:
        """The key of the rule met ("" when none is met yet)."""
        return self.basis.key if self.basis else ""

    def due(self, today: date) -> bool:
        return self.on is not None and self.on <= today


def _rule(raw: Any, where: str) -> Rule:
    if not isinstance(raw, dict):
        raise CriteriaError(f"{where}: a rule is a table")
    kind, anchor, days = raw.get("kind"), raw.get("anchor"), raw.get("days")
    if kind not in ("days", "tests"):
        raise CriteriaError(f"{where}.kind: {kind!r} is not 'days' or 'tests'")
    if anchor not in ANCHORS:
        raise CriteriaError(f"{where}.anchor: {anchor!r} is not one of {', '.join(ANCHORS)}")
    bounds = {"days": 60, "afebrile_hours": 240, "negatives": 5, "apart_hours": 240}
    numbers = {name: raw.get(name, 0) for name in bounds}
    for name, value in numbers.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= bounds[name]:
            raise CriteriaError(f"{where}.{name}: {value!r} is not a whole number 0-{bounds[name]}")
    if days is None:
        raise CriteriaError(f"{where}.days: missing")
    if kind == "tests" and numbers["negatives"] < 1:
        raise CriteriaError(f"{where}.negatives: a test rule needs at least one negative")
    vaccinated = raw.get("vaccinated", False)
    if not isinstance(vaccinated, bool):
        raise CriteriaError(f"{where}.vaccinated: {vaccinated!r} is not true or false")
    unknown = set(raw) - {"kind", "anchor", "vaccinated", *numbers}
    if unknown:
        raise CriteriaError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    return Rule(kind=kind, anchor=anchor, vaccinated=vaccinated, **numbers)


def parse_criteria(text: str) -> tuple[Version, ...]:
    """The versions of a criteria file, oldest first; :class:`CriteriaError` names what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CriteriaError(f"not TOML: {exc}") from exc
    versions: list[Version] = []
    for i, raw in enumerate(data.get("version", [])):
        where = f"version[{i}]"
        start = raw.get("from")
        if not isinstance(start, date) or isinstance(start, datetime):
            raise CriteriaError(f"{where}.from: {start!r} is not a date")
        groups: dict[str, tuple[Rule, ...]] = {}
        for group in ("symptomatic", "asymptomatic"):
            rules = raw.get(group)
            if not isinstance(rules, list) or not rules:
                raise CriteriaError(f"{where}.{group}: at least one rule is needed")
            groups[group] = tuple(_rule(r, f"{where}.{group}[{j}]") for j, r in enumerate(rules))
        for name in ("id", "title", "title_en", "source"):
            if not isinstance(raw.get(name), str) or not raw[name].strip():
                raise CriteriaError(f"{where}.{name}: missing")
        versions.append(Version(raw["id"], start, raw["title"], raw["title_en"], raw["source"], **groups))
    if not versions:
        raise CriteriaError("no [[version]] tables")
    starts = [v.effective_from for v in versions]
    if starts != sorted(starts) or len(set(starts)) != len(starts):
        raise CriteriaError("versions must be in order of their 'from' dates, one per date")
    return tuple(versions)


def load_criteria(path: Path = CRITERIA_FILE) -> tuple[Version, ...]:
    return parse_criteria(path.read_text(encoding="utf-8"))


def find_rule(versions: Sequence[Version], version_id: str, key: str) -> tuple[Version, Rule] | None:
    """The version and rule a recorded release names (``Release.version``, ``Release.rule``)."""
    for version in versions:
        if version.id == version_id:
            for rule in (*version.symptomatic, *version.asymptomatic):
                if rule.key == key:
                    return version, rule
    return None


def _anchor_day(facts: CaseFacts, anchor: Anchor) -> date | None:
    if anchor == "onset":
        return facts.onset_on
    if anchor == "specimen":
        return facts.specimen_on or facts.confirmed_on
    return facts.confirmed_on


def _earliest(rule: Rule, facts: CaseFacts, symptomatic: bool, tz: tzinfo) -> tuple[datetime | None, str]:
    """When ``rule`` is first met (None, and what is missing, when it is not met yet)."""
    if rule.vaccinated and not facts.vaccinated:
        return None, "" if facts.vaccinated is False else "vaccination"
    start = _anchor_day(facts, rule.anchor)
    if start is None:
        return None, rule.anchor
    free_from = datetime.combine(start + timedelta(days=rule.days), time.min, tzinfo=tz)
    needs_fever_gone = symptomatic and (rule.kind == "tests" or rule.afebrile_hours > 0)
    if needs_fever_gone:
        if facts.afebrile_since is None:
            return None, "afebrile"
        free_from = max(free_from, facts.afebrile_since + timedelta(hours=rule.afebrile_hours))
    if rule.kind == "days":
        return free_from, ""
    # Tests: the first run of `negatives` consecutive negatives, specimens far enough apart and
    # all taken no earlier than the anchor day + `days`.
    earliest_specimen = datetime.combine(start + timedelta(days=rule.days), time.min, tzinfo=tz)
    run: list[PcrResult] = []
    for pcr in sorted(facts.pcrs, key=lambda p: p.collected_at):
        if not pcr.negative:
            run = []
            continue
        if pcr.collected_at < earliest_specimen:
            continue
        if run and pcr.collected_at - run[-1].collected_at < timedelta(hours=rule.apart_hours):
            continue  # too soon after the previous negative to count; the run goes on
        run.append(pcr)
        if len(run) == rule.negatives:
            return max(free_from, max(p.resulted_at for p in run)), ""
    return None, "tests"


def earliest_release(facts: CaseFacts, versions: Sequence[Version], tz: tzinfo, today: date) -> Release:
    """The earliest day ``facts``' case may leave isolation: for each version, the first moment
    one of its rules is met, no earlier than the day the version took effect and before the next
    one did; the earliest of those. Only versions in force by ``today`` count (a case looked at
    in July 2020 is not released by the rule of 2022). Days are calendar days in ``tz`` (Seoul).
    When no rule is met yet, ``waiting`` lists what the rules of the version in force
    ``today`` are missing."""
    symptomatic = facts.onset_on is not None
    versions = [v for v in versions if v.effective_from <= today]  # later criteria were not known yet
    best: tuple[datetime, Version, Rule] | None = None
    missing: list[str] = []
    for i, version in enumerate(versions):
        starts = datetime.combine(version.effective_from, time.min, tzinfo=tz)
        ends = datetime.combine(versions[i + 1].effective_from, time.min, tzinfo=tz) if i + 1 < len(versions) else None
        for rule in version.symptomatic if symptomatic else version.asymptomatic:
            met, why = _earliest(rule, facts, symptomatic, tz)
            if met is None:
                if why and why not in missing and (ends is None or ends.date() > today):
                    missing.append(why)
                continue
            at = max(met, starts)
            if ends is not None and at >= ends:
                continue
            if best is None or at < best[0]:
                best = (at, version, rule)
    if best is None:
        return Release(on=None, waiting=tuple(missing))
    at, version, rule = best
    return Release(on=at.astimezone(tz).date(), version=version.id, basis=rule)
