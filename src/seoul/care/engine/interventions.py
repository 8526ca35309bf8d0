"""What to change first (issue 17): candidate interventions for a daycare centre, each evaluated
— design checks passed and airborne cases averted a month — and ranked by effect per won.

The issue: "for a facility, the candidate interventions (open windows on a schedule, add an air
cleaner of a given CADR, mechanical ventilation, a washbasin at the entrance, split a group, a
separate staff door, move the sick room) each evaluated — checks passed and expected cases
averted per month — and ranked by effect per won with editable unit costs; side by side before
and after."

* :func:`candidates` proposes only what is meaningful for the facility (see each ``_*``
  generator below for its rule). Every candidate is an :class:`Intervention`: an ``id``, one of
  the seven :data:`KINDS`, English and Korean titles, the room(s) it touches, its parameters,
  why it is proposed (``reason`` and ``reason_ko``, rooms by their names), its cost from
  :class:`UnitCosts`, and a **pure function Facility → Facility** (:meth:`Intervention.apply`)
  so the platform can save it as a new version of the plan — the window airing schedule too,
  as the plan's own airing rule (``Facility.airing``).
* :func:`evaluate` runs the eight checks and the rooms' airborne risks (:mod:`.rooms`) before,
  then for each candidate after — the checks again, and the risks of the rooms whose scenario
  changed, with the same random numbers per room — and ranks the candidates
  (:data:`RANKING_RULE`). :meth:`Evaluation.side_by_side` gives one candidate's before/after.
* :func:`apply` applies a candidate by id.

The engine is plain Python (no Django).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from .checks import (
    DEAD_BAND_FRACTION,
    DEAD_BAND_M3H,
    VENTILATION_M3H_PER_PERSON,
    CheckResult,
    ko_particle,
    room_graph,
    room_name,
    room_names,
    route_text,
    run_checks,
)
from .facility import (
    OUTSIDE,
    AirCleaner,
    AiringRule,
    Door,
    Facility,
    Occupancy,
    ValidationErrors,
    Ventilation,
    Washbasin,
    required_teachers,
    subtract_intervals,
    validate,
)
from .rooms import (
    AIRING_HOURLY,
    DEFAULT_SAMPLES,
    DEFAULT_SEED,
    RiskAssumptions,
    RoomRisk,
    modelled,
    opening_hours,
    room_risk,
    room_scenarios,
    scenario_key,
    total_cases_per_month,
)

#: The seven kinds of intervention of the issue: id → (English, Korean).
KINDS: dict[str, tuple[str, str]] = {
    "window_airing": ("Open windows on a schedule", "창문 정기 환기"),
    "air_cleaner": ("Add an air cleaner", "공기청정기 추가"),
    "mechanical_ventilation": ("Mechanical ventilation", "기계환기"),
    "washbasin": ("Washbasin at the entrance", "현관 세면대"),
    "split_group": ("Split a group", "반 나누기 (분반)"),
    "service_door": ("Separate staff/goods door", "별도 출입문 (교직원·물품·오물)"),
    "move_sick_room": ("Move the sick room", "양호·격리실 이전"),
}

# ---------------------------------------------------------------------------------------------
# Costs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitCosts:
    """Unit costs in won (editable). The defaults are the platform's assumptions for an existing
    single-storey centre in Seoul, not quotations; :data:`COST_BASIS` says what each covers.
    A candidate's cost for ranking is its capital cost plus ``horizon_months`` of its running
    cost (:meth:`Intervention.cost_won`)."""

    air_cleaner_won: float = 600_000.0
    air_cleaner_cadr_m3h: float = 300.0
    air_cleaner_filters_won_per_year: float = 100_000.0
    erv_won: float = 4_500_000.0
    erv_m3h: float = 350.0
    erv_running_won_per_month: float = 15_000.0
    ventilation_rebalance_won: float = 800_000.0
    washbasin_won: float = 1_500_000.0
    exterior_door_won: float = 3_000_000.0
    sick_room_move_won: float = 5_000_000.0
    window_airing_won: float = 0.0
    extra_teacher_won_per_month: float = 2_800_000.0
    horizon_months: int = 12

    def __post_init__(self) -> None:
        bad = [
            f.name
            for f in dataclasses.fields(self)
            if not math.isfinite(getattr(self, f.name)) or getattr(self, f.name) < 0
        ]
        if bad:
            raise ValueError("unit costs must be finite and ≥ 0: " + ", ".join(bad))
        if self.air_cleaner_cadr_m3h <= 0 or self.erv_m3h <= 0:
            raise ValueError("air_cleaner_cadr_m3h and erv_m3h must be > 0")

    def to_dict(self) -> dict[str, Any]:
        return {
            f.name: {
                "value": getattr(self, f.name),
                "basis": COST_BASIS.get(f.name, ""),
                "basis_ko": COST_BASIS_KO.get(f.name, ""),
            }
            for f in dataclasses.fields(self)
        }


#: What each default unit cost stands for (assumptions, to be replaced by the district's prices).
COST_BASIS: dict[str, str] = {
    "air_cleaner_won": "one commercial HEPA air cleaner of about 300 m³/h CADR (표준사용면적 ~40 m² class), bought",
    "air_cleaner_cadr_m3h": "clean-air delivery rate of that unit, m³/h",
    "air_cleaner_filters_won_per_year": "replacement HEPA and pre-filters a year per unit (running)",
    "erv_won": "one ceiling-mounted energy-recovery ventilator (전열교환기) of about 350 m³/h for one room, installed with ducts and grilles in an existing room",
    "erv_m3h": "outdoor-air supply (and equal exhaust) of that unit, m³/h",
    "erv_running_won_per_month": "filters and fan electricity per unit a month (running)",
    "ventilation_rebalance_won": "per room: a larger exhaust fan or damper change and air balancing so the room's exhaust exceeds its supply",
    "washbasin_won": "one child-height washbasin installed with water supply, hot water and drain in an existing room (minor plumbing)",
    "exterior_door_won": "a new exterior door: opening in an existing external wall, lintel, door set, finishing",
    "sick_room_move_won": "moving the sick room as minor works: swapping fit-out between two rooms, door hardware, rebalancing the air",
    "window_airing_won": "opening windows on a schedule: no equipment (heating energy is not priced)",
    "extra_teacher_won_per_month": "one more full-time 보육교사 a month, salary with the employer's social insurance (running)",
    "horizon_months": "months of running cost added to the capital cost when ranking (first-year cost)",
}
#: :data:`COST_BASIS` in Korean.
COST_BASIS_KO: dict[str, str] = {
    "air_cleaner_won": "CADR 약 300 m³/h(표준사용면적 약 40 m²급) 업무용 HEPA 공기청정기 1대 구입비",
    "air_cleaner_cadr_m3h": "그 공기청정기 1대의 청정공기 공급률(CADR), m³/h",
    "air_cleaner_filters_won_per_year": "공기청정기 1대의 연간 HEPA·프리필터 교체비 (운영비)",
    "erv_won": "한 실에 설치하는 약 350 m³/h 천장형 전열교환기 1대, 기존 실에 덕트·디퓨저 포함 설치비",
    "erv_m3h": "그 전열교환기 1대의 외기 급기량(배기량도 같음), m³/h",
    "erv_running_won_per_month": "전열교환기 1대의 월 필터·팬 전기료 (운영비)",
    "ventilation_rebalance_won": "실당: 배기량이 급기량보다 많아지도록 배기팬 교체 또는 댐퍼 조정과 풍량 조정(밸런싱)",
    "washbasin_won": "기존 실에 유아용 높이 세면대 1개 설치 (급수·온수·배수 포함, 간단한 배관 공사)",
    "exterior_door_won": "외부 출입문 신설: 기존 외벽 개구, 인방, 문틀·문짝, 마감",
    "sick_room_move_won": "양호실·격리실 이전 (간단한 개보수): 두 실의 내부 설비 맞교환, 문 철물, 급배기 재조정",
    "window_airing_won": "정해진 시간에 창문 열기: 장비 없음 (난방 에너지는 비용에 넣지 않음)",
    "extra_teacher_won_per_month": "전일제 보육교사 1명 추가의 월 인건비 (사업주 부담 사회보험료 포함, 운영비)",
    "horizon_months": "순위를 매길 때 설치비에 더하는 운영비 개월 수 (첫해 비용)",
}

# ---------------------------------------------------------------------------------------------
# Interventions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intervention:
    """A candidate change. ``transform`` is a pure function Facility → Facility: the plan after
    the change."""

    id: str
    kind: str
    title: str
    title_ko: str
    rooms: tuple[str, ...]
    parameters: Mapping[str, Any]
    reason: str
    capital_won: float
    running_won_per_month: float
    cost_basis: str
    transform: Callable[[Facility], Facility] = field(repr=False, compare=False)
    #: :attr:`reason` and :attr:`cost_basis` in Korean (rooms by their names, as in English).
    reason_ko: str = ""
    cost_basis_ko: str = ""

    @property
    def kind_title(self) -> str:
        return KINDS[self.kind][0] if self.kind in KINDS else self.kind

    @property
    def kind_title_ko(self) -> str:
        return KINDS[self.kind][1] if self.kind in KINDS else self.kind

    def cost_won(self, horizon_months: int) -> float:
        """Capital cost plus ``horizon_months`` of running cost."""
        return float(self.capital_won + self.running_won_per_month * horizon_months)

    def apply(self, facility: Facility) -> Facility:
        return self.transform(facility)

    def to_dict(self, horizon_months: int = 12) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "kind_title": self.kind_title,
            "kind_title_ko": self.kind_title_ko,
            "title": self.title,
            "title_ko": self.title_ko,
            "rooms": list(self.rooms),
            "parameters": _jsonable(dict(self.parameters)),
            "reason": self.reason,
            "reason_ko": self.reason_ko,
            "capital_won": round(self.capital_won),
            "running_won_per_month": round(self.running_won_per_month),
            "cost_won": round(self.cost_won(horizon_months)),
            "cost_basis": self.cost_basis,
            "cost_basis_ko": self.cost_basis_ko,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    if isinstance(value, np.floating):
        return _jsonable(float(value))
    if isinstance(value, np.integer):
        return int(value)
    return value


def _won(x: float) -> str:
    return f"{x:,.0f} won"


def _won_ko(x: float) -> str:
    return f"{x:,.0f}원"


#: How the failing check behind a candidate is named in its reason (English).
_CHECK_NAMES = {
    "washbasin_on_entry": "the washbasin check",
    "route_separation": "the separation check",
    "pressure_cascade": "the airflow-direction check",
    "sick_room_access": "the sick-room check",
}


def _failed_check(check: CheckResult) -> tuple[str, str]:
    """The reason of a candidate proposed because ``check`` fails, in English and Korean."""
    name = _CHECK_NAMES.get(check.id, f"the {check.title.lower()} check")
    return (
        f"{name[:1].upper()}{name[1:]} fails: {check.summary}",
        f"‘{check.title_ko}’ 기준을 충족하지 못합니다. {check.summary_ko}",
    )


def _clock(hours: float) -> str:
    minutes = round(hours * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# ---- helpers on the plan ----------------------------------------------------------------------

#: The clean-air target of the air-cleaner and ventilation candidates: 5 air changes an hour of
#: clean air (outdoor air + filtered air), US CDC, "Ventilation in Buildings" (2023).
CLEAN_AIR_TARGET_ACH = 5.0
#: A classroom is crowded below 4 m² of floor per occupant: one person per 2 m × 2 m square, the
#: 2 m distance of Korea's distancing rules (사람 간 2 m 거리두기) — the platform's reading.
CROWDED_M2_PER_PERSON = 4.0
#: Rooms a sick room can move to: rooms without children's daily use or plumbing needs.
SICK_ROOM_TARGET_USES = ("staff_office", "storage")
#: Rooms a sick child should not be carried through on the way out: the hand-over space every
#: family uses and the children's rooms.
SICK_EXIT_AVOID_USES = ("entrance", "classroom", "playroom")
MIN_SICK_ROOM_M2 = 6.0
SERVICE_DOOR_WIDTH_M = 0.9
GOODS_DOOR_WIDTH_M = 1.0


def _clean_air_m3h(facility: Facility, room_id: str, assumptions: RiskAssumptions) -> float:
    """Outdoor-air supply + air cleaners' CADR + infiltration (m³/h); windows not counted."""
    room = facility.room(room_id)
    vent = facility.ventilation_by_room.get(room_id)
    supply = vent.supply_m3h if vent else 0.0
    return supply + facility.air_cleaning_m3h(room_id) + assumptions.infiltration_ach * (room.volume_m3 or 0.0)


