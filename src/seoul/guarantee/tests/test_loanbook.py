"""The loan book after the bank pays out (issue 18): the schedule's arithmetic, refusals that
change nothing, and the property that whatever order and however often the bank's webhooks
arrive, the guarantee balance, the ledger and the bank's statement agree."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seoul.guarantee.engine.loanbook import (
    LoanBook,
    LoanEvent,
    Statement,
    Terms,
    add_months,
    reconcile,
    schedule,
)

START = date(2026, 3, 31)


# ---- the schedule -------------------------------------------------------------------------------


def test_a_year_of_grace_then_four_years_of_equal_principal() -> None:
    terms = Terms(100_000_000, Decimal("0.036"), term_months=60, grace_months=12)
    plan = schedule(terms, START)
    assert len(plan) == 60
    assert all(i.principal == 0 for i in plan[:12])
    assert plan[0].interest == 300_000  # 100 M × 3.6 % / 12
    assert {i.principal for i in plan[12:59]} == {100_000_000 // 48}
    assert sum(i.principal for i in plan) == 100_000_000 and plan[-1].outstanding_after == 0
    assert plan[12].interest == 300_000 and plan[13].interest == 293_750  # on 97,916,667 owed, won dropped
    # month ends are kept: 31 March → 30 April → 31 May; February in a leap year
    assert [i.due for i in plan[:3]] == [date(2026, 4, 30), date(2026, 5, 31), date(2026, 6, 30)]
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28) and add_months(date(2028, 1, 31), 1).day == 29


def test_annuity_instalments_are_level_and_bullet_pays_at_the_end() -> None:
    annuity = schedule(Terms(50_000_000, Decimal("0.048"), term_months=36, method="annuity"), START)
    totals = {i.total for i in annuity[:-1]}
    assert max(totals) - min(totals) <= 1  # level, to the won (rounding)
    assert sum(i.principal for i in annuity) == 50_000_000
    assert annuity[0].interest > annuity[-1].interest
    bullet = schedule(Terms(20_000_000, Decimal("0.03"), term_months=12, method="bullet"), START)
    assert [i.principal for i in bullet] == [0] * 11 + [20_000_000]
    assert {i.interest for i in bullet} == {50_000}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"principal": 0}, "principal must be positive"),
        ({"annual_rate": Decimal("1.2")}, "annual_rate"),
        ({"grace_months": 60}, "grace_months"),
        ({"method": "balloon"}, "method must be one of"),
    ],
)
def test_bad_terms_are_refused(changes: dict[str, object], message: str) -> None:
    base = {"principal": 1_000_000, "annual_rate": Decimal("0.03"), "term_months": 60, "grace_months": 12}
    with pytest.raises(ValueError, match=message):
        Terms(**{**base, **changes})  # type: ignore[arg-type]


# ---- refusals ------------------------------------------------------------------------------------


def _event(seq: int, kind: str, principal: int = 0, interest: int = 0, **more: object) -> LoanEvent:
    return LoanEvent(f"ev-{seq}-{kind}", "L1", seq, kind, START + timedelta(days=30 * seq), principal, interest, **more)  # type: ignore[arg-type]


def _book() -> LoanBook:
    return LoanBook("L1", Decimal("0.85"), limit=50_000_000)


def test_bad_events_are_refused_with_a_reason_and_change_nothing() -> None:
    book = _book()
    assert book.deliver(_event(1, "disbursed", 60_000_000)).reason.startswith("60,000,000 won is more than")
    assert book.deliver(_event(1, "disbursed", 40_000_000)).status == "applied"
    before = (book.statement(), book.balances(), len(book.entries))
    refusals = {
        "unknown loan": replace(_event(2, "repaid", 1_000), loan_id="L9"),
        "more than outstanding": _event(2, "repaid", 40_000_001),
        "not in arrears": _event(2, "cured"),
        "negative": _event(2, "repaid", -5),
        "second disbursement": _event(2, "disbursed", 1_000),
        "already applied": replace(_event(1, "repaid", 1_000), event_id="other"),
        "same id, other figures": replace(_event(1, "disbursed", 39_000_000)),
    }
    for name, event in refusals.items():
        outcome = book.deliver(event)
        assert outcome.status == "refused" and outcome.reason, name
        assert (book.statement(), book.balances(), len(book.entries)) == before, name
    assert "more than the 40,000,000 won outstanding" in book.deliver(_event(2, "repaid", 40_000_001)).reason


def test_an_early_event_waits_for_the_gap_and_a_repeat_changes_nothing() -> None:
    book = _book()
    later = _event(2, "repaid", 1_000_000, 100_000)
    assert book.deliver(later).status == "parked" and book.outstanding == 0
    assert book.deliver(later).status == "duplicate"
    outcome = book.deliver(_event(1, "disbursed", 10_000_000))
    assert outcome.status == "applied" and outcome.applied == (1, 2)
    assert book.outstanding == 9_000_000 and book.guarantee_balance == 7_650_000
    assert book.deliver(later).status == "duplicate" and book.outstanding == 9_000_000
    assert book.deliver(_event(3, "prepaid", 9_000_000)).status == "applied" and book.status == "closed"
    assert book.guarantee_balance == 0 and book.balances()["guarantee_exposure"] == 0
    assert book.deliver(_event(4, "arrears", days_overdue=3)).reason == "the loan is closed: no arrears after that"


# ---- the property: any order, any repeats ------------------------------------------------------


@dataclass
class Bank:
    """The bank's side: a valid history of one loan and its statement after each event."""

    loan_id: str
    events: list[LoanEvent] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)


