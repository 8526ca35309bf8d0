"""The S-돌봄 design checks of a daycare centre (issue 17), on a :class:`~.facility.Facility`.

Each check returns a :class:`CheckResult`: an ``id``, an English and a Korean title, ``passed``,
a short ``summary`` in English and ``summary_ko`` in Korean (for a reader: rooms by their names,
:func:`room_name`, routes as names joined by " → "), structured ``evidence`` (the numbers, the
rooms by id, the paths or the cut it found, JSON-able) and the ``source`` of its rule. :func:`run_checks` runs them all,
:func:`report` gives the JSON form, :func:`check_ids` lists them. Every figure below says where
it comes from; where the platform had to choose (a flow, a threshold, an activity level), the
choice is stated as the platform's own. ``docs/care-facility.md`` explains each check.

The circulation checks work on the **room graph** (:func:`room_graph`): a directed graph whose
nodes are the rooms and ``"outside"`` and whose edges are the doors, in both directions unless a
door is one-way, each edge knowing which user classes may pass it. An edge's weight is the walking
distance from the first room's centroid to the door and on to the second room's centroid, so the
"route" of a flow is its shortest walk.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from . import airborne, climate
from .facility import (
    AGE_GROUPS,
    OUTSIDE,
    TEACHER_RATIO,
    USER_CLASSES,
    USES,
    Facility,
    Occupancy,
    Room,
    ValidationErrors,
    validate,
)

# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    title_ko: str
    passed: bool
    summary: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    #: The summary in Korean (rooms by their names, as :attr:`summary`).
    summary_ko: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "title_ko": self.title_ko,
            "passed": self.passed,
            "summary": self.summary,
            "summary_ko": self.summary_ko,
            "evidence": _jsonable(dict(self.evidence)),
            "source": self.source,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [_jsonable(v) for v in items]
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    if isinstance(value, np.floating):
        return _jsonable(float(value))
    if isinstance(value, np.integer):
        return int(value)
    return value


def _r(x: float, digits: int = 2) -> float:
    return round(float(x), digits)


# ---------------------------------------------------------------------------------------------
# Rooms by name (the texts a reader sees; ids stay in the evidence)
# ---------------------------------------------------------------------------------------------

#: How ``"outside"`` is named in the texts: English, Korean.
OUTSIDE_NAME = ("outside", "바깥")
#: The user classes as the texts name them (the pair of the separation check included).
USER_CLASS_NAMES: dict[str, tuple[str, str]] = {
    "children": ("children", "영유아"),
    "parents": ("parents", "보호자"),
    "staff": ("staff", "교직원"),
    "goods": ("goods", "식자재·물품"),
    "waste": ("waste", "오물·세탁물"),
    "children+parents": ("children and parents", "영유아·보호자"),
}


def room_name(facility: Facility, room_id: str, ko: bool = False) -> str:
    """The name a reader knows a room by (:attr:`~.facility.Room.name`); ``"outside"`` is
    바깥/outside. An id the facility does not know is returned as it is."""
    if room_id == OUTSIDE:
        return OUTSIDE_NAME[1 if ko else 0]
    room = facility.rooms_by_id.get(room_id)
    return room.name if room is not None and room.name else room_id


def room_names(facility: Facility, room_ids: Iterable[str], ko: bool = False) -> str:
    """Rooms by name, joined by ", "."""
    return ", ".join(room_name(facility, r, ko) for r in room_ids)


def route_text(facility: Facility, path: Iterable[str], ko: bool = False) -> str:
    """A route (room ids, ``"outside"`` included) as names joined by " → "."""
    return " → ".join(room_name(facility, r, ko) for r in path)


#: Digits as read in Korean (일, 이, 삼, …): whether the reading ends in a final consonant.
_DIGIT_HAS_FINAL = {
    "0": True,
    "1": True,
    "2": False,
    "3": True,
    "4": False,
    "5": False,
    "6": True,
    "7": True,
    "8": True,
    "9": False,
}


def ko_particle(text: str, after_final: str, after_vowel: str) -> str:
    """The Korean particle that follows ``text``: ``after_final`` (을, 이, 은, 과, 으로) when the
    word read last ends in a final consonant, else ``after_vowel`` (를, 가, 는, 와, 로). A name
    ending in a bracket, such as "해님반 (만0세)", is read to its end (…세 → 를). When the last
    character is neither Hangul nor a digit, both are given: "을(를)"."""
    for ch in reversed(text.strip()):
        if ch in ")]」』’\"' ":
            continue
        if "가" <= ch <= "힣":
            final = (ord(ch) - ord("가")) % 28
            if after_final == "으로" and final == 8:  # ㄹ takes 로
                return after_vowel
            return after_final if final else after_vowel
        if ch in _DIGIT_HAS_FINAL:
            if after_final == "으로" and ch in "178":
                return after_vowel
            return after_final if _DIGIT_HAS_FINAL[ch] else after_vowel
        break
    return f"{after_final}({after_vowel})"


def _target_name(facility: Facility, target: str, ko: bool) -> str:
    """A flow's target: a room, or ``"toilet:*"`` (the nearest room of a use) when none was found."""
    if target.endswith(":*"):
        use = target[:-2]
        return f"가장 가까운 {USES.get(use, use)}" if ko else f"the nearest {use.replace('_', ' ')}"
    return room_name(facility, target, ko)


def _class_name(user: str, ko: bool) -> str:
    names = USER_CLASS_NAMES.get(user)
    return names[1 if ko else 0] if names else user


def _sentence(text: str) -> str:
    """``text`` with a capital first letter and a full stop."""
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


# ---------------------------------------------------------------------------------------------
# The room graph
# ---------------------------------------------------------------------------------------------


def room_graph(facility: Facility, users: Iterable[str] | None = None) -> Any:
    """The directed room graph (a ``networkx.DiGraph``) with the doors that at least one of
    ``users`` may pass (every door when ``None``). Edge data: ``weight`` (m, the walk from centroid
    to door to centroid), ``doors`` (ids), ``users`` (the classes any of those doors allows)."""
    wanted = None if users is None else frozenset(users)
    graph = nx.DiGraph()
    graph.add_node(OUTSIDE, use=OUTSIDE)
    for room in facility.rooms:
        graph.add_node(room.id, use=room.use)
    for door in facility.doors:
        if wanted is not None and not door.allows(wanted):
            continue
        point = facility.door_point(door)
        for a, b in door.directions():
            weight = _walk(facility, a, point) + _walk(facility, b, point)
            if graph.has_edge(a, b):
                data = graph[a][b]
                data["doors"].append(door.id)
                data["users"] = data["users"] | door.users
                data["weight"] = min(data["weight"], weight)
            else:
                graph.add_edge(a, b, weight=weight, doors=[door.id], users=door.users)
    return graph


def _walk(facility: Facility, room_id: str, point: tuple[float, float]) -> float:
    if room_id == OUTSIDE:
        return 0.0
    return math.dist(facility.room_point(room_id), point)


def _shortest(graph: Any, source: str, target: str) -> list[str] | None:
    try:
        path = nx.shortest_path(graph, source, target, weight="weight")
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return None
    return [str(node) for node in path]


def _path_length(graph: Any, path: Sequence[str]) -> float:
    return float(sum(graph[a][b]["weight"] for a, b in itertools.pairwise(path)))


def _without(graph: Any, nodes: Iterable[str]) -> Any:
    view = graph.copy()
    view.remove_nodes_from([n for n in nodes if n in view])
    return view


# ---------------------------------------------------------------------------------------------
# 1. Area per child
# ---------------------------------------------------------------------------------------------

