"""Whether a business may apply for a programme: every eligibility rule of the programme
(``catalogue.py`` lists them) evaluated on the profile's facts, each with its own result and
reason, so the applicant is told why before spending any time — and why not, for the others.

A rule whose fact the profile does not know (sales never declared, tax certificates never
fetched) does not pass: its reason says the fact is unknown, not that it is bad.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from seoul.business.engine.catalogue import Programme
from seoul.business.engine.facts import Facts
from seoul.business.engine.stages import place


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    #: What the rule asks and what the business has, as a reason code and its figures.
    code: str
    params: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "passed": self.passed, "code": self.code, "params": self.params}


@dataclass(frozen=True)
class Eligibility:
    programme: str
    eligible: bool
    results: tuple[RuleResult, ...]

    @property
    def failed(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    def to_dict(self) -> dict[str, Any]:
        return {"programme": self.programme, "eligible": self.eligible, "results": [r.to_dict() for r in self.results]}


def _within(value: float, rule: dict[str, Any]) -> bool:
    lo, hi = rule.get("min"), rule.get("max")
    return (lo is None or value >= lo) and (hi is None or value < hi)


def _bounded(name: str, value: float | None, rule: dict[str, Any]) -> RuleResult:
    params = {"min": rule.get("min"), "max": rule.get("max"), "value": value}
    if value is None:
        return RuleResult(name, False, f"{name}_unknown", params)
    return RuleResult(name, _within(value, rule), name, params)


def evaluate_rule(rule: dict[str, Any], facts: Facts, today: date) -> RuleResult:
    name = str(rule["rule"])
    if name == "stage":
        stage = place(facts, today).stage
        return RuleResult(name, stage in rule["in"], "stage", {"in": list(rule["in"]), "value": stage})
    if name == "months":
        return _bounded(name, facts.months(today), rule)
    if name == "sales":
        return _bounded(name, facts.sales_last_year, rule)
    if name == "sales_growth":
        growth = facts.sales_growth
        return _bounded(name, None if growth is None else round(growth, 4), rule)
    if name == "industry":
        if "in" in rule:
            return RuleResult(
                name, facts.industry in rule["in"], "industry_in", {"in": list(rule["in"]), "value": facts.industry}
            )
        excluded = facts.industry in rule["not_in"]
        return RuleResult(
            name, not excluded, "industry_not_in", {"not_in": list(rule["not_in"]), "value": facts.industry}
        )
    if name == "district":
        if facts.district is None:
            return RuleResult(name, False, "district_unknown", {"in": list(rule["in"]), "value": None})
        return RuleResult(
            name, facts.district in rule["in"], "district", {"in": list(rule["in"]), "value": facts.district}
        )
    if name == "prior_closure":
        return RuleResult(
            name, facts.prior_closure is rule["is"], "prior_closure", {"is": rule["is"], "value": facts.prior_closure}
        )
    if name == "closed":
        return RuleResult(name, facts.closed is rule["is"], "closed", {"is": rule["is"], "value": facts.closed})
    if name == "good_standing":
        standing = facts.guarantee_good_standing
        if standing is None:
            return RuleResult(name, False, "good_standing_unknown", {"is": rule["is"], "value": None})
        return RuleResult(name, standing is rule["is"], "good_standing", {"is": rule["is"], "value": standing})
    if name == "guarantee_loan":
        has = facts.guarantee_loans > 0
        return RuleResult(name, has is rule["is"], "guarantee_loan", {"is": rule["is"], "value": has})
    raise ValueError(f"unknown rule {name!r}")  # the catalogue refuses unknown rules on load


def evaluate(programme: Programme, facts: Facts, today: date) -> Eligibility:
    results = tuple(evaluate_rule(r, facts, today) for r in programme.eligibility)
    return Eligibility(programme.code, all(r.passed for r in results), results)


def sort_for_business(found: list[Eligibility]) -> list[Eligibility]:
    """Eligible programmes first, then those failing the fewest rules (the nearest misses)."""
    return sorted(found, key=lambda e: (not e.eligible, len(e.failed)))
