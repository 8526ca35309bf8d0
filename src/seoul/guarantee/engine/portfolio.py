"""The portfolio after the surge (issue 18): the loans the surge paid out, followed month by month
for N years — repayments, defaults, the foundation's subrogation (대위변제), what it recovers from
the businesses (구상채권 회수) and writes off, the guarantee fees it collects — and what that does
to the budget pool the city put in.

Each loan (a :class:`~seoul.guarantee.engine.simulate.PaidOut`) is repaid on its schedule from
``loanbook.schedule``. Every month an active loan (paid out at least a month ago, principal still
owed) defaults with its monthly hazard; then the foundation pays the bank ``floor(coverage ×
outstanding principal)`` (the guarantee balance of the loan; the interest in arrears is left out)
and holds that amount as a claim on the business. The claim is recovered at a constant monthly
rate for ``write_off_months`` and what is left is then written off. The guarantee fee is collected
at the payout and at every anniversary: ``floor(fee rate × guarantee balance)``. Money is whole won
(``int64``); the loans are columns of numpy arrays and the months a loop, so 10,000 loans × 5
years take well under a second. The default draws come from ``numpy.random.default_rng(seed)``,
one uniform number per loan and month whatever the loan's state, so the same seed gives the same
book, and a higher default rate makes each loan default no later than it did.

Rates, with their sources (press reports of the figures the Korea Federation of Credit Guarantee
Foundations, 신용보증재단중앙회, gave to members of the National Assembly; "derived" and
"assumption" mark what is not a published figure):

* **Default (subrogation) rate by calendar year** — the 대위변제율 of the 17 regional credit
  guarantee foundations' general guarantees, net subrogation ÷ guarantee balance: 2021 1.01 %,
  2023 3.87 %, 2024 5.66 %, 2025 5.07 % (이코노믹데일리, 2026-02-16,
  https://m.economidaily.com/amp/20260216144839422). 2020 1.1 % and 2022 1.2 % are *derived*
  from the amounts — 442.0 bn won (2020), 430.3 bn (2021), 507.6 bn (2022), 1,712.6 bn (2023)
  (서울경제, https://m.sedaily.com/NewsViewAmp/2DBYESMWTE; Asia Economy 2024-07-01,
  https://cm.asiae.co.kr/en/article/2024070111440170596) — against the balance the 2021 and
  2023 rates imply (about 42.6 and 44.2 tn won). Years after 2025 keep 2025's rate
  (*assumption*). The rate is the whole book's; the 2020 cohort's own rate is not published. It
  is applied as each loan's probability of defaulting in that year (monthly hazard
  ``1 − (1 − p)^(1/12)``), spread over risk bands (below) so that the portfolio's amount-weighted
  mean is the published rate.
* **Risk bands** by the representative's personal credit score: A ≥ 840, B 700–839, C below 700
  (595 is the eligibility floor; 839 is the "mid or low credit" line of the 2024–25 programmes,
  Asia Economy 2024-12-06 and 2025-07-31); relative default rates A 0.5, B 1, C 2 (*assumption*:
  no per-band subrogation figures are published; the platform's scorecard doubles the odds every
  40 points). An unknown score is band C.
* **Recovery** — the regional foundations' yearly 대위변제 회수율 was 6–7 % (2019), 4.49 % (2023),
  7.3 % (2024), 4.22 % (2025) (이코노믹데일리, above); the model recovers 5.3 % a year (the mean of
  2023–2025) of each open claim, monthly, i.e. about 24 % of a claim in 5 years (KODIT reported
  2.7 % and KOTEC 4.98 % for 2025: Chosun Biz 2026-01-19).
* **Write-off** after 60 months: a claim for reimbursement (구상금) arising from a guarantee that is
  a commercial act of the business (a merchant securing a business debt) prescribes in 5 years
  (상법 제64조; 서울고등법원 2018. 4. 3. 선고 2017나2068180). A foundation that sues or obtains
  a payment order extends it to 10 years (민법 제165조), and some courts have held 10 years for
  publicly funded guarantee funds, so 5 years is the earliest write-off (a parameter).
* **Loan terms** — each product's `loan` in the products file (term, grace, repayment; its fixed
  rate), else 1 year of grace (interest only), then 4 years of equal principal (원금균등), 2 %
  a year — also the rate of a loan on the bank's reference rate. *Assumption*: the terms of Seoul's 2020 emergency fund were not found; Seoul
  Credit Guarantee Foundation special guarantees of the time were 1 year grace + 4 years equal
  instalments (용산구 2021, Asia Economy 2021-05-10), 1 year grace + 4 or 5 years at a fixed
  1.4 % (중구 2020, Asia Economy 2020-07-11), five years in all (Seoul's 2021 "four-free" loans,
  english.seoul.go.kr). The rate only shapes the schedule's interest, not the guarantee figures.
* **Pool** — 500 bn won, issue 18's figure for the 2020 emergency fund (a parameter): the city's
  money behind the guarantees. ``pool_committed`` is the guarantees paid out so far,
  ``pool_used_by_losses`` the cumulative loss (subrogation − recoveries), ``pool_remaining`` the
  pool less that loss (fees are reported, not added).

The engine is plain Python and numpy (no Django).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from seoul.guarantee.engine.catalogue import Catalogue, catalogue
from seoul.guarantee.engine.loanbook import Terms, schedule
from seoul.guarantee.engine.simulate import PaidOut

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
PPM = 1_000_000  # coverage, fee and recovery rates are held in millionths, so money stays whole won

#: 대위변제율 of the regional credit guarantee foundations by calendar year (see the docstring).
ANNUAL_DEFAULT_RATES: dict[int, float] = {
    2020: 0.011,
    2021: 0.0101,
    2022: 0.012,
    2023: 0.0387,
    2024: 0.0566,
    2025: 0.0507,
}
#: (lowest credit score, band) from the best band down; a score below every bound is the last band.
BANDS: tuple[tuple[int, str], ...] = ((840, "A"), (700, "B"), (0, "C"))
BAND_MULTIPLIERS: dict[str, float] = {"A": 0.5, "B": 1.0, "C": 2.0}
ANNUAL_RECOVERY_RATE = 0.053
WRITE_OFF_MONTHS = 60
DEFAULT_POOL = 500_000_000_000


@dataclass(frozen=True)
class Plan:
    """A product's loan: ``term_months`` in all, the first ``grace_months`` interest only, then
    repaid by ``method`` (``loanbook.METHODS``) at ``annual_rate``."""

    term_months: int = 60
    grace_months: int = 12
    method: str = "equal_principal"
    annual_rate: Decimal = Decimal("0.02")


def product_plans(cat: Catalogue, default: Plan) -> dict[str, Plan]:
    """Each product's loan as the products file gives it (term, grace, method; its fixed rate,
    else ``default``'s rate — a rate on the bank's reference is not known here)."""
    return {
        code: Plan(
            term_months=p.loan.term_months,
            grace_months=p.loan.grace_months,
            method=p.loan.method,
            annual_rate=Decimal(str(p.loan.rate)) if p.loan.rate is not None else default.annual_rate,
        )
        for code, p in cat.products.items()
        if p.loan is not None
    }


@dataclass(frozen=True)
class Assumptions:
    """Every rate of the model (the module docstring gives their sources). ``default_scale``
    multiplies the default rates (a stress: 0 means no default); ``industry_multipliers``
    (industry code → relative default rate, 1 if absent) is empty: no per-industry subrogation
    figures were found. ``plans``: a product's loan terms, over those of the products file
    (:func:`product_plans`); ``default_plan`` for a product with neither."""

    annual_default_rates: Mapping[int, float] = field(default_factory=lambda: dict(ANNUAL_DEFAULT_RATES))
    bands: tuple[tuple[int, str], ...] = BANDS
    band_multipliers: Mapping[str, float] = field(default_factory=lambda: dict(BAND_MULTIPLIERS))
    industry_multipliers: Mapping[str, float] = field(default_factory=dict)
    default_scale: float = 1.0
    annual_recovery_rate: float = ANNUAL_RECOVERY_RATE
    write_off_months: int = WRITE_OFF_MONTHS
    default_plan: Plan = Plan()
    plans: Mapping[str, Plan] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = []
        if not self.annual_default_rates:
            problems.append("annual_default_rates needs at least one year")
        if any(not 0 <= r < 1 for r in self.annual_default_rates.values()):
            problems.append("annual default rates are fractions in [0, 1)")
        if self.default_scale < 0:
            problems.append("default_scale cannot be negative")
        if not 0 <= self.annual_recovery_rate < 1:
            problems.append("annual_recovery_rate is a fraction in [0, 1)")
        if self.write_off_months < 1:
            problems.append("write_off_months is at least 1")
        if set(self.band_multipliers) != {band for _, band in self.bands}:
            problems.append("band_multipliers needs one value per band")
        if problems:
            raise ValueError("invalid assumptions: " + "; ".join(problems))

    def rate_in(self, year: int) -> float:
        """The annual default rate of a calendar year (the nearest year given, outside the table)."""
        known = sorted(self.annual_default_rates)
        return self.annual_default_rates[min(max(year, known[0]), known[-1])]

    def band_of(self, credit_score: int | None) -> str:
        if credit_score is not None:
            for lowest, band in self.bands:
                if credit_score >= lowest:
                    return band
        return self.bands[-1][1]

    def as_json(self) -> dict[str, object]:
        plans = {"*": self.default_plan, **self.plans}
        return {
            "annual_default_rates": {str(y): r for y, r in sorted(self.annual_default_rates.items())},
            "default_rates_after_the_table": "the last year's rate",
            "default_scale": self.default_scale,
            "bands": {band: {"min_credit_score": lowest} for lowest, band in self.bands},
            "band_multipliers": dict(self.band_multipliers),
            "industry_multipliers": dict(self.industry_multipliers),
            "annual_recovery_rate": self.annual_recovery_rate,
            "write_off_months": self.write_off_months,
            "loan_terms": {
                code: {
                    "term_months": p.term_months,
                    "grace_months": p.grace_months,
                    "method": p.method,
                    "annual_rate": float(p.annual_rate),
                }
                for code, p in plans.items()
            },
            "sources": "docs/guarantee.md, 'The portfolio after the surge'",
        }


#: The figures of one year, in the order the text table shows them.
YEAR_FIGURES = (
    "loans_paid_out",
    "amount_paid_out",
    "loans_active",
    "outstanding",
    "guarantee_balance",
    "principal_repaid",
    "fees_collected",
    "new_defaults",
    "defaulted_principal",
    "subrogation",
    "recoveries",
    "write_offs",
    "claims_outstanding",
    "cumulative_subrogation",
    "cumulative_recoveries",
    "cumulative_write_offs",
    "cumulative_fees",
    "cumulative_loss",
    "default_rate",
    "recovery_rate",
    "pool",
    "pool_committed",
    "pool_used_by_losses",
    "pool_remaining",
)


@dataclass(frozen=True)
class Year:
    """One year (12 months from the start month, ``first``–``last`` as ``YYYY-MM``) of the book.
    Stocks (``loans_active``, ``outstanding``, ``guarantee_balance``, ``claims_outstanding``,
    cumulative figures and the pool) are at the year's end; the others are the year's flows.
    ``default_rate``: subrogation ÷ the mean month-start guarantee balance (as the foundations
    report 대위변제율); ``recovery_rate``: recoveries ÷ (claims at the start + subrogation)."""

    year: int
    first: str
    last: str
    loans_paid_out: int
    amount_paid_out: int
    loans_active: int
    outstanding: int
    guarantee_balance: int
    principal_repaid: int
    fees_collected: int
    new_defaults: int
    defaulted_principal: int
    subrogation: int
    recoveries: int
    write_offs: int
    claims_outstanding: int
    cumulative_subrogation: int
    cumulative_recoveries: int
    cumulative_write_offs: int
    cumulative_fees: int
    cumulative_loss: int
    default_rate: float | None
    recovery_rate: float | None
    pool: int
    pool_committed: int
    pool_used_by_losses: int
    pool_remaining: int

    def as_json(self) -> dict[str, object]:
        return {"year": self.year, "first_month": self.first, "last_month": self.last} | {
            name: getattr(self, name) for name in YEAR_FIGURES
        }


@dataclass(frozen=True)
class Loans:
    """Each loan's totals over the horizon (arrays in the order of the loans given); what the
    conservation tests read. ``default_month``: the month index (0 = the start month) the loan
    defaulted, −1 if it did not."""

    amount: I64
    coverage_ppm: I64
    paid_out: I64
    repaid: I64
    defaulted_principal: I64
    subrogation: I64
    recovered: I64
    written_off: I64
    fees: I64
    outstanding: I64
    claim: I64
    default_month: I64


@dataclass(frozen=True)
class Portfolio:
    start: date
    horizon_years: int
    seed: int
    pool: int
    assumptions: Assumptions
    years: list[Year]
    loans: Loans

    def as_json(self) -> dict[str, object]:
        n = len(self.loans.amount)
        last = self.years[-1] if self.years else None
        return {
            "start_month": f"{self.start:%Y-%m}",
            "horizon_years": self.horizon_years,
            "seed": self.seed,
            "loans": n,
            "amount_paid_out": int(self.loans.paid_out.sum()),
            "guaranteed_at_payout": _guaranteed(self.loans.paid_out, self.loans.coverage_ppm),
            "pool": self.pool,
            "pool_exhausted_in_year": next((y.year for y in self.years if y.pool_remaining < 0), None),
            "final_cumulative_loss": last.cumulative_loss if last else 0,
            "final_loss_rate": round(last.cumulative_loss / int(self.loans.paid_out.sum()), 5)
            if last and self.loans.paid_out.sum()
            else None,
            "assumptions": self.assumptions.as_json(),
            "by_year": [y.as_json() for y in self.years],
        }


def _guaranteed(principal: I64, coverage_ppm: I64) -> int:
    return int((principal * coverage_ppm // PPM).sum())


def _month_index(start: date, day: date) -> int:
    return (day.year - start.year) * 12 + day.month - start.month


def _month_label(start: date, index: int) -> tuple[int, str]:
    month0 = start.month - 1 + index
    year, month = start.year + month0 // 12, month0 % 12 + 1
    return year, f"{year:04d}-{month:02d}"


def _ppm(x: float) -> int:
    return round(x * PPM)


def follow(
    loans: Sequence[PaidOut],
    *,
    years: int,
    start: date,
    seed: int = 2020,
    pool: int = DEFAULT_POOL,
    cat: Catalogue | None = None,
    assumptions: Assumptions | None = None,
) -> Portfolio:
    """Follows ``loans`` (paid out on or after ``start``'s month) for ``years`` years of 12 months
    from ``start``'s month; coverage and fee rate from each loan's product in ``cat``."""
    if years < 1:
        raise ValueError("years must be at least 1")
    if pool < 0:
        raise ValueError("pool cannot be negative")
    cat = cat or catalogue()
    a = assumptions or Assumptions()
    n = len(loans)
    months = 12 * years
    amount = np.array([x.amount for x in loans], dtype=np.int64)
    if n and int(amount.min()) <= 0:
        raise ValueError("every loan has a positive amount")
    coverage = np.array([_ppm(cat.products[x.product].coverage) for x in loans], dtype=np.int64)
    fee_rate = np.array([_ppm(cat.products[x.product].fee_rate) for x in loans], dtype=np.int64)
    month0 = np.array([_month_index(start, x.paid_out_on) for x in loans], dtype=np.int64)
    if n and int(month0.min()) < 0:
        raise ValueError("a loan was paid out before the start month")

    # The schedules: one per distinct (amount, plan), padded with zeros to the longest term.
    plans = {**product_plans(cat, a.default_plan), **a.plans}
    plan_of = [plans.get(x.product, a.default_plan) for x in loans]
    keys: dict[tuple[int, Plan], int] = {}
    key_index = np.array([keys.setdefault((x.amount, p), len(keys)) for x, p in zip(loans, plan_of, strict=True)])
    longest = max((p.term_months for _, p in keys), default=1)
    table = np.zeros((max(1, len(keys)), longest), dtype=np.int64)
    for (principal, plan), k in keys.items():
        terms = Terms(principal, plan.annual_rate, plan.term_months, plan.grace_months, plan.method)
        table[k, : plan.term_months] = [i.principal for i in schedule(terms, start)]
    term = np.array([p.term_months for p in plan_of], dtype=np.int64)

    # Relative default risk, normalised so the amount-weighted mean is 1.
    relative = np.array(
        [a.band_multipliers[a.band_of(x.credit_score)] * a.industry_multipliers.get(x.industry, 1.0) for x in loans],
        dtype=np.float64,
    )
    mean = float((relative * amount).sum() / amount.sum()) if n else 1.0
    relative = relative / mean if mean > 0 else relative
    recovery_ppm = _ppm(1 - (1 - a.annual_recovery_rate) ** (1 / 12))

    rng = np.random.default_rng(seed)
    outstanding = np.zeros(n, dtype=np.int64)
    claim = np.zeros(n, dtype=np.int64)
    paid = np.zeros(n, dtype=np.int64)
    repaid = np.zeros(n, dtype=np.int64)
    defaulted = np.zeros(n, dtype=np.int64)
    subrogated = np.zeros(n, dtype=np.int64)
    recovered = np.zeros(n, dtype=np.int64)
    written = np.zeros(n, dtype=np.int64)
    fees = np.zeros(n, dtype=np.int64)
    default_month = np.full(n, -1, dtype=np.int64)
    live = np.zeros(n, dtype=bool)  # paid out, not defaulted, principal still owed

    flows = {k: np.zeros(months, dtype=np.int64) for k in _FLOWS}
    exposure = np.zeros(months, dtype=np.int64)  # month-start guarantee balance
    stocks: list[dict[str, int]] = []
    for t in range(months):
        age = t - month0
        new = age == 0
        outstanding[new] = amount[new]
        paid[new] = amount[new]
        live |= new
        flows["loans_paid_out"][t] = int(new.sum())
        flows["amount_paid_out"][t] = int(amount[new].sum())
        exposure[t] = int((outstanding * coverage // PPM).sum())

        # Defaults: a live loan at least a month old.
        calendar_year, _ = _month_label(start, t)
        p = min(0.999, a.rate_in(calendar_year) * a.default_scale) * relative
        hazard = 1 - (1 - np.minimum(p, 0.999)) ** (1 / 12)
        draw = rng.random(n)
        falls = live & (age >= 1) & (draw < hazard)
        subrogation = outstanding * coverage // PPM
        defaulted[falls] = outstanding[falls]
        subrogated[falls] = subrogation[falls]
        claim[falls] += subrogation[falls]
        default_month[falls] = t
        flows["new_defaults"][t] = int(falls.sum())
        flows["defaulted_principal"][t] = int(outstanding[falls].sum())
        flows["subrogation"][t] = int(subrogation[falls].sum())
        outstanding[falls] = 0
        live &= ~falls

        # Repayments due this month (instalment number = age).
        due = live & (age >= 1) & (age <= term)
        instalment = np.zeros(n, dtype=np.int64)
        if due.any():
            instalment[due] = np.minimum(outstanding[due], table[key_index[due], age[due] - 1])
        outstanding -= instalment
        repaid += instalment
        flows["principal_repaid"][t] = int(instalment.sum())
        live &= outstanding > 0

        # The fee at the payout and every anniversary, on the guarantee balance then.
        anniversary = live & (age >= 0) & (age % 12 == 0)
        fee = outstanding * coverage // PPM * fee_rate // PPM
        fees[anniversary] += fee[anniversary]
        flows["fees_collected"][t] = int(fee[anniversary].sum())

        # Recoveries on open claims, then the write-off at the end of the legal period.
        since = np.where(default_month >= 0, t - default_month, -1)
        recovering = (claim > 0) & (since >= 1) & (since <= a.write_off_months)
        back = np.where(recovering, claim * recovery_ppm // PPM, 0)
        claim -= back
        recovered += back
        flows["recoveries"][t] = int(back.sum())
        expiring = (claim > 0) & (since == a.write_off_months)
        flows["write_offs"][t] = int(claim[expiring].sum())
        written[expiring] += claim[expiring]
        claim[expiring] = 0

        if t % 12 == 11:
            stocks.append(
                {
                    "loans_active": int(live.sum()),
                    "outstanding": int(outstanding.sum()),
                    "guarantee_balance": int((outstanding * coverage // PPM).sum()),
                    "claims_outstanding": int(claim.sum()),
                    "pool_committed": int((paid * coverage // PPM).sum()),
                }
            )

    out: list[Year] = []
    cumulative = dict.fromkeys(("subrogation", "recoveries", "write_offs", "fees_collected"), 0)
    claims_before = 0
    for y in range(years):
        block = slice(12 * y, 12 * y + 12)
        flow = {name: int(v[block].sum()) for name, v in flows.items()}
        for name in cumulative:
            cumulative[name] += flow[name]
        loss = cumulative["subrogation"] - cumulative["recoveries"]
        mean_exposure = float(exposure[block].mean())
        opened = claims_before + flow["subrogation"]
        out.append(
            Year(
                year=y + 1,
                first=_month_label(start, 12 * y)[1],
                last=_month_label(start, 12 * y + 11)[1],
                **flow,
                **stocks[y],
                cumulative_subrogation=cumulative["subrogation"],
                cumulative_recoveries=cumulative["recoveries"],
                cumulative_write_offs=cumulative["write_offs"],
                cumulative_fees=cumulative["fees_collected"],
                cumulative_loss=loss,
                default_rate=round(flow["subrogation"] / mean_exposure, 5) if mean_exposure else None,
                recovery_rate=round(flow["recoveries"] / opened, 5) if opened else None,
                pool=pool,
                pool_used_by_losses=loss,
                pool_remaining=pool - loss,
            )
        )
        claims_before = stocks[y]["claims_outstanding"]
    book = Loans(
        amount=amount,
        coverage_ppm=coverage,
        paid_out=paid,
        repaid=repaid,
        defaulted_principal=defaulted,
        subrogation=subrogated,
        recovered=recovered,
        written_off=written,
        fees=fees,
        outstanding=outstanding,
        claim=claim,
        default_month=default_month,
    )
    return Portfolio(start.replace(day=1), years, seed, pool, a, out, book)


_FLOWS = (
    "loans_paid_out",
    "amount_paid_out",
    "principal_repaid",
    "fees_collected",
    "new_defaults",
    "defaulted_principal",
    "subrogation",
    "recoveries",
    "write_offs",
)


def summary(p: Portfolio) -> dict[str, Any]:
    """The horizon's totals (for the benchmark): what was paid out, repaid, lost and collected."""
    book = p.loans
    paid = int(book.paid_out.sum())
    return {
        "loans": len(book.amount),
        "paid_out": paid,
        "repaid": int(book.repaid.sum()),
        "defaults": int((book.default_month >= 0).sum()),
        "defaulted_principal": int(book.defaulted_principal.sum()),
        "subrogation": int(book.subrogation.sum()),
        "recoveries": int(book.recovered.sum()),
        "write_offs": int(book.written_off.sum()),
        "fees": int(book.fees.sum()),
        "outstanding": int(book.outstanding.sum()),
        "loss": int(book.subrogation.sum() - book.recovered.sum()),
        "loss_rate": round(int(book.subrogation.sum() - book.recovered.sum()) / paid, 5) if paid else None,
        "cumulative_default_share": round(int((book.default_month >= 0).sum()) / len(book.amount), 5)
        if len(book.amount)
        else None,
    }


__all__ = [
    "ANNUAL_DEFAULT_RATES",
    "ANNUAL_RECOVERY_RATE",
    "BANDS",
    "BAND_MULTIPLIERS",
    "DEFAULT_POOL",
    "WRITE_OFF_MONTHS",
    "YEAR_FIGURES",
    "Assumptions",
    "Loans",
    "Plan",
    "Portfolio",
    "Year",
    "follow",
    "summary",
]
