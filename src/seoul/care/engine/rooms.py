"""Airborne infection risk per room of a daycare centre (issue 17): a :class:`~.facility.Facility`
mapped onto the airborne scenario contract (:mod:`.scenario`, CAiMIRA's model in :mod:`.airborne`),
run room by room, and turned into expected cases per month.

The issue asks for "airborne risk per room with a validated model — inputs from the model:
volume, windows with the month's outdoor temperatures for Seoul, air cleaners, occupants and
their activity; virus and variant; masks. Outputs: probability of infection of an exposed
occupant, expected new cases, with the Monte-Carlo spread". Here:

* :func:`room_scenarios` maps every room where children stay onto scenario dicts of the contract
  (one per exposed class of occupant, see below). Volume = floor area × ceiling height; the
  room's windows (sliding/hinged, their height, opening and count) on the month's airing
  schedule; mechanical outdoor-air supply as ``mechanical``; air cleaners as ``hepa`` with their
  CADR; a background infiltration ``ach``; one infectious child of the room; everyone else in the
  room exposed; presence from the occupancy.
* :func:`room_risks` runs them and gives each room's probability of infection of an exposed
  occupant, the expected new cases given one infectious child present, their Monte-Carlo spread,
  and the **expected cases per month** = P(at least one infectious child attends on a day) ×
  E[new cases | one infectious child] × attendance days a month.

**Why a room has several scenarios.** The contract has one exposed population with one activity
and one mask; a classroom holds children (unmasked, at least under 만2세) and teachers (masked
during an epidemic, by default). A room therefore gets one scenario per exposed class
(``"children"``, ``"children_masked"``, ``"adults"``), all with the same infectious child, the
same ventilation and the **same seed**. With the same seed the draws of the infectious child's
viral load, viable fraction and exhalation rate are the same in every group, so the groups'
per-sample probabilities can be added into the room's per-sample expected cases.

**Common random numbers.** A room's seed is derived from the run's seed and the room's id only
(:func:`room_seed`), so the same room gets the same draws before and after a change to the
facility: a change that does not alter a room's scenario gives exactly the same figures, and a
change that does gives a difference free of Monte-Carlo noise between two independent runs (the
paired per-sample differences are reported with their own standard error).

Every assumption (airing schedule, infiltration, activities, masks, prevalence, attendance) is
a field of :class:`RiskAssumptions` with its basis; ``docs/care-interventions.md`` lists them.
The engine is plain Python (no Django).
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import airborne
from .facility import AGE_GROUPS, Airing, Facility, Occupancy, Room
from .scenario import EXPIRATION_NAMES, parse_scenario

#: Monte-Carlo samples per scenario by default. The example centre (7 rooms, 13 scenarios) runs
#: in about 90 ms and its whole evaluation with 9 candidates in about 0.6 s
#: (``benchmarks/care_interventions.py``); the standard error of a room's expected cases is 1–2 %
#: of the mean at this size, and differences before/after are paired (common random numbers), so
#: far more precise than that. 5,000 and 100,000 samples give the same ranking on the example.
DEFAULT_SAMPLES = 20_000
DEFAULT_SEED = 20_210_017

# ---------------------------------------------------------------------------------------------
# Window airing
# ---------------------------------------------------------------------------------------------

#: 질병관리청 「슬기로운 환기 수칙」 제3탄 (March 2024, as reported by medicaldaily.co.kr 2024-03-06
#: and kormedi.com; the release itself was not at hand): cross-ventilate every 2 hours for 10
#: minutes or more — already the advice with air conditioning (중앙방역대책본부 2020; 질병관리청
#: card of 2021-07-26 on korea.kr). It replaced the 2021 「슬기로운 환기 지침」 minimum of three
#: airings of 10 minutes a day (a periodic airing with ``per_day=3``; Seoul's 생활방역수칙 page
#: still gives that one).
AIRING_EVERY_2H = Airing(
    "periodic",
    minutes=10.0,
    every_h=2.0,
    label="10 min every 2 h (질병관리청 슬기로운 환기 수칙, 2024)",
    label_ko="2시간마다 10분 (질병관리청 「슬기로운 환기 수칙」, 2024)",
)
#: Windows open whenever the room is occupied (the same guidance: where natural ventilation is
#: possible, keep windows open).
AIRING_OPEN = Airing("open", label="open while occupied", label_ko="재실 중 창문 상시 개방")
#: The "open windows on a schedule" intervention: ten minutes every hour during opening hours
#: (CAiMIRA's calculator offers the same periodic opening).
AIRING_HOURLY = Airing("periodic", minutes=10.0, every_h=1.0)


def default_airing() -> dict[int, Airing]:
    """The platform's assumption of how windows are used by month where the facility gives no
    airing rule of its own: in the heating season (November–March) and with air conditioning
    (July–August), 10 minutes every 2 hours (:data:`AIRING_EVERY_2H`); April–June and
    September–October, open while occupied."""
    out: dict[int, Airing] = {}
    for month in (11, 12, 1, 2, 3, 7, 8):
        out[month] = AIRING_EVERY_2H
    for month in (4, 5, 6, 9, 10):
        out[month] = AIRING_OPEN
    return dict(sorted(out.items()))


# ---------------------------------------------------------------------------------------------
# Occupants
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OccupantProfile:
    """What the occupants of a room of a given use do: the children's and the adults' activity
    (the contract's names, CAiMIRA's breathing rates) and the infectious child's expiration mix."""

    child_activity: str
    adult_activity: str
    expiration: Mapping[str, float]
    basis: str = ""
    basis_ko: str = ""


