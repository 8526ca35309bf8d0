"""The portfolio after the surge (``engine/portfolio.py``) and ``seoul guarantee simulate --years``:
conservation of money, the zero-default book, monotone losses, determinism, the recovery and
write-off arithmetic, and the CLI's JSON with and without ``--years``. No database."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import numpy as np
import pytest
from click.testing import CliRunner

from seoul.guarantee.cli import group
from seoul.guarantee.engine import portfolio
from seoul.guarantee.engine.catalogue import Catalogue, catalogue
from seoul.guarantee.engine.loanbook import LoanBook, LoanEvent, Terms, schedule
from seoul.guarantee.engine.portfolio import PPM, Assumptions, follow
from seoul.guarantee.engine.simulate import PaidOut, Params, compare

START = date(2020, 3, 2)
PRODUCTS = ("emergency_covid", "regular", "startup", "rechallenge")


def book_of(n: int, seed: int = 1, start: date = START, spread_days: int = 45) -> list[PaidOut]:
    """``n`` loans of the four products paid out over ``spread_days`` from ``start``."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        hours = rng.uniform(0, spread_days * 24)
        out.append(
            PaidOut(
                product=rng.choice(PRODUCTS),
                amount=rng.choice([5, 10, 15, 20, 30, 50]) * 1_000_000 + rng.randrange(0, 100) * 10_000,
                industry=rng.choice(["restaurant", "retail", "it_services"]),
                credit_score=rng.choice([None, *range(595, 1000, 7)]),
                pd=None,
                hours=hours,
                paid_out_on=start + timedelta(days=int(hours // 24)),
            )
        )
    return out


def stressed(scale: float) -> Assumptions:
    return Assumptions(default_scale=scale)


# --- conservation ---------------------------------------------------------------------------


@pytest.mark.parametrize("years", [3, 5, 8])
def test_money_is_conserved_loan_by_loan_and_year_by_year(years: int) -> None:
    loans = book_of(3000)
    p = follow(loans, years=years, start=START, seed=11, assumptions=stressed(3.0))
    b = p.loans
    assert (b.paid_out == b.amount).all()  # all paid out inside the horizon
    assert (b.outstanding == b.paid_out - b.repaid - b.defaulted_principal).all()
    assert (b.subrogation == b.defaulted_principal * b.coverage_ppm // PPM).all()
    expected_ppm = [round(catalogue().products[x.product].coverage * PPM) for x in loans]
    assert b.coverage_ppm.tolist() == expected_ppm
    assert (b.recovered + b.written_off + b.claim == b.subrogation).all()
    assert (b.recovered + b.written_off <= b.subrogation).all()
    assert ((b.default_month >= 0) == (b.subrogation > 0)).all()  # every loan owed something when it fell
    assert b.subrogation.sum() > 0 and b.recovered.sum() > 0

    paid = repaid = defaulted = subrogation = recovered = written = 0
    for y in p.years:
        paid += y.amount_paid_out
        repaid += y.principal_repaid
        defaulted += y.defaulted_principal
        subrogation += y.subrogation
        recovered += y.recoveries
        written += y.write_offs
        assert y.outstanding == paid - repaid - defaulted
        assert y.cumulative_subrogation == subrogation
        assert y.cumulative_loss == subrogation - recovered >= 0
        assert y.claims_outstanding == subrogation - recovered - written
        assert y.pool_used_by_losses == y.cumulative_loss
        assert y.pool_remaining == p.pool - y.cumulative_loss
        assert y.guarantee_balance <= y.outstanding
    assert subrogation == int(b.subrogation.sum()) and recovered == int(b.recovered.sum())
    assert sum(y.new_defaults for y in p.years) == int((b.default_month >= 0).sum())
    assert sum(y.fees_collected for y in p.years) == int(b.fees.sum())


def test_the_book_agrees_with_loanbook_on_outstanding_and_guarantee_balance() -> None:
    """Replaying each loan's instalments due inside the horizon through ``loanbook.LoanBook``
    gives the same outstanding and guarantee balance (floor of coverage × outstanding)."""
    loans = book_of(40, seed=3)
    p = follow(loans, years=2, start=START, assumptions=stressed(0.0))
    end = date(2022, 3, 1)  # the horizon: 24 months from March 2020
    for i, loan in enumerate(loans):
        cover = Decimal(str(catalogue().products[loan.product].coverage))
        book = LoanBook(f"L{i}", coverage=cover, limit=loan.amount)
        book.deliver(LoanEvent(f"L{i}-1", f"L{i}", 1, "disbursed", loan.paid_out_on, principal=loan.amount))
        seq = 1
        terms = Terms(loan.amount, Decimal("0.02"), 60, 12)
        for instalment in schedule(terms, loan.paid_out_on):
            if instalment.due >= end or instalment.principal == 0:
                continue
            seq += 1
            event = LoanEvent(f"L{i}-{seq}", f"L{i}", seq, "repaid", instalment.due, principal=instalment.principal)
            assert book.deliver(event).status == "applied"
        assert int(p.loans.outstanding[i]) == book.outstanding
        guarantee = int(p.loans.outstanding[i] * p.loans.coverage_ppm[i] // PPM)
        assert guarantee == book.guarantee_balance
    assert p.years[-1].guarantee_balance == sum(
        int(o * c // PPM) for o, c in zip(p.loans.outstanding, p.loans.coverage_ppm, strict=True)
    )


# --- defaults ------------------------------------------------------------------------------


def test_no_default_no_subrogation_and_every_loan_repaid_at_term() -> None:
    loans = book_of(500)
    p = follow(loans, years=6, start=START, assumptions=stressed(0.0))
    assert all(y.new_defaults == 0 and y.subrogation == 0 and y.cumulative_loss == 0 for y in p.years)
    assert p.years[4].outstanding > 0  # loans of March 2020 owe their last instalment in March 2025
    last = p.years[-1]
    assert last.outstanding == 0 and last.loans_active == 0 and last.guarantee_balance == 0
    assert (p.loans.repaid == p.loans.amount).all()
    assert p.years[0].principal_repaid == 0  # the first year is grace
    assert last.pool_remaining == p.pool


def test_a_higher_default_rate_loses_more() -> None:
    loans = book_of(4000, seed=5)
    runs = [follow(loans, years=5, start=START, seed=9, assumptions=stressed(s)) for s in (0.5, 1.0, 2.0, 4.0)]
    losses = [r.years[-1].cumulative_loss for r in runs]
    defaults = [int((r.loans.default_month >= 0).sum()) for r in runs]
    assert losses == sorted(losses) and len(set(losses)) == 4, losses
    assert defaults == sorted(defaults) and len(set(defaults)) == 4, defaults
    for lower, higher in pairwise(runs):  # the same draws: a loan falls no later
        fell = lower.loans.default_month >= 0
        assert (higher.loans.default_month[fell] >= 0).all()
        assert (higher.loans.default_month[fell] <= lower.loans.default_month[fell]).all()


def test_the_portfolio_default_rate_is_the_published_one() -> None:
    """Loans paid out on 1 January 2023, followed a year in grace: subrogation ÷ guarantee balance
    is 2023's 3.87 % (defaults start in the second month, so about 11/12 of it)."""
    start = date(2023, 1, 1)
    loans = book_of(20_000, seed=8, start=start, spread_days=1)
    for scores in ([900], [750], [600, 900]):  # one band, another, two: the mean is the published rate
        book = [replace(x, credit_score=scores[i % len(scores)]) for i, x in enumerate(loans)]
        rate = follow(book, years=1, start=start, seed=4).years[0].default_rate
        assert rate is not None and 0.030 < rate < 0.042, (scores, rate)
    mixed = follow([replace(x, credit_score=[600, 900][i % 2]) for i, x in enumerate(loans)], years=1, start=start)
    low = mixed.loans.default_month[0::2] >= 0  # band C falls about four times as often as band A
    high = mixed.loans.default_month[1::2] >= 0
    assert 2.5 < low.mean() / high.mean() < 6


def test_bands() -> None:
    a = Assumptions()
    assert [a.band_of(s) for s in (1000, 840, 839, 700, 699, 595, None)] == ["A", "A", "B", "B", "C", "C", "C"]
    assert a.rate_in(2019) == a.rate_in(2020) and a.rate_in(2030) == a.rate_in(2025) == 0.0507
    with pytest.raises(ValueError, match="band_multipliers"):
        Assumptions(band_multipliers={"A": 1.0})
    with pytest.raises(ValueError, match="default_scale"):
        Assumptions(default_scale=-1)


def test_the_same_seed_gives_the_same_book_and_another_seed_another() -> None:
    loans = book_of(1000)
    one = follow(loans, years=5, start=START, seed=1)
    again, other = follow(loans, years=5, start=START, seed=1), follow(loans, years=5, start=START, seed=2)
    assert again.as_json() == one.as_json() and (again.loans.default_month == one.loans.default_month).all()
    assert other.years != one.years and (other.loans.default_month != one.loans.default_month).any()


# --- recoveries, write-offs, fees -------------------------------------------------------------


def test_claims_are_recovered_monthly_and_written_off_after_sixty_months() -> None:
    loans = book_of(2000, seed=6)
    months = 12 * 9
    p = follow(loans, years=9, start=START, seed=3, assumptions=stressed(3.0))
    b = p.loans
    monthly = round((1 - (1 - portfolio.ANNUAL_RECOVERY_RATE) ** (1 / 12)) * PPM) / PPM
    fell = np.flatnonzero(b.default_month >= 0)
    assert len(fell) > 100
    for i in fell:
        k = min(60, months - 1 - int(b.default_month[i]))
        share = 1 - (1 - monthly) ** k
        assert abs(int(b.recovered[i]) - int(b.subrogation[i]) * share) <= k + 1  # a won dropped a month at most
        if k == 60:
            assert b.claim[i] == 0 and b.written_off[i] == b.subrogation[i] - b.recovered[i] > 0
        else:
            assert b.written_off[i] == 0 and b.claim[i] > 0
    assert p.years[-1].cumulative_write_offs > 0


def test_fees_at_payout_and_each_anniversary_on_the_guarantee_balance() -> None:
    cat = catalogue()
    product = replace(cat.products["emergency_covid"], coverage=1.0, fee_rate=0.005)
    test_cat = replace(cat, products={**cat.products, "emergency_covid": product})
    assert isinstance(test_cat, Catalogue)
    loan = PaidOut("emergency_covid", 20_000_000, "retail", 800, None, 10.0, START)
    p = follow([loan], years=6, start=START, cat=test_cat, assumptions=stressed(0.0))
    # 20 M for two fee years (grace), then 48 instalments of 416,666 won (the last takes the rest)
    balances = [20_000_000, 20_000_000, 20_000_000 - 12 * 416_666, 20_000_000 - 24 * 416_666, 20_000_000 - 36 * 416_666]
    assert int(p.loans.fees[0]) == sum(b * 5 // 1000 for b in balances) == 350_000
    assert [y.fees_collected for y in p.years] == [100_000, 100_000, 75_000, 50_000, 25_000, 0]


def test_bad_input_is_refused() -> None:
    loans = book_of(3)
    with pytest.raises(ValueError, match="years"):
        follow(loans, years=0, start=START)
    with pytest.raises(ValueError, match="before the start month"):
        follow(loans, years=1, start=date(2020, 4, 1))


# --- the surge's loans and the CLI --------------------------------------------------------------


def test_recording_the_loans_changes_nothing_in_the_surge() -> None:
    params = Params(applications_per_day=150, examiners=6, days=3, seed=7)
    loans: list[PaidOut] = []
    with_loans = compare(params, paid_out=loans)
    assert with_loans == compare(params)
    assert len(loans) == with_loans["with_automation"]["approved"] == with_loans["without_automation"]["approved"]
    assert all(x.paid_out_on >= params.start and x.amount > 0 and x.pd is not None for x in loans)
    p = follow(loans, years=5, start=params.start, seed=params.seed)
    assert p.years[0].loans_paid_out == len(loans)


SURGE = ["simulate", "--applications-per-day", "120", "--examiners", "4", "--days", "3", "--seed", "5"]


def test_simulate_without_years_is_unchanged() -> None:
    runner = CliRunner()
    result = runner.invoke(group, [*SURGE, "--json"])
    assert result.exit_code == 0, result.output
    expected = compare(Params(applications_per_day=120, examiners=4, days=3, seed=5))
    assert result.output == json.dumps(expected) + "\n"
    text = runner.invoke(group, SURGE).output
    assert "median hours to loan" in text and "year 1" not in text and "pool" not in text
    assert len(text.splitlines()) == 12


def test_simulate_years_json_and_table() -> None:
    runner = CliRunner()
    result = runner.invoke(group, [*SURGE, "--json", "--years", "6", "--pool", "1000000000"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["with_automation", "without_automation", "portfolio"]
    book = data["portfolio"]
    assert book["run"] == "with_automation" and book["loans"] == data["with_automation"]["approved"]
    assert book["horizon_years"] == 6 and len(book["by_year"]) == 6 and book["pool"] == 1_000_000_000
    assert book["start_month"] == "2020-03" and book["assumptions"]["annual_default_rates"]["2023"] == 0.0387
    first, last = book["by_year"][0], book["by_year"][-1]
    assert set(portfolio.YEAR_FIGURES) <= set(first)
    assert first["first_month"] == "2020-03" and first["last_month"] == "2021-02"
    assert first["loans_paid_out"] == book["loans"] and first["amount_paid_out"] == book["amount_paid_out"]
    assert last["outstanding"] == 0 and last["loans_active"] == 0
    repaid = sum(y["principal_repaid"] for y in book["by_year"])
    defaulted = sum(y["defaulted_principal"] for y in book["by_year"])
    assert repaid + defaulted == book["amount_paid_out"]
    assert last["pool_remaining"] == 1_000_000_000 - last["cumulative_loss"]
    assert book["final_cumulative_loss"] == last["cumulative_loss"] >= 0

    table = runner.invoke(group, [*SURGE, "--years", "2"])
    assert table.exit_code == 0, table.output
    assert "year 1" in table.output and "year 2" in table.output and "pool: remaining" in table.output
    assert "median hours to loan" in table.output


def test_simulate_years_options() -> None:
    runner = CliRunner()
    assert runner.invoke(group, [*SURGE, "--pool", "5"]).exit_code == 2  # --pool needs --years
    assert runner.invoke(group, [*SURGE, "--years", "0"]).exit_code == 2
    calm = json.loads(runner.invoke(group, [*SURGE, "--json", "--years", "3", "--default-scale", "0"]).output)
    assert all(y["subrogation"] == 0 for y in calm["portfolio"]["by_year"])


def test_the_loans_follow_their_products_terms_from_the_products_file() -> None:
    from seoul.guarantee.engine.portfolio import Plan, product_plans

    plans = product_plans(catalogue(), Plan(annual_rate=Decimal("0.03")))
    regular = catalogue().products["regular"].loan
    assert regular is not None
    assert (plans["regular"].term_months, plans["regular"].grace_months) == (regular.term_months, regular.grace_months)
    assert plans["regular"].annual_rate == Decimal("0.03")  # on the bank's reference: the default's rate
    assert plans["rechallenge"].annual_rate == Decimal(str(catalogue().products["rechallenge"].loan.rate))  # type: ignore[union-attr]
