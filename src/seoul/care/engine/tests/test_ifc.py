"""The IFC import: a small IFC4 model in millimetres is built here with ifcopenshell.api (spaces,
doors — one joined by IfcRelSpaceBoundary, the others by geometry —, windows, a washbasin, a
space of unknown use, a door to nowhere, a second storey) and read back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.api.aggregate
import ifcopenshell.api.context
import ifcopenshell.api.geometry
import ifcopenshell.api.project
import ifcopenshell.api.pset
import ifcopenshell.api.root
import ifcopenshell.api.spatial
import ifcopenshell.api.type
import ifcopenshell.api.unit
import ifcopenshell.guid
import numpy as np
import pytest
from ifcopenshell.util.shape_builder import ShapeBuilder

from seoul.care.engine.checks import run_checks
from seoul.care.engine.facility import OUTSIDE, USER_CLASSES, facility_to_dict, parse_facility
from seoul.care.engine.ifc import IfcImport, ages_from_text, import_ifc, use_from_text

MM = 1000.0  # the model's length unit is the millimetre, as in most architectural models


class Model:
    """A tiny IFC4 builder over ifcopenshell.api."""

    def __init__(self) -> None:
        f = ifcopenshell.api.project.create_file(version="IFC4")
        self.f = f
        project = ifcopenshell.api.root.create_entity(f, ifc_class="IfcProject", name="test project")
        ifcopenshell.api.unit.assign_unit(f)  # millimetres
        model = ifcopenshell.api.context.add_context(f, context_type="Model")
        self.body = ifcopenshell.api.context.add_context(
            f, context_type="Model", context_identifier="Body", target_view="MODEL_VIEW", parent=model
        )
        site = ifcopenshell.api.root.create_entity(f, ifc_class="IfcSite", name="Site")
        self.building = ifcopenshell.api.root.create_entity(f, ifc_class="IfcBuilding", name="테스트 어린이집")
        ifcopenshell.api.aggregate.assign_object(f, relating_object=project, products=[site])
        ifcopenshell.api.aggregate.assign_object(f, relating_object=site, products=[self.building])
        self.storey = self.add_storey("1F")
        self.shapes = ShapeBuilder(f)

    def add_storey(self, name: str) -> Any:
        storey = ifcopenshell.api.root.create_entity(self.f, ifc_class="IfcBuildingStorey", name=name)
        ifcopenshell.api.aggregate.assign_object(self.f, relating_object=self.building, products=[storey])
        return storey

    def place(self, product: Any, origin: tuple[float, float], x_axis: tuple[float, float] = (1.0, 0.0)) -> None:
        matrix = np.eye(4)
        x = np.array([x_axis[0], x_axis[1], 0.0])
        z = np.array([0.0, 0.0, 1.0])
        matrix[:3, 0], matrix[:3, 1], matrix[:3, 2] = x, np.cross(z, x), z
        matrix[:3, 3] = [origin[0] * MM, origin[1] * MM, 0.0]
        ifcopenshell.api.geometry.edit_object_placement(self.f, product=product, matrix=matrix, is_si=False)

    def psets(self, product: Any, psets: dict[str, dict[str, Any]] | None) -> None:
        for name, properties in (psets or {}).items():
            pset = ifcopenshell.api.pset.add_pset(self.f, product=product, name=name)
            ifcopenshell.api.pset.edit_pset(self.f, pset=pset, properties=properties)

    def space(
        self,
        name: str,
        long_name: str,
        rect: tuple[float, float, float, float],
        height: float,
        *,
        ceiling: float | None = None,
        storey: Any = None,
        psets: dict[str, dict[str, Any]] | None = None,
    ) -> Any:
        space = ifcopenshell.api.root.create_entity(self.f, ifc_class="IfcSpace", name=name)
        space.LongName = long_name
        ifcopenshell.api.aggregate.assign_object(self.f, relating_object=storey or self.storey, products=[space])
        x0, y0, x1, y1 = (v * MM for v in rect)
        profile = self.shapes.profile(self.shapes.polyline([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], closed=True))
        representation = self.shapes.get_representation(self.body, self.shapes.extrude(profile, height * MM))
        ifcopenshell.api.geometry.assign_representation(self.f, product=space, representation=representation)
        self.place(space, (0.0, 0.0))
        if ceiling is not None:
            qto = ifcopenshell.api.pset.add_qto(self.f, product=space, name="Qto_SpaceBaseQuantities")
            ifcopenshell.api.pset.edit_qto(self.f, qto=qto, properties={"FinishCeilingHeight": ceiling * MM})
        self.psets(space, psets)
        return space

    def door(
        self,
        name: str,
        origin: tuple[float, float],
        x_axis: tuple[float, float],
        width: float,
        *,
        body: bool = False,
        psets: dict[str, dict[str, Any]] | None = None,
    ) -> Any:
        door = ifcopenshell.api.root.create_entity(self.f, ifc_class="IfcDoor", name=name)
        door.OverallWidth = width * MM
        door.OverallHeight = 2.1 * MM
        ifcopenshell.api.spatial.assign_container(self.f, relating_structure=self.storey, products=[door])
        if body:  # a 200 mm thick leaf centred on the wall line
            w = width * MM
            profile = self.shapes.profile(self.shapes.polyline([(0, -100), (w, -100), (w, 100), (0, 100)], closed=True))
            representation = self.shapes.get_representation(self.body, self.shapes.extrude(profile, 2100))
            ifcopenshell.api.geometry.assign_representation(self.f, product=door, representation=representation)
        self.place(door, origin, x_axis)
        self.psets(door, psets)
        return door

    def window(
        self,
        name: str,
        origin: tuple[float, float],
        x_axis: tuple[float, float],
        width: float,
        height: float,
        *,
        psets: dict[str, dict[str, Any]] | None = None,
        operation: str | None = None,
    ) -> Any:
        window = ifcopenshell.api.root.create_entity(self.f, ifc_class="IfcWindow", name=name)
        window.OverallWidth = width * MM
        window.OverallHeight = height * MM
        ifcopenshell.api.spatial.assign_container(self.f, relating_structure=self.storey, products=[window])
        self.place(window, origin, x_axis)
        self.psets(window, psets)
        if operation is not None:
            window_type = ifcopenshell.api.root.create_entity(self.f, ifc_class="IfcWindowType", name=operation)
            panel = self.f.createIfcWindowPanelProperties(
                ifcopenshell.guid.new(), None, "panel", None, operation, "MIDDLE", None, None, None
            )
            window_type.HasPropertySets = [panel]
            ifcopenshell.api.type.assign_type(self.f, related_objects=[window], relating_type=window_type)
        return window

    def washbasin(self, name: str, origin: tuple[float, float], kind: str = "WASHHANDBASIN") -> Any:
        basin = ifcopenshell.api.root.create_entity(
            self.f, ifc_class="IfcSanitaryTerminal", name=name, predefined_type=kind
        )
        ifcopenshell.api.spatial.assign_container(self.f, relating_structure=self.storey, products=[basin])
        self.place(basin, origin)
        return basin

    def boundary(self, space: Any, element: Any, *, external: bool = False) -> None:
        rel = ifcopenshell.api.root.create_entity(self.f, ifc_class="IfcRelSpaceBoundary")
        rel.RelatingSpace = space
        rel.RelatedBuildingElement = element
        rel.PhysicalOrVirtualBoundary = "PHYSICAL"
        rel.InternalOrExternalBoundary = "EXTERNAL" if external else "INTERNAL"


def build_model() -> Any:
    """Plan (metres)::

    y 5 +--------------+----+--------+--------+
        | 101 보육실   |102 |104 현관|105 기계실|   D3 front door on y = 5 (현관)
        | (만2세)      |복도+--------+ (unknown)|
        |              |    |103 화장실|        |
    y 0 +--------------+----+--------+--------+
        x 0            6    8        10       12
              D4 (one-way out, y = 0)
    """
    m = Model()
    classroom = m.space("101", "보육실 (만2세)", (0, 0, 6, 5), 2.7, ceiling=2.6)
    corridor = m.space("102", "복도", (6, 0, 8, 5), 2.4)
    m.space("103", "화장실", (8, 0, 10, 3), 2.4)
    m.space("104", "현관", (8, 3, 10, 5), 2.4)
    m.space("105", "기계실", (10, 0, 12, 5), 2.4)
    upstairs = m.add_storey("2F")
    m.space("201", "보육실 (만4세)", (0, 0, 6, 5), 2.7, storey=upstairs)
    # D1: its placement is nowhere near (on purpose): only the space boundaries connect it.
    d1 = m.door("D1", (50, 50), (1, 0), 0.9)
    m.boundary(classroom, d1)
    m.boundary(corridor, d1)
    m.door("D2", (8, 1), (0, 1), 0.9, body=True)  # corridor | toilet, found by its geometry
    m.door("D3", (8.6, 5), (1, 0), 1.0, psets={"SeoulCare_Door": {"Users": "children,parents,staff"}})
    m.door("D4", (2, 0), (1, 0), 1.2, psets={"SeoulCare_Door": {"Users": "children,staff", "OneWayFrom": "101"}})
    m.door("D5", (30, 30), (1, 0), 0.9)  # on no wall at all
    m.window("W1", (1, 0), (1, 0), 1.8, 1.5, psets={"SeoulCare_Window": {"Type": "sliding", "OpeningLength": 0.9}})
    m.window("W2", (0, 1), (0, 1), 1.2, 1.2)  # nothing known about how it opens
    m.window("W3", (3, 5), (1, 0), 1.0, 0.8, operation="TOPHUNG")
    m.window("W4", (4.5, 0), (1, 0), 1.0, 0.8, operation="FIXEDCASEMENT")
    m.washbasin("WB1", (9, 1))
    m.washbasin("WC1", (9, 2), kind="TOILETPAN")
    return m.f


@pytest.fixture(scope="module")
def imported() -> IfcImport:
    return import_ifc(build_model())


def issues(result: IfcImport, kind: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for issue in result.issues:
        if issue.kind == kind:
            out.setdefault(issue.element, []).append(issue.message)
    return out


def test_rooms_round_trip_with_use_area_and_height(imported: IfcImport) -> None:
    facility = imported.facility
    assert facility.name == "테스트 어린이집"
    assert imported.storey == "1F"
    rooms = {r.id: r for r in facility.rooms}
    assert set(rooms) == {"101", "102", "103", "104"}
    assert {r.id: r.use for r in facility.rooms} == {
        "101": "classroom",
        "102": "corridor",
        "103": "toilet",
        "104": "entrance",
    }
    assert rooms["101"].area_m2 == pytest.approx(30.0)
    assert rooms["102"].area_m2 == pytest.approx(10.0)
    assert rooms["103"].area_m2 == pytest.approx(6.0)
    assert rooms["104"].area_m2 == pytest.approx(4.0)
    assert rooms["101"].ceiling_height_m == pytest.approx(2.6)  # Qto FinishCeilingHeight, mm → m
    assert rooms["102"].ceiling_height_m == pytest.approx(2.4)  # the body's height
    assert rooms["101"].age_groups == ("age2",)
    assert rooms["101"].name == "보육실 (만2세)"
    xs = sorted({x for x, _ in rooms["101"].polygon})
    assert xs == [0.0, 6.0]  # metres, not millimetres


def test_doors_connect_the_right_rooms(imported: IfcImport) -> None:
    doors = {d.id: d for d in imported.facility.doors}
    assert set(doors) == {"D1", "D2", "D3", "D4"}
    assert set(doors["D1"].rooms) == {"101", "102"}  # from IfcRelSpaceBoundary
    assert doors["D1"].position is None  # its placement is not on that wall
    assert set(doors["D2"].rooms) == {"102", "103"}  # from geometry
    assert doors["D2"].position == pytest.approx((8.0, 1.45))
    assert doors["D3"].rooms == ("104", OUTSIDE)
    assert doors["D3"].users == {"children", "parents", "staff"}
    assert doors["D4"].rooms == ("101", OUTSIDE) and doors["D4"].one_way
    assert doors["D1"].users == set(USER_CLASSES)
    assert doors["D2"].width_m == pytest.approx(0.9)
    assert doors["D2"].height_m == pytest.approx(2.1)


def test_windows_and_washbasins(imported: IfcImport) -> None:
    windows = {w.id: w for w in imported.facility.windows}
    assert set(windows) == {"W1", "W2", "W3"}
    assert windows["W1"].room == "101" and windows["W1"].kind == "sliding" and windows["W1"].opening_m == 0.9
    assert windows["W1"].width_m == pytest.approx(1.8) and windows["W1"].height_m == pytest.approx(1.5)
    assert windows["W2"].room == "101" and windows["W2"].opening_m == pytest.approx(0.6)
    assert windows["W3"].kind == "hinged"
    (basin,) = imported.facility.washbasins
    assert basin.room == "103" and basin.position == pytest.approx((9.0, 1.0))


def test_nothing_is_dropped_silently(imported: IfcImport) -> None:
    skipped = issues(imported, "skipped")
    assert any("'105'" in element and "use could not be told" in " ".join(m) for element, m in skipped.items())
    assert any("'D5'" in element for element in skipped)
    assert any("'W4'" in element and "FIXEDCASEMENT" in " ".join(m) for element, m in skipped.items())
    assert any("'WC1'" in element and "TOILETPAN" in " ".join(m) for element, m in skipped.items())
    assert any("2F" in element and "1 space(s) on another storey" in " ".join(m) for element, m in skipped.items())
    assumed = issues(imported, "assumed")
    assert any("'D1'" in element and any("every user class" in x for x in m) for element, m in assumed.items())
    assert any("'W2'" in element and any("sliding assumed" in x for x in m) for element, m in assumed.items())
    invalid = [i for i in imported.issues if i.kind == "invalid"]
    assert [(i.where, "has no occupancy entry" in i.message) for i in invalid] == [("rooms[0]", True)]
    assert "IfcSpace" in invalid[0].element
    json.dumps(imported.to_dict(), ensure_ascii=False)


def test_the_import_completes_into_a_checkable_facility(imported: IfcImport) -> None:
    document = facility_to_dict(imported.facility)
    document["occupancy"] = [{"room": "101", "children": {"age2": 7}}]
    document["ventilation"] = [{"room": "101", "supply_m3h": 300, "exhaust_m3h": 250}]
    facility = parse_facility(json.loads(json.dumps(document, ensure_ascii=False)))
    assert facility.rooms == imported.facility.rooms
    results = {r.id: r for r in run_checks(facility)}
    assert results["area_per_child"].passed
    assert results["ventilation_rate"].passed
    assert not results["sick_room_access"].passed  # the test model has no sick room


def test_import_from_a_file_and_choose_the_storey(tmp_path: Path) -> None:
    path = tmp_path / "centre.ifc"
    build_model().write(str(path))
    upstairs = import_ifc(path, storey="2F")
    assert [r.id for r in upstairs.facility.rooms] == ["201"]
    assert upstairs.facility.rooms[0].age_groups == ("age4",)
    with pytest.raises(ValueError, match="storey '3F' has no spaces"):
        import_ifc(path, storey="3F")


@pytest.mark.parametrize(
    ("text", "use"),
    [
        ("보육실 (만2세)", "classroom"),
        ("해님반", "classroom"),
        ("만0세반", "classroom"),
        ("유희실", "playroom"),
        ("화장실 (교직원)", "toilet"),
        ("조리실", "kitchen"),
        ("양호실·격리실", "sick_room"),
        ("현관·인계", "entrance"),
        ("복도", "corridor"),
        ("세탁실", "laundry"),
        ("교재 창고", "storage"),
        ("원장실", "staff_office"),
        ("Classroom 2", "classroom"),
        ("Staff toilet", "toilet"),
        ("Emergency exit", "exit"),
        ("옥외 놀이터", "playground"),
        ("기계실", None),
        ("", None),
    ],
)
def test_use_from_names(text: str, use: str | None) -> None:
    assert use_from_text(text) == use


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("보육실 (만2세)", ("age2",)),
        ("만4~5세반", ("age4", "age5")),
        ("만0·1세", ("age0", "age1")),
        ("class age 3", ("age3",)),
        ("age4-5", ("age4", "age5")),
        ("해님반", ()),
    ],
)
def test_ages_from_names(text: str, ages: tuple[str, ...]) -> None:
    assert ages_from_text(text) == ages