def default_profiles() -> dict[str, OccupantProfile]:
    """Activity and expiration by room use (the platform's choice, from CAiMIRA's presets)."""
    return {
        "classroom": OccupantProfile(
            "Light activity",
            "Light activity",
            {"Breathing": 5.0, "Speaking": 5.0},
            "CAiMIRA calculator preset 'primary-school' (Light activity; breathing 5 / speaking 5)",
            "CAiMIRA 계산기의 'primary-school'(초등학교) 설정: 가벼운 활동, 호흡 5 : 말하기 5",
        ),
        "playroom": OccupantProfile(
            "Moderate activity",
            "Light activity",
            {"Breathing": 1.0, "Speaking": 1.0},
            "children at active play: CAiMIRA preset 'workshop' (Moderate activity; breathing 1 / speaking 1); "
            "supervising adults at Light activity",
            "활발하게 노는 영유아: CAiMIRA의 'workshop'(작업장) 설정(보통 강도 활동, 호흡 1 : 말하기 1); "
            "지도하는 성인은 가벼운 활동",
        ),
        "sick_room": OccupantProfile(
            "Seated",
            "Standing",
            {"Breathing": 1.0},
            "a resting child: CAiMIRA preset 'library' (Seated; breathing only); the attending adult Standing",
            "쉬고 있는 아이: CAiMIRA의 'library'(도서관) 설정(앉아 있음, 호흡만); 돌보는 성인은 서 있음",
        ),
    }


#: Children below this age group are never masked, whatever ``child_mask`` says: Korean guidance
#: does not recommend masks for children under 24 months (만2세 미만), who cannot take one off.
MASK_MIN_AGE = "age2"

MASK_NAMES = tuple(airborne.MASKS)
ACTIVITY_NAMES = tuple(airborne.ACTIVITIES)
VIRUS_NAMES = tuple(airborne.VIRUSES)

#: The contract's activities, masks and the exposed groups as a reader is told them: name →
#: (English, Korean).
ACTIVITY_TITLES: dict[str, tuple[str, str]] = {
    "Seated": ("seated", "앉아 있음"),
    "Standing": ("standing", "서 있음"),
    "Light activity": ("light activity", "가벼운 활동"),
    "Moderate activity": ("moderate activity", "보통 강도 활동"),
    "Heavy exercise": ("heavy exercise", "격한 운동"),
}
MASK_TITLES: dict[str, tuple[str, str]] = {
    "none": ("no mask", "마스크 없음"),
    "Type I": ("surgical mask (Type I)", "수술용(덴탈) 마스크 (Type I)"),
    "FFP2": ("FFP2 respirator", "FFP2 마스크 (KF94급)"),
    "Cloth": ("cloth mask", "면 마스크"),
}
GROUP_TITLES: dict[str, tuple[str, str]] = {
    "children": ("children", "영유아"),
    "children_masked": ("children wearing masks", "마스크를 쓴 영유아"),
    "adults": ("adults (teachers and staff)", "성인 (보육교사·교직원)"),
}


def _title(titles: Mapping[str, tuple[str, str]], key: str, ko: bool) -> str:
    names = titles.get(key)
    return names[1 if ko else 0] if names else key


