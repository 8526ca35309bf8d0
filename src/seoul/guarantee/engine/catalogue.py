"""The reference data of the guarantee service, read once: products, industries, scorecard
bands (``reference/products.json``) and life-cycle programmes (``reference/programmes.json``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from seoul.core.engine.districts import all_districts
from seoul.guarantee.engine.renewal import Rules as RenewalRules

REFERENCE = Path(__file__).resolve().parent.parent / "reference"


#: Repayment methods of a product's loan (as ``loanbook.METHODS``): 원금균등분할, 원리금균등분할, 만기일시.
REPAYMENT_METHODS = ("equal_principal", "annuity", "bullet")
#: How the loan's interest is set: a fixed yearly rate, or the bank's reference rate plus a spread.
RATE_BASES = ("fixed", "bank_reference")


@dataclass(frozen=True)
class LoanTerms:
    """The loan a product guarantees: its interest (``rate`` when fixed, else the bank's reference
    rate plus ``spread``), its term and grace period in months and how it is repaid (e.g. one year
    of grace, then four years of equal principal: ``term_months=60, grace_months=12``)."""

    rate_basis: str
    rate: float | None
    spread: float | None
    term_months: int
    grace_months: int
    method: str


@dataclass(frozen=True)
class Pool:
    """A budget the city put into a family of products (e.g. the 2020 emergency fund): the sum of
    guarantees it may commit; intake closes when it is committed."""

    code: str
    name_ko: str
    name_en: str
    amount: int


#: What a product may require other services to attest (``core/attestations.py``).
ATTESTATIONS = ("restart_programme_completed",)


@dataclass(frozen=True)
class Product:
    code: str
    name_ko: str
    name_en: str
    coverage: float
    fee_rate: float
    min_months: int
    max_months: int | None
    requires_prior_closure: bool
    max_amount: int
    min_amount: int
    sales_fraction: float
    #: The yearly fee rate of a business that already has a guarantee of the foundation (추가보증).
    fee_rate_additional: float = 0.0
    #: The city pays the fee (a "fee-free" product): the business is charged nothing.
    fee_paid_by_city: bool = False
    #: The product's own minimum credit score (None: the common one).
    min_credit_score: int | None = None
    #: Districts (Korean names) the business site must be in; empty: anywhere in Seoul.
    districts: frozenset[str] = frozenset()
    #: Industries this product excludes besides the common exclusions.
    excluded_industries: frozenset[str] = frozenset()
    #: Up to this amount the loan skips the limit screening on sales (the fast lane); 0: none.
    fast_lane_max: int = 0
    #: The days the product takes applications (None: open-ended).
    effective_from: date | None = None
    effective_to: date | None = None
    #: The budget pool it commits (``Catalogue.pools``), if any.
    pool: str | None = None
    loan: LoanTerms | None = None
    #: A restart-track product (재도전): open to a business that defaulted on a guaranteed loan
    #: and keeps its recovery plan (or whose claim was written off); a past default counts as
    #: the prior closure it requires.
    restart_track: bool = False
    #: What other services must attest about the business (``core/attestations.py``).
    requires_attested: frozenset[str] = frozenset()
    #: How the guarantee is extended at the loan's term (기한연장); None: it is not.
    renewal: RenewalRules | None = None

    def in_effect(self, day: date) -> bool:
        return (self.effective_from is None or day >= self.effective_from) and (
            self.effective_to is None or day <= self.effective_to
        )

    def fee_rate_for(self, *, additional: bool) -> float:
        """The yearly fee rate the business pays (0 when the city pays it)."""
        if self.fee_paid_by_city:
            return 0.0
        return self.fee_rate_additional if additional else self.fee_rate


@dataclass(frozen=True)
class Catalogue:
    version: str
    products: dict[str, Product]
    industries: dict[str, dict[str, str]]
    min_credit_score: int
    excluded_industries: frozenset[str]
    max_total_guarantee_balance: int
    scorecard: dict[str, Any]
    programmes: list[dict[str, str]]
    stages: dict[str, dict[str, str]]
    pools: dict[str, Pool] = field(default_factory=dict)


class CatalogueError(ValueError):
    """The products file is wrong; ``errors`` lists every (where, reason)."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("invalid products file: " + "; ".join(f"{where}: {why}" for where, why in errors))