def _risk_proxy(facility: Facility, room_id: str, assumptions: RiskAssumptions) -> float:
    """Children × other occupants ÷ clean air: proportional to a well-mixed room's expected cases a
    month (the chance an infectious child is there grows with the children, the cases with the
    others, the dose falls with the clean air). Used only to pick the room where one more unit of
    air does most, without running the model."""
    occ = facility.occupancy_by_room[room_id]
    q = _clean_air_m3h(facility, room_id, assumptions)
    return occ.children_total * (occ.persons - 1) / q if q > 0 else math.inf


def _child_rooms(facility: Facility) -> list[str]:
    return [room.id for room in facility.rooms if modelled(facility, room) is not None]


def _exterior_point(facility: Facility, room_id: str, width: float) -> tuple[float, float] | None:
    """The middle of the longest stretch of a room's exterior wall, when at least ``width`` long."""
    exterior = facility.exterior_boundary(room_id)
    if exterior.is_empty or exterior.length + 1e-6 < width:
        return None
    parts = list(exterior.geoms) if hasattr(exterior, "geoms") else [exterior]
    longest = max(parts, key=lambda p: p.length)
    point = longest.interpolate(0.5, normalized=True)
    return (round(float(point.x), 4), round(float(point.y), 4))


def _unique_id(existing: set[str], base: str) -> str:
    if base not in existing:
        return base
    k = 2
    while f"{base}_{k}" in existing:
        k += 1
    return f"{base}_{k}"


def _derive(facility: Facility, **changes: Any) -> Facility:
    """``dataclasses.replace`` that keeps the derived geometry (exterior walls, door points) when
    the rooms are the same: it depends on the rooms' outlines and the wall tolerance only."""
    new = dataclasses.replace(facility, **changes)
    if new.rooms == facility.rooms and new.wall_tolerance_m == facility.wall_tolerance_m:
        new._cache.update(facility._cache)
    return new


def _valid(facility: Facility) -> bool:
    return not validate(facility)


# ---- 1. washbasin -----------------------------------------------------------------------------


def _washbasin(facility: Facility, checks: Mapping[str, CheckResult], costs: UnitCosts) -> list[Intervention]:
    """A washbasin where the washbasin check suggests one (its cut: the room nearest the door
    that closes every route in), or in an entrance that has none."""
    rooms: list[str] = []
    check = checks.get("washbasin_on_entry")
    if check is not None and not check.passed:
        for entry in check.evidence.get("classrooms", []):
            for room_id in entry.get("suggested_cut", []) or []:
                if room_id not in rooms:
                    rooms.append(room_id)
    reason, reason_ko = _failed_check(check) if check is not None and not check.passed else ("", "")
    if not rooms:
        rooms = [r.id for r in facility.rooms_of("entrance") if r.id not in facility.washbasin_rooms]
        reason = (
            f"{room_names(facility, rooms)} {'has' if len(rooms) == 1 else 'have'} no washbasin: hands are washed "
            "on arrival, before joining the class."
        )
        reason_ko = (
            f"{room_names(facility, rooms, ko=True)}에 세면대가 없습니다. 등원한 아이는 반에 들어가기 전에 손을 씻어야 "
            "합니다."
        )
    if not rooms:
        return []
    ids = {b.id for b in facility.washbasins}
    new = []
    for room_id in rooms:
        basin_id = _unique_id(ids, f"wb_{room_id}")
        ids.add(basin_id)
        new.append(Washbasin(room_id, 1, facility.room_point(room_id), basin_id))
    added = tuple(new)

    def transform(f: Facility) -> Facility:
        return _derive(f, washbasins=(*f.washbasins, *added))

    names = ", ".join(facility.room(r).name for r in rooms)
    return [
        Intervention(
            id="washbasin:" + "+".join(rooms),
            kind="washbasin",
            title=f"Washbasin in {names}",
            title_ko=f"{names}에 세면대 설치",
            rooms=tuple(rooms),
            parameters={"rooms": rooms, "count_per_room": 1},
            reason=reason,
            reason_ko=reason_ko,
            capital_won=costs.washbasin_won * len(rooms),
            running_won_per_month=0.0,
            cost_basis=f"{len(rooms)} × washbasin {_won(costs.washbasin_won)}",
            cost_basis_ko=f"세면대 {len(rooms)}개 × {_won_ko(costs.washbasin_won)}",
            transform=transform,
        )
    ]