@dataclass(frozen=True)
class RiskAssumptions:
    """Every assumption of the room mapping and of the monthly figure, editable.

    Defaults and their basis (also in ``docs/care-interventions.md``):

    * ``airing_by_month``: :func:`default_airing` (질병관리청 guidance as the platform reads it),
      for the months a room has no airing rule of the facility's own (``Facility.airing``);
      ``room_airing`` overrides both for some rooms (to ask "what if").
    * ``infiltration_ach`` 0.25 h⁻¹ always: what CAiMIRA's calculator adds to every room
      (its data registry, ``ventilation.infiltration_ventilation``).
    * Mechanical ventilation and air cleaners run during the centre's opening hours (the span of
      all occupancies), the platform's assumption.
    * ``inside_temp_k`` 293.15 K (20 °C, as the CO₂ check); humidity 0.3 in the heating months
      (November–March) and 0.5 otherwise (CAiMIRA's ``humidity_with_heating`` /
      ``humidity_without_heating``).
    * ``profiles``: :func:`default_profiles`; a use without a profile takes the classroom's.
    * ``child_mask`` ``"none"``: children are not masked (WHO/UNICEF advise that children aged 5
      and under should not be required to wear masks; under 만2세 never, :data:`MASK_MIN_AGE`).
      ``adult_mask`` ``"Type I"``: teachers wear surgical-type masks, the epidemic situation the
      S-돌봄 guideline plans for (set ``"none"`` for an ordinary season).
    * Prevalence among children, CAiMIRA's formula ``P = daily cases × infectious days ×
      ascertainment bias / population``: 20 reported cases a day per 100,000 (an assumption for a
      low-to-moderate season — enter the current KDCA figure), 7 infectious days (the isolation
      period of a confirmed COVID-19 case in Korea 2022–2023), ascertainment bias 5 (the value
      hard-coded in earlier CAiMIRA code): 0.7 %. ``prevalence_override`` replaces the formula.
    * ``attendance_days_per_month`` 21: weekdays a month (365.25 × 5/7 / 12 ≈ 21.7) less about
      one weekday public holiday, rounded.
    """

    airing_by_month: Mapping[int, Airing] = field(default_factory=default_airing)
    room_airing: Mapping[str, Airing] = field(default_factory=dict)
    infiltration_ach: float = 0.25
    inside_temp_k: float = 293.15
    heating_months: frozenset[int] = frozenset({11, 12, 1, 2, 3})
    humidity_heating: float = 0.3
    humidity_otherwise: float = 0.5
    profiles: Mapping[str, OccupantProfile] = field(default_factory=default_profiles)
    child_mask: str = "none"
    adult_mask: str = "Type I"
    daily_cases_per_100k: float = 20.0
    infectious_days: float = 7.0
    ascertainment_bias: float = 5.0
    prevalence_override: float | None = None
    attendance_days_per_month: float = 21.0

    def __post_init__(self) -> None:
        problems: list[str] = []
        for name in ("child_mask", "adult_mask"):
            if getattr(self, name) not in MASK_NAMES:
                problems.append(f"{name} must be one of {', '.join(MASK_NAMES)}")
        for use, profile in self.profiles.items():
            for who in ("child_activity", "adult_activity"):
                if getattr(profile, who) not in ACTIVITY_NAMES:
                    problems.append(f"profiles[{use!r}].{who} must be one of {', '.join(ACTIVITY_NAMES)}")
            if not profile.expiration or any(k not in EXPIRATION_NAMES for k in profile.expiration):
                problems.append(f"profiles[{use!r}].expiration must map {', '.join(EXPIRATION_NAMES)} to weights")
        if set(self.airing_by_month) != set(range(1, 13)):
            problems.append("airing_by_month must give an Airing for each month 1–12")
        if self.infiltration_ach < 0:
            problems.append("infiltration_ach must be ≥ 0")
        if not 0 <= self.humidity_heating <= 1 or not 0 <= self.humidity_otherwise <= 1:
            problems.append("humidity is a fraction between 0 and 1")
        if self.prevalence_override is not None and not 0 <= self.prevalence_override <= 1:
            problems.append("prevalence_override is a probability between 0 and 1")
        if min(self.daily_cases_per_100k, self.infectious_days, self.ascertainment_bias) < 0:
            problems.append("daily cases, infectious days and ascertainment bias must be ≥ 0")
        if not 0 <= self.attendance_days_per_month <= 31:
            problems.append("attendance_days_per_month must be between 0 and 31")
        if problems:
            raise ValueError("invalid risk assumptions: " + "; ".join(problems))

    @property
    def prevalence(self) -> float:
        """Probability that a given attending child is infectious on a given day."""
        if self.prevalence_override is not None:
            return float(self.prevalence_override)
        p = self.daily_cases_per_100k / 100_000.0 * self.infectious_days * self.ascertainment_bias
        return min(max(p, 0.0), 1.0)

    def airing(self, room_id: str, month: int, facility: Facility | None = None) -> Airing:
        """How a room's windows are used in a month: an override of :attr:`room_airing`, else
        the facility's own airing rule for the month, else :attr:`airing_by_month`."""
        if room_id in self.room_airing:
            return self.room_airing[room_id]
        own = facility.airing_of(room_id, month) if facility is not None else None
        return own if own is not None else self.airing_by_month[month]

    def humidity(self, month: int) -> float:
        return self.humidity_heating if month in self.heating_months else self.humidity_otherwise

    def profile(self, use: str) -> OccupantProfile:
        return self.profiles.get(use) or self.profiles.get("classroom") or default_profiles()["classroom"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "airing_by_month": {str(m): a.describe() for m, a in sorted(self.airing_by_month.items())},
            "airing_by_month_ko": {str(m): a.describe_ko() for m, a in sorted(self.airing_by_month.items())},
            "room_airing": {r: a.describe() for r, a in sorted(self.room_airing.items())},
            "room_airing_ko": {r: a.describe_ko() for r, a in sorted(self.room_airing.items())},
            "infiltration_ach": self.infiltration_ach,
            "inside_temp_k": self.inside_temp_k,
            "heating_months": sorted(self.heating_months),
            "humidity_heating": self.humidity_heating,
            "humidity_otherwise": self.humidity_otherwise,
            "profiles": {
                use: {
                    "child_activity": p.child_activity,
                    "adult_activity": p.adult_activity,
                    "expiration": dict(p.expiration),
                    "basis": p.basis,
                    "basis_ko": p.basis_ko,
                }
                for use, p in sorted(self.profiles.items())
            },
            "child_mask": self.child_mask,
            "child_mask_title": _title(MASK_TITLES, self.child_mask, False),
            "child_mask_title_ko": _title(MASK_TITLES, self.child_mask, True),
            "child_mask_min_age": MASK_MIN_AGE,
            "child_mask_min_age_ko": AGE_GROUPS.get(MASK_MIN_AGE, MASK_MIN_AGE),
            "adult_mask": self.adult_mask,
            "adult_mask_title": _title(MASK_TITLES, self.adult_mask, False),
            "adult_mask_title_ko": _title(MASK_TITLES, self.adult_mask, True),
            "daily_cases_per_100k": self.daily_cases_per_100k,
            "infectious_days": self.infectious_days,
            "ascertainment_bias": self.ascertainment_bias,
            "prevalence_override": self.prevalence_override,
            "prevalence": round(self.prevalence, 6),
            "attendance_days_per_month": self.attendance_days_per_month,
        }


