"""Reads a daycare centre's plan from an IFC model (IFC2X3, IFC4, IFC4X3) into the facility model
of :mod:`.facility`, so a design exported from the architect's BIM tool can be checked without
being redrawn.

What is read, and how (the mapping is specified in ``docs/care-facility.md``):

* **IfcSpace → room.** The use comes from the property ``SeoulCare_Space.Use`` when present,
  otherwise from keywords in the space's ``LongName``, ``Name`` or ``ObjectType``, Korean or
  English (:data:`USE_KEYWORDS`: "보육실", "해님반", "유희실", "화장실", "조리실", "양호실", "현관",
  "복도", "classroom", "toilet", …). A classroom's age groups come from
  ``SeoulCare_Space.AgeGroups`` or from "만2세", "만4~5세", "age 3" in its names. The footprint is
  the union of the space's triangulated body (``ifcopenshell.geom``, world coordinates) projected
  on the floor plane; the ceiling height is ``Qto_SpaceBaseQuantities.FinishCeilingHeight`` (or
  ``Height``), else the body's vertical extent.
* **IfcDoor → door.** Width and height from ``OverallWidth``/``OverallHeight``. The two sides
  come from the door's ``IfcRelSpaceBoundary`` relationships when present (one space with an
  external boundary: that space and the outside); otherwise from geometry: the door's centre (the
  middle of its body's bounding box, else its placement moved half its width along its local x
  axis) lies within the wall tolerance of the spaces it connects — two spaces, or one whose
  exterior wall it is on. Who may pass it comes from ``SeoulCare_Door.Users`` (comma-separated
  user classes) and ``SeoulCare_Door.OneWayFrom`` (the space's name or ``outside``); without
  them every class is assumed, and that is reported.
* **IfcWindow → window.** Width and height from ``OverallWidth``/``OverallHeight``; the type from
  ``SeoulCare_Window.Type`` or the window type's panel ``OperationType`` (sliding, side-hung and
  vertically pivoted → ``sliding``, top/bottom-hung and horizontally pivoted → ``hinged``, fixed
  → not imported); the opening from ``SeoulCare_Window.OpeningLength``, else assumed; the room is
  the space whose outline is nearest to the window's centre.
* **IfcSanitaryTerminal of type WASHHANDBASIN → washbasin** in the space that contains it.

Nothing is dropped silently: every element that could not be read or placed, and every value
that had to be assumed, is an :class:`IfcIssue`; so are the plan errors of
:func:`~.facility.validate` on the result (a classroom without occupancy, for instance — IFC
carries no occupancy, ventilation design or user classes, which the designer completes in the
facility JSON). One storey is imported at a time (the facility model is a single plan).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.geom
import ifcopenshell.util.element
import ifcopenshell.util.placement
import ifcopenshell.util.unit
import numpy as np
from shapely.geometry import Point, Polygon
from shapely.ops import unary_union

from .facility import (
    AGE_GROUPS,
    DEFAULT_WALL_TOLERANCE_M,
    MAX_WALL_TOLERANCE_M,
    OUTDOOR_USES,
    OUTSIDE,
    USER_CLASSES,
    USES,
    Door,
    Facility,
    Room,
    Washbasin,
    Window,
    facility_to_dict,
    validate,
)

#: Room use keywords, tried in this order on each name (first match wins, so "화장실(교직원)" is
#: a toilet, not a staff office). Korean terms match anywhere in the name; English terms as words.
USE_KEYWORDS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("sick_room", ("양호", "격리", "보건실", "의무실"), ("sick", "isolation", "first aid", "infirmary")),
    ("laundry", ("세탁",), ("laundry",)),
    ("kitchen", ("조리", "주방", "급식", "취사"), ("kitchen",)),
    ("playground", ("놀이터", "옥외놀이"), ("playground",)),
    ("playroom", ("유희", "놀이실", "다목적", "강당"), ("playroom", "play room", "multipurpose", "gym")),
    ("toilet", ("화장실", "변소"), ("toilet", "toilets", "wc", "lavatory", "restroom")),
    ("washroom", ("세면", "수유"), ("washroom", "wash room")),
    ("staff_office", ("사무", "교사실", "원장", "교무", "상담"), ("office", "staff room", "staff")),
    ("storage", ("창고", "자료실", "수납", "교재"), ("storage", "store", "closet", "storeroom")),
    ("entrance", ("현관", "인계", "출입", "로비"), ("entrance", "lobby", "foyer", "hand-over", "handover")),
    ("corridor", ("복도", "홀", "통로"), ("corridor", "hallway", "hall", "passage")),
    ("exit", ("비상구", "출구", "피난"), ("exit", "emergency exit")),
    ("classroom", ("보육실", "영아실", "유아실"), ("classroom", "class", "group room", "nursery")),
)
#: A Korean class name: a word ending in 반 ("해님반", "만2세반", "새싹반 (만0세)").
_CLASS_NAME = re.compile(r"[가-힣0-9]반(?![가-힣])")
_AGE_RANGE = re.compile(r"만\s*([0-5])\s*(?:세)?\s*[~\-–·,]\s*([0-5])\s*세")
_AGE_SINGLE = re.compile(r"만\s*([0-5])\s*세")
_AGE_ENGLISH = re.compile(r"\bage\s*([0-5])(?:\s*[~\-–]\s*([0-5]))?", re.IGNORECASE)

#: Property sets of the platform (optional in the model).
SPACE_PSET = "SeoulCare_Space"
DOOR_PSET = "SeoulCare_Door"
WINDOW_PSET = "SeoulCare_Window"

#: Panel operation types (IfcWindowPanelOperationEnum) → window kind; ``None``: does not open.
WINDOW_OPERATIONS: dict[str, str | None] = {
    "SLIDINGHORIZONTAL": "sliding",
    "SLIDINGVERTICAL": "sliding",
    "SIDEHUNGRIGHTHAND": "sliding",
    "SIDEHUNGLEFTHAND": "sliding",
    "TILTANDTURNRIGHTHAND": "sliding",
    "TILTANDTURNLEFTHAND": "sliding",
    "PIVOTVERTICAL": "sliding",
    "TOPHUNG": "hinged",
    "BOTTOMHUNG": "hinged",
    "PIVOTHORIZONTAL": "hinged",
    "FIXEDCASEMENT": None,
}
#: Assumed opening (m) of a hinged window whose opening is not in the model: a restricted
#: opening, as windows in children's rooms usually have (the platform's assumption).
DEFAULT_HINGED_OPENING_M = 0.1
#: Default door height (m) when the model has none.
DEFAULT_DOOR_HEIGHT_M = 2.1
#: How far (m) beyond the wall tolerance a door or window centre may be from a space's outline
#: (half an exterior wall's thickness, roughly).
SEARCH_MARGIN_M = 0.1

_ID_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class IfcIssue:
    """Something of the model the import could not read or had to assume. ``kind``:
    ``skipped`` (not imported), ``assumed`` (imported with a default), ``invalid`` (a plan error
    of the imported facility, ``where`` its path)."""

    element: str
    kind: str
    message: str
    where: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {"element": self.element, "kind": self.kind, "message": self.message}
        if self.where:
            out["where"] = self.where
        return out


@dataclass(frozen=True)
class IfcImport:
    facility: Facility
    issues: tuple[IfcIssue, ...]
    storey: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "facility": facility_to_dict(self.facility),
            "storey": self.storey,
            "issues": [issue.to_dict() for issue in self.issues],
        }


def use_from_text(text: str | None) -> str | None:
    """The room use a space name means, by :data:`USE_KEYWORDS`; ``None`` when nothing matches."""
    if not text:
        return None
    lowered = text.lower()
    for use, korean, english in USE_KEYWORDS:
        if any(k in text for k in korean):
            return use
        if any(re.search(r"\b" + re.escape(word) + r"\b", lowered) for word in english):
            return use
        if use == "classroom" and _CLASS_NAME.search(text):
            return use
    return None


def ages_from_text(text: str | None) -> tuple[str, ...]:
    """Age groups named in a text: "만2세", "만4~5세", "만0·1세", "age 3", "age4-5", "age2"."""
    if not text:
        return ()
    found: set[int] = set()
    for low, high in _AGE_RANGE.findall(text):
        found.update(range(int(low), int(high) + 1))
    for single in _AGE_SINGLE.findall(text):
        found.add(int(single))
    for low, high in _AGE_ENGLISH.findall(text):
        found.update(range(int(low), int(high or low) + 1))
    return tuple(f"age{n}" for n in sorted(found) if f"age{n}" in AGE_GROUPS)


def _label(element: Any) -> str:
    name = getattr(element, "Name", None)
    long_name = getattr(element, "LongName", None) if element.is_a("IfcSpace") else None
    names = " ".join(repr(n) for n in (name, long_name) if n)
    return f"{element.is_a()} #{element.id()}" + (f" {names}" if names else "")


def _identifier(text: str | None, taken: set[str], fallback: str) -> str:
    candidate = _ID_CHARS.sub("_", (text or "").strip()).strip("_.-")[:64]
    if not candidate or candidate == OUTSIDE or not candidate[0].isalnum() or candidate in taken:
        n = 1
        while f"{fallback}_{n}" in taken:
            n += 1
        candidate = f"{fallback}_{n}"
    taken.add(candidate)
    return candidate


class _Reader:
    def __init__(self, model: Any, wall_tolerance_m: float) -> None:
        self.model = model
        self.scale = float(ifcopenshell.util.unit.calculate_unit_scale(model))
        self.tolerance = wall_tolerance_m
        self.issues: list[IfcIssue] = []
        self.settings: Any = ifcopenshell.geom.settings()  # type: ignore[no-untyped-call]
        self.settings.set("use-world-coords", True)

    def issue(self, element: Any, kind: str, message: str) -> None:
        self.issues.append(IfcIssue(_label(element) if not isinstance(element, str) else element, kind, message))

    def psets(self, element: Any) -> dict[str, dict[str, Any]]:
        return dict(ifcopenshell.util.element.get_psets(element))

    def prop(self, element: Any, pset: str, name: str) -> Any:
        return self.psets(element).get(pset, {}).get(name)

    def mesh(self, element: Any) -> tuple[Any, Any] | None:
        """World-coordinate vertices (n×3, metres) and triangles (m×3) of the body, if any."""
        if getattr(element, "Representation", None) is None:
            return None
        try:
            shape: Any = ifcopenshell.geom.create_shape(self.settings, element)
        except (RuntimeError, ValueError):
            return None
        geometry = getattr(shape, "geometry", None)
        if geometry is None:
            return None
        verts = np.asarray(geometry.verts, dtype=np.float64).reshape(-1, 3)
        faces = np.asarray(geometry.faces, dtype=np.int64).reshape(-1, 3)
        return (verts, faces) if len(verts) and len(faces) else None

    def placement(self, element: Any) -> tuple[Any, Any] | None:
        """The origin (m) and the local x axis of the element's placement, in world coordinates."""
        placement = getattr(element, "ObjectPlacement", None)
        if placement is None:
            return None
        matrix = np.asarray(ifcopenshell.util.placement.get_local_placement(placement), dtype=np.float64)
        return matrix[:3, 3] * self.scale, matrix[:3, 0]

    def length(self, value: Any) -> float | None:
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0:
            return float(value) * self.scale
        return None

    def centre(self, element: Any, width: float | None) -> tuple[float, float] | None:
        """Plan position of a door, window or fixture: the middle of its body's bounding box,
        else its placement moved half its width along the local x axis."""
        mesh = self.mesh(element)
        if mesh is not None:
            verts = mesh[0]
            low, high = verts.min(axis=0), verts.max(axis=0)
            return (float((low[0] + high[0]) / 2), float((low[1] + high[1]) / 2))
        placed = self.placement(element)
        if placed is None:
            return None
        origin, x_axis = placed
        shift = (width or 0.0) / 2.0
        return (float(origin[0] + x_axis[0] * shift), float(origin[1] + x_axis[1] * shift))

    # ---- spaces -------------------------------------------------------------------------------

    def footprint(self, element: Any) -> tuple[tuple[tuple[float, float], ...], float] | None:
        """The floor outline (metres) and the vertical extent of a space's body."""
        mesh = self.mesh(element)
        if mesh is None:
            return None
        verts, faces = mesh
        triangles = []
        for a, b, c in faces:
            tri = Polygon([tuple(verts[a][:2]), tuple(verts[b][:2]), tuple(verts[c][:2])])
            if tri.area > 1e-8:
                triangles.append(tri)
        if not triangles:
            return None
        merged = unary_union(triangles).buffer(0)
        if merged.geom_type == "MultiPolygon":
            parts = sorted(merged.geoms, key=lambda g: g.area, reverse=True)
            self.issue(element, "assumed", f"its footprint has {len(parts)} separate parts: the largest is used")
            merged = parts[0]
        if merged.geom_type != "Polygon" or merged.is_empty:
            return None
        if merged.interiors:
            self.issue(
                element, "assumed", f"its footprint has {len(merged.interiors)} hole(s): the outer outline is used"
            )
        outline = Polygon(merged.exterior).simplify(0.001)
        coords = [(round(float(x), 3), round(float(y), 3)) for x, y in list(outline.exterior.coords)[:-1]]
        height = float(verts[:, 2].max() - verts[:, 2].min())
        return tuple(coords), height

    def space_use(self, element: Any) -> tuple[str | None, str]:
        override = self.prop(element, SPACE_PSET, "Use")
        if isinstance(override, str) and override:
            if override in USES:
                return override, f"{SPACE_PSET}.Use"
            self.issue(element, "assumed", f"{SPACE_PSET}.Use {override!r} is not a known use; the names are used")
        for attribute in ("LongName", "Name", "ObjectType"):
            use = use_from_text(getattr(element, attribute, None))
            if use is not None:
                return use, attribute
        return None, ""

    def space_ages(self, element: Any) -> tuple[str, ...]:
        override = self.prop(element, SPACE_PSET, "AgeGroups")
        if isinstance(override, str) and override.strip():
            parts = [p.strip() for p in override.split(",") if p.strip()]
            if all(p in AGE_GROUPS for p in parts):
                return tuple(a for a in AGE_GROUPS if a in parts)
            return ages_from_text(override)
        found: set[str] = set()
        for attribute in ("LongName", "Name", "ObjectType"):
            found.update(ages_from_text(getattr(element, attribute, None)))
        return tuple(a for a in AGE_GROUPS if a in found)

    def ceiling(self, element: Any, extent: float) -> float:
        quantities = self.psets(element).get("Qto_SpaceBaseQuantities", {})
        for name in ("FinishCeilingHeight", "Height"):
            value = self.length(quantities.get(name))
            if value is not None:
                return value
        return extent