# ---- 2. separate service door -------------------------------------------------------------------


def _service_door(facility: Facility, checks: Mapping[str, CheckResult], costs: UnitCosts) -> list[Intervention]:
    """When the separation check fails: an exterior door of its own for each kitchen (goods) and
    laundry (waste; without a laundry, the wet rooms) that lacks one, and goods and waste taken off
    the doors of the entrance and of the children's rooms."""
    check = checks.get("route_separation")
    if check is None or check.passed:
        return []
    new_doors: list[Door] = []
    ids = {d.id for d in facility.doors}

    def served(room_id: str, user: str) -> bool:
        doors = (*facility.doors, *new_doors)
        return any(OUTSIDE in d.rooms and room_id in d.rooms and user in d.users for d in doors)

    def add(room_id: str, user: str, width: float) -> bool:
        if served(room_id, user):
            return True
        point = _exterior_point(facility, room_id, width)
        if point is None:
            return False
        door_id = _unique_id(ids, f"{room_id}_service")
        ids.add(door_id)
        new_doors.append(Door(door_id, (room_id, OUTSIDE), width, frozenset({"staff", user}), position=point))
        return True

    kitchens = facility.rooms_of("kitchen")
    goods_added = [add(k.id, "goods", GOODS_DOOR_WIDTH_M) for k in kitchens]  # every kitchen, no short cut
    goods_ok = bool(goods_added) and all(goods_added)
    waste_rooms = facility.rooms_of("laundry") or facility.rooms_of("toilet", "washroom")
    waste_ok = False
    for room in waste_rooms:  # one waste door is enough: the wet rooms reach it through the corridor
        if add(room.id, "waste", SERVICE_DOOR_WIDTH_M):
            waste_ok = True
            break
    if not new_doors:
        return []
    strip = {user for user, ok in (("goods", goods_ok), ("waste", waste_ok)) if ok}
    guarded = {r.id for r in facility.rooms_of("entrance", "classroom", "playroom", "sick_room")}
    added = tuple(new_doors)

    def transform(f: Facility) -> Facility:
        doors = []
        for d in f.doors:
            if guarded.intersection(d.rooms) and d.users & strip and d.users - strip:
                d = dataclasses.replace(d, users=frozenset(d.users - strip))
            doors.append(d)
        return _derive(f, doors=(*doors, *added))

    rooms = tuple(d.rooms[0] for d in added)
    names, names_ko = room_names(facility, rooms), room_names(facility, rooms, ko=True)
    title, title_ko = f"Separate exterior door for {names}", f"{names_ko} 전용 외부 출입문 신설"
    if strip:
        entrances = [r.id for r in facility.rooms_of("entrance")]
        off = room_names(facility, entrances) if entrances else "the entrance"
        off_ko = room_names(facility, entrances, ko=True) if entrances else "현관"
        what = " and ".join(u for u in ("goods", "waste") if u in strip)
        title += f"; {what} off {off}"
        title_ko += f", {off_ko}{ko_particle(off_ko, '은', '는')} 영유아·보호자·교직원 전용"
    reason, reason_ko = _failed_check(check)
    return [
        Intervention(
            id="service_door:" + "+".join(rooms),
            kind="service_door",
            title=title,
            title_ko=title_ko,
            rooms=rooms,
            parameters={
                "doors": [
                    {"id": d.id, "room": d.rooms[0], "users": sorted(d.users), "width_m": d.width_m} for d in added
                ],
                "removed_from_entrance_and_child_rooms": sorted(strip),
            },
            reason=reason,
            reason_ko=reason_ko,
            capital_won=costs.exterior_door_won * len(added),
            running_won_per_month=0.0,
            cost_basis=f"{len(added)} × exterior door {_won(costs.exterior_door_won)}",
            cost_basis_ko=f"외부 출입문 {len(added)}개 × {_won_ko(costs.exterior_door_won)}",
            transform=transform,
        )
    ]


# ---- 3. mechanical ventilation ------------------------------------------------------------------


def _margin(flow: float) -> float:
    return max(20.0, 0.1 * flow)


def _sign(supply: float, exhaust: float) -> int:
    """The pressure sign the airflow check gives a room (net flow outside its dead band)."""
    net = supply - exhaust
    band = max(DEAD_BAND_M3H, DEAD_BAND_FRACTION * max(supply, exhaust))
    return 1 if net > band else -1 if net < -band else 0


def _rebalance(facility: Facility, checks: Mapping[str, CheckResult], costs: UnitCosts) -> list[Intervention]:
    """When the airflow-direction check fails: the exhaust of each dirty room or sick room that is
    not at negative pressure raised above its supply (by max(20 m³/h, 10 %)); a clean room not
    above a dirty neighbour gets its supply raised above its exhaust the same way."""
    check = checks.get("pressure_cascade")
    if check is None or check.passed:
        return []
    changes: dict[str, tuple[float, float]] = {}
    violations = list(check.evidence.get("violations", []))
    for v in violations:
        room_id = v["room"]
        supply, exhaust = _supply_exhaust(facility, room_id)
        if "neighbour" in v or _sign(supply, exhaust) < 0 or room_id in changes:
            continue
        if supply > 0:
            exhaust = max(exhaust, supply + _margin(supply))
        else:
            exhaust = max(exhaust, 50.0, 2.0 * (facility.room(room_id).volume_m3 or 0.0))
        changes[room_id] = (supply, round(exhaust, 1))
    for v in violations:
        other = v.get("neighbour")
        if other is None or other in changes:
            continue
        supply, exhaust = _supply_exhaust(facility, other)
        if _sign(supply, exhaust) >= 0:
            continue  # once the dirty or sick room is negative, a neutral or positive neighbour is above it
        changes[other] = (round(max(supply, exhaust + _margin(exhaust)), 1), exhaust)
    if not changes:
        return []

    def transform(f: Facility) -> Facility:
        kept = [v for v in f.ventilation if v.room not in changes]
        updated = [Ventilation(room, s, e) for room, (s, e) in changes.items()]
        return _derive(f, ventilation=(*kept, *updated))

    rooms = tuple(changes)
    names = room_names(facility, rooms)
    reason, reason_ko = _failed_check(check)
    return [
        Intervention(
            id="ventilation_rebalance:" + "+".join(rooms),
            kind="mechanical_ventilation",
            title=f"Rebalance the ventilation of {names} (exhaust above supply in dirty rooms)",
            title_ko=f"{names} 급배기 재조정 (오염실 음압)",
            rooms=rooms,
            parameters={
                "rooms": {
                    room: {"supply_m3h": s, "exhaust_m3h": e, "was": _flows(facility, room)}
                    for room, (s, e) in changes.items()
                }
            },
            reason=reason,
            reason_ko=reason_ko,
            capital_won=costs.ventilation_rebalance_won * len(rooms),
            running_won_per_month=0.0,
            cost_basis=f"{len(rooms)} × rebalancing {_won(costs.ventilation_rebalance_won)}",
            cost_basis_ko=f"급배기 재조정 {len(rooms)}개 실 × {_won_ko(costs.ventilation_rebalance_won)}",
            transform=transform,
        )
    ]


def _supply_exhaust(facility: Facility, room_id: str) -> tuple[float, float]:
    vent = facility.ventilation_by_room.get(room_id)
    return (vent.supply_m3h, vent.exhaust_m3h) if vent else (0.0, 0.0)


def _flows(facility: Facility, room_id: str) -> dict[str, float]:
    supply, exhaust = _supply_exhaust(facility, room_id)
    return {"supply_m3h": supply, "exhaust_m3h": exhaust}


def _below_rate(facility: Facility, room_id: str, entry: Mapping[str, Any] | None) -> tuple[str, str]:
    """Why a room needs more outdoor air: the ventilation check's figure, in English and Korean."""
    name, name_ko = room_name(facility, room_id), room_name(facility, room_id, ko=True)
    rate = f"{VENTILATION_M3H_PER_PERSON:g} m³/h"
    if entry is None:
        return (
            f"{name} gets less than {rate} of outdoor air per person.",
            f"{name_ko}의 1인당 외기 공급량이 기준 {rate}에 미달합니다.",
        )
    got = f"{entry['m3h_per_person']:g} m³/h"
    return (
        f"{name} gets {got} of outdoor air per person, below the required {rate}.",
        f"{name_ko}의 1인당 외기 공급량({got})이 기준 {rate}에 미달합니다.",
    )


