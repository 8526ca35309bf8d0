"""What to change first: the candidates proposed for the example centre, what each fixes, the
cases averted with common random numbers, the ranking and how it moves with the costs and with
a change applied (the designer's loop of the issue's browser test)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import pytest

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
    "split:class_2": "split_group",
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


def test_window_airing_is_an_operating_rule_and_only_when_windows_are_not_open(centre: Facility) -> None:
    (windows,) = [c for c in candidates(centre, month=1) if c.kind == "window_airing"]
    assert not windows.changes_facility
    assert windows.apply(centre) is centre
    assert apply(centre, "windows:hourly") == centre
    after = windows.assumptions_after(RiskAssumptions())
    assert after.airing("class_3", 1) == AIRING_HOURLY
    assert windows.cost_won(12) == 0
    assert not [c for c in candidates(centre, month=5) if c.kind == "window_airing"]  # open in May


def test_the_split_adds_the_teacher_the_ratio_requires(centre: Facility) -> None:
    split = next(c for c in candidates(centre) if c.id == "split:class_45")
    after = split.apply(centre)
    stay, moved = after.occupancy_by_room["class_45"], after.occupancy_by_room["playroom"]
    assert stay.children_total + moved.children_total == 15
    assert abs(stay.children_total - moved.children_total) == 1
    assert stay.teachers >= stay.required_teachers and moved.teachers >= moved.required_teachers
    assert split.parameters["extra_teachers"] == 1
    assert split.running_won_per_month == UnitCosts().extra_teacher_won_per_month
    assert "suspended" in split.reason


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


def test_apply_refuses_an_unknown_id(centre: Facility) -> None:
    with pytest.raises(KeyError, match="no candidate"):
        apply(centre, "paint_it_green")


def test_unit_costs_are_checked() -> None:
    with pytest.raises(ValueError, match="washbasin_won"):
        UnitCosts(washbasin_won=-1)