#: 영유아보육법 시행규칙 [별표 1] 어린이집의 설치기준: the centre's area (놀이터 excluded) at least
#: 4.29 m² per child, of which the 보육실 — 거실·포복실·유희실 included — at least 2.64 m² per child.
#: Read in secondary sources (the annex itself was not at hand): the older text "보육실은 거실,
#: 포복실 및 유희실을 포함하여 영유아 1인당 2.64제곱미터 이상", "보육실을 포함한 시설면적은 (놀이터
#: 면적을 제외한다) 영유아 1인당 4.29㎡ 이상"; the current wording on law.go.kr should be re-read.
AREA_PER_CHILD_M2 = 4.29
CLASSROOM_AREA_PER_CHILD_M2 = 2.64
#: Uses that count as 보육실 for the 2.64 m² rule (거실·포복실 are classrooms here).
CARE_ROOM_USES = ("classroom", "playroom")
_AREA_SOURCE = (
    "영유아보육법 시행규칙 [별표 1] 어린이집의 설치기준 (시설 면적): 보육실을 포함한 시설면적(놀이터 제외) 영유아 1명당 "
    "4.29 m² 이상, 보육실(거실·포복실·유희실 포함) 영유아 1명당 2.64 m² 이상"
)


def check_area_per_child(facility: Facility) -> CheckResult:
    """Indoor area per enrolled child ≥ 4.29 m², and the 보육실 — classrooms and playrooms
    together — ≥ 2.64 m² per enrolled child.

    Areas are the room polygons' (inside faces when drawn so), the playground excluded; the
    children are the classrooms' occupancy. Each classroom's own area per child is given too,
    and one under 2.64 m² is named in the summary, but the rule is on the 보육실 together (a
    shared playroom counts)."""
    children = facility.children_total
    indoor = facility.indoor_area_m2
    rooms: list[dict[str, Any]] = []
    for room in facility.rooms_of("classroom"):
        occ = facility.occupancy_by_room.get(room.id)
        n = occ.children_total if occ else 0
        per = room.area_m2 / n if n else math.inf
        rooms.append(
            {
                "room": room.id,
                "area_m2": _r(room.area_m2),
                "children": n,
                "area_per_child_m2": _r(per) if n else None,
                "under_minimum_alone": per < CLASSROOM_AREA_PER_CHILD_M2,
            }
        )
    care_rooms = facility.rooms_of(*CARE_ROOM_USES)
    care_area = sum(room.area_m2 for room in care_rooms)
    overall = indoor / children if children else math.inf
    care = care_area / children if children else math.inf
    overall_ok = overall >= AREA_PER_CHILD_M2
    care_ok = care >= CLASSROOM_AREA_PER_CHILD_M2
    crowded = [r["room"] for r in rooms if r["under_minimum_alone"]]
    failing = [] if care_ok else [room.id for room in care_rooms]
    passed = overall_ok and care_ok
    crowded_note = (
        f" On its own, {room_names(facility, crowded)} has less than {CLASSROOM_AREA_PER_CHILD_M2} m² per child."
        if crowded
        else ""
    )
    crowded_note_ko = (
        f" {room_names(facility, crowded, ko=True)}만 보면 영유아 1인당 {CLASSROOM_AREA_PER_CHILD_M2} m² 미만입니다."
        if crowded
        else ""
    )
    if not children:
        summary = "No children in the classrooms' occupancy: nothing to check."
        summary_ko = "보육실 재원 아동 수가 입력되지 않아 확인할 대상이 없습니다."
    elif passed:
        summary = (
            f"{overall:.2f} m² per child overall (at least {AREA_PER_CHILD_M2} required) and {care:.2f} m² of 보육실 "
            f"(classrooms and playrooms) per child (at least {CLASSROOM_AREA_PER_CHILD_M2}).{crowded_note}"
        )
        summary_ko = (
            f"영유아 1인당 시설면적은 {overall:.2f} m²로 기준({AREA_PER_CHILD_M2} m² 이상)을, 보육실(유희실 포함) 면적은 "
            f"{care:.2f} m²로 기준({CLASSROOM_AREA_PER_CHILD_M2} m² 이상)을 충족합니다.{crowded_note_ko}"
        )
    else:
        parts, parts_ko = [], []
        if not overall_ok:
            parts.append(f"{overall:.2f} m² per child overall, below {AREA_PER_CHILD_M2}")
            parts_ko.append(f"영유아 1인당 시설면적이 {overall:.2f} m²로 기준 {AREA_PER_CHILD_M2} m²에 미달합니다.")
        if not care_ok:
            parts.append(
                f"{care:.2f} m² of 보육실 (classrooms and playrooms) per child, below {CLASSROOM_AREA_PER_CHILD_M2}"
            )
            parts_ko.append(
                f"영유아 1인당 보육실(유희실 포함) 면적이 {care:.2f} m²로 기준 {CLASSROOM_AREA_PER_CHILD_M2} m²에 미달합니다."
            )
        summary = _sentence("; ".join(parts)) + crowded_note
        summary_ko = " ".join(parts_ko) + crowded_note_ko
    return CheckResult(
        id="area_per_child",
        title="Area per child",
        title_ko="영유아 1인당 면적",
        passed=passed,
        summary=summary,
        summary_ko=summary_ko,
        evidence={
            "children": children,
            "indoor_area_m2": _r(indoor),
            "area_per_child_m2": _r(overall) if children else None,
            "minimum_m2": AREA_PER_CHILD_M2,
            "rooms_counted": [r.id for r in facility.rooms if not r.outdoor],
            "care_rooms": [r.id for r in care_rooms],
            "care_area_m2": _r(care_area),
            "care_area_per_child_m2": _r(care) if children else None,
            "care_minimum_m2": CLASSROOM_AREA_PER_CHILD_M2,
            "classrooms": rooms,
            "crowded_classrooms": crowded,
            "failing_rooms": failing,
        },
        source=_AREA_SOURCE,
    )


# ---------------------------------------------------------------------------------------------
# 2. Washbasin on the way in
# ---------------------------------------------------------------------------------------------

ENTRY_USERS = ("children", "parents")
_WASHBASIN_SOURCE = (
    "서울디자인재단 S-돌봄 감염예방 디자인 가이드라인 (issue 17): 세면대의 위치 — hands are washed on arrival, before "
    "the child joins the class (등원 후 손 씻기). The graph test (a vertex cut) is the platform's own formulation."
)