def _storey_of(element: Any) -> Any:
    """The building storey an element belongs to (contained in, or aggregated under)."""
    current = element
    for _ in range(10):
        container: Any = ifcopenshell.util.element.get_container(current)
        if container is not None and container.is_a("IfcBuildingStorey"):
            return container
        parent: Any = ifcopenshell.util.element.get_aggregate(current)
        if parent is None:
            return container
        if parent.is_a("IfcBuildingStorey"):
            return parent
        current = parent
    return None


def import_ifc(
    source: str | Path | ifcopenshell.file,
    *,
    storey: str | None = None,
    name: str | None = None,
    wall_tolerance_m: float = DEFAULT_WALL_TOLERANCE_M,
) -> IfcImport:
    """Reads an IFC file (a path or an opened ``ifcopenshell.file``) into a :class:`Facility` and
    the list of what could not be read or was assumed. ``storey``: the name of the storey to
    import; by default the one with the most spaces (the others are reported)."""
    if not 0.0 <= wall_tolerance_m <= MAX_WALL_TOLERANCE_M:
        raise ValueError(f"wall_tolerance_m must be between 0 and {MAX_WALL_TOLERANCE_M:g} m")
    model: Any = source if isinstance(source, ifcopenshell.file) else ifcopenshell.open(str(source))
    reader = _Reader(model, wall_tolerance_m)

    spaces = list(model.by_type("IfcSpace"))
    by_storey: dict[str, list[Any]] = {}
    storey_names: dict[int, str] = {}
    for space in spaces:
        level = _storey_of(space)
        key = (level.Name or f"#{level.id()}") if level is not None else ""
        if level is not None:
            storey_names[level.id()] = key
        by_storey.setdefault(key, []).append(space)
    if storey is not None and storey not in by_storey:
        raise ValueError(
            f"storey {storey!r} has no spaces; storeys with spaces: {', '.join(sorted(by_storey)) or 'none'}"
        )
    chosen = storey if storey is not None else (max(by_storey, key=lambda k: len(by_storey[k])) if by_storey else None)

    def on_chosen(element: Any) -> bool:
        if chosen is None or len(by_storey) <= 1:
            return True
        level = _storey_of(element)
        return level is None or (level.Name or f"#{level.id()}") == chosen

    for key, members in sorted(by_storey.items()):
        if key != chosen:
            reader.issue(
                f"IfcBuildingStorey {key!r}",
                "skipped",
                f"{len(members)} space(s) on another storey than {chosen!r}, with their doors, windows and washbasins "
                "(one storey is imported at a time: pass storey=…)",
            )

    # Spaces → rooms.
    rooms: list[Room] = []
    labels: list[str] = []
    space_room: dict[int, str] = {}
    names: dict[str, set[str]] = {}
    taken: set[str] = set()
    for space in spaces:
        if not on_chosen(space):
            continue
        use, _ = reader.space_use(space)
        if use is None:
            reader.issue(space, "skipped", "its use could not be told from its names (set SeoulCare_Space.Use)")
            continue
        shape = reader.footprint(space)
        if shape is None:
            reader.issue(space, "skipped", "it has no body geometry to take a footprint from")
            continue
        polygon, extent = shape
        room_id = _identifier(getattr(space, "Name", None), taken, "space")
        room_name = getattr(space, "LongName", None) or getattr(space, "Name", None) or room_id
        ages = reader.space_ages(space) if use == "classroom" else ()
        if use == "classroom" and not ages:
            reader.issue(
                space, "assumed", "a classroom without age groups in its names (set SeoulCare_Space.AgeGroups)"
            )
        height = None if use in OUTDOOR_USES else reader.ceiling(space, extent)
        rooms.append(Room(room_id, str(room_name), use, polygon, height, ages))
        labels.append(_label(space))
        space_room[space.id()] = room_id
        names[room_id] = {str(n) for n in (getattr(space, "Name", None), getattr(space, "LongName", None)) if n}

    plan = Facility(name="", rooms=tuple(rooms), wall_tolerance_m=wall_tolerance_m)
    search = wall_tolerance_m + SEARCH_MARGIN_M

    def near(point: tuple[float, float], indoor_only: bool = False) -> list[tuple[float, str]]:
        p = Point(point)
        hits = [
            (float(room.shape.distance(p)), room.id)
            for room in rooms
            if room.shape.is_valid and not (indoor_only and room.outdoor)
        ]
        return sorted(h for h in hits if h[0] <= search)

    # Doors.
    doors: list[Door] = []
    door_labels: list[str] = []
    door_ids: set[str] = set()
    for element in model.by_type("IfcDoor"):
        if not on_chosen(element):
            continue
        width = reader.length(getattr(element, "OverallWidth", None))
        height = reader.length(getattr(element, "OverallHeight", None))
        mesh = reader.mesh(element)
        if width is None and mesh is not None:
            extent = mesh[0].max(axis=0) - mesh[0].min(axis=0)
            width = float(max(extent[0], extent[1]))
            reader.issue(element, "assumed", f"no OverallWidth: {width:.2f} m taken from its geometry")
        if width is None:
            reader.issue(element, "skipped", "no OverallWidth and no geometry: its width is unknown")
            continue
        if height is None:
            height = DEFAULT_DOOR_HEIGHT_M
            reader.issue(element, "assumed", f"no OverallHeight: {DEFAULT_DOOR_HEIGHT_M} m assumed")
        point = reader.centre(element, width)
        pair = _door_rooms_from_boundaries(element, space_room)
        if pair is None and point is not None:
            pair = _door_rooms_from_geometry(plan, point, near(point), search)
        if pair is None:
            reader.issue(
                element,
                "skipped",
                "its spaces could not be found: no IfcRelSpaceBoundary, and its position is not on the wall of "
                "two imported spaces or on an exterior wall",
            )
            continue
        position = point
        if point is not None and not _on_wall(plan, pair, point, search):
            reader.issue(element, "assumed", "its placement is not on the wall between its spaces: position left out")
            position = None
        users, one_way_from = _door_users(reader, element, pair, names)
        if one_way_from is not None and one_way_from != pair[0]:
            pair = (pair[1], pair[0])
        door_id = _identifier(getattr(element, "Name", None) or getattr(element, "Tag", None), door_ids, "door")
        doors.append(
            Door(
                door_id,
                pair,
                width,
                users,
                height,
                one_way_from is not None,
                None if position is None else (round(position[0], 3), round(position[1], 3)),
            )
        )
        door_labels.append(_label(element))

    # Windows.
    windows: list[Window] = []
    window_labels: list[str] = []
    window_ids: set[str] = set()
    for element in model.by_type("IfcWindow"):
        if not on_chosen(element):
            continue
        window = _window(reader, element, near, window_ids)
        if window is not None:
            windows.append(window)
            window_labels.append(_label(element))

    # Washbasins.
    basins: list[Washbasin] = []
    basin_labels: list[str] = []
    basin_ids: set[str] = set()
    for element in [*_by_type(model, "IfcSanitaryTerminal"), *_ifc2x3_sanitary(model)]:
        if not on_chosen(element):
            continue
        kind = ifcopenshell.util.element.get_predefined_type(element)
        if kind != "WASHHANDBASIN":
            reader.issue(element, "skipped", f"a sanitary terminal of type {kind or 'unknown'}, not a washbasin")
            continue
        point = reader.centre(element, None)
        hits = near(point) if point is not None else []
        inside = [room_id for distance, room_id in hits if distance == 0.0] or [room_id for _, room_id in hits[:1]]
        if not inside or point is None:
            reader.issue(element, "skipped", "it is not in an imported space")
            continue
        basin_id = _identifier(getattr(element, "Name", None), basin_ids, "washbasin")
        basins.append(Washbasin(inside[0], 1, (round(point[0], 3), round(point[1], 3)), basin_id))
        basin_labels.append(_label(element))

    facility = Facility(
        name=name or _project_name(model, source),
        rooms=tuple(rooms),
        doors=tuple(doors),
        windows=tuple(windows),
        washbasins=tuple(basins),
        wall_tolerance_m=wall_tolerance_m,
    )
    element_of = {"rooms": labels, "doors": door_labels, "windows": window_labels, "washbasins": basin_labels}
    for path, reason in validate(facility):
        match = re.match(r"(\w+)\[(\d+)\]", path)
        where = "facility"
        if match and match.group(1) in element_of and int(match.group(2)) < len(element_of[match.group(1)]):
            where = element_of[match.group(1)][int(match.group(2))]
        reader.issues.append(IfcIssue(where, "invalid", reason, path))
    return IfcImport(facility, tuple(reader.issues), chosen if chosen else None)


