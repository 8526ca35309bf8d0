"""Seoul Metro's published congestion per station, direction and half-hour: the seasonal baseline.

``reference/congestion_by_slot.csv`` (see ``reference/SOURCE.md``) holds, for lines 1–8 and each
day type, two rows per station (one per direction) with the mean congestion in % in half-hour
slots labelled 5:30 … 1:30 (41 labels; the rows carry values up to 00:30 only, and Saturdays and
holidays have none after 23:30: no published figure is ``nan`` here).

A value is the load of the trains **leaving** the station in that direction: at every terminal
the data covers (방화, 하남검단산, 마천, 장암, 암사, 모란, 오금, 신설동) the row of the direction
that would leave the line is 0 all day, and the other row is the small load of riders boarding
at the terminal.

Which row is which travel direction is not written in the copy (the direction text was lost).
:data:`ROUTES` records what the data itself shows (:func:`direction_evidence` recomputes it):

- the terminal zeros above tie the rows of lines 3, 5, 7, 8 and of both 2호선 branches;
- for the other lines, the shape of the morning and evening profiles: along the direction of
  travel a morning train fills gradually (many small boardings in the suburbs) and empties
  abruptly (few large alightings in the business districts), and the evening is the reverse, so
  the skewness of the station-to-station load change is negative in the morning and positive in
  the evening in the direction of travel (the statistic ``skew(morning) - skew(evening)`` is
  negative for the row whose travel is forward). It agrees with the terminal zeros where both
  exist on the long routes (lines 3, 5, 7, 2호선 branches) and is weak on short or looped ones;
- on the 2호선 loop neither works; the second row carries the well-known morning crush from
  신림 through 사당 to 강남 (105 → 142 → 107 % at 8:00) only if it runs counter-clockwise.

Result: the **first row is the 상선/내선 direction** on every line (toward 청량리 on line 1,
clockwise on the 2호선 loop, toward 지축, 불암산, 방화, 응암, 장암, 암사 on lines 3–8, toward 강동 on
the 마천 branch), which is the order the source is said to use (상선 then 하선, 내선 then 외선).
On the 2호선 branches the first row runs toward 성수 (성수지선) and toward 까치산 (신정지선).

Station numbers join ``stations.csv``'s ``station_code``, with one inferred exception: number 260
(not in ``stations.csv``) is read as 까치산 on the 신정지선 (its first row is 0 all day like a
branch terminal's and its neighbour in the data is 신정네거리). ``stations.csv`` gives line 6
codes that disagree with the congestion data by one place between 연신내 and 봉화산 (see
``docs/metro-congestion.md``); the join follows ``stations.csv`` and says so in :data:`NOTES`.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from seoul.metro.engine.data import REFERENCE

F64 = npt.NDArray[np.float64]
DayType = Literal["weekday", "saturday", "holiday"]
DAY_TYPES: tuple[DayType, ...] = ("weekday", "saturday", "holiday")
FILE = REFERENCE / "congestion_by_slot.csv"
SLOTS = 41
SLOT_MINUTES = 30
FIRST_SLOT = time(5, 30)
SLOT_LABELS = tuple(
    f"{(5 * 60 + 30 + SLOT_MINUTES * i) // 60 % 24:02d}:{(30 + SLOT_MINUTES * i) % 60:02d}" for i in range(SLOTS)
)
CARS: dict[str, int] = {"1": 10, "2": 10, "3": 10, "4": 10, "5": 8, "6": 8, "7": 8, "8": 6}
"""Cars per train on Seoul Metro's lines 1–8."""
CODE_ALIASES: dict[tuple[str, int], str] = {("2", 260): "까치산"}
NOTES: tuple[str, ...] = (
    "line 6: stations.csv codes 2615-2648 appear shifted by one against the congestion data "
    "(the join follows stations.csv; line 6 figures may belong to the neighbouring station)",
    "2호선 260 is read as 까치산 (not in stations.csv)",
)