def check_washbasin_on_entry(facility: Facility) -> CheckResult:
    """Every way in for children and parents passes a washbasin before it reaches a classroom.

    On the graph of the doors children or parents may pass, the rooms with a washbasin (other
    than the classroom itself: a child washing hands there has already joined the group) must
    form a vertex cut between ``outside`` and each classroom: with them removed, the classroom is
    no longer reachable. When it still is, the evidence gives the offending route and a smallest
    set of rooms where a washbasin would close every route (a minimum vertex cut)."""
    graph = room_graph(facility, ENTRY_USERS)
    basins = sorted(facility.washbasin_rooms)
    results: list[dict[str, Any]] = []
    for room in facility.rooms_of("classroom"):
        route = _shortest(graph, OUTSIDE, room.id)
        if route is None:
            results.append(
                {
                    "room": room.id,
                    "passed": False,
                    "reason": "not reachable from outside by children or parents",
                    "route": None,
                }
            )
            continue
        blocked = [b for b in basins if b != room.id]
        offending = _shortest(_without(graph, blocked), OUTSIDE, room.id)
        entry: dict[str, Any] = {
            "room": room.id,
            "passed": offending is None,
            "route": route,
            "washbasins_on_route": [n for n in route if n in blocked],
        }
        if offending is not None:
            entry["offending_path"] = offending
            if graph.has_edge(OUTSIDE, room.id):
                entry["suggested_cut"] = []
                entry["reason"] = (
                    "a door leads from outside straight into the classroom: no room before it can hold the washbasin"
                )
            else:
                entry["suggested_cut"] = _suggested_cut(graph, blocked, offending, room.id)
                entry["reason"] = "a route from outside reaches the classroom without passing a washbasin"
        results.append(entry)
    failing = [r["room"] for r in results if not r["passed"]]
    passed = not failing
    if passed:
        summary = "Every route in for children and parents passes a washbasin before any classroom."
        summary_ko = "영유아와 보호자가 들어오는 모든 동선에서 보육실에 들어가기 전에 세면대를 거칩니다."
    else:
        unreachable = [r["room"] for r in results if not r["passed"] and r["route"] is None]
        open_ = [r for r in results if not r["passed"] and r["route"] is not None]
        parts, parts_ko = [], []
        if open_:
            names = room_names(facility, [r["room"] for r in open_])
            names_ko = room_names(facility, [r["room"] for r in open_], ko=True)
            path = open_[0].get("offending_path") or open_[0]["route"]
            parts.append(f"No washbasin on the way in to {names} (e.g. {route_text(facility, path)}).")
            parts_ko.append(
                f"{names_ko}에 들어가는 동선에 세면대가 없습니다 (예: {route_text(facility, path, ko=True)})."
            )
            direct = [r["room"] for r in open_ if graph.has_edge(OUTSIDE, r["room"])]
            if direct:
                parts.append(
                    f"A door leads from outside straight into {room_names(facility, direct)}: no room before "
                    "it can hold the washbasin."
                )
                parts_ko.append(
                    f"{room_names(facility, direct, ko=True)}에는 바깥에서 바로 들어오는 문이 있어 그 앞에 세면대를 둘 "
                    "곳이 없습니다."
                )
            cuts = sorted({tuple(r["suggested_cut"]) for r in open_ if r.get("suggested_cut")})
            if cuts:
                parts.append(
                    "A washbasin in " + " or ".join(room_names(facility, c) for c in cuts) + " would close the routes."
                )
                parts_ko.append(
                    " 또는 ".join(room_names(facility, c, ko=True) for c in cuts)
                    + "에 세면대를 설치하면 모든 입실 동선에서 손을 씻고 들어가게 됩니다."
                )
        if unreachable:
            parts.append(f"Children and parents cannot reach {room_names(facility, unreachable)} from outside.")
            parts_ko.append(
                f"영유아와 보호자가 바깥에서 {room_names(facility, unreachable, ko=True)}까지 갈 수 있는 동선이 없습니다."
            )
        summary = " ".join(parts)
        summary_ko = " ".join(parts_ko)
    return CheckResult(
        id="washbasin_on_entry",
        title="Washbasin on every way in",
        title_ko="입실 동선상 세면대",
        passed=passed,
        summary=summary,
        summary_ko=summary_ko,
        evidence={
            "user_classes": list(ENTRY_USERS),
            "washbasin_rooms": basins,
            "entry_doors": sorted(
                d.id
                for d in facility.doors
                if OUTSIDE in d.rooms and d.allows(ENTRY_USERS) and _enters(d.rooms, d.one_way)
            ),
            "classrooms": results,
            "failing_rooms": failing,
        },
        source=_WASHBASIN_SOURCE,
    )


def _suggested_cut(graph: Any, blocked: Sequence[str], offending: Sequence[str], target: str) -> list[str]:
    """Where washbasins would close every route to ``target``: the first room of the offending
    route (from outside) that does it alone, so the suggestion is as near the door as possible;
    otherwise a minimum vertex cut of the rooms without washbasins."""
    for node in offending[1:-1]:
        if _shortest(_without(graph, [*blocked, node]), OUTSIDE, target) is None:
            return [node]
    cut = nx.minimum_node_cut(_without(graph, blocked), OUTSIDE, target)
    return sorted(str(n) for n in cut)


def _enters(rooms: tuple[str, str], one_way: bool) -> bool:
    return not one_way or rooms[0] == OUTSIDE


# ---------------------------------------------------------------------------------------------
# 3. Separated circulation
# ---------------------------------------------------------------------------------------------

#: Rooms a dirty flow starts from: wet rooms with soiled nappies and linen, and the laundry.
WASTE_ORIGINS = ("toilet", "washroom", "laundry")
#: Circulation that children and a dirty flow may share (time separation is not modelled).
SHARED_CIRCULATION = ("corridor",)
_SEPARATION_SOURCE = (
    "서울디자인재단 S-돌봄 감염예방 디자인 가이드라인: 교직원과 이용자의 동선 분리, 청결·오염 동선 분리 (issue 17). "
    "The flows, the shortest-walk routes and the pass rule are the platform's formulation (docs/care-facility.md)."
)


@dataclass(frozen=True)
class Flow:
    """A movement the plan must allow: ``user`` class from ``source`` to ``target``."""

    user: str
    source: str
    target: str
    purpose: str


def flows(facility: Facility) -> list[Flow]:
    """The flows assumed for the separation check:

    * children: outside → each classroom (arrival); each classroom → its nearest toilet; each
      classroom → each playroom and each playground;
    * parents: outside → each entrance (hand-over), or → each classroom when there is no entrance;
    * staff: outside → each staff office; each staff office → each classroom;
    * goods: outside → each kitchen (food delivery);
    * waste: each toilet and washroom → the nearest laundry (soiled linen); each toilet, washroom and
      laundry → outside (disposal).

    ``"nearest"`` targets are resolved per class graph in :func:`check_route_separation`; here
    they are written ``"toilet:*"`` / ``"laundry:*"``."""
    out: list[Flow] = []
    classrooms = [r.id for r in facility.rooms_of("classroom")]
    for c in classrooms:
        out.append(Flow("children", OUTSIDE, c, "arrival"))
        if facility.rooms_of("toilet"):
            out.append(Flow("children", c, "toilet:*", "toilet"))
        out.extend(Flow("children", c, p.id, "play") for p in facility.rooms_of("playroom"))
        out.extend(Flow("children", c, p.id, "outdoor play") for p in facility.rooms_of("playground"))
    entrances = [r.id for r in facility.rooms_of("entrance")]
    for e in entrances or classrooms:
        out.append(Flow("parents", OUTSIDE, e, "hand-over"))
    for office in facility.rooms_of("staff_office"):
        out.append(Flow("staff", OUTSIDE, office.id, "arrival"))
        out.extend(Flow("staff", office.id, c, "to class") for c in classrooms)
    out.extend(Flow("goods", OUTSIDE, k.id, "food delivery") for k in facility.rooms_of("kitchen"))
    has_laundry = bool(facility.rooms_of("laundry"))
    for origin in facility.rooms_of(*WASTE_ORIGINS):
        if origin.use != "laundry" and has_laundry:
            out.append(Flow("waste", origin.id, "laundry:*", "soiled linen"))
        out.append(Flow("waste", origin.id, OUTSIDE, "disposal"))
    return out