# ---------------------------------------------------------------------------------------------
# The mapping
# ---------------------------------------------------------------------------------------------


def room_seed(seed: int, room_id: str) -> int:
    """The seed of a room's scenarios: a function of the run's seed and the room's id only, so a
    room keeps its random numbers across versions of the facility (common random numbers)."""
    state = np.random.SeedSequence([int(seed), zlib.crc32(room_id.encode("utf-8"))]).generate_state(1, dtype=np.uint64)
    return int(state[0] >> np.uint64(1))


def opening_hours(facility: Facility) -> tuple[float, float]:
    """The centre's opening hours: from the earliest to the latest presence of any occupancy
    (07:30–19:30 when there is none)."""
    intervals = [interval for occ in facility.occupancy for interval in occ.presence]
    if not intervals:
        return (7.5, 19.5)
    return (min(s for s, _ in intervals), max(e for _, e in intervals))


def sessions(facility: Facility, room: Room) -> tuple[Occupancy, ...]:
    """The occupancy entries of a room whose airborne risk is modelled: in an indoor room, each
    group with at least one child and one other person (the infectious child and someone
    exposed). A room has several when groups use it at different times (a playroom's sessions)."""
    if room.outdoor or room.volume_m3 is None:
        return ()
    return tuple(occ for occ in facility.occupancy_of(room.id) if occ.children_total >= 1 and occ.persons >= 2)


def modelled(facility: Facility, room: Room) -> Occupancy | None:
    """The modelled group of a room with the most persons (``None``: the room is not modelled)."""
    groups = sessions(facility, room)
    return max(groups, key=lambda occ: occ.persons) if groups else None


def _session_key(group: str, index: int) -> str:
    """A scenario's key: the exposed group, and ``@n`` for the n-th session (from 2) of a room."""
    return group if index == 0 else f"{group}@{index + 1}"


