"""A hospital's daily capacity report, its checks and how fresh it is.

The fields follow what Germany's DIVI intensive-care register and the US HHS Protect hospital
feed asked every hospital each day, in Korea's severity tiers (docs/hospitals.md): beds by kind
(total, occupied, staffed, immediately available), the day's admissions, discharges and deaths,
staff on duty and short by profession, supplies on hand with days of supply, and the expected
available beds for the next seven days.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from seoul.core.engine.time import SEOUL, seoul_date


class Tier(StrEnum):
    """Korea's four-level severity triage of a patient (경증, 중등증, 중증, 최중증), lowest first."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return TIERS.index(self)


TIERS: tuple[Tier, ...] = (Tier.MILD, Tier.MODERATE, Tier.SEVERE, Tier.CRITICAL)


class BedKind(StrEnum):
    """Beds a hospital reports: one kind per tier (critical = ICU with invasive ventilation or
    ECMO; mild = community treatment centre places) and negative-pressure isolation rooms, which
    may overlap the tiers' beds and are reported on their own."""

    CRITICAL = "critical"
    SEVERE = "severe"
    MODERATE = "moderate"
    MILD = "mild"
    ISOLATION = "isolation"

    @property
    def tier(self) -> Tier | None:
        return None if self is BedKind.ISOLATION else Tier(self.value)


BED_KINDS: tuple[BedKind, ...] = tuple(BedKind)


class Profession(StrEnum):
    PHYSICIAN = "physician"
    NURSE = "nurse"
    NURSING_ASSISTANT = "nursing_assistant"
    RESPIRATORY_THERAPIST = "respiratory_therapist"
    OTHER = "other"


class Supply(StrEnum):
    N95 = "n95"  # KF94/N95 respirators
    GOWNS = "gowns"  # isolation gowns / level-D suits
    GLOVES = "gloves"
    OXYGEN = "oxygen"  # medical oxygen
    REMDESIVIR = "remdesivir"


@dataclass(frozen=True)
class Beds:
    """One kind of bed: ``total`` designated, ``occupied``, ``staffed`` (with staff to run them)
    and ``available`` (free and staffed: a bed without staff is not available)."""

    total: int
    occupied: int
    staffed: int
    available: int


@dataclass(frozen=True)
class Staff:
    on_duty: int
    short: int = 0


@dataclass(frozen=True)
class Stock:
    on_hand: int
    days_of_supply: float


@dataclass(frozen=True)
class DailyReport:
    hospital: str  # the hospital's code
    day: date
    beds: Mapping[BedKind, Beds]
    admissions: int = 0
    discharges: int = 0
    deaths: int = 0
    staff: Mapping[Profession, Staff] = field(default_factory=dict)
    supplies: Mapping[Supply, Stock] = field(default_factory=dict)
    forecast: tuple[int, ...] = ()  # expected available beds, all kinds but isolation, days +1..+7


FORECAST_DAYS = 7


class Fault(StrEnum):
    """Why a report is refused (the app words each one)."""

    NEGATIVE = "negative"
    OCCUPIED_OVER_TOTAL = "occupied_over_total"
    STAFFED_OVER_TOTAL = "staffed_over_total"
    AVAILABLE_OVER_FREE = "available_over_free"
    AVAILABLE_OVER_STAFFED = "available_over_staffed"
    OVER_LICENSED = "over_licensed"
    FORECAST_LENGTH = "forecast_length"
    FORECAST_OVER_BEDS = "forecast_over_beds"
    NO_BEDS = "no_beds"
    NOT_A_NUMBER = "not_a_number"


@dataclass(frozen=True)
class Problem:
    field: str  # e.g. "critical.occupied", "supply.oxygen.days" (with "_" for ".", a column of engine.tabular)
    fault: Fault
    limit: float | None = None  # the bound that was crossed, when there is one