def check_route_separation(facility: Facility) -> CheckResult:
    """Clean and dirty routes do not meet, and dirty routes keep out of the children's rooms.

    Each flow of :func:`flows` takes its shortest walk on the graph of the doors its class may
    pass; a class's rooms are the union of its routes (``outside`` left out). Pass rule:

    1. every flow has a route (a class that cannot reach where it must go is a plan error);
    2. goods (clean) and waste (dirty) share no room;
    3. children and parents share with waste only corridors and the rooms waste starts from
       (toilets, washrooms, the laundry): no classroom, playroom, sick room, entrance, …

    Staff vs users and goods vs users are reported (shared rooms, overlap ratio) but not
    judged: staff must enter the classrooms, and a delivery through the entrance is a matter of
    hours. The overlap ratio is |shared| / |union| of the two classes' rooms."""
    graphs = {user: room_graph(facility, (user,)) for user in USER_CLASSES}
    records: list[dict[str, Any]] = []
    rooms_by_class: dict[str, set[str]] = {user: set() for user in USER_CLASSES}
    unreachable: list[dict[str, str]] = []
    for flow in flows(facility):
        graph = graphs[flow.user]
        target, path = _resolve(facility, graph, flow)
        record: dict[str, Any] = {
            "class": flow.user,
            "purpose": flow.purpose,
            "from": flow.source,
            "to": target,
            "path": path,
        }
        records.append(record)
        if path is None:
            unreachable.append({"class": flow.user, "from": flow.source, "to": target, "purpose": flow.purpose})
            continue
        rooms_by_class[flow.user].update(n for n in path if n != OUTSIDE)

    origins = {r.id for r in facility.rooms_of(*WASTE_ORIGINS)}
    corridors = {r.id for r in facility.rooms_of(*SHARED_CIRCULATION)}
    users = rooms_by_class["children"] | rooms_by_class["parents"]
    pairs = [
        _pair("goods", rooms_by_class["goods"], "waste", rooms_by_class["waste"], allowed=set(), enforced=True),
        _pair("children+parents", users, "waste", rooms_by_class["waste"], allowed=corridors | origins, enforced=True),
        _pair("staff", rooms_by_class["staff"], "children+parents", users, allowed=None, enforced=False),
        _pair("goods", rooms_by_class["goods"], "children+parents", users, allowed=None, enforced=False),
    ]
    violations = [p for p in pairs if p["enforced"] and p["violations"]]
    passed = not unreachable and not violations
    if passed:
        summary = (
            "Goods and waste routes share no room; waste meets children and parents only in corridors and wet rooms."
        )
        summary_ko = (
            "식자재·물품 동선과 오물·세탁물 동선이 같은 실을 지나지 않으며, 오물·세탁물 동선이 영유아·보호자 동선과 "
            "만나는 곳은 복도와 화장실·세면실·세탁실뿐입니다."
        )
    else:
        parts, parts_ko = [], []
        for p in violations:
            a, b = _class_name(p["a"], False), _class_name(p["b"], False)
            a_ko, b_ko = _class_name(p["a"], True), _class_name(p["b"], True)
            parts.append(f"routes for {a} and routes for {b} share {room_names(facility, p['violations'])}")
            parts_ko.append(
                f"{a_ko} 동선과 {b_ko} 동선이 {room_names(facility, p['violations'], ko=True)}에서 겹칩니다."
            )
        for u in unreachable:
            source, target = room_name(facility, u["from"]), _target_name(facility, u["to"], False)
            parts.append(f"no route for {_class_name(u['class'], False)} from {source} to {target}")
            parts_ko.append(
                f"{room_name(facility, u['from'], ko=True)}에서 {_target_name(facility, u['to'], True)}까지 "
                f"{_class_name(u['class'], True)} 동선이 없습니다."
            )
        summary = _sentence("; ".join(parts))
        summary_ko = " ".join(parts_ko)
    return CheckResult(
        id="route_separation",
        title="Separated circulation (staff, users, clean, dirty)",
        title_ko="동선 분리 (교직원·이용자·청결·오염)",
        passed=passed,
        summary=summary,
        summary_ko=summary_ko,
        evidence={
            "flows": records,
            "rooms_by_class": {k: sorted(v) for k, v in rooms_by_class.items()},
            "pairs": pairs,
            "unreachable": unreachable,
            "waste_origins": sorted(origins),
            "shared_circulation_allowed": sorted(corridors),
        },
        source=_SEPARATION_SOURCE,
    )


def _resolve(facility: Facility, graph: Any, flow: Flow) -> tuple[str, list[str] | None]:
    if not flow.target.endswith(":*"):
        return flow.target, _shortest(graph, flow.source, flow.target)
    use = flow.target[:-2]
    best: tuple[float, str, list[str]] | None = None
    for room in facility.rooms_of(use):
        path = _shortest(graph, flow.source, room.id)
        if path is not None:
            length = _path_length(graph, path)
            if best is None or length < best[0]:
                best = (length, room.id, path)
    return (flow.target, None) if best is None else (best[1], best[2])


def _pair(
    a: str, rooms_a: set[str], b: str, rooms_b: set[str], *, allowed: set[str] | None, enforced: bool
) -> dict[str, Any]:
    shared = rooms_a & rooms_b
    union = rooms_a | rooms_b
    return {
        "a": a,
        "b": b,
        "shared": sorted(shared),
        "overlap_ratio": _r(len(shared) / len(union), 3) if union else 0.0,
        "enforced": enforced,
        "allowed": sorted(allowed) if allowed is not None else None,
        "violations": sorted(shared - allowed) if allowed is not None else [],
    }


# ---------------------------------------------------------------------------------------------
# 4. Sick room access
# ---------------------------------------------------------------------------------------------

_SICK_ROOM_SOURCE = (
    "서울디자인재단 S-돌봄 감염예방 디자인 가이드라인 (issue 17): a separate room (양호실·격리실) for a child with "
    "symptoms, who waits there apart from the other classes until a parent collects them. The graph formulation "
    "(no other classroom on the way in or out) is the platform's own."
)


def check_sick_room_access(facility: Facility) -> CheckResult:
    """A sick child can be taken from any classroom or playroom to the sick room, and from the
    sick room out, without passing through another classroom (on the graph of the doors children
    may pass)."""
    graph = room_graph(facility, ("children",))
    sick_rooms = [r.id for r in facility.rooms_of("sick_room")]
    classrooms = {r.id for r in facility.rooms_of("classroom")}
    if not sick_rooms:
        return CheckResult(
            id="sick_room_access",
            title="Sick room reachable without crossing a classroom",
            title_ko="양호·격리실 접근 동선",
            passed=False,
            summary="There is no sick room (양호실·격리실).",
            summary_ko="양호실·격리실이 없습니다. 증상이 있는 아이가 보호자를 기다릴 별도의 공간이 필요합니다.",
            evidence={"sick_rooms": [], "child_rooms": [], "exits": []},
            source=_SICK_ROOM_SOURCE,
        )
    child_rooms: list[dict[str, Any]] = []
    for room in facility.rooms_of("classroom", "playroom"):
        restricted = _without(graph, classrooms - {room.id})
        best: list[str] | None = None
        for s in sick_rooms:
            path = _shortest(restricted, room.id, s)
            if path is not None and (best is None or _path_length(graph, path) < _path_length(graph, best)):
                best = path
        entry: dict[str, Any] = {"room": room.id, "passed": best is not None, "path": best}
        if best is None:
            crossing = next((p for s in sick_rooms if (p := _shortest(graph, room.id, s)) is not None), None)
            entry["path_through_classrooms"] = crossing
            entry["crosses"] = [n for n in (crossing or [])[1:-1] if n in classrooms]
            entry["reason"] = (
                f"only through classroom(s) {', '.join(entry['crosses'])}"
                if crossing
                else "sick room not reachable at all"
            )
        child_rooms.append(entry)
    exits: list[dict[str, Any]] = []
    without_classes = _without(graph, classrooms)
    for s in sick_rooms:
        path = _shortest(without_classes, s, OUTSIDE)
        exit_entry: dict[str, Any] = {"sick_room": s, "passed": path is not None, "path": path}
        if path is None:
            crossing = _shortest(graph, s, OUTSIDE)
            exit_entry["path_through_classrooms"] = crossing
            exit_entry["crosses"] = [n for n in (crossing or []) if n in classrooms]
        exits.append(exit_entry)
    failing = [c["room"] for c in child_rooms if not c["passed"]]
    exit_failing = [e["sick_room"] for e in exits if not e["passed"]]
    passed = not failing and not exit_failing
    if passed:
        summary = (
            "The sick room is reachable from every classroom and playroom, and leads out, without crossing a classroom."
        )
        summary_ko = (
            "모든 보육실과 유희실에서 다른 보육실을 거치지 않고 양호실·격리실로 갈 수 있고, 양호실·격리실에서 보육실을 "
            "거치지 않고 바깥으로 나갈 수 있습니다."
        )
    else:
        through = [c["room"] for c in child_rooms if not c["passed"] and c["path_through_classrooms"]]
        cut_off = [c["room"] for c in child_rooms if not c["passed"] and not c["path_through_classrooms"]]
        parts, parts_ko = [], []
        if through:
            parts.append(
                "the sick room is reachable only through another classroom from " + room_names(facility, through)
            )
            parts_ko.append(
                f"{room_names(facility, through, ko=True)}에서는 다른 보육실을 지나야만 양호실·격리실에 갈 수 있습니다."
            )
        if cut_off:
            parts.append("the sick room cannot be reached from " + room_names(facility, cut_off))
            parts_ko.append(f"{room_names(facility, cut_off, ko=True)}에서는 양호실·격리실로 가는 동선이 없습니다.")
        if exit_failing:
            parts.append("no way out without crossing a classroom from " + room_names(facility, exit_failing))
            parts_ko.append(
                f"{room_names(facility, exit_failing, ko=True)}에서 보육실을 거치지 않고는 바깥으로 나갈 수 없습니다."
            )
        summary = _sentence("; ".join(parts))
        summary_ko = " ".join(parts_ko)
    return CheckResult(
        id="sick_room_access",
        title="Sick room reachable without crossing a classroom",
        title_ko="양호·격리실 접근 동선",
        passed=passed,
        summary=summary,
        summary_ko=summary_ko,
        evidence={
            "sick_rooms": sick_rooms,
            "child_rooms": child_rooms,
            "exits": exits,
            "failing_rooms": failing + exit_failing,
        },
        source=_SICK_ROOM_SOURCE,
    )


