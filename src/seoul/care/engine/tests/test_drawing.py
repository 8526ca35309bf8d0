"""The plan drawing (:mod:`seoul.care.engine.drawing`): to scale, escaped, coloured by risk,
failed checks marked, CSP-safe, and accepted by fpdf2."""

from __future__ import annotations

import dataclasses
import io
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from defusedxml import ElementTree as SafeET

from seoul.care.engine.checks import CheckResult, run_checks
from seoul.care.engine.drawing import (
    RISK_COLOURS,
    contrast,
    default_bins,
    label_colour,
    plan_svg,
    risk_class,
)
from seoul.care.engine.facility import Facility, example_path, load_facility

SVG = "{http://www.w3.org/2000/svg}"
NANUM = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")
RISK = {"class_0": 0.2, "class_1": 0.6, "class_2": 1.1, "class_3": 2.1, "class_45": 3.9, "playroom": 6.7}


@pytest.fixture(scope="module")
def facility() -> Facility:
    return load_facility(example_path())


@pytest.fixture(scope="module")
def failed(facility: Facility) -> list[CheckResult]:
    return [r for r in run_checks(facility) if not r.passed]


@pytest.fixture(scope="module")
def svg(facility: Facility, failed: list[CheckResult]) -> str:
    return plan_svg(facility, risk=RISK, failed=failed, lang="ko", title="예시", risk_label="월 예상 감염 수")


def _points(element: ET.Element) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (p.split(",") for p in element.get("points", "").split())]


def _room_polygons(root: ET.Element) -> dict[str, ET.Element]:
    return {
        el.get("data-room", ""): el
        for el in root.iter(f"{SVG}polygon")
        if el.get("data-room") and el.get("data-kind") is None
    }


def test_parses_and_draws_each_room_once(facility: Facility, svg: str) -> None:
    root = SafeET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
    rooms = [el for el in root.iter(f"{SVG}polygon") if el.get("data-room") and el.get("data-kind") is None]
    assert sorted(el.get("data-room", "") for el in rooms) == sorted(r.id for r in facility.rooms)
    by_id = _room_polygons(root)
    for room in facility.rooms:
        assert len(_points(by_id[room.id])) == len(room.polygon)


def test_drawn_to_scale_with_y_up(facility: Facility, svg: str) -> None:
    root = SafeET.fromstring(svg)
    bar = next(el for el in root.iter(f"{SVG}g") if el.get("data-kind") == "scalebar")
    px_per_m = float(bar.get("data-px", "0")) / float(bar.get("data-metres", "1"))
    by_id = _room_polygons(root)
    for room_id, width_m, height_m in (("class_0", 4.0, 6.0), ("playroom", 8.5, 6.5), ("corridor", 28.0, 2.0)):
        pts = _points(by_id[room_id])
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        assert max(xs) - min(xs) == pytest.approx(width_m * px_per_m, abs=0.02)
        assert max(ys) - min(ys) == pytest.approx(height_m * px_per_m, abs=0.02)
    # y points up: the classrooms (y 0–6) are drawn below the corridor (y 6–8), i.e. larger SVG y.
    class_top = min(p[1] for p in _points(by_id["class_0"]))
    corridor_bottom = max(p[1] for p in _points(by_id["corridor"]))
    assert class_top == pytest.approx(corridor_bottom, abs=0.02)
    assert "N" in [el.text for el in root.iter(f"{SVG}text")]


def test_room_names_are_escaped(facility: Facility) -> None:
    evil = '<script>&"'
    rooms = tuple(dataclasses.replace(r, name=evil) if r.id == "class_0" else r for r in facility.rooms)
    changed = dataclasses.replace(facility, rooms=rooms, name="</svg><script>alert(1)</script>")
    svg = plan_svg(changed, risk=RISK, failed=None, title="a & b <c>")
    assert "<script" not in svg
    assert "&lt;script&gt;&amp;&quot;" in svg
    root = SafeET.fromstring(svg)
    labels = [el.text for el in root.iter(f"{SVG}text") if el.get("data-room") == "class_0"]
    assert evil in labels


def test_csp_safe_elements_only(svg: str) -> None:
    allowed = {"svg", "title", "desc", "g", "rect", "polygon", "polyline", "line", "circle", "text"}
    for el in SafeET.fromstring(svg).iter():
        assert el.tag.removeprefix(SVG) in allowed, el.tag
        for name in el.attrib:
            assert not name.lower().startswith("on"), name
            assert "href" not in name.lower() and name != "class" and name != "style", name
    assert "url(" not in svg