def _most_exposed(facility: Facility, room_id: str) -> tuple[str, str]:
    """Why the room of the highest risk proxy gets a unit, in English and Korean."""
    name, name_ko = room_name(facility, room_id), room_name(facility, room_id, ko=True)
    return (
        f"{name} has the most occupants per unit of clean air: the highest airborne risk of the centre.",
        f"{name_ko}의 재실 인원 대비 청정 공기량이 가장 적어, 원내에서 공기 감염 위험이 가장 높습니다.",
    )


def _erv(
    facility: Facility, checks: Mapping[str, CheckResult], costs: UnitCosts, assumptions: RiskAssumptions
) -> list[Intervention]:
    """Energy-recovery ventilators (balanced: supply and exhaust rise together, the pressure
    stays as it was): in each child room below the 36 m³/h-per-person rule (sized to meet it),
    and one unit in the room with the highest risk proxy (:func:`_risk_proxy`)."""
    failing: set[str] = set()
    check = checks.get("ventilation_rate")
    if check is not None and not check.passed:
        failing = set(check.evidence.get("failing_rooms", []))
    out: list[Intervention] = []
    targets: list[tuple[str, int, tuple[str, str]]] = []
    for room_id in _child_rooms(facility):
        if room_id in failing:
            entry = next(r for r in check.evidence["rooms"] if r["room"] == room_id) if check else None
            deficit = (entry["required_m3h"] - entry["supply_m3h"]) if entry else costs.erv_m3h
            units = max(1, math.ceil(deficit / costs.erv_m3h - 1e-9))
            targets.append((room_id, units, _below_rate(facility, room_id, entry)))
    rooms = _child_rooms(facility)
    if rooms:
        worst = max(rooms, key=lambda r: _risk_proxy(facility, r, assumptions))
        if worst not in {t[0] for t in targets}:
            targets.append((worst, 1, _most_exposed(facility, worst)))
    for room_id, units, (why, why_ko) in targets:
        extra = units * costs.erv_m3h

        def transform(f: Facility, room_id: str = room_id, extra: float = extra) -> Facility:
            old = f.ventilation_by_room.get(room_id)
            new = Ventilation(
                room_id, (old.supply_m3h if old else 0.0) + extra, (old.exhaust_m3h if old else 0.0) + extra
            )
            kept = [v for v in f.ventilation if v.room != room_id]
            return _derive(f, ventilation=(*kept, new))

        name = facility.room(room_id).name
        out.append(
            Intervention(
                id=f"erv:{room_id}",
                kind="mechanical_ventilation",
                title=f"Energy-recovery ventilation in {name} (+{extra:g} m³/h outdoor air)",
                title_ko=f"{name} 전열교환기 설치 (외기 +{extra:g} m³/h)",
                rooms=(room_id,),
                parameters={
                    "units": units,
                    "added_supply_m3h": extra,
                    "added_exhaust_m3h": extra,
                    "was": _flows(facility, room_id),
                },
                reason=why,
                reason_ko=why_ko,
                capital_won=costs.erv_won * units,
                running_won_per_month=costs.erv_running_won_per_month * units,
                cost_basis=f"{units} × ERV {_won(costs.erv_won)} + {_won(costs.erv_running_won_per_month)} a month each",
                cost_basis_ko=(
                    f"전열교환기 {units}대 × {_won_ko(costs.erv_won)} + 대당 월 {_won_ko(costs.erv_running_won_per_month)}"
                ),
                transform=transform,
            )
        )
    return out


# ---- 4. air cleaners ------------------------------------------------------------------------------


def _air_cleaner(facility: Facility, costs: UnitCosts, assumptions: RiskAssumptions) -> list[Intervention]:
    """Air cleaners of ``costs.air_cleaner_cadr_m3h``: in each child room without one, or whose
    clean air (outdoor air + CADR + infiltration) is below 5 air changes an hour (enough units to
    reach it); otherwise one unit in the room with the highest risk proxy."""
    targets: list[tuple[str, int, tuple[str, str]]] = []
    rooms = _child_rooms(facility)
    for room_id in rooms:
        volume = facility.room(room_id).volume_m3 or 0.0
        clean = _clean_air_m3h(facility, room_id, assumptions)
        deficit = CLEAN_AIR_TARGET_ACH * volume - clean
        has = facility.air_cleaning_m3h(room_id) > 0
        if not has or deficit > 0:
            units = max(1, math.ceil(max(deficit, 0.0) / costs.air_cleaner_cadr_m3h - 1e-9))
            name, name_ko = room_name(facility, room_id), room_name(facility, room_id, ko=True)
            if not has:
                reasons = (f"{name} has no air cleaner.", f"{name_ko}에 공기청정기가 없습니다.")
            else:
                ach, target = f"{clean / volume:.1f}", f"{CLEAN_AIR_TARGET_ACH:g}"
                reasons = (
                    f"The clean air of {name} is {ach} air changes an hour, below {target}.",
                    f"{name_ko}의 청정 공기 환기횟수(시간당 {ach}회)가 기준 시간당 {target}회에 미달합니다.",
                )
            targets.append((room_id, units, reasons))
    if rooms:
        worst = max(rooms, key=lambda r: _risk_proxy(facility, r, assumptions))
        if worst not in {t[0] for t in targets}:
            targets.append((worst, 1, _most_exposed(facility, worst)))
    out = []
    ids = {a.id for a in facility.air_cleaners}
    for room_id, units, (why, why_ko) in targets:
        cleaner_id = _unique_id(ids, f"ac_{room_id}_added")
        cleaner = AirCleaner(room_id, costs.air_cleaner_cadr_m3h, units, cleaner_id)

        def transform(f: Facility, cleaner: AirCleaner = cleaner) -> Facility:
            return _derive(f, air_cleaners=(*f.air_cleaners, cleaner))

        name = facility.room(room_id).name
        cadr = costs.air_cleaner_cadr_m3h
        out.append(
            Intervention(
                id=f"air_cleaner:{room_id}",
                kind="air_cleaner",
                title=f"{units} air cleaner{'s' if units > 1 else ''} of {cadr:g} m³/h CADR in {name}",
                title_ko=f"{name}에 공기청정기 {units}대 추가 (CADR {cadr:g} m³/h)",
                rooms=(room_id,),
                parameters={"units": units, "cadr_m3h": cadr, "was_cadr_m3h": facility.air_cleaning_m3h(room_id)},
                reason=why,
                reason_ko=why_ko,
                capital_won=costs.air_cleaner_won * units,
                running_won_per_month=costs.air_cleaner_filters_won_per_year * units / 12.0,
                cost_basis=f"{units} × air cleaner {_won(costs.air_cleaner_won)} + filters {_won(costs.air_cleaner_filters_won_per_year)} a year each",
                cost_basis_ko=(
                    f"공기청정기 {units}대 × {_won_ko(costs.air_cleaner_won)} + 대당 연간 필터 "
                    f"{_won_ko(costs.air_cleaner_filters_won_per_year)}"
                ),
                transform=transform,
            )
        )
    return out


# ---- 5. window airing ----------------------------------------------------------------------------


