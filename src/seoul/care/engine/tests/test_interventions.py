"""What to change first: the candidates proposed for the example centre, what each fixes, the
cases averted with common random numbers, the ranking and how it moves with the costs and with
a change applied (the designer's loop of the issue's browser test)."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable

import pytest

from seoul.care.engine.checks import run_checks
from seoul.care.engine.facility import (
    AirCleaner,
    Facility,
    Washbasin,
    example_path,
    facility_to_dict,
    load_facility,
    parse_facility,
)
from seoul.care.engine.interventions import (
    KINDS,
    Evaluation,
    Intervention,
    UnitCosts,
    apply,
    candidates,
    evaluate,
)
from seoul.care.engine.rooms import AIRING_HOURLY, RiskAssumptions

SAMPLES = 8000

EXPECTED = {
    "washbasin:entrance": "washbasin",
    "service_door:kitchen+laundry": "service_door",
    "ventilation_rebalance:laundry": "mechanical_ventilation",
    "erv:playroom": "mechanical_ventilation",
    "air_cleaner:playroom": "air_cleaner",
    "windows:hourly": "window_airing",
    "split:class_45": "split_group",
    "split:class_3": "split_group",
    "move_sick_room:staff_office": "move_sick_room",
}


@pytest.fixture(scope="module")
def centre() -> Facility:
    return load_facility(example_path())


@pytest.fixture(scope="module")
def evaluation(centre: Facility) -> Evaluation:
    return evaluate(centre, month=1, samples=SAMPLES)


def same(f: Facility) -> Facility:
    return f


def noop(item_id: str, transform: Callable[[Facility], Facility] = same) -> Intervention:
    return Intervention(
        id=item_id,
        kind="air_cleaner",
        title="nothing",
        title_ko="없음",
        rooms=(),
        parameters={},
        reason="test",
        capital_won=1.0,
        running_won_per_month=0.0,
        cost_basis="",
        transform=transform,
    )


# ---- the candidates ---------------------------------------------------------------------------------


def test_the_example_gets_a_candidate_of_every_kind(centre: Facility) -> None:
    found = {c.id: c.kind for c in candidates(centre)}
    assert found == EXPECTED
    assert set(found.values()) == set(KINDS)


def test_every_candidate_gives_a_valid_plan_that_round_trips(centre: Facility) -> None:
    for item in candidates(centre):
        after = item.apply(centre)
        again = parse_facility(facility_to_dict(after))  # a new version the platform can store
        assert facility_to_dict(again) == facility_to_dict(after)
        assert item.apply(centre) == after  # pure: same input, same output
    assert facility_to_dict(centre) == facility_to_dict(load_facility(example_path()))  # input untouched


def test_the_entrance_washbasin_is_proposed_only_while_needed(centre: Facility) -> None:
    (basin,) = [c for c in candidates(centre) if c.kind == "washbasin"]
    assert basin.rooms == ("entrance",)
    assert basin.capital_won == UnitCosts().washbasin_won
    fixed = basin.apply(centre)
    assert "entrance" in fixed.washbasin_rooms
    assert not [c for c in candidates(fixed) if c.kind == "washbasin"]


def test_the_service_door_mirrors_the_designers_fix(centre: Facility) -> None:
    (door,) = [c for c in candidates(centre) if c.kind == "service_door"]
    after = door.apply(centre)
    new = {d.id: d for d in after.doors if d.id not in {x.id for x in centre.doors}}
    assert {d.rooms for d in new.values()} == {("kitchen", "outside"), ("laundry", "outside")}
    assert new["kitchen_service"].users == {"staff", "goods"}
    assert new["laundry_service"].users == {"staff", "waste"}
    front = next(d for d in after.doors if d.id == "front_door")
    assert front.users == {"children", "parents", "staff"}
    assert door.capital_won == 2 * UnitCosts().exterior_door_won


def test_window_airing_becomes_the_plans_rule_in_the_months_windows_are_not_open(centre: Facility) -> None:
    (windows,) = [c for c in candidates(centre, month=1) if c.kind == "window_airing"]
    after = apply(centre, "windows:hourly")
    assert after.rooms == centre.rooms and after.doors == centre.doors
    aired = {rule.room for rule in after.airing}
    assert aired == set(windows.rooms) and "class_3" in aired
    assumed = RiskAssumptions()
    assert assumed.airing("class_3", 1, after) == AIRING_HOURLY
    assert assumed.airing("class_3", 5, after) == assumed.airing("class_3", 5)  # open while occupied stays
    (rule,) = [r for r in after.airing if r.room == "class_3"]
    assert rule.months == (1, 2, 3, 7, 8, 11, 12)
    assert parse_facility(facility_to_dict(after)) == after  # kept with the plan, a new version
    assert windows.cost_won(12) == 0
    assert not [c for c in candidates(centre, month=5) if c.kind == "window_airing"]  # open in May
    assert not [c for c in candidates(after, month=1) if c.kind == "window_airing"]  # done


def test_the_split_adds_the_teacher_the_ratio_requires(centre: Facility) -> None:
    split = next(c for c in candidates(centre) if c.id == "split:class_45")
    after = split.apply(centre)
    stay = after.occupancy_by_room["class_45"]
    sessions, moved = after.occupancy_of("playroom")
    assert sessions == centre.occupancy_of("playroom")[0]  # the shared sessions go on
    assert stay.children_total + moved.children_total == 15
    assert abs(stay.children_total - moved.children_total) == 1
    assert stay.teachers >= stay.required_teachers and moved.teachers >= moved.required_teachers
    # The half class uses the playroom outside its sessions (which already count its children).
    assert moved.presence == ((7.5, 10.0), (11.5, 15.0), (16.5, 19.5))
    assert split.parameters["extra_teachers"] == 1
    assert split.running_won_per_month == UnitCosts().extra_teacher_won_per_month
    assert parse_facility(facility_to_dict(after)) == after


def test_no_split_into_a_playroom_busy_with_other_classes(centre: Facility) -> None:
    # 별님반 (만2세) is crowded too, but the playroom's sessions are the 만3–5세 classes': not free.
    assert centre.room("class_2").area_m2 / centre.occupancy_by_room["class_2"].persons < 4
    assert "split:class_2" not in {c.id for c in candidates(centre)}
    # Without the sessions the playroom is free all day, and the split is offered.
    free = dataclasses.replace(centre, occupancy=tuple(o for o in centre.occupancy if o.room != "playroom"))
    split = next(c for c in candidates(free) if c.id == "split:class_2")
    (moved,) = split.apply(free).occupancy_of("playroom")
    assert moved.presence == centre.occupancy_by_room["class_2"].presence


def test_moving_the_sick_room_takes_the_sick_child_out_directly(centre: Facility) -> None:
    move = next(c for c in candidates(centre) if c.kind == "move_sick_room")
    assert move.parameters["exit_before"]["path"] == ["sick_room", "corridor", "entrance", "outside"]
    assert move.parameters["exit_after"]["path"] == ["sick_room", "outside"]
    after = move.apply(centre)
    assert after.room("sick_room").polygon == centre.room("staff_office").polygon
    assert "sick_room" in after.washbasin_rooms


# ---- the evaluation ---------------------------------------------------------------------------------


def test_each_fix_passes_its_check_and_breaks_none(evaluation: Evaluation) -> None:
    assert evaluation.failed_before == ["washbasin_on_entry", "route_separation", "pressure_cascade"]
    fixes = {r.intervention.id: r.checks_newly_passed for r in evaluation.results if r.checks_newly_passed}
    assert fixes == {
        "washbasin:entrance": ("washbasin_on_entry",),
        "service_door:kitchen+laundry": ("route_separation",),
        "ventilation_rebalance:laundry": ("pressure_cascade",),
    }
    assert all(not r.checks_newly_failed and r.valid for r in evaluation.results)


def test_the_ranking_puts_check_fixes_first_by_cost_then_cases_per_won(evaluation: Evaluation) -> None:
    results = list(evaluation.results)
    assert [r.rank for r in results] == list(range(1, len(results) + 1))
    assert [r.tier for r in results] == sorted(r.tier for r in results)
    tier1 = [r for r in results if r.tier == 1]
    assert [r.intervention.id for r in tier1] == [
        "ventilation_rebalance:laundry",
        "washbasin:entrance",
        "service_door:kitchen+laundry",
    ]
    tier2 = [r for r in results if r.tier == 2]
    assert tier2[0].intervention.id == "windows:hourly"  # free
    paid = [r.cases_averted_per_million_won for r in tier2[1:]]
    assert all(p is not None for p in paid)
    assert paid == sorted(paid, reverse=True)  # type: ignore[type-var]
    assert evaluation.result("air_cleaner:playroom").cases_averted_per_month > 0.05
    # Moving the sick room changes the airborne figures by almost nothing.
    assert evaluation.result("move_sick_room:staff_office").tier == 3


def test_changes_that_touch_no_modelled_room_avert_exactly_nothing(centre: Facility, evaluation: Evaluation) -> None:
    for item_id in ("washbasin:entrance", "service_door:kitchen+laundry", "ventilation_rebalance:laundry"):
        r = evaluation.result(item_id)
        assert r.cases_averted_per_month == 0.0
        assert r.cases_averted_std_error == 0.0
        assert r.cases_per_month_after == r.cases_per_month_before
        assert r.rooms == ()


def test_common_random_numbers_give_zero_for_a_change_that_changes_nothing(centre: Facility) -> None:
    def renamed(f: Facility) -> Facility:  # a different object, the same plan
        return dataclasses.replace(f, notes=f.notes + " (copy)")

    def storage_basin(f: Facility) -> Facility:
        return dataclasses.replace(f, washbasins=(*f.washbasins, Washbasin("storage", 1, id="wb_storage")))

    def tiny(f: Facility) -> Facility:
        return dataclasses.replace(f, air_cleaners=(*f.air_cleaners, AirCleaner("class_45", 1.0, 1, "tiny")))

    ev = evaluate(
        centre,
        samples=SAMPLES,
        interventions=[noop("same"), noop("renamed", renamed), noop("basin", storage_basin), noop("tiny", tiny)],
    )
    for item_id in ("same", "renamed", "basin"):
        r = ev.result(item_id)
        assert (r.cases_averted_per_month, r.cases_averted_std_error) == (0.0, 0.0)
        assert r.tier == 3
    small = ev.result("tiny")
    (change,) = small.rooms
    assert change.room == "class_45"
    assert 0 < small.cases_averted_per_month < 0.01
    before = change.before
    assert before is not None
    # Paired (same seed): the difference's standard error is a small fraction of the room's own.
    own = before.expected_cases_given_infectious_std_error * before.monthly_factor
    assert small.cases_averted_std_error < 0.1 * own
    assert small.tier == 3


def test_an_invalid_change_is_ranked_last(centre: Facility) -> None:
    def broken(f: Facility) -> Facility:
        return dataclasses.replace(f, washbasins=(*f.washbasins, Washbasin("nowhere", 1, id="wb_bad")))

    ev = evaluate(centre, samples=SAMPLES, interventions=[noop("broken", broken), noop("same")])
    assert ev.ranking() == ["same", "broken"]
    bad = ev.result("broken")
    assert not bad.valid and bad.tier == 4 and bad.errors


def test_applying_the_washbasin_passes_the_check_and_changes_the_ranking(
    centre: Facility, evaluation: Evaluation
) -> None:
    # The browser test: upload, see the failed washbasin check, add a washbasin, re-run.
    assert "washbasin_on_entry" in evaluation.failed_before
    fixed = apply(centre, "washbasin:entrance")
    saved = parse_facility(json.loads(json.dumps(facility_to_dict(fixed))))
    again = evaluate(saved, month=1, samples=SAMPLES)
    assert "washbasin_on_entry" not in again.failed_before
    assert "washbasin:entrance" not in again.ranking()
    assert again.ranking() != evaluation.ranking()
    assert again.ranking() == [i for i in evaluation.ranking() if i != "washbasin:entrance"]
    assert again.cases_per_month_before == evaluation.cases_per_month_before  # same rooms, same numbers


def test_edited_costs_change_the_order(centre: Facility, evaluation: Evaluation) -> None:
    costs = UnitCosts(washbasin_won=9_000_000, air_cleaner_won=20_000_000)
    ev = evaluate(centre, costs, samples=SAMPLES)
    order = ev.ranking()
    assert order.index("service_door:kitchen+laundry") < order.index("washbasin:entrance")
    assert evaluation.ranking().index("air_cleaner:playroom") < evaluation.ranking().index("erv:playroom")
    assert order.index("erv:playroom") < order.index("air_cleaner:playroom")
    assert ev.result("washbasin:entrance").cost_won == 9_000_000
    # Same candidates, same random numbers: only the costs moved.
    for r in ev.results:
        assert r.cases_averted_per_month == evaluation.result(r.intervention.id).cases_averted_per_month


def test_side_by_side_shows_every_check_and_room(evaluation: Evaluation) -> None:
    view = evaluation.side_by_side("split:class_45")
    assert [c["id"] for c in view["checks"]] == [c.id for c in evaluation.checks_before]
    rows = {r["room"]: r for r in view["rooms"]}
    assert set(rows) == {r.room for r in evaluation.rooms_before}
    assert rows["class_0"]["before"] == rows["class_0"]["after"]
    assert rows["class_45"]["after"]["children"] < rows["class_45"]["before"]["children"]
    assert view["totals"]["cases_averted_per_month"] == pytest.approx(
        sum(r["averted_per_month"] for r in view["rooms"]), abs=1e-3
    )
    with pytest.raises(KeyError):
        evaluation.side_by_side("no_such")


def test_the_evaluation_is_json(evaluation: Evaluation) -> None:
    text = json.dumps(evaluation.to_dict(), allow_nan=False, ensure_ascii=False)
    back = json.loads(text)
    assert [r["id"] for r in back["ranking"]] == evaluation.ranking()
    assert back["costs"]["washbasin_won"]["value"] == 1_500_000
    assert back["costs"]["washbasin_won"]["basis"]
    first = back["ranking"][0]
    for key in (
        "checks_newly_passed",
        "cases_averted_per_month",
        "cost_won",
        "cases_averted_per_million_won",
        "tier_name",
    ):
        assert key in first
    json.dumps(evaluation.side_by_side("windows:hourly"), allow_nan=False)


# ---- the texts a reader sees ---------------------------------------------------------------------------

HANGUL = re.compile("[가-힣]")


def ids_in(text: str, room_ids: list[str]) -> list[str]:
    return [i for i in room_ids if re.search(rf"(?<![A-Za-z0-9_]){re.escape(i)}(?![A-Za-z0-9_])", text)]


def test_every_candidate_says_why_in_both_languages_with_room_names(centre: Facility) -> None:
    room_ids = [r.id for r in centre.rooms]
    code_like = [i for i in room_ids if not i.isalpha()]  # "playroom" may be an English word, "class_0" not
    for item in candidates(centre):
        korean = (item.title_ko, item.reason_ko, item.kind_title_ko, item.cost_basis_ko)
        assert all(t and HANGUL.search(t) for t in korean), (item.id, korean)
        for text in korean:
            assert ids_in(text, [*room_ids, "outside"]) == [], (item.id, text)
        for text in (item.title, item.reason, item.kind_title, item.cost_basis):
            assert text and ids_in(text, code_like) == [], (item.id, text)
        for room_id in item.rooms:  # every room it touches is named, in each language
            name = centre.room(room_id).name
            assert name in item.title_ko + item.reason_ko, (item.id, name)
            assert name in item.title + item.reason, (item.id, name)
        assert (item.kind_title, item.kind_title_ko) == KINDS[item.kind]
        out = item.to_dict()
        assert (out["reason_ko"], out["kind_title_ko"], out["cost_basis_ko"]) == (
            item.reason_ko,
            item.kind_title_ko,
            item.cost_basis_ko,
        )


def test_the_reasons_of_the_example_name_the_right_rooms(centre: Facility) -> None:
    by_id = {c.id: c for c in candidates(centre)}
    checks = {c.id: c for c in run_checks(centre)}
    basin = by_id["washbasin:entrance"]
    assert checks["washbasin_on_entry"].summary_ko in basin.reason_ko
    assert basin.reason_ko.startswith("‘입실 동선상 세면대’ 기준을 충족하지 못합니다.")
    assert basin.title_ko == "현관·인계공간에 세면대 설치"
    assert checks["washbasin_on_entry"].summary in basin.reason
    door = by_id["service_door:kitchen+laundry"]
    assert "식자재·물품 동선과 오물·세탁물 동선이 복도, 현관·인계공간에서 겹칩니다." in door.reason_ko
    assert door.title_ko == "조리실, 세탁실 전용 외부 출입문 신설, 현관·인계공간은 영유아·보호자·교직원 전용"
    rebalance = by_id["ventilation_rebalance:laundry"]
    assert "세탁실의 배기량이 급기량보다 많지 않아" in rebalance.reason_ko and "세탁실" in rebalance.title_ko
    for item_id in ("erv:playroom", "air_cleaner:playroom"):
        assert by_id[item_id].reason_ko.startswith("유희실의 재실 인원 대비 청정 공기량이 가장 적어")
        assert by_id[item_id].reason.startswith("유희실 has the most occupants")
    windows = by_id["windows:hourly"]
    assert "‘2시간마다 10분" in windows.reason_ko and "매시 10분 환기보다 적습니다." in windows.reason_ko
    assert "1–3월, 7–8월, 11–12월에 적용합니다" in windows.reason_ko
    assert "months 1–3, 7–8, 11–12" in windows.reason
    split = by_id["split:class_45"]
    assert split.reason_ko.startswith("나무반 (만4–5세)의 1인당 면적이 2.6 m²로 기준 4 m²보다 좁습니다.")
    assert (
        "나눈 반은 이미 참여하는 유희실 공동 활동(10:00–11:30, 15:00–16:30) 외의 시간에 유희실을 씁니다."
        in split.reason_ko
    )
    assert "10:00–11:30, 15:00–16:30" in split.reason
    move = by_id["move_sick_room:staff_office"]
    assert "양호실·격리실 → 복도 → 현관·인계공간 → 바깥, 22 m" in move.reason_ko
    assert "현관·인계공간을 지나갑니다" in move.reason_ko
    assert "양호실·격리실 → 복도 → 현관·인계공간 → outside, 22 m" in move.reason
    assert move.title_ko == "양호실·격리실을 교사실·원장실 자리로 이전"


def test_the_evaluation_carries_the_korean_texts(evaluation: Evaluation) -> None:
    out = json.loads(json.dumps(evaluation.to_dict(), ensure_ascii=False))
    for entry, result in zip(out["ranking"], evaluation.results, strict=True):
        assert entry["reason_ko"] == result.intervention.reason_ko and entry["reason_ko"]
        assert entry["title_ko"] and entry["kind_title_ko"] and entry["tier_title_ko"]
        assert all(HANGUL.search(room["name"]) for room in entry["rooms"])
    for entry, check in zip(out["checks_before"], evaluation.checks_before, strict=True):
        assert entry["summary_ko"] == check.summary_ko and HANGUL.search(entry["summary_ko"])
    assert all(v["basis_ko"] for v in out["costs"].values())
    assert all(HANGUL.search(r["airing_ko"]) for r in out["rooms_before"])
    view = evaluation.side_by_side("windows:hourly")
    assert view["intervention"]["reason_ko"] and all(c["summary_before_ko"] for c in view["checks"])
    rows = {r["room"]: r for r in view["rooms"]}
    assert rows["class_0"]["name"] == "해님반 (만0세)"
    assert rows["class_0"]["after"]["airing_ko"] == "매시 10분"


def test_apply_refuses_an_unknown_id(centre: Facility) -> None:
    with pytest.raises(KeyError, match="no candidate"):
        apply(centre, "paint_it_green")


def test_unit_costs_are_checked() -> None:
    with pytest.raises(ValueError, match="washbasin_won"):
        UnitCosts(washbasin_won=-1)