def test_colours_darken_with_risk(facility: Facility, svg: str) -> None:
    assert default_bins(RISK.values()) == (0.5, 1.0, 2.0, 5.0)
    assert default_bins([0.03]) == (0.002, 0.005, 0.01, 0.02)
    lum = [contrast(c, "#000000") for c in RISK_COLOURS]
    assert lum == sorted(lum, reverse=True)  # each step darker than the one before
    by_id = _room_polygons(SafeET.fromstring(svg))
    ordered = sorted(RISK, key=RISK.__getitem__)
    shades = [contrast(by_id[r].get("fill", ""), "#000000") for r in ordered]
    assert shades == sorted(shades, reverse=True)
    assert by_id["class_0"].get("fill") != by_id["playroom"].get("fill")
    assert [risk_class(v, (0.5, 1, 2, 5)) for v in (0.1, 0.5, 1.9, 2, 7)] == [0, 1, 2, 3, 4]
    # A room without a value is not on the scale.
    assert by_id["kitchen"].get("fill") not in RISK_COLOURS


def test_labels_have_sufficient_contrast() -> None:
    for colour in RISK_COLOURS:
        assert contrast(label_colour(colour), colour) >= 4.5


def test_failed_washbasin_route_through_room_centroids(facility: Facility, svg: str) -> None:
    root = SafeET.fromstring(svg)
    by_id = _room_polygons(root)

    def centre(room_id: str) -> tuple[float, float]:
        pts = _points(by_id[room_id])  # rectangles: centroid = mean of the corners
        return (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))

    routes = [
        el
        for el in root.iter(f"{SVG}polyline")
        if el.get("data-kind") == "route" and el.get("data-check") == "washbasin_on_entry"
    ]
    assert {el.get("data-route") for el in routes} == {
        f"outside entrance corridor {c}" for c in ("class_0", "class_1", "class_2", "class_3", "class_45")
    }
    route = next(el for el in routes if el.get("data-route", "").endswith("class_0"))
    pts = _points(route)
    indices = []
    for room_id in ("entrance", "corridor", "class_0"):
        cx, cy = centre(room_id)
        hits = [i for i, (x, y) in enumerate(pts) if math.dist((x, y), (cx, cy)) < 0.05]
        assert hits, f"route misses the centroid of {room_id}"
        indices.append(hits[0])
    assert indices == sorted(indices)
    # It starts outside the building (above the entrance, the front door is on the north wall).
    entrance_top = min(p[1] for p in _points(by_id["entrance"]))
    assert pts[0][1] < entrance_top
    heads = [el for el in root.iter(f"{SVG}polygon") if el.get("data-kind") == "route-head"]
    assert len(heads) == len(routes)


def test_failed_rooms_outlined_and_legend_lists_checks(facility: Facility, failed: list[CheckResult], svg: str) -> None:
    assert [c.id for c in failed] == ["washbasin_on_entry", "route_separation", "pressure_cascade"]
    root = SafeET.fromstring(svg)
    legend = [el for el in root.iter(f"{SVG}text") if el.get("data-kind") == "legend-check"]
    assert [el.text for el in legend] == [c.title_ko for c in failed]
    assert [el.get("data-number") for el in legend] == ["1", "2", "3"]
    outlined = {el.get("data-room") for el in root.iter(f"{SVG}polygon") if el.get("data-kind") == "warning-outline"}
    assert {"laundry", "entrance", "corridor", "class_0", "class_45"} <= outlined
    markers = {
        (el.get("data-room"), el.get("data-number")) for el in root.iter(f"{SVG}g") if el.get("data-kind") == "marker"
    }
    assert ("laundry", "3") in markers and ("entrance", "2") in markers and ("class_0", "1") in markers
    english = SafeET.fromstring(plan_svg(facility, risk=None, failed=failed, lang="en", risk_label="x"))
    titles = [el.text for el in english.iter(f"{SVG}text") if el.get("data-kind") == "legend-check"]
    assert titles == [c.title for c in failed]
    desc = english.find(f"{SVG}desc")
    assert desc is not None and "Failed checks 3" in (desc.text or "")


def test_passed_checks_are_not_marked(facility: Facility, failed: list[CheckResult]) -> None:
    passed = [dataclasses.replace(c, passed=True) for c in failed]
    root = SafeET.fromstring(plan_svg(facility, risk=RISK, failed=passed))
    kinds = {el.get("data-kind") for el in root.iter()}
    assert not kinds & {"route", "warning-outline", "marker", "legend-check"}


def test_bins_must_have_four_thresholds(facility: Facility) -> None:
    with pytest.raises(ValueError, match="thresholds"):
        plan_svg(facility, risk=RISK, failed=None, bins=(1, 2))


@pytest.mark.skipif(not NANUM.exists(), reason="NanumGothic not installed")
def test_fpdf2_renders_it(svg: str) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("NanumGothic", fname=str(NANUM))
    pdf.image(io.BytesIO(svg.encode("utf-8")), w=180)
    data = bytes(pdf.output())
    assert data.startswith(b"%PDF") and len(data) > 10_000
    # Without a Korean font registered under a name of the font-family list, fpdf2 falls back
    # to Helvetica and cannot draw the Korean labels (documented in the module).
    bare = FPDF()
    bare.add_page()
    with pytest.raises(KeyError):  # fpdf2 2.8: Helvetica's width table has no '예'
        bare.image(io.BytesIO(svg.encode("utf-8")), w=180)