def check(report: DailyReport, *, licensed_beds: int | None) -> list[Problem]:
    """Everything that makes ``report`` impossible, field by field; empty when it may be kept.

    ``licensed_beds`` is the hospital's licensed bed count when the register knows it: the beds
    of the four tiers together may not exceed it (isolation rooms are counted among them)."""
    out: list[Problem] = []

    def non_negative(name: str, value: float) -> bool:
        if value != value or value in (float("inf"), float("-inf")):
            out.append(Problem(name, Fault.NOT_A_NUMBER))
            return False
        if value < 0:
            out.append(Problem(name, Fault.NEGATIVE, 0))
            return False
        return True

    if not report.beds:
        out.append(Problem("beds", Fault.NO_BEDS))
    for kind, b in report.beds.items():
        counts = {"total": b.total, "occupied": b.occupied, "staffed": b.staffed, "available": b.available}
        checked = [non_negative(f"{kind}.{name}", value) for name, value in counts.items()]  # every field reported
        if not all(checked):
            continue
        if b.occupied > b.total:
            out.append(Problem(f"{kind}.occupied", Fault.OCCUPIED_OVER_TOTAL, b.total))
        if b.staffed > b.total:
            out.append(Problem(f"{kind}.staffed", Fault.STAFFED_OVER_TOTAL, b.total))
        free = max(0, b.total - b.occupied)
        if b.available > free:
            out.append(Problem(f"{kind}.available", Fault.AVAILABLE_OVER_FREE, free))
        elif b.available > max(0, b.staffed - b.occupied):
            out.append(Problem(f"{kind}.available", Fault.AVAILABLE_OVER_STAFFED, max(0, b.staffed - b.occupied)))
    for name in ("admissions", "discharges", "deaths"):
        non_negative(name, getattr(report, name))
    for profession, s in report.staff.items():
        non_negative(f"staff.{profession}.on_duty", s.on_duty)
        non_negative(f"staff.{profession}.short", s.short)
    for supply, stock in report.supplies.items():
        non_negative(f"supply.{supply}.on_hand", stock.on_hand)
        non_negative(f"supply.{supply}.days", stock.days_of_supply)
    tier_beds = sum(b.total for k, b in report.beds.items() if k is not BedKind.ISOLATION and b.total > 0)
    if licensed_beds is not None and tier_beds > licensed_beds:
        out.append(Problem("beds", Fault.OVER_LICENSED, licensed_beds))
    if report.forecast:
        if len(report.forecast) != FORECAST_DAYS:
            out.append(Problem("forecast", Fault.FORECAST_LENGTH, FORECAST_DAYS))
        for i, value in enumerate(report.forecast, start=1):
            if non_negative(f"forecast.{i}", value) and value > tier_beds:
                out.append(Problem(f"forecast.{i}", Fault.FORECAST_OVER_BEDS, tier_beds))
    return out


# ---- freshness -------------------------------------------------------------------------

DUE = time(12, 0)  # a day's report is due by noon, Seoul time
STALE_AFTER = timedelta(days=2)  # no accepted report for two days: the picture is stale


class Freshness(StrEnum):
    FRESH = "fresh"  # today's report is in (or it is not noon yet and yesterday's is)
    LATE = "late"  # past noon and today's report is missing
    STALE = "stale"  # the newest report is two days old or more, or there is none


def freshness(last_day: date | None, now: datetime) -> Freshness:
    """How current a hospital's newest accepted report (for ``last_day``) is at ``now``."""
    today = seoul_date(now)
    if last_day is None or today - last_day >= STALE_AFTER:
        return Freshness.STALE
    if last_day >= today:
        return Freshness.FRESH
    due = datetime.combine(today, DUE, tzinfo=SEOUL)
    return Freshness.LATE if now >= due else Freshness.FRESH


# ---- plain JSON form (kept with a refused report, and the CSV's row shape) -----------------


def as_json(report: DailyReport) -> dict[str, object]:
    return {
        "hospital": report.hospital,
        "day": report.day.isoformat(),
        "beds": {
            str(k): {"total": b.total, "occupied": b.occupied, "staffed": b.staffed, "available": b.available}
            for k, b in report.beds.items()
        },
        "admissions": report.admissions,
        "discharges": report.discharges,
        "deaths": report.deaths,
        "staff": {str(p): {"on_duty": s.on_duty, "short": s.short} for p, s in report.staff.items()},
        "supplies": {
            str(k): {"on_hand": s.on_hand, "days_of_supply": s.days_of_supply} for k, s in report.supplies.items()
        },
        "forecast": list(report.forecast),
    }
