"""The flat form of a daily report: one row per hospital and day, as in the CSV upload and the
web form. Columns (docs/hospitals-reporting.md):

``hospital, day``; per bed kind ``<kind>_total, <kind>_occupied, <kind>_staffed, <kind>_available``
(a kind whose four cells are empty is not reported); ``admissions, discharges, deaths``; per
profession ``staff_<profession>_on_duty, staff_<profession>_short``; per supply
``supply_<supply>_on_hand, supply_<supply>_days``; ``forecast_1`` … ``forecast_7``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Mapping
from datetime import date

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

BED_FIELDS = ("total", "occupied", "staffed", "available")
MAX_COUNT = 100_000
MAX_DAYS_OF_SUPPLY = 3650.0


def columns() -> list[str]:
    out = ["hospital", "day"]
    out += [f"{k}_{f}" for k in BED_KINDS for f in BED_FIELDS]
    out += ["admissions", "discharges", "deaths"]
    out += [f"staff_{p}_{f}" for p in Profession for f in ("on_duty", "short")]
    out += [f"supply_{s}_{f}" for s in Supply for f in ("on_hand", "days")]
    out += [f"forecast_{i}" for i in range(1, FORECAST_DAYS + 1)]
    return out


COLUMNS = columns()

Errors = list[tuple[str, str]]


def from_row(row: Mapping[str, str], *, hospital: str | None = None) -> tuple[DailyReport | None, Errors]:
    """A report from one flat row (text cells), or the (column, reason) of every unreadable cell.
    ``hospital`` fixes the hospital (the web form); otherwise the row's ``hospital`` column."""
    errors: Errors = []

    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    def count(name: str, *, required: bool = False) -> int | None:
        text = cell(name)
        if not text:
            if required:
                errors.append((name, "is required"))
            return None
        try:
            value = int(text)
        except ValueError:
            errors.append((name, f"{text!r} is not a whole number"))
            return None
        if not 0 <= value <= MAX_COUNT:
            errors.append((name, f"must be from 0 to {MAX_COUNT}"))
            return None
        return value

    code = hospital or cell("hospital")
    if not code:
        errors.append(("hospital", "is required"))
    day: date | None = None
    try:
        day = date.fromisoformat(cell("day"))
    except ValueError:
        errors.append(("day", f"{cell('day')!r} is not a date like 2020-12-01" if cell("day") else "is required"))

    beds: dict[BedKind, Beds] = {}
    for kind in BED_KINDS:
        names = [f"{kind}_{f}" for f in BED_FIELDS]
        if not any(cell(n) for n in names):
            continue
        values = [count(n, required=True) for n in names]
        if all(v is not None for v in values):
            total, occupied, staffed, available = (int(v or 0) for v in values)
            beds[BedKind(kind)] = Beds(total, occupied, staffed, available)
    if not beds and not any(cell(f"{k}_{f}") for k in BED_KINDS for f in BED_FIELDS):
        errors.append(("beds", "report at least one kind of bed"))

    admissions, discharges, deaths = (count(n) or 0 for n in ("admissions", "discharges", "deaths"))
    staff: dict[Profession, Staff] = {}
    for p in Profession:
        on_duty, short = count(f"staff_{p}_on_duty"), count(f"staff_{p}_short")
        if on_duty is not None or short is not None:
            staff[p] = Staff(on_duty or 0, short or 0)
    supplies: dict[Supply, Stock] = {}
    for s in Supply:
        on_hand = count(f"supply_{s}_on_hand")
        days_text = cell(f"supply_{s}_days")
        days_value: float | None = None
        if days_text:
            try:
                days_value = float(days_text)
            except ValueError:
                errors.append((f"supply_{s}_days", f"{days_text!r} is not a number"))
            else:
                if not math.isfinite(days_value) or not 0 <= days_value <= MAX_DAYS_OF_SUPPLY:
                    errors.append((f"supply_{s}_days", f"must be from 0 to {MAX_DAYS_OF_SUPPLY:g}"))
                    days_value = None
        if on_hand is not None or days_value is not None:
            if on_hand is None or days_value is None:
                missing = f"supply_{s}_on_hand" if on_hand is None else f"supply_{s}_days"
                if not any(e[0] == missing for e in errors):
                    errors.append((missing, "give both the stock and its days of supply"))
            else:
                supplies[s] = Stock(on_hand, days_value)
    forecast_cells = [f"forecast_{i}" for i in range(1, FORECAST_DAYS + 1)]
    forecast: tuple[int, ...] = ()
    if any(cell(n) for n in forecast_cells):
        values = [count(n, required=True) for n in forecast_cells]
        if all(v is not None for v in values):
            forecast = tuple(int(v or 0) for v in values)
    if errors or day is None:
        return None, errors
    return (
        DailyReport(code, day, beds, admissions, discharges, deaths, staff, supplies, forecast),
        errors,
    )


def to_row(report: DailyReport) -> dict[str, str]:
    """The flat row of a report (empty cells for what it does not say)."""
    row = dict.fromkeys(COLUMNS, "")
    row["hospital"], row["day"] = report.hospital, report.day.isoformat()
    for kind, b in report.beds.items():
        for f in BED_FIELDS:
            row[f"{kind}_{f}"] = str(getattr(b, f))
    row["admissions"], row["discharges"], row["deaths"] = (
        str(report.admissions),
        str(report.discharges),
        str(report.deaths),
    )
    for p, s in report.staff.items():
        row[f"staff_{p}_on_duty"], row[f"staff_{p}_short"] = str(s.on_duty), str(s.short)
    for k, stock in report.supplies.items():
        row[f"supply_{k}_on_hand"], row[f"supply_{k}_days"] = str(stock.on_hand), number_text(stock.days_of_supply)
    for i, value in enumerate(report.forecast, start=1):
        row[f"forecast_{i}"] = str(value)
    return row


def number_text(value: float) -> str:
    """The shortest text that reads back as exactly ``value`` ("12" for 12.0)."""
    text = repr(float(value))
    return text.removesuffix(".0")


class HeaderError(ValueError):
    def __init__(self, problems: Errors):
        self.problems = problems
        super().__init__("; ".join(f"{c}: {r}" for c, r in problems))


def read_csv(text: str) -> Iterator[tuple[int, DailyReport | None, Errors]]:
    """Each data row of an uploaded CSV as (line, report or None, errors). A header that lacks
    ``hospital`` or ``day`` or names an unknown column raises :class:`HeaderError` at once."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    problems: Errors = [(c, "unknown column") for c in header if c not in COLUMNS]
    problems += [(c, "column missing from the header") for c in ("hospital", "day") if c not in header]
    if len(set(header)) != len(header):
        problems.append(("header", "a column is named twice"))
    if problems:
        raise HeaderError(problems)
    reader.fieldnames = header
    for row in reader:
        if None in row:
            yield reader.line_num, None, [("row", "more cells than columns")]
            continue
        report, errors = from_row(row)
        yield reader.line_num, report, errors
