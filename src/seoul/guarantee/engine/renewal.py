"""Renewal of a guarantee at the loan's term (기한연장) and its light re-screening (issue 18).

A loan repaid at its term (만기일시상환) is usually extended by the bank for another term when the
business is still sound; the bank extends it only if the foundation extends its guarantee
first. The foundation does not screen the business again from the start: it re-checks what can
have changed since (연장심사) — the loan is not in arrears, the business still operates and owes
no tax, its credit score still meets the product's minimum, it keeps any recovery plan it has
with the foundation, and the product still allows another extension. A company (법인) is also
still in force, and its last financial statements balance and show equity left. A business that fell
behind with the bank in the last months is extended only after it repays part of the loan
first (일부상환 조건부 연장).

What can be extended, when and on what terms is the product's data (``renewal`` in
``reference/products.json``; :class:`Rules`). The fee of the extension is the product's yearly
rate on the guaranteed share of what stays owed, for the months added, in whole won rounded
down — as the fee at agreement.

This module decides; it does not fetch or store anything (``actions/renewals.py`` does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, ROUND_UP, Decimal

from seoul.guarantee.engine.loanbook import add_months, share

#: Why an extension is refused, in the order they are checked (each is a message code).
REFUSALS = (
    "not_renewable",  # the product's loans are not extended
    "window_not_open",  # too early: the window opens ``window_days`` before the term
    "past_term",  # the term has passed: the loan is overdue, not renewable
    "max_extensions",  # the product's extensions are used up
    "loan_not_active",  # in arrears, defaulted, paid by the foundation or repaid
    "business_closed",  # the registration says the business closed
    "tax_arrears",  # national or local tax unpaid
    "credit_score",  # below the product's minimum
    "claim_behind",  # owes the foundation a claim without keeping a recovery plan
    "company_not_in_force",  # a company: dissolved or in liquidation
    "statements_unsound",  # a company: the last statements do not balance or are not recent
    "capital_impaired",  # a company: total equity of zero or less, for a full review instead
)
#: Why part of the loan must be repaid before the extension.
CONDITIONS = ("recent_arrears",)


@dataclass(frozen=True)
class Rules:
    """A product's extension rules: how many days before the term the business may ask
    (``window_days``), how many months each extension adds, how many extensions a loan may
    have, the share of the outstanding loan to repay first after recent arrears (rounded up to
    10,000 won) and how far back arrears count."""

    window_days: int
    extension_months: int
    max_extensions: int
    repayment_ratio: Decimal
    arrears_lookback_months: int

    def __post_init__(self) -> None:
        if not (
            1 <= self.window_days <= 180
            and 1 <= self.extension_months <= 60
            and 1 <= self.max_extensions <= 10
            and Decimal(0) <= self.repayment_ratio < Decimal(1)
            and 1 <= self.arrears_lookback_months <= 60
        ):
            raise ValueError(
                "renewal rules: window_days 1–180, extension_months 1–60, max_extensions 1–10, "
                "repayment_ratio in [0, 1), arrears_lookback_months 1–60"
            )


@dataclass(frozen=True)
class Situation:
    """What the re-screening looks at, as of ``today``. ``term``: the day the loan is now due
    (after any earlier extension); ``arrears_since``: the days the loan was reported in arrears
    within the look-back (any number > 0 counts); ``credit_score`` None: not known."""

    today: date
    term: date
    loan_status: str
    outstanding: int
    coverage: Decimal
    extensions_so_far: int
    recent_arrears: bool
    business_active: bool
    tax_arrears: bool
    credit_score: int | None
    min_credit_score: int
    claim_standing: str = "none"
    yearly_fee_rate: Decimal = Decimal(0)
    # a company's (법인) corporate registration and last financial statements; True for a sole proprietor
    company_in_force: bool = True
    statements_sound: bool = True
    capital_impaired: bool = False


@dataclass(frozen=True)
class Assessment:
    """The re-screening's outcome. When ``extend`` is true: repay ``repayment`` won first (0:
    nothing), then the loan of ``extended_amount`` won is due on ``new_term``, guaranteed for
    ``guaranteed`` won at a fee of ``fee`` won. When false: ``refusals`` says why (codes of
    :data:`REFUSALS`, every one that applies)."""

    extend: bool
    refusals: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    repayment: int = 0
    extended_amount: int = 0
    guaranteed: int = 0
    new_term: date | None = None
    fee: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "extend": self.extend,
            "refusals": list(self.refusals),
            "conditions": list(self.conditions),
            "repayment": self.repayment,
            "extended_amount": self.extended_amount,
            "guaranteed": self.guaranteed,
            "new_term": self.new_term.isoformat() if self.new_term else None,
            "fee": self.fee,
        }


def window(rules: Rules, term: date) -> tuple[date, date]:
    """The days a business may ask to extend a loan due on ``term``: from ``window_days`` before
    it up to the term itself."""
    return term - timedelta(days=rules.window_days), term


def repayment_for(rules: Rules, outstanding: int) -> int:
    """The part to repay first: ``repayment_ratio`` of the outstanding loan, rounded up to
    10,000 won, never more than the loan."""
    raw = (rules.repayment_ratio * outstanding / 10_000).to_integral_value(rounding=ROUND_UP) * 10_000
    return min(outstanding, int(raw))


def fee_for(rate: Decimal, guaranteed: int, months: int) -> int:
    """The fee for ``months`` more of a guarantee of ``guaranteed`` won at the yearly ``rate``."""
    return int((rate * guaranteed * months / 12).to_integral_value(rounding=ROUND_FLOOR))


def timing(rules: Rules | None, *, today: date, term: date, loan_status: str, extensions_so_far: int) -> list[str]:
    """The refusals that need no document: the product, the window, the extensions left and
    the loan's status (asked before anything is fetched)."""
    if rules is None:
        return ["not_renewable"]
    refusals: list[str] = []
    opens, closes = window(rules, term)
    if today < opens:
        refusals.append("window_not_open")
    if today > closes:
        refusals.append("past_term")
    if extensions_so_far >= rules.max_extensions:
        refusals.append("max_extensions")
    if loan_status != "active":
        refusals.append("loan_not_active")
    return refusals