def _session_of(key: str) -> tuple[str, int]:
    group, _, n = key.partition("@")
    return group, int(n) - 1 if n else 0


def _infected_age(occ: Occupancy) -> str:
    """The infectious child's age group: the room's most numerous (the youngest on a tie)."""
    order = {age: i for i, age in enumerate(AGE_GROUPS)}
    return max(occ.children, key=lambda item: (item[1], -order[item[0]]))[0]


def _maskable(age: str) -> bool:
    ages = list(AGE_GROUPS)
    return ages.index(age) >= ages.index(MASK_MIN_AGE)


def _ventilation(
    facility: Facility, room: Room, occ: Occupancy, month: int, assumptions: RiskAssumptions
) -> list[dict[str, Any]]:
    opening = opening_hours(facility)
    operating = [[float(opening[0]), float(opening[1])]]
    means: list[dict[str, Any]] = []
    airing = assumptions.airing(room.id, month, facility)
    windows_schedule = airing.schedule(occ.presence, opening)
    if windows_schedule:
        for w in facility.windows_of(room.id):
            entry: dict[str, Any] = {
                "type": "window_sliding" if w.kind == "sliding" else "window_hinged",
                "height_m": w.height_m,
                "opening_m": w.opening_m,
                "count": w.count,
                "schedule": windows_schedule,
            }
            if w.kind != "sliding":
                entry["width_m"] = w.width_m
            means.append(entry)
    vent = facility.ventilation_by_room.get(room.id)
    if vent is not None and vent.supply_m3h > 0:
        means.append({"type": "mechanical", "flow_m3h": vent.supply_m3h, "schedule": operating})
    for cleaner in facility.air_cleaners:
        if cleaner.room == room.id:
            means.append({"type": "hepa", "flow_m3h": cleaner.cadr_m3h, "count": cleaner.count, "schedule": operating})
    if assumptions.infiltration_ach > 0:
        means.append({"type": "ach", "ach": assumptions.infiltration_ach, "schedule": "always"})
    return means


def _exposed_groups(occ: Occupancy, infected_age: str, assumptions: RiskAssumptions) -> list[tuple[str, int, bool]]:
    """(group, count, is_child) of the exposed: the other children, split by whether they are
    masked, and the adults."""
    masked_children = assumptions.child_mask != "none"
    unmasked = masked = 0
    for age, n in occ.children:
        others = n - 1 if age == infected_age else n
        if masked_children and _maskable(age):
            masked += others
        else:
            unmasked += others
    groups: list[tuple[str, int, bool]] = []
    if unmasked:
        groups.append(("children", unmasked, True))
    if masked:
        groups.append(("children_masked", masked, True))
    if occ.adults:
        groups.append(("adults", occ.adults, False))
    return groups


def scenarios_for_room(
    facility: Facility,
    room: Room,
    *,
    month: int,
    virus: str = "Omicron",
    samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    assumptions: RiskAssumptions | None = None,
) -> dict[str, dict[str, Any]]:
    """The scenario dicts of one room by exposed group, and by session when groups use it at
    different times (keys ``"children"``, ``"adults"``, … for the first, ``"children@2"`` for the
    second); empty when the room is not modelled. A session's infectious child exposes that
    session's occupants only (aerosol left over for a later session is not counted)."""
    a = assumptions if assumptions is not None else RiskAssumptions()
    if room.volume_m3 is None:
        return {}
    profile = a.profile(room.use)
    child_mask_for = (lambda age: a.child_mask if _maskable(age) else "none") if a.child_mask != "none" else None
    out: dict[str, dict[str, Any]] = {}
    for index, occ in enumerate(sessions(facility, room)):
        infected_age = _infected_age(occ)
        presence = [[float(s), float(e)] for s, e in occ.presence]
        infected_mask = child_mask_for(infected_age) if child_mask_for else "none"
        base: dict[str, Any] = {
            "room": {
                "volume_m3": round(room.volume_m3, 6),
                "inside_temp_k": a.inside_temp_k,
                "humidity": a.humidity(month),
            },
            "month": month,
            "ventilation": _ventilation(facility, room, occ, month, a),
            "infected": {
                "count": 1,
                "virus": virus,
                "activity": profile.child_activity,
                "expiration": dict(profile.expiration),
                "mask": infected_mask,
                "presence": presence,
            },
            "samples": samples,
            "seed": room_seed(seed, room.id if index == 0 else _session_key(room.id, index)),
        }
        for group, count, is_child in _exposed_groups(occ, infected_age, a):
            scenario = json.loads(json.dumps(base))
            scenario["exposed"] = {
                "count": count,
                "activity": profile.child_activity if is_child else profile.adult_activity,
                "mask": (a.child_mask if group == "children_masked" else "none") if is_child else a.adult_mask,
                "presence": presence,
            }
            out[_session_key(group, index)] = scenario
    return out