# ---------------------------------------------------------------------------------------------
# 5. Airflow direction
# ---------------------------------------------------------------------------------------------

#: Pressure classes of the room uses for the cascade (the sick room has its own rule).
CLEAN_USES = ("classroom", "playroom")
DIRTY_USES = ("toilet", "washroom", "laundry")
#: Net flows within this band count as balanced: max(10 m³/h, 5 % of the larger of supply and
#: exhaust) — the platform's allowance for balancing tolerance, not a rule.
DEAD_BAND_M3H = 10.0
DEAD_BAND_FRACTION = 0.05
_PRESSURE_SOURCE = (
    "서울디자인재단 S-돌봄 감염예방 디자인 가이드라인 (issue 17): ventilation; the principle that air moves from clean to "
    "less clean zones and that an isolation room is kept at negative pressure: WHO, Natural Ventilation for Infection "
    "Control in Health-Care Settings (2009); CDC/HICPAC, Guidelines for Environmental Infection Control in Health-Care "
    "Facilities (2003). The sign-of-net-flow model is the platform's simplification."
)


def _pressure_sign(supply: float, exhaust: float) -> int:
    net = supply - exhaust
    band = max(DEAD_BAND_M3H, DEAD_BAND_FRACTION * max(supply, exhaust))
    if net > band:
        return 1
    if net < -band:
        return -1
    return 0


def _pressure_class(room: Room) -> str:
    if room.use == "sick_room":
        return "sick"
    if room.use in CLEAN_USES:
        return "clean"
    if room.use in DIRTY_USES:
        return "dirty"
    return "neutral"


#: Violations the summary describes (the evidence lists them all).
PRESSURE_SHOWN = 4


def _pressure_text(facility: Facility, violation: Mapping[str, Any]) -> tuple[str, str]:
    """A violation of the airflow check in English and Korean, rooms by name."""
    room = facility.room(violation["room"])
    name, name_ko = room_name(facility, room.id), room_name(facility, room.id, ko=True)
    sick = _pressure_class(room) == "sick"
    # "양호실·격리실인 …" unless the room's own name already says so
    sick_ko = "" if "양호" in name_ko or "격리" in name_ko else "양호실·격리실인 "
    other = violation.get("neighbour")
    if other is None:
        if sick:
            return (
                f"the sick room {name} is not at negative pressure (its exhaust must exceed its supply)",
                f"{sick_ko}{name_ko}의 배기량이 급기량보다 많지 않아 음압이 유지되지 않습니다.",
            )
        return (
            f"{name} is not at negative pressure (a dirty room's exhaust must exceed its supply)",
            f"{name_ko}의 배기량이 급기량보다 많지 않아 음압이 유지되지 않습니다 (오염실은 음압이어야 합니다).",
        )
    other_name, other_ko = room_name(facility, other), room_name(facility, other, ko=True)
    if sick:
        return (
            f"the sick room {name} is not at lower pressure than its neighbour {other_name}",
            f"{sick_ko}{name_ko}의 압력이 옆의 {other_ko}보다 낮지 않습니다.",
        )
    return (
        f"air could flow from {name} (a dirty room) into {other_name} (a clean room)",
        f"오염실인 {name_ko}에서 청정실인 {other_ko} 쪽으로 공기가 흘러갈 수 있습니다.",
    )


def check_pressure_cascade(facility: Facility) -> CheckResult:
    """Dirty rooms are at negative pressure, and below the clean rooms they open onto; the sick
    room is at negative pressure, below every neighbour that is not a dirty room.

    Simplification: a room's pressure is the sign of its net mechanical flow (supply − exhaust,
    m³/h) with a dead band; air is taken to move through the doors from the higher sign to the
    lower. Leakage, stack and wind effects, door opening and transfer grilles are not modelled,
    and two rooms of the same sign are not ranked (a sick room and its own toilet, both
    negative, are not judged against each other)."""
    rooms: list[dict[str, Any]] = []
    sign: dict[str, int] = {}
    for room in facility.rooms:
        if room.outdoor:
            continue
        vent = facility.ventilation_by_room.get(room.id)
        supply = vent.supply_m3h if vent else 0.0
        exhaust = vent.exhaust_m3h if vent else 0.0
        sign[room.id] = _pressure_sign(supply, exhaust)
        rooms.append(
            {
                "room": room.id,
                "use": room.use,
                "class": _pressure_class(room),
                "supply_m3h": _r(supply, 1),
                "exhaust_m3h": _r(exhaust, 1),
                "net_m3h": _r(supply - exhaust, 1),
                "pressure": "+-0"[0 if sign[room.id] > 0 else 1 if sign[room.id] < 0 else 2],
            }
        )
    violations: list[dict[str, Any]] = []
    neighbours: dict[str, set[str]] = {}
    for door in facility.doors:
        a, b = door.rooms
        if OUTSIDE in (a, b):
            continue
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    for room in facility.rooms:
        if room.outdoor:
            continue
        kind = _pressure_class(room)
        if kind == "dirty":
            if sign[room.id] >= 0:
                violations.append(
                    {"room": room.id, "reason": "a dirty room must be at negative pressure (exhaust > supply)"}
                )
            for other_id in sorted(neighbours.get(room.id, ())):
                other = facility.room(other_id)
                if _pressure_class(other) == "clean" and not sign[room.id] < sign.get(other_id, 0):
                    violations.append(
                        {
                            "room": room.id,
                            "neighbour": other_id,
                            "reason": f"air could flow from dirty '{room.id}' into clean '{other_id}'",
                        }
                    )
        elif kind == "sick":
            if sign[room.id] >= 0:
                violations.append(
                    {"room": room.id, "reason": "the sick room must be at negative pressure (exhaust > supply)"}
                )
            for other_id in sorted(neighbours.get(room.id, ())):
                other = facility.room(other_id)
                if other.outdoor or _pressure_class(other) == "dirty":
                    continue
                if not sign[room.id] < sign.get(other_id, 0):
                    violations.append(
                        {
                            "room": room.id,
                            "neighbour": other_id,
                            "reason": f"the sick room is not below its neighbour '{other_id}' in pressure",
                        }
                    )
    passed = not violations
    if passed:
        summary = "Dirty rooms and the sick room are at negative pressure relative to the clean rooms they open onto."
        summary_ko = (
            "오염실(화장실·세면실·세탁실)과 양호실·격리실이 음압으로 유지되어 공기가 청정실 쪽으로 흐르지 않습니다."
        )
    else:
        shown = [_pressure_text(facility, v) for v in violations[:PRESSURE_SHOWN]]
        more = len(violations) - len(shown)
        summary = _sentence("; ".join(en for en, _ in shown) + (f"; and {more} more" if more else ""))
        summary_ko = " ".join(ko for _, ko in shown) + (f" 그 밖에 {more}건이 더 있습니다." if more else "")
    return CheckResult(
        id="pressure_cascade",
        title="Airflow from clean to less clean",
        title_ko="청정→오염 방향 기류 (실간 압력)",
        passed=passed,
        summary=summary,
        summary_ko=summary_ko,
        evidence={
            "rooms": rooms,
            "violations": violations,
            "dead_band": f"max({DEAD_BAND_M3H:g} m³/h, {DEAD_BAND_FRACTION:.0%} of the larger flow)",
            "classes": {"clean": list(CLEAN_USES), "dirty": list(DIRTY_USES), "sick": ["sick_room"]},
        },
        source=_PRESSURE_SOURCE,
    )