def _project_name(model: Any, source: Any) -> str:
    for entity in ("IfcBuilding", "IfcProject"):
        for element in model.by_type(entity):
            if getattr(element, "Name", None):
                return str(element.Name)
    return Path(str(source)).stem if not isinstance(source, ifcopenshell.file) else "IFC model"


def _by_type(model: Any, entity: str) -> list[Any]:
    """Instances of an entity, none when the file's schema does not have it."""
    try:
        return list(model.by_type(entity))
    except RuntimeError:
        return []


def _ifc2x3_sanitary(model: Any) -> list[Any]:
    """IFC2X3 has no IfcSanitaryTerminal occurrence: flow terminals typed by a sanitary type."""
    if model.schema != "IFC2X3":
        return []
    out = []
    for element in model.by_type("IfcFlowTerminal"):
        element_type: Any = ifcopenshell.util.element.get_type(element)
        if element_type is not None and element_type.is_a("IfcSanitaryTerminalType"):
            out.append(element)
    return out


def _door_rooms_from_boundaries(element: Any, space_room: dict[int, str]) -> tuple[str, str] | None:
    rooms: list[str] = []
    external = False
    for rel in getattr(element, "ProvidesBoundaries", None) or ():
        space = getattr(rel, "RelatingSpace", None)
        if space is not None and space.id() in space_room and space_room[space.id()] not in rooms:
            rooms.append(space_room[space.id()])
        if str(getattr(rel, "InternalOrExternalBoundary", "")).startswith("EXTERNAL"):
            external = True
    if len(rooms) == 2:
        return rooms[0], rooms[1]
    if len(rooms) == 1 and external:
        return rooms[0], OUTSIDE
    return None


