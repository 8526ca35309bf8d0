"""A hospital's daily capacity report as an HL7 FHIR R4 ``MeasureReport`` (docs/hospitals-fhir.md).

The shape follows the HL7 SANER implementation guide (Situational Awareness for Novel Epidemic
Response, STU 1; its ``PublicHealthMeasureReport`` profile and ``MeasuredValues`` code system, in
the HL7/fhir-saner sources ``fsh/ProfileMeasureReport.fsh`` and ``fsh/MeasureVocabulary.fsh``):
one ``summary`` report per hospital per day, ``status`` complete, ``measure`` naming the Measure,
a ``period`` precise to the second with an offset, and one ``group`` per thing counted, each group
and each ``population`` identified by a code and carrying an integer ``count``.

What differs from SANER, on purpose:

* ``subject`` is ``Organization/<hospital code>`` (SANER reports on a Location): the platform
  knows hospitals by their register code, not by building; the same reference is the
  ``reporter`` unless another organisation (a regional control tower) sends the report.
* Groups are coded in the platform's own URN code systems (one group per bed kind, profession
  and supply, plus ``patient-flow`` and ``forecast``); bed populations carry SANER's
  ``numTotBeds`` / ``numTotBedsOcc`` / ``numTotBedsAvail`` codes next to the platform's codes,
  scoped to the group's bed kind; SANER has no code that fits the rest, so they are platform codes.
* A supply's days of supply is the group's ``measureScore`` (a UCUM ``d`` quantity); the 7-day
  forecast is one group with one population per day ahead (``forecast-day-1`` .. ``-7``).

The library's R4B (FHIR 4.3) classes validate the structure: R4B changed nothing in
MeasureReport that this form uses, and fhir.resources ships no R4 package of its own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, Final, TypeVar

from fhir.resources.R4B.measurereport import MeasureReport
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from seoul.core.engine.time import SEOUL, local_midnight
from seoul.hospitals.engine.report import (
    BED_KINDS,
    FORECAST_DAYS,
    BedKind,
    Beds,
    DailyReport,
    Profession,
    Staff,
    Stock,
    Supply,
)

MEASURE: Final = "urn:seoul:hospitals:measure:daily-capacity"

# The platform's code systems (URNs: nothing to resolve, no address to keep alive).
BED_KIND_SYSTEM: Final = "urn:seoul:hospitals:code-system:bed-kind"
PROFESSION_SYSTEM: Final = "urn:seoul:hospitals:code-system:profession"
SUPPLY_SYSTEM: Final = "urn:seoul:hospitals:code-system:supply"
GROUP_SYSTEM: Final = "urn:seoul:hospitals:code-system:measure-group"
POPULATION_SYSTEM: Final = "urn:seoul:hospitals:code-system:measure-population"
HOSPITAL_IDENTIFIER_SYSTEM: Final = "urn:seoul:hospitals:hospital-code"
# SANER's code system for measured values (its canonical URI, an identifier, not fetched).
SANER_MEASURED_VALUES: Final = "http://hl7.org/fhir/uv/saner/CodeSystem/MeasuredValues"
UCUM: Final = "http://unitsofmeasure.org"

FLOW: Final = "patient-flow"
FORECAST: Final = "forecast"

_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_SUBJECT = re.compile(r"Organization/([A-Za-z0-9\-.]{1,64})")
_STATUSES = ("complete", "pending", "error")

_BED_LABELS: Final = {
    BedKind.CRITICAL: "Critical-tier beds (ICU with invasive ventilation or ECMO)",
    BedKind.SEVERE: "Severe-tier beds",
    BedKind.MODERATE: "Moderate-tier beds",
    BedKind.MILD: "Mild-tier places (community treatment centres)",
    BedKind.ISOLATION: "Negative-pressure isolation rooms",
}
_PROFESSION_LABELS: Final = {
    Profession.PHYSICIAN: "Physicians",
    Profession.NURSE: "Nurses",
    Profession.NURSING_ASSISTANT: "Nursing assistants",
    Profession.RESPIRATORY_THERAPIST: "Respiratory therapists",
    Profession.OTHER: "Other staff",
}
_SUPPLY_LABELS: Final = {
    Supply.N95: "KF94/N95 respirators",
    Supply.GOWNS: "Isolation gowns and level-D suits",
    Supply.GLOVES: "Gloves",
    Supply.OXYGEN: "Medical oxygen",
    Supply.REMDESIVIR: "Remdesivir",
}
_GROUP_LABELS: Final = {
    FLOW: "Admissions, discharges and deaths of the day",
    FORECAST: f"Expected available beds (all kinds but isolation), days +1 to +{FORECAST_DAYS}",
}

# Populations: the platform code, its display, and SANER's code where one fits.
BED_POPULATIONS: Final = ("total", "occupied", "staffed", "available")
FLOW_POPULATIONS: Final = ("admissions", "discharges", "deaths")
STAFF_POPULATIONS: Final = ("on-duty", "short")
SUPPLY_POPULATIONS: Final = ("on-hand",)
FORECAST_POPULATIONS: Final = tuple(f"forecast-day-{i}" for i in range(1, FORECAST_DAYS + 1))

_POPULATION_LABELS: Final = {
    "total": "Designated beds",
    "occupied": "Occupied beds",
    "staffed": "Staffed beds",
    "available": "Immediately available beds (free and staffed)",
    "admissions": "Admissions",
    "discharges": "Discharges",
    "deaths": "Deaths",
    "on-duty": "Staff on duty",
    "short": "Staff short of the need",
    "on-hand": "Units on hand",
    **{f"forecast-day-{i}": f"Expected available beds on day +{i}" for i in range(1, FORECAST_DAYS + 1)},
}
_SANER_POPULATIONS: Final = {
    "total": ("numTotBeds", "All Hospital Beds"),
    "occupied": ("numTotBedsOcc", "Hospital Beds Occupied"),
    "available": ("numTotBedsAvail", "Hospital Beds Available"),
}
_POPULATION_BY_CODING: Final[dict[tuple[str, str], str]] = {
    **{(POPULATION_SYSTEM, key): key for key in _POPULATION_LABELS},
    **{(SANER_MEASURED_VALUES, code): key for key, (code, _) in _SANER_POPULATIONS.items()},
}

# What each group code stands for: (section, item).
_GROUP_BY_CODING: Final[dict[tuple[str, str], tuple[str, BedKind | Profession | Supply | None]]] = {
    **{(BED_KIND_SYSTEM, k.value): ("beds", k) for k in BedKind},
    **{(PROFESSION_SYSTEM, p.value): ("staff", p) for p in Profession},
    **{(SUPPLY_SYSTEM, s.value): ("supply", s) for s in Supply},
    (GROUP_SYSTEM, FLOW): ("flow", None),
    (GROUP_SYSTEM, FORECAST): ("forecast", None),
}
_EXPECTED: Final = {
    "beds": BED_POPULATIONS,
    "flow": FLOW_POPULATIONS,
    "staff": STAFF_POPULATIONS,
    "supply": SUPPLY_POPULATIONS,
    "forecast": FORECAST_POPULATIONS,
}


class FhirError(Exception):
    """The resource was refused; ``problems`` holds (path, reason) pairs, e.g.
    ``("group[2].population[0].count", "must not be negative, got -1")``."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{path or '(resource)'}: {reason}" for path, reason in problems))
        self.problems = problems