def _check_inputs(month: int, virus: str, samples: int) -> None:
    if not isinstance(month, int) or not 1 <= month <= 12:
        raise ValueError(f"month must be 1–12 (got {month!r})")
    if virus not in VIRUS_NAMES:
        raise ValueError(f"virus must be one of {', '.join(VIRUS_NAMES)} (got {virus!r})")
    if not 1 <= samples <= 2_000_000:
        raise ValueError("samples must be between 1 and 2,000,000")


def room_scenarios(
    facility: Facility,
    *,
    month: int,
    virus: str = "Omicron",
    samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    assumptions: RiskAssumptions | None = None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Room id → exposed group (``"children"``, ``"children_masked"``, ``"adults"``) → a scenario
    dict of the airborne contract (valid input of :func:`seoul.care.engine.risk`), for every room
    where children stay (:func:`modelled`), in the plan's order. Rooms with adults only (staff
    office, kitchen) are not modelled: the infectious person is a child."""
    _check_inputs(month, virus, samples)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for room in facility.rooms:
        groups = scenarios_for_room(
            facility, room, month=month, virus=virus, samples=samples, seed=seed, assumptions=assumptions
        )
        if groups:
            out[room.id] = groups
    return out


# ---------------------------------------------------------------------------------------------
# Running them
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupRisk:
    group: str
    count: int
    activity: str
    mask: str
    p_infection_percent: float
    expected_cases: float
    #: The session (1, 2, … in the occupancy's order) and its hours, when a room has several.
    session: int = 1
    presence: tuple[tuple[float, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "session": self.session,
            "presence": [list(p) for p in self.presence],
            "group_title": _title(GROUP_TITLES, self.group, False),
            "group_title_ko": _title(GROUP_TITLES, self.group, True),
            "count": self.count,
            "activity": self.activity,
            "activity_title": _title(ACTIVITY_TITLES, self.activity, False),
            "activity_title_ko": _title(ACTIVITY_TITLES, self.activity, True),
            "mask": self.mask,
            "mask_title": _title(MASK_TITLES, self.mask, False),
            "mask_title_ko": _title(MASK_TITLES, self.mask, True),
            "p_infection_percent": _r(self.p_infection_percent, 4),
            "expected_cases": _r(self.expected_cases, 5),
        }


@dataclass(frozen=True)
class RoomRisk:
    """One room's airborne risk. ``expected_cases_given_infectious`` is E[new cases | one
    infectious child present all the room's hours]; ``expected_cases_per_month`` multiplies it by
    ``p_infectious_present`` (at least one of the room's children infectious on a day) and the
    attendance days. Percentiles are over the Monte-Carlo samples (the uncertainty of the viral
    load, infectious dose, breathing rates, mask efficiency); ``std_error`` is the Monte-Carlo
    standard error of the mean."""

    room: str
    name: str
    use: str
    volume_m3: float
    children: int
    adults: int
    exposed: int
    infected_age: str
    airing: str
    groups: tuple[GroupRisk, ...]
    p_infection_percent: float
    p_infection_percent_p05: float
    p_infection_percent_p95: float
    expected_cases_given_infectious: float
    expected_cases_given_infectious_p05: float
    expected_cases_given_infectious_p50: float
    expected_cases_given_infectious_p95: float
    expected_cases_given_infectious_std_error: float
    p_infectious_present: float
    attendance_days_per_month: float
    expected_cases_per_month: float
    expected_cases_per_month_p05: float
    expected_cases_per_month_p95: float
    mean_air_changes_per_hour: float
    samples: int
    seed: int
    #: Per-sample expected cases given one infectious child (for paired differences).
    case_samples: airborne.FloatArray = field(repr=False, compare=False, hash=False)
    #: :attr:`airing` in Korean.
    airing_ko: str = ""
    #: Groups using the room at different times (1 for most rooms); ``children``, ``adults``,
    #: ``exposed`` and ``infected_age`` are those of the largest.
    sessions: int = 1

    @property
    def monthly_factor(self) -> float:
        """P(infectious child present) × attendance days: cases a month per case given one."""
        return self.p_infectious_present * self.attendance_days_per_month

    def to_dict(self) -> dict[str, Any]:
        return {
            "room": self.room,
            "name": self.name,
            "use": self.use,
            "volume_m3": _r(self.volume_m3, 2),
            "children": self.children,
            "adults": self.adults,
            "exposed": self.exposed,
            "infected_age": self.infected_age,
            "infected_age_ko": AGE_GROUPS.get(self.infected_age, self.infected_age),
            "airing": self.airing,
            "airing_ko": self.airing_ko,
            "sessions": self.sessions,
            "groups": [g.to_dict() for g in self.groups],
            "p_infection_percent": _r(self.p_infection_percent, 4),
            "p_infection_percent_p05": _r(self.p_infection_percent_p05, 4),
            "p_infection_percent_p95": _r(self.p_infection_percent_p95, 4),
            "expected_cases_given_infectious": _r(self.expected_cases_given_infectious, 5),
            "expected_cases_given_infectious_p05": _r(self.expected_cases_given_infectious_p05, 5),
            "expected_cases_given_infectious_p50": _r(self.expected_cases_given_infectious_p50, 5),
            "expected_cases_given_infectious_p95": _r(self.expected_cases_given_infectious_p95, 5),
            "expected_cases_given_infectious_std_error": _r(self.expected_cases_given_infectious_std_error, 6),
            "p_infectious_present": _r(self.p_infectious_present, 6),
            "attendance_days_per_month": self.attendance_days_per_month,
            "expected_cases_per_month": _r(self.expected_cases_per_month, 5),
            "expected_cases_per_month_p05": _r(self.expected_cases_per_month_p05, 5),
            "expected_cases_per_month_p95": _r(self.expected_cases_per_month_p95, 5),
            "mean_air_changes_per_hour": _r(self.mean_air_changes_per_hour, 3),
            "samples": self.samples,
            "seed": self.seed,
        }


def _r(x: float, digits: int) -> float:
    return round(float(x), digits)


def scenario_key(groups: Mapping[str, Mapping[str, Any]]) -> str:
    """A canonical text of a room's scenarios: two rooms with the same key give the same figures."""
    return json.dumps(groups, sort_keys=True, separators=(",", ":"))


def room_risk(
    facility: Facility,
    room_id: str,
    groups: Mapping[str, Mapping[str, Any]],
    *,
    assumptions: RiskAssumptions | None = None,
    month: int | None = None,
) -> RoomRisk:
    """Runs one room's group scenarios (as :func:`room_scenarios` gives them) and combines them
    sample by sample into the room's risk. With several sessions, each session's infectious
    child is an event of its own (probability ``p_s`` from its children): the room's cases a
    month are ``Σ p_s × cases_s × days``, and the figures "given an infectious child" are those
    events' average weighted by ``p_s``."""
    a = assumptions if assumptions is not None else RiskAssumptions()
    room = facility.room(room_id)
    if not groups:
        raise ValueError(f"room {room_id!r} has no scenario (no child with someone else present)")
    entries = sessions(facility, room)
    session_cases: dict[int, airborne.FloatArray] = {}
    session_exposed: dict[int, int] = {}
    group_risks: list[GroupRisk] = []
    air_changes = 0.0
    samples = seed = 0
    for key, scenario in groups.items():
        group, index = _session_of(key)
        parsed = parse_scenario(scenario)
        run = airborne.simulate(parsed.model, parsed.samples, parsed.seed)
        count = parsed.model.exposed.count
        contribution = run.probability * count
        session_cases[index] = session_cases[index] + contribution if index in session_cases else contribution
        session_exposed[index] = session_exposed.get(index, 0) + count
        exposed = scenario["exposed"]
        group_risks.append(
            GroupRisk(
                group=group,
                count=count,
                activity=str(exposed["activity"]),
                mask=str(exposed["mask"]),
                p_infection_percent=float(run.probability.mean()) * 100.0,
                expected_cases=float(contribution.mean()),
                session=index + 1,
                presence=tuple((float(s), float(e)) for s, e in exposed["presence"]),
            )
        )
        if index == 0:
            air_changes = run.mean_air_changes
            samples, seed = parsed.samples, parsed.seed
    if len(entries) < len(session_cases):
        raise ValueError(f"room {room_id!r} has scenarios for more sessions than its occupancy has")
    p_by_session = {i: 1.0 - (1.0 - a.prevalence) ** entries[i].children_total for i in session_cases}
    p_none = math.prod(1.0 - p for p in p_by_session.values())
    p_present = 1.0 - p_none
    weight = sum(p_by_session.values())
    if p_present > 0 and weight > 0:
        w_cases = {i: p / p_present for i, p in p_by_session.items()}
        w_share = {i: p / weight for i, p in p_by_session.items()}
    else:  # no prevalence: the sessions' plain average
        w_cases = w_share = dict.fromkeys(session_cases, 1.0 / len(session_cases))
    cases: airborne.FloatArray = np.zeros_like(next(iter(session_cases.values())))
    share: airborne.FloatArray = np.zeros_like(cases)
    for i, c in session_cases.items():
        cases = cases + w_cases[i] * c
        share = share + w_share[i] * c / session_exposed[i]
    peak = max((entries[i] for i in session_cases), key=lambda occ: occ.persons)
    factor = p_present * a.attendance_days_per_month
    p5, p50, p95 = (float(v) for v in np.percentile(cases, (5.0, 50.0, 95.0)))
    s5, s95 = (float(v) for v in np.percentile(share, (5.0, 95.0)))
    n = len(cases)
    any_month = month if month is not None else int(groups[next(iter(groups))].get("month", 1))
    return RoomRisk(
        room=room.id,
        name=room.name,
        use=room.use,
        volume_m3=float(room.volume_m3 or 0.0),
        children=peak.children_total,
        adults=peak.adults,
        exposed=max(session_exposed.values()),
        infected_age=str(_infected_age(peak)),
        airing=a.airing(room.id, any_month, facility).describe(),
        airing_ko=a.airing(room.id, any_month, facility).describe_ko(),
        groups=tuple(group_risks),
        p_infection_percent=float(share.mean()) * 100.0,
        p_infection_percent_p05=s5 * 100.0,
        p_infection_percent_p95=s95 * 100.0,
        expected_cases_given_infectious=float(cases.mean()),
        expected_cases_given_infectious_p05=p5,
        expected_cases_given_infectious_p50=p50,
        expected_cases_given_infectious_p95=p95,
        expected_cases_given_infectious_std_error=float(cases.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0,
        p_infectious_present=p_present,
        attendance_days_per_month=a.attendance_days_per_month,
        expected_cases_per_month=float(cases.mean()) * factor,
        expected_cases_per_month_p05=p5 * factor,
        expected_cases_per_month_p95=p95 * factor,
        mean_air_changes_per_hour=air_changes,
        samples=samples,
        seed=seed,
        case_samples=cases,
        sessions=len(session_cases),
    )


def room_risks(
    facility: Facility,
    *,
    month: int,
    virus: str = "Omicron",
    samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    assumptions: RiskAssumptions | None = None,
) -> list[RoomRisk]:
    """Each modelled room's :class:`RoomRisk`, in the plan's order."""
    a = assumptions if assumptions is not None else RiskAssumptions()
    scenarios = room_scenarios(facility, month=month, virus=virus, samples=samples, seed=seed, assumptions=a)
    return [room_risk(facility, room_id, groups, assumptions=a, month=month) for room_id, groups in scenarios.items()]


def total_cases_per_month(risks: Sequence[RoomRisk]) -> float:
    """The centre's expected airborne cases a month: the sum over its rooms."""
    return float(sum(r.expected_cases_per_month for r in risks))


def risk_report(
    facility: Facility,
    *,
    month: int,
    virus: str = "Omicron",
    samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    assumptions: RiskAssumptions | None = None,
) -> dict[str, Any]:
    """The JSON form: the rooms' risks, the total a month and the assumptions used."""
    a = assumptions if assumptions is not None else RiskAssumptions()
    risks = room_risks(facility, month=month, virus=virus, samples=samples, seed=seed, assumptions=a)
    return {
        "facility": facility.name,
        "month": month,
        "virus": virus,
        "samples": samples,
        "seed": seed,
        "expected_cases_per_month": _r(total_cases_per_month(risks), 5),
        "rooms": [r.to_dict() for r in risks],
        "assumptions": a.to_dict(),
    }


__all__ = [
    "ACTIVITY_TITLES",
    "AIRING_EVERY_2H",
    "AIRING_HOURLY",
    "AIRING_OPEN",
    "DEFAULT_SAMPLES",
    "DEFAULT_SEED",
    "GROUP_TITLES",
    "MASK_MIN_AGE",
    "MASK_TITLES",
    "Airing",
    "GroupRisk",
    "OccupantProfile",
    "RiskAssumptions",
    "RoomRisk",
    "default_airing",
    "default_profiles",
    "modelled",
    "opening_hours",
    "risk_report",
    "room_risk",
    "room_risks",
    "room_scenarios",
    "room_seed",
    "scenario_key",
    "scenarios_for_room",
    "sessions",
    "total_cases_per_month",
]
