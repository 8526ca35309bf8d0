"""The programme catalogue as data (``reference/programmes.json``): each programme's stage, kind,
seats, eligibility rules and selection criteria with their weights. :func:`parse` checks every
field and reports each mistake with where it is; nothing in the file is trusted unchecked.

Eligibility rules (each ``{"rule": name, ...}``, all must pass):

================  ==============================  ==========================================
rule              parameters                      passes when
================  ==============================  ==========================================
stage             ``in``: stages                  the business's stage is one of them
months            ``min``, ``max`` (months)       months in business ≥ min and < max
industry          ``in`` or ``not_in``: codes     the industry is (not) among them
district          ``in``: Korean district names   the site is in one of them
sales             ``min``, ``max`` (won)          last year's sales ≥ min and < max
sales_growth      ``min``, ``max`` (fractions)    last year over the year before, less one
prior_closure     ``is``: true/false              a closure before the current business
closed            ``is``: true/false              the business is closed now
good_standing     ``is``: true                    no tax arrears, no loan declined (facts.py)
guarantee_loan    ``is``: true/false              a guarantee loan was paid out
================  ==============================  ==========================================

Selection criteria (``scoring``, each ``{"criterion": name, "weight": points, ...}``): the
automatic ones take points from ``bands`` (the first band whose ``min`` ≤ value < ``max``
gives its ``points``; a missing bound is open) of ``months``, ``sales``, ``sales_growth`` or
``programmes_completed``; ``district`` gives ``points`` when the site is ``in`` the list;
``assessed`` is the officer's own assessment from 0 to its weight, named in the file
(``name_ko``/``name_en``) with what the officer looks at (``guide_ko``/``guide_en``). The
weights of a programme add up to 100.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from seoul.business.engine.stages import STAGES

PATH = Path(__file__).resolve().parent.parent / "reference" / "programmes.json"
KINDS = ("academy", "consulting", "marketing", "smart_store", "rent", "restart_education")
RULES = (
    "stage",
    "months",
    "industry",
    "district",
    "sales",
    "sales_growth",
    "prior_closure",
    "closed",
    "good_standing",
    "guarantee_loan",
)
BANDED = ("months", "sales", "sales_growth", "programmes_completed")
CRITERIA = (*BANDED, "district", "assessed")
TOTAL_WEIGHT = 100
MAX_SEATS = 10_000


class CatalogueError(ValueError):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{where}: {why}" for where, why in errors))
        self.errors = errors


@dataclass(frozen=True)
class Programme:
    code: str
    kind: str
    stage: str
    institution: str
    name_ko: str
    name_en: str
    summary_ko: str
    summary_en: str
    seats: int
    open: bool
    example: bool
    source: str
    eligibility: tuple[dict[str, Any], ...]
    scoring: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "kind": self.kind,
            "stage": self.stage,
            "institution": self.institution,
            "name_ko": self.name_ko,
            "name_en": self.name_en,
            "summary_ko": self.summary_ko,
            "summary_en": self.summary_en,
            "seats": self.seats,
            "open": self.open,
            "example": self.example,
            "source": self.source,
            "eligibility": [dict(r) for r in self.eligibility],
            "scoring": [dict(c) for c in self.scoring],
        }


@dataclass(frozen=True)
class Catalogue:
    version: int
    source: str
    programmes: tuple[Programme, ...]
    #: Names of the industry codes the rules use (the guarantee service's codes): code → (ko, en).
    industries: dict[str, tuple[str, str]]

    def get(self, code: str) -> Programme | None:
        return next((p for p in self.programmes if p.code == code), None)


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(item: dict[str, Any], key: str, where: str, errors: list[tuple[str, str]]) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        errors.append((f"{where}.{key}", "a non-empty text is required"))
        return ""
    if any(ord(c) < 32 for c in value):
        errors.append((f"{where}.{key}", "control characters are not allowed"))
    return value


def _bounds(item: dict[str, Any], where: str, errors: list[tuple[str, str]], *, need_one: bool = True) -> None:
    lo, hi = item.get("min"), item.get("max")
    for key, value in (("min", lo), ("max", hi)):
        if value is not None and not _number(value):
            errors.append((f"{where}.{key}", "must be a number"))
    if need_one and lo is None and hi is None:
        errors.append((where, "needs min, max or both"))
    if _number(lo) and _number(hi) and lo >= hi:
        errors.append((where, "min must be below max"))


def _strings(value: Any, where: str, errors: list[tuple[str, str]], allowed: tuple[str, ...] | None = None) -> None:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        errors.append((where, "must be a non-empty list of texts"))
        return
    if allowed is not None:
        for v in value:
            if v not in allowed:
                errors.append((where, f"unknown value {v!r} (one of {', '.join(allowed)})"))


def _rule(rule: Any, where: str, errors: list[tuple[str, str]]) -> None:
    if not isinstance(rule, dict):
        errors.append((where, "must be an object"))
        return
    name = rule.get("rule")
    if name not in RULES:
        errors.append((f"{where}.rule", f"unknown rule {name!r} (one of {', '.join(RULES)})"))
        return
    if name == "stage":
        _strings(rule.get("in"), f"{where}.in", errors, STAGES)
    elif name in ("months", "sales", "sales_growth"):
        _bounds(rule, where, errors)
    elif name == "industry":
        has_in, has_not = "in" in rule, "not_in" in rule
        if has_in == has_not:
            errors.append((where, "needs exactly one of in and not_in"))
        else:
            _strings(rule.get("in" if has_in else "not_in"), f"{where}.{'in' if has_in else 'not_in'}", errors)
    elif name == "district":
        _strings(rule.get("in"), f"{where}.in", errors)
    elif not isinstance(rule.get("is"), bool):
        errors.append((f"{where}.is", "must be true or false"))


def _criterion(item: Any, where: str, errors: list[tuple[str, str]]) -> int:
    if not isinstance(item, dict):
        errors.append((where, "must be an object"))
        return 0
    name = item.get("criterion")
    weight = item.get("weight")
    if name not in CRITERIA:
        errors.append((f"{where}.criterion", f"unknown criterion {name!r} (one of {', '.join(CRITERIA)})"))
    if not isinstance(weight, int) or isinstance(weight, bool) or not 0 < weight <= TOTAL_WEIGHT:
        errors.append((f"{where}.weight", f"must be a whole number from 1 to {TOTAL_WEIGHT}"))
        return 0
    if name in BANDED:
        bands = item.get("bands")
        if not isinstance(bands, list) or not bands:
            errors.append((f"{where}.bands", "must be a non-empty list"))
        else:
            for j, band in enumerate(bands):
                bw = f"{where}.bands[{j}]"
                if not isinstance(band, dict):
                    errors.append((bw, "must be an object"))
                    continue
                _bounds(band, bw, errors, need_one=False)
                points = band.get("points")
                if not _number(points) or not 0 <= points <= weight:
                    errors.append((f"{bw}.points", f"must be a number from 0 to the weight ({weight})"))
    elif name == "district":
        _strings(item.get("in"), f"{where}.in", errors)
        points = item.get("points")
        if not _number(points) or not 0 <= points <= weight:
            errors.append((f"{where}.points", f"must be a number from 0 to the weight ({weight})"))
    elif name == "assessed":
        for key in ("code", "name_ko", "name_en", "guide_ko", "guide_en"):
            _text(item, key, where, errors)
    return weight


def parse(data: Any) -> Catalogue:
    """The catalogue from the file's JSON, or :class:`CatalogueError` with every mistake."""
    errors: list[tuple[str, str]] = []
    if not isinstance(data, dict):
        raise CatalogueError([("$", "must be an object")])
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        errors.append(("version", "must be a whole number"))
    source = _text(data, "source", "$", errors)
    industries: dict[str, tuple[str, str]] = {}
    raw_industries = data.get("industries")
    if not isinstance(raw_industries, dict):
        errors.append(("industries", "must be an object of code → names"))
        raw_industries = {}
    for code, names in raw_industries.items():
        if isinstance(names, dict):
            industries[str(code)] = (
                _text(names, "name_ko", f"industries.{code}", errors),
                _text(names, "name_en", f"industries.{code}", errors),
            )
        else:
            errors.append((f"industries.{code}", "must be an object with name_ko and name_en"))
    raw = data.get("programmes")
    if not isinstance(raw, list) or not raw:
        errors.append(("programmes", "must be a non-empty list"))
        raw = []
    found: list[Programme] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"programmes[{i}]"
        if not isinstance(item, dict):
            errors.append((where, "must be an object"))
            continue
        code = _text(item, "code", where, errors)
        if code in seen:
            errors.append((f"{where}.code", f"{code!r} appears twice"))
        seen.add(code)
        if item.get("kind") not in KINDS:
            errors.append((f"{where}.kind", f"one of {', '.join(KINDS)}"))
        if item.get("stage") not in STAGES:
            errors.append((f"{where}.stage", f"one of {', '.join(STAGES)}"))
        seats = item.get("seats")
        if not isinstance(seats, int) or isinstance(seats, bool) or not 0 < seats <= MAX_SEATS:
            errors.append((f"{where}.seats", f"must be a whole number from 1 to {MAX_SEATS}"))
        for key in ("open", "example"):
            if not isinstance(item.get(key), bool):
                errors.append((f"{where}.{key}", "must be true or false"))
        rules = item.get("eligibility")
        if not isinstance(rules, list):
            errors.append((f"{where}.eligibility", "must be a list"))
            rules = []
        for j, rule in enumerate(rules):
            _rule(rule, f"{where}.eligibility[{j}]", errors)
            if isinstance(rule, dict) and rule.get("rule") == "industry":
                for c in rule.get("in", rule.get("not_in")) or []:
                    if c not in industries:
                        errors.append((f"{where}.eligibility[{j}]", f"industry {c!r} has no names under industries"))
        scoring = item.get("scoring")
        if not isinstance(scoring, list) or not scoring:
            errors.append((f"{where}.scoring", "must be a non-empty list"))
            scoring = []
        total = sum(_criterion(c, f"{where}.scoring[{j}]", errors) for j, c in enumerate(scoring))
        if scoring and total != TOTAL_WEIGHT:
            errors.append((f"{where}.scoring", f"the weights add up to {total}, not {TOTAL_WEIGHT}"))
        assessed = [c.get("code") for c in scoring if isinstance(c, dict) and c.get("criterion") == "assessed"]
        if len(assessed) != len(set(assessed)):
            errors.append((f"{where}.scoring", "two assessed criteria share a code"))
        texts = {
            k: _text(item, k, where, errors)
            for k in ("institution", "name_ko", "name_en", "summary_ko", "summary_en", "source")
        }
        if errors:
            continue
        found.append(
            Programme(
                code=code,
                kind=item["kind"],
                stage=item["stage"],
                seats=int(seats),  # type: ignore[arg-type] # checked above
                open=item["open"],
                example=item["example"],
                eligibility=tuple(rules),
                scoring=tuple(scoring),
                **texts,
            )
        )
    if errors:
        raise CatalogueError(errors)
    return Catalogue(version=int(version), source=source, programmes=tuple(found), industries=industries)  # type: ignore[arg-type]


@functools.cache
def catalogue(path: Path = PATH) -> Catalogue:
    return parse(json.loads(path.read_text(encoding="utf-8")))