def _bank_history(draw: st.DrawFn, loan_id: str, limit: int) -> Bank:
    bank = Bank(loan_id)
    status, disbursed, repaid, interest, subrogated = "active", draw(st.integers(1, limit)), 0, 0, 0
    day = date(2026, 1, 5)
    extensions, term = 0, None

    def add(kind: str, principal: int = 0, paid_interest: int = 0, days: int = 0, maturity: date | None = None) -> None:
        seq = len(bank.events) + 1
        bank.events.append(
            LoanEvent(f"{loan_id}-{seq}", loan_id, seq, kind, day, principal, paid_interest, days, maturity)
        )
        outstanding = disbursed - repaid - subrogated
        bank.statements.append(
            Statement(loan_id, seq, status, disbursed, repaid, interest, outstanding, subrogated, extensions, term)
        )

    add("disbursed", disbursed)
    for _ in range(draw(st.integers(0, 12))):
        day += timedelta(days=30)
        outstanding = disbursed - repaid
        choices = ["repaid", "prepaid", "arrears", "defaulted"] + (["cured"] if status == "arrears" else ["extended"])
        kind = draw(st.sampled_from(choices))
        if kind in ("repaid", "prepaid"):
            principal = draw(st.integers(0, outstanding))
            paid = draw(st.integers(0 if principal else 1, 500_000))
            repaid, interest = repaid + principal, interest + paid
            status = "closed" if disbursed == repaid else status
            add(kind, principal, paid)
        elif kind == "arrears":
            status = "arrears"
            add(kind, days=draw(st.integers(1, 120)))
        elif kind == "cured":
            status = "active"
            add(kind)
        elif kind == "extended":  # the term moves a year on; no money moves
            extensions, term = extensions + 1, max(day, term or day) + timedelta(days=365)
            add(kind, maturity=term)
        else:
            status = "defaulted"
            add(kind)
            if draw(st.booleans()):  # the foundation pays its share and the bank confirms it
                day += timedelta(days=60)
                subrogated, status = int(Decimal("0.85") * (disbursed - repaid)), "subrogated"
                if subrogated:
                    add("subrogated", subrogated)
                else:
                    subrogated, status = 0, "defaulted"
        if status in ("closed", "defaulted", "subrogated"):
            break
    return bank


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[list[Bank], list[LoanEvent]]:
    banks = [_bank_history(draw, f"L{i}", 100_000_000) for i in range(draw(st.integers(1, 3)))]
    sent = [e for b in banks for e in b.events]
    sent += draw(st.lists(st.sampled_from(sent), max_size=len(sent)))  # repeats
    order = draw(st.randoms(use_true_random=False))
    order.shuffle(sent)
    return banks, sent


