"""Airborne risk per room: the facility → scenario mapping (volume, windows, cleaners, counts,
airing, masks), the figures' directions (more clean air, fewer cases), common random numbers
and the monthly figure."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from typing import Any

import pytest

from seoul.care.engine import risk
from seoul.care.engine.facility import AirCleaner, Facility, Occupancy, Washbasin, load_facility
from seoul.care.engine.facility import example_path as facility_example_path
from seoul.care.engine.rooms import (
    AIRING_EVERY_2H,
    AIRING_HOURLY,
    AIRING_OPEN,
    Airing,
    RiskAssumptions,
    default_airing,
    opening_hours,
    risk_report,
    room_risks,
    room_scenarios,
    room_seed,
    total_cases_per_month,
)

CHILD_ROOMS = ["class_0", "class_1", "class_2", "class_3", "class_45", "sick_room", "playroom"]
SAMPLES = 4000


@pytest.fixture(scope="module")
def centre() -> Facility:
    return load_facility(facility_example_path())


def by_type(scenario: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [v for v in scenario["ventilation"] if v["type"] == kind]


def test_every_room_where_children_stay_is_mapped_and_adult_rooms_are_not(centre: Facility) -> None:
    scenarios = room_scenarios(centre, month=1)
    assert list(scenarios) == CHILD_ROOMS  # the plan's order; staff office and kitchen have no child
    assert set(scenarios["class_45"]) == {"children", "adults"}


def test_volume_is_floor_area_times_ceiling_height(centre: Facility) -> None:
    scenarios = room_scenarios(centre, month=1)
    assert scenarios["class_0"]["children"]["room"]["volume_m3"] == pytest.approx(4 * 6 * 2.7)
    assert scenarios["playroom"]["adults"]["room"]["volume_m3"] == pytest.approx(8.5 * 6.5 * 3.0)
    assert scenarios["class_0"]["children"]["room"]["humidity"] == 0.3  # heating season
    assert room_scenarios(centre, month=6)["class_0"]["children"]["room"]["humidity"] == 0.5


def test_each_room_gets_its_own_windows_cleaners_supply_and_infiltration(centre: Facility) -> None:
    s = room_scenarios(centre, month=1)
    class_45 = s["class_45"]["children"]
    (windows,) = by_type(class_45, "window_sliding")
    assert (windows["height_m"], windows["opening_m"], windows["count"]) == (1.5, 0.9, 3)
    assert not by_type(class_45, "window_hinged")
    (cleaners,) = by_type(class_45, "hepa")
    assert (cleaners["flow_m3h"], cleaners["count"]) == (480, 2)
    (supply,) = by_type(class_45, "mechanical")
    assert supply["flow_m3h"] == 600  # supply only: the exhaust is not outdoor air
    assert supply["schedule"] == [[7.5, 19.5]] == cleaners["schedule"]  # the centre's opening hours
    (infiltration,) = by_type(class_45, "ach")
    assert infiltration == {"type": "ach", "ach": 0.25, "schedule": "always"}
    sick = s["sick_room"]["adults"]
    (hinged,) = by_type(sick, "window_hinged")
    assert (hinged["width_m"], hinged["height_m"], hinged["opening_m"]) == (1.2, 1.2, 0.3)
    assert not by_type(sick, "window_sliding")
    assert [c["flow_m3h"] for c in by_type(s["playroom"]["children"], "hepa")] == [600]
    assert by_type(s["playroom"]["children"], "hepa")[0]["count"] == 2


def test_occupant_counts_one_infected_child_everyone_else_exposed(centre: Facility) -> None:
    s = room_scenarios(centre, month=1)
    assert s["class_45"]["children"]["exposed"]["count"] == 14  # 15 children, one infectious
    assert s["class_45"]["adults"]["exposed"]["count"] == 1
    assert s["playroom"]["children"]["exposed"]["count"] == 24
    assert s["playroom"]["adults"]["exposed"]["count"] == 2
    assert set(s["sick_room"]) == {"adults"}  # the one child is the infectious one
    for groups in s.values():
        for scenario in groups.values():
            assert scenario["infected"]["count"] == 1
            assert scenario["infected"]["presence"] == scenario["exposed"]["presence"]
    assert s["playroom"]["children"]["infected"]["presence"] == [[10, 11.5], [15, 16.5]]
    assert s["playroom"]["children"]["infected"]["activity"] == "Moderate activity"
    assert s["class_3"]["children"]["infected"]["expiration"] == {"Breathing": 5.0, "Speaking": 5.0}


def test_adults_masked_children_not_by_default_and_never_under_two(centre: Facility) -> None:
    s = room_scenarios(centre, month=1)
    assert s["class_3"]["adults"]["exposed"]["mask"] == "Type I"
    assert s["class_3"]["children"]["exposed"]["mask"] == "none"
    masked = room_scenarios(centre, month=1, assumptions=RiskAssumptions(child_mask="Type I"))
    assert set(masked["class_3"]) == {"children_masked", "adults"}
    assert masked["class_3"]["children_masked"]["exposed"]["mask"] == "Type I"
    assert masked["class_3"]["children_masked"]["infected"]["mask"] == "Type I"
    for room in ("class_0", "class_1"):  # 만0세, 만1세: never masked
        assert set(masked[room]) == {"children", "adults"}
        assert masked[room]["children"]["exposed"]["mask"] == "none"
        assert masked[room]["children"]["infected"]["mask"] == "none"


def test_every_scenario_is_valid_input_of_the_contract(centre: Facility) -> None:
    for groups in room_scenarios(centre, month=4, samples=200).values():
        for scenario in groups.values():
            out = risk(scenario)
            assert 0 <= out["p_infection_percent"] <= 100
            assert out["warnings"] == []


def test_airing_follows_the_month_and_can_be_overridden(centre: Facility) -> None:
    january = by_type(room_scenarios(centre, month=1)["class_0"]["children"], "window_sliding")[0]["schedule"]
    assert [s for s, _ in january] == [7.5, 9.5, 11.5, 13.5, 15.5, 17.5]
    assert all(e - s == pytest.approx(10 / 60, abs=1e-5) for s, e in january)
    three = RiskAssumptions(room_airing={"class_0": Airing("periodic", minutes=10, per_day=3)})
    spread = by_type(room_scenarios(centre, month=1, assumptions=three)["class_0"]["children"], "window_sliding")
    assert [round((s + e) / 2, 3) for s, e in spread[0]["schedule"]] == [9.5, 13.5, 17.5]  # the 2021 minimum
    april = by_type(room_scenarios(centre, month=4)["playroom"]["children"], "window_sliding")[0]["schedule"]
    assert april == [[10, 11.5], [15, 16.5]]  # open while occupied
    july = by_type(room_scenarios(centre, month=7)["class_0"]["children"], "window_sliding")[0]["schedule"]
    assert [s for s, _ in july] == [7.5, 9.5, 11.5, 13.5, 15.5, 17.5]
    hourly = RiskAssumptions(room_airing={"class_0": AIRING_HOURLY})
    s = room_scenarios(centre, month=1, assumptions=hourly)
    assert len(by_type(s["class_0"]["children"], "window_sliding")[0]["schedule"]) == 12
    assert len(by_type(s["class_1"]["children"], "window_sliding")[0]["schedule"]) == 6
    closed = RiskAssumptions(room_airing={"class_0": Airing("closed")})
    assert not by_type(room_scenarios(centre, month=1, assumptions=closed)["class_0"]["children"], "window_sliding")


def test_default_airing_covers_every_month() -> None:
    airing = default_airing()
    assert sorted(airing) == list(range(1, 13))
    assert airing[5] == AIRING_OPEN
    assert airing[1] == airing[7] == AIRING_EVERY_2H
    with pytest.raises(ValueError, match="exactly one"):
        Airing("periodic", minutes=10)
    with pytest.raises(ValueError, match="shorter"):
        Airing("periodic", minutes=90, every_h=1.0)
    with pytest.raises(ValueError, match="airing mode"):
        Airing("ajar")


def test_opening_hours_span_every_occupancy(centre: Facility) -> None:
    assert opening_hours(centre) == (7.5, 19.5)


def test_more_clean_air_means_fewer_expected_cases(centre: Facility) -> None:
    cases = []
    for cadr in (0.0, 300.0, 900.0, 2700.0):
        f = centre
        if cadr:
            f = dataclasses.replace(
                centre, air_cleaners=(*centre.air_cleaners, AirCleaner("class_3", cadr, 1, "extra"))
            )
        (r,) = [x for x in room_risks(f, month=1, samples=SAMPLES) if x.room == "class_3"]
        cases.append(r.expected_cases_per_month)
    assert cases == sorted(cases, reverse=True)
    assert cases[-1] < 0.6 * cases[0]


def test_the_same_room_keeps_its_random_numbers(centre: Facility) -> None:
    assert room_seed(7, "class_3") == room_seed(7, "class_3") != room_seed(7, "class_45")
    assert room_seed(7, "class_3") != room_seed(8, "class_3")
    before = {r.room: r for r in room_risks(centre, month=1, samples=SAMPLES)}
    changed = dataclasses.replace(
        centre,
        air_cleaners=(*centre.air_cleaners, AirCleaner("class_45", 300, 1, "extra")),
        washbasins=(*centre.washbasins, Washbasin("entrance", 1, id="wb_new")),
    )
    after = {r.room: r for r in room_risks(changed, month=1, samples=SAMPLES)}
    for room in CHILD_ROOMS:
        if room != "class_45":  # untouched rooms: exactly the same figures
            assert after[room] == before[room]
            assert (after[room].case_samples == before[room].case_samples).all()
    assert after["class_45"].expected_cases_per_month < before["class_45"].expected_cases_per_month
    # Paired per-sample differences are far less noisy than the figures themselves.
    diff = before["class_45"].case_samples - after["class_45"].case_samples
    assert diff.std() < 0.5 * before["class_45"].case_samples.std()


def test_monthly_figure_is_presence_probability_times_cases_times_days(centre: Facility) -> None:
    a = RiskAssumptions(prevalence_override=0.01, attendance_days_per_month=20)
    for r in room_risks(centre, month=1, samples=SAMPLES, assumptions=a):
        p = 1 - 0.99**r.children
        assert r.p_infectious_present == pytest.approx(p)
        assert r.expected_cases_per_month == pytest.approx(p * r.expected_cases_given_infectious * 20)
        assert r.expected_cases_given_infectious == pytest.approx(sum(g.expected_cases for g in r.groups))
        assert r.p_infection_percent == pytest.approx(100 * r.expected_cases_given_infectious / r.exposed)
        assert (
            r.expected_cases_given_infectious_p05
            <= r.expected_cases_given_infectious_p50
            <= r.expected_cases_given_infectious_p95
        )
        assert r.expected_cases_given_infectious_std_error > 0


def test_prevalence_from_cases_and_override() -> None:
    assert RiskAssumptions().prevalence == pytest.approx(20 / 100_000 * 7 * 5)
    assert RiskAssumptions(daily_cases_per_100k=100).prevalence == pytest.approx(0.035)
    assert RiskAssumptions(prevalence_override=0.02).prevalence == 0.02
    with pytest.raises(ValueError, match="adult_mask"):
        RiskAssumptions(adult_mask="N95")
    with pytest.raises(ValueError, match="prevalence_override"):
        RiskAssumptions(prevalence_override=1.5)


def test_more_prevalence_more_cases_but_same_conditional_risk(centre: Facility) -> None:
    low = room_risks(centre, month=1, samples=SAMPLES, assumptions=RiskAssumptions(prevalence_override=0.002))
    high = room_risks(centre, month=1, samples=SAMPLES, assumptions=RiskAssumptions(prevalence_override=0.02))
    assert total_cases_per_month(high) > total_cases_per_month(low)
    for a, b in zip(low, high, strict=True):
        assert a.expected_cases_given_infectious == b.expected_cases_given_infectious


def test_bad_inputs_are_refused(centre: Facility) -> None:
    with pytest.raises(ValueError, match="month"):
        room_scenarios(centre, month=13)
    with pytest.raises(ValueError, match="virus"):
        room_scenarios(centre, month=1, virus="Influenza")


def test_the_report_is_json(centre: Facility) -> None:
    out = risk_report(centre, month=1, samples=SAMPLES)
    text = json.dumps(out, allow_nan=False, ensure_ascii=False)
    back = json.loads(text)
    assert [r["room"] for r in back["rooms"]] == CHILD_ROOMS
    assert back["expected_cases_per_month"] == pytest.approx(
        sum(r["expected_cases_per_month"] for r in back["rooms"]), abs=1e-4
    )
    assert back["assumptions"]["prevalence"] == pytest.approx(0.007)
    assert all(math.isfinite(r["p_infection_percent"]) for r in back["rooms"])


def test_airing_is_described_in_korean_too() -> None:
    assert AIRING_EVERY_2H.describe_ko() == "2시간마다 10분 (질병관리청 「슬기로운 환기 수칙」, 2024)"
    assert AIRING_OPEN.describe_ko() == "재실 중 창문 상시 개방"
    assert AIRING_HOURLY.describe_ko() == "매시 10분"
    # Without a Korean label the schedule is worded from its figures, not from the English label.
    assert Airing("periodic", minutes=15, every_h=3, label="my rule").describe_ko() == "3시간마다 15분"
    assert Airing("periodic", minutes=5, per_day=4).describe_ko() == "하루 4회, 5분씩"
    assert Airing("closed").describe_ko() == "창문 닫아 둠"
    assert Airing("open").describe_ko() == "재실 중 창문 상시 개방"
    assert all(a.describe_ko() for a in default_airing().values())


def test_the_report_has_a_korean_twin_of_every_text(centre: Facility) -> None:
    hangul = re.compile("[가-힣]")
    hourly = RiskAssumptions(room_airing={"class_0": AIRING_HOURLY})
    back = json.loads(json.dumps(risk_report(centre, month=1, samples=200, assumptions=hourly), ensure_ascii=False))
    for r in back["rooms"]:
        assert r["name"] == centre.room(r["room"]).name
        assert hangul.search(r["airing_ko"]) and r["infected_age_ko"].startswith("만")
        for g in r["groups"]:
            assert hangul.search(g["group_title_ko"]) and hangul.search(g["activity_title_ko"])
            assert hangul.search(g["mask_title_ko"])
            assert g["group_title"] and g["activity_title"] and g["mask_title"]
    rooms = {r["room"]: r for r in back["rooms"]}
    assert rooms["class_0"]["airing_ko"] == "매시 10분"
    assert rooms["class_1"]["airing_ko"] == AIRING_EVERY_2H.describe_ko()
    assumptions = back["assumptions"]
    assert set(assumptions["airing_by_month_ko"]) == set(assumptions["airing_by_month"])
    assert assumptions["airing_by_month_ko"]["5"] == "재실 중 창문 상시 개방"
    assert assumptions["room_airing_ko"] == {"class_0": "매시 10분"}
    assert all(hangul.search(p["basis_ko"]) for p in assumptions["profiles"].values())
    assert assumptions["adult_mask_title_ko"] == "수술용(덴탈) 마스크 (Type I)"
    assert assumptions["child_mask_title_ko"] == "마스크 없음" and assumptions["child_mask_min_age_ko"] == "만2세"


def _playroom_sessions(centre: Facility, keep: tuple[int, ...] = (0, 1)) -> Facility:
    """The example with the playroom's shared sessions as two groups: 만3세 in the morning, 만4–5세
    in the afternoon (``keep`` chooses which of them stay)."""
    morning = Occupancy("playroom", (("age3", 10),), 1, True, presence=((10.0, 11.5),))
    afternoon = Occupancy("playroom", (("age4", 8), ("age5", 7)), 1, True, presence=((15.0, 16.5),))
    groups = tuple(g for i, g in enumerate((morning, afternoon)) if i in keep)
    others = tuple(o for o in centre.occupancy if o.room != "playroom")
    return dataclasses.replace(centre, occupancy=(*others, *groups))


def test_groups_at_different_times_are_each_an_event_and_add_up(centre: Facility) -> None:
    a = RiskAssumptions(prevalence_override=0.01, attendance_days_per_month=20)
    both = _playroom_sessions(centre)
    scenarios = room_scenarios(both, month=1, samples=20_000)["playroom"]
    assert set(scenarios) == {"children", "adults", "children@2", "adults@2"}
    assert scenarios["children"]["exposed"]["count"] == 9 and scenarios["children@2"]["exposed"]["count"] == 14
    assert scenarios["children@2"]["infected"]["presence"] == [[15.0, 16.5]]
    assert scenarios["children"]["seed"] != scenarios["children@2"]["seed"]

    def playroom(facility: Facility) -> Any:
        return next(r for r in room_risks(facility, month=1, samples=20_000, assumptions=a) if r.room == "playroom")

    together = playroom(both)
    morning, afternoon = playroom(_playroom_sessions(centre, (0,))), playroom(_playroom_sessions(centre, (1,)))
    assert together.sessions == 2 and {g.session for g in together.groups} == {1, 2}
    assert together.p_infectious_present == pytest.approx(1 - 0.99**25)
    assert together.children == 15 and together.exposed == 15  # the larger group: 14 children, a teacher
    # Independent events: the month's cases are the two groups' own cases added (Monte-Carlo noise:
    # the afternoon's draws differ, its seed is the room's second).
    assert together.expected_cases_per_month == pytest.approx(
        morning.expected_cases_per_month + afternoon.expected_cases_per_month, rel=0.03
    )
    assert morning.expected_cases_per_month < together.expected_cases_per_month
    assert together.expected_cases_per_month == pytest.approx(
        together.p_infectious_present * together.expected_cases_given_infectious * 20
    )
