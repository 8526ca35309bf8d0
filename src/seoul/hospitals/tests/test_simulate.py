"""The surge simulation: a scenario's JSON form refused field by field, where a hospital's site
comes from, and small scenarios played day by day whose outcome is worked out by hand.

The rules the expected numbers follow (engine/simulate.py): each day, first the patients whose
stay ends leave (a patient placed on day d with a stay of s leaves in the morning of day d + s),
then the day's arrivals join the waiting list, then the policy places whom it can. A patient's
wait is the day they got a bed (or the end of the scenario) minus the day they arrived; the
surge beds needed are the peaks, per tier, of the patients still waiting at the end of a day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest

from seoul.core.engine.districts import by_name, centroids
from seoul.hospitals.engine.network import Need, Site
from seoul.hospitals.engine.placement import Method
from seoul.hospitals.engine.report import Tier
from seoul.hospitals.engine.simulate import (
    DEFAULT_STAY,
    Arrival,
    Outcome,
    Scenario,
    ScenarioError,
    SimHospital,
    parse,
    run,
)

CRITICAL, SEVERE, MODERATE, MILD = Tier.CRITICAL, Tier.SEVERE, Tier.MODERATE, Tier.MILD
JONGNO, GANGNAM = by_name("Jongno-gu").index, by_name("Gangnam-gu").index  # 0 and 22

# Made-up district points, one every 0.01° of latitude, so the nearest district is plain to see;
# districts 0..11 are region NW, 12..24 SE.
POINTS = {i: (37.40 + 0.01 * i, 127.00) for i in range(25)}
REGIONS = {i: "NW" if i < 12 else "SE" for i in range(25)}

TIER_MESSAGE = "must be one of mild, moderate, severe, critical"


def read(
    data: Any,
    registered: Mapping[str, SimHospital] | None = None,
    points: Mapping[int, tuple[float, float]] = POINTS,
) -> Scenario:
    return parse(
        data,
        registered=registered or {},
        district_index=lambda name: by_name(name).index,
        district_point=points,
        district_region=REGIONS,
    )


def valid(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "start": "2020-12-01",
        "days": 10,
        "hospitals": [
            {"id": "H1", "lat": 37.452, "lon": 127.0, "beds": {"critical": 2, "severe": 3}, "occupied": {"severe": 1}}
        ],
        "arrivals": [
            {"day": 0, "district": "Jongno-gu", "tier": "critical", "count": 2},
            {"day": 1, "district": "강남구", "tier": "severe", "count": 1},
            {"day": 9, "district": "11680", "tier": "mild", "count": 0},  # Gangnam by its code
        ],
    }
    data.update(changes)
    return data


def problems(data: Any, registered: Mapping[str, SimHospital] | None = None) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as caught:
        read(data, registered)
    return caught.value.problems


def hospital(**fields: Any) -> dict[str, Any]:
    """``valid()`` with its one hospital changed."""
    return valid(hospitals=[{"id": "H1", "lat": 37.452, "lon": 127.0, "beds": {"severe": 2}, **fields}])


# ---- parse: a valid scenario ------------------------------------------------------------------


def test_a_valid_scenario() -> None:
    scenario = read(valid())
    assert scenario.start == date(2020, 12, 1)
    assert scenario.days == 10
    # 37.452 is nearest district 5 (37.45): region NW
    assert scenario.hospitals == (SimHospital(Site("H1", 37.452, 127.0, "NW"), {CRITICAL: 2, SEVERE: 3}, {SEVERE: 1}),)
    assert scenario.arrivals == (
        Arrival(0, JONGNO, CRITICAL, 2),
        Arrival(1, GANGNAM, SEVERE, 1),
        Arrival(9, GANGNAM, MILD, 0),
    )
    assert scenario.stay == DEFAULT_STAY


def test_length_of_stay_overrides_only_the_tiers_given() -> None:
    scenario = read(valid(length_of_stay_days={"critical": 2, "mild": 365}))
    assert scenario.stay == {MILD: 365, MODERATE: 12, SEVERE: 14, CRITICAL: 2}


def test_a_position_s_region_is_the_nearest_district_s() -> None:
    (h,) = read(hospital(lat=37.571, lon=127.0)).hospitals  # nearest district 17: SE
    assert h.site.region == "SE"


def test_a_position_with_a_district_takes_the_district_s_region() -> None:
    (h,) = read(hospital(lat=37.571, lon=127.0, district="종로구")).hospitals
    assert (h.site.lat, h.site.lon, h.site.region) == (37.571, 127.0, "NW")


def test_a_hospital_given_by_district_only_is_put_at_the_district_centroid() -> None:
    (h,) = read(valid(hospitals=[{"id": "N1", "district": "Gangnam-gu", "beds": {"severe": 4}}])).hospitals
    assert h == SimHospital(Site("N1", *POINTS[GANGNAM], "SE"), {SEVERE: 4}, {})  # REGIONS[22] is SE


def test_the_district_centroid_is_the_shipped_boundary_s() -> None:
    scenario = read(valid(hospitals=[{"id": "N1", "district": "종로구", "beds": {}}]), points=centroids())
    (h,) = scenario.hospitals
    assert (h.site.lat, h.site.lon) == centroids()[JONGNO]
    # Jongno-gu lies north of the city hall (37.5663, 126.9779) and within about 5 km of it
    assert 37.57 < h.site.lat < 37.63
    assert 126.93 < h.site.lon < 127.03


REGISTERED = {
    "R1": SimHospital(Site("R1", 37.58, 127.01, "NE", frozenset({Need.CHILD})), {CRITICAL: 7}, {CRITICAL: 1}),
    "R2": SimHospital(Site("R2", 37.49, 126.90, "SW"), {MILD: 40}),
}


def test_a_registered_id_without_a_position_keeps_the_registered_site() -> None:
    (h,) = read(valid(hospitals=[{"id": "R1", "beds": {"severe": 2}}]), REGISTERED).hospitals
    assert h.site == REGISTERED["R1"].site
    assert h.beds == {SEVERE: 2}  # the beds are the scenario's


def test_a_registered_id_with_a_position_keeps_its_region_and_capabilities() -> None:
    (h,) = read(valid(hospitals=[{"id": "R1", "lat": 37.452, "lon": 127.0, "beds": {}}]), REGISTERED).hospitals
    assert h.site == Site("R1", 37.452, 127.0, "NE", frozenset({Need.CHILD}))


def test_a_registered_id_with_a_district_moves_to_it_and_keeps_its_capabilities() -> None:
    (h,) = read(valid(hospitals=[{"id": "R1", "district": "Jongno-gu", "beds": {}}]), REGISTERED).hospitals
    assert h.site == Site("R1", *POINTS[JONGNO], "NW", frozenset({Need.CHILD}))  # the district's region


def test_without_hospitals_the_registered_network_is_used() -> None:
    data = valid()
    del data["hospitals"]
    assert read(data, REGISTERED).hospitals == (REGISTERED["R1"], REGISTERED["R2"])


def test_without_hospitals_and_nothing_registered_is_an_error() -> None:
    data = valid()
    del data["hospitals"]
    assert problems(data) == [("hospitals", "no hospital is registered with beds; list the hospitals in the scenario")]


# ---- parse: every error, with its location --------------------------------------------------


def test_a_scenario_must_be_an_object() -> None:
    assert problems([1, 2]) == [("$", "a scenario is a JSON object")]


@pytest.mark.parametrize("start", [None, "", "2020-02-30", "1 December 2020"])
def test_start(start: Any) -> None:
    data = valid(start=start) if start is not None else {k: v for k, v in valid().items() if k != "start"}
    assert problems(data) == [("start", "must be a date like 2020-12-01")]


@pytest.mark.parametrize(
    ("days", "why"),
    [
        (None, "must be a whole number"),
        ("10", "must be a whole number"),
        (10.0, "must be a whole number"),
        (True, "must be a whole number"),
        (0, "must be between 1 and 366"),
        (367, "must be between 1 and 366"),
    ],
)
def test_days(days: Any, why: str) -> None:
    assert problems(valid(days=days)) == [("days", why)]


def test_days_at_the_limits() -> None:
    assert read(valid(days=366)).days == 366
    assert read(valid(days=1, arrivals=[])).days == 1


@pytest.mark.parametrize(
    ("stay", "expected"),
    [
        ([2], [("length_of_stay_days", "must be an object of tier: number")]),
        ({"icu": 5}, [("length_of_stay_days.icu", TIER_MESSAGE)]),
        ({"critical": 0}, [("length_of_stay_days.critical", "must be between 1 and 365")]),
        ({"severe": 366}, [("length_of_stay_days.severe", "must be between 1 and 365")]),
        ({"mild": "10"}, [("length_of_stay_days.mild", "must be a whole number")]),
    ],
)
def test_length_of_stay(stay: Any, expected: list[tuple[str, str]]) -> None:
    assert problems(valid(length_of_stay_days=stay)) == expected


@pytest.mark.parametrize("listed", [[], {}, "H1"])
def test_hospitals_must_be_a_non_empty_list(listed: Any) -> None:
    assert problems(valid(hospitals=listed)) == [("hospitals", "must be a non-empty list")]


def test_a_hospital_must_be_an_object() -> None:
    assert problems(valid(hospitals=["H1"])) == [("hospitals[0]", "must be an object")]


def test_a_hospital_needs_an_id() -> None:
    assert problems(valid(hospitals=[{"lat": 37.5, "lon": 127.0}])) == [("hospitals[0].id", "is required")]
    assert problems(valid(hospitals=[{"id": "  ", "lat": 37.5, "lon": 127.0}])) == [("hospitals[0].id", "is required")]


def test_a_null_id_is_no_id() -> None:
    assert problems(valid(hospitals=[{"id": None, "lat": 37.5, "lon": 127.0, "beds": {"severe": 1}}])) == [
        ("hospitals[0].id", "is required")
    ]


def test_a_hospital_listed_twice() -> None:
    twice = [{"id": "H1", "lat": 37.5, "lon": 127.0}, {"id": "H1", "lat": 37.6, "lon": 127.0}]
    assert problems(valid(hospitals=twice)) == [("hospitals[1].id", "H1 is listed twice")]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"beds": [3]}, [("hospitals[0].beds", "must be an object of tier: number")]),
        ({"beds": {"icu": 3}}, [("hospitals[0].beds.icu", TIER_MESSAGE)]),
        ({"beds": {"severe": -1}}, [("hospitals[0].beds.severe", "must be between 0 and 100000")]),
        (
            {"beds": {"severe": 2}, "occupied": {"severe": 3}},
            [("hospitals[0].occupied.severe", "3 occupied but only 2 beds")],
        ),
        (
            {"beds": {"severe": 2}, "occupied": {"mild": 1}},
            [("hospitals[0].occupied.mild", "1 occupied but only 0 beds")],
        ),
        ({"lat": 37.5, "lon": None}, [("hospitals[0].lat", "lat and lon must both be numbers")]),
        ({"lat": "37.5", "lon": 127.0}, [("hospitals[0].lat", "lat and lon must both be numbers")]),
        ({"lat": 35.18, "lon": 129.08}, [("hospitals[0].lat", "the position is not in or near Seoul")]),
        ({"lat": 37.5, "lon": 127.6}, [("hospitals[0].lat", "the position is not in or near Seoul")]),
    ],
)
def test_a_hospital_s_fields(fields: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert problems(hospital(**fields)) == expected


def test_a_hospital_in_an_unknown_district() -> None:
    data = valid(hospitals=[{"id": "N1", "district": "Atlantis", "beds": {"severe": 1}}])
    assert problems(data) == [("hospitals[0].district", "'Atlantis' is not one of Seoul's 25 districts")]


def test_an_unregistered_hospital_without_a_position() -> None:
    data = valid(hospitals=[{"id": "X9", "beds": {"severe": 1}}])
    assert problems(data, REGISTERED) == [
        ("hospitals[0]", "X9 is not a registered hospital: give lat and lon, or district")
    ]


def test_arrivals_must_be_a_list() -> None:
    assert problems(valid(arrivals={"day": 0})) == [("arrivals", "must be a list")]
    data = valid()
    del data["arrivals"]
    assert problems(data) == [("arrivals", "must be a list")]


@pytest.mark.parametrize(
    ("arrival", "expected"),
    [
        (7, [("arrivals[2]", "must be an object")]),
        ({"day": 0, "district": "Jongno-gu", "tier": "icu", "count": 1}, [("arrivals[2].tier", TIER_MESSAGE)]),
        (
            {"day": 10, "district": "Jongno-gu", "tier": "mild", "count": 1},
            [("arrivals[2].day", "must be between 0 and 9")],
        ),
        (
            {"day": -1, "district": "Jongno-gu", "tier": "mild", "count": 1},
            [("arrivals[2].day", "must be between 0 and 9")],
        ),
        ({"district": "Jongno-gu", "tier": "mild", "count": 1}, [("arrivals[2].day", "must be a whole number")]),
        (
            {"day": 0, "district": "Atlantis", "tier": "mild", "count": 1},
            [("arrivals[2].district", "'Atlantis' is not one of Seoul's 25 districts")],
        ),
        (
            {"day": 0, "district": "Jongno-gu", "tier": "mild", "count": -1},
            [("arrivals[2].count", "must be between 0 and 100000")],
        ),
        (
            {"day": 0, "district": "Jongno-gu", "tier": "mild", "count": 100001},
            [("arrivals[2].count", "must be between 0 and 100000")],
        ),
        (
            {"day": 0, "district": "Jongno-gu", "tier": "mild", "count": 1.5},
            [("arrivals[2].count", "must be a whole number")],
        ),
    ],
)
def test_an_arrival_s_fields(arrival: Any, expected: list[tuple[str, str]]) -> None:
    data = valid()
    data["arrivals"] = [*data["arrivals"][:2], arrival]
    assert problems(data) == expected


def test_every_problem_is_reported_at_once_in_field_order() -> None:
    data = {
        "start": "yesterday",
        "days": 0,
        "hospitals": [{"id": "H1", "lat": 37.5, "lon": 127.0, "beds": {"severe": 1}, "occupied": {"severe": 2}}],
        "arrivals": [{"day": 400, "district": "Atlantis", "tier": "grave", "count": "3"}],
    }
    # with "days" unreadable an arrival's day cannot be checked (it is not checked against a guess)
    assert problems(data) == [
        ("start", "must be a date like 2020-12-01"),
        ("days", "must be between 1 and 366"),
        ("hospitals[0].occupied.severe", "2 occupied but only 1 beds"),
        ("arrivals[0].district", "'Atlantis' is not one of Seoul's 25 districts"),
        ("arrivals[0].tier", TIER_MESSAGE),
        ("arrivals[0].count", "must be a whole number"),
    ]


# ---- run ----------------------------------------------------------------------------------------

HOME = Site("H", 37.50, 127.00, "R")
AT_HOME = {0: (37.50, 127.00), 1: (37.60, 127.00)}  # district 0 at the hospital, district 1 0.1° north
HOME_REGION = {0: "R", 1: "S"}


def scenario(hospitals: list[SimHospital], arrivals: list[Arrival], days: int, **stay: int) -> Scenario:
    return Scenario(
        date(2020, 12, 1),
        days,
        tuple(hospitals),
        tuple(arrivals),
        {**DEFAULT_STAY, **{Tier(k): v for k, v in stay.items()}},
    )


def play(s: Scenario, method: Method) -> Outcome:
    return run(s, method, district_point=AT_HOME, district_region=HOME_REGION)


def summary(out: Outcome) -> tuple[int, int, int, int, int]:
    """patients, placed, waiting patient-days, longest wait, surge beds needed"""
    return (out.patients, out.placed, out.waiting_patient_days, out.max_wait_days, out.surge_beds_needed)


QUIET = {"patients": 0, "placed": 0, "waiting_patient_days": 0, "max_wait_days": 0, "peak_waiting": 0}


@pytest.mark.parametrize("method", list(Method))
def test_two_critical_patients_share_one_bed(method: Method) -> None:
    # Day 0: both arrive, one gets the bed (stay 2: leaves on day 2), the other waits (1 waiting).
    # Day 1: still waiting. Day 2: the bed is free in the morning, the second patient gets it
    # after waiting 2 days. Day 3: nothing. Waits 0 + 2 = 2, the longest 2, peak waiting 1.
    s = scenario([SimHospital(HOME, {CRITICAL: 1})], [Arrival(0, 0, CRITICAL, 2)], days=4, critical=2)
    out = play(s, method)
    assert summary(out) == (2, 2, 2, 2, 1)
    assert (out.transfers, out.cross_region, out.above_tier, out.fallback_days) == (0, 0, 0, 0)
    assert out.travel_km == 0.0
    assert out.by_tier == {
        "mild": QUIET,
        "moderate": QUIET,
        "severe": QUIET,
        "critical": {"patients": 2, "placed": 2, "waiting_patient_days": 2, "max_wait_days": 2, "peak_waiting": 1},
    }


@pytest.mark.parametrize("method", list(Method))
def test_a_patient_still_waiting_at_the_end_waits_until_the_end(method: Method) -> None:
    # days = 2: the first patient's bed frees on day 2, which is not played; the second waited 2 - 0 days
    s = scenario([SimHospital(HOME, {CRITICAL: 1})], [Arrival(0, 0, CRITICAL, 2)], days=2, critical=2)
    out = play(s, method)
    assert summary(out) == (2, 1, 2, 2, 1)


def test_the_tiny_scenario_from_its_json_form() -> None:
    data = {
        "start": "2020-12-01",
        "days": 4,
        "length_of_stay_days": {"critical": 2},
        "hospitals": [{"id": "H", "district": "Jongno-gu", "beds": {"critical": 1}}],
        "arrivals": [{"day": 0, "district": "Jongno-gu", "tier": "critical", "count": 2}],
    }
    s = read(data)
    for method in Method:
        out = run(s, method, district_point=POINTS, district_region=REGIONS)
        assert out.as_json() == {
            "patients": 2,
            "placed": 2,
            "waiting_patient_days": 2,
            "max_wait_days": 2,
            "surge_beds_needed": 1,
            "transfers": 0,
            "travel_km": 0.0,
            "seconds": out.as_json()["seconds"],
            "cross_region_placements": 0,
            "placements_above_tier": 0,
            "solver_fallback_days": 0,
            "by_tier": out.by_tier,
        }


@pytest.mark.parametrize(
    ("beds", "occupied", "stay", "arriving", "waits", "longest"),
    [
        # 3 occupied, stay 3: they leave on days 1 + (i × 3) // 3 = 1, 2, 3; waits 1 + 2 + 3
        (3, 3, 3, 3, 6, 3),
        # 2 occupied, stay 4: they leave on days 1 + 0 = 1 and 1 + 4 // 2 = 3; waits 1 + 3
        (2, 2, 4, 2, 4, 3),
        # 1 of 2 occupied (stay 21): one patient is placed on day 0, the other when the bed frees on day 1
        (2, 1, 21, 2, 1, 1),
    ],
)
@pytest.mark.parametrize("method", list(Method))
def test_beds_occupied_at_the_start_free_up_over_one_stay(
    method: Method, beds: int, occupied: int, stay: int, arriving: int, waits: int, longest: int
) -> None:
    s = scenario(
        [SimHospital(HOME, {CRITICAL: beds}, {CRITICAL: occupied})],
        [Arrival(0, 0, CRITICAL, arriving)],
        days=5,
        critical=stay,
    )
    out = play(s, method)
    assert (out.placed, out.waiting_patient_days, out.max_wait_days) == (arriving, waits, longest)
    assert out.surge_beds_needed == arriving - (beds - occupied)  # all who found no bed on day 0


STEP_DOWN = scenario(
    # a severe patient arrives on day 0 while the only severe bed is occupied (its patient leaves
    # on day 1) and goes to the critical bed; on day 1 a critical patient arrives
    [SimHospital(HOME, {CRITICAL: 1, SEVERE: 1}, {SEVERE: 1})],
    [Arrival(0, 0, SEVERE, 1), Arrival(1, 0, CRITICAL, 1)],
    days=3,
    critical=10,
    severe=10,
)


def test_the_solver_steps_a_patient_down_to_free_a_critical_bed() -> None:
    out = play(STEP_DOWN, Method.OPTIMISED)
    # day 1: the severe patient moves to the freed severe bed, the critical patient takes the critical one
    assert out.transfers == 1
    assert summary(out) == (2, 2, 0, 0, 0)
    assert out.above_tier == 1  # the severe patient's day-0 placement
    assert out.travel_km == 0.0  # the move is within the hospital


def test_the_nearest_rule_moves_nobody_and_the_critical_patient_waits() -> None:
    out = play(STEP_DOWN, Method.NEAREST)
    # the critical patient arrives on day 1 and is still waiting at the end (day 3): 2 days
    assert out.transfers == 0
    assert summary(out) == (2, 1, 2, 2, 1)
    assert out.above_tier == 1


def test_no_step_down_when_nobody_needs_the_bed() -> None:
    s = scenario(
        [SimHospital(HOME, {CRITICAL: 1, SEVERE: 1, MILD: 1}, {SEVERE: 1})],
        [Arrival(0, 0, SEVERE, 1), Arrival(1, 0, MILD, 1)],  # day 1: someone waits, but fits the mild bed
        days=3,
        critical=10,
        severe=10,
    )
    out = play(s, Method.OPTIMISED)
    assert (out.transfers, out.placed, out.waiting_patient_days, out.above_tier) == (0, 2, 0, 1)


def test_both_policies_see_the_same_patients() -> None:
    s = scenario(
        [SimHospital(HOME, {CRITICAL: 1, SEVERE: 1, MILD: 2})],
        [
            Arrival(0, 0, CRITICAL, 3),
            Arrival(1, 1, SEVERE, 2),
            Arrival(2, 0, MILD, 4),
            Arrival(2, 1, MODERATE, 0),
        ],
        days=4,
    )
    counts = {"mild": 4, "moderate": 0, "severe": 2, "critical": 3}
    for method in Method:
        out = play(s, method)
        assert out.patients == 9
        assert {tier: row["patients"] for tier, row in out.by_tier.items()} == counts


@pytest.mark.parametrize("method", list(Method))
def test_another_region_and_its_distance(method: Method) -> None:
    # the patient comes from district 1 (region S, 0.1° north); the only bed is at H (region R):
    # 6371.0088 × 0.1 × π / 180 × 1.3 = 14.4554 road km
    s = scenario([SimHospital(HOME, {SEVERE: 1})], [Arrival(0, 1, SEVERE, 1)], days=1)
    out = play(s, method)
    assert (out.placed, out.cross_region) == (1, 1)
    assert out.travel_km == pytest.approx(14.4554, abs=1e-4)
    assert out.as_json()["travel_km"] == 14.5


def test_a_misspelt_field_is_named_not_ignored() -> None:
    data = valid()
    data["lenght_of_stay_days"] = {"severe": 3}
    data["arrivals"][0]["cuont"] = 2
    assert problems(data) == [
        ("lenght_of_stay_days", "is not a field of the scenario format"),
        ("arrivals[0].cuont", "is not a field of the scenario format"),
    ]


def test_a_numeric_id_is_said_to_need_text() -> None:
    assert problems(valid(hospitals=[{"id": 7, "lat": 37.5, "lon": 127.0}])) == [("hospitals[0].id", "must be text")]
