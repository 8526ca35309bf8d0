"""Surge simulation: the placement engine run day by day on a scenario's arrivals, against the
nearest-capable-bed rule on the same arrivals (docs/hospitals-simulation.md has the schema).

Each day: the patients whose stay ends leave (in the morning); the day's arrivals join the
waiting list at their district's centre; the policy places whom it can. Patients stay a fixed
number of days per tier, counted from the day they get a bed. Beds in a scenario are staffed
beds: what a hospital could fill that day.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from seoul.hospitals.engine.network import Site
from seoul.hospitals.engine.placement import Inpatient, Method, Proposal, Waiting, nearest, place
from seoul.hospitals.engine.report import TIERS, Tier

MAX_DAYS = 366
MAX_COUNT = 100_000  # patients in one arrival line
# Planning assumptions, overridable per scenario (docs/hospitals-simulation.md).
DEFAULT_STAY: Mapping[Tier, int] = {Tier.MILD: 10, Tier.MODERATE: 12, Tier.SEVERE: 14, Tier.CRITICAL: 21}


@dataclass(frozen=True)
class SimHospital:
    site: Site
    beds: Mapping[Tier, int]
    occupied: Mapping[Tier, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Arrival:
    day: int
    district: int
    tier: Tier
    count: int


@dataclass(frozen=True)
class Scenario:
    start: date
    days: int
    hospitals: tuple[SimHospital, ...]
    arrivals: tuple[Arrival, ...]
    stay: Mapping[Tier, int]


class ScenarioError(ValueError):
    def __init__(self, problems: Sequence[tuple[str, str]]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{where}: {why}" for where, why in self.problems))


Place = Mapping[int, tuple[float, float]]  # district index → (lat, lon)


def parse(
    data: Any,
    *,
    registered: Mapping[str, SimHospital],
    district_index: Callable[[str], int],
    district_point: Place,
    district_region: Mapping[int, str],
) -> Scenario:
    """A scenario from its JSON form, or :class:`ScenarioError` naming every bad field.

    ``registered``: the network to use when the file gives no ``hospitals``, and where a listed
    hospital with a registered id but no position takes its position and region from.
    ``district_index`` turns a district's name into its index (KeyError if unknown)."""
    problems: list[tuple[str, str]] = []
    if not isinstance(data, Mapping):
        raise ScenarioError([("$", "a scenario is a JSON object")])
    problems += _unknown("", data, SCENARIO_FIELDS)

    def integer(where: str, value: Any, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append((where, "must be a whole number"))
            return None
        if not low <= value <= high:
            problems.append((where, f"must be between {low} and {high}"))
            return None
        return value

    def tier_of(where: str, value: Any) -> Tier | None:
        try:
            return Tier(value)
        except ValueError:
            problems.append((where, "must be one of mild, moderate, severe, critical"))
            return None

    def district_of(where: str, value: Any) -> int | None:
        try:
            return district_index(str(value))
        except KeyError:
            problems.append((where, f"{value!r} is not one of Seoul's 25 districts"))
            return None

    def per_tier(where: str, value: Any, low: int, high: int) -> dict[Tier, int]:
        out: dict[Tier, int] = {}
        if not isinstance(value, Mapping):
            problems.append((where, "must be an object of tier: number"))
            return out
        for key, n in value.items():
            tier = tier_of(f"{where}.{key}", key)
            number = integer(f"{where}.{key}", n, low, high)
            if tier is not None and number is not None:
                out[tier] = number
        return out

    start: date | None = None
    try:
        start = date.fromisoformat(str(data.get("start", "")))
    except ValueError:
        problems.append(("start", "must be a date like 2020-12-01"))
    days = integer("days", data.get("days"), 1, MAX_DAYS)

    stay = dict(DEFAULT_STAY)
    if "length_of_stay_days" in data:
        stay.update(per_tier("length_of_stay_days", data["length_of_stay_days"], 1, 365))

    hospitals: list[SimHospital] = []
    listed = data.get("hospitals")
    if listed is None:
        hospitals = list(registered.values())
        if not hospitals:
            problems.append(("hospitals", "no hospital is registered with beds; list the hospitals in the scenario"))
    elif not isinstance(listed, list) or not listed:
        problems.append(("hospitals", "must be a non-empty list"))
    else:
        seen: set[str] = set()
        for i, h in enumerate(listed):
            where = f"hospitals[{i}]"
            if not isinstance(h, Mapping):
                problems.append((where, "must be an object"))
                continue
            problems += _unknown(f"{where}.", h, HOSPITAL_FIELDS)
            raw_id = h.get("id")
            code = raw_id.strip() if isinstance(raw_id, str) else ""
            if not code:
                problems.append(
                    (
                        f"{where}.id",
                        "is required" if raw_id in (None, "") or isinstance(raw_id, str) else "must be text",
                    )
                )
                continue
            if code in seen:
                problems.append((f"{where}.id", f"{code} is listed twice"))
            seen.add(code)
            beds = per_tier(f"{where}.beds", h.get("beds", {}), 0, 100_000)
            occupied = per_tier(f"{where}.occupied", h.get("occupied", {}), 0, 100_000)
            for tier, n in occupied.items():
                if n > beds.get(tier, 0):
                    problems.append((f"{where}.occupied.{tier}", f"{n} occupied but only {beds.get(tier, 0)} beds"))
            site = _site(where, code, h, registered, district_of, district_point, district_region, problems)
            if site is not None:
                hospitals.append(SimHospital(site, beds, occupied))

    arrivals: list[Arrival] = []
    listed_arrivals = data.get("arrivals")
    if not isinstance(listed_arrivals, list):
        problems.append(("arrivals", "must be a list"))
        listed_arrivals = []
    for i, a in enumerate(listed_arrivals):
        where = f"arrivals[{i}]"
        if not isinstance(a, Mapping):
            problems.append((where, "must be an object"))
            continue
        problems += _unknown(f"{where}.", a, ARRIVAL_FIELDS)
        day = integer(f"{where}.day", a.get("day"), 0, days - 1) if days else None
        district = district_of(f"{where}.district", a.get("district"))
        severity = tier_of(f"{where}.tier", a.get("tier"))
        count = integer(f"{where}.count", a.get("count"), 0, MAX_COUNT)
        if day is not None and district is not None and severity is not None and count is not None:
            arrivals.append(Arrival(day, district, severity, count))
    if problems or start is None or days is None:
        raise ScenarioError(problems)
    return Scenario(start, days, tuple(hospitals), tuple(arrivals), stay)


# "name", "description" and "generator" say what a file is for; they are read by people only
NOTES = frozenset({"name", "description", "generator"})
SCENARIO_FIELDS = frozenset({"start", "days", "hospitals", "arrivals", "length_of_stay_days"}) | NOTES
HOSPITAL_FIELDS = frozenset({"id", "beds", "occupied", "lat", "lon", "district"}) | NOTES
ARRIVAL_FIELDS = frozenset({"day", "district", "tier", "count"})


def _unknown(prefix: str, data: Mapping[str, Any], known: frozenset[str]) -> list[tuple[str, str]]:
    """A misspelt field would otherwise be ignored in silence (and its default used)."""
    return [(f"{prefix}{key}", "is not a field of the scenario format") for key in data if key not in known]


def _site(
    where: str,
    code: str,
    h: Mapping[str, Any],
    registered: Mapping[str, SimHospital],
    district_of: Callable[[str, Any], int | None],
    district_point: Place,
    district_region: Mapping[int, str],
    problems: list[tuple[str, str]],
) -> Site | None:
    known = registered.get(code)
    if "lat" in h or "lon" in h:
        lat, lon = _coordinate(h.get("lat")), _coordinate(h.get("lon"))
        if lat is None or lon is None:
            problems.append((f"{where}.lat", "lat and lon must both be numbers"))
            return None
        if not (37.0 <= lat <= 38.0 and 126.5 <= lon <= 127.5):
            problems.append((f"{where}.lat", "the position is not in or near Seoul"))
            return None
        region = known.site.region if known else None
        if region is None and "district" in h:
            index = district_of(f"{where}.district", h["district"])
            region = district_region.get(index) if index is not None else None
        if region is None:
            region = _nearest_region(lat, lon, district_point, district_region)
        return Site(code, lat, lon, region, known.site.capabilities if known else frozenset())
    if "district" in h:
        index = district_of(f"{where}.district", h["district"])
        if index is None:
            return None
        lat, lon = district_point[index]
        return Site(code, lat, lon, district_region.get(index, ""), known.site.capabilities if known else frozenset())
    if known:
        return known.site
    problems.append((where, f"{code} is not a registered hospital: give lat and lon, or district"))
    return None


def _coordinate(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _nearest_region(lat: float, lon: float, district_point: Place, district_region: Mapping[int, str]) -> str:
    index = min(district_point, key=lambda i: (district_point[i][0] - lat) ** 2 + (district_point[i][1] - lon) ** 2)
    return district_region.get(index, "")


# ---- running -----------------------------------------------------------------------------


@dataclass
class _Patient:
    id: str
    tier: Tier
    district: int
    arrived: int
    placed: int | None = None


@dataclass
class Outcome:
    patients: int = 0
    placed: int = 0
    waiting_patient_days: int = 0
    max_wait_days: int = 0
    surge_beds_needed: int = 0
    transfers: int = 0
    travel_km: float = 0.0
    seconds: float = 0.0
    cross_region: int = 0
    above_tier: int = 0
    fallback_days: int = 0
    by_tier: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "patients": self.patients,
            "placed": self.placed,
            "waiting_patient_days": self.waiting_patient_days,
            "max_wait_days": self.max_wait_days,
            "surge_beds_needed": self.surge_beds_needed,
            "transfers": self.transfers,
            "travel_km": round(self.travel_km, 1),
            "seconds": round(self.seconds, 3),
            "cross_region_placements": self.cross_region,
            "placements_above_tier": self.above_tier,
            "solver_fallback_days": self.fallback_days,
            "by_tier": self.by_tier,
        }


def run(
    scenario: Scenario,
    method: Method,
    *,
    district_point: Place,
    district_region: Mapping[int, str],
    clock: Callable[[], float] = time.perf_counter,
) -> Outcome:
    """Play the scenario with the solver (``OPTIMISED``) or the nearest rule (``NEAREST``)."""
    started = clock()
    sites = [h.site for h in scenario.hospitals]
    free: dict[tuple[str, Tier], int] = defaultdict(int)
    leaving: dict[int, dict[tuple[str, Tier], int]] = defaultdict(lambda: defaultdict(int))
    for h in scenario.hospitals:
        for tier in TIERS:
            beds, occupied = h.beds.get(tier, 0), min(h.occupied.get(tier, 0), h.beds.get(tier, 0))
            free[h.site.code, tier] += beds - occupied
            stay = scenario.stay[tier]
            for i in range(occupied):  # the present patients leave spread over one stay
                leaving[1 + (i * stay) // occupied][h.site.code, tier] += 1
    by_day: dict[int, list[Arrival]] = defaultdict(list)
    for a in scenario.arrivals:
        by_day[a.day].append(a)

    patients: list[_Patient] = []
    stays: dict[str, tuple[str, Tier, int]] = {}  # placed patient → (hospital, bed, day they leave)
    waiting: list[_Patient] = []
    peak_waiting: dict[Tier, int] = dict.fromkeys(TIERS, 0)
    out = Outcome()
    for day in range(scenario.days):
        for key, n in leaving.pop(day, {}).items():
            free[key] += n
        for pid in [pid for pid, (_, _, end) in stays.items() if end == day]:
            hospital, bed, _ = stays.pop(pid)
            free[hospital, bed] += 1
        for a in by_day.get(day, []):
            for _ in range(a.count):
                p = _Patient(f"p{len(patients)}", a.tier, a.district, day)
                patients.append(p)
                waiting.append(p)
        if waiting:
            queue = [
                Waiting(
                    p.id,
                    p.tier,
                    *district_point[p.district],
                    district_region.get(p.district, ""),
                    waited_days=day - p.arrived,
                )
                for p in waiting
            ]
            proposal: Proposal
            if method is Method.OPTIMISED:
                by_id = {p.id: p for p in patients}
                movable = [
                    Inpatient(pid, by_id[pid].tier, hospital, bed)
                    for pid, (hospital, bed, _) in stays.items()
                    if bed.rank > by_id[pid].tier.rank
                ]
                proposal = place(queue, sites, free, inpatients=movable)
                out.fallback_days += proposal.fallback is not None
            else:
                proposal = nearest(queue, sites, free)
            for m in proposal.moves:
                _, _, end = stays[m.patient]
                free[m.from_hospital, m.from_bed] += 1
                free[m.to_hospital, m.to_bed] -= 1
                stays[m.patient] = (m.to_hospital, m.to_bed, end)
                out.transfers += 1
            placed_ids = set()
            for given in proposal.assignments:
                free[given.hospital, given.bed] -= 1
                stays[given.patient] = (given.hospital, given.bed, day + scenario.stay[given.tier])
                placed_ids.add(given.patient)
                out.cross_region += given.cross_region
                out.above_tier += given.above_tier > 0
            out.travel_km += proposal.travel_km
            for p in waiting:
                if p.id in placed_ids:
                    p.placed = day
            waiting = [p for p in waiting if p.placed is None]
        for tier in TIERS:
            peak_waiting[tier] = max(peak_waiting[tier], sum(1 for p in waiting if p.tier is tier))

    end = scenario.days
    for tier in TIERS:
        mine = [p for p in patients if p.tier is tier]
        waits = [(p.placed if p.placed is not None else end) - p.arrived for p in mine]
        out.by_tier[tier.value] = {
            "patients": len(mine),
            "placed": sum(1 for p in mine if p.placed is not None),
            "waiting_patient_days": sum(waits),
            "max_wait_days": max(waits, default=0),
            "peak_waiting": peak_waiting[tier],
        }
    out.patients = len(patients)
    out.placed = sum(t["placed"] for t in out.by_tier.values())
    out.waiting_patient_days = sum(t["waiting_patient_days"] for t in out.by_tier.values())
    out.max_wait_days = max((t["max_wait_days"] for t in out.by_tier.values()), default=0)
    out.surge_beds_needed = sum(peak_waiting.values())
    out.seconds = clock() - started
    return out