# Korean public holidays (관공서의 공휴일에 관한 규정, with substitute holidays and election days)
# as the author knows them; not checked against the official 월력요항 — correct here when they are.
HOLIDAYS: frozenset[date] = frozenset(
    date.fromisoformat(d)
    for d in [
        "2025-01-01",
        "2025-01-27",
        "2025-01-28",
        "2025-01-29",
        "2025-01-30",
        "2025-03-01",
        "2025-03-03",
        "2025-05-05",
        "2025-05-06",
        "2025-06-03",
        "2025-06-06",
        "2025-08-15",
        "2025-10-03",
        "2025-10-05",
        "2025-10-06",
        "2025-10-07",
        "2025-10-08",
        "2025-10-09",
        "2025-12-25",
        "2026-01-01",
        "2026-02-16",
        "2026-02-17",
        "2026-02-18",
        "2026-03-01",
        "2026-03-02",
        "2026-05-05",
        "2026-05-24",
        "2026-05-25",
        "2026-06-03",
        "2026-06-06",
        "2026-08-15",
        "2026-08-17",
        "2026-09-24",
        "2026-09-25",
        "2026-09-26",
        "2026-10-03",
        "2026-10-05",
        "2026-10-09",
        "2026-12-25",
        "2027-01-01",
        "2027-02-06",
        "2027-02-07",
        "2027-02-08",
        "2027-02-09",
        "2027-03-01",
        "2027-05-05",
        "2027-05-13",
        "2027-06-06",
        "2027-08-15",
        "2027-08-16",
        "2027-09-14",
        "2027-09-15",
        "2027-09-16",
        "2027-10-03",
        "2027-10-04",
        "2027-10-09",
        "2027-10-11",
        "2027-12-25",
        "2027-12-27",
    ]
)
HOLIDAY_YEARS = range(2025, 2028)


def service_day(at: datetime) -> date:
    """The service day a moment belongs to: before 05:30 it is still the previous day's service."""
    return (at - timedelta(days=1)).date() if at.time() < FIRST_SLOT else at.date()


def day_type(day: date) -> DayType:
    """weekday, saturday or holiday (Sundays and the public holidays in :data:`HOLIDAYS`).
    A date outside the years of the list is refused rather than guessed."""
    if day.year not in HOLIDAY_YEARS:
        raise ValueError(f"no holiday list for {day.year} (known: {HOLIDAY_YEARS.start}-{HOLIDAY_YEARS.stop - 1})")
    if day.weekday() == 6 or day in HOLIDAYS:
        return "holiday"
    return "saturday" if day.weekday() == 5 else "weekday"


def slot_of(at: time) -> int:
    """Index (0..40) of the half-hour slot holding ``at``: 0 is 05:30-06:00, 37 is 00:00-00:30
    (the label "24:00"), 40 is 01:30-02:00. Between 02:00 and 05:30 there is none."""
    minutes = at.hour * 60 + at.minute - (FIRST_SLOT.hour * 60 + FIRST_SLOT.minute)
    if minutes < 0:
        minutes += 24 * 60
    slot = minutes // SLOT_MINUTES
    if slot >= SLOTS:
        raise ValueError(f"{at:%H:%M} is outside the published slots (05:30 to 02:00)")
    return slot


def minute_of_service(at: datetime) -> float:
    """Minutes since 05:30 of the service day ``at`` belongs to."""
    start = datetime.combine(service_day(at), FIRST_SLOT, tzinfo=at.tzinfo)
    return (at - start).total_seconds() / 60