# ---- to FHIR -----------------------------------------------------------------------------


def _coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


def _population(key: str, count: int) -> dict[str, Any]:
    codings = [_coding(POPULATION_SYSTEM, key, _POPULATION_LABELS.get(key, key))]
    if key in _SANER_POPULATIONS:
        code, display = _SANER_POPULATIONS[key]
        codings.insert(0, _coding(SANER_MEASURED_VALUES, code, display))
    return {"code": {"coding": codings}, "count": count}


def _group(coding: dict[str, str], counts: Mapping[str, int]) -> dict[str, Any]:
    return {"code": {"coding": [coding]}, "population": [_population(k, v) for k, v in counts.items()]}


def to_measure_report(
    report: DailyReport, *, reporter: str | None = None, generated: datetime | None = None
) -> dict[str, Any]:
    """``report`` as a JSON-ready R4 MeasureReport.

    ``reporter`` is the code of the organisation sending the report when it is not the hospital
    itself (e.g. a regional control tower); ``generated`` is when the report was made (an aware
    datetime; now by default), written as ``date``. Raises ValueError for what FHIR cannot carry:
    a hospital or reporter code that is not a FHIR id, a days of supply that is not finite."""
    for name, code in (("hospital", report.hospital), ("reporter", reporter)):
        if code is not None and not _FHIR_ID.fullmatch(code):
            raise ValueError(f"the {name} code {code!r} is not a FHIR id (A-Z a-z 0-9 - . up to 64)")
    when = datetime.now(SEOUL) if generated is None else generated
    if when.tzinfo is None:
        raise ValueError("generated must be an aware datetime")
    start = local_midnight(report.day)
    end = local_midnight(report.day + timedelta(days=1)) - timedelta(seconds=1)

    groups: list[dict[str, Any]] = []
    for kind in BED_KINDS:
        if (b := report.beds.get(kind)) is not None:
            counts = {"total": b.total, "occupied": b.occupied, "staffed": b.staffed, "available": b.available}
            groups.append(_group(_coding(BED_KIND_SYSTEM, kind.value, _BED_LABELS[kind]), counts))
    flow = {"admissions": report.admissions, "discharges": report.discharges, "deaths": report.deaths}
    groups.append(_group(_coding(GROUP_SYSTEM, FLOW, _GROUP_LABELS[FLOW]), flow))
    for profession in Profession:
        if (s := report.staff.get(profession)) is not None:
            coding = _coding(PROFESSION_SYSTEM, profession.value, _PROFESSION_LABELS[profession])
            groups.append(_group(coding, {"on-duty": s.on_duty, "short": s.short}))
    for supply in Supply:
        if (stock := report.supplies.get(supply)) is not None:
            days = float(stock.days_of_supply)
            if not math.isfinite(days):
                raise ValueError(f"days of supply of {supply} is not a finite number: {days}")
            group = _group(_coding(SUPPLY_SYSTEM, supply.value, _SUPPLY_LABELS[supply]), {"on-hand": stock.on_hand})
            group["measureScore"] = {"value": days, "unit": "days", "system": UCUM, "code": "d"}
            groups.append(group)
    if report.forecast:
        ahead = {f"forecast-day-{i}": v for i, v in enumerate(report.forecast, start=1)}
        groups.append(_group(_coding(GROUP_SYSTEM, FORECAST, _GROUP_LABELS[FORECAST]), ahead))

    hospital = f"Organization/{report.hospital}"
    return {
        "resourceType": "MeasureReport",
        "status": "complete",
        "type": "summary",
        "measure": MEASURE,
        "subject": {
            "reference": hospital,
            "identifier": {"system": HOSPITAL_IDENTIFIER_SYSTEM, "value": report.hospital},
        },
        "date": when.astimezone(SEOUL).isoformat(timespec="seconds"),
        "reporter": {"reference": hospital if reporter is None else f"Organization/{reporter}"},
        "period": {"start": start.isoformat(timespec="seconds"), "end": end.isoformat(timespec="seconds")},
        "group": groups,
    }


