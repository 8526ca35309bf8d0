"""Products as complete data (issue 18): loan terms, new and additional fees, a fee the city
pays, the product's own score threshold, districts, industries, the fast lane, the days it takes
applications, the budget pool — and a products file with mistakes is refused with each one."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from seoul.guarantee.engine import documents
from seoul.guarantee.engine.catalogue import REFERENCE, Catalogue, CatalogueError, catalogue, parse
from seoul.guarantee.engine.screening import Facts, screen, with_amount
from seoul.guarantee.tests.test_engine import TODAY, good_facts


def facts(**changes: object) -> Facts:
    """The engine tests' strong business, its site in 마포구."""
    return good_facts(**{"district": "마포구", **changes})


def raw() -> tuple[dict[str, Any], dict[str, Any]]:
    products = json.loads((REFERENCE / "products.json").read_text(encoding="utf-8"))
    programmes = json.loads((REFERENCE / "programmes.json").read_text(encoding="utf-8"))
    return products, programmes


def with_product(**fields: object) -> Catalogue:
    """The shipped catalogue with the regular product changed."""
    products, programmes = raw()
    regular = next(p for p in products["products"] if p["code"] == "regular")
    regular.update(fields)
    return parse(products, programmes)


def test_every_shipped_product_is_complete() -> None:
    cat = catalogue()
    for product in cat.products.values():
        assert product.loan is not None, product.code
        assert product.loan.term_months > product.loan.grace_months >= 0
        assert product.fee_rate_additional >= 0
    regular = cat.products["regular"]
    assert (regular.fee_rate, regular.fee_rate_additional, regular.coverage) == (0.008, 0.01, 0.85)  # the 2024
    emergency = cat.products["emergency_covid"]
    assert emergency.pool == "emergency_2020" and cat.pools["emergency_2020"].amount == 500_000_000_000
    assert emergency.fast_lane_max == 20_000_000
    assert cat.products["fee_free_smallest"].fee_paid_by_city


def test_new_and_additional_fees_and_a_fee_the_city_pays() -> None:
    new = screen(facts(), "regular", 10_000_000, TODAY)
    more = screen(facts(existing_guarantee_balance=5_000_000), "regular", 10_000_000, TODAY)
    assert (new.fee_rate, new.fee, new.fee_additional) == (0.008, 68_000, False)  # 0.8 % of 8.5 M
    assert (more.fee_rate, more.fee, more.fee_additional) == (0.01, 85_000, True)
    assert with_amount(more.as_json(), catalogue().products["regular"], 5_000_000)["fee"] == 42_500
    free = screen(facts(), "fee_free_smallest", 10_000_000, TODAY)
    assert (free.fee, free.fee_rate, free.fee_paid_by_city) == (0, 0.0, True)
    assert free.guaranteed_amount == 9_000_000


def test_the_fast_lane_skips_the_limit_on_sales() -> None:
    poor = facts(sales_last_year=20_000_000)  # a quarter of the sales would allow 5 M
    assert screen(poor, "emergency_covid", 20_000_000, TODAY).reasons == []
    assert screen(poor, "emergency_covid", 20_000_000, TODAY).fast_lane
    cat = with_product(fast_lane_max=0)
    assert "amount_above_limit" in screen(poor, "regular", 6_000_000, TODAY, cat).reasons
    cat = with_product(fast_lane_max=10_000_000)
    assert screen(poor, "regular", 6_000_000, TODAY, cat).reasons == []
    assert "amount_above_limit" in screen(poor, "regular", 11_000_000, TODAY, cat).reasons  # above the lane


def test_districts_industries_score_and_dates_of_a_product() -> None:
    cat = with_product(districts=["강남구", "서초구"])
    assert "site_outside_product_districts" in screen(facts(), "regular", 5_000_000, TODAY, cat).reasons
    assert screen(facts(district="서초구"), "regular", 5_000_000, TODAY, cat).reasons == []
    cat = with_product(excluded_industries=["restaurant"])
    assert (
        "industry_excluded_by_product" in screen(facts(industry="restaurant"), "regular", 5_000_000, TODAY, cat).reasons
    )
    assert screen(facts(industry="restaurant"), "startup", 5_000_000, TODAY, cat).reasons == [
        "too_many_months_in_business"
    ]
    cat = with_product(min_credit_score=700)
    assert screen(facts(credit_score=650), "regular", 5_000_000, TODAY, cat).reasons == [
        "credit_score_below_product_minimum"
    ]
    cat = with_product(effective_from="2027-01-01")
    assert "product_not_in_effect" in screen(facts(), "regular", 5_000_000, TODAY, cat).reasons
    cat = with_product(effective_from="2026-01-01", effective_to="2026-11-24")
    assert "product_not_in_effect" in screen(facts(), "regular", 5_000_000, TODAY, cat).reasons
    cat = with_product(effective_from="2026-01-01", effective_to="2026-11-25")
    assert screen(facts(), "regular", 5_000_000, TODAY, cat).reasons == []  # the last day counts


def test_a_used_up_pool_refuses_the_guarantee() -> None:
    assert (
        "pool_used_up" not in screen(facts(), "emergency_covid", 10_000_000, TODAY, pool_remaining=10_000_000).reasons
    )
    assert "pool_used_up" in screen(facts(), "emergency_covid", 10_000_000, TODAY, pool_remaining=9_999_999).reasons


def test_the_district_is_read_from_the_registration_address() -> None:
    assert documents.district_of({"address": "서울특별시 마포구 월드컵북로 21"}) == "마포구"
    assert documents.district_of({"address": "경기도 성남시 분당구"}) is None
    assert documents.district_of({"address": "서울특별시"}) is None


def test_a_products_file_with_mistakes_is_refused_with_each_one() -> None:
    products, programmes = raw()
    broken = copy.deepcopy(products)
    regular = next(p for p in broken["products"] if p["code"] == "regular")
    regular.update(
        {
            "fee_rate_additional": 0.2,
            "districts": ["마포구", "해운대구"],
            "excluded_industries": ["casino"],
            "effective_from": "2026-13-01",
            "pool": "nowhere",
            "fast_lane_max": 999_000_000,
            "loan": {"rate_basis": "fixed", "rate": 0.5, "term_months": 12, "grace_months": 12, "method": "balloon"},
        }
    )
    with pytest.raises(CatalogueError) as caught:
        parse(broken, programmes)
    found = dict(caught.value.errors)
    where = "products[regular]"
    assert "below 0.1" in found[f"{where}.fee_rate_additional"]
    assert "해운대구" in found[f"{where}.districts"]
    assert "casino" in found[f"{where}.excluded_industries"]
    assert "YYYY-MM-DD" in found[f"{where}.effective_from"]
    assert "no pool 'nowhere'" in found[f"{where}.pool"]
    assert "max_amount" in found[f"{where}.fast_lane_max"]
    assert "between 0 and 0.3" in found[f"{where}.loan.rate"]
    assert "grace_months < term_months" in found[f"{where}.loan.term_months"]
    assert "must be one of" in found[f"{where}.loan.method"]
    assert isinstance(caught.value, ValueError)
