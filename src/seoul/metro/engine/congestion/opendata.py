"""Yesterday's measured congestion as an open-data table, in the form of Seoul Metro's own
publication (서울교통공사 지하철 혼잡도 정보): per service day, line, station, direction,
half-hour and car, how many trains were weighed and their mean and highest congestion in %.

- station code: the baseline table's number for the station on the line (empty where the
  table has none);
- direction: the table's convention, row 0 = 상선 and row 1 = 하선, or 내선/외선 at stations of
  the 2호선 loop, 성수 and 신도림 included (the branches' other stations keep 상선/하선, the
  first row running toward 성수 and 까치산);
- half-hour: the label of the slot the train left in (``baseline.SLOT_LABELS``: "08:00" is
  08:00-08:30, "00:00" is 00:00-00:30 of the next calendar day); a departure between 02:00
  and 05:30, outside the published slots, is left out; the service day is the one the
  departure belongs to (before 05:30 it is the previous day's);
- congestion: a car's load-weighing over 65 kg a rider and 160 riders (``levels``); a record
  with a refused load is left out whole (the same rule as the feed's adapter).

:func:`to_csv` writes it with a Korean header, UTF-8 **with a byte-order mark** by default:
Excel, which most readers of such a file open it with, reads a CSV without one in the
system's code page (CP949 on Korean Windows) and garbles the Korean; with the mark it reads
UTF-8. LibreOffice and pandas read either; Python's ``csv`` wants ``encoding="utf-8-sig"``
(plain "utf-8" keeps the mark in the first title). ``bom=False`` is there for programs that
would take the mark for part of the first column.

Pure: no Django.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields
from datetime import date

from seoul.core.engine.time import SEOUL

from .baseline import SLOT_LABELS, service_day, slot_of, table
from .levels import percent_from_load_kg
from .live import Departure

HEADER_KO = ("운행일", "호선", "역명", "역번호", "구분", "시간대", "칸", "열차수", "평균혼잡도(%)", "최대혼잡도(%)")
"""Column titles of the CSV, in the order of :class:`Row`'s fields."""


@dataclass(frozen=True)
class Row:
    service_day: date
    line: str
    station: str
    station_code: int | None
    direction: str  # 상선 | 하선 | 내선 | 외선
    slot: str  # "08:00" = 08:00-08:30
    car: int  # 1 = the first car in the direction of travel
    trains: int
    mean_percent: float
    max_percent: float


def direction_label(line: str, station: str, direction: int) -> str:
    """상선/하선 (row 0/1), or 내선/외선 at a station of the 2호선 loop."""
    if direction not in (0, 1):
        raise ValueError(f"direction {direction}: 0 (first row) or 1 (second row)")
    loop = any(route.loop for route in table().routes_of(line, station))
    return ("내선", "외선")[direction] if loop else ("상선", "하선")[direction]


def daily_table(departures: Iterable[Departure]) -> list[Row]:
    """Per service day, line, station, direction, half-hour and car: trains, mean and max %.
    Rows in the order of day, line, station code (stations without one last), direction,
    half-hour and car."""
    groups: dict[tuple[date, str, str, int, int, int], list[float]] = defaultdict(list)
    for d in departures:
        local = d.departed_at.astimezone(SEOUL)
        try:
            slot = slot_of(local.time())
            pcts = [percent_from_load_kg(kg) for kg in d.loads_kg]
        except ValueError:
            continue
        day = service_day(local)
        for car, pct in enumerate(pcts, start=1):
            groups[(day, d.line, d.station, d.direction, slot, car)].append(pct)
    codes = table().code_of
    keyed = []
    for (day, line, station, direction, slot, car), values in groups.items():
        code = codes.get((line, station))
        row = Row(
            service_day=day,
            line=line,
            station=station,
            station_code=code,
            direction=direction_label(line, station, direction),
            slot=SLOT_LABELS[slot],
            car=car,
            trains=len(values),
            mean_percent=round(sum(values) / len(values), 1),
            max_percent=round(max(values), 1),
        )
        line_order = int(line) if line.isdigit() else 99
        keyed.append(
            ((day, line_order, line, code if code is not None else 1 << 30, station, direction, slot, car), row)
        )
    keyed.sort(key=lambda item: item[0])
    return [row for _, row in keyed]


def to_csv(rows: Iterable[Row], *, bom: bool = True) -> str:
    """The table as CSV text (RFC 4180 line ends) with the Korean header of :data:`HEADER_KO`;
    with a byte-order mark first unless ``bom`` is False (module docstring says why)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER_KO)
    assert len(HEADER_KO) == len(fields(Row))  # noqa: S101 - one title per field
    for row in rows:
        values = astuple(row)
        writer.writerow(
            [
                values[0].isoformat(),
                *["" if v is None else (f"{v:.1f}" if isinstance(v, float) else v) for v in values[1:]],
            ]
        )
    return ("\ufeff" if bom else "") + out.getvalue()