def _date(value: Any, where: str, errors: list[tuple[str, str]]) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.append((where, f"must be a date YYYY-MM-DD (got {value!r})"))
        return None


def _loan(raw: Any, where: str, errors: list[tuple[str, str]]) -> LoanTerms | None:
    if raw is None:
        return None
    before = len(errors)
    basis = raw.get("rate_basis")
    if basis not in RATE_BASES:
        errors.append((f"{where}.rate_basis", f"must be one of {', '.join(RATE_BASES)}"))
    rate = raw.get("rate")
    spread = raw.get("spread")
    if basis == "fixed" and not (isinstance(rate, int | float) and 0 <= rate < 0.3):
        errors.append((f"{where}.rate", "a fixed rate is a yearly fraction between 0 and 0.3"))
    if basis == "bank_reference" and not (isinstance(spread, int | float) and -0.1 < spread < 0.3):
        errors.append((f"{where}.spread", "the spread over the bank's reference rate is a yearly fraction"))
    term, grace = raw.get("term_months"), raw.get("grace_months", 0)
    if not (isinstance(term, int) and isinstance(grace, int) and term >= 1 and 0 <= grace < term):
        errors.append((f"{where}.term_months", "term_months ≥ 1 and 0 ≤ grace_months < term_months (whole months)"))
    method = raw.get("method")
    if method not in REPAYMENT_METHODS:
        errors.append((f"{where}.method", f"must be one of {', '.join(REPAYMENT_METHODS)}"))
    if len(errors) > before:
        return None
    return LoanTerms(
        str(basis),
        float(rate) if basis == "fixed" else None,
        float(spread) if basis == "bank_reference" else None,
        int(term),
        int(grace),
        str(method),
    )


def _renewal(raw: Any, where: str, errors: list[tuple[str, str]]) -> RenewalRules | None:
    if raw is None:
        return None
    try:
        return RenewalRules(
            window_days=int(raw["window_days"]),
            extension_months=int(raw["extension_months"]),
            max_extensions=int(raw["max_extensions"]),
            repayment_ratio=Decimal(str(raw.get("repayment_ratio", 0))),
            arrears_lookback_months=int(raw.get("arrears_lookback_months", 12)),
        )
    except KeyError as missing:
        errors.append((where, f"{missing.args[0]} is required"))
    except (TypeError, ValueError, ArithmeticError) as exc:
        errors.append((where, str(exc)))
    return None