def assess(rules: Rules | None, s: Situation) -> Assessment:
    """Re-screens a loan for one more extension (see the module docstring)."""
    refusals = timing(
        rules, today=s.today, term=s.term, loan_status=s.loan_status, extensions_so_far=s.extensions_so_far
    )
    if rules is None:
        return Assessment(False, tuple(refusals))
    if s.outstanding <= 0 and "loan_not_active" not in refusals:
        refusals.append("loan_not_active")
    if not s.business_active:
        refusals.append("business_closed")
    if s.tax_arrears:
        refusals.append("tax_arrears")
    if s.credit_score is None or s.credit_score < s.min_credit_score:
        refusals.append("credit_score")
    if s.claim_standing in ("behind", "no_plan"):
        refusals.append("claim_behind")
    if not s.company_in_force:
        refusals.append("company_not_in_force")
    if not s.statements_sound:
        refusals.append("statements_unsound")
    elif s.capital_impaired:
        refusals.append("capital_impaired")
    if refusals:
        return Assessment(False, tuple(refusals))
    conditions = ("recent_arrears",) if s.recent_arrears else ()
    repayment = repayment_for(rules, s.outstanding) if conditions else 0
    extended = s.outstanding - repayment
    if extended <= 0:  # the condition takes the whole loan: nothing is left to extend
        return Assessment(False, ("loan_not_active",))
    guaranteed = share(s.coverage, extended)
    return Assessment(
        True,
        conditions=conditions,
        repayment=repayment,
        extended_amount=extended,
        guaranteed=guaranteed,
        new_term=add_months(s.term, rules.extension_months),
        fee=fee_for(s.yearly_fee_rate, guaranteed, rules.extension_months),
    )


__all__ = [
    "CONDITIONS",
    "REFUSALS",
    "Assessment",
    "Rules",
    "Situation",
    "assess",
    "fee_for",
    "repayment_for",
    "timing",
    "window",
]
