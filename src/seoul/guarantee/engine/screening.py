"""Screening: eligibility, limit, fee and the scorecard, combined into one outcome.

``screen(facts, product_code, amount)`` is what the service runs when a file is submitted
and what ``seoul guarantee simulate`` runs on synthetic applicants: one set of rules.

Scorecard scaling (documented in ``reference/products.json``): points add up to a score; a
score of ``target_score`` (600) means odds of ``target_odds`` (50) good to 1 bad, and every
``points_to_double_odds`` (40) points double the odds::

    odds(score) = target_odds * 2 ** ((score - target_score) / points_to_double_odds)
    pd(score)   = 1 / (1 + odds(score))

A file is auto-approved when it is eligible, its documents were fetched (not uploaded), its
probability of default is at most ``auto_approve_max_pd`` and the amount at most
``auto_approve_max_amount``; an ineligible file is rejected with its reasons; anything else
is referred to an examiner.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from seoul.guarantee.engine.catalogue import Catalogue, Product, catalogue


@dataclass(frozen=True)
class Facts:
    """What the documents (and the applicant's answers) say about the business."""

    opened_on: date
    in_seoul: bool
    closed: bool
    industry: str
    credit_score: int | None
    tax_arrears: bool
    sales_last_year: int | None
    sales_year_before: int | None
    existing_guarantee_balance: int = 0
    prior_closure: bool = False
    documents_fetched: bool = True
    #: The district (Korean name) of the business site, from the registration's address.
    district: str | None = None
    #: The business's standing on claims the foundation holds after paying its bank
    #: (``engine/claims.STANDINGS``; ``none``: it never defaulted on a guaranteed loan).
    claim_standing: str = "none"
    #: What other services attest about the business (``core/attestations.py``).
    attested: frozenset[str] = frozenset()
    #: A company (법인) whose total equity is zero or less (완전자본잠식): an examiner decides.
    capital_impaired: bool = False
    #: A company that belongs to a large enterprise group (상호출자제한기업집단): its holders of
    #: the group hold 30 % or more of its shares and the most (``corporate.Register.affiliate``).
    large_group_affiliate: bool = False
    #: A holder of the company's shares belongs to such a group: whether the group controls the
    #: company is an examiner's judgement.
    large_group_shareholder: bool = False


class Outcome(enum.StrEnum):
    APPROVE = "approve"
    REFER = "refer"
    REJECT = "reject"


@dataclass(frozen=True)
class Score:
    points: dict[str, int]
    score: int
    odds: float
    pd: float


@dataclass(frozen=True)
class Screening:
    outcome: Outcome
    reasons: list[str]
    limit: int
    coverage: float
    fee_rate: float
    fee: int
    guaranteed_amount: int
    score: Score | None
    refer_reasons: list[str] = field(default_factory=list)
    #: The amount is inside the product's fast lane (no limit screening on sales).
    fast_lane: bool = False
    #: The fee is the additional rate (the business already has a guarantee of the foundation).
    fee_additional: bool = False
    #: The city pays the fee (the business is charged nothing).
    fee_paid_by_city: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "outcome": self.outcome.value,
            "reasons": self.reasons,
            "refer_reasons": self.refer_reasons,
            "limit": self.limit,
            "coverage": self.coverage,
            "fee_rate": self.fee_rate,
            "fee": self.fee,
            "guaranteed_amount": self.guaranteed_amount,
            "fast_lane": self.fast_lane,
            "fee_additional": self.fee_additional,
            "fee_paid_by_city": self.fee_paid_by_city,
            "score": None
            if self.score is None
            else {
                "points": self.score.points,
                "score": self.score.score,
                "odds": round(self.score.odds, 3),
                "pd": round(self.score.pd, 5),
            },
        }


def months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


def _band(value: float, bands: list[list[float]]) -> int:
    points = 0
    for lower, pts in bands:
        if value >= lower:
            points = int(pts)
    return points


def odds_of(score: float, cat: Catalogue | None = None) -> float:
    sc = (cat or catalogue()).scorecard
    return float(sc["target_odds"]) * 2 ** ((score - float(sc["target_score"])) / float(sc["points_to_double_odds"]))


def pd_of(score: float, cat: Catalogue | None = None) -> float:
    return 1.0 / (1.0 + odds_of(score, cat))