def _window_airing(
    facility: Facility, costs: UnitCosts, assumptions: RiskAssumptions, month: int
) -> list[Intervention]:
    """Ten minutes of airing every hour in every child room with windows whose windows are used
    less this month (closed, or periodic airings less often). Applied, it becomes the facility's
    own airing rule for those rooms in every month they are aired less than that (not in the
    months they are assumed open while occupied)."""
    opening = opening_hours(facility)
    target = AIRING_HOURLY.open_share(opening)

    def weaker(room_id: str, m: int) -> bool:
        return assumptions.airing(room_id, m, facility).open_share(opening) < target - 1e-9

    months = {
        room_id: tuple(m for m in range(1, 13) if weaker(room_id, m))
        for room_id in _child_rooms(facility)
        if facility.windows_of(room_id) and weaker(room_id, month)
    }
    if not months:
        return []
    rooms = list(months)
    before = sorted({assumptions.airing(r, month, facility).describe() for r in rooms})
    was_ko = " / ".join(sorted({assumptions.airing(r, month, facility).describe_ko() for r in rooms}))
    names, names_ko = room_names(facility, rooms), room_names(facility, rooms, ko=True)
    every_month = sorted(set(itertools.chain.from_iterable(months.values())))

    def transform(f: Facility) -> Facility:
        kept = []
        for rule in f.airing:
            left = tuple(m for m in rule.months if m not in months.get(rule.room, ()))
            if left:
                kept.append(dataclasses.replace(rule, months=left))
        added = [AiringRule(room_id, AIRING_HOURLY, ms) for room_id, ms in months.items()]
        return _derive(f, airing=(*kept, *added))

    return [
        Intervention(
            id="windows:hourly",
            kind="window_airing",
            title="Air every room where children stay 10 minutes every hour",
            title_ko="영유아가 머무는 모든 실 매시 10분 창문 환기",
            rooms=tuple(rooms),
            parameters={"airing": AIRING_HOURLY.describe(), "was": before, "months": every_month},
            reason=(
                f"Window airing this month in {names}: {' / '.join(before)}, less than {AIRING_HOURLY.describe()}; "
                f"the rule applies in months {_months(every_month)}."
            ),
            reason_ko=(
                f"이번 달 {names_ko}의 창문 환기는 ‘{was_ko}’{ko_particle(was_ko, '으로', '로')} "
                f"{AIRING_HOURLY.describe_ko()} 환기보다 적습니다. 규칙은 {_months(every_month, ko=True)}에 적용합니다."
            ),
            capital_won=costs.window_airing_won,
            running_won_per_month=0.0,
            cost_basis=f"no equipment ({_won(costs.window_airing_won)}); an operating rule kept with the plan",
            cost_basis_ko=f"장비 없음 ({_won_ko(costs.window_airing_won)}): 도면과 함께 두는 운영 규칙",
            transform=transform,
        )
    ]


def _months(months: Sequence[int], *, ko: bool = False) -> str:
    """Months as ranges: ``1–3, 11–12`` (``1–3월, 11–12월`` in Korean)."""
    runs: list[list[int]] = []
    for m in months:
        if runs and m == runs[-1][-1] + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    suffix = "월" if ko else ""
    return ", ".join(f"{r[0]}{suffix}" if len(r) == 1 else f"{r[0]}–{r[-1]}{suffix}" for r in runs)


# ---- 6. split a group ------------------------------------------------------------------------------


def _halves(children: tuple[tuple[str, int], ...]) -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]:
    a: list[tuple[str, int]] = []
    b: list[tuple[str, int]] = []
    stay_first = True
    for age, n in children:
        big, small = (n + 1) // 2, n // 2
        if n % 2 and not stay_first:
            big, small = small, big
        if n % 2:
            stay_first = not stay_first
        if big:
            a.append((age, big))
        if small:
            b.append((age, small))
    return tuple(a), tuple(b)


def _split_group(facility: Facility, costs: UnitCosts) -> list[Intervention]:
    """For each crowded classroom (under 4 m² per occupant) when there is a playroom that can hold
    half of it at 4 m² per occupant: half the class moves to the playroom for the class's hours,
    each half with the teachers its ratio requires (an extra teacher when needed). The playroom's
    own sessions go on: the half class uses it outside them. When a session does not already
    count the class's children the playroom is not free for the class (a crowded infant class
    does not join the older children's sessions), and no split is offered."""
    playrooms = facility.rooms_of("playroom")
    if not playrooms:
        return []
    playroom = max(playrooms, key=lambda r: r.area_m2)
    sessions_before = facility.occupancy_of(playroom.id)
    taken = sorted(interval for occ in sessions_before for interval in occ.presence)
    out = []
    for room in facility.rooms_of("classroom"):
        occ = facility.occupancy_by_room.get(room.id)
        if occ is None or occ.children_total < 4 or room.area_m2 / occ.persons >= CROWDED_M2_PER_PERSON:
            continue
        stay, move = _halves(occ.children)
        t_stay = max(1, required_teachers(dict(stay)))
        t_move = max(1, required_teachers(dict(move)))
        persons_moved = sum(n for _, n in move) + t_move
        if playroom.area_m2 / persons_moved < CROWDED_M2_PER_PERSON:
            continue
        extra = max(0, t_stay + t_move - occ.teachers)
        t_stay = max(t_stay, occ.teachers - t_move)
        stay_occ = dataclasses.replace(occ, children=stay, teachers=t_stay, teachers_given=True)
        own_hours = subtract_intervals(occ.presence, taken)
        if not all(_counts(s, move) for s in sessions_before) or not own_hours:
            continue
        move_occ = Occupancy(
            room=playroom.id,
            children=move,
            teachers=t_move,
            teachers_given=True,
            other_adults=0,
            presence=own_hours,
            children_met=occ.children_met,
            adults_met=occ.adults_met,
        )

        def transform(
            f: Facility,
            stay_occ: Occupancy = stay_occ,
            playroom_entries: tuple[Occupancy, ...] = (*sessions_before, move_occ),
        ) -> Facility:
            first = next((i for i, o in enumerate(f.occupancy) if o.room == playroom.id), None)
            out_occ: list[Occupancy] = []
            for i, o in enumerate(f.occupancy):
                if o.room == stay_occ.room:
                    out_occ.append(stay_occ)
                elif o.room != playroom.id:
                    out_occ.append(o)
                elif i == first:
                    out_occ.extend(playroom_entries)  # the playroom's entries where its first one was
            if first is None:
                out_occ.extend(playroom_entries)
            return _derive(f, occupancy=tuple(out_occ))

        per_person, limit = f"{room.area_m2 / occ.persons:.1f} m²", f"{CROWDED_M2_PER_PERSON:g} m²"
        reason = f"{room.name} is crowded: {per_person} per occupant, below {limit}"
        reason_ko = f"{room.name}의 1인당 면적이 {per_person}로 기준 {limit}보다 좁습니다."
        if sessions_before:
            hours = ", ".join(f"{_clock(s)}–{_clock(e)}" for s, e in taken)
            reason += (
                f"; the half class uses {playroom.name} outside its shared sessions ({hours}), which it already "
                "takes part in"
            )
            reason_ko += f" 나눈 반은 이미 참여하는 {playroom.name} 공동 활동({hours}) 외의 시간에 {playroom.name}{ko_particle(playroom.name, '을', '를')} 씁니다."
        out.append(
            Intervention(
                id=f"split:{room.id}",
                kind="split_group",
                title=f"Split {room.name}: half the class in {playroom.name}",
                title_ko=f"{room.name} 분반: 절반은 {playroom.name}에서 보육",
                rooms=(room.id, playroom.id),
                parameters={
                    "stays": dict(stay),
                    "moves": dict(move),
                    "to": playroom.id,
                    "teachers": [t_stay, t_move],
                    "extra_teachers": extra,
                    "m2_per_person_before": round(room.area_m2 / occ.persons, 2),
                },
                reason=reason + ".",
                reason_ko=reason_ko,
                capital_won=0.0,
                running_won_per_month=costs.extra_teacher_won_per_month * extra,
                cost_basis=f"{extra} extra teacher(s) × {_won(costs.extra_teacher_won_per_month)} a month",
                cost_basis_ko=f"보육교사 {extra}명 추가 × 월 {_won_ko(costs.extra_teacher_won_per_month)}",
                transform=transform,
            )
        )
    return out


def _counts(session: Occupancy, children: tuple[tuple[str, int], ...]) -> bool:
    """Whether a session already counts these children (as many of each age group)."""
    have = session.children_by_age
    return all(have.get(age, 0) >= n for age, n in children)


# ---- 7. move the sick room ----------------------------------------------------------------------


def _sick_exit(facility: Facility, sick_id: str) -> tuple[list[str] | None, float]:
    graph = room_graph(facility, ("children",))
    try:
        path = [str(n) for n in nx.shortest_path(graph, sick_id, OUTSIDE, weight="weight")]
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return None, math.inf
    length = float(sum(graph[a][b]["weight"] for a, b in itertools.pairwise(path)))
    return path, length


def _crossed(facility: Facility, path: Sequence[str] | None) -> list[str]:
    if path is None:
        return []
    return [n for n in path[1:-1] if facility.room(n).use in SICK_EXIT_AVOID_USES]


