"""The business engines: stage placement, the catalogue's checks, eligibility with a reason
per rule, scoring and selection, and the outcome measures."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seoul.business.engine import catalogue as cat
from seoul.business.engine import eligibility, outcomes, scoring, stages
from seoul.business.engine.facts import Facts

TODAY = date(2026, 6, 15)


def facts(**changes: Any) -> Facts:
    base: dict[str, Any] = {
        "opened_on": date(2020, 3, 2),
        "industry": "retail",
        "district": "중구",
        "closed": False,
        "prior_closure": False,
        "sales_by_year": {2024: 240_000_000, 2025: 230_000_000},
        "tax_arrears": False,
    }
    return Facts(**(base | changes))


# ---- stages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "stage", "reason"),
    [
        ({}, "growth", "three_years_or_more"),
        ({"opened_on": date(2024, 1, 10)}, "startup", "under_three_years"),
        ({"opened_on": date(2023, 6, 15)}, "growth", "three_years_or_more"),  # exactly 36 months
        ({"opened_on": date(2023, 6, 16)}, "startup", "under_three_years"),  # a day short
        ({"closed": True}, "restart", "closed"),
        ({"opened_on": date(2025, 1, 1), "prior_closure": True}, "restart", "reopened_after_closure"),
        ({"opened_on": date(2015, 1, 1), "prior_closure": True}, "growth", "three_years_or_more"),
        ({"opened_on": None}, "startup", "opening_unknown"),
    ],
)
def test_stage_and_its_reason(changes: dict[str, Any], stage: str, reason: str) -> None:
    placed = stages.place(facts(**changes), TODAY)
    assert (placed.stage, placed.reason) == (stage, reason)


def test_a_falling_business_stays_in_growth_unlike_the_guarantee_crisis_stage() -> None:
    placed = stages.place(facts(sales_by_year={2024: 300_000_000, 2025: 100_000_000}, tax_arrears=True), TODAY)
    assert placed.stage == "growth"


# ---- the catalogue --------------------------------------------------------------------------


def _raw() -> dict[str, Any]:
    return dict(json.loads(cat.PATH.read_text(encoding="utf-8")))


def test_the_shipped_catalogue_is_valid_and_covers_every_kind_and_stage() -> None:
    found = cat.parse(_raw())
    assert {p.kind for p in found.programmes} == set(cat.KINDS)
    assert {p.stage for p in found.programmes} == set(stages.STAGES)
    assert all(p.example and "(예시)" in p.name_ko for p in found.programmes)
    assert all(sum(c["weight"] for c in p.scoring) == 100 for p in found.programmes)


def test_every_mistake_in_the_file_is_reported_with_where_it_is() -> None:
    raw = _raw()
    bad = copy.deepcopy(raw)
    bad["programmes"][0]["stage"] = "teenage"
    bad["programmes"][0]["eligibility"].append({"rule": "months", "min": 30, "max": 10})
    bad["programmes"][1]["scoring"][0]["weight"] = 5
    bad["programmes"][2]["eligibility"].append({"rule": "horoscope"})
    bad["programmes"][3]["code"] = bad["programmes"][0]["code"]
    with pytest.raises(cat.CatalogueError) as caught:
        cat.parse(bad)
    where = [w for w, _why in caught.value.errors]
    assert "programmes[0].stage" in where
    assert "programmes[0].eligibility[3]" in where
    assert "programmes[1].scoring" in where  # weights no longer add up to 100
    assert "programmes[2].eligibility[4].rule" in where
    assert "programmes[3].code" in where


# ---- eligibility ----------------------------------------------------------------------------


def _programme(code: str) -> cat.Programme:
    found = cat.catalogue().get(code)
    assert found is not None
    return found


def test_each_rule_has_its_own_result_and_reason() -> None:
    found = eligibility.evaluate(_programme("smart_store"), facts(), TODAY)
    assert found.eligible
    assert [r.rule for r in found.results] == ["stage", "closed", "industry", "sales"]
    assert found.results[0].params == {"in": ["growth"], "value": "growth"}
    assert found.results[3].params["value"] == 230_000_000


def test_why_not_names_the_rules_that_fail() -> None:
    rent = eligibility.evaluate(_programme("rent_support"), facts(), TODAY)
    assert not rent.eligible
    assert [r.rule for r in rent.failed] == ["sales_growth"]
    academy = eligibility.evaluate(_programme("startup_academy"), facts(), TODAY)
    assert [(r.rule, r.params["value"]) for r in academy.failed] == [("stage", "growth")]


def test_an_unknown_fact_fails_with_its_own_reason() -> None:
    marketing = eligibility.evaluate(_programme("online_marketing"), facts(tax_arrears=None), TODAY)
    assert [r.code for r in marketing.failed] == ["good_standing_unknown"]
    rent = eligibility.evaluate(_programme("rent_support"), facts(sales_by_year={}), TODAY)
    assert "sales_growth_unknown" in [r.code for r in rent.failed]


def test_bounds_include_the_minimum_and_exclude_the_maximum() -> None:
    rule = {"rule": "months", "min": 12, "max": 24}
    at = date(2026, 6, 2)
    assert eligibility.evaluate_rule(rule, facts(opened_on=date(2025, 6, 2)), at).passed  # 12 months
    assert not eligibility.evaluate_rule(rule, facts(opened_on=date(2024, 6, 2)), at).passed  # 24 months


def test_eligible_programmes_come_first() -> None:
    found = eligibility.sort_for_business([eligibility.evaluate(p, facts(), TODAY) for p in cat.catalogue().programmes])
    assert [e.programme for e in found if e.eligible] == ["smart_store", "online_marketing", "growth_clinic"]
    assert all(e.eligible for e in found[:3]) and not any(e.eligible for e in found[3:])


# ---- scoring and selection ------------------------------------------------------------------


def test_the_score_is_broken_down_by_criterion() -> None:
    found = scoring.score(_programme("online_marketing"), facts(), TODAY)
    assert [(line.criterion, line.points) for line in found.lines] == [
        ("sales_growth", 20.0),  # down 4.2 %: the band below 0
        ("district", 10.0),  # 중구 is a priority district
        ("assessed", None),
    ]
    assert not found.complete and found.total == 30
    done = scoring.score(_programme("online_marketing"), facts(), TODAY, {"plan": 45})
    assert done.complete and done.total == 75


def test_an_assessment_beyond_the_weight_is_clamped() -> None:
    done = scoring.score(_programme("online_marketing"), facts(), TODAY, {"plan": 600})
    assert done.lines[2].points == 60


def test_selection_takes_the_highest_scores_and_the_earlier_application_on_a_tie() -> None:
    applicants = [
        scoring.Ranked(key=1, total=70, order=1),
        scoring.Ranked(key=2, total=85, order=2),
        scoring.Ranked(key=3, total=70, order=0),
        scoring.Ranked(key=4, total=40, order=3),
    ]
    chosen = scoring.select(applicants, seats=2)
    assert chosen.selected == (2, 3)
    assert chosen.not_selected == (1, 4)
    assert chosen.ranks == {2: 1, 3: 2, 1: 3, 4: 4}
    assert chosen.cut_off == 70


@given(
    totals=st.lists(st.integers(min_value=0, max_value=100), min_size=0, max_size=30),
    seats=st.integers(min_value=1, max_value=40),
)
def test_nobody_selected_scores_below_anybody_not_selected(totals: list[int], seats: int) -> None:
    applicants = [scoring.Ranked(key=i, total=t, order=i) for i, t in enumerate(totals)]
    chosen = scoring.select(applicants, seats)
    assert len(chosen.selected) == min(seats, len(totals))
    by_key = {a.key: a.total for a in applicants}
    if chosen.selected and chosen.not_selected:
        assert min(by_key[k] for k in chosen.selected) >= max(by_key[k] for k in chosen.not_selected)


# ---- outcomes -------------------------------------------------------------------------------


def test_survival_at_one_and_three_years() -> None:
    done = date(2022, 5, 1)
    seen = [
        outcomes.Observation(date(2023, 6, 1), False, {2021: 100, 2023: 130}),
        outcomes.Observation(date(2025, 2, 1), True, {}),
    ]
    found = outcomes.outcome(done, seen, TODAY)
    assert found.survival == {1: "survived", 3: "closed"}
    assert found.sales_growth == 0.3


def test_survival_not_due_and_unknown() -> None:
    recent = outcomes.outcome(date(2026, 1, 10), [outcomes.Observation(date(2026, 1, 10), False)], TODAY)
    assert recent.survival == {1: "not_due", 3: "not_due"} and recent.sales_growth is None
    silent = outcomes.outcome(date(2024, 1, 10), [outcomes.Observation(date(2024, 1, 10), False)], TODAY)
    assert silent.survival == {1: "unknown", 3: "not_due"}


def test_summary_by_programme_and_stage() -> None:
    rows = [
        outcomes.Row("smart_store", "growth", outcomes.Outcome({1: "survived", 3: "not_due"}, 0.2)),
        outcomes.Row("smart_store", "growth", outcomes.Outcome({1: "closed", 3: "not_due"}, None)),
        outcomes.Row("smart_store", "growth", outcomes.Outcome({1: "survived", 3: "not_due"}, -0.1)),
        outcomes.Row("restart_education", "restart", outcomes.Outcome({1: "not_due", 3: "not_due"}, None)),
    ]
    found = {(s.programme, s.stage): s for s in outcomes.summarise(rows)}
    smart = found["smart_store", "growth"]
    assert smart.completed == 3
    assert smart.survival[1] == (2, 1, 0, 0) and smart.rate(1) == pytest.approx(2 / 3)
    assert smart.rate(3) is None
    assert smart.growth_known == 2 and smart.growth_median == pytest.approx(0.05)
    assert found["restart_education", "restart"].rate(1) is None
    assert smart.to_dict()["survival_1y"]["survived"] == 2


def test_a_guaranteed_loan_in_arrears_is_not_good_standing() -> None:
    from seoul.business.engine.facts import Facts

    good = Facts(
        opened_on=date(2020, 1, 1),
        industry="retail",
        district="마포구",
        closed=False,
        prior_closure=False,
        tax_arrears=False,
    )
    assert good.guarantee_good_standing is True
    assert replace(good, guarantee_in_arrears=1).guarantee_good_standing is False
    assert Facts.from_dict(replace(good, guarantee_in_arrears=2).to_dict()).guarantee_in_arrears == 2