def score_of(facts: Facts, today: date, cat: Catalogue | None = None) -> Score:
    cat = cat or catalogue()
    sc = cat.scorecard
    years = max(0, months_between(facts.opened_on, today)) / 12
    points = {
        "base": int(sc["base_points"]),
        "credit_score": _band(facts.credit_score or 0, sc["credit_score"]),
        "years_in_business": _band(years, sc["years_in_business"]),
        "industry_risk": int(sc["industry_risk"][cat.industries.get(facts.industry, {}).get("risk", "high")]),
    }
    if facts.sales_last_year is not None and facts.sales_year_before:
        points["sales_trend"] = _band(facts.sales_last_year / facts.sales_year_before, sc["sales_trend"])
    else:
        points["sales_trend"] = int(sc["unknown_sales_trend_points"])
    total = sum(points.values())
    odds = odds_of(total, cat)
    return Score(points=points, score=total, odds=odds, pd=1.0 / (1.0 + odds))


@dataclass(frozen=True)
class Business:
    """What the business registration certificate alone says: known as soon as it is fetched,
    before any other document, so the rules it decides are told to the applicant first."""

    opened_on: date
    in_seoul: bool
    closed: bool
    industry: str
    prior_closure: bool = False
    district: str | None = None


def business_of(facts: Facts) -> Business:
    return Business(facts.opened_on, facts.in_seoul, facts.closed, facts.industry, facts.prior_closure, facts.district)


def business_reasons(business: Business, cat: Catalogue | None = None) -> list[str]:
    """Reason codes why no product can guarantee this business (empty: some may)."""
    cat = cat or catalogue()
    reasons = []
    if not business.in_seoul:
        reasons.append("site_not_in_seoul")
    if business.closed:
        reasons.append("business_closed")
    if business.industry in cat.excluded_industries:
        reasons.append("excluded_industry")
    return reasons


def product_reasons(business: Business, product: Product, today: date) -> list[str]:
    """Reason codes why this product in particular does not fit the business (the days the
    product takes applications, its districts and industries, the business's age, a required
    earlier closure)."""
    reasons = []
    if not product.in_effect(today):
        reasons.append("product_not_in_effect")
    if product.districts and business.district not in product.districts:
        reasons.append("site_outside_product_districts")
    if business.industry in product.excluded_industries:
        reasons.append("industry_excluded_by_product")
    months = months_between(business.opened_on, today)
    if months < product.min_months:
        reasons.append("too_few_months_in_business")
    if product.max_months is not None and months > product.max_months:
        reasons.append("too_many_months_in_business")
    if product.requires_prior_closure and not business.prior_closure:
        reasons.append("no_prior_closure")
    return reasons


def standing_reasons(facts: Facts, cat: Catalogue | None = None) -> list[str]:
    """Reason codes from the tax and credit documents why no product can guarantee the
    business (credit score, tax arrears, guarantees outstanding; a company that belongs to a
    large enterprise group: the foundation's guarantees are for small businesses)."""
    cat = cat or catalogue()
    reasons = []
    if facts.credit_score is not None and facts.credit_score < cat.min_credit_score:
        reasons.append("credit_score_below_minimum")
    if facts.tax_arrears:
        reasons.append("tax_arrears")
    if facts.existing_guarantee_balance >= cat.max_total_guarantee_balance:
        reasons.append("guarantee_balance_at_maximum")
    if facts.large_group_affiliate:
        reasons.append("large_group_affiliate")
    return reasons


def product_standing_reasons(facts: Facts, product: Product) -> list[str]:
    """Reason codes from the documents why this product in particular cannot guarantee the
    business (its own minimum credit score)."""
    score, minimum = facts.credit_score, product.min_credit_score
    return (
        ["credit_score_below_product_minimum"] if score is not None and minimum is not None and score < minimum else []
    )


#: What a product may require other services to attest, and the reason code when they do not.
ATTESTATION_REASONS = {"restart_programme_completed": "restart_programme_not_completed"}


def restart_reasons(facts: Facts, product: Product) -> list[str]:
    """Reason codes from the business's claims with the foundation and from what other services
    attest. A business that does not pay what it owes the foundation gets no new guarantee; one
    that keeps its recovery plan, or whose claim was written off, may have only a restart-track
    product (재도전), and that product's required attestations (a completed restart programme)."""
    reasons = []
    if facts.claim_standing in ("behind", "no_plan"):
        reasons.append("claim_with_foundation_unpaid")
    elif facts.claim_standing in ("kept", "written_off") and not product.restart_track:
        reasons.append("claim_with_foundation_restart_only")
    reasons += [ATTESTATION_REASONS[name] for name in sorted(product.requires_attested - facts.attested)]
    return reasons


def product_eligibility(business: Business, facts: Facts | None, product: Product, today: date) -> list[str]:
    """Reason codes of the product's own rules and of the restart track (``facts`` None: the
    documents do not say yet)."""
    own = product_reasons(business, product, today)
    if facts is None:
        return own
    if product.restart_track and facts.claim_standing != "none":
        # a past default on a guaranteed loan opens the restart track as a closure does, and
        # the restart is counted from the default, not from the opening
        own = [r for r in own if r not in ("no_prior_closure", "too_many_months_in_business")]
    return own + restart_reasons(facts, product)