def _swap_places(f: Facility, a: str, b: str) -> Facility:
    """Rooms ``a`` and ``b`` exchange places: each id (with its use, name, occupancy, ventilation
    and portable air cleaners — what follows the function) moves to the other's outline; doors,
    windows and washbasins (what is built in) stay where they are and now belong to the other id."""

    def other(x: str) -> str:
        return b if x == a else a if x == b else x

    ra, rb = f.room(a), f.room(b)
    rooms = []
    for r in f.rooms:
        if r.id == a:
            r = dataclasses.replace(r, polygon=rb.polygon, ceiling_height_m=rb.ceiling_height_m)
        elif r.id == b:
            r = dataclasses.replace(r, polygon=ra.polygon, ceiling_height_m=ra.ceiling_height_m)
        rooms.append(r)
    doors = tuple(dataclasses.replace(d, rooms=(other(d.rooms[0]), other(d.rooms[1]))) for d in f.doors)
    windows = tuple(dataclasses.replace(w, room=other(w.room)) for w in f.windows)
    basins = tuple(dataclasses.replace(w, room=other(w.room)) for w in f.washbasins)
    return dataclasses.replace(f, rooms=tuple(rooms), doors=doors, windows=windows, washbasins=basins)


def _move_sick_room(facility: Facility, checks: Mapping[str, CheckResult], costs: UnitCosts) -> list[Intervention]:
    """When the sick-room check fails, or the sick child's way out crosses the entrance or a
    children's room: the sick room exchanges places with a staff office or storage room (at
    least 6 m² and half the sick room's area) whose way out does not, the shortest such. The
    children (and, through an exterior door, the parents collecting them) may use the new sick
    room's doors; an exterior door is added when the new place has an exterior wall but no door;
    the washbasin is re-installed when the new place has none."""
    sick_rooms = facility.rooms_of("sick_room")
    if len(sick_rooms) != 1:
        return []
    sick = sick_rooms[0]
    check = checks.get("sick_room_access")
    path, length = _sick_exit(facility, sick.id)
    crossed = _crossed(facility, path)
    failing = check is not None and not check.passed
    if not failing and not crossed:
        return []
    best: tuple[float, Intervention] | None = None
    for target in facility.rooms_of(*SICK_ROOM_TARGET_USES):
        if target.outdoor or target.area_m2 < max(MIN_SICK_ROOM_M2, 0.5 * sick.area_m2):
            continue
        had_basin = sick.id in facility.washbasin_rooms
        # Build once to see whether it helps; the transform rebuilds it from any version.
        probe = _sick_move_transform(facility, sick.id, target.id, had_basin)
        moved = probe(facility)
        if not _valid(moved):
            continue
        new_path, new_length = _sick_exit(moved, sick.id)
        if new_path is None or _crossed(moved, new_path):
            continue
        added_door = len(moved.doors) > len(facility.doors)
        added_basin = len(moved.washbasins) > len(facility.washbasins)
        capital = (
            costs.sick_room_move_won
            + (costs.exterior_door_won if added_door else 0.0)
            + (costs.washbasin_won if added_basin else 0.0)
        )
        basis = [f"minor works {_won(costs.sick_room_move_won)}"]
        basis_ko = [f"간단한 개보수 공사 {_won_ko(costs.sick_room_move_won)}"]
        if added_door:
            basis.append(f"exterior door {_won(costs.exterior_door_won)}")
            basis_ko.append(f"외부 출입문 {_won_ko(costs.exterior_door_won)}")
        if added_basin:
            basis.append(f"washbasin {_won(costs.washbasin_won)}")
            basis_ko.append(f"세면대 {_won_ko(costs.washbasin_won)}")
        if failing and check is not None:
            why, why_ko = _failed_check(check)
        else:
            through, through_ko = room_names(facility, crossed), room_names(facility, crossed, ko=True)
            walk = f"{length:.0f} m"
            why = f"The sick child is taken out through {through} ({route_text(facility, path or [])}, {walk})."
            why_ko = (
                f"아픈 아이가 바깥으로 나갈 때 {through_ko}{ko_particle(through_ko, '을', '를')} 지나갑니다 "
                f"({route_text(facility, path or [], ko=True)}, {walk}). 아픈 아이는 현관이나 아이들이 지내는 실을 "
                "거치지 않고 나갈 수 있어야 합니다."
            )
        candidate = Intervention(
            id=f"move_sick_room:{target.id}",
            kind="move_sick_room",
            title=f"Move the sick room ({sick.name}) to the place of {target.name}",
            title_ko=f"{sick.name}{ko_particle(sick.name, '을', '를')} {target.name} 자리로 이전",
            rooms=(sick.id, target.id),
            parameters={
                "swap_with": target.id,
                "exit_before": {"path": path, "walk_m": round(length, 1)},
                "exit_after": {"path": new_path, "walk_m": round(new_length, 1)},
                "exterior_door_added": added_door,
                "washbasin_added": added_basin,
            },
            reason=why,
            reason_ko=why_ko,
            capital_won=capital,
            running_won_per_month=0.0,
            cost_basis=" + ".join(basis),
            cost_basis_ko=" + ".join(basis_ko),
            transform=probe,
        )
        if best is None or new_length < best[0]:
            best = (new_length, candidate)
    return [best[1]] if best is not None else []


def _sick_move_transform(
    facility: Facility, sick_id: str, target_id: str, had_basin: bool
) -> Callable[[Facility], Facility]:
    def transform(f: Facility) -> Facility:
        moved = _swap_places(f, sick_id, target_id)
        ids = {d.id for d in moved.doors}
        doors = []
        for d in moved.doors:
            if sick_id in d.rooms:
                extra = {"children", "parents"} if OUTSIDE in d.rooms else {"children"}
                d = dataclasses.replace(d, users=frozenset(d.users | extra))
            doors.append(d)
        if not any(OUTSIDE in d.rooms and sick_id in d.rooms for d in doors):
            point = _exterior_point(moved, sick_id, SERVICE_DOOR_WIDTH_M)
            if point is not None:
                doors.append(
                    Door(
                        _unique_id(ids, f"{sick_id}_out"),
                        (sick_id, OUTSIDE),
                        SERVICE_DOOR_WIDTH_M,
                        frozenset({"children", "parents", "staff"}),
                        position=point,
                    )
                )
        basins = moved.washbasins
        if had_basin and sick_id not in moved.washbasin_rooms:
            basin_ids = {b.id for b in basins}
            basins = (*basins, Washbasin(sick_id, 1, None, _unique_id(basin_ids, f"wb_{sick_id}")))
        return _derive(moved, doors=tuple(doors), washbasins=basins)

    return transform


# ---- all of them --------------------------------------------------------------------------------


def candidates(
    facility: Facility,
    costs: UnitCosts | None = None,
    *,
    month: int = 1,
    assumptions: RiskAssumptions | None = None,
    checks: Sequence[CheckResult] | None = None,
    check_valid: bool = True,
) -> list[Intervention]:
    """The meaningful candidate interventions for ``facility`` (each transform checked to give a
    valid facility unless ``check_valid`` is false — :func:`evaluate` checks them itself), in a
    fixed order: washbasin, service door, ventilation rebalancing, ERV, air
    cleaners, window airing, splits, moving the sick room."""
    c = costs if costs is not None else UnitCosts()
    a = assumptions if assumptions is not None else RiskAssumptions()
    results = list(checks) if checks is not None else run_checks(facility)
    by_id = {r.id: r for r in results}
    found = [
        *_washbasin(facility, by_id, c),
        *_service_door(facility, by_id, c),
        *_rebalance(facility, by_id, c),
        *_erv(facility, by_id, c, a),
        *_air_cleaner(facility, c, a),
        *_window_airing(facility, c, a, month),
        *_split_group(facility, c),
        *_move_sick_room(facility, by_id, c),
    ]
    out = []
    seen: set[str] = set()
    for item in found:
        if item.id in seen:
            continue
        if check_valid and not _valid(item.apply(facility)):
            continue
        seen.add(item.id)
        out.append(item)
    return out


# ---------------------------------------------------------------------------------------------
# Evaluation and ranking
# ---------------------------------------------------------------------------------------------

