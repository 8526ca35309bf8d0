"""The facility format: the example parses, every kind of error is reported with its path (many
at once), teachers are computed from the legal ratios, and the JSON round-trips."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from seoul.care.engine.facility import (
    OUTSIDE,
    USES,
    Door,
    ValidationErrors,
    example_path,
    facility_to_dict,
    parse_facility,
    required_teachers,
    shared_wall_length,
    validate,
)


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(example_path()).read_text(encoding="utf-8"))
    return data


def errors_of(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationErrors) as caught:
        parse_facility(data)
    assert isinstance(caught.value, ValueError)
    return caught.value.errors


def paths(errors: list[tuple[str, str]]) -> set[str]:
    return {path for path, _ in errors}


def index_of(data: dict[str, Any], key: str, item_id: str) -> int:
    return next(i for i, item in enumerate(data[key]) if item.get("id") == item_id)


def test_example_parses_into_a_plausible_centre() -> None:
    facility = parse_facility(example())
    assert facility.name.startswith("예시 국공립어린이집")
    assert len(facility.rooms) == 17
    assert facility.children_total == 40
    assert facility.indoor_area_m2 == pytest.approx(409.0)
    uses = {room.use for room in facility.rooms}
    assert uses == set(USES) - {"washroom"}
    classrooms = facility.rooms_of("classroom")
    assert [r.id for r in classrooms] == ["class_0", "class_1", "class_2", "class_3", "class_45"]
    assert facility.room("class_45").age_groups == ("age4", "age5")
    assert facility.room("playground").ceiling_height_m is None
    assert facility.room("class_0").volume_m3 == pytest.approx(24 * 2.7)
    occ = facility.occupancy_by_room["class_45"]
    assert occ.children_by_age == {"age4": 8, "age5": 7}
    assert occ.teachers == 1 and occ.teachers_given
    gate = next(d for d in facility.doors if d.id == "playground_gate")
    assert gate.one_way and gate.rooms == ("playground", OUTSIDE)
    assert facility.washbasin_rooms == {"toilet_c", "toilet_p", "class_0", "class_1", "kitchen", "sick_room"}


def test_round_trip_through_json() -> None:
    facility = parse_facility(example())
    again = parse_facility(json.loads(json.dumps(facility_to_dict(facility), ensure_ascii=False)))
    assert again == facility


@pytest.mark.parametrize(
    ("children", "expected"),
    [
        ({}, 0),
        ({"age0": 3}, 1),
        ({"age0": 4}, 2),
        ({"age1": 5}, 1),
        ({"age1": 6}, 2),
        ({"age2": 7}, 1),
        ({"age3": 15}, 1),
        ({"age3": 16}, 2),
        ({"age4": 20}, 1),
        ({"age5": 21}, 2),
        ({"age0": 1, "age1": 4}, 2),  # mixed class: the youngest group's ratio, 5 / 3
        ({"age4": 8, "age5": 7}, 1),
    ],
)
def test_required_teachers_follow_the_legal_ratios(children: dict[str, int], expected: int) -> None:
    assert required_teachers(children) == expected


def test_teachers_are_computed_when_not_given() -> None:
    data = example()
    occ = data["occupancy"][3]
    assert occ["room"] == "class_3"
    occ["children"] = {"age3": 16}
    del occ["teachers"]
    facility = parse_facility(data)
    parsed = facility.occupancy_by_room["class_3"]
    assert parsed.teachers == 2
    assert not parsed.teachers_given
    assert "teachers" not in facility_to_dict(facility)["occupancy"][3]


def test_many_errors_are_reported_at_once_with_their_paths() -> None:
    data = example()
    rooms = data["rooms"]
    rooms[1]["polygon"] = [[3, 0], [8.5, 0], [8.5, 6], [3, 6]]  # class_1 overlaps class_0 by 6 m²
    rooms[2]["ceiling_height_m"] = 1.8  # toilet_c: implausible
    del rooms[3]["ceiling_height_m"]  # class_2: missing
    rooms[4]["polygon"] = [[16, 0], [21, 6], [21, 0], [16, 6]]  # class_3: self-intersecting
    rooms[7]["polygon"] = [[28, 6], [28.5, 6], [28.5, 6.5]]  # exit_east: 0.125 m²
    rooms[12]["use"] = "gym"  # storage
    rooms[13]["id"] = "laundry"  # toilet_p gets a duplicate id
    data["doors"][0]["rooms"] = ["nowhere", OUTSIDE]  # front door to nowhere
    data["doors"][3]["rooms"] = ["staff_office", "class_0"]  # rooms 2 m apart
    data["doors"][1]["width_m"] = 5.0  # entrance–corridor share only 4 m of wall
    data["doors"][2]["id"] = "front_door"  # duplicate door id
    data["windows"][0]["room"] = "attic"
    data["occupancy"][6]["room"] = "corridor"  # nobody stays in a corridor
    data["occupancy"][0]["children"] = {"age0": 2, "age2": 1}  # class_0 is for age0 only
    data["surprise"] = True
    errors = errors_of(data)
    found = dict(errors)
    expected = {
        "surprise": "unknown field",
        "rooms[1].polygon": "overlaps rooms[0] ('class_0') by 6.00 m²",
        "rooms[2].ceiling_height_m": "1.8 m is implausible",
        "rooms[3].ceiling_height_m": "is required for an indoor room",
        "rooms[4].polygon": "is not a simple polygon",
        "rooms[7].polygon": "is too small",
        "rooms[12].use": "must be one of",
        "rooms[14].id": "duplicate id 'laundry' (also rooms[13])",
        "doors[0].rooms[0]": "unknown room 'nowhere'",
        "doors[3]": "do not touch: they are 2.00 m apart",
        "doors[1]": "share 4.00 m of wall, less than the door's width 5 m",
        "doors[2].id": "duplicate id 'front_door'",
        "windows[0].room": "unknown room 'attic'",
        "occupancy[6].room": "'corridor' is a corridor (복도), not a room people stay in",
        "occupancy[0].children": "has age2 but classroom 'class_0' is for age0",
    }
    for path, reason in expected.items():
        assert path in found, f"{path} not reported; got {errors}"
        assert reason in found[path], (path, found[path])
    message = str(ValidationErrors(errors))
    assert "rooms[4].polygon" in message and "doors[0].rooms[0]" in message


def test_structural_errors_name_the_field() -> None:
    data = example()
    data["rooms"][0]["polygon"] = [[0, 0], [4, "a"]]
    data["rooms"][5]["age_groups"] = ["age9"]
    del data["rooms"][6]["name"]
    data["doors"][4]["users"] = ["children", "robots"]
    data["doors"][5]["width_m"] = -1
    data["windows"][1]["type"] = "skylight"
    data["windows"][2]["opening_m"] = 5.0  # more than the sliding window's width
    data["ventilation"][0]["supply_m3h"] = "lots"
    data["occupancy"][1]["presence"] = [[9, 8]]
    data["occupancy"][2]["children_met"] = 9
    data["wall_tolerance_m"] = 3
    data["format"] = "something/else"
    found = paths(errors_of(data))
    assert {
        "rooms[0].polygon",
        "rooms[5].age_groups[0]",
        "rooms[6].name",
        "doors[4].users[1]",
        "doors[5].width_m",
        "windows[1].type",
        "windows[2].opening_m",
        "ventilation[0].supply_m3h",
        "occupancy[1].presence[0]",
        "occupancy[2].children_met",
        "wall_tolerance_m",
        "format",
    } <= found


def test_not_an_object() -> None:
    assert errors_of([1, 2]) == [("(top)", "must be an object")]
    assert paths(errors_of({"name": "x"})) == {"rooms"}


def small_plan(**changes: Any) -> dict[str, Any]:
    """Two rooms side by side and an outdoor area; doors added by the tests."""
    data: dict[str, Any] = {
        "name": "small",
        "rooms": [
            {
                "id": "a",
                "name": "A",
                "use": "entrance",
                "polygon": [[0, 0], [4, 0], [4, 4], [0, 4]],
                "ceiling_height_m": 2.5,
            },
            {
                "id": "b",
                "name": "B",
                "use": "corridor",
                "polygon": [[4, 0], [6, 0], [6, 4], [4, 4]],
                "ceiling_height_m": 2.5,
            },
            {
                "id": "c",
                "name": "C",
                "use": "storage",
                "polygon": [[6, 4], [8, 4], [8, 6], [6, 6]],
                "ceiling_height_m": 2.5,
            },
        ],
        "doors": [
            {"id": "in", "rooms": ["a", OUTSIDE], "width_m": 1.0, "users": ["children", "parents", "staff"]},
            {"id": "ab", "rooms": ["a", "b"], "width_m": 1.0, "users": ["children", "staff"]},
        ],
    }
    data.update(changes)
    return data


def test_door_between_rooms_touching_only_at_a_corner() -> None:
    data = small_plan()
    data["doors"].append({"id": "bc", "rooms": ["b", "c"], "width_m": 0.9, "users": ["staff"]})
    found = dict(errors_of(data))
    assert "is not on a shared wall" in found["doors[2]"]


def test_rooms_drawn_to_inner_wall_faces_still_share_a_wall() -> None:
    data = small_plan()
    data["rooms"][1]["polygon"] = [[4.2, 0], [6, 0], [6, 4], [4.2, 4]]  # a 0.2 m wall between a and b
    data["rooms"].pop()
    facility = parse_facility(data)
    a, b = facility.room("a").shape, facility.room("b").shape
    assert shared_wall_length(a, b, 0.3) == pytest.approx(4.0, abs=0.05)
    data["rooms"][1]["polygon"] = [[4.5, 0], [6, 0], [6, 4], [4.5, 4]]  # 0.5 m: beyond the tolerance
    assert "do not touch" in dict(errors_of(data))["doors[1]"]


def test_exterior_doors_and_windows_need_an_exterior_wall() -> None:
    data = small_plan()
    data["rooms"].pop()
    # b is enclosed on three sides by new rooms: its only free wall is none.
    data["rooms"] += [
        {
            "id": "n",
            "name": "N",
            "use": "storage",
            "polygon": [[4, 4], [6, 4], [6, 6], [4, 6]],
            "ceiling_height_m": 2.5,
        },
        {
            "id": "s",
            "name": "S",
            "use": "storage",
            "polygon": [[4, -2], [6, -2], [6, 0], [4, 0]],
            "ceiling_height_m": 2.5,
        },
        {
            "id": "e",
            "name": "E",
            "use": "storage",
            "polygon": [[6, -2], [8, -2], [8, 6], [6, 6]],
            "ceiling_height_m": 2.5,
        },
    ]
    data["doors"] += [
        {"id": "out", "rooms": ["b", OUTSIDE], "width_m": 1.0, "users": ["staff"]},
        {"id": "bn", "rooms": ["b", "n"], "width_m": 0.9, "users": ["staff"]},
        {"id": "bs", "rooms": ["b", "s"], "width_m": 0.9, "users": ["staff"]},
        {"id": "be", "rooms": ["b", "e"], "width_m": 0.9, "users": ["staff"]},
        {"id": "in2", "rooms": ["a", OUTSIDE], "width_m": 1.0, "users": ["staff"], "position": [2, 2]},
    ]
    data["windows"] = [{"room": "b", "type": "sliding", "width_m": 1.2, "height_m": 1.2, "opening_m": 0.6}]
    found = dict(errors_of(data))
    assert "is not on an exterior wall" in found["doors[2]"]
    assert "is not on an exterior wall" in found["doors[6].position"]
    assert "of exterior wall, less than" in found["windows[0]"]


def test_rooms_without_doors_and_classrooms_without_occupancy() -> None:
    data = small_plan()
    data["rooms"].append(
        {
            "id": "k",
            "name": "K",
            "use": "classroom",
            "polygon": [[0, 4], [4, 4], [4, 8], [0, 8]],
            "ceiling_height_m": 2.5,
        }
    )
    found = dict(errors_of(data))
    assert "no door or opening connects room 'c'" in found["rooms[2]"]
    assert "is required for a classroom" in found["rooms[3].age_groups"]
    data["rooms"][3]["age_groups"] = ["age2"]
    found = dict(errors_of(data))
    assert "has no occupancy entry" in found["rooms[3]"]


def test_no_door_leads_outside() -> None:
    data = small_plan()
    data["rooms"].pop()
    data["doors"].pop(0)
    assert dict(errors_of(data))["doors"].startswith("no door leads 'outside'")


def test_validate_checks_a_facility_built_in_code() -> None:
    data = small_plan()
    data["rooms"].pop()
    facility = parse_facility(data)
    assert validate(facility) == []
    broken = dataclasses.replace(
        facility, doors=(*facility.doors, Door("ghost", ("a", "nowhere"), 0.9, frozenset({"staff"})))
    )
    assert ("doors[2].rooms[1]", "unknown room 'nowhere'") in validate(broken)


def test_a_closed_ring_is_accepted() -> None:
    data = small_plan()
    data["rooms"].pop()
    data["rooms"][0]["polygon"].append([0, 0])
    assert len(parse_facility(data).room("a").polygon) == 4


def test_outdoor_playground_has_no_ceiling() -> None:
    data = copy.deepcopy(example())
    index = index_of(data, "rooms", "playground")
    data["rooms"][index]["ceiling_height_m"] = 3.0
    assert f"rooms[{index}].ceiling_height_m" in paths(errors_of(data))


def test_airing_rules_are_kept_with_the_plan_and_round_trip() -> None:
    data = example()
    data["airing"] = [
        {"room": "class_0", "mode": "periodic", "minutes": 10, "every_h": 1, "months": [12, 1, 2]},
        {"room": "class_1", "mode": "periodic", "minutes": 15, "per_day": 4},
        {"room": "class_2", "mode": "closed", "months": [7]},
    ]
    facility = parse_facility(data)
    assert facility.airing_of("class_0", 1) is not None
    assert facility.airing_of("class_0", 1).describe() == "10 min every hour"  # type: ignore[union-attr]
    assert facility.airing_of("class_0", 5) is None  # other months: the platform's assumption
    assert facility.airing_of("class_1", 5).describe_ko() == "하루 4회, 15분씩"  # type: ignore[union-attr]
    assert facility.airing_of("class_2", 7).mode == "closed"  # type: ignore[union-attr]
    document = facility_to_dict(facility)
    assert document["airing"][0]["months"] == [1, 2, 12]
    assert "months" not in document["airing"][1]  # every month
    assert parse_facility(json.loads(json.dumps(document))) == facility


def test_bad_airing_rules_say_what_and_where() -> None:
    data = example()
    data["airing"] = [
        {"room": "corridor", "mode": "periodic", "minutes": 10, "every_h": 1},  # no windows
        {"room": "class_0", "mode": "periodic", "minutes": 10},  # neither every_h nor per_day
        {"room": "class_1", "mode": "open", "minutes": 10},  # minutes only for periodic
        {"room": "class_2", "mode": "ajar"},
        {"room": "class_3", "mode": "open", "months": [1, 13]},
        {"room": "class_45", "mode": "open", "months": [1, 2]},
        {"room": "class_45", "mode": "closed", "months": [2, 3]},  # February twice
        {"room": "attic", "mode": "open"},
    ]
    found = dict(errors_of(data))
    assert "has no windows to open" in found["airing[0].room"]
    assert "exactly one of every_h and per_day" in found["airing[1]"]
    assert "only for a periodic airing" in found["airing[2].minutes"]
    assert "must be one of" in found["airing[3].mode"]
    assert "airing[4].months[1]" in found
    assert "already has airing[5] in month 2" in found["airing[6].months"]
    assert "unknown room 'attic'" in found["airing[7].room"]


def test_a_room_may_hold_groups_at_different_times_but_a_classroom_only_its_class() -> None:
    data = example()
    play = next(o for o in data["occupancy"] if o["room"] == "playroom")
    play["children"], play["presence"] = {"age3": 10}, [[10, 11.5]]
    data["occupancy"].append({"room": "playroom", "children": {"age4": 8, "age5": 7}, "presence": [[15, 16.5]]})
    facility = parse_facility(data)
    assert [o.children_total for o in facility.occupancy_of("playroom")] == [10, 15]
    assert facility.occupancy_by_room["playroom"].children_total == 15  # the design peak
    assert facility.children_total == 40  # enrolment still from the classrooms
    assert parse_facility(facility_to_dict(facility)) == facility

    data["occupancy"].append({"room": "playroom", "other_adults": 1, "presence": [[11, 12]]})
    data["occupancy"].append({"room": "class_0", "children": {"age0": 1}, "presence": [[20, 21]]})
    found = dict(errors_of(data))
    overlap = f"occupancy[{len(data['occupancy']) - 2}].presence"
    assert "overlaps occupancy[5] of room 'playroom' at 11:00–11:30" in found[overlap]
    assert "a classroom has one entry, its class" in found[f"occupancy[{len(data['occupancy']) - 1}].room"]
