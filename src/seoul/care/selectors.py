"""Reads of the care service: the facilities a reader may see, a version's model, and its
evaluation (checks, each room's risk, the ranked changes), kept per version and month because a
version never changes (docs/care-interventions.md)."""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any

from seoul.care.engine import facility as engine_facility
from seoul.care.engine import interventions
from seoul.care.engine.checks import CheckResult
from seoul.care.models import Facility, FacilityVersion, UnitCostSet

MONTHS = range(1, 13)


def facilities(user: Any) -> list[tuple[Facility, FacilityVersion | None]]:
    """The facilities ``user`` may see, each with its latest version (one query for all)."""
    found = Facility.objects.visible_to(user).prefetch_related("versions")
    return [(f, max(f.versions.all(), key=lambda v: v.number, default=None)) for f in found]


def version_of(facility: Facility, number: int | None = None) -> FacilityVersion | None:
    """The facility's version ``number``, or its latest."""
    versions = facility.versions.order_by("-number")
    return versions.filter(number=number).first() if number else versions.first()


def plan(version: FacilityVersion) -> engine_facility.Facility:
    return engine_facility.parse_facility(version.document)


@functools.lru_cache(maxsize=64)
def _evaluated(document: str, month: int, costs: str) -> tuple[interventions.Evaluation, dict[str, Any]]:
    found = engine_facility.parse_facility(json.loads(document))
    unit_costs = interventions.UnitCosts(**json.loads(costs))
    done = interventions.evaluate(found, unit_costs, month=month)
    return done, done.to_dict()


def _key(version: FacilityVersion, month: int) -> tuple[str, int, str]:
    document = json.dumps(version.document, sort_keys=True, ensure_ascii=False)
    return document, month, json.dumps(dataclasses.asdict(UnitCostSet.current()), sort_keys=True)


def checks(version: FacilityVersion, month: int) -> tuple[CheckResult, ...]:
    """The design checks of the version (from its kept evaluation: not run again)."""
    return _evaluated(*_key(version, month))[0].checks_before


def evaluation(version: FacilityVersion, month: int) -> dict[str, Any]:
    """Checks before, each room's risk, the candidate changes ranked with the unit costs in force
    (about half a second for a centre of 40; kept per model, month and costs)."""
    return _evaluated(*_key(version, month))[1]


def side_by_side(version: FacilityVersion, month: int, change: str) -> dict[str, Any] | None:
    """One offered change before and after: checks, each room's risk, totals, and the plan after
    the change (None when the change is not offered for this model)."""
    done = _evaluated(*_key(version, month))[0]
    try:
        compared = done.side_by_side(change)
    except KeyError:
        return None
    before = engine_facility.parse_facility(version.document)
    chosen = done.result(change).intervention
    compared["plan_before"] = before
    compared["plan_after"] = chosen.apply(before) if chosen.changes_facility else before
    return compared