#: How candidates are ranked, as a daycare director would be told.
RANKING_RULE = (
    "1. Changes that make the centre pass a design check it now fails (and break none), cheapest "
    "first — these are requirements of the guideline, and the cheapest way to meet one comes first. "
    "2. Changes that reduce airborne infections without touching the checks, by expected cases "
    "averted a month per million won (free changes first, by cases averted). "
    "3. Changes with no measurable effect (no check fixed, and fewer than 0.01 cases averted a month "
    "or fewer than twice their Monte-Carlo standard error). "
    "4. Changes that make a check fail, last. "
    "Cost = capital + 12 months of running cost (editable). Both effects stay visible on every line: "
    "the checks fixed and the cases averted."
)
RANKING_RULE_KO = (
    "1. 현재 불합격인 설계 기준을 합격시키는 개선 (다른 기준을 깨지 않는 것) — 비용이 낮은 순. "
    "2. 기준과 무관하게 공기 감염을 줄이는 개선 — 100만 원당 월 예상 감염 감소가 큰 순 (무비용 우선). "
    "3. 측정 가능한 효과가 없는 개선. 4. 다른 기준을 불합격시키는 개선은 맨 뒤. "
    "비용 = 설치비 + 12개월 운영비."
)
#: Below this many cases averted a month (one case in about eight years) an effect counts as none.
MIN_EFFECT_CASES_PER_MONTH = 0.01
TIERS = {1: "fixes_check", 2: "reduces_cases", 3: "no_measurable_effect", 4: "breaks_check"}
#: The tiers as a reader is told them: (English, Korean).
TIER_TITLES = {
    1: ("Fixes a failed check", "불합격 기준 해소"),
    2: ("Reduces airborne infections", "공기 감염 감소"),
    3: ("No measurable effect", "측정 가능한 효과 없음"),
    4: ("Makes a check fail", "다른 기준을 불합격시킴"),
}


@dataclass(frozen=True)
class RoomChange:
    room: str
    before: RoomRisk | None
    after: RoomRisk | None

    def to_dict(self) -> dict[str, Any]:
        b = self.before.expected_cases_per_month if self.before else 0.0
        a = self.after.expected_cases_per_month if self.after else 0.0
        named = self.after or self.before
        return {
            "room": self.room,
            "name": named.name if named is not None else self.room,
            "expected_cases_per_month_before": round(b, 5),
            "expected_cases_per_month_after": round(a, 5),
            "averted_per_month": round(b - a, 5),
            "p_infection_percent_before": round(self.before.p_infection_percent, 4) if self.before else None,
            "p_infection_percent_after": round(self.after.p_infection_percent, 4) if self.after else None,
            "before": self.before.to_dict() if self.before else None,
            "after": self.after.to_dict() if self.after else None,
        }


@dataclass(frozen=True)
class CandidateResult:
    intervention: Intervention
    valid: bool
    errors: tuple[tuple[str, str], ...]
    checks_after: Mapping[str, bool]
    checks_newly_passed: tuple[str, ...]
    checks_newly_failed: tuple[str, ...]
    cases_per_month_before: float
    cases_per_month_after: float
    cases_averted_per_month: float
    cases_averted_std_error: float
    cost_won: float
    rooms: tuple[RoomChange, ...]
    tier: int = 0
    rank: int = 0

    @property
    def significant(self) -> bool:
        """At least :data:`MIN_EFFECT_CASES_PER_MONTH` averted and more than twice the (paired)
        Monte-Carlo standard error."""
        return (
            self.cases_averted_per_month >= MIN_EFFECT_CASES_PER_MONTH
            and self.cases_averted_per_month > 2.0 * self.cases_averted_std_error
        )

    @property
    def cases_averted_per_million_won(self) -> float | None:
        """Cases averted a month per million won; ``None`` for a free change."""
        return self.cases_averted_per_month / (self.cost_won / 1e6) if self.cost_won > 0 else None

    @property
    def won_per_check_fixed(self) -> float | None:
        return self.cost_won / len(self.checks_newly_passed) if self.checks_newly_passed else None

    def to_dict(self, horizon_months: int = 12) -> dict[str, Any]:
        per_million = self.cases_averted_per_million_won
        per_check = self.won_per_check_fixed
        return {
            "rank": self.rank,
            "tier": self.tier,
            "tier_name": TIERS.get(self.tier, ""),
            "tier_title": TIER_TITLES.get(self.tier, ("", ""))[0],
            "tier_title_ko": TIER_TITLES.get(self.tier, ("", ""))[1],
            **self.intervention.to_dict(horizon_months),
            "valid": self.valid,
            "errors": [list(e) for e in self.errors],
            "checks_newly_passed": list(self.checks_newly_passed),
            "checks_newly_failed": list(self.checks_newly_failed),
            "checks_after": dict(self.checks_after),
            "cases_per_month_before": round(self.cases_per_month_before, 5),
            "cases_per_month_after": round(self.cases_per_month_after, 5),
            "cases_averted_per_month": round(self.cases_averted_per_month, 5),
            "cases_averted_std_error": round(self.cases_averted_std_error, 6),
            "significant": self.significant,
            "cases_averted_per_million_won": round(per_million, 6) if per_million is not None else None,
            "won_per_check_fixed": round(per_check) if per_check is not None else None,
            "rooms": [r.to_dict() for r in self.rooms],
        }


@dataclass(frozen=True)
class Evaluation:
    facility: str
    month: int
    virus: str
    samples: int
    seed: int
    costs: UnitCosts
    assumptions: RiskAssumptions
    checks_before: tuple[CheckResult, ...]
    rooms_before: tuple[RoomRisk, ...]
    cases_per_month_before: float
    results: tuple[CandidateResult, ...]

    @property
    def failed_before(self) -> list[str]:
        return [c.id for c in self.checks_before if not c.passed]

    def ranking(self) -> list[str]:
        """Candidate ids in rank order."""
        return [r.intervention.id for r in self.results]

    def result(self, intervention_id: str) -> CandidateResult:
        for r in self.results:
            if r.intervention.id == intervention_id:
                return r
        raise KeyError(f"no candidate {intervention_id!r}; candidates: {', '.join(self.ranking())}")

    def side_by_side(self, intervention_id: str) -> dict[str, Any]:
        """One candidate's before and after: every check, every modelled room, the totals."""
        r = self.result(intervention_id)
        rooms_after = {c.room: c for c in r.rooms}
        rows = []
        for before in self.rooms_before:
            change = rooms_after.get(before.room)
            after = change.after if change is not None else before
            rows.append(_room_row(before.room, before, after))
        for room_id, change in rooms_after.items():
            if change.before is None:
                rows.append(_room_row(room_id, None, change.after))
        return {
            "intervention": r.intervention.to_dict(self.costs.horizon_months),
            "checks": [
                {
                    "id": c.id,
                    "title": c.title,
                    "title_ko": c.title_ko,
                    "summary_before": c.summary,
                    "summary_before_ko": c.summary_ko,
                    "before": c.passed,
                    "after": r.checks_after.get(c.id, c.passed),
                }
                for c in self.checks_before
            ],
            "rooms": rows,
            "totals": {
                "checks_failed_before": self.failed_before,
                "checks_failed_after": [c for c, ok in r.checks_after.items() if not ok],
                "cases_per_month_before": round(r.cases_per_month_before, 5),
                "cases_per_month_after": round(r.cases_per_month_after, 5),
                "cases_averted_per_month": round(r.cases_averted_per_month, 5),
                "cases_averted_std_error": round(r.cases_averted_std_error, 6),
                "cost_won": round(r.cost_won),
            },
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "facility": self.facility,
            "month": self.month,
            "virus": self.virus,
            "samples": self.samples,
            "seed": self.seed,
            "ranking_rule": RANKING_RULE,
            "ranking_rule_ko": RANKING_RULE_KO,
            "checks_before": [
                {
                    "id": c.id,
                    "title": c.title,
                    "title_ko": c.title_ko,
                    "passed": c.passed,
                    "summary": c.summary,
                    "summary_ko": c.summary_ko,
                }
                for c in self.checks_before
            ],
            "failed_before": self.failed_before,
            "rooms_before": [r.to_dict() for r in self.rooms_before],
            "cases_per_month_before": round(self.cases_per_month_before, 5),
            "ranking": [r.to_dict(self.costs.horizon_months) for r in self.results],
            "costs": self.costs.to_dict(),
            "assumptions": self.assumptions.to_dict(),
        }


def _room_row(room_id: str, before: RoomRisk | None, after: RoomRisk | None) -> dict[str, Any]:
    def figures(r: RoomRisk | None) -> dict[str, Any] | None:
        if r is None:
            return None
        return {
            "children": r.children,
            "adults": r.adults,
            "airing": r.airing,
            "airing_ko": r.airing_ko,
            "mean_air_changes_per_hour": round(r.mean_air_changes_per_hour, 3),
            "p_infection_percent": round(r.p_infection_percent, 4),
            "expected_cases_given_infectious": round(r.expected_cases_given_infectious, 5),
            "expected_cases_per_month": round(r.expected_cases_per_month, 5),
        }

    b = before.expected_cases_per_month if before else 0.0
    a = after.expected_cases_per_month if after else 0.0
    named = after or before
    return {
        "room": room_id,
        "name": named.name if named is not None else room_id,
        "before": figures(before),
        "after": figures(after),
        "averted_per_month": round(b - a, 5),
    }


