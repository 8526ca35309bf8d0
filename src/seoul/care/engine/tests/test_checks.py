"""The design checks: each passes on a small centre built to pass and fails on one built to fail,
with evidence naming the right rooms; the example fails its three deliberate checks and passes
once a designer's fixes are applied in memory."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from seoul.care.engine.checks import (
    CheckResult,
    check_ids,
    co2_generation_l_s,
    ko_particle,
    report,
    room_graph,
    run_checks,
    steady_state_co2_ppm,
)
from seoul.care.engine.facility import (
    OUTSIDE,
    Door,
    Facility,
    ValidationErrors,
    Washbasin,
    example_path,
    parse_facility,
)

ALL_CHECKS = (
    "area_per_child",
    "washbasin_on_entry",
    "route_separation",
    "sick_room_access",
    "pressure_cascade",
    "ventilation_rate",
    "co2_steady_state",
    "teacher_ratio",
)


def rect(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def room(
    room_id: str, use: str, polygon: list[list[float]], height: float | None = 2.6, **extra: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": room_id, "name": room_id, "use": use, "polygon": polygon, **extra}
    if height is not None:
        out["ceiling_height_m"] = height
    return out


def good_centre() -> dict[str, Any]:
    """A small centre built to pass every check::

     y 13        +----+
                 |kit.|
     y 10 +------+----+------+
          |laund.|c |  class_b (만2세)
     y  7 +------+o |
          |toilet|r +--------- y 5
     y  4 +------+r |  class_a (만3세)
    sick  |entr. |  |
     y  0 +------+--+--------+
          x 0    4  6        12
                    playground below class_a
    """
    cs, csp = ["children", "staff"], ["children", "parents", "staff"]
    return {
        "name": "good centre",
        "rooms": [
            room("entrance", "entrance", rect(0, 0, 4, 4)),
            room("corridor", "corridor", rect(4, 0, 6, 10)),
            room("class_a", "classroom", rect(6, 0, 12, 5), age_groups=["age3"]),
            room("class_b", "classroom", rect(6, 5, 12, 10), age_groups=["age2"]),
            room("toilet", "toilet", rect(0, 4, 4, 7), 2.4),
            room("laundry", "laundry", rect(0, 7, 4, 10), 2.4),
            room("kitchen", "kitchen", rect(4, 10, 8, 13)),
            room("sick", "sick_room", rect(-3, 0, 0, 4)),
            room("playground", "playground", rect(6, -6, 12, 0), None),
        ],
        "doors": [
            {"id": "front", "rooms": ["entrance", OUTSIDE], "width_m": 1.2, "users": csp, "position": [2, 0]},
            {"id": "entrance_corridor", "rooms": ["entrance", "corridor"], "width_m": 1.2, "users": csp},
            {"id": "class_a_door", "rooms": ["corridor", "class_a"], "width_m": 1.0, "users": cs},
            {"id": "class_b_door", "rooms": ["corridor", "class_b"], "width_m": 1.0, "users": cs},
            {
                "id": "toilet_door",
                "rooms": ["corridor", "toilet"],
                "width_m": 0.9,
                "users": ["children", "staff", "waste"],
            },
            {"id": "toilet_laundry", "rooms": ["toilet", "laundry"], "width_m": 0.9, "users": ["staff", "waste"]},
            {
                "id": "laundry_out",
                "rooms": ["laundry", OUTSIDE],
                "width_m": 0.9,
                "users": ["staff", "waste"],
                "position": [0, 8.5],
            },
            {"id": "kitchen_door", "rooms": ["corridor", "kitchen"], "width_m": 0.9, "users": ["staff", "goods"]},
            {
                "id": "kitchen_out",
                "rooms": ["kitchen", OUTSIDE],
                "width_m": 0.9,
                "users": ["staff", "goods"],
                "position": [6, 13],
            },
            {"id": "sick_door", "rooms": ["sick", "entrance"], "width_m": 0.9, "users": csp},
            {"id": "class_a_play", "rooms": ["class_a", "playground"], "width_m": 1.2, "users": cs},
            {
                "id": "gate",
                "rooms": ["playground", OUTSIDE],
                "width_m": 1.2,
                "users": cs,
                "one_way": True,
                "position": [12, -3],
            },
        ],
        "washbasins": [
            {"room": "entrance", "count": 2},
            {"room": "toilet", "count": 3},
            {"room": "kitchen"},
        ],
        "windows": [
            {"room": "class_a", "type": "sliding", "width_m": 1.8, "height_m": 1.5, "opening_m": 0.9, "count": 2},
            {"room": "class_b", "type": "hinged", "width_m": 1.2, "height_m": 1.2, "opening_m": 0.2},
        ],
        "ventilation": [
            {"room": "class_a", "supply_m3h": 420, "exhaust_m3h": 360},
            {"room": "class_b", "supply_m3h": 300, "exhaust_m3h": 250},
            {"room": "toilet", "exhaust_m3h": 150},
            {"room": "laundry", "exhaust_m3h": 100},
            {"room": "sick", "supply_m3h": 80, "exhaust_m3h": 150},
            {"room": "kitchen", "supply_m3h": 200, "exhaust_m3h": 300},
            {"room": "corridor", "supply_m3h": 150},
            {"room": "entrance", "supply_m3h": 100},
        ],
        "air_cleaners": [{"room": "class_a", "cadr_m3h": 400}],
        "occupancy": [
            {"room": "class_a", "children": {"age3": 10}, "teachers": 1},
            {"room": "class_b", "children": {"age2": 7}, "teachers": 1},
            {"room": "sick", "children": {"age3": 1}, "teachers": 1, "children_met": 1.0},
            {"room": "kitchen", "other_adults": 2, "adults_met": 3.3, "presence": [[8, 15]]},
        ],
    }


def door(data: dict[str, Any], door_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(d for d in data["doors"] if d["id"] == door_id)
    return found


def vent(data: dict[str, Any], room: str) -> dict[str, Any]:
    found: dict[str, Any] = next(v for v in data["ventilation"] if v["room"] == room)
    return found


def occupancy(data: dict[str, Any], room: str) -> dict[str, Any]:
    found: dict[str, Any] = next(o for o in data["occupancy"] if o["room"] == room)
    return found


def result(data: dict[str, Any], check_id: str) -> CheckResult:
    (only,) = run_checks(parse_facility(data), only=[check_id])
    assert only.id == check_id
    return only


def test_the_good_centre_passes_every_check() -> None:
    results = run_checks(parse_facility(good_centre()))
    assert [r.id for r in results] == list(ALL_CHECKS)
    assert [r.id for r in results if not r.passed] == []
    for r in results:
        assert r.title and r.title_ko and r.source and r.summary and r.summary_ko


def test_check_ids_and_report_are_json() -> None:
    assert check_ids() == ALL_CHECKS
    out = report(parse_facility(good_centre()))
    assert out["passed"] is True and out["failed"] == []
    text = json.dumps(out, ensure_ascii=False, allow_nan=False)
    assert json.loads(text)["checks"][0]["id"] == "area_per_child"
    with pytest.raises(ValueError, match="unknown check id"):
        run_checks(parse_facility(good_centre()), only=["nope"])


def test_run_checks_refuses_an_invalid_facility() -> None:
    facility = parse_facility(good_centre())
    broken = dataclasses.replace(
        facility, doors=(*facility.doors, Door("x", ("class_a", "attic"), 0.9, frozenset({"staff"})))
    )
    with pytest.raises(ValidationErrors) as caught:
        run_checks(broken)
    assert caught.value.errors[0][0] == f"doors[{len(facility.doors)}].rooms[1]"


def test_room_graph_respects_one_way_doors_and_users() -> None:
    facility = parse_facility(good_centre())
    graph = room_graph(facility)
    assert graph.has_edge("playground", OUTSIDE) and not graph.has_edge(OUTSIDE, "playground")
    children = room_graph(facility, ["children"])
    assert not children.has_edge("laundry", OUTSIDE)
    assert children.has_edge("corridor", "class_a")
    assert graph["entrance"]["corridor"]["weight"] > 0


# ---- area ---------------------------------------------------------------------------------------


def test_a_crowded_classroom_is_named_but_the_rule_is_on_the_care_rooms_together() -> None:
    data = good_centre()
    occupancy(data, "class_a")["children"] = {"age3": 12}  # 30 m² / 12 = 2.5 on its own
    r = result(data, "area_per_child")
    assert r.passed  # (30 + 30) / 19 = 3.16 m² of 보육실 per child
    assert r.evidence["care_area_per_child_m2"] == pytest.approx(60 / 19, abs=0.01)
    assert r.evidence["crowded_classrooms"] == ["class_a"] and r.evidence["failing_rooms"] == []
    room = next(c for c in r.evidence["classrooms"] if c["room"] == "class_a")
    assert room["area_per_child_m2"] == pytest.approx(2.5) and room["under_minimum_alone"]
    assert "On its own, class_a has less than 2.64 m² per child." in r.summary

    occupancy(data, "class_a")["children"] = {"age3": 16}  # 60 / 23 = 2.61
    r = result(data, "area_per_child")
    assert not r.passed
    assert r.evidence["failing_rooms"] == ["class_a", "class_b"]
    assert r.evidence["children"] == 23
    assert "2.61 m² of 보육실 (classrooms and playrooms) per child, below 2.64" in r.summary


def test_a_playroom_counts_as_care_room() -> None:
    data = good_centre()
    occupancy(data, "class_a")["children"] = {"age3": 16}
    data["rooms"].append(room("play", "playroom", rect(12, 0, 15, 5)))  # + 15 m²: 75 / 23 = 3.26
    data["doors"].append(
        {"id": "play_door", "rooms": ["class_a", "play"], "width_m": 1.0, "users": ["children", "staff"]}
    )
    r = result(data, "area_per_child")
    assert r.passed and r.evidence["care_rooms"] == ["class_a", "class_b", "play"]
    assert r.evidence["care_area_per_child_m2"] == pytest.approx(75 / 23, abs=0.01)


def test_area_fails_overall_when_the_centre_is_too_small() -> None:
    # A classroom at 30 / 11 = 2.73 m² per child passes; the centre at (8 + 30) / 11 = 3.45 does not.
    data = {
        "name": "tiny",
        "rooms": [
            {"id": "hall", "name": "hall", "use": "entrance", "polygon": rect(0, 0, 4, 2), "ceiling_height_m": 2.5},
            {
                "id": "room",
                "name": "room",
                "use": "classroom",
                "polygon": rect(4, 0, 10, 5),
                "ceiling_height_m": 2.5,
                "age_groups": ["age3"],
            },
        ],
        "doors": [
            {"id": "in", "rooms": [OUTSIDE, "hall"], "width_m": 1.0, "users": ["children", "parents", "staff"]},
            {"id": "hall_room", "rooms": ["hall", "room"], "width_m": 1.0, "users": ["children", "staff"]},
        ],
        "occupancy": [{"room": "room", "children": {"age3": 11}}],
    }
    r = result(data, "area_per_child")
    assert not r.passed
    assert r.evidence["area_per_child_m2"] == pytest.approx(38 / 11, abs=0.01)
    assert r.evidence["failing_rooms"] == []
    assert r.evidence["classrooms"][0]["area_per_child_m2"] == pytest.approx(30 / 11, abs=0.01)
    assert "below 4.29" in r.summary


# ---- washbasin ------------------------------------------------------------------------------------


def test_washbasin_fails_without_a_basin_on_the_way_in() -> None:
    data = good_centre()
    data["washbasins"] = [b for b in data["washbasins"] if b["room"] != "entrance"]
    r = result(data, "washbasin_on_entry")
    assert not r.passed
    assert set(r.evidence["failing_rooms"]) == {"class_a", "class_b"}
    entry = next(c for c in r.evidence["classrooms"] if c["room"] == "class_a")
    assert entry["offending_path"] == [OUTSIDE, "entrance", "corridor", "class_a"]
    assert entry["suggested_cut"] == ["entrance"]
    assert "entrance" in r.summary


def test_a_basin_in_the_classroom_itself_does_not_count() -> None:
    data = good_centre()
    data["washbasins"] = [{"room": "class_a"}, {"room": "class_b"}]
    r = result(data, "washbasin_on_entry")
    assert not r.passed
    assert set(r.evidence["failing_rooms"]) == {"class_a", "class_b"}


def test_a_second_way_in_bypassing_the_basin_fails() -> None:
    data = good_centre()
    door(data, "gate")["one_way"] = False  # children can now come in through the playground
    r = result(data, "washbasin_on_entry")
    assert not r.passed
    entry = next(c for c in r.evidence["classrooms"] if c["room"] == "class_a")
    assert entry["offending_path"] == [OUTSIDE, "playground", "class_a"]
    assert entry["suggested_cut"] == ["playground"]


# ---- route separation -----------------------------------------------------------------------------


def test_separation_fails_when_goods_and_waste_share_the_entrance() -> None:
    data = good_centre()
    data["doors"] = [d for d in data["doors"] if d["id"] not in ("laundry_out", "kitchen_out")]
    everyone = ["children", "parents", "staff", "goods", "waste"]
    door(data, "front")["users"] = everyone
    door(data, "entrance_corridor")["users"] = everyone
    r = result(data, "route_separation")
    assert not r.passed
    pairs = {(p["a"], p["b"]): p for p in r.evidence["pairs"]}
    clean_dirty = pairs[("goods", "waste")]
    assert clean_dirty["violations"] == ["corridor", "entrance"]
    assert 0 < clean_dirty["overlap_ratio"] <= 1
    users_dirty = pairs[("children+parents", "waste")]
    assert users_dirty["violations"] == ["entrance"]  # the corridor is allowed, the hand-over area is not
    assert "corridor" in users_dirty["shared"]
    waste = [f for f in r.evidence["flows"] if f["class"] == "waste" and f["from"] == "toilet" and f["to"] == OUTSIDE]
    assert waste[0]["path"] == ["toilet", "corridor", "entrance", OUTSIDE]


def test_separation_reports_a_flow_without_a_route() -> None:
    data = good_centre()
    door(data, "laundry_out")["users"] = ["staff"]  # waste can no longer leave
    r = result(data, "route_separation")
    assert not r.passed
    assert {u["from"] for u in r.evidence["unreachable"]} == {"toilet", "laundry"}
    assert all(u["class"] == "waste" and u["to"] == OUTSIDE for u in r.evidence["unreachable"])


def test_separation_evidence_lists_rooms_by_class() -> None:
    r = result(good_centre(), "route_separation")
    assert r.passed
    rooms = r.evidence["rooms_by_class"]
    assert rooms["goods"] == ["kitchen"]
    assert rooms["waste"] == ["laundry", "toilet"]
    assert {"entrance", "corridor", "class_a", "class_b", "toilet", "playground"} <= set(rooms["children"])
    assert rooms["parents"] == ["entrance"]


# ---- sick room ------------------------------------------------------------------------------------


def test_sick_room_behind_a_classroom_fails() -> None:
    data = good_centre()
    sick = next(x for x in data["rooms"] if x["id"] == "sick")
    sick["polygon"] = rect(12, 0, 15, 5)  # now only next to class_a
    door(data, "sick_door")["rooms"] = ["sick", "class_a"]
    r = result(data, "sick_room_access")
    assert not r.passed
    from_b = next(c for c in r.evidence["child_rooms"] if c["room"] == "class_b")
    assert not from_b["passed"] and from_b["crosses"] == ["class_a"]
    from_a = next(c for c in r.evidence["child_rooms"] if c["room"] == "class_a")
    assert from_a["passed"] and from_a["path"] == ["class_a", "sick"]
    (exit_entry,) = r.evidence["exits"]
    assert not exit_entry["passed"] and "class_a" in exit_entry["crosses"]


def test_no_sick_room_fails() -> None:
    data = good_centre()
    next(x for x in data["rooms"] if x["id"] == "sick")["use"] = "storage"
    data["occupancy"] = [o for o in data["occupancy"] if o["room"] != "sick"]
    r = result(data, "sick_room_access")
    assert not r.passed and r.evidence["sick_rooms"] == []


# ---- pressure ---------------------------------------------------------------------------------------


def test_pressure_fails_for_a_positive_laundry_and_sick_room() -> None:
    data = good_centre()
    vent(data, "laundry").update({"supply_m3h": 200, "exhaust_m3h": 100})
    vent(data, "sick").update({"supply_m3h": 150, "exhaust_m3h": 150})
    r = result(data, "pressure_cascade")
    assert not r.passed
    rooms = {v["room"] for v in r.evidence["violations"]}
    assert rooms == {"laundry", "sick"}
    laundry = next(x for x in r.evidence["rooms"] if x["room"] == "laundry")
    assert laundry["pressure"] == "+" and laundry["net_m3h"] == 100
    sick = next(x for x in r.evidence["rooms"] if x["room"] == "sick")
    assert sick["pressure"] == "0"


def test_pressure_fails_when_a_toilet_opens_onto_a_negative_classroom() -> None:
    data = good_centre()
    data["rooms"].append(
        {"id": "wc_b", "name": "wc", "use": "toilet", "polygon": rect(12, 5, 14, 10), "ceiling_height_m": 2.4}
    )
    data["doors"].append(
        {"id": "wc_b_door", "rooms": ["class_b", "wc_b"], "width_m": 0.8, "users": ["children", "staff"]}
    )
    data["ventilation"].append({"room": "wc_b", "exhaust_m3h": 80})
    vent(data, "class_b").update({"supply_m3h": 300, "exhaust_m3h": 400})
    r = result(data, "pressure_cascade")
    assert not r.passed
    assert {
        "room": "wc_b",
        "neighbour": "class_b",
        "reason": "air could flow from dirty 'wc_b' into clean 'class_b'",
    } in r.evidence["violations"]


# ---- ventilation and CO₂ -------------------------------------------------------------------------


def test_ventilation_fails_below_36_m3h_per_person() -> None:
    data = good_centre()
    vent(data, "class_a")["supply_m3h"] = 300
    r = result(data, "ventilation_rate")
    assert not r.passed
    assert r.evidence["failing_rooms"] == ["class_a"]
    room = next(x for x in r.evidence["rooms"] if x["room"] == "class_a")
    assert room["persons"] == 11 and room["required_m3h"] == 396 and room["supply_m3h"] == 300
    assert room["air_cleaner_cadr_m3h"] == 400
    assert r.evidence["windows_counted"] is False


def test_co2_generation_follows_persily_table_4() -> None:
    assert co2_generation_l_s("3 to <6", 1.0) == pytest.approx((0.0019 + 0.0017) / 2)
    assert co2_generation_l_s("<1", 2.0) == pytest.approx((0.0018 + 0.0017) / 2)
    assert co2_generation_l_s("30 to <40", 1.5) == pytest.approx(((0.0053 + 0.0041) / 2 + (0.0061 + 0.0047) / 2) / 2)
    with pytest.raises(ValueError, match="met"):
        co2_generation_l_s("<1", 5.0)
    assert steady_state_co2_ppm(0.18, 600) == pytest.approx(420 + 300)
    assert steady_state_co2_ppm(0.18, 0) == float("inf")


def test_co2_passes_and_fails_with_the_supply() -> None:
    data = good_centre()
    r = result(data, "co2_steady_state")
    assert r.passed
    room = next(x for x in r.evidence["rooms"] if x["room"] == "class_a")
    # 10 children 3–5 y at 1.6 met and a teacher at 2.0 met, at 20 °C, over 420 m³/h.
    litres = 10 * (0.0030 + 0.0028) / 2 + (0.0076 + 0.0059) / 2
    expected = 420 + litres * (293.15 / 273.15) * 3.6 / 420 * 1e6
    assert room["co2_ppm"] == pytest.approx(expected, abs=1)
    assert room["windows_open_january"]["airflow_m3h"] > 0
    assert room["windows_open_january"]["counted"] is False
    vent(data, "class_a")["supply_m3h"] = 200
    data["ventilation"] = [v for v in data["ventilation"] if v["room"] != "class_b"]
    r = result(data, "co2_steady_state")
    assert not r.passed
    assert set(r.evidence["failing_rooms"]) == {"class_a", "class_b"}
    class_b = next(x for x in r.evidence["rooms"] if x["room"] == "class_b")
    assert class_b["co2_ppm"] is None and class_b["reason"] == "no mechanical outdoor-air supply"
    class_a = next(x for x in r.evidence["rooms"] if x["room"] == "class_a")
    assert class_a["co2_ppm"] > 1000


def test_co2_says_whether_the_indoor_air_quality_act_covers_the_centre() -> None:
    r = result(good_centre(), "co2_steady_state")
    assert r.evidence["indoor_area_m2"] == pytest.approx(144.0)  # under 430 m²: a design standard
    assert r.evidence["act_applies"] is False and r.evidence["act_floor_area_m2"] == 430
    big = good_centre()
    big["rooms"].append(room("hall", "playroom", rect(12, 0, 42, 10)))  # + 300 m²
    big["doors"].append(
        {"id": "hall_door", "rooms": ["class_a", "hall"], "width_m": 1.0, "users": ["children", "staff"]}
    )
    assert result(big, "co2_steady_state").evidence["act_applies"] is True


# ---- teachers -----------------------------------------------------------------------------------------


def test_teacher_ratio_fails_when_given_teachers_are_too_few() -> None:
    data = good_centre()
    occupancy(data, "class_b")["children"] = {"age2": 8}  # 8 / 7 → 2 teachers
    r = result(data, "teacher_ratio")
    assert not r.passed
    (room,) = [x for x in r.evidence["rooms"] if not x["passed"]]
    assert room == {
        "room": "class_b",
        "children": {"age2": 8},
        "teachers": 1,
        "teachers_given": True,
        "required": 2,
        "ratio_used": "1:7",
        "passed": False,
    }
    del occupancy(data, "class_b")["teachers"]
    r = result(data, "teacher_ratio")
    assert r.passed and "Computed" in r.summary


# ---- the example ---------------------------------------------------------------------------------------


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(example_path()).read_text(encoding="utf-8"))
    return data


def test_the_example_fails_its_three_deliberate_checks() -> None:
    out = report(parse_facility(example()))
    assert out["failed"] == ["washbasin_on_entry", "route_separation", "pressure_cascade"]
    by_id = {c["id"]: c for c in out["checks"]}
    washbasin = by_id["washbasin_on_entry"]["evidence"]
    assert set(washbasin["failing_rooms"]) == {"class_0", "class_1", "class_2", "class_3", "class_45"}
    assert all(c["suggested_cut"] == ["entrance"] for c in washbasin["classrooms"])
    pairs = {(p["a"], p["b"]): p for p in by_id["route_separation"]["evidence"]["pairs"]}
    assert pairs[("goods", "waste")]["violations"] == ["corridor", "entrance"]
    assert pairs[("children+parents", "waste")]["violations"] == ["entrance"]
    assert [v["room"] for v in by_id["pressure_cascade"]["evidence"]["violations"]] == ["laundry"]


def test_a_washbasin_at_the_entrance_fixes_the_washbasin_check() -> None:
    facility = parse_facility(example())
    fixed = dataclasses.replace(facility, washbasins=(*facility.washbasins, Washbasin("entrance", 2, id="wb_entrance")))
    (r,) = run_checks(fixed, only=["washbasin_on_entry"])
    assert r.passed
    assert all("entrance" in c["washbasins_on_route"] for c in r.evidence["classrooms"])


def designer_fixes(data: dict[str, Any]) -> dict[str, Any]:
    """What a designer would change in the example: a washbasin at the entrance, a service door
    for the kitchen (deliveries) and for the laundry (soiled linen and waste), goods and waste off
    the front door, and more exhaust than supply in the laundry."""
    fixed = copy.deepcopy(data)
    fixed["washbasins"].append({"id": "wb_entrance", "room": "entrance", "count": 2})
    fixed["doors"] += [
        {
            "id": "kitchen_service",
            "rooms": ["kitchen", OUTSIDE],
            "width_m": 1.0,
            "users": ["staff", "goods"],
            "position": [28, 11],
        },
        {
            "id": "laundry_service",
            "rooms": ["laundry", OUTSIDE],
            "width_m": 0.9,
            "users": ["staff", "waste"],
            "position": [24.75, 14.5],
        },
    ]
    for item in fixed["doors"]:
        if item["id"] in ("front_door", "entrance_corridor"):
            item["users"] = ["children", "parents", "staff"]
    vent_entry = next(v for v in fixed["ventilation"] if v["room"] == "laundry")
    vent_entry.update({"supply_m3h": 60, "exhaust_m3h": 200})
    return fixed


def test_the_fixed_example_passes_every_check() -> None:
    facility = parse_facility(designer_fixes(example()))
    failed = [r.id for r in run_checks(facility) if not r.passed]
    assert failed == []


def test_fixing_only_the_separation_leaves_the_other_failures() -> None:
    data = designer_fixes(example())
    data["washbasins"].pop()
    out = report(parse_facility(data))
    assert out["failed"] == ["washbasin_on_entry"]


def test_results_are_frozen_and_serialisable() -> None:
    facility: Facility = parse_facility(example())
    results = run_checks(facility)
    with pytest.raises(dataclasses.FrozenInstanceError):
        results[0].passed = True  # type: ignore[misc]
    for r in results:
        json.dumps(r.to_dict(), allow_nan=False)


# ---- the texts a reader sees: both languages, rooms by name ---------------------------------------------

HANGUL = re.compile("[가-힣]")


def ids_in(text: str, room_ids: list[str]) -> list[str]:
    """The room ids that appear in ``text`` as whole words (``class_0``, not ``class_05``)."""
    return [i for i in room_ids if re.search(rf"(?<![A-Za-z0-9_]){re.escape(i)}(?![A-Za-z0-9_])", text)]


def code_like(room_ids: list[str]) -> list[str]:
    """The ids an English text could not contain as a word ("class_0", not "playroom")."""
    return [i for i in room_ids if not i.isalpha()]


def test_every_check_of_the_example_speaks_korean_and_names_rooms() -> None:
    facility = parse_facility(example())
    room_ids = [r.id for r in facility.rooms]
    results = run_checks(facility)
    for r in results:
        assert r.summary_ko and HANGUL.search(r.summary_ko), r.id
        assert ids_in(r.summary_ko, [*room_ids, OUTSIDE]) == [], (r.id, r.summary_ko)
        assert ids_in(r.summary, code_like(room_ids)) == [], (r.id, r.summary)
        assert r.to_dict()["summary_ko"] == r.summary_ko
    out = report(facility)
    assert all(c["summary_ko"] and c["summary"] for c in out["checks"])
    by_id = {r.id: r for r in results}
    classes = ["해님반 (만0세)", "달님반 (만1세)", "별님반 (만2세)", "꽃잎반 (만3세)", "나무반 (만4–5세)"]
    washbasin = by_id["washbasin_on_entry"]
    assert all(name in washbasin.summary_ko and name in washbasin.summary for name in classes)
    assert "바깥 → 현관·인계공간 → 복도 → 해님반 (만0세)" in washbasin.summary_ko
    assert "outside → 현관·인계공간 → 복도 → 해님반 (만0세)" in washbasin.summary
    assert "현관·인계공간에 세면대를 설치하면" in washbasin.summary_ko
    separation = by_id["route_separation"]
    assert "식자재·물품 동선과 오물·세탁물 동선이 복도, 현관·인계공간에서 겹칩니다." in separation.summary_ko
    assert "영유아·보호자 동선과 오물·세탁물 동선이 현관·인계공간에서 겹칩니다." in separation.summary_ko
    assert "share 복도, 현관·인계공간" in separation.summary
    pressure = by_id["pressure_cascade"]
    assert pressure.summary_ko.startswith("세탁실의 배기량이 급기량보다 많지 않아 음압이")
    assert pressure.summary.startswith("세탁실 is not at negative pressure")
    co2 = by_id["co2_steady_state"]
    highest = max(co2.evidence["rooms"], key=lambda x: x["co2_ppm"])
    figure = f"{highest['co2_ppm']:.0f} ppm"
    name = facility.room(highest["room"]).name
    assert figure in co2.summary and figure in co2.summary_ko and name in co2.summary_ko and name in co2.summary
    assert "이산화탄소 농도" in co2.summary_ko
    assert "36 m³/h" in by_id["ventilation_rate"].summary_ko
    assert "10.22 m²" in by_id["area_per_child"].summary_ko and "10.22 m²" in by_id["area_per_child"].summary


NAMES = {
    "entrance": "현관",
    "corridor": "복도",
    "class_a": "햇살반 (만3세)",
    "class_b": "별빛반 (만2세)",
    "toilet": "영유아 화장실",
    "laundry": "세탁실",
    "kitchen": "조리실",
    "sick": "양호실",
    "playground": "옥외 놀이터",
}


def named(data: dict[str, Any]) -> dict[str, Any]:
    """The good centre with rooms named as a director would, so no text can hide an id behind a name."""
    for item in data["rooms"]:
        item["name"] = NAMES.get(item["id"], item["name"])
    return data


def texts(data: dict[str, Any], check_id: str) -> tuple[str, str]:
    r = result(data, check_id)
    assert not r.passed
    room_ids = [x["id"] for x in data["rooms"]]
    assert ids_in(r.summary, code_like(room_ids)) == [], r.summary
    assert ids_in(r.summary_ko, [*room_ids, OUTSIDE]) == [], r.summary_ko
    assert HANGUL.search(r.summary_ko)
    return r.summary, r.summary_ko


def test_failing_summaries_name_the_right_rooms_in_both_languages() -> None:
    data = named(good_centre())
    occupancy(data, "class_a")["children"] = {"age3": 16}
    en, ko = texts(data, "area_per_child")
    assert "On its own, 햇살반 (만3세) has less than 2.64 m² per child." in en and "별빛반" not in en
    assert ko == (
        "영유아 1인당 보육실(유희실 포함) 면적이 2.61 m²로 기준 2.64 m²에 미달합니다. "
        "햇살반 (만3세)만 보면 영유아 1인당 2.64 m² 미만입니다."
    )

    data = named(good_centre())
    data["washbasins"] = [b for b in data["washbasins"] if b["room"] != "entrance"]
    en, ko = texts(data, "washbasin_on_entry")
    assert "바깥 → 현관 → 복도 → 햇살반 (만3세)" in ko and "outside → 현관 → 복도 → 햇살반 (만3세)" in en
    assert ko.startswith("햇살반 (만3세), 별빛반 (만2세)에 들어가는 동선에 세면대가 없습니다")
    assert "현관에 세면대를 설치하면" in ko and "A washbasin in 현관 would close the routes." in en

    data = named(good_centre())
    door(data, "laundry_out")["users"] = ["staff"]
    en, ko = texts(data, "route_separation")
    assert "세탁실에서 바깥까지 오물·세탁물 동선이 없습니다." in ko and "영유아 화장실에서 바깥까지" in ko
    assert "no route for waste from 세탁실 to outside" in en

    data = named(good_centre())
    sick = next(x for x in data["rooms"] if x["id"] == "sick")
    sick["polygon"] = rect(12, 0, 15, 5)
    door(data, "sick_door")["rooms"] = ["sick", "class_a"]
    en, ko = texts(data, "sick_room_access")
    assert "별빛반 (만2세)에서는 다른 보육실을 지나야만 양호실·격리실에 갈 수 있습니다." in ko
    assert "양호실에서 보육실을 거치지 않고는 바깥으로 나갈 수 없습니다." in ko
    assert "별빛반 (만2세)" in en and "from 양호실" in en

    data = named(good_centre())
    vent(data, "laundry").update({"supply_m3h": 200, "exhaust_m3h": 100})
    vent(data, "sick").update({"supply_m3h": 150, "exhaust_m3h": 150})
    en, ko = texts(data, "pressure_cascade")
    assert "세탁실의 배기량이 급기량보다 많지 않아 음압이 유지되지 않습니다" in ko
    assert "양호실의 배기량" in ko and "양호실·격리실인 양호실" not in ko  # the name already says it
    assert "세탁실 is not at negative pressure" in en and "the sick room 양호실" in en

    data = named(good_centre())
    data["rooms"].append(
        {
            "id": "wc_b",
            "name": "별빛반 화장실",
            "use": "toilet",
            "polygon": rect(12, 5, 14, 10),
            "ceiling_height_m": 2.4,
        }
    )
    data["doors"].append(
        {"id": "wc_b_door", "rooms": ["class_b", "wc_b"], "width_m": 0.8, "users": ["children", "staff"]}
    )
    data["ventilation"].append({"room": "wc_b", "exhaust_m3h": 80})
    vent(data, "class_b").update({"supply_m3h": 300, "exhaust_m3h": 400})
    en, ko = texts(data, "pressure_cascade")
    assert "오염실인 별빛반 화장실에서 청정실인 별빛반 (만2세) 쪽으로 공기가 흘러갈 수 있습니다." in ko
    assert "Air could flow from 별빛반 화장실 (a dirty room) into 별빛반 (만2세) (a clean room)" in en

    data = named(good_centre())
    vent(data, "class_a")["supply_m3h"] = 300
    en, ko = texts(data, "ventilation_rate")
    assert ko == "햇살반 (만3세)의 1인당 환기량(외기 공급량)이 기준 36 m³/h에 미달합니다 (1인당 27.3 m³/h)."
    assert en == "Below 36 m³/h of outdoor air per person in 햇살반 (만3세) (27.3 m³/h per person)."

    vent(data, "class_a")["supply_m3h"] = 200
    data["ventilation"] = [v for v in data["ventilation"] if v["room"] != "class_b"]
    en, ko = texts(data, "co2_steady_state")
    assert "햇살반 (만3세) (1111 ppm)" in ko and "별빛반 (만2세) (기계환기 급기 없음)" in ko
    assert "햇살반 (만3세) (1111 ppm)" in en and "별빛반 (만2세) (no supply)" in en

    data = named(good_centre())
    occupancy(data, "class_b")["children"] = {"age2": 8}
    en, ko = texts(data, "teacher_ratio")
    assert ko == "보육교사가 배치기준보다 적은 보육실이 있습니다: 별빛반 (만2세) (교사 1명, 필요 2명)."
    assert en == "Fewer teachers than the ratio requires in 별빛반 (만2세) (1 < 2)."


def test_korean_particles_follow_the_last_syllable() -> None:
    assert ko_particle("현관·인계공간", "을", "를") == "을"
    assert ko_particle("복도", "을", "를") == "를"
    assert ko_particle("해님반 (만0세)", "은", "는") == "는"  # read to its end: …세
    assert ko_particle("세탁실", "으로", "로") == "로"  # ㄹ takes 로
    assert ko_particle("교실 3", "이", "가") == "이"  # 삼
    assert ko_particle("room A", "을", "를") == "을(를)"