# ---- from FHIR ---------------------------------------------------------------------------


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "resource_type":
            out += ".resourceType" if out else "resourceType"
        elif part.lstrip("_").isidentifier():  # skips pydantic's own tags, e.g. "function-after[...]"
            out += f".{part}" if out else part
    return out


def _reason(error: ErrorDetails) -> str:
    kind, message = error["type"], error["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return "is not an element of a MeasureReport here"
    if kind == "json_invalid":
        return "must be a JSON object"
    if kind.endswith(".missing") or kind == "missing":
        return "is required"
    if m := re.match(r"(\w+) value string does not match spec regex", message):
        return f"is not a valid FHIR {m[1][0].lower()}{m[1][1:]}"
    return message


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _obj(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _instant(raw: object) -> datetime | None:
    """An aware datetime from a FHIR dateTime precise to the second, else None."""
    if not isinstance(raw, str) or len(raw) < len("2020-01-01T00:00:00Z"):
        return None
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def _codings(concept: object) -> list[tuple[str, str]]:
    return [(str(c.get("system", "")), str(c.get("code", ""))) for c in map(_obj, _list(_obj(concept).get("coding")))]


_T = TypeVar("_T")


def _identify(codings: list[tuple[str, str]], table: Mapping[tuple[str, str], _T]) -> list[_T]:
    out: list[_T] = []
    for coding in codings:
        if coding in table and table[coding] not in out:
            out.append(table[coding])
    return out


class _Reader:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.problems: list[tuple[str, str]] = []

    def refuse(self, path: str, reason: str) -> None:
        self.problems.append((path, reason))

    def header(self) -> None:
        d = self.data
        if d.get("measure") != MEASURE:
            self.refuse("measure", f"must be {MEASURE}, got {d.get('measure')!r}")
        status = d.get("status")
        if status not in _STATUSES:
            self.refuse("status", f"{status!r} is not a MeasureReport status ({', '.join(_STATUSES)})")
        elif status != "complete":
            self.refuse("status", f"only complete reports are accepted, got {status!r}")
        if d.get("type") != "summary":
            self.refuse("type", f"must be 'summary', got {d.get('type')!r}")

    def hospital(self) -> str | None:
        subject = self.data.get("subject")
        if subject is None:
            self.refuse("subject", "is missing: the report must name its hospital as Organization/<hospital code>")
            return None
        reference = _obj(subject).get("reference")
        found = _SUBJECT.fullmatch(reference) if isinstance(reference, str) else None
        if found is None:
            self.refuse("subject.reference", f"must be Organization/<hospital code>, got {reference!r}")
            return None
        identifier = _obj(_obj(subject).get("identifier"))
        if "value" in identifier and identifier["value"] != found[1]:
            self.refuse("subject.identifier.value", f"names {identifier['value']!r}, the reference {found[1]!r}")
        return found[1]

    def day(self) -> date | None:
        period = _obj(self.data.get("period"))
        if not period:
            self.refuse("period", "is missing: the report must cover one Seoul calendar day")
            return None
        start, end = _instant(period.get("start")), _instant(period.get("end"))
        for name, at in (("start", start), ("end", end)):
            if at is None:
                self.refuse(
                    f"period.{name}", "must be a date-time to the second with an offset, e.g. 2024-03-01T00:00:00+09:00"
                )
        if start is None or end is None:
            return None
        local = start.astimezone(SEOUL)
        if local != local_midnight(local.date()):
            self.refuse("period.start", "must be 00:00:00 Seoul time (+09:00): a report covers one Seoul calendar day")
            return None
        next_midnight = local_midnight(local.date() + timedelta(days=1))
        if not next_midnight - timedelta(seconds=1) <= end < next_midnight:
            self.refuse(
                "period.end",
                f"must be 23:59:59 Seoul time of {local.date()}, got {period.get('end')}: a report covers one Seoul calendar day",
            )
            return None
        return local.date()

    def count(self, population: Mapping[str, Any], at: str) -> int | None:
        if "count" not in population:
            self.refuse(f"{at}.count", "is missing: every population needs a count")
            return None
        value = population["count"]
        if type(value) is not int:
            self.refuse(f"{at}.count", f"must be a whole number (a JSON integer), got {value!r}")
            return None
        if value < 0:
            self.refuse(f"{at}.count", f"must not be negative, got {value}")
            return None
        return value

    def populations(self, group: Mapping[str, Any], at: str, section: str) -> dict[str, int] | None:
        expected = _EXPECTED[section]
        items = _list(group.get("population"))
        if section == "forecast" and len(items) != FORECAST_DAYS:
            self.refuse(
                f"{at}.population", f"a forecast gives {FORECAST_DAYS} days (+1 to +{FORECAST_DAYS}), got {len(items)}"
            )
            return None
        before = len(self.problems)
        counts: dict[str, int] = {}
        seen: dict[str, int] = {}
        for j, population in enumerate(map(_obj, items)):
            here = f"{at}.population[{j}]"
            codings = _codings(population.get("code"))
            keys = _identify(codings, _POPULATION_BY_CODING)
            if len(keys) != 1 or keys[0] not in expected:
                shown = ", ".join(f"{s}|{c}" for s, c in codings) or "none"
                why = "codes that disagree" if len(keys) > 1 else f"an unknown code for a {section} group"
                self.refuse(f"{here}.code", f"{why}: {shown} (expected one of {', '.join(expected)})")
                continue
            if keys[0] in seen:
                self.refuse(f"{here}.code", f"repeats {keys[0]!r}, given in {at}.population[{seen[keys[0]]}]")
                continue
            seen[keys[0]] = j
            if (value := self.count(population, here)) is not None:
                counts[keys[0]] = value
        if missing := [k for k in expected if k not in seen]:
            self.refuse(f"{at}.population", f"is missing {', '.join(missing)}")
        return counts if len(self.problems) == before else None

    def days_of_supply(self, group: Mapping[str, Any], at: str) -> float | None:
        score = group.get("measureScore")
        if score is None:
            self.refuse(f"{at}.measureScore", "is missing: a supply group gives its days of supply as measureScore")
            return None
        score = _obj(score)
        value = score.get("value")
        if score.get("system") != UCUM or score.get("code") != "d":
            self.refuse(f"{at}.measureScore", f"must be in days (UCUM code 'd' of {UCUM})")
        elif "comparator" in score:
            self.refuse(f"{at}.measureScore.comparator", "days of supply must be an exact value")
        elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.refuse(f"{at}.measureScore.value", f"must be a number of days, got {value!r}")
        else:
            return float(value)
        return None

    def read(self) -> DailyReport:
        self.header()
        hospital, day = self.hospital(), self.day()
        beds: dict[BedKind, Beds] = {}
        staff: dict[Profession, Staff] = {}
        supplies: dict[Supply, Stock] = {}
        flow: dict[str, int] | None = None
        forecast: tuple[int, ...] = ()
        seen: dict[tuple[str, str], int] = {}
        for i, group in enumerate(map(_obj, _list(self.data.get("group")))):
            at = f"group[{i}]"
            codings = _codings(group.get("code"))
            known = list(dict.fromkeys(c for c in codings if c in _GROUP_BY_CODING))
            if len(known) != 1:
                shown = ", ".join(f"{s}|{c}" for s, c in codings) or "none"
                self.refuse(f"{at}.code", f"{'codes that disagree' if known else 'an unknown group code'}: {shown}")
                continue
            if known[0] in seen:
                self.refuse(f"{at}.code", f"repeats {known[0][1]!r}, given in group[{seen[known[0]]}]")
                continue
            seen[known[0]] = i
            section, item = _GROUP_BY_CODING[known[0]]
            if "stratifier" in group:
                self.refuse(f"{at}.stratifier", "is not used by this measure")
            if section != "supply" and "measureScore" in group:
                self.refuse(f"{at}.measureScore", "is only used by supply groups (days of supply)")
            days = self.days_of_supply(group, at) if section == "supply" else None
            counts = self.populations(group, at, section)
            if counts is None:
                continue
            if isinstance(item, BedKind):
                beds[item] = Beds(counts["total"], counts["occupied"], counts["staffed"], counts["available"])
            elif isinstance(item, Profession):
                staff[item] = Staff(on_duty=counts["on-duty"], short=counts["short"])
            elif isinstance(item, Supply) and days is not None:
                supplies[item] = Stock(on_hand=counts["on-hand"], days_of_supply=days)
            elif section == "flow":
                flow = counts
            elif section == "forecast":
                forecast = tuple(counts[k] for k in FORECAST_POPULATIONS)
        if (GROUP_SYSTEM, FLOW) not in seen:
            self.refuse("group", f"is missing the {FLOW} group (admissions, discharges, deaths)")
        if self.problems or hospital is None or day is None or flow is None:
            raise FhirError(self.problems)
        return DailyReport(
            hospital=hospital,
            day=day,
            beds=beds,
            admissions=flow["admissions"],
            discharges=flow["discharges"],
            deaths=flow["deaths"],
            staff=staff,
            supplies=supplies,
            forecast=forecast,
        )


def from_measure_report(data: Mapping[str, Any]) -> DailyReport:
    """The report a MeasureReport carries, or :class:`FhirError` with every problem found.

    The resource is first validated as a FHIR R4 MeasureReport (structure and datatypes, by
    fhir.resources); then this measure's rules are checked: measure, status complete, type
    summary, subject, one Seoul day, known and unrepeated group and population codes, counts
    that are non-negative integers, a full forecast. Capacity logic (occupied over total and so
    on) is left to ``report.check``."""
    if not isinstance(data, Mapping):
        raise FhirError([("", f"a MeasureReport must be a JSON object, got {type(data).__name__}")])
    resource_type = data.get("resourceType")
    if resource_type != "MeasureReport":
        raise FhirError([("resourceType", f"must be 'MeasureReport', got {resource_type!r}")])
    try:
        MeasureReport.model_validate(dict(data))
    except ValidationError as e:
        raise FhirError([(_path(err["loc"]), _reason(err)) for err in e.errors()]) from None
    except (TypeError, ValueError) as e:  # the library's own checks outside pydantic's
        raise FhirError([("", f"not a valid MeasureReport: {e}")]) from None
    return _Reader(data).read()
