"""The fund's engines against hand-worked cases (and properties where one exists)."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seoul.fund.engine import committee, figures, quarters, terms
from seoul.fund.engine.rules import PATH, Committee, Criterion, RulesError, parse, rules

RAW = json.loads(PATH.read_text(encoding="utf-8"))
RULE = Committee(members=7, quorum_share=0.5, quorum_minimum=5, pass_mark=70)
CRITERIA = (
    Criterion("team", "팀", "Team", 25),
    Criterion("market", "시장", "Market", 20),
    Criterion("technology", "기술", "Technology", 20),
    Criterion("traction", "성과", "Traction", 20),
    Criterion("policy_fit", "정책", "Policy", 15),
)


# ---- the rules file -------------------------------------------------------------------------


def test_the_shipped_file_is_the_plans_fund() -> None:
    found = rules()
    assert found.size == 50_000_000_000  # 500억 원
    assert sum(s.allocation for s in found.sectors) == found.size
    assert {"medical_bio", "untact_digital", "green"} <= {s.code for s in found.sectors}
    assert sum(c.weight for c in found.criteria) == 100


def test_allocations_that_do_not_add_up_are_refused_with_their_path() -> None:
    raw = copy.deepcopy(RAW)
    raw["sectors"][0]["allocation"] += 1
    with pytest.raises(RulesError) as exc:
        parse(raw)
    assert exc.value.problems == [
        "sectors: the allocations add up to 50,000,000,001 won, not the fund's size 50,000,000,000 won"
    ]


def test_each_mistake_is_named_by_where_it_is() -> None:
    raw = copy.deepcopy(RAW)
    raw["criteria"][1]["weight"] = 30  # 110 in all
    del raw["stages"][2]["name_en"]
    raw["stages"][0]["tickets"]["loan"] = [300, 200]
    raw["sectors"][3]["code"] = "green"
    raw["instruments"]["equity"]["percent_min"] = 40  # above the max of 30
    raw["fund"]["opened_on"] = "2020-13-01"
    with pytest.raises(RulesError) as exc:
        parse(raw)
    assert set(exc.value.problems) == {
        "criteria: the weights add up to 110, not 100",
        "stages[2].name_en: must be non-empty text",
        "stages[0].tickets.loan: must have 0 < smallest ≤ largest, not [300, 200]",
        "sectors[3].code: 'green' appears twice",
        "instruments.equity.percent_min: is above percent_max",
        "fund.opened_on: must be a date YYYY-MM-DD, not '2020-13-01'",
    }


def test_a_quorum_minimum_above_the_committee_is_refused() -> None:
    raw = copy.deepcopy(RAW)
    raw["committee"]["quorum_minimum"] = 8
    with pytest.raises(RulesError, match=r"committee.quorum_minimum: is more than the 7 members"):
        parse(raw)


# ---- the committee --------------------------------------------------------------------------


def test_quorum_is_at_least_five_and_at_least_half() -> None:
    assert committee.needed(RULE, 7) == 5  # max(5, ceil(3.5) = 4)
    assert committee.needed(RULE, 11) == 6  # ceil(5.5)
    assert committee.needed(RULE, 12) == 6


def test_six_present_one_conflicted_is_a_quorum_five_present_one_conflicted_is_not() -> None:
    members = set(range(1, 8))
    met = committee.quorum(RULE, members, {1, 2, 3, 4, 5, 6}, {6})
    assert (met.present, met.conflicted, met.counted, met.needed, met.met) == (6, 1, 5, 5, True)
    short = committee.quorum(RULE, members, {1, 2, 3, 4, 5}, {5})
    assert (short.counted, short.met, short.reason) == (4, False, "too_few")


def test_people_who_are_not_members_do_not_count() -> None:
    found = committee.quorum(RULE, {1, 2, 3, 4, 5, 6, 7}, {1, 2, 3, 4, 99}, set())
    assert (found.present, found.counted, found.met) == (4, 4, False)


def test_weighted_tally_leaves_out_conflicted_and_absent_sheets() -> None:
    members = set(range(1, 8))
    sheets = {
        1: dict.fromkeys(("team", "market", "technology", "traction", "policy_fit"), 8.0),  # 80
        2: {"team": 10, "market": 5, "technology": 5, "traction": 5, "policy_fit": 10},  # 25+10+10+10+15 = 70
        6: dict.fromkeys(("team", "market", "technology", "traction", "policy_fit"), 0.0),  # conflicted
        7: dict.fromkeys(("team", "market", "technology", "traction", "policy_fit"), 0.0),  # absent
    }
    found = committee.tally(
        RULE, CRITERIA, 10, members=members, present={1, 2, 3, 4, 5, 6}, conflicted={6}, sheets=sheets
    )
    assert found.totals == {1: 80.0, 2: 70.0}
    assert found.score == 75.0
    assert found.means["team"] == 9.0
    assert found.waiting == (3, 4, 5)
    assert found.excluded == (6, 7)
    assert not found.complete
    assert not found.passed


def test_a_complete_tally_passes_at_the_mark_and_not_below() -> None:
    members = set(range(1, 8))
    at_mark = {m: {"team": 10, "market": 5, "technology": 5, "traction": 5, "policy_fit": 10} for m in range(1, 6)}
    found = committee.tally(
        RULE, CRITERIA, 10, members=members, present={1, 2, 3, 4, 5}, conflicted=set(), sheets=at_mark
    )
    assert found.complete and found.score == 70.0 and found.passed
    below = {m: s | {"team": 9.6} for m, s in at_mark.items()}  # 24 of 25: 69
    found = committee.tally(
        RULE, CRITERIA, 10, members=members, present={1, 2, 3, 4, 5}, conflicted=set(), sheets=below
    )
    assert found.score == pytest.approx(69.0)
    assert found.complete and not found.passed


# ---- terms and tranches ---------------------------------------------------------------------


def test_terms_within_the_stage_ticket_and_the_instrument_bounds() -> None:
    r = rules()
    assert terms.check_terms(r, "seed", terms.Terms("equity", 300_000_000, equity_percent=10)) == []
    problems = terms.check_terms(r, "seed", terms.Terms("equity", 300_000_001, equity_percent=31))
    assert problems == [
        ("amount", "ticket", {"lo": 50_000_000, "hi": 300_000_000}),
        ("equity_percent", "bound", {"lo": 1.0, "hi": 30.0}),
    ]
    missing = terms.check_terms(
        r, "early", terms.Terms("convertible", 500_000_000, discount_percent=20, term_months=36)
    )
    assert missing == [("valuation_cap", "required", {})]
    loan = terms.check_terms(r, "growth", terms.Terms("loan", 500_000_000, interest_rate=5.0, term_months=60))
    assert loan == [("interest_rate", "bound", {"lo": 1.0, "hi": 4.5})]


def test_tranches_must_add_up_and_keep_their_order() -> None:
    r = rules()
    d = date(2027, 1, 1)
    assert terms.check_tranches(r, 300, [(150, d), (150, d + timedelta(days=90))]) == []
    assert terms.check_tranches(r, 300, [(150, d), (100, d + timedelta(days=1))]) == [
        ("tranches", "tranche_sum", {"total": 250, "amount": 300})
    ]
    assert terms.check_tranches(r, 300, [(150, d), (150, d - timedelta(days=1))]) == [("tranches", "tranche_order", {})]
    assert ("tranches", "tranche_count", {"max": 4}) in terms.check_tranches(r, 5, [(1, d)] * 5)


# ---- figures: XIRR, TVPI, the fund ----------------------------------------------------------


def test_xirr_hand_worked_cases() -> None:
    one_year = [(date(2021, 1, 1), -100.0), (date(2022, 1, 1), 110.0)]  # 365 days: 10 %
    assert figures.xirr(one_year) == pytest.approx(0.10, abs=1e-9)
    two_years = [(date(2021, 1, 1), -1000.0), (date(2023, 1, 1), 1210.0)]  # 1.1² = 1.21
    assert figures.xirr(two_years) == pytest.approx(0.10, abs=1e-9)
    # −100 − 100/1.1 + 231/1.21 = −100 − 90.909 + 190.909 = 0
    staged = [(date(2021, 1, 1), -100.0), (date(2022, 1, 1), -100.0), (date(2023, 1, 1), 231.0)]
    assert figures.xirr(staged) == pytest.approx(0.10, abs=1e-9)
    halved = [(date(2021, 1, 1), -100.0), (date(2022, 1, 1), 50.0)]
    assert figures.xirr(halved) == pytest.approx(-0.5, abs=1e-9)


def test_xirr_without_an_inflow_has_no_rate() -> None:
    assert figures.xirr([(date(2021, 1, 1), -100.0), (date(2022, 1, 1), -5.0)]) is None
    assert figures.xirr([(date(2021, 1, 1), 100.0)]) is None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3650), st.floats(1, 1e9)), min_size=1, max_size=6),
    st.lists(st.tuples(st.integers(1, 3650), st.floats(1, 1e9)), min_size=1, max_size=6),
)
def test_npv_at_the_computed_rate_is_zero(outs: list[tuple[int, float]], ins: list[tuple[int, float]]) -> None:
    start = date(2021, 1, 1)
    flows = [(start, -1.0)]
    flows += [(start + timedelta(days=d), -a) for d, a in outs]
    flows += [(start + timedelta(days=3650 + d), a) for d, a in ins]
    rate = figures.xirr(flows)
    if rate is None:  # no root within the bracket: only with tiny inflows against huge outflows
        assert figures.npv(figures.LOWEST_RATE, flows) * figures.npv(1e6, flows) > 0
        return
    # relative to the discounted terms' own size: near −100 % a rate's last digit moves them a lot
    scale = figures.npv(rate, [(d, abs(a)) for d, a in flows])
    assert abs(figures.npv(rate, flows)) <= 1e-7 * scale


def test_tvpi_by_hand() -> None:
    assert figures.tvpi(150.0, 30.0, 180.0) == pytest.approx(1.4)
    assert figures.tvpi(0.0, 0.0, 0.0) is None


def test_the_funds_figures_by_hand() -> None:
    a = figures.Investment(
        "medical_bio",
        "seed",
        300,
        paid=((date(2021, 1, 1), 100.0), (date(2022, 1, 1), 100.0)),
        valuations=((date(2021, 6, 1), 120.0), (date(2022, 6, 1), 250.0)),
    )
    b = figures.Investment(
        "green", "early", 200, paid=((date(2021, 1, 1), 200.0),), distributions=((date(2022, 1, 1), 50.0),)
    )
    found = figures.figures(1000, [a, b], date(2023, 1, 1), sectors=["medical_bio", "green", "untact_digital"])
    assert (found.committed, found.invested, found.remaining) == (500, 400.0, 500)
    assert found.distributed == 50.0
    assert found.residual == 450.0  # a: latest valuation 250; b: never valued, at cost 200
    assert found.tvpi == pytest.approx(1.25)  # (50 + 450) / 400
    assert found.by_sector["medical_bio"].committed == 300
    assert found.by_sector["medical_bio"].invested == 200.0
    assert found.by_sector["untact_digital"].count == 0
    assert found.by_stage["early"].invested == 200.0
    assert found.irr is not None
    flows = [
        (date(2021, 1, 1), -300.0),
        (date(2022, 1, 1), -100.0),
        (date(2022, 1, 1), 50.0),
        (date(2023, 1, 1), 450.0),
    ]
    assert abs(figures.npv(found.irr, flows)) < 1e-6


def test_figures_as_of_a_day_ignore_later_flows() -> None:
    a = figures.Investment(
        "green",
        "seed",
        100,
        paid=((date(2021, 1, 1), 50.0), (date(2024, 1, 1), 50.0)),
        valuations=((date(2024, 6, 1), 300.0),),
    )
    found = figures.figures(1000, [a], date(2022, 1, 1))
    assert (found.invested, found.residual, found.tvpi) == (50.0, 50.0, 1.0)


# ---- quarters -------------------------------------------------------------------------------


def test_reportable_quarters_are_those_ended_since_the_investment() -> None:
    assert quarters.reportable(date(2026, 12, 6), date(2026, 1, 15)) == [(2026, 3), (2026, 2), (2026, 1)]
    assert quarters.reportable(date(2026, 12, 31), date(2026, 10, 1)) == [(2026, 4)]
    assert quarters.reportable(date(2026, 12, 30), date(2026, 10, 1)) == []
    assert quarters.end(2024, 1) == date(2024, 3, 31)