def _door_rooms_from_geometry(
    plan: Facility, point: tuple[float, float], hits: list[tuple[float, str]], search: float
) -> tuple[str, str] | None:
    if len(hits) >= 2:
        return hits[0][1], hits[1][1]
    if len(hits) == 1:
        room_id = hits[0][1]
        exterior = plan.exterior_boundary(room_id)
        if not exterior.is_empty and exterior.distance(Point(point)) <= search:
            return room_id, OUTSIDE
    return None


def _on_wall(plan: Facility, pair: tuple[str, str], point: tuple[float, float], search: float) -> bool:
    p = Point(point)
    for room_id in pair:
        if room_id == OUTSIDE:
            continue
        if plan.room(room_id).shape.boundary.distance(p) > search:
            return False
    return True


def _door_users(
    reader: _Reader, element: Any, pair: tuple[str, str], names: dict[str, set[str]]
) -> tuple[frozenset[str], str | None]:
    raw = reader.prop(element, DOOR_PSET, "Users")
    users: frozenset[str]
    if isinstance(raw, str) and raw.strip():
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        unknown = [p for p in parts if p not in USER_CLASSES]
        if unknown:
            reader.issue(element, "assumed", f"{DOOR_PSET}.Users has unknown class(es) {', '.join(unknown)}: ignored")
        users = frozenset(p for p in parts if p in USER_CLASSES)
        if not users:
            users = frozenset(USER_CLASSES)
            reader.issue(element, "assumed", "no valid user class: every class assumed")
    else:
        users = frozenset(USER_CLASSES)
        reader.issue(element, "assumed", f"no {DOOR_PSET}.Users: every user class may pass it")
    one_way = reader.prop(element, DOOR_PSET, "OneWayFrom")
    if isinstance(one_way, str) and one_way.strip():
        wanted = one_way.strip()
        for room_id in pair:
            if wanted == room_id or wanted in names.get(room_id, set()):
                return users, room_id
        reader.issue(element, "assumed", f"{DOOR_PSET}.OneWayFrom {wanted!r} is neither of its sides: two-way assumed")
    return users, None