# ---------------------------------------------------------------------------------------------
# 6. Ventilation rate
# ---------------------------------------------------------------------------------------------

#: 건축물의 설비기준 등에 관한 규칙 제11조⑤ [별표 1의6] 기계환기설비를 설치해야 하는 다중이용시설 및 각
#: 시설의 필요 환기량: 교육연구 및 복지시설 36 m³/인·h (the 2006 row, read in press reports; 어린이집
#: are now 노유자시설, whose current row was not read) — 10 L/s per person, WHO's recommendation
#: (WHO, Roadmap to improve and ensure good indoor ventilation in the context of COVID-19, 2021).
#: Applied to every occupied room as a design standard (the legal duty is for new buildings above
#: a floor area).
VENTILATION_M3H_PER_PERSON = 36.0
_VENTILATION_SOURCE = (
    "건축물의 설비기준 등에 관한 규칙 제11조⑤ 및 [별표 1의6] 필요 환기량: 교육연구 및 복지시설 36 m³/인·h (2006 기준); "
    "= 10 L/s·인, WHO Roadmap to improve and ensure good indoor ventilation in the context of COVID-19 (2021)"
)


def _occupied(facility: Facility) -> list[tuple[Room, Occupancy]]:
    out = []
    for room in facility.rooms:
        occ = facility.occupancy_by_room.get(room.id)
        if occ is not None and not room.outdoor and occ.persons > 0:
            out.append((room, occ))
    return out


_NOBODY_KO = "사람이 머무는 실(재실 인원이 입력된 실)이 없어 확인할 대상이 없습니다."


def check_ventilation_rate(facility: Facility) -> CheckResult:
    """Mechanical outdoor-air supply ≥ 36 m³/h per person at each occupied room's design peak.

    Windows are not counted: the rule sets the required rate of the *mechanical* ventilation
    these facilities must have, and window airing depends on the weather, the season and the
    staff (windows stay shut in winter and on fine-dust days). The supply is taken as outdoor
    air (a heat-recovery ventilator's supply); air cleaners recirculate and are reported only."""
    rooms: list[dict[str, Any]] = []
    for room, occ in _occupied(facility):
        vent = facility.ventilation_by_room.get(room.id)
        supply = vent.supply_m3h if vent else 0.0
        required = VENTILATION_M3H_PER_PERSON * occ.persons
        rooms.append(
            {
                "room": room.id,
                "persons": occ.persons,
                "children": occ.children_total,
                "adults": occ.adults,
                "required_m3h": _r(required, 1),
                "supply_m3h": _r(supply, 1),
                "m3h_per_person": _r(supply / occ.persons, 1),
                "air_cleaner_cadr_m3h": _r(facility.air_cleaning_m3h(room.id), 1),
                "passed": supply + 1e-9 >= required,
            }
        )
    failing = [r["room"] for r in rooms if not r["passed"]]
    passed = not failing
    rate = f"{VENTILATION_M3H_PER_PERSON:g} m³/h"
    if not rooms:
        summary = "No occupied room: nothing to check."
        summary_ko = _NOBODY_KO
    elif passed:
        summary = f"Every occupied room gets at least {rate} of outdoor air per person."
        summary_ko = f"사람이 머무는 모든 실에 기계환기로 1인당 {rate} 이상의 외기가 공급됩니다."
    else:
        worst = min((r for r in rooms if not r["passed"]), key=lambda r: r["m3h_per_person"])
        worst_name, worst_ko = room_name(facility, worst["room"]), room_name(facility, worst["room"], ko=True)
        lowest = f"{worst['m3h_per_person']} m³/h"
        summary = f"Below {rate} of outdoor air per person in {room_names(facility, failing)} " + (
            f"(lowest {worst_name}: {lowest} per person)." if len(failing) > 1 else f"({lowest} per person)."
        )
        summary_ko = (
            f"{room_names(facility, failing, ko=True)}의 1인당 환기량(외기 공급량)이 기준 {rate}에 미달합니다 "
            + (f"(가장 낮은 곳은 {worst_ko}, 1인당 {lowest})." if len(failing) > 1 else f"(1인당 {lowest}).")
        )
    return CheckResult(
        id="ventilation_rate",
        title="Mechanical ventilation per person",
        title_ko="1인당 필요 환기량",
        passed=passed,
        summary=summary,
        summary_ko=summary_ko,
        evidence={
            "rate_m3h_per_person": VENTILATION_M3H_PER_PERSON,
            "windows_counted": False,
            "rooms": rooms,
            "failing_rooms": failing,
        },
        source=_VENTILATION_SOURCE,
    )


# ---------------------------------------------------------------------------------------------
# 7. Steady-state CO₂
# ---------------------------------------------------------------------------------------------