def _agrees(book: LoanBook, bank: Bank) -> None:
    balances = book.balances()
    assert all(entry.balanced for entry in book.entries)
    assert sum(balances.values()) == 0
    assert balances["loan_outstanding"] == book.outstanding
    share = 0 if book.status == "subrogated" else int(Decimal("0.85") * book.outstanding)
    assert balances["guarantee_exposure"] == book.guarantee_balance == share
    assert balances["recourse_claim"] == -balances["foundation_funds"] == book.subrogated
    if book.last_seq:  # the book is the bank's statement as of the last event it applied
        assert book.statement() == bank.statements[book.last_seq - 1]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deliveries())
def test_any_order_and_repeats_end_at_the_banks_statement(case: tuple[list[Bank], list[LoanEvent]]) -> None:
    banks, sent = case
    books = {b.loan_id: LoanBook(b.loan_id, Decimal("0.85"), limit=100_000_000) for b in banks}
    by_id = {b.loan_id: b for b in banks}
    for event in sent:
        outcome = books[event.loan_id].deliver(event)
        assert outcome.status in ("applied", "parked", "duplicate"), outcome
        _agrees(books[event.loan_id], by_id[event.loan_id])
    assert reconcile(books, [b.statements[-1] for b in banks]) == []
    for book in books.values():
        assert not book.parked


def test_reconcile_names_each_difference() -> None:
    book = _book()
    book.deliver(_event(1, "disbursed", 10_000_000))
    bank = Statement("L1", 2, "active", 10_000_000, 1_000_000, 50_000, 9_000_000)
    found = {(d.field, d.ours, d.bank) for d in reconcile({"L1": book}, [bank, replace(bank, loan_id="L2")])}
    assert found == {
        ("last_seq", 1, 2),
        ("principal_repaid", 0, 1_000_000),
        ("interest_paid", 0, 50_000),
        ("outstanding", 10_000_000, 9_000_000),
        ("loan_id", False, True),
    }


def test_a_parked_event_that_cannot_follow_is_dropped_and_named() -> None:
    book = _book()
    assert book.deliver(_event(2, "repaid", 30_000_000)).status == "parked"
    outcome = book.deliver(_event(1, "disbursed", 10_000_000))  # less than the parked repayment
    assert outcome.applied == (1,) and outcome.dropped == 2 and "more than the 10,000,000" in outcome.reason
    assert not book.parked and book.outstanding == 10_000_000


def test_the_foundation_pays_its_share_after_a_default_and_the_guarantee_is_discharged() -> None:
    book = _book()
    book.deliver(_event(1, "disbursed", 40_000_000))
    book.deliver(_event(2, "repaid", 10_000_000, 200_000))
    assert book.deliver(_event(3, "subrogated", 25_500_000)).reason == (
        "the foundation pays its share only after a default"
    )
    assert book.deliver(_event(3, "defaulted")).status == "applied"
    assert book.guarantee_balance == 25_500_000  # 0.85 × 30,000,000
    before = (book.statement(), book.balances())
    for wrong in (25_499_999, 30_000_000):
        outcome = book.deliver(replace(_event(4, "subrogated", wrong), event_id=f"s{wrong}"))
        assert outcome.reason == f"the foundation's share is 25,500,000 won, not {wrong:,} won"
        assert (book.statement(), book.balances()) == before
    assert book.deliver(_event(4, "subrogated", 25_500_000)).status == "applied"
    balances = book.balances()
    assert book.status == "subrogated" and book.outstanding == 4_500_000 and book.guarantee_balance == 0
    assert balances["loan_outstanding"] == 4_500_000  # the bank's own loss to collect
    assert balances["guarantee_exposure"] == balances["guarantee_liability"] == 0
    assert balances["recourse_claim"] == 25_500_000 == -balances["foundation_funds"]
    assert book.statement().subrogation_received == 25_500_000
    assert book.deliver(_event(5, "repaid", 1_000)).reason == "the loan is subrogated: no repaid after that"
