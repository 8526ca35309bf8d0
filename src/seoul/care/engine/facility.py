"""The facility model of a daycare centre (어린이집) for the S-돌봄 design checks (issue 17).

Seoul Design Foundation's S-돌봄 guideline asks that care facilities keep running through an
epidemic, "from where the washbasins are to storage, ventilation and separated circulation of
staff and users". To check a design against it the platform needs the plan as data: rooms with
their use and footprint, the doors and openings between them and to the outside (and who may pass
each one), windows, washbasins, mechanical ventilation, air cleaners and who is in each room when.
This module is that data: a JSON format (``seoul.care.facility/1``, specified in
``docs/care-facility.md``), its parser and validator, and the frozen dataclasses the checks
(:mod:`.checks`) and the IFC import (:mod:`.ifc`) share.

Conventions:

* One storey, plan coordinates in metres (x to the east, y to the north is the usual reading, but
  only consistency matters). A room's polygon is its floor outline; rooms drawn to wall centre
  lines touch, rooms drawn to the inner faces of walls are separated by the wall's thickness, so
  two rooms "share a wall" when their outlines come within ``wall_tolerance_m`` (default 0.3 m) of
  each other over a length at least a door's width.
* The outside is the reserved room id ``"outside"``; it is never a room.
* Every input error is collected with its path (``rooms[3].polygon``, ``doors[0].rooms[1]``) and
  reason; :class:`ValidationErrors` carries them all, never only the first.

Figures used here and where they come from:

* Teacher ratios: 영유아보육법 시행규칙 [별표 2] 어린이집의 원장 및 직원 배치기준 — 보육교사 1명당 만1세
  미만 영아 3명, 만1세 이상 만2세 미만 5명, 만2세 이상 만3세 미만 7명, 만3세 이상 만4세 미만 유아 15명,
  만4세 이상 미취학 유아 20명 (the issue's figures; the class groups 만0세…만5세 are mapped onto
  these bands: 만0세 1:3, 만1세 1:5, 만2세 1:7, 만3세 1:15, 만4세·만5세 1:20). For a class mixing ages
  the ratio of its youngest age group applies (보건복지부 「보육사업안내」, 혼합반 편성 — the rule as
  the platform understands it; see the report of uncertainties in ``docs/care-facility.md``).
* Ceiling height 2.1–6 m: the lower bound is the minimum ceiling height of a habitable room
  (건축물의 피난·방화구조 등의 기준에 관한 규칙 제16조 ①, 거실의 반자높이 2.1미터 이상); the upper bound is
  a plausibility limit of the platform (a typed 27 instead of 2.7), not a rule.
* Default presence 07:30–19:30: the standard weekday opening hours of a daycare centre
  (보건복지부 「보육사업안내」, 어린이집 운영시간 평일 07:30–19:30).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Point, Polygon
from shapely.ops import unary_union
from shapely.validation import explain_validity

from seoul.care.engine import fields

FORMAT = "seoul.care.facility/1"
#: The reserved node for the outside of the building.
OUTSIDE = "outside"

Point2 = tuple[float, float]
Interval = tuple[float, float]

#: Room uses: stable identifier → Korean label. The order is the documentation's.
USES: dict[str, str] = {
    "classroom": "보육실",
    "playroom": "유희실",
    "toilet": "화장실",
    "washroom": "세면실",
    "kitchen": "조리실",
    "staff_office": "교사실·사무실",
    "storage": "창고·자료실",
    "laundry": "세탁실",
    "sick_room": "양호실·격리실",
    "entrance": "현관·인계공간",
    "corridor": "복도",
    "playground": "놀이터",
    "exit": "출구·비상구",
}
#: Uses that are outdoors: no ceiling, not counted in the indoor area, not ventilated.
OUTDOOR_USES = frozenset({"playground"})
#: Uses where people stay (an occupancy entry is allowed): the rooms ventilation and CO₂ are
#: checked for. Circulation, wet and service rooms are passed through, not stayed in.
OCCUPIABLE_USES = frozenset({"classroom", "playroom", "staff_office", "kitchen", "sick_room"})

#: Age groups of a class (만 나이): identifier → Korean label.
AGE_GROUPS: dict[str, str] = {
    "age0": "만0세",
    "age1": "만1세",
    "age2": "만2세",
    "age3": "만3세",
    "age4": "만4세",
    "age5": "만5세",
}
#: Children per teacher (영유아보육법 시행규칙 별표2, see the module docstring).
TEACHER_RATIO: dict[str, int] = {"age0": 3, "age1": 5, "age2": 7, "age3": 15, "age4": 20, "age5": 20}

#: Who may pass a door: identifier → Korean label.
USER_CLASSES: dict[str, str] = {
    "children": "영유아",
    "parents": "보호자",
    "staff": "교직원",
    "goods": "물품·식자재",
    "waste": "오물·세탁물",
}

WINDOW_KINDS = ("sliding", "hinged")
DOOR_KINDS = ("door", "opening")

#: Default presence of an occupancy (standard opening hours, see the module docstring).
DEFAULT_PRESENCE: tuple[Interval, ...] = ((7.5, 19.5),)
#: Default wall tolerance (m): the largest gap between two rooms that still share a wall.
DEFAULT_WALL_TOLERANCE_M = 0.3
MAX_WALL_TOLERANCE_M = 1.0
#: Overlap (m²) between two rooms beyond which the plan is inconsistent (drawing noise below).
OVERLAP_TOLERANCE_M2 = 0.01
#: Smallest room the platform accepts (m²); a polygon smaller than that is a drawing mistake.
MIN_ROOM_AREA_M2 = 0.5
#: Ceiling height range (m), see the module docstring.
MIN_CEILING_M = 2.1
MAX_CEILING_M = 6.0
#: Metabolic rates (met) the CO₂ generation table covers (Persily & de Jonge 2017 Table 4).
MIN_MET = 1.0
MAX_MET = 4.0

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ValidationErrors(ValueError):
    """A facility that cannot be used; ``errors`` lists every (path, reason)."""

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        self.errors: list[tuple[str, str]] = list(errors)
        super().__init__("invalid facility: " + "; ".join(f"{path}: {reason}" for path, reason in self.errors))


# ---------------------------------------------------------------------------------------------
# The dataclasses
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Room:
    """A room or outdoor area. ``polygon`` is its floor outline in metres (not closed: the last
    vertex is not the first repeated); ``ceiling_height_m`` is ``None`` outdoors."""

    id: str
    name: str
    use: str
    polygon: tuple[Point2, ...]
    ceiling_height_m: float | None = None
    #: For a classroom, the age groups of its class (``age0`` … ``age5``).
    age_groups: tuple[str, ...] = ()

    @property
    def outdoor(self) -> bool:
        return self.use in OUTDOOR_USES

    @property
    def use_ko(self) -> str:
        return USES.get(self.use, self.use)

    @cached_property
    def shape(self) -> Any:
        """The outline as a shapely polygon (possibly invalid: see :func:`validate`)."""
        return Polygon(self.polygon)

    @property
    def area_m2(self) -> float:
        return float(abs(self.shape.area))

    @property
    def volume_m3(self) -> float | None:
        return None if self.ceiling_height_m is None else self.area_m2 * self.ceiling_height_m


@dataclass(frozen=True)
class Door:
    """A door or an opening between two rooms or a room and ``"outside"``. When ``one_way``, it
    is passed only from ``rooms[0]`` to ``rooms[1]`` (an emergency exit, a clean→dirty pass)."""

    id: str
    rooms: tuple[str, str]
    width_m: float
    users: frozenset[str]
    height_m: float = 2.1
    one_way: bool = False
    position: Point2 | None = None
    kind: str = "door"

    def allows(self, user_classes: Iterable[str]) -> bool:
        return not self.users.isdisjoint(user_classes)

    def directions(self) -> tuple[tuple[str, str], ...]:
        a, b = self.rooms
        return ((a, b),) if self.one_way else ((a, b), (b, a))


@dataclass(frozen=True)
class Window:
    """``count`` identical windows of a room. ``opening_m``: for a sliding (or side-hung) window
    the open length along its width; for a hinged (top/bottom-hung) one the distance the sash's
    edge moves out (the airborne model's conventions, :mod:`.airborne`)."""

    room: str
    kind: str
    width_m: float
    height_m: float
    opening_m: float
    count: int = 1
    id: str = ""


@dataclass(frozen=True)
class Washbasin:
    """``count`` washbasins in a room (``position`` optional, in the room's outline)."""

    room: str
    count: int = 1
    position: Point2 | None = None
    id: str = ""


@dataclass(frozen=True)
class Ventilation:
    """Mechanical ventilation of a room: supply of outdoor air and exhaust, m³/h."""

    room: str
    supply_m3h: float = 0.0
    exhaust_m3h: float = 0.0

    @property
    def net_m3h(self) -> float:
        return self.supply_m3h - self.exhaust_m3h


@dataclass(frozen=True)
class AirCleaner:
    """Portable air cleaners (HEPA): clean-air delivery rate of one unit, m³/h."""

    room: str
    cadr_m3h: float
    count: int = 1
    id: str = ""


AIRING_MODES = ("open", "periodic", "closed")


@dataclass(frozen=True)
class Airing:
    """How a room's windows are used in a month.

    * ``"open"``: open (at their ``opening_m``) whenever the room is occupied;
    * ``"periodic"``: closed except airings of ``minutes`` — every ``every_h`` hours from the
      centre's opening, or ``per_day`` airings spread evenly over the opening hours;
    * ``"closed"``: never opened.

    ``label`` / ``label_ko`` name the schedule for a reader (English / Korean); without them
    :meth:`describe` / :meth:`describe_ko` word it from the mode and the figures.
    """

    mode: str
    minutes: float = 0.0
    every_h: float | None = None
    per_day: int | None = None
    label: str = ""
    label_ko: str = ""

    def __post_init__(self) -> None:
        if self.mode not in AIRING_MODES:
            raise ValueError(f"airing mode must be one of {', '.join(AIRING_MODES)} (got {self.mode!r})")
        if self.mode == "periodic":
            if (self.every_h is None) == (self.per_day is None):
                raise ValueError("a periodic airing needs exactly one of every_h and per_day")
            if not 0 < self.minutes <= 120:
                raise ValueError("a periodic airing lasts between 0 and 120 minutes")
            if self.every_h is not None and not self.minutes / 60.0 < self.every_h:
                raise ValueError("an airing must be shorter than the interval between airings")
            if self.per_day is not None and not 1 <= self.per_day <= 48:
                raise ValueError("per_day must be between 1 and 48")

    def schedule(self, presence: Sequence[tuple[float, float]], opening: tuple[float, float]) -> list[list[float]]:
        """The windows' schedule (hours, the contract's intervals) for a room occupied during
        ``presence`` in a centre open during ``opening``."""
        if self.mode == "closed":
            return []
        if self.mode == "open":
            return [[float(s), float(e)] for s, e in presence]
        start, end = opening
        length = self.minutes / 60.0
        if self.every_h is not None:
            starts = []
            t = start
            while t < end - 1e-9:
                starts.append(t)
                t += self.every_h
        else:
            n = int(self.per_day or 1)
            span = end - start
            starts = [start + (k + 0.5) * span / n - length / 2.0 for k in range(n)]
        out: list[list[float]] = []
        for s in starts:
            a, b = max(s, start), min(s + length, end)
            if b > a and (not out or a >= out[-1][1]):
                out.append([round(a, 6), round(b, 6)])
        return out

    def describe(self) -> str:
        if self.label:
            return self.label
        if self.mode == "periodic":
            if self.every_h is not None:
                every = "every hour" if self.every_h == 1 else f"every {self.every_h:g} h"
            else:
                every = f"{self.per_day}× a day"
            return f"{self.minutes:g} min {every}"
        return self.mode

    def describe_ko(self) -> str:
        """The schedule in Korean (:attr:`label_ko`, or worded from the figures as :meth:`describe`)."""
        if self.label_ko:
            return self.label_ko
        if self.mode == "periodic":
            if self.every_h is not None:
                every = "매시" if self.every_h == 1 else f"{self.every_h:g}시간마다"
                return f"{every} {self.minutes:g}분"
            return f"하루 {self.per_day}회, {self.minutes:g}분씩"
        return "재실 중 창문 상시 개방" if self.mode == "open" else "창문 닫아 둠"

    def open_share(self, opening: tuple[float, float]) -> float:
        """The share of the opening hours the windows are open (1 for ``open``): how two airing
        rules compare."""
        span = opening[1] - opening[0]
        if self.mode == "open":
            return 1.0
        if self.mode == "closed" or span <= 0:
            return 0.0
        return sum(b - a for a, b in self.schedule((opening,), opening)) / span


@dataclass(frozen=True)
class AiringRule:
    """The facility's own rule for opening a room's windows in some months (an operating rule
    the centre adopts, such as the hourly airing the ranked changes offer). Months without a
    rule follow the platform's assumption (:func:`seoul.care.engine.rooms.default_airing`)."""

    room: str
    airing: Airing
    months: tuple[int, ...] = tuple(range(1, 13))


@dataclass(frozen=True)
class Occupancy:
    """Who is in a room at its design peak, and when. ``teachers`` is the given count, or the
    count the ratio requires when none was given (``teachers_given`` says which)."""

    room: str
    children: tuple[tuple[str, int], ...] = ()
    teachers: int = 0
    teachers_given: bool = False
    other_adults: int = 0
    presence: tuple[Interval, ...] = DEFAULT_PRESENCE
    #: Metabolic rate (met) of the children and of the adults; ``None``: the room use's default
    #: (:data:`seoul.care.engine.checks.DEFAULT_MET`).
    children_met: float | None = None
    adults_met: float | None = None

    @property
    def children_by_age(self) -> dict[str, int]:
        return dict(self.children)

    @property
    def children_total(self) -> int:
        return sum(n for _, n in self.children)

    @property
    def adults(self) -> int:
        return self.teachers + self.other_adults

    @property
    def persons(self) -> int:
        return self.children_total + self.adults

    @property
    def required_teachers(self) -> int:
        return required_teachers(self.children_by_age)

    @property
    def hours(self) -> float:
        return sum(end - start for start, end in self.presence)


def required_teachers(children: Mapping[str, int]) -> int:
    """Teachers a class needs (영유아보육법 시행규칙 별표2): the children over the ratio of the
    youngest age group present, rounded up."""
    present = [age for age in AGE_GROUPS if children.get(age, 0) > 0]
    if not present:
        return 0
    total = sum(children.get(age, 0) for age in present)
    return math.ceil(total / TEACHER_RATIO[present[0]])


@dataclass(frozen=True)
class Facility:
    """A centre's plan: rooms, doors, windows, washbasins, ventilation, air cleaners and
    occupancy. Build it with :func:`parse_facility` (or :mod:`.ifc`); a facility built in code
    is checked with :func:`validate`. Derived geometry is cached per instance
    (``dataclasses.replace`` starts a fresh cache)."""

    name: str
    rooms: tuple[Room, ...]
    doors: tuple[Door, ...] = ()
    windows: tuple[Window, ...] = ()
    washbasins: tuple[Washbasin, ...] = ()
    ventilation: tuple[Ventilation, ...] = ()
    air_cleaners: tuple[AirCleaner, ...] = ()
    occupancy: tuple[Occupancy, ...] = ()
    airing: tuple[AiringRule, ...] = ()
    wall_tolerance_m: float = DEFAULT_WALL_TOLERANCE_M
    address: str = ""
    notes: str = ""
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    # ---- look-ups -------------------------------------------------------------------------

    @cached_property
    def rooms_by_id(self) -> dict[str, Room]:
        return {room.id: room for room in self.rooms}

    def room(self, room_id: str) -> Room:
        return self.rooms_by_id[room_id]

    def rooms_of(self, *uses: str) -> list[Room]:
        return [room for room in self.rooms if room.use in uses]

    @cached_property
    def occupancy_by_room(self) -> dict[str, Occupancy]:
        """Each room's design peak: its entry with the most persons (the first on a tie). A
        classroom has one entry, its class; another room may have several, groups at different
        times (:meth:`occupancy_of`)."""
        out: dict[str, Occupancy] = {}
        for occ in self.occupancy:
            if occ.room not in out or occ.persons > out[occ.room].persons:
                out[occ.room] = occ
        return out

    def occupancy_of(self, room_id: str) -> tuple[Occupancy, ...]:
        """Every occupancy entry of a room, in the document's order (groups at different times)."""
        return tuple(occ for occ in self.occupancy if occ.room == room_id)

    @cached_property
    def ventilation_by_room(self) -> dict[str, Ventilation]:
        return {v.room: v for v in self.ventilation}

    @cached_property
    def washbasin_rooms(self) -> frozenset[str]:
        return frozenset(w.room for w in self.washbasins if w.count > 0)

    def airing_of(self, room_id: str, month: int) -> Airing | None:
        """The facility's airing rule for a room in a month, if it has one."""
        for rule in self.airing:
            if rule.room == room_id and month in rule.months:
                return rule.airing
        return None

    def windows_of(self, room_id: str) -> list[Window]:
        return [w for w in self.windows if w.room == room_id]

    def air_cleaning_m3h(self, room_id: str) -> float:
        return sum(a.cadr_m3h * a.count for a in self.air_cleaners if a.room == room_id)

    @property
    def children_total(self) -> int:
        """Children enrolled: the children of the classrooms' occupancy (the playroom's children
        are the same children in turn)."""
        return sum(
            occ.children_total for occ in self.occupancy if self.rooms_by_id.get(occ.room, _NO_ROOM).use == "classroom"
        )

    @property
    def indoor_area_m2(self) -> float:
        return sum(room.area_m2 for room in self.rooms if not room.outdoor)

    # ---- geometry ---------------------------------------------------------------------------

    def exterior_boundary(self, room_id: str) -> Any:
        """The part of a room's outline that is not within the wall tolerance of another indoor
        room: where an exterior door or window can be."""
        key = f"exterior:{room_id}"
        if key not in self._cache:
            room = self.room(room_id)
            others = [
                other.shape.buffer(self.wall_tolerance_m)
                for other in self.rooms
                if other.id != room_id and not other.outdoor and other.shape.is_valid
            ]
            boundary = room.shape.boundary
            self._cache[key] = boundary.difference(unary_union(others)) if others else boundary
        return self._cache[key]

    def door_point(self, door: Door) -> Point2:
        """Where a door is: its ``position``, else the middle of the wall it can be on."""
        if door.position is not None:
            return door.position
        key = f"door:{door.id}:{door.rooms}"
        if key not in self._cache:
            a, b = door.rooms
            if OUTSIDE in (a, b):
                inside = b if a == OUTSIDE else a
                wall = self.exterior_boundary(inside)
                if wall.is_empty:
                    wall = self.room(inside).shape.boundary
            else:
                wall = shared_wall(self.room(a).shape, self.room(b).shape, self.wall_tolerance_m)
                if wall.is_empty:
                    wall = shapely.shortest_line(self.room(a).shape, self.room(b).shape)
            point = wall.centroid if not wall.is_empty else Point(0.0, 0.0)
            self._cache[key] = (float(point.x), float(point.y))
        result: Point2 = self._cache[key]
        return result

    def room_point(self, room_id: str) -> Point2:
        """A representative point of a room (its centroid, or a point inside when the centroid
        falls outside an L-shaped room)."""
        shape = self.room(room_id).shape
        point = shape.centroid if shape.contains(shape.centroid) else shape.representative_point()
        return (float(point.x), float(point.y))


_NO_ROOM = Room(id="", name="", use="", polygon=())


def shared_wall(a: Any, b: Any, tolerance: float) -> Any:
    """The zone two outlines share within ``tolerance``: both outlines grown by half the
    tolerance, intersected. Empty when they do not come that close."""
    half = max(tolerance, 1e-6) / 2.0 + 1e-9
    return a.buffer(half, join_style="mitre").intersection(b.buffer(half, join_style="mitre"))


def shared_wall_length(a: Any, b: Any, tolerance: float) -> float:
    """Length (m) of the wall two outlines share within ``tolerance``: the long side of the
    minimum rotated rectangle of the shared zone of each connected part, minus the tolerance
    the growth added; the longest part counts (a door sits on one straight piece). Two rooms
    touching only at a corner share about nothing."""
    zone = shared_wall(a, b, tolerance)
    if zone.is_empty:
        return 0.0
    parts = list(zone.geoms) if hasattr(zone, "geoms") else [zone]
    best = 0.0
    for part in parts:
        if part.is_empty or part.area <= 0:
            continue
        rectangle = part.minimum_rotated_rectangle
        coords = list(rectangle.exterior.coords)
        sides = [math.dist(coords[i], coords[i + 1]) for i in range(len(coords) - 1)]
        best = max(best, max(sides) - tolerance)
    return max(best, 0.0)


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


def _text(c: fields.Errors, value: Any, path: str, *, identifier: bool = False) -> str | None:
    if not isinstance(value, str) or not value.strip():
        c.add(path, "must be a non-empty string")
        return None
    if identifier and not _ID.match(value):
        c.add(path, "must be an identifier: 1–64 letters, digits, '_', '.', '-', starting with a letter or digit")
        return None
    return value


def _point(c: fields.Errors, value: Any, path: str) -> Point2 | None:
    if not isinstance(value, list | tuple) or len(value) != 2:
        c.add(path, "must be a point [x, y] in metres")
        return None
    x = fields.number(c, value[0], f"{path}[0]")
    y = fields.number(c, value[1], f"{path}[1]")
    return None if x is None or y is None else (x, y)


def _polygon(c: fields.Errors, value: Any, path: str) -> tuple[Point2, ...] | None:
    if not isinstance(value, list) or len(value) < 3:
        c.add(path, "must be a list of at least 3 vertices [x, y] in metres")
        return None
    points: list[Point2] = []
    ok = True
    for i, item in enumerate(value):
        p = _point(c, item, f"{path}[{i}]")
        if p is None:
            ok = False
        else:
            points.append(p)
    if not ok:
        return None
    if len(points) > 3 and points[0] == points[-1]:
        points.pop()  # a closed ring: drop the repeated first vertex
    if len(points) < 3:
        c.add(path, "must have at least 3 distinct vertices")
        return None
    return tuple(points)


def _list(c: fields.Errors, top: Mapping[str, Any], key: str, *, required: bool = False) -> list[Any]:
    if key not in top:
        return []
    value = top[key]
    if not isinstance(value, list):
        c.add(key, "must be a list")
        return []
    if required and not value:
        c.add(key, "must not be empty")
    return value


_TOP_KEYS = {
    "format",
    "name",
    "address",
    "notes",
    "wall_tolerance_m",
    "rooms",
    "doors",
    "windows",
    "washbasins",
    "ventilation",
    "air_cleaners",
    "occupancy",
    "airing",
}
_ROOM_KEYS = {"id", "name", "use", "polygon", "ceiling_height_m", "age_groups"}
_DOOR_KEYS = {"id", "rooms", "width_m", "height_m", "one_way", "users", "position", "kind"}
_WINDOW_KEYS = {"id", "room", "type", "width_m", "height_m", "opening_m", "count"}
_WASHBASIN_KEYS = {"id", "room", "count", "position"}
_VENTILATION_KEYS = {"room", "supply_m3h", "exhaust_m3h"}
_AIR_CLEANER_KEYS = {"id", "room", "cadr_m3h", "count"}
_AIRING_KEYS = {"room", "mode", "minutes", "every_h", "per_day", "months"}
_OCCUPANCY_KEYS = {"room", "children", "teachers", "other_adults", "presence", "children_met", "adults_met"}


def _parse_room(c: fields.Errors, item: Any, path: str) -> tuple[str | None, Room | None]:
    """Returns the room's id (when readable, even if the room is not) and the room."""
    d = fields.obj(c, item, path, _ROOM_KEYS, ("id", "name", "use", "polygon"))
    if d is None:
        return None, None
    before = len(c.errors)
    room_id = _text(c, d["id"], f"{path}.id", identifier=True) if "id" in d else None
    if room_id == OUTSIDE:
        c.add(f"{path}.id", f"'{OUTSIDE}' is reserved for the outside of the building")
        room_id = None
    name = _text(c, d["name"], f"{path}.name") if "name" in d else None
    use = fields.choice(c, d["use"], f"{path}.use", USES) if "use" in d else None
    polygon = _polygon(c, d["polygon"], f"{path}.polygon") if "polygon" in d else None
    height: float | None = None
    if use is not None and use in OUTDOOR_USES:
        if "ceiling_height_m" in d:
            c.add(f"{path}.ceiling_height_m", f"must be absent: a {use} is outdoors and has no ceiling")
    elif "ceiling_height_m" in d:
        height = fields.number(c, d["ceiling_height_m"], f"{path}.ceiling_height_m", unit="m")
        if height is not None and not MIN_CEILING_M <= height <= MAX_CEILING_M:
            c.add(
                f"{path}.ceiling_height_m",
                f"{height:g} m is implausible: must be between {MIN_CEILING_M:g} m (minimum ceiling height of a "
                f"habitable room, 피난·방화구조 규칙 제16조) and {MAX_CEILING_M:g} m",
            )
            height = None
    elif use is not None:
        c.add(f"{path}.ceiling_height_m", "is required for an indoor room")
    ages: tuple[str, ...] = ()
    if "age_groups" in d:
        raw = d["age_groups"]
        if use is not None and use != "classroom":
            c.add(f"{path}.age_groups", "only a classroom (보육실) has age groups")
        elif not isinstance(raw, list) or not raw:
            c.add(f"{path}.age_groups", "must be a non-empty list of " + ", ".join(AGE_GROUPS))
        else:
            parsed = [fields.choice(c, a, f"{path}.age_groups[{i}]", AGE_GROUPS) for i, a in enumerate(raw)]
            if len(set(raw)) != len(raw):
                c.add(f"{path}.age_groups", "lists an age group twice")
            ages = tuple(a for a in AGE_GROUPS if a in parsed)
    elif use == "classroom":
        c.add(f"{path}.age_groups", "is required for a classroom (보육실): the age groups of its class")
    if len(c.errors) > before or room_id is None or name is None or use is None or polygon is None:
        return room_id, None
    return room_id, Room(room_id, name, use, polygon, height, ages)


def _parse_door(c: fields.Errors, item: Any, path: str) -> Door | None:
    d = fields.obj(c, item, path, _DOOR_KEYS, ("id", "rooms", "width_m", "users"))
    if d is None:
        return None
    before = len(c.errors)
    door_id = _text(c, d["id"], f"{path}.id", identifier=True) if "id" in d else None
    pair: tuple[str, str] | None = None
    if "rooms" in d:
        raw = d["rooms"]
        if not isinstance(raw, list) or len(raw) != 2:
            c.add(f"{path}.rooms", f"must be two room ids (or '{OUTSIDE}')")
        else:
            a = _text(c, raw[0], f"{path}.rooms[0]")
            b = _text(c, raw[1], f"{path}.rooms[1]")
            if a is not None and b is not None:
                if a == b:
                    c.add(f"{path}.rooms", f"connects '{a}' to itself")
                else:
                    pair = (a, b)
    width = fields.number(c, d["width_m"], f"{path}.width_m", low=0.4, high=12.0, unit="m") if "width_m" in d else None
    height = fields.number(c, d.get("height_m", 2.1), f"{path}.height_m", low=1.0, high=MAX_CEILING_M, unit="m")
    one_way = d.get("one_way", False)
    if not isinstance(one_way, bool):
        c.add(f"{path}.one_way", "must be true or false")
    users: set[str] = set()
    if "users" in d:
        raw_users = d["users"]
        if not isinstance(raw_users, list) or not raw_users:
            c.add(f"{path}.users", "must be a non-empty list of " + ", ".join(USER_CLASSES))
        else:
            for i, u in enumerate(raw_users):
                if fields.choice(c, u, f"{path}.users[{i}]", USER_CLASSES) is not None:
                    users.add(u)
    position = _point(c, d["position"], f"{path}.position") if "position" in d else None
    kind = fields.choice(c, d.get("kind", "door"), f"{path}.kind", DOOR_KINDS)
    if len(c.errors) > before or door_id is None or pair is None or width is None or height is None or kind is None:
        return None
    return Door(door_id, pair, width, frozenset(users), height, bool(one_way), position, kind)


def _parse_window(c: fields.Errors, item: Any, path: str, index: int) -> Window | None:
    d = fields.obj(c, item, path, _WINDOW_KEYS, ("room", "type", "width_m", "height_m", "opening_m"))
    if d is None:
        return None
    before = len(c.errors)
    window_id = _text(c, d["id"], f"{path}.id", identifier=True) if "id" in d else f"window_{index + 1}"
    room = _text(c, d["room"], f"{path}.room") if "room" in d else None
    kind = fields.choice(c, d["type"], f"{path}.type", WINDOW_KINDS) if "type" in d else None
    width = fields.number(c, d["width_m"], f"{path}.width_m", low=0.1, high=20.0, unit="m") if "width_m" in d else None
    height = (
        fields.number(c, d["height_m"], f"{path}.height_m", low=0.1, high=MAX_CEILING_M, unit="m")
        if "height_m" in d
        else None
    )
    opening = (
        fields.number(c, d["opening_m"], f"{path}.opening_m", low=0.0, low_open=True, unit="m")
        if "opening_m" in d
        else None
    )
    count = fields.integer(c, d.get("count", 1), f"{path}.count", low=1, high=100)
    if opening is not None and width is not None and height is not None:
        if kind == "sliding" and opening > width:
            c.add(f"{path}.opening_m", f"a sliding window cannot open more than its width ({width:g} m)")
        if kind == "hinged" and opening > 2.0 * height:
            c.add(f"{path}.opening_m", "a hinged sash opens by at most 180°: at most twice the window's height")
    if (
        len(c.errors) > before
        or window_id is None
        or room is None
        or kind is None
        or width is None
        or height is None
        or opening is None
        or count is None
    ):
        return None
    return Window(room, kind, width, height, opening, count, window_id)


def _parse_washbasin(c: fields.Errors, item: Any, path: str, index: int) -> Washbasin | None:
    d = fields.obj(c, item, path, _WASHBASIN_KEYS, ("room",))
    if d is None:
        return None
    before = len(c.errors)
    basin_id = _text(c, d["id"], f"{path}.id", identifier=True) if "id" in d else f"washbasin_{index + 1}"
    room = _text(c, d["room"], f"{path}.room") if "room" in d else None
    count = fields.integer(c, d.get("count", 1), f"{path}.count", low=1, high=100)
    position = _point(c, d["position"], f"{path}.position") if "position" in d else None
    if len(c.errors) > before or basin_id is None or room is None or count is None:
        return None
    return Washbasin(room, count, position, basin_id)


def _parse_ventilation(c: fields.Errors, item: Any, path: str) -> Ventilation | None:
    d = fields.obj(c, item, path, _VENTILATION_KEYS, ("room",))
    if d is None:
        return None
    before = len(c.errors)
    room = _text(c, d["room"], f"{path}.room") if "room" in d else None
    if "supply_m3h" not in d and "exhaust_m3h" not in d:
        c.add(path, "needs supply_m3h or exhaust_m3h (or both)")
    supply = fields.number(c, d.get("supply_m3h", 0.0), f"{path}.supply_m3h", low=0.0, high=100_000.0, unit="m³/h")
    exhaust = fields.number(c, d.get("exhaust_m3h", 0.0), f"{path}.exhaust_m3h", low=0.0, high=100_000.0, unit="m³/h")
    if len(c.errors) > before or room is None or supply is None or exhaust is None:
        return None
    return Ventilation(room, supply, exhaust)


def _parse_air_cleaner(c: fields.Errors, item: Any, path: str, index: int) -> AirCleaner | None:
    d = fields.obj(c, item, path, _AIR_CLEANER_KEYS, ("room", "cadr_m3h"))
    if d is None:
        return None
    before = len(c.errors)
    cleaner_id = _text(c, d["id"], f"{path}.id", identifier=True) if "id" in d else f"air_cleaner_{index + 1}"
    room = _text(c, d["room"], f"{path}.room") if "room" in d else None
    cadr = (
        fields.number(c, d["cadr_m3h"], f"{path}.cadr_m3h", low=0.0, low_open=True, high=20_000.0, unit="m³/h")
        if "cadr_m3h" in d
        else None
    )
    count = fields.integer(c, d.get("count", 1), f"{path}.count", low=1, high=100)
    if len(c.errors) > before or cleaner_id is None or room is None or cadr is None or count is None:
        return None
    return AirCleaner(room, cadr, count, cleaner_id)


def _parse_occupancy(c: fields.Errors, item: Any, path: str) -> Occupancy | None:
    d = fields.obj(c, item, path, _OCCUPANCY_KEYS, ("room",))
    if d is None:
        return None
    before = len(c.errors)
    room = _text(c, d["room"], f"{path}.room") if "room" in d else None
    children: dict[str, int] = {}
    if "children" in d:
        raw = d["children"]
        if not isinstance(raw, Mapping):
            c.add(f"{path}.children", "must map age groups (" + ", ".join(AGE_GROUPS) + ") to numbers of children")
        else:
            for key, value in raw.items():
                age = fields.choice(c, key, f"{path}.children.{key}", AGE_GROUPS)
                n = fields.integer(c, value, f"{path}.children.{key}", low=0, high=500)
                if age is not None and n is not None and n > 0:
                    children[age] = n
    teachers = fields.integer(c, d["teachers"], f"{path}.teachers", low=0, high=200) if "teachers" in d else None
    others = fields.integer(c, d.get("other_adults", 0), f"{path}.other_adults", low=0, high=500)
    presence = fields.intervals(c, d["presence"], f"{path}.presence") if "presence" in d else DEFAULT_PRESENCE
    children_met = (
        fields.number(c, d["children_met"], f"{path}.children_met", low=MIN_MET, high=MAX_MET, unit="met")
        if "children_met" in d
        else None
    )
    adults_met = (
        fields.number(c, d["adults_met"], f"{path}.adults_met", low=MIN_MET, high=MAX_MET, unit="met")
        if "adults_met" in d
        else None
    )
    if len(c.errors) > before or room is None or others is None or presence is None:
        return None
    ordered = tuple((age, children[age]) for age in AGE_GROUPS if age in children)
    if not ordered and not teachers and not others:
        c.add(path, "has nobody in it (no children, teachers or other adults)")
        return None
    computed = required_teachers(children)
    return Occupancy(
        room=room,
        children=ordered,
        teachers=teachers if teachers is not None else computed,
        teachers_given=teachers is not None,
        other_adults=others,
        presence=presence,
        children_met=children_met,
        adults_met=adults_met,
    )


def _parse_airing(c: fields.Errors, item: Any, path: str) -> AiringRule | None:
    d = fields.obj(c, item, path, _AIRING_KEYS, ("room", "mode"))
    if d is None:
        return None
    before = len(c.errors)
    room = _text(c, d["room"], f"{path}.room") if "room" in d else None
    mode = fields.choice(c, d["mode"], f"{path}.mode", AIRING_MODES) if "mode" in d else None
    minutes = fields.number(c, d.get("minutes", 0), f"{path}.minutes", low=0.0, high=120.0, unit="min")
    every_h = (
        fields.number(c, d["every_h"], f"{path}.every_h", low=0.0, low_open=True, high=24.0, unit="h")
        if "every_h" in d
        else None
    )
    per_day = fields.integer(c, d["per_day"], f"{path}.per_day", low=1, high=48) if "per_day" in d else None
    months: list[int] = list(range(1, 13))
    if "months" in d:
        raw = d["months"]
        if not isinstance(raw, list) or not raw:
            c.add(f"{path}.months", "must be a non-empty list of months 1–12")
        else:
            parsed = [fields.integer(c, m, f"{path}.months[{i}]", low=1, high=12) for i, m in enumerate(raw)]
            if len(set(raw)) != len(raw):
                c.add(f"{path}.months", "lists a month twice")
            months = sorted(m for m in parsed if m is not None)
    if mode is not None and mode != "periodic":
        for key in ("minutes", "every_h", "per_day"):
            if key in d:
                c.add(f"{path}.{key}", f"is only for a periodic airing (mode is {mode!r})")
    if len(c.errors) > before or room is None or mode is None or minutes is None:
        return None
    try:
        airing = Airing(mode, minutes=minutes, every_h=every_h, per_day=per_day)
    except ValueError as exc:
        c.add(path, str(exc))
        return None
    return AiringRule(room, airing, tuple(months))


def parse_facility(data: Any) -> Facility:
    """Validates ``data`` (the decoded JSON of a ``seoul.care.facility/1`` document) and builds
    the :class:`Facility`; raises :class:`ValidationErrors` listing every problem, the
    structural ones (types, ranges, unknown fields) and the plan's (overlapping rooms, doors to
    nowhere or not on a shared wall, …) together."""
    c = fields.Errors()
    top = fields.obj(c, data, "", _TOP_KEYS, ("name", "rooms"))
    if top is None:
        raise ValidationErrors(c.errors)
    if "format" in top and top["format"] != FORMAT:
        c.add("format", f"must be {FORMAT!r} (got {top['format']!r})")
    name = _text(c, top["name"], "name") if "name" in top else None
    address = top.get("address", "")
    if not isinstance(address, str):
        c.add("address", "must be a string")
        address = ""
    notes = top.get("notes", "")
    if not isinstance(notes, str):
        c.add("notes", "must be a string")
        notes = ""
    tolerance = fields.number(
        c,
        top.get("wall_tolerance_m", DEFAULT_WALL_TOLERANCE_M),
        "wall_tolerance_m",
        low=0.0,
        high=MAX_WALL_TOLERANCE_M,
        unit="m",
    )

    rooms: list[tuple[int, Room]] = []
    known: list[tuple[int, str]] = []
    for i, item in enumerate(_list(c, top, "rooms", required=True)):
        room_id, room = _parse_room(c, item, f"rooms[{i}]")
        if room_id is not None:
            known.append((i, room_id))
        if room is not None:
            rooms.append((i, room))
    doors = [
        (i, door)
        for i, item in enumerate(_list(c, top, "doors"))
        if (door := _parse_door(c, item, f"doors[{i}]")) is not None
    ]
    windows = [
        (i, w)
        for i, item in enumerate(_list(c, top, "windows"))
        if (w := _parse_window(c, item, f"windows[{i}]", i)) is not None
    ]
    basins = [
        (i, basin)
        for i, item in enumerate(_list(c, top, "washbasins"))
        if (basin := _parse_washbasin(c, item, f"washbasins[{i}]", i)) is not None
    ]
    ventilation = [
        (i, v)
        for i, item in enumerate(_list(c, top, "ventilation"))
        if (v := _parse_ventilation(c, item, f"ventilation[{i}]")) is not None
    ]
    cleaners = [
        (i, a)
        for i, item in enumerate(_list(c, top, "air_cleaners"))
        if (a := _parse_air_cleaner(c, item, f"air_cleaners[{i}]", i)) is not None
    ]
    occupancy = [
        (i, o)
        for i, item in enumerate(_list(c, top, "occupancy"))
        if (o := _parse_occupancy(c, item, f"occupancy[{i}]")) is not None
    ]
    airing = [
        (i, rule)
        for i, item in enumerate(_list(c, top, "airing"))
        if (rule := _parse_airing(c, item, f"airing[{i}]")) is not None
    ]
    facility = Facility(
        name=name or "",
        rooms=tuple(r for _, r in rooms),
        doors=tuple(d for _, d in doors),
        windows=tuple(w for _, w in windows),
        washbasins=tuple(b for _, b in basins),
        ventilation=tuple(v for _, v in ventilation),
        air_cleaners=tuple(a for _, a in cleaners),
        occupancy=tuple(o for _, o in occupancy),
        airing=tuple(a for _, a in airing),
        wall_tolerance_m=tolerance if tolerance is not None else DEFAULT_WALL_TOLERANCE_M,
        address=address,
        notes=notes,
    )
    c.errors.extend(
        _plan_errors(
            facility,
            rooms=rooms,
            doors=doors,
            windows=windows,
            basins=basins,
            ventilation=ventilation,
            cleaners=cleaners,
            occupancy=occupancy,
            airing=airing,
            known=known,
        )
    )
    if c.errors:
        raise ValidationErrors(c.errors)
    return facility


def validate(facility: Facility) -> list[tuple[str, str]]:
    """The plan's problems of an already built facility (e.g. from the IFC import or built in
    code), with the same paths and reasons as :func:`parse_facility` gives; empty when fine."""
    errors: list[tuple[str, str]] = []
    for i, room in enumerate(facility.rooms):
        path = f"rooms[{i}]"
        if room.id == OUTSIDE or not _ID.match(room.id):
            errors.append((f"{path}.id", "must be an identifier other than 'outside'"))
        if room.use not in USES:
            errors.append((f"{path}.use", "must be one of " + ", ".join(repr(u) for u in USES)))
        if room.outdoor and room.ceiling_height_m is not None:
            errors.append((f"{path}.ceiling_height_m", f"must be absent: a {room.use} is outdoors"))
        if not room.outdoor:
            h = room.ceiling_height_m
            if h is None:
                errors.append((f"{path}.ceiling_height_m", "is required for an indoor room"))
            elif not MIN_CEILING_M <= h <= MAX_CEILING_M:
                errors.append(
                    (
                        f"{path}.ceiling_height_m",
                        f"{h:g} m is implausible: must be between {MIN_CEILING_M:g} and {MAX_CEILING_M:g} m",
                    )
                )
        if room.use == "classroom" and not room.age_groups:
            errors.append((f"{path}.age_groups", "is required for a classroom (보육실): the age groups of its class"))
        if room.use != "classroom" and room.age_groups:
            errors.append((f"{path}.age_groups", "only a classroom (보육실) has age groups"))
        if any(a not in AGE_GROUPS for a in room.age_groups):
            errors.append((f"{path}.age_groups", "must list only " + ", ".join(AGE_GROUPS)))
        if len(room.polygon) < 3:
            errors.append((f"{path}.polygon", "must have at least 3 vertices"))
    errors.extend(
        _plan_errors(
            facility,
            rooms=[(i, r) for i, r in enumerate(facility.rooms) if len(r.polygon) >= 3],
            doors=list(enumerate(facility.doors)),
            windows=list(enumerate(facility.windows)),
            basins=list(enumerate(facility.washbasins)),
            ventilation=list(enumerate(facility.ventilation)),
            cleaners=list(enumerate(facility.air_cleaners)),
            occupancy=list(enumerate(facility.occupancy)),
            airing=list(enumerate(facility.airing)),
            known=[(i, r.id) for i, r in enumerate(facility.rooms)],
        )
    )
    return errors


def _plan_errors(
    facility: Facility,
    *,
    rooms: list[tuple[int, Room]],
    doors: list[tuple[int, Door]],
    windows: list[tuple[int, Window]],
    basins: list[tuple[int, Washbasin]],
    ventilation: list[tuple[int, Ventilation]],
    cleaners: list[tuple[int, AirCleaner]],
    occupancy: list[tuple[int, Occupancy]],
    airing: list[tuple[int, AiringRule]],
    known: list[tuple[int, str]],
) -> list[tuple[str, str]]:
    """Cross-references and geometry. ``known``: (index, id) of every room whose id could be
    read, even of a room that itself failed (a door to it is not "to nowhere", a second room of
    the same id is a duplicate); the indices are the input's."""
    errors: list[tuple[str, str]] = []
    tol = facility.wall_tolerance_m

    # Rooms: duplicate ids, polygons.
    good: dict[str, tuple[int, Room]] = {}
    seen: dict[str, int] = {}
    duplicates: set[int] = set()
    for i, room_id in known:
        if room_id in seen:
            errors.append((f"rooms[{i}].id", f"duplicate id '{room_id}' (also rooms[{seen[room_id]}])"))
            duplicates.add(i)
        else:
            seen[room_id] = i
    known_ids = set(seen)
    for i, room in rooms:
        if i in duplicates:
            continue
        shape = room.shape
        if not shape.is_valid:
            errors.append(
                (
                    f"rooms[{i}].polygon",
                    f"is not a simple polygon ({explain_validity(shape)}): self-intersecting or repeated vertices",
                )
            )
            continue
        if shape.area < MIN_ROOM_AREA_M2:
            errors.append(
                (f"rooms[{i}].polygon", f"is too small ({shape.area:.2f} m², at least {MIN_ROOM_AREA_M2:g} m²)")
            )
            continue
        good[room.id] = (i, room)

    ordered = sorted(good.values(), key=lambda item: item[0])
    for k, (i, a) in enumerate(ordered):
        for j, b in ordered[k + 1 :]:
            if not a.shape.intersects(b.shape):
                continue
            overlap = a.shape.intersection(b.shape).area
            if overlap > OVERLAP_TOLERANCE_M2:
                errors.append(
                    (
                        f"rooms[{j}].polygon",
                        f"overlaps rooms[{i}] ('{a.id}') by {overlap:.2f} m² (rooms must not overlap)",
                    )
                )

    def ref(path: str, room_id: str, *, outside_ok: bool = False, what: str = "room") -> Room | None:
        if room_id == OUTSIDE:
            if not outside_ok:
                errors.append((path, f"must be a room, not '{OUTSIDE}'"))
            return None
        if room_id not in known_ids:
            errors.append((path, f"unknown {what} '{room_id}'"))
            return None
        entry = good.get(room_id)
        return entry[1] if entry else None

    # Doors.
    door_seen: dict[str, int] = {}
    connected: set[str] = set()
    reaches_outside = False
    for i, door in doors:
        path = f"doors[{i}]"
        if door.id in door_seen:
            errors.append((f"{path}.id", f"duplicate id '{door.id}' (also doors[{door_seen[door.id]}])"))
        else:
            door_seen[door.id] = i
        if any(u not in USER_CLASSES for u in door.users) or not door.users:
            errors.append((f"{path}.users", "must be a non-empty list of " + ", ".join(USER_CLASSES)))
        a_id, b_id = door.rooms
        if a_id == b_id:
            errors.append((f"{path}.rooms", f"connects '{a_id}' to itself"))
            continue
        if a_id == OUTSIDE and b_id == OUTSIDE:
            errors.append((f"{path}.rooms", "connects the outside to itself"))
            continue
        room_a = ref(f"{path}.rooms[0]", a_id, outside_ok=True)
        room_b = ref(f"{path}.rooms[1]", b_id, outside_ok=True)
        connected.update(x for x in (a_id, b_id) if x != OUTSIDE)
        if OUTSIDE in (a_id, b_id):
            reaches_outside = True
            inside = room_a if b_id == OUTSIDE else room_b
            if inside is None:
                continue
            exterior = facility.exterior_boundary(inside.id)
            if exterior.length + 1e-6 < door.width_m:
                errors.append(
                    (
                        path,
                        f"is not on an exterior wall: room '{inside.id}' has {exterior.length:.2f} m of outline away from other "
                        f"rooms, less than the door's width {door.width_m:g} m",
                    )
                )
            elif door.position is not None and Point(door.position).distance(exterior) > tol:
                errors.append(
                    (f"{path}.position", f"is not on an exterior wall of room '{inside.id}' (within {tol:g} m)")
                )
            continue
        if room_a is None or room_b is None:
            continue
        gap = room_a.shape.distance(room_b.shape)
        if gap > tol:
            errors.append(
                (
                    path,
                    f"rooms '{room_a.id}' and '{room_b.id}' do not touch: they are {gap:.2f} m apart (wall tolerance {tol:g} m)",
                )
            )
            continue
        length = shared_wall_length(room_a.shape, room_b.shape, tol)
        if length + 1e-6 < door.width_m:
            errors.append(
                (
                    path,
                    f"is not on a shared wall: rooms '{room_a.id}' and '{room_b.id}' share {length:.2f} m of wall, "
                    f"less than the door's width {door.width_m:g} m",
                )
            )
        elif door.position is not None:
            p = Point(door.position)
            if p.distance(room_a.shape.boundary) > tol or p.distance(room_b.shape.boundary) > tol:
                errors.append(
                    (
                        f"{path}.position",
                        f"is not on the wall between '{room_a.id}' and '{room_b.id}' (within {tol:g} m)",
                    )
                )
    if rooms and not doors:
        errors.append(("doors", "no doors: every room needs a door and the building a way out"))
    elif doors and not reaches_outside:
        errors.append(("doors", f"no door leads '{OUTSIDE}': the building needs an entrance and an exit"))
    if doors:
        for room_id, (i, _) in sorted(good.items(), key=lambda item: item[1][0]):
            if room_id not in connected:
                errors.append((f"rooms[{i}]", f"no door or opening connects room '{room_id}'"))

    # Windows.
    for i, window in windows:
        path = f"windows[{i}]"
        target = ref(f"{path}.room", window.room)
        if target is None:
            continue
        if target.outdoor:
            errors.append((f"{path}.room", f"'{target.id}' is outdoors: a window belongs to an indoor room"))
            continue
        exterior = facility.exterior_boundary(target.id).length
        if exterior + 1e-6 < window.width_m * window.count:
            errors.append(
                (
                    path,
                    f"room '{target.id}' has {exterior:.2f} m of exterior wall, less than {window.count} × {window.width_m:g} m of windows",
                )
            )

    # Washbasins.
    for i, basin in basins:
        path = f"washbasins[{i}]"
        target = ref(f"{path}.room", basin.room)
        if target is not None and basin.position is not None and Point(basin.position).distance(target.shape) > tol:
            errors.append((f"{path}.position", f"is not in room '{target.id}'"))

    # Ventilation and air cleaners.
    vent_seen: dict[str, int] = {}
    for i, vent in ventilation:
        path = f"ventilation[{i}]"
        target = ref(f"{path}.room", vent.room)
        if vent.room in vent_seen:
            errors.append(
                (
                    f"{path}.room",
                    f"room '{vent.room}' already has ventilation[{vent_seen[vent.room]}]: give one entry per room",
                )
            )
        vent_seen.setdefault(vent.room, i)
        if target is not None and target.outdoor:
            errors.append((f"{path}.room", f"'{target.id}' is outdoors: it has no mechanical ventilation"))
    for i, cleaner in cleaners:
        target = ref(f"air_cleaners[{i}].room", cleaner.room)
        if target is not None and target.outdoor:
            errors.append((f"air_cleaners[{i}].room", f"'{target.id}' is outdoors"))

    # Occupancy: one entry for a classroom (its class); groups at different times elsewhere.
    occ_seen: dict[str, list[tuple[int, Occupancy]]] = {}
    for i, occ in occupancy:
        path = f"occupancy[{i}]"
        target = ref(f"{path}.room", occ.room)
        earlier = occ_seen.setdefault(occ.room, [])
        if earlier and target is not None and target.use == "classroom":
            errors.append(
                (
                    f"{path}.room",
                    f"classroom '{occ.room}' already has occupancy[{earlier[0][0]}]: a classroom has one entry, its class",
                )
            )
        for j, other in earlier:
            overlap = _overlap(occ.presence, other.presence)
            if overlap is not None:
                errors.append(
                    (
                        f"{path}.presence",
                        f"overlaps occupancy[{j}] of room '{occ.room}' at {_hours(overlap)}: entries of one room are "
                        "groups at different times (put people present together in one entry)",
                    )
                )
                break
        earlier.append((i, occ))
        if target is None:
            continue
        if target.use not in OCCUPIABLE_USES:
            errors.append(
                (
                    f"{path}.room",
                    f"'{target.id}' is a {target.use} ({target.use_ko}), not a room people stay in; occupancy is for "
                    + ", ".join(sorted(OCCUPIABLE_USES)),
                )
            )
            continue
        if target.use == "classroom":
            outside_group = [age for age, _ in occ.children if age not in target.age_groups]
            if outside_group:
                errors.append(
                    (
                        f"{path}.children",
                        f"has {', '.join(outside_group)} but classroom '{target.id}' is for {', '.join(target.age_groups)}",
                    )
                )
    for room_id, (i, room) in sorted(good.items(), key=lambda item: item[1][0]):
        if room.use == "classroom" and room_id not in occ_seen:
            errors.append(
                (
                    f"rooms[{i}]",
                    f"classroom '{room_id}' has no occupancy entry (its children are needed for the area and ratio checks)",
                )
            )
    # Airing rules: a room with windows, at most one rule for a room in a month.
    airing_seen: dict[tuple[str, int], int] = {}
    for i, rule in airing:
        path = f"airing[{i}]"
        target = ref(f"{path}.room", rule.room)
        if target is not None and not facility.windows_of(target.id):
            errors.append((f"{path}.room", f"room '{target.id}' has no windows to open"))
        for month in rule.months:
            first = airing_seen.setdefault((rule.room, month), i)
            if first != i:
                errors.append(
                    (
                        f"{path}.months",
                        f"room '{rule.room}' already has airing[{first}] in month {month}: one rule a month",
                    )
                )
                break
    return errors


def _overlap(a: Sequence[Interval], b: Sequence[Interval]) -> Interval | None:
    """The first stretch two sets of intervals share (touching ends do not overlap)."""
    for s1, e1 in a:
        for s2, e2 in b:
            start, end = max(s1, s2), min(e1, e2)
            if end > start:
                return (start, end)
    return None


def _hours(interval: Interval) -> str:
    return "–".join(f"{int(h):02d}:{round(h % 1 * 60):02d}" for h in interval)


def subtract_intervals(base: Sequence[Interval], taken: Sequence[Interval]) -> tuple[Interval, ...]:
    """``base`` without the hours of ``taken`` (both sorted lists of [start, end])."""
    out: list[Interval] = []
    for start, end in base:
        pieces = [(start, end)]
        for s, e in taken:
            pieces = [p for a, b in pieces for p in ((a, min(b, s)), (max(a, e), b)) if p[1] - p[0] > 1e-9]
        out.extend(pieces)
    return tuple(sorted(out))


# ---------------------------------------------------------------------------------------------
# Back to JSON
# ---------------------------------------------------------------------------------------------


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(float(x), 4)


def facility_to_dict(facility: Facility) -> dict[str, Any]:
    """The facility as a ``seoul.care.facility/1`` document (teachers computed from the ratio are
    left out, so the document means the same when read back)."""
    out: dict[str, Any] = {"format": FORMAT, "name": facility.name}
    if facility.address:
        out["address"] = facility.address
    if facility.notes:
        out["notes"] = facility.notes
    if facility.wall_tolerance_m != DEFAULT_WALL_TOLERANCE_M:
        out["wall_tolerance_m"] = _num(facility.wall_tolerance_m)
    rooms = []
    for room in facility.rooms:
        r: dict[str, Any] = {
            "id": room.id,
            "name": room.name,
            "use": room.use,
            "polygon": [[_num(x), _num(y)] for x, y in room.polygon],
        }
        if room.ceiling_height_m is not None:
            r["ceiling_height_m"] = _num(room.ceiling_height_m)
        if room.age_groups:
            r["age_groups"] = list(room.age_groups)
        rooms.append(r)
    out["rooms"] = rooms
    doors = []
    for door in facility.doors:
        d: dict[str, Any] = {
            "id": door.id,
            "rooms": list(door.rooms),
            "width_m": _num(door.width_m),
            "users": [u for u in USER_CLASSES if u in door.users],
        }
        if door.height_m != 2.1:
            d["height_m"] = _num(door.height_m)
        if door.one_way:
            d["one_way"] = True
        if door.position is not None:
            d["position"] = [_num(door.position[0]), _num(door.position[1])]
        if door.kind != "door":
            d["kind"] = door.kind
        doors.append(d)
    out["doors"] = doors
    out["windows"] = [
        {
            "id": w.id,
            "room": w.room,
            "type": w.kind,
            "width_m": _num(w.width_m),
            "height_m": _num(w.height_m),
            "opening_m": _num(w.opening_m),
            "count": w.count,
        }
        for w in facility.windows
    ]
    basins = []
    for b in facility.washbasins:
        item: dict[str, Any] = {"id": b.id, "room": b.room, "count": b.count}
        if b.position is not None:
            item["position"] = [_num(b.position[0]), _num(b.position[1])]
        basins.append(item)
    out["washbasins"] = basins
    out["ventilation"] = [
        {"room": v.room, "supply_m3h": _num(v.supply_m3h), "exhaust_m3h": _num(v.exhaust_m3h)}
        for v in facility.ventilation
    ]
    out["air_cleaners"] = [
        {"id": a.id, "room": a.room, "cadr_m3h": _num(a.cadr_m3h), "count": a.count} for a in facility.air_cleaners
    ]
    occupancy = []
    for occ in facility.occupancy:
        o: dict[str, Any] = {"room": occ.room}
        if occ.children:
            o["children"] = dict(occ.children)
        if occ.teachers_given:
            o["teachers"] = occ.teachers
        if occ.other_adults:
            o["other_adults"] = occ.other_adults
        o["presence"] = [[_num(s), _num(e)] for s, e in occ.presence]
        if occ.children_met is not None:
            o["children_met"] = _num(occ.children_met)
        if occ.adults_met is not None:
            o["adults_met"] = _num(occ.adults_met)
        occupancy.append(o)
    out["occupancy"] = occupancy
    if facility.airing:
        out["airing"] = [_airing_to_dict(rule) for rule in facility.airing]
    return out


def _airing_to_dict(rule: AiringRule) -> dict[str, Any]:
    a = rule.airing
    out: dict[str, Any] = {"room": rule.room, "mode": a.mode}
    if a.mode == "periodic":
        out["minutes"] = _num(a.minutes)
        if a.every_h is not None:
            out["every_h"] = _num(a.every_h)
        if a.per_day is not None:
            out["per_day"] = a.per_day
    if tuple(rule.months) != tuple(range(1, 13)):
        out["months"] = list(rule.months)
    return out


def load_facility(path: str | Path) -> Facility:
    """Reads and parses a facility JSON file (UTF-8)."""
    return parse_facility(json.loads(Path(path).read_text(encoding="utf-8")))


def example_path() -> Path:
    """Path of the committed example centre (``seoul/care/reference/example_centre.json``)."""
    return Path(__file__).resolve().parent.parent / "reference" / "example_centre.json"


__all__ = [
    "AGE_GROUPS",
    "AIRING_MODES",
    "DEFAULT_PRESENCE",
    "FORMAT",
    "OCCUPIABLE_USES",
    "OUTDOOR_USES",
    "OUTSIDE",
    "TEACHER_RATIO",
    "USER_CLASSES",
    "USES",
    "AirCleaner",
    "Airing",
    "AiringRule",
    "Door",
    "Facility",
    "Occupancy",
    "Room",
    "ValidationErrors",
    "Ventilation",
    "Washbasin",
    "Window",
    "example_path",
    "facility_to_dict",
    "load_facility",
    "parse_facility",
    "required_teachers",
    "shared_wall_length",
    "subtract_intervals",
    "validate",
]