#: 실내공기질 관리법 시행규칙 [별표 2] 실내공기질 유지기준: 이산화탄소 1,000 ppm 이하 (어린이집 included).
CO2_LIMIT_PPM = 1000.0
#: 실내공기질 관리법 시행령 제2조①12: the Act covers "연면적 430제곱미터 이상인 어린이집" (version of
#: 2025-10-01). A smaller centre is checked against the same limit as a design standard.
AIR_QUALITY_ACT_MIN_AREA_M2 = 430.0
#: Outdoor CO₂ (ppm): the global background of the 2020s (NOAA Global Monitoring Laboratory,
#: Mauna Loa annual mean 421 ppm in 2023). Seoul's urban air is often a few tens of ppm higher.
OUTDOOR_CO2_PPM = 420.0
#: Room air temperature (K) at which the generation rates (given at 273.15 K) are expressed.
ROOM_TEMPERATURE_K = 293.15
#: Persily & de Jonge 2017 (A. Persily and L. de Jonge, "Carbon dioxide generation rates for
#: building occupants", Indoor Air 27(5):868–879, https://doi.org/10.1111/ina.12383), Table 4:
#: CO₂ generation, L/s per person at 273.15 K and 101.325 kPa, by age band and sex, at these
#: metabolic rates (met). Transcribed from a secondary copy of the table (a public script citing
#: PMC5666301 Table 4), not from the paper itself: see the uncertainties in docs/care-facility.md.
MET_COLUMNS = (1.0, 1.2, 1.4, 1.6, 2.0, 3.0, 4.0)
CO2_GENERATION_L_S: dict[tuple[str, str], tuple[float, ...]] = {
    ("<1", "male"): (0.0009, 0.0011, 0.0013, 0.0014, 0.0018, 0.0027, 0.0036),
    ("<1", "female"): (0.0008, 0.0010, 0.0012, 0.0014, 0.0017, 0.0025, 0.0034),
    ("1 to <3", "male"): (0.0015, 0.0018, 0.0021, 0.0024, 0.0030, 0.0044, 0.0059),
    ("1 to <3", "female"): (0.0014, 0.0017, 0.0020, 0.0022, 0.0028, 0.0042, 0.0056),
    ("3 to <6", "male"): (0.0019, 0.0023, 0.0026, 0.0030, 0.0038, 0.0057, 0.0075),
    ("3 to <6", "female"): (0.0017, 0.0021, 0.0024, 0.0028, 0.0035, 0.0052, 0.0070),
    ("30 to <40", "male"): (0.0037, 0.0046, 0.0053, 0.0061, 0.0076, 0.0114, 0.0152),
    ("30 to <40", "female"): (0.0029, 0.0035, 0.0041, 0.0047, 0.0059, 0.0088, 0.0118),
}
#: The table's age band for each class age group (a 만N세 class holds children of about N to N+1;
#: 만1세 and 만2세 both fall in "1 to <3", 만3–5세 in "3 to <6").
AGE_BAND = {"age0": "<1", "age1": "1 to <3", "age2": "1 to <3", "age3": "3 to <6", "age4": "3 to <6", "age5": "3 to <6"}
#: Adults (teachers, staff, cooks) are taken as 30 to < 40 years old.
ADULT_BAND = "30 to <40"
#: Default activity (met) of children and adults by room use — the platform's choice, from the
#: activity levels Persily & de Jonge list from the Compendium of Physical Activities (Ainsworth
#: et al. 2011): children at mixed floor play 1.6, active play 2.0, resting 1.0; adults doing
#: child care 2.0 ("child care" 2.0–3.0), office work 1.5, moderate kitchen work 3.3.
DEFAULT_MET: dict[str, tuple[float, float]] = {
    "classroom": (1.6, 2.0),
    "playroom": (2.0, 2.0),
    "sick_room": (1.0, 2.0),
    "staff_office": (1.6, 1.5),
    "kitchen": (1.6, 3.3),
}
#: Month of the informative window-airing figure: January, the coldest (KMA normals), when the
#: buoyancy flow through an open window is largest but windows are least likely to be open.
WINDOW_MONTH = 1
_CO2_SOURCE = (
    "실내공기질 관리법 시행규칙 [별표 2] 실내공기질 유지기준: 이산화탄소 1,000 ppm 이하 (어린이집; 연면적 430 m² 이상, "
    "시행령 제2조①12); CO₂ generation: "
    "Persily & de Jonge 2017, Indoor Air 27(5):868–879, Table 4; steady state C = C_out + G/Q (well-mixed room)"
)


def co2_generation_l_s(band: str, met: float) -> float:
    """CO₂ generation (L/s per person at 273.15 K) of an age band at ``met``: the mean of the
    male and female rows of Persily & de Jonge 2017 Table 4, interpolated linearly in met."""
    if not MET_COLUMNS[0] <= met <= MET_COLUMNS[-1]:
        raise ValueError(f"met must be between {MET_COLUMNS[0]} and {MET_COLUMNS[-1]}")
    rows = [CO2_GENERATION_L_S[(band, sex)] for sex in ("male", "female")]
    mean = [sum(values) / len(values) for values in zip(*rows, strict=True)]
    return float(np.interp(met, MET_COLUMNS, mean))


def co2_generation_m3h(occ: Occupancy, use: str) -> float:
    """Total CO₂ generation (m³/h at the room temperature) of a room's design occupancy."""
    child_met, adult_met = DEFAULT_MET.get(use, (1.6, 2.0))
    child_met = occ.children_met if occ.children_met is not None else child_met
    adult_met = occ.adults_met if occ.adults_met is not None else adult_met
    litres = sum(n * co2_generation_l_s(AGE_BAND[age], child_met) for age, n in occ.children)
    litres += occ.adults * co2_generation_l_s(ADULT_BAND, adult_met)
    return litres * (ROOM_TEMPERATURE_K / 273.15) * 3.6


def steady_state_co2_ppm(generation_m3h: float, outdoor_air_m3h: float) -> float:
    """``C = C_out + G/Q`` (ppm) of a well-mixed room; infinite without outdoor air."""
    if outdoor_air_m3h <= 0:
        return math.inf
    return OUTDOOR_CO2_PPM + generation_m3h / outdoor_air_m3h * 1e6


def window_airing_m3h(
    facility: Facility, room_id: str, presence: Sequence[tuple[float, float]], month: int = WINDOW_MONTH
) -> float:
    """Mean outdoor-air flow (m³/h) through all of a room's windows opened as described, over
    ``presence`` in ``month``: the single-sided buoyancy flow of :mod:`.airborne` with Seoul's
    outdoor temperatures (:mod:`.climate`) and a 20 °C room."""
    room = facility.room(room_id)
    windows = facility.windows_of(room_id)
    volume = room.volume_m3
    if not windows or volume is None:
        return 0.0
    outside = climate.outdoor_temperature(month)
    schedule = tuple(presence)
    model_room = airborne.Room(volume_m3=volume, inside_temp_k=ROOM_TEMPERATURE_K)
    times = np.concatenate([np.linspace(s, e, max(int((e - s) * 10), 1) + 1)[1:] for s, e in schedule])
    ach = np.zeros_like(times)
    for w in windows:
        means: airborne.SlidingWindow | airborne.HingedWindow
        if w.kind == "sliding":
            means = airborne.SlidingWindow(schedule, outside, w.height_m, w.opening_m, w.count)
        else:
            means = airborne.HingedWindow(schedule, outside, w.height_m, w.opening_m, w.width_m, w.count)
        ach = ach + means.air_changes(model_room, times)
    return float(np.mean(ach)) * volume


