"""The reference data of the guarantee service, read once: products, industries, scorecard
bands (``reference/products.json``) and life-cycle programmes (``reference/programmes.json``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).resolve().parent.parent / "reference"


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


def parse(raw: dict[str, Any], programmes: dict[str, Any]) -> Catalogue:
    products = {}
    for p in raw["products"]:
        product = Product(
            code=p["code"],
            name_ko=p["name_ko"],
            name_en=p["name_en"],
            coverage=float(p["coverage"]),
            fee_rate=float(p["fee_rate"]),
            min_months=int(p["min_months"]),
            max_months=None if p["max_months"] is None else int(p["max_months"]),
            requires_prior_closure=bool(p["requires_prior_closure"]),
            max_amount=int(p["max_amount"]),
            min_amount=int(p["min_amount"]),
            sales_fraction=float(p["sales_fraction"]),
        )
        if not 0 < product.coverage <= 1 or not 0 <= product.fee_rate < 0.1:
            raise ValueError(f"product {product.code}: coverage or fee rate out of range")
        products[product.code] = product
    common = raw["common"]
    excluded = frozenset(common["excluded_industries"])
    unknown = excluded - set(raw["industries"])
    if unknown:
        raise ValueError(f"excluded industries not in the industry table: {sorted(unknown)}")
    return Catalogue(
        version=str(raw["version"]),
        products=products,
        industries=raw["industries"],
        min_credit_score=int(common["min_credit_score"]),
        excluded_industries=excluded,
        max_total_guarantee_balance=int(common["max_total_guarantee_balance"]),
        scorecard=raw["scorecard"],
        programmes=programmes["programmes"],
        stages=programmes["stages"],
    )


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    raw = json.loads((REFERENCE / "products.json").read_text(encoding="utf-8"))
    programmes = json.loads((REFERENCE / "programmes.json").read_text(encoding="utf-8"))
    return parse(raw, programmes)