def parse(raw: dict[str, Any], programmes: dict[str, Any], districts: frozenset[str] | None = None) -> Catalogue:
    """Reads the products file; raises :class:`CatalogueError` listing every problem with where it
    is (``products[regular].fee_rate_additional``). ``districts``: the names a product's
    district restriction may use (default: Seoul's 25)."""
    if districts is None:
        districts = frozenset(d.name_ko for d in all_districts())
    errors: list[tuple[str, str]] = []
    pools: dict[str, Pool] = {}
    for i, item in enumerate(raw.get("pools", [])):
        where = f"pools[{item.get('code', i)}]"
        amount = item.get("amount")
        if not isinstance(amount, int) or amount <= 0:
            errors.append((f"{where}.amount", "must be a positive number of won"))
            continue
        pools[item["code"]] = Pool(item["code"], item["name_ko"], item["name_en"], amount)
    industries = raw["industries"]
    products = {}
    for p in raw["products"]:
        where = f"products[{p.get('code')}]"
        before = len(errors)
        fee_additional = float(p.get("fee_rate_additional", p["fee_rate"]))
        excluded = frozenset(p.get("excluded_industries", []))
        restricted = frozenset(p.get("districts", []))
        effective_from = _date(p.get("effective_from"), f"{where}.effective_from", errors)
        effective_to = _date(p.get("effective_to"), f"{where}.effective_to", errors)
        loan = _loan(p.get("loan"), f"{where}.loan", errors)
        renewal = _renewal(p.get("renewal"), f"{where}.renewal", errors)
        if renewal is not None and (loan is None or loan.method != "bullet"):
            errors.append((f"{where}.renewal", "only a loan repaid at its term (method bullet) is extended"))
        coverage, fee_rate = float(p["coverage"]), float(p["fee_rate"])
        if not 0 < coverage <= 1:
            errors.append((f"{where}.coverage", f"must be in (0, 1] (got {coverage})"))
        for name, rate in (("fee_rate", fee_rate), ("fee_rate_additional", fee_additional)):
            if not 0 <= rate < 0.1:
                errors.append((f"{where}.{name}", f"must be a yearly fraction below 0.1 (got {rate})"))
        if excluded - set(industries):
            errors.append(
                (f"{where}.excluded_industries", f"not in the industry table: {sorted(excluded - set(industries))}")
            )
        if restricted - districts:
            errors.append((f"{where}.districts", f"not districts of Seoul: {sorted(restricted - districts)}"))
        if effective_from and effective_to and effective_to < effective_from:
            errors.append((f"{where}.effective_to", "is before effective_from"))
        pool = p.get("pool")
        if pool is not None and pool not in pools:
            errors.append((f"{where}.pool", f"no pool {pool!r} in pools"))
        attested = p.get("requires_attested", [])
        if not isinstance(attested, list) or any(a not in ATTESTATIONS for a in attested):
            errors.append((f"{where}.requires_attested", f"a list of {', '.join(ATTESTATIONS)}"))
            attested = []
        fast_lane = int(p.get("fast_lane_max", 0))
        if not 0 <= fast_lane <= int(p["max_amount"]):
            errors.append((f"{where}.fast_lane_max", "must be between 0 and the product's max_amount"))
        if len(errors) > before:
            continue
        products[p["code"]] = Product(
            code=p["code"],
            name_ko=p["name_ko"],
            name_en=p["name_en"],
            coverage=coverage,
            fee_rate=fee_rate,
            min_months=int(p["min_months"]),
            max_months=None if p["max_months"] is None else int(p["max_months"]),
            requires_prior_closure=bool(p["requires_prior_closure"]),
            max_amount=int(p["max_amount"]),
            min_amount=int(p["min_amount"]),
            sales_fraction=float(p["sales_fraction"]),
            fee_rate_additional=fee_additional,
            fee_paid_by_city=bool(p.get("fee_paid_by_city", False)),
            min_credit_score=None if p.get("min_credit_score") is None else int(p["min_credit_score"]),
            districts=restricted,
            excluded_industries=excluded,
            fast_lane_max=fast_lane,
            effective_from=effective_from,
            effective_to=effective_to,
            pool=pool,
            loan=loan,
            restart_track=bool(p.get("restart_track", False)),
            requires_attested=frozenset(attested),
            renewal=renewal,
        )
    common = raw["common"]
    excluded = frozenset(common["excluded_industries"])
    unknown = excluded - set(industries)
    if unknown:
        errors.append(("common.excluded_industries", f"not in the industry table: {sorted(unknown)}"))
    if errors:
        raise CatalogueError(errors)
    return Catalogue(
        version=str(raw["version"]),
        products=products,
        industries=industries,
        min_credit_score=int(common["min_credit_score"]),
        excluded_industries=excluded,
        max_total_guarantee_balance=int(common["max_total_guarantee_balance"]),
        scorecard=raw["scorecard"],
        programmes=programmes["programmes"],
        stages=programmes["stages"],
        pools=pools,
    )


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    raw = json.loads((REFERENCE / "products.json").read_text(encoding="utf-8"))
    programmes = json.loads((REFERENCE / "programmes.json").read_text(encoding="utf-8"))
    return parse(raw, programmes)