def check_co2(facility: Facility) -> CheckResult:
    """Steady-state CO₂ ≤ 1,000 ppm in each occupied room at its design peak.

    ``C = C_out + G/Q``: ``C_out`` 420 ppm, ``G`` the occupants' CO₂ generation (Persily & de
    Jonge 2017 by age and activity), ``Q`` the mechanical outdoor-air supply only — the design
    condition with windows shut (as the ventilation check). Steady state is the level a room
    tends to after a few hours of constant occupancy (time constant V/Q); it is the conservative
    reading of a day of 07:30–19:30. The flow an open window would add in January is reported
    for information, with the CO₂ it would give."""
    rooms: list[dict[str, Any]] = []
    for room, occ in _occupied(facility):
        vent = facility.ventilation_by_room.get(room.id)
        supply = vent.supply_m3h if vent else 0.0
        generation = co2_generation_m3h(occ, room.use)
        ppm = steady_state_co2_ppm(generation, supply)
        child_met, adult_met = DEFAULT_MET.get(room.use, (1.6, 2.0))
        entry: dict[str, Any] = {
            "room": room.id,
            "persons": occ.persons,
            "children_met": occ.children_met if occ.children_met is not None else child_met,
            "adults_met": occ.adults_met if occ.adults_met is not None else adult_met,
            "generation_l_s": _r(generation / 3.6, 5),
            "outdoor_air_m3h": _r(supply, 1),
            "co2_ppm": _r(ppm, 0) if math.isfinite(ppm) else None,
            "time_constant_h": _r((room.volume_m3 or 0.0) / supply, 2) if supply > 0 else None,
            "passed": ppm <= CO2_LIMIT_PPM,
        }
        if not math.isfinite(ppm):
            entry["reason"] = "no mechanical outdoor-air supply"
        airing = window_airing_m3h(facility, room.id, occ.presence)
        if airing > 0:
            with_windows = steady_state_co2_ppm(generation, supply + airing)
            entry["windows_open_january"] = {
                "airflow_m3h": _r(airing, 0),
                "co2_ppm": _r(with_windows, 0),
                "counted": False,
            }
        rooms.append(entry)
    failing = [r["room"] for r in rooms if not r["passed"]]
    passed = not failing
    limit = f"{CO2_LIMIT_PPM:.0f} ppm"
    if not rooms:
        summary = "No occupied room: nothing to check."
        summary_ko = _NOBODY_KO
    elif passed:
        highest = max(rooms, key=lambda r: r["co2_ppm"] or 0)
        name, name_ko = room_name(facility, highest["room"]), room_name(facility, highest["room"], ko=True)
        summary = f"Steady-state CO₂ at most {highest['co2_ppm']:.0f} ppm ({name}), within {limit}."
        summary_ko = (
            f"정상상태 이산화탄소 농도는 {name_ko}에서 {highest['co2_ppm']:.0f} ppm으로 가장 높으며, 기준({limit} 이하)을 "
            "충족합니다."
        )
    else:
        over = [r for r in rooms if not r["passed"]]
        summary = (
            f"Steady-state CO₂ above {limit} in "
            + ", ".join(
                f"{room_name(facility, r['room'])} "
                f"({'no supply' if r['co2_ppm'] is None else format(r['co2_ppm'], '.0f') + ' ppm'})"
                for r in over
            )
            + "."
        )
        summary_ko = (
            f"정상상태 이산화탄소 농도가 기준({limit} 이하)을 넘는 실이 있습니다: "
            + ", ".join(
                f"{room_name(facility, r['room'], ko=True)} "
                f"({'기계환기 급기 없음' if r['co2_ppm'] is None else format(r['co2_ppm'], '.0f') + ' ppm'})"
                for r in over
            )
            + "."
        )
    return CheckResult(
        id="co2_steady_state",
        title="Steady-state CO₂",
        title_ko="정상상태 이산화탄소 농도",
        passed=passed,
        summary=summary,
        summary_ko=summary_ko,
        evidence={
            "limit_ppm": CO2_LIMIT_PPM,
            "outdoor_ppm": OUTDOOR_CO2_PPM,
            "room_temperature_c": _r(ROOM_TEMPERATURE_K - 273.15, 1),
            "windows_counted": False,
            "indoor_area_m2": _r(facility.indoor_area_m2),
            "act_floor_area_m2": AIR_QUALITY_ACT_MIN_AREA_M2,
            "act_applies": facility.indoor_area_m2 >= AIR_QUALITY_ACT_MIN_AREA_M2,
            "rooms": rooms,
            "failing_rooms": failing,
        },
        source=_CO2_SOURCE,
    )


# ---------------------------------------------------------------------------------------------
# 8. Teacher ratios
# ---------------------------------------------------------------------------------------------

_RATIO_SOURCE = (
    "영유아보육법 시행규칙 [별표 2] 어린이집의 원장 및 직원 배치기준 (보육교사): 만1세 미만 1:3, 만1세 1:5, 만2세 1:7, "
    "만3세 1:15, 만4세 이상 1:20; mixed-age class at the youngest group's ratio (보건복지부 「보육사업안내」)"
)


def check_teacher_ratio(facility: Facility) -> CheckResult:
    """Each classroom has at least the teachers the legal ratio requires for its children.
    A classroom whose teachers were not given gets the required number (and passes; the
    evidence says they were computed)."""
    rooms: list[dict[str, Any]] = []
    for room in facility.rooms_of("classroom"):
        occ = facility.occupancy_by_room.get(room.id)
        if occ is None:
            continue
        required = occ.required_teachers
        rooms.append(
            {
                "room": room.id,
                "children": occ.children_by_age,
                "teachers": occ.teachers,
                "teachers_given": occ.teachers_given,
                "required": required,
                "ratio_used": (
                    f"1:{TEACHER_RATIO[next(a for a in AGE_GROUPS if a in occ.children_by_age)]}"
                    if occ.children
                    else None
                ),
                "passed": occ.teachers >= required,
            }
        )
    failing = [r["room"] for r in rooms if not r["passed"]]
    passed = not failing
    if passed:
        computed = [r["room"] for r in rooms if not r["teachers_given"]]
        summary = "Every classroom has the teachers the ratio requires."
        summary_ko = "모든 보육실에 보육교사 배치기준에 맞는 교사가 있습니다."
        if computed:
            summary += " Computed (not given) for " + room_names(facility, computed) + "."
            summary_ko += (
                f" {room_names(facility, computed, ko=True)}의 교사 수는 입력되지 않아 배치기준에 따라 산정했습니다."
            )
    else:
        short = [r for r in rooms if not r["passed"]]
        summary = (
            "Fewer teachers than the ratio requires in "
            + ", ".join(f"{room_name(facility, r['room'])} ({r['teachers']} < {r['required']})" for r in short)
            + "."
        )
        summary_ko = (
            "보육교사가 배치기준보다 적은 보육실이 있습니다: "
            + ", ".join(
                f"{room_name(facility, r['room'], ko=True)} (교사 {r['teachers']}명, 필요 {r['required']}명)"
                for r in short
            )
            + "."
        )
    return CheckResult(
        id="teacher_ratio",
        title="Teacher-to-child ratio",
        title_ko="보육교사 배치기준",
        passed=passed,
        summary=summary,
        summary_ko=summary_ko,
        evidence={
            "ratios": dict(TEACHER_RATIO),
            "rooms": rooms,
            "teachers_required": sum(r["required"] for r in rooms),
            "teachers": sum(r["teachers"] for r in rooms),
            "failing_rooms": failing,
        },
        source=_RATIO_SOURCE,
    )


# ---------------------------------------------------------------------------------------------
# Running them
# ---------------------------------------------------------------------------------------------

CHECKS: tuple[tuple[str, Callable[[Facility], CheckResult]], ...] = (
    ("area_per_child", check_area_per_child),
    ("washbasin_on_entry", check_washbasin_on_entry),
    ("route_separation", check_route_separation),
    ("sick_room_access", check_sick_room_access),
    ("pressure_cascade", check_pressure_cascade),
    ("ventilation_rate", check_ventilation_rate),
    ("co2_steady_state", check_co2),
    ("teacher_ratio", check_teacher_ratio),
)


def check_ids() -> tuple[str, ...]:
    return tuple(check_id for check_id, _ in CHECKS)


def run_checks(facility: Facility, only: Iterable[str] | None = None) -> list[CheckResult]:
    """Runs the checks (all, or those of ``only``) in :func:`check_ids` order. Raises
    :class:`ValidationErrors` when the facility is not valid (:func:`~.facility.validate`), and
    ``ValueError`` for an unknown check id."""
    errors = validate(facility)
    if errors:
        raise ValidationErrors(errors)
    wanted = set(check_ids()) if only is None else set(only)
    unknown = wanted - set(check_ids())
    if unknown:
        raise ValueError("unknown check id(s): " + ", ".join(sorted(unknown)) + "; known: " + ", ".join(check_ids()))
    return [check(facility) for check_id, check in CHECKS if check_id in wanted]


def report(facility: Facility, only: Iterable[str] | None = None) -> dict[str, Any]:
    """The JSON form: the facility's name, whether every check passed, and each result."""
    results = run_checks(facility, only)
    return {
        "facility": facility.name,
        "passed": all(r.passed for r in results),
        "failed": [r.id for r in results if not r.passed],
        "checks": [r.to_dict() for r in results],
    }


__all__ = [
    "CHECKS",
    "CO2_LIMIT_PPM",
    "DEFAULT_MET",
    "OUTDOOR_CO2_PPM",
    "OUTSIDE_NAME",
    "USER_CLASS_NAMES",
    "VENTILATION_M3H_PER_PERSON",
    "CheckResult",
    "Flow",
    "check_ids",
    "co2_generation_l_s",
    "co2_generation_m3h",
    "flows",
    "ko_particle",
    "report",
    "room_graph",
    "room_name",
    "room_names",
    "route_text",
    "run_checks",
    "steady_state_co2_ppm",
    "window_airing_m3h",
]