def eligibility(facts: Facts, product: Product, today: date, cat: Catalogue | None = None) -> list[str]:
    """Reason codes why the business cannot have this product (empty: eligible)."""
    cat = cat or catalogue()
    business = business_of(facts)
    return (
        business_reasons(business, cat)
        + product_eligibility(business, facts, product, today)
        + standing_reasons(facts, cat)
        + product_standing_reasons(facts, product)
    )


def in_fast_lane(amount: int | None, product: Product) -> bool:
    """Whether a loan of ``amount`` skips the limit screening on sales (the product's fast lane)."""
    return amount is not None and 0 < amount <= product.fast_lane_max


def limit_of(facts: Facts, product: Product, cat: Catalogue | None = None, amount: int | None = None) -> int:
    """The most this business may borrow under this product, in won (rounded down to 10만 원).
    A loan of ``amount`` in the product's fast lane is not limited by the sales."""
    cat = cat or catalogue()
    limit = product.max_amount
    if facts.sales_last_year is not None and not in_fast_lane(amount, product):
        limit = min(limit, int(facts.sales_last_year * product.sales_fraction))
    limit = min(limit, cat.max_total_guarantee_balance - facts.existing_guarantee_balance)
    return max(0, limit // 100_000 * 100_000)


def guaranteed_of(amount: int, product: Product) -> int:
    """The part of a loan of ``amount`` won the guarantee covers."""
    return math.floor(amount * product.coverage)


def fee_of(amount: int, product: Product, *, additional: bool = False) -> int:
    """One year's guarantee fee on the guaranteed part, in whole won (rounded down): the
    additional rate for a business that already has a guarantee, nothing when the city pays."""
    return math.floor(amount * product.coverage * product.fee_rate_for(additional=additional))


def screen(
    facts: Facts,
    product_code: str,
    amount: int,
    today: date,
    cat: Catalogue | None = None,
    *,
    pool_remaining: int | None = None,
) -> Screening:
    """The outcome of one application. ``pool_remaining``: what the product's budget pool can
    still commit (None: no pool, or not known); a guarantee larger than that is refused."""
    cat = cat or catalogue()
    product = cat.products[product_code]
    reasons = eligibility(facts, product, today, cat)
    limit = limit_of(facts, product, cat, amount)
    if amount < product.min_amount:
        reasons.append("amount_below_minimum")
    if amount > limit:
        reasons.append("amount_above_limit")
    if pool_remaining is not None and guaranteed_of(amount, product) > pool_remaining:
        reasons.append("pool_used_up")
    additional = facts.existing_guarantee_balance > 0
    sc = cat.scorecard
    score = score_of(facts, today, cat)
    refer: list[str] = []
    if reasons:
        outcome = Outcome.REJECT
    else:
        if facts.credit_score is None:
            refer.append("credit_score_unknown")
        if facts.sales_last_year is None:
            refer.append("sales_unknown")
        if not facts.documents_fetched:
            refer.append("documents_uploaded")
        if score.pd > float(sc["auto_approve_max_pd"]):
            refer.append("risk_above_threshold")
        if amount > int(sc["auto_approve_max_amount"]):
            refer.append("amount_above_auto_limit")
        if facts.capital_impaired:
            refer.append("capital_impaired")
        if facts.large_group_shareholder and not facts.large_group_affiliate:
            refer.append("large_group_shareholder")
        outcome = Outcome.REFER if refer else Outcome.APPROVE
    return Screening(
        outcome=outcome,
        reasons=reasons,
        limit=limit,
        coverage=product.coverage,
        fee_rate=product.fee_rate_for(additional=additional),
        fee=fee_of(amount, product, additional=additional),
        guaranteed_amount=guaranteed_of(amount, product),
        score=score,
        refer_reasons=refer,
        fast_lane=in_fast_lane(amount, product),
        fee_additional=additional,
        fee_paid_by_city=product.fee_paid_by_city,
    )


def with_amount(screening: dict[str, Any], product: Product, amount: int) -> dict[str, Any]:
    """A stored screening result with the guaranteed part and the fee of another amount (an
    examiner's lower approval); eligibility, score and limit are those of the screening."""
    return {
        **screening,
        "fee": fee_of(amount, product, additional=bool(screening.get("fee_additional"))),
        "guaranteed_amount": guaranteed_of(amount, product),
    }


def needs_second_approver(amount: int, cat: Catalogue | None = None) -> bool:
    return amount > int((cat or catalogue()).scorecard["second_approver_above"])
