"""Reads of the care service: the facilities a reader may see, a version's model, and its
evaluation (checks, each room's risk, the ranked changes), kept per version and month because a
version never changes (docs/care-interventions.md)."""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from collections.abc import Callable
from typing import Any

from seoul.care.engine import checks as engine_checks
from seoul.care.engine import facility as engine_facility
from seoul.care.engine import interventions
from seoul.care.engine.checks import CheckResult
from seoul.care.models import Facility, FacilityVersion, UnitCostSet
from seoul.core.models import ServiceRole, User
from seoul.core.roles import Service

MONTHS = range(1, 13)


def facilities(user: Any) -> list[tuple[Facility, FacilityVersion | None]]:
    """The facilities ``user`` may see, each with its latest version (one query for all)."""
    found = Facility.objects.visible_to(user).prefetch_related("versions")
    return [(f, max(f.versions.all(), key=lambda v: v.number, default=None)) for f in found]


def care_staff() -> Any:
    """Active staff accounts holding a role in the care service, by username."""
    holders = ServiceRole.objects.filter(service=Service.CARE).values("user_id")
    return (
        User.objects.filter(pk__in=holders, kind=User.Kind.STAFF, is_active=True)
        .select_related("institution")
        .order_by("username")
    )


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
    compared["plan_after"] = chosen.apply(before)
    return compared


# ---- one check across centres ---------------------------------------------------------------


@functools.cache
def check_titles() -> dict[str, tuple[str, str]]:
    """Each design check's id → (title, title in Korean), in ``check_ids`` order: the titles the
    checks give their results (read from a run on the example centre, once)."""
    example = engine_facility.load_facility(engine_facility.example_path())
    titles = {r.id: (r.title, r.title_ko or r.title) for r in engine_checks.run_checks(example)}
    return {cid: titles.get(cid, (cid, cid)) for cid in engine_checks.check_ids()}


def _rooms(evidence: dict[str, Any]) -> list[dict[str, Any]]:
    return list(evidence.get("rooms") or evidence.get("classrooms") or [])


def _area(evidence: dict[str, Any]) -> float | None:
    value = evidence.get("area_per_child_m2")
    return None if value is None else float(value)


def _lowest_rate(evidence: dict[str, Any]) -> float | None:
    rates = [float(r["m3h_per_person"]) for r in _rooms(evidence) if r.get("m3h_per_person") is not None]
    return min(rates, default=None)


def _highest_co2(evidence: dict[str, Any]) -> float | None:
    rooms = _rooms(evidence)
    if any(r.get("co2_ppm") is None for r in rooms):
        return math.inf  # a room without mechanical outdoor air: no steady state
    return max((float(r["co2_ppm"]) for r in rooms), default=None)


def _teachers_short(evidence: dict[str, Any]) -> float:
    return float(sum(max(0, int(r["required"]) - int(r["teachers"])) for r in _rooms(evidence)))


def _failing_rooms(evidence: dict[str, Any]) -> float:
    return float(len(evidence.get("failing_rooms") or []))


def _routes_meeting(evidence: dict[str, Any]) -> float:
    meeting = sum(len(p["violations"]) for p in evidence.get("pairs", []) if p.get("enforced"))
    return float(meeting + len(evidence.get("unreachable", [])))


def _sick_room(evidence: dict[str, Any]) -> float | None:
    return None if not evidence.get("sick_rooms") else _failing_rooms(evidence)


def _airflow_faults(evidence: dict[str, Any]) -> float:
    return float(len(evidence.get("violations") or []))


#: For each check: its key figure from the evidence, and whether a higher figure is worse.
FIGURES: dict[str, tuple[Callable[[dict[str, Any]], float | None], bool]] = {
    "area_per_child": (_area, False),  # m² of indoor area per child
    "washbasin_on_entry": (_failing_rooms, True),  # classrooms reached without a washbasin
    "route_separation": (_routes_meeting, True),  # rooms where dirty routes meet clean or users', routes missing
    "sick_room_access": (_sick_room, True),  # rooms (or ways out) crossing a class; None: no sick room
    "pressure_cascade": (_airflow_faults, True),  # rooms at the wrong pressure or against a neighbour
    "ventilation_rate": (_lowest_rate, False),  # lowest m³/h of outdoor air per person
    "co2_steady_state": (_highest_co2, True),  # highest ppm (inf: a room without outdoor-air supply)
    "teacher_ratio": (_teachers_short, True),  # teachers short of the ratio, all classes
}


@dataclasses.dataclass(frozen=True)
class CheckFigure:
    """One check of one centre, to compare centres: passed, the key figure, the summary."""

    id: str
    passed: bool
    figure: float | None
    summary: str
    summary_ko: str


def check_figure(result: CheckResult) -> CheckFigure:
    measure, _worse_high = FIGURES.get(result.id, (lambda _e: None, True))
    evidence = dict(result.evidence)
    return CheckFigure(result.id, result.passed, measure(evidence), result.summary, result.summary_ko)


def worst_first(check: str, figure: CheckFigure | None) -> tuple[int, float]:
    """Sort key of a centre by one check: failing first, then the worst figure first, centres
    without a model (or a figure) last."""
    if figure is None:
        return (2, 0.0)
    worse_high = FIGURES.get(check, (None, True))[1]
    value = figure.figure
    if value is None:  # failing without a figure (no sick room at all): the worst
        return (0, -math.inf) if not figure.passed else (1, math.inf)
    return (0 if not figure.passed else 1, -value if worse_high else value)