@dataclass(frozen=True)
class Route:
    """Stations of one line, in travel order from ``stations[0]`` (forward) and back; only
    stations with a published figure. ``forward_row`` is the CSV row (0 first, 1 second) whose
    trains travel forward."""

    line: str
    stations: tuple[str, ...]
    codes: tuple[int, ...]
    minutes: tuple[float, ...]
    """Scheduled minutes from each station to the next (forward); a loop adds the closing hop."""
    forward_row: int
    loop: bool

    @property
    def name(self) -> str:
        return f"{self.stations[0]}-{self.stations[-1]}"

    def row(self, forward: bool) -> int:
        return self.forward_row if forward else 1 - self.forward_row

    def terminal(self, forward: bool) -> str:
        if self.loop:
            return "내선 (clockwise)" if forward else "외선 (counter-clockwise)"
        return self.stations[-1] if forward else self.stations[0]

    def ordered(self, forward: bool) -> tuple[list[str], list[float]]:
        """Stations in travel order for a direction, and minutes between consecutive ones."""
        if forward:
            return list(self.stations), list(self.minutes)
        hops = list(self.minutes[: len(self.stations) - 1])
        if self.loop:
            names = [self.stations[0], *reversed(self.stations[1:])]
            return names, [self.minutes[-1], *reversed(hops)]
        return list(reversed(self.stations)), list(reversed(hops))


# (line, origin, terminal, loop, forward_row): see the module docstring for how each row was tied.
ROUTE_ENDS: tuple[tuple[str, str, str, bool, int], ...] = (
    ("1", "서울역", "청량리", False, 0),
    ("2", "시청", "충정로", True, 0),
    ("2", "성수", "신설동", False, 1),
    ("2", "신도림", "까치산", False, 0),
    ("3", "지축", "오금", False, 1),
    ("4", "불암산", "남태령", False, 1),
    ("5", "방화", "하남검단산", False, 1),
    ("5", "강동", "마천", False, 1),
    ("6", "응암", "신내", False, 1),
    ("7", "장암", "온수", False, 1),
    ("8", "암사", "모란", False, 1),
)


def run_minutes(km: float) -> float:
    """Scheduled minutes between two stations ``km`` apart: about 0.6 min of dwell and
    acceleration plus 1.3 min a kilometre (≈ 35 km/h between stops, Seoul Metro's schedules)."""
    return 0.6 + 1.3 * km


@dataclass(frozen=True)
class Table:
    values: dict[tuple[DayType, str, int], F64]
    """(day type, line, station number) → array (2, 41), nan where nothing is published."""
    name_of: dict[tuple[str, int], str]
    code_of: dict[tuple[str, str], int]
    unjoined: tuple[tuple[str, int], ...]
    duplicates: int
    routes: tuple[Route, ...]
    transfers: frozenset[str]
    """Stations where another line stops (``is_transfer`` in stations.csv)."""

    def profile(self, line: str, station: str, day: DayType) -> F64:
        code = self.code_of.get((line, station))
        if code is None or (day, line, code) not in self.values:
            raise KeyError(f"no published congestion for {station} on line {line}")
        return self.values[(day, line, code)]

    def lines_of(self, station: str) -> list[str]:
        return sorted(line for (line, name) in self.code_of if name == station)

    def routes_of(self, line: str, station: str) -> list[Route]:
        return [r for r in self.routes if r.line == line and station in r.stations]


def _read(path: Path) -> tuple[dict[tuple[DayType, str, int], F64], int]:
    values: dict[tuple[DayType, str, int], list[list[float]]] = defaultdict(list)
    duplicates = 0
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        first = header.index("5:30")
        for row in reader:
            if not row:
                continue
            day_text = row[1].strip().lower()
            if day_text not in DAY_TYPES:
                raise ValueError(f"{path.name}: unknown day type '{row[1]}'")
            day: DayType = day_text
            key = (day, row[2].strip(), int(row[3]))
            cells = row[first : first + SLOTS]
            figures = [float(c) if c.strip() else math.nan for c in cells] + [math.nan] * (SLOTS - len(cells))
            if len(values[key]) == 2:
                duplicates += 1  # the copy repeats one pair (남위례, 2828, on holidays); the first is kept
                continue
            values[key].append(figures)
    out = {k: np.array(v, dtype=np.float64) for k, v in values.items() if len(v) == 2}
    return out, duplicates


