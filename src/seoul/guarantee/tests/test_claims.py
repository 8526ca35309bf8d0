"""The foundation's claim after subrogation (구상채권): the recovery plan's arithmetic, recoveries
that cannot exceed what is owed, and write-off only after the limitation period (counted again
from each payment) or for a documented reason."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seoul.guarantee.engine.claims import Claim, limitation_ends, plan

PAID = date(2026, 3, 31)
TODAY = date(2026, 12, 5)


def test_a_plan_is_equal_monthly_instalments_with_the_odd_won_last() -> None:
    rows = plan(25_500_001, 36, date(2026, 5, 31))
    assert len(rows) == 36 and sum(r.amount for r in rows) == 25_500_001
    assert rows[0].amount == 708_333 and rows[-1].amount == 25_500_001 - 708_333 * 35
    assert [r.due for r in rows[:2]] == [date(2026, 5, 31), date(2026, 6, 30)]
    for bad in (0, 61):
        with pytest.raises(ValueError, match="1 to 60"):
            plan(1_000, bad, PAID)


@given(st.integers(1, 10**10), st.integers(1, 60))
def test_a_plan_always_adds_up_and_never_has_an_empty_instalment(amount: int, months: int) -> None:
    rows = plan(amount, months, PAID)
    assert sum(r.amount for r in rows) == amount and min(r.amount for r in rows) >= 1


def test_recoveries_never_exceed_what_is_owed_and_each_is_a_balanced_entry() -> None:
    claim = Claim(25_500_000, PAID)
    for amount, on, reason in (
        (25_500_001, TODAY, "more than the 25,500,000 won still owed"),
        (0, TODAY, "a recovery is a positive amount"),
        (1_000, date(2026, 3, 1), "before the foundation paid the bank"),
        (1_000, date(2026, 12, 6), "in the future"),
    ):
        assert reason in claim.recovery_problem(amount, on, TODAY)
        with pytest.raises(ValueError, match=reason):
            claim.recover(amount, on, TODAY)
    assert claim.remaining == 25_500_000 and not claim.movements
    move = claim.recover(500_000, date(2026, 6, 1), TODAY)
    assert sum(x.debit for x in move.lines) == sum(x.credit for x in move.lines) == 500_000
    claim.recover(25_000_000, TODAY, TODAY)
    assert claim.status == "recovered" and claim.remaining == 0 and claim.recovery_rate == 1.0
    assert claim.recovery_problem(1, TODAY, TODAY) == "the claim is closed"


def test_write_off_waits_for_the_limitation_period_which_each_payment_restarts() -> None:
    claim = Claim(10_000_000, PAID)
    assert limitation_ends(PAID, None) == date(2031, 3, 31)
    claim.recover(1_000_000, date(2027, 2, 28), date(2027, 3, 1))
    assert claim.limitation_ends() == date(2032, 2, 28)
    assert claim.write_off_problem(date(2032, 2, 27), "limitation") == "the limitation period runs until 2032-02-28"
    assert claim.write_off_problem(date(2030, 1, 1), "whim") == "unknown reason 'whim'"
    assert claim.write_off_problem(date(2030, 1, 1), "bankruptcy_discharge") == ""
    move = claim.write_off(date(2032, 2, 28), "limitation")
    assert move.amount == 9_000_000 and claim.status == "written_off" and claim.remaining == 0
    assert {(x.account, x.debit, x.credit) for x in move.lines} == {
        ("claim_written_off", 9_000_000, 0),
        ("recourse_claim", 0, 9_000_000),
    }


# ---- the restart track (재도전) -------------------------------------------------------------------


def test_a_claims_standing_follows_its_plan() -> None:
    from seoul.guarantee.engine.claims import standing, worst

    claim = Claim(1_200_000, PAID)
    assert standing(claim, [], TODAY) == "no_plan"
    rows = plan(1_200_000, 12, date(2026, 10, 31))  # 100,000 a month; Oct and Nov due by TODAY
    claim.recover(100_000, date(2026, 11, 1), TODAY)
    assert standing(claim, rows, TODAY) == "behind"
    claim.recover(100_000, TODAY, TODAY)
    assert standing(claim, rows, TODAY) == "kept"
    assert worst(["kept", "behind", "recovered"]) == "behind" and worst([]) == "none"


@pytest.mark.parametrize(
    ("standing", "attested", "product", "expected"),
    [
        ("none", frozenset(), "regular", set()),
        ("behind", frozenset(), "regular", {"claim_with_foundation_unpaid"}),
        ("no_plan", frozenset({"restart_programme_completed"}), "rechallenge", {"claim_with_foundation_unpaid"}),
        ("kept", frozenset(), "regular", {"claim_with_foundation_restart_only"}),
        ("kept", frozenset(), "rechallenge", {"restart_programme_not_completed"}),
        ("kept", frozenset({"restart_programme_completed"}), "rechallenge", set()),
        ("written_off", frozenset({"restart_programme_completed"}), "rechallenge", set()),
        ("recovered", frozenset(), "regular", set()),
        (
            "none",
            frozenset({"restart_programme_completed"}),
            "rechallenge",
            {"no_prior_closure", "too_many_months_in_business"},
        ),
    ],
)
def test_the_restart_guarantee_needs_a_kept_plan_and_a_completed_restart_programme(
    standing: str, attested: frozenset[str], product: str, expected: set[str]
) -> None:
    from seoul.guarantee.engine.screening import screen
    from seoul.guarantee.tests.test_engine import good_facts

    facts = good_facts(claim_standing=standing, attested=attested)
    reasons = set(screen(facts, product, 10_000_000, TODAY).reasons)
    restart = {
        "claim_with_foundation_unpaid",
        "claim_with_foundation_restart_only",
        "restart_programme_not_completed",
        "no_prior_closure",
        "too_many_months_in_business",
    }
    assert reasons & restart == expected
