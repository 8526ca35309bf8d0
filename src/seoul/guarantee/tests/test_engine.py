"""The guarantee engine: business numbers, screening, scorecard, state machine, documents,
life cycle and the surge simulation. No database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seoul.core.engine import brn
from seoul.guarantee.engine import documents, lifecycle
from seoul.guarantee.engine.catalogue import catalogue
from seoul.guarantee.engine.screening import (
    Facts,
    Outcome,
    fee_of,
    needs_second_approver,
    odds_of,
    pd_of,
    screen,
    with_amount,
)
from seoul.guarantee.engine.simulate import Params, WorkClock, compare
from seoul.guarantee.engine.states import Actor, Event, State, TransitionError, allowed_events, transition

TODAY = date(2026, 11, 25)


# --- business registration numbers ---------------------------------------------------


@pytest.mark.parametrize("number", ["220-81-62517", "124-81-00998", "2208162517", "220 81 62517"])
def test_known_valid_numbers(number: str) -> None:
    assert brn.is_valid(number)


@pytest.mark.parametrize(
    ("number", "code"),
    [("220-81-62518", "check_digit"), ("124-81-00990", "check_digit"), ("12345", "format"), ("12a4567890", "format")],
)
def test_invalid_numbers_say_why(number: str, code: str) -> None:
    with pytest.raises(brn.InvalidBRN) as exc:
        brn.validate(number)
    assert exc.value.code == code


def test_ninth_digit_carry_matters() -> None:
    # 9th digit 9: 9*5 = 45 carries 4; without the carry the check digit would be 2, not 8.
    assert brn.check_digit("124810099") == 8


@given(st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda s: s[:3] != "000" and s[5:] != "0000"))
def test_exactly_one_check_digit_is_valid(nine: str) -> None:
    valid = [d for d in range(10) if brn.is_valid(nine + str(d))]
    assert valid == [brn.check_digit(nine)]
    assert brn.make(nine) == nine + str(valid[0])


@given(
    st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda s: s[:3] != "000" and s[5:] != "0000"),
    st.integers(0, 9),
    st.integers(1, 9),
)
def test_any_single_digit_typo_in_the_first_eight_is_caught(nine: str, pos: int, delta: int) -> None:
    number = brn.make(nine)
    if pos == 9:
        return
    typo = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    # weights 1, 3, 7 are coprime to 10: one wrong digit always changes the sum mod 10 (the
    # ninth digit's weight 5 and carry are not, which is why it is excluded here)
    if pos < 8:
        assert not brn.is_valid(typo)


# --- screening -------------------------------------------------------------------------


def good_facts(**changes: object) -> Facts:
    facts = Facts(
        opened_on=TODAY - timedelta(days=8 * 365),
        in_seoul=True,
        closed=False,
        industry="manufacturing",
        credit_score=880,
        tax_arrears=False,
        sales_last_year=200_000_000,
        sales_year_before=190_000_000,
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def test_a_strong_small_emergency_file_is_auto_approved_with_full_coverage_and_half_percent_fee() -> None:
    result = screen(good_facts(), "emergency_covid", 10_000_000, TODAY)
    assert result.outcome is Outcome.APPROVE, result
    assert result.coverage == 1.0 and result.fee_rate == 0.005
    assert result.fee == 50_000
    assert result.guaranteed_amount == 10_000_000


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"in_seoul": False}, "site_not_in_seoul"),
        ({"closed": True}, "business_closed"),
        ({"credit_score": 594}, "credit_score_below_minimum"),
        ({"tax_arrears": True}, "tax_arrears"),
        ({"industry": "gambling"}, "excluded_industry"),
        ({"existing_guarantee_balance": 100_000_000}, "guarantee_balance_at_maximum"),
    ],
)
def test_each_eligibility_rule_rejects_with_its_reason(changes: dict[str, object], reason: str) -> None:
    result = screen(good_facts(**changes), "emergency_covid", 10_000_000, TODAY)
    assert result.outcome is Outcome.REJECT
    assert reason in result.reasons


def test_credit_score_595_is_enough() -> None:
    assert "credit_score_below_minimum" not in screen(good_facts(credit_score=595), "regular", 5_000_000, TODAY).reasons


def test_product_rules_on_months_and_prior_closure() -> None:
    assert "too_many_months_in_business" in screen(good_facts(), "startup", 5_000_000, TODAY).reasons
    assert "no_prior_closure" in screen(good_facts(), "rechallenge", 5_000_000, TODAY).reasons
    young = good_facts(opened_on=TODAY - timedelta(days=40))
    assert "too_few_months_in_business" in screen(young, "regular", 5_000_000, TODAY).reasons


def test_limit_follows_sales_and_existing_balance() -> None:
    small = good_facts(sales_last_year=40_000_000)
    result = screen(small, "regular", 15_000_000, TODAY)
    assert result.limit == 10_000_000  # a quarter of a year's sales
    assert "amount_above_limit" in result.reasons and not result.fast_lane
    owing = good_facts(existing_guarantee_balance=95_000_000)
    assert screen(owing, "regular", 1_000_000, TODAY).limit == 5_000_000


def test_big_or_risky_or_uploaded_files_are_referred() -> None:
    assert screen(good_facts(), "regular", 30_000_000, TODAY).refer_reasons == ["amount_above_auto_limit"]
    risky = good_facts(credit_score=600, industry="restaurant", sales_last_year=100_000_000)
    assert "risk_above_threshold" in screen(risky, "emergency_covid", 10_000_000, TODAY).refer_reasons
    uploaded = good_facts(documents_fetched=False)
    assert screen(uploaded, "emergency_covid", 10_000_000, TODAY).outcome is Outcome.REFER


def test_scorecard_scaling_600_is_50_to_1_and_40_points_double_the_odds() -> None:
    assert odds_of(600) == pytest.approx(50)
    assert odds_of(640) == pytest.approx(100)
    assert pd_of(600) == pytest.approx(1 / 51)


@given(st.integers(595, 1000), st.integers(595, 1000))
def test_a_better_credit_score_never_scores_lower(a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    s_lo = screen(good_facts(credit_score=lo), "regular", 5_000_000, TODAY).score
    s_hi = screen(good_facts(credit_score=hi), "regular", 5_000_000, TODAY).score
    assert s_lo is not None and s_hi is not None and s_lo.score <= s_hi.score


def test_second_approver_threshold() -> None:
    threshold = int(catalogue().scorecard["second_approver_above"])
    assert not needs_second_approver(threshold)
    assert needs_second_approver(threshold + 1)


# --- state machine ---------------------------------------------------------------------


def test_happy_path() -> None:
    s = State.DRAFT
    for event, actor in [
        (Event.SUBMIT, Actor.APPLICANT),
        (Event.START_SCREENING, Actor.SYSTEM),
        (Event.AUTO_APPROVE, Actor.SYSTEM),
        (Event.SIGN_AGREEMENT, Actor.APPLICANT),
        (Event.ISSUE_CERTIFICATE, Actor.SYSTEM),
        (Event.EXECUTE_LOAN, Actor.BANK),
    ]:
        s = transition(s, event, actor)
    assert s is State.LOAN_EXECUTED


def test_wrong_state_and_wrong_actor_are_refused() -> None:
    with pytest.raises(TransitionError) as exc:
        transition(State.DRAFT, Event.SIGN_AGREEMENT, Actor.APPLICANT)
    assert exc.value.code == "wrong_state"
    with pytest.raises(TransitionError) as exc:
        transition(State.REFERRED, Event.APPROVE, Actor.APPLICANT, examiner="x")
    assert exc.value.code == "wrong_actor"


def test_maker_checker() -> None:
    big = 50_000_000
    first = transition(
        State.REFERRED, Event.APPROVE, Actor.EXAMINER, amount=big, second_approver_above=30_000_000, examiner="kim"
    )
    assert first is State.REFERRED
    with pytest.raises(TransitionError) as exc:
        transition(
            State.REFERRED,
            Event.APPROVE,
            Actor.EXAMINER,
            amount=big,
            second_approver_above=30_000_000,
            approvals=("kim",),
            examiner="kim",
        )
    assert exc.value.code == "same_approver"
    second = transition(
        State.REFERRED,
        Event.APPROVE,
        Actor.EXAMINER,
        amount=big,
        second_approver_above=30_000_000,
        approvals=("kim",),
        examiner="lee",
    )
    assert second is State.APPROVED
    small = transition(
        State.REFERRED,
        Event.APPROVE,
        Actor.EXAMINER,
        amount=10_000_000,
        second_approver_above=30_000_000,
        examiner="kim",
    )
    assert small is State.APPROVED


def test_withdrawal_only_before_the_certificate() -> None:
    assert Event.WITHDRAW in allowed_events(State.AGREEMENT_SIGNED, Actor.APPLICANT)
    for state in (State.CERTIFICATE_ISSUED, State.LOAN_EXECUTED, State.REJECTED, State.SCREENING):
        with pytest.raises(TransitionError):
            transition(state, Event.WITHDRAW, Actor.APPLICANT)


@given(st.lists(st.sampled_from(list(Event)), max_size=30), st.lists(st.sampled_from(list(Actor)), max_size=30))
def test_random_event_sequences_never_leave_a_terminal_state(events: list[Event], actors: list[Actor]) -> None:
    s = State.DRAFT
    terminal_seen: State | None = None
    for event, actor in zip(events, actors, strict=False):
        try:
            s = transition(s, event, actor, examiner="e", approvals=())
        except TransitionError:
            continue
        if terminal_seen is not None:
            pytest.fail(f"left terminal state {terminal_seen} by {event}")
        if s in (State.REJECTED, State.LOAN_EXECUTED, State.BANK_DECLINED, State.WITHDRAWN):
            terminal_seen = s


# --- documents -------------------------------------------------------------------------

NUMBER = "220-01-62515"  # a sole proprietor's (a company has three documents more)


def doc_set(issued: date = TODAY, number: str = NUMBER, name: str = "한강식당") -> list[dict[str, object]]:
    base = {"issued_on": issued.isoformat(), "brn": number, "business_name": name, "representative": "김서울"}
    return [
        {
            **base,
            "kind": "business_registration",
            "opened_on": "2015-03-01",
            "address": "서울특별시 중구",
            "industry": "restaurant",
            "status": "active",
        },
        {**base, "kind": "vat_tax_base", "sales_by_year": {"2024": 180_000_000, "2025": 150_000_000}},
        {**base, "kind": "national_tax_payment", "arrears": False},
        {**base, "kind": "local_tax_payment", "arrears": False},
        {"kind": "credit_report", "issued_on": issued.isoformat(), "score": 812, "guarantee_balance": 0},
    ]


def test_a_fresh_consistent_set_has_no_problems_and_gives_the_facts() -> None:
    docs = doc_set()
    assert documents.validate(docs, NUMBER, TODAY) == []
    facts = documents.facts_from(docs, TODAY)
    assert facts["in_seoul"] and facts["sales_last_year"] == 150_000_000 and facts["credit_score"] == 812


def test_stale_mismatched_and_missing_documents() -> None:
    stale = documents.validate(doc_set(issued=TODAY - timedelta(days=40)), NUMBER, TODAY)
    assert {p.code for p in stale} == {"stale"}
    other = doc_set()
    other[1]["brn"] = "124-81-00998"
    other[2]["business_name"] = "다른상호"
    codes = {p.code for p in documents.validate(other, NUMBER, TODAY)}
    assert codes == {"brn_mismatch", "business_name_mismatch"}
    assert {p.code for p in documents.validate(doc_set()[:2], NUMBER, TODAY)} == {"missing"}


def test_uploads_are_judged_by_their_bytes() -> None:
    assert documents.check_upload(b"%PDF-1.7 rest", "a.pdf") == ("application/pdf", [])
    real, problems = documents.check_upload(b"MZ\x90\x00 windows program", "invoice.pdf")
    assert real is None and "not_pdf_or_image" in problems
    _real, problems = documents.check_upload(b"\x89PNG\r\n\x1a\n....", "scan.pdf")
    assert problems == ["name_does_not_match_content"]
    _real, problems = documents.check_upload(b"%PDF-" + b"0" * documents.MAX_UPLOAD_BYTES, "big.pdf")
    assert problems == ["too_large"]


# --- life cycle ------------------------------------------------------------------------


def test_life_cycle_stage() -> None:
    assert lifecycle.stage_of(good_facts(), TODAY) == "growth"
    assert lifecycle.stage_of(good_facts(opened_on=TODAY - timedelta(days=200)), TODAY) == "startup"
    assert lifecycle.stage_of(good_facts(sales_last_year=100_000_000), TODAY) == "crisis"
    assert lifecycle.stage_of(good_facts(closed=True), TODAY) == "restart"
    stage, programmes = lifecycle.recommend(good_facts(closed=True), TODAY)
    assert stage == "restart" and programmes and all(p["stage"] == "restart" for p in programmes)


# --- simulation ------------------------------------------------------------------------


def test_work_clock_round_trip() -> None:
    clock = WorkClock(date(2020, 3, 2))  # a Monday
    assert clock.to_work(9.0) == 0 and clock.to_work(17.0) == 8.0 and clock.to_work(24 + 10) == 9.0
    assert clock.from_work(9.0) == 24 + 10.0
    assert clock.to_work(5 * 24 + 12) == 40.0  # Saturday noon: the week's 40 hours are done
    assert clock.from_work(41.0) == 7 * 24 + 10.0  # next Monday 10:00


def test_simulation_automation_is_faster_and_deterministic() -> None:
    params = Params(applications_per_day=300, examiners=12, days=5, seed=7)
    result = compare(params)
    auto, manual = result["with_automation"], result["without_automation"]
    assert auto["median_hours_to_loan"] < manual["median_hours_to_loan"]  # type: ignore[operator]
    assert auto["backlog_at_end"] <= manual["backlog_at_end"]  # type: ignore[operator]
    assert manual["auto_approved"] == 0 and auto["auto_approved"] > 0  # type: ignore[operator]
    assert compare(params) == result


def test_more_examiners_never_slow_the_manual_process() -> None:
    few = compare(Params(applications_per_day=200, examiners=5, days=3, seed=3))["without_automation"]
    many = compare(Params(applications_per_day=200, examiners=50, days=3, seed=3))["without_automation"]
    assert many["p90_hours_to_loan"] <= few["p90_hours_to_loan"]  # type: ignore[operator]
    assert many["backlog_at_end"] <= few["backlog_at_end"]  # type: ignore[operator]


@given(st.integers(1_000_000, 500_000_000), st.sampled_from(sorted(catalogue().products)))
def test_terms_of_a_lower_amount_follow_the_amount_only(amount: int, code: str) -> None:
    product = catalogue().products[code]
    stored = {"outcome": "refer", "limit": 300_000_000, "coverage": product.coverage, "fee": 1, "guaranteed_amount": 1}
    terms = with_amount(stored, product, amount)
    assert terms["guaranteed_amount"] == int(amount * product.coverage) and terms["fee"] == fee_of(amount, product)
    assert {k: v for k, v in terms.items() if k not in ("fee", "guaranteed_amount")} == {
        k: v for k, v in stored.items() if k not in ("fee", "guaranteed_amount")
    }
    assert stored["fee"] == 1  # the stored result is not changed in place