def _line_graph() -> tuple[dict[str, dict[str, set[str]]], dict[tuple[str, frozenset[str]], float]]:
    adj: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    km: dict[tuple[str, frozenset[str]], float] = {}
    with (REFERENCE / "segments.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            adj[row["line"]][row["from"]].add(row["to"])
            adj[row["line"]][row["to"]].add(row["from"])
            km[(row["line"], frozenset((row["from"], row["to"])))] = float(row["km"])
    return adj, km


def _path(adj: dict[str, set[str]], a: str, b: str, cut: frozenset[str] | None) -> list[str]:
    prev: dict[str, str | None] = {a: None}
    queue = [a]
    for u in queue:
        for v in sorted(adj[u]):
            if cut is not None and frozenset((u, v)) == cut:
                continue
            if v not in prev:
                prev[v] = u
                queue.append(v)
    if b not in prev:
        raise ValueError(f"no path {a}-{b}")
    out = [b]
    step = prev[b]
    while step is not None:
        out.append(step)
        step = prev[step]
    return out[::-1]


@lru_cache(maxsize=1)
def table() -> Table:
    """The baseline table and the routes, read once per process."""
    values, duplicates = _read(FILE)
    name_of: dict[tuple[str, int], str] = dict(CODE_ALIASES)
    transfers: set[str] = set()
    with (REFERENCE / "stations.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["is_transfer"] == "Y":
                transfers.add(row["station"])
            if row["station_code"].isdigit():
                name_of.setdefault((row["line"], int(row["station_code"])), row["station"])
    present = {(line, code) for (_, line, code) in values}
    name_of = {k: v for k, v in name_of.items() if k in present}
    code_of = {(line, name): code for (line, code), name in name_of.items()}
    unjoined = tuple(sorted(present - set(name_of)))
    adj, km = _line_graph()
    routes = []
    for line, a, b, loop, forward_row in ROUTE_ENDS:
        path = _path(adj[line], a, b, frozenset((a, b)) if loop else None)
        if loop:
            path.append(a)
        # Keep published stations; the minutes of skipped ones are added to the hop.
        kept: list[str] = []
        minutes: list[float] = []
        run = 0.0
        for i, name in enumerate(path):
            if i:
                run += run_minutes(km[(line, frozenset((path[i - 1], name)))])
            if (line, name) in code_of and not (loop and i == len(path) - 1):
                if kept:
                    minutes.append(run)
                kept.append(name)
                run = 0.0
        if loop:
            minutes.append(run)
        routes.append(
            Route(line, tuple(kept), tuple(code_of[(line, s)] for s in kept), tuple(minutes), forward_row, loop)
        )
    return Table(values, name_of, code_of, unjoined, duplicates, tuple(routes), frozenset(transfers))


def baseline(line: str, station: str, direction: int, day: DayType, slot: int) -> float:
    """Published mean congestion in % of the trains leaving ``station`` on ``line`` in the CSV's
    ``direction`` row (0 first = 상선/내선, 1 second = 하선/외선; see the module docstring), on
    day type ``day``, in half-hour ``slot`` (:func:`slot_of`); ``nan`` where none is published."""
    if direction not in (0, 1):
        raise ValueError(f"direction {direction}: 0 (first row) or 1 (second row)")
    if not 0 <= slot < SLOTS:
        raise ValueError(f"slot {slot} outside 0..{SLOTS - 1}")
    return float(table().profile(line, station, day)[direction, slot])


def skew(x: F64) -> float:
    x = x[np.isfinite(x)]
    sd = float(x.std())
    return float(((x - x.mean()) ** 3).mean() / sd**3) if sd > 0 else 0.0


MORNING = slice(3, 7)  # 07:00-09:00
EVENING = slice(24, 28)  # 17:30-19:30


def direction_evidence(route: Route) -> dict[str, object]:
    """What the weekday profiles say about which row travels forward on ``route`` (see the
    module docstring): the row that is 0 all day at a terminal, and the morning/evening skew
    statistic of each row read as forward (negative: that row travels forward)."""
    t = table()
    names = list(route.stations)
    profiles = np.stack([t.profile(route.line, s, "weekday") for s in names])  # (n, 2, 41)
    out: dict[str, object] = {"route": route.name, "line": route.line, "forward_row_used": route.forward_row}
    zeros = {}
    if not route.loop:
        for end, forward in ((names[0], False), (names[-1], True)):
            total = np.nansum(profiles[names.index(end)], axis=1)
            if total.min() < 1 and total.max() > 10:
                # the row that is 0 at this end travels toward it
                zeros[end] = {
                    "row_zero": int(total.argmin()),
                    "means_forward_row": int(total.argmin()) if forward else int(total.argmax()),
                }
    out["terminal_zero"] = zeros
    stat = []
    for row in (0, 1):
        change = np.diff(profiles[:, row, :], axis=0)
        stat.append(round(skew(change[:, MORNING].ravel()) - skew(change[:, EVENING].ravel()), 2))
    out["skew_statistic"] = stat
    out["skew_says_forward_row"] = int(np.argmin(stat)) if abs(stat[0] - stat[1]) > 0.5 else None
    return out


UP_WORDS = frozenset({"상행", "상선", "up", "upbound", "first"})
DOWN_WORDS = frozenset({"하행", "하선", "down", "downbound", "second"})
INNER_WORDS = frozenset({"내선", "내선순환", "inner", "clockwise"})
OUTER_WORDS = frozenset({"외선", "외선순환", "outer", "counterclockwise", "counter-clockwise", "anticlockwise"})
_TOWARD_PREFIXES = ("toward ", "towards ", "to ", "for ", "bound for ")
_TOWARD_SUFFIXES = (" 방면", "방면", " 방향", "방향", "행", " bound", "-bound")


class DirectionError(ValueError):
    """A direction that names no way a train runs from the station; ``suggestions`` are ones that do."""

    def __init__(self, text: str, suggestions: list[str]):
        self.text = text
        self.suggestions = suggestions
        super().__init__(f"unknown direction '{text}' here; say one of: {', '.join(suggestions)}")


def direction_words(route: Route) -> list[str]:
    """What a rider may say for the two directions of ``route``, for error messages."""
    if route.loop:
        return ["내선 (inner, clockwise)", "외선 (outer, counter-clockwise)", "toward <next station>"]
    up = route.terminal(route.forward_row == 0)
    down = route.terminal(route.forward_row == 1)
    return [f"{up} / 상행 (up)", f"{down} / 하행 (down)", "toward <a station on the line>"]


def parse_direction(route: Route, station: str, text: str, resolve: Callable[[str], str]) -> bool:
    """True if ``text`` means travel forward on ``route`` from ``station``: 상행/하행, 내선/외선,
    up/down/inner/outer (the CSV's first row is 상선/내선), or a station the train is heading to
    ("toward 성수", "성수 방면", "성수행", or the name alone). ``resolve`` turns a typed station name
    into the data's (it may raise the network's UnknownStation). Raises DirectionError."""
    words = text.strip()
    key = words.lower().replace("_", " ")
    if key in UP_WORDS or (route.loop and key in INNER_WORDS):
        return route.forward_row == 0
    if key in DOWN_WORDS or (route.loop and key in OUTER_WORDS):
        return route.forward_row == 1
    if key in INNER_WORDS | OUTER_WORDS:
        raise DirectionError(text, direction_words(route))
    name = words
    for prefix in _TOWARD_PREFIXES:
        if name.lower().startswith(prefix):
            name = name[len(prefix) :]
    for suffix in _TOWARD_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    try:
        target = resolve(name.strip())
    except KeyError:
        raise DirectionError(text, direction_words(route)) from None
    if target == station or target not in route.stations:
        raise DirectionError(text, direction_words(route))
    here, there = route.stations.index(station), route.stations.index(target)
    if route.loop:
        n = len(route.stations)
        return (there - here) % n <= n // 2
    return there > here


def route_for(line: str, station: str, toward: str | None = None) -> Route:
    """The route of ``line`` through ``station`` (the one that also holds ``toward`` if given,
    else the first: the trunk before a branch)."""
    found = table().routes_of(line, station)
    if not found:
        raise KeyError(f"{station} has no published congestion on line {line}")
    if toward is not None:
        for route in found:
            if toward in route.stations and toward != station:
                return route
    return found[0]