def _sort_key(r: CandidateResult) -> tuple[Any, ...]:
    if r.tier == 1:
        return (1, r.cost_won, -r.cases_averted_per_month, r.intervention.id)
    if r.tier == 2:
        per = r.cases_averted_per_million_won
        return (2, 0 if per is None else 1, -(per if per is not None else r.cases_averted_per_month), r.intervention.id)
    return (r.tier, r.cost_won, r.intervention.id)


def _tier(r: CandidateResult) -> int:
    if not r.valid or r.checks_newly_failed:
        return 4
    if r.checks_newly_passed:
        return 1
    if r.significant:
        return 2
    return 3


def rank(results: Sequence[CandidateResult]) -> list[CandidateResult]:
    """Ranks evaluated candidates by :data:`RANKING_RULE` (sets ``tier`` and ``rank``)."""
    tiered = [dataclasses.replace(r, tier=_tier(r)) for r in results]
    ordered = sorted(tiered, key=_sort_key)
    return [dataclasses.replace(r, rank=i + 1) for i, r in enumerate(ordered)]


def evaluate(
    facility: Facility,
    costs: UnitCosts | None = None,
    *,
    month: int = 1,
    virus: str = "Omicron",
    samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    assumptions: RiskAssumptions | None = None,
    interventions: Sequence[Intervention] | None = None,
) -> Evaluation:
    """Checks and room risks before; for each candidate (``interventions``, or
    :func:`candidates`) the checks and the risks after, the cases averted a month with their
    paired standard error, and the ranking. Rooms whose scenario a candidate does not change keep
    their figures exactly; a changed room is re-run with its own seed (common random numbers)."""
    c = costs if costs is not None else UnitCosts()
    a = assumptions if assumptions is not None else RiskAssumptions()
    checks_before = run_checks(facility)
    passed_before = {r.id: r.passed for r in checks_before}
    scenarios_before = room_scenarios(facility, month=month, virus=virus, samples=samples, seed=seed, assumptions=a)
    risks_before = {
        room_id: room_risk(facility, room_id, groups, assumptions=a, month=month)
        for room_id, groups in scenarios_before.items()
    }
    keys_before = {room_id: scenario_key(groups) for room_id, groups in scenarios_before.items()}
    total_before = total_cases_per_month(list(risks_before.values()))
    items = (
        list(interventions)
        if interventions is not None
        else candidates(facility, c, month=month, assumptions=a, checks=checks_before)
    )
    cache: dict[tuple[str, str, int, str], RoomRisk] = {}
    evaluated: list[CandidateResult] = []
    for item in items:
        evaluated.append(
            _evaluate_one(
                facility,
                item,
                c,
                a,
                month=month,
                virus=virus,
                samples=samples,
                seed=seed,
                checks_before=checks_before,
                passed_before=passed_before,
                risks_before=risks_before,
                keys_before=keys_before,
                total_before=total_before,
                cache=cache,
            )
        )
    return Evaluation(
        facility=facility.name,
        month=month,
        virus=virus,
        samples=samples,
        seed=seed,
        costs=c,
        assumptions=a,
        checks_before=tuple(checks_before),
        rooms_before=tuple(risks_before.values()),
        cases_per_month_before=total_before,
        results=tuple(rank(evaluated)),
    )


def _evaluate_one(
    facility: Facility,
    item: Intervention,
    costs: UnitCosts,
    assumptions: RiskAssumptions,
    *,
    month: int,
    virus: str,
    samples: int,
    seed: int,
    checks_before: Sequence[CheckResult],
    passed_before: Mapping[str, bool],
    risks_before: Mapping[str, RoomRisk],
    keys_before: Mapping[str, str],
    total_before: float,
    cache: dict[tuple[str, str, int, str], RoomRisk],
) -> CandidateResult:
    cost = item.cost_won(costs.horizon_months)
    errors: list[tuple[str, str]] = []
    after = facility
    checks_after = dict(passed_before)
    try:
        after = item.apply(facility)
        checks_after = {r.id: r.passed for r in run_checks(after)}  # validates first
    except ValidationErrors as exc:
        errors = list(exc.errors)
    except (ValueError, KeyError) as exc:  # a transform that cannot apply to this facility
        errors = [("", str(exc))]
    if errors:
        return CandidateResult(
            intervention=item,
            valid=False,
            errors=tuple(errors),
            checks_after=dict(passed_before),
            checks_newly_passed=(),
            checks_newly_failed=(),
            cases_per_month_before=total_before,
            cases_per_month_after=total_before,
            cases_averted_per_month=0.0,
            cases_averted_std_error=0.0,
            cost_won=cost,
            rooms=(),
        )
    newly_passed = tuple(k for k, ok in checks_after.items() if ok and not passed_before.get(k, False))
    newly_failed = tuple(k for k, ok in checks_after.items() if not ok and passed_before.get(k, True))
    scenarios_after = room_scenarios(
        after, month=month, virus=virus, samples=samples, seed=seed, assumptions=assumptions
    )
    changes: list[RoomChange] = []
    variance = 0.0
    delta = 0.0
    for room_id in [*risks_before, *(r for r in scenarios_after if r not in risks_before)]:
        before = risks_before.get(room_id)
        groups = scenarios_after.get(room_id)
        if groups is None:
            after_risk = None
        else:
            key = scenario_key(groups)
            occ = after.occupancy_by_room[room_id]
            airing = assumptions.airing(room_id, month, after).describe()
            if (
                before is not None
                and key == keys_before.get(room_id)
                and occ.children_total == before.children
                and airing == before.airing
            ):
                continue  # unchanged room: exactly the same figures
            cache_key = (room_id, key, occ.children_total, airing)
            if cache_key not in cache:
                cache[cache_key] = room_risk(after, room_id, groups, assumptions=assumptions, month=month)
            after_risk = cache[cache_key]
        changes.append(RoomChange(room_id, before, after_risk))
        b_month = before.case_samples * before.monthly_factor if before is not None else None
        a_month = after_risk.case_samples * after_risk.monthly_factor if after_risk is not None else None
        if b_month is not None and a_month is not None and len(b_month) == len(a_month):
            diff = b_month - a_month  # paired: the same room's seed, the same draws
        else:
            diff = b_month if b_month is not None else -a_month if a_month is not None else np.zeros(1)
        delta += float(diff.mean())
        if len(diff) > 1:
            variance += float(diff.var(ddof=1)) / len(diff)
    total_after = total_before - delta
    return CandidateResult(
        intervention=item,
        valid=True,
        errors=(),
        checks_after=checks_after,
        checks_newly_passed=newly_passed,
        checks_newly_failed=newly_failed,
        cases_per_month_before=total_before,
        cases_per_month_after=total_after,
        cases_averted_per_month=delta,
        cases_averted_std_error=math.sqrt(variance),
        cost_won=cost,
        rooms=tuple(changes),
    )


def apply(
    facility: Facility,
    intervention_id: str,
    costs: UnitCosts | None = None,
    *,
    month: int = 1,
    assumptions: RiskAssumptions | None = None,
) -> Facility:
    """The facility with the candidate ``intervention_id`` (of :func:`candidates`) applied: a new
    version of the plan. An operating rule (the window airing schedule) leaves the plan as it is —
    its effect lives in the risk assumptions (:meth:`Intervention.assumptions_after`). Raises
    ``KeyError`` for an id that is not a candidate of this facility."""
    for item in candidates(facility, costs, month=month, assumptions=assumptions):
        if item.id == intervention_id:
            return item.apply(facility)
    known = ", ".join(i.id for i in candidates(facility, costs, month=month, assumptions=assumptions))
    raise KeyError(f"no candidate {intervention_id!r} for this facility; candidates: {known}")


__all__ = [
    "CLEAN_AIR_TARGET_ACH",
    "COST_BASIS",
    "COST_BASIS_KO",
    "CROWDED_M2_PER_PERSON",
    "KINDS",
    "MIN_EFFECT_CASES_PER_MONTH",
    "RANKING_RULE",
    "RANKING_RULE_KO",
    "TIERS",
    "TIER_TITLES",
    "CandidateResult",
    "Evaluation",
    "Intervention",
    "RoomChange",
    "UnitCosts",
    "apply",
    "candidates",
    "evaluate",
    "rank",
]