def _window(reader: _Reader, element: Any, near: Any, taken: set[str]) -> Window | None:
    width = reader.length(getattr(element, "OverallWidth", None))
    height = reader.length(getattr(element, "OverallHeight", None))
    mesh = reader.mesh(element)
    if (width is None or height is None) and mesh is not None:
        extent = mesh[0].max(axis=0) - mesh[0].min(axis=0)
        if width is None:
            width = float(max(extent[0], extent[1]))
        if height is None:
            height = float(extent[2])
        reader.issue(element, "assumed", "no OverallWidth/OverallHeight: taken from its geometry")
    if width is None or height is None:
        reader.issue(element, "skipped", "no OverallWidth/OverallHeight and no geometry: its size is unknown")
        return None
    kind = reader.prop(element, WINDOW_PSET, "Type")
    if kind not in ("sliding", "hinged"):
        operation = _panel_operation(element)
        if operation is not None and operation in WINDOW_OPERATIONS:
            kind = WINDOW_OPERATIONS[operation]
            if kind is None:
                reader.issue(element, "skipped", "a fixed window (FIXEDCASEMENT): it does not open")
                return None
        else:
            kind = "sliding"
            reader.issue(element, "assumed", "its opening type is unknown: sliding assumed")
    opening = reader.prop(element, WINDOW_PSET, "OpeningLength")
    if isinstance(opening, int | float) and not isinstance(opening, bool) and opening > 0:
        opening_m = float(opening)
    else:
        opening_m = width / 2.0 if kind == "sliding" else DEFAULT_HINGED_OPENING_M
        reader.issue(element, "assumed", f"no {WINDOW_PSET}.OpeningLength: {opening_m:.2f} m assumed")
    point = reader.centre(element, width)
    hits = near(point, indoor_only=True) if point is not None else []
    if not hits:
        reader.issue(element, "skipped", "it is not on the wall of an imported indoor space")
        return None
    window_id = _identifier(getattr(element, "Name", None) or getattr(element, "Tag", None), taken, "window")
    return Window(hits[0][1], str(kind), width, height, opening_m, 1, window_id)


def _panel_operation(element: Any) -> str | None:
    candidates: Iterable[Any] = []
    element_type: Any = ifcopenshell.util.element.get_type(element)
    if element_type is not None:
        candidates = getattr(element_type, "HasPropertySets", None) or ()
    for definition in candidates:
        if definition.is_a("IfcWindowPanelProperties"):
            operation = getattr(definition, "OperationType", None)
            if operation:
                return str(operation)
    return None


__all__ = [
    "USE_KEYWORDS",
    "WINDOW_OPERATIONS",
    "IfcImport",
    "IfcIssue",
    "ages_from_text",
    "import_ifc",
    "use_from_text",
]
