"""The overseas engines with hand-worked numbers: HS codes, business registration numbers, the
reference's checks with their paths, listing validation per marketplace, the subsidy calculator
(and its cap over any order of claims), the monthly sales CSV, the KPIs."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seoul.overseas.engine import files, hs, kpis, listing, sales, subsidy
from seoul.overseas.engine import reference as ref

RAW = json.loads(ref.PATH.read_text(encoding="utf-8"))
P = ref.parse(RAW)
AMAZON = P.marketplace("amazon")
assert AMAZON is not None


# ---- HS codes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "international", "formatted"),
    [
        ("330499", "330499", "3304.99"),
        ("3304.99", "330499", "3304.99"),
        ("3304.99-1000", "330499", "3304.99-1000"),  # a 10-digit HSK: the first six are international
        (" 9405 49 ", "940549", "9405.49"),
        ("0101.21", "010121", "0101.21"),  # chapter 01, the first
        ("9701.10", "970110", "9701.10"),  # chapter 97, the last
    ],
)
def test_good_hs_codes(text: str, international: str, formatted: str) -> None:
    code, why = hs.parse(text)
    assert why is None and code is not None
    assert code.international == international
    assert code.formatted() == formatted


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "format"),
        ("3304.9a", "format"),
        ("３３０４９９", "format"),  # full-width digits are not ASCII digits
        ("33049", "length"),
        ("3304991", "length"),
        ("33049910001", "length"),
        ("770100", "reserved"),  # chapter 77 is reserved
        ("000100", "chapter"),
        ("980100", "chapter"),  # 98 and 99 are national-use chapters
        ("990100", "chapter"),
        ("330099", "heading"),
    ],
)
def test_bad_hs_codes(text: str, why: str) -> None:
    assert hs.parse(text) == (None, why)


# ---- the reference --------------------------------------------------------------------------


def test_the_shipped_reference_is_valid() -> None:
    assert {m.code for m in P.marketplaces} >= {"amazon", "shopee", "qoo10"}
    assert sum(c.weight for c in P.selection) == 100
    assert AMAZON.field("title") is not None and AMAZON.field("title").max_length == 200  # type: ignore[union-attr]


def _errors(mutate: Any) -> list[tuple[str, str]]:
    raw = copy.deepcopy(RAW)
    mutate(raw)
    with pytest.raises(ref.ReferenceInvalid) as exc:
        ref.parse(raw)
    return exc.value.errors


def test_reference_errors_name_their_path() -> None:
    def bad(raw: dict[str, Any]) -> None:
        raw["marketplaces"][1]["fields"][0]["max_length"] = 0
        raw["marketplaces"][0]["countries"][2] = "usa"
        raw["subsidy"]["carriers"][0]["example"] = "nope"
        raw["selection"][0]["weight"] = 41
        raw["round"]["intake_closes"] = "2026-10-01"

    where = [w for w, _why in _errors(bad)]
    assert "marketplaces[1].fields[0].max_length" in where
    assert "marketplaces[0].countries[2]" in where
    assert "subsidy.carriers[0].example" in where
    assert "selection" in where  # the weights add up to 101
    assert "round.intake_closes" in where


def test_a_currency_outside_the_programme_is_refused_where_it_is() -> None:
    def bad(raw: dict[str, Any]) -> None:
        raw["marketplaces"][0]["fields"][5]["choices"].append("XYZ")

    assert any(w == "marketplaces[0].fields[5].choices[7]" for w, _ in _errors(bad))


# ---- listing validation ---------------------------------------------------------------------

GOOD = {
    "title": "Hanji Lamp",
    "brand": "Hangang Craft",
    "bullet_points": "Handmade\nWarm light",
    "price": "59.00",
    "currency": "USD",
    "condition": "new",
    "hs_code": "940549",
    "weight_g": "800",
}


def test_a_good_amazon_listing_has_no_problems_and_is_cleaned() -> None:
    checked = listing.validate(AMAZON, GOOD)
    assert checked.ok
    assert checked.values["hs_code"] == "9405.49"


def _codes(values: dict[str, str]) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in listing.validate(AMAZON, values).problems]


def test_listing_problems_name_field_and_reason() -> None:
    assert _codes(GOOD | {"title": "x" * 201}) == [("title", "too_long")]
    assert _codes(GOOD | {"title": "x" * 200}) == []
    assert _codes(GOOD | {"brand": ""}) == [("brand", "required")]
    assert _codes(GOOD | {"bullet_points": "\n".join(["a"] * 6)}) == [("bullet_points", "too_many_items")]
    assert _codes(GOOD | {"bullet_points": "ok\n" + "b" * 501}) == [("bullet_points", "item_too_long")]
    assert _codes(GOOD | {"currency": "KRW"}) == [("currency", "not_allowed")]
    assert _codes(GOOD | {"price": "0"}) == [("price", "below_min")]
    assert _codes(GOOD | {"price": "1.999"}) == [("price", "too_many_decimals")]
    assert _codes(GOOD | {"price": "abc"}) == [("price", "not_number")]
    assert _codes(GOOD | {"weight_g": "12.5"}) == [("weight_g", "not_integer")]
    assert _codes(GOOD | {"weight_g": "30001"}) == [("weight_g", "above_max")]
    assert _codes(GOOD | {"hs_code": "7701.00"}) == [("hs_code", "hs_reserved")]
    assert _codes(GOOD | {"title": "Lamp\x07"}) == [("title", "control_characters")]
    assert _codes(GOOD | {"colour": "red"}) == [("colour", "unknown_field")]


def test_the_same_values_differ_by_marketplace() -> None:
    qoo10 = P.marketplace("qoo10")
    assert qoo10 is not None
    long_title = "x" * 150  # fine on Amazon (200), too long on Qoo10 (100)
    assert listing.validate(AMAZON, GOOD | {"title": long_title}).ok
    problems = listing.validate(
        qoo10, {"title": long_title, "price": "1000", "currency": "JPY", "hs_code": "940549", "weight_g": "800"}
    ).problems
    assert [(p.field, p.code, p.params.get("max")) for p in problems] == [("title", "too_long", 100)]


# ---- the subsidy ----------------------------------------------------------------------------


def test_subsidy_by_hand() -> None:
    # 48,000 won at 70 % = 33,600; nothing paid yet of a 3,000,000 cap
    c = subsidy.calculate(48_000, rate_percent=70, cap_won=3_000_000, paid_before_won=0)
    assert (c.share_won, c.payable_won, c.remaining_after_won, c.capped) == (33_600, 33_600, 2_966_400, False)
    # 33,333 won at 70 % = 23,333.1 → 23,333 (rounded down)
    assert subsidy.calculate(33_333, rate_percent=70, cap_won=3_000_000, paid_before_won=0).payable_won == 23_333
    # 2,990,000 already paid: 10,000 left, so 33,600 is capped at 10,000
    c = subsidy.calculate(48_000, rate_percent=70, cap_won=3_000_000, paid_before_won=2_990_000)
    assert (c.payable_won, c.remaining_after_won, c.capped) == (10_000, 0, True)
    # paid above the cap (a cap lowered after payments): nothing, never negative
    assert subsidy.calculate(48_000, rate_percent=70, cap_won=3_000_000, paid_before_won=3_100_000).payable_won == 0
    with pytest.raises(ValueError, match="never negative"):
        subsidy.calculate(-1, rate_percent=70, cap_won=1, paid_before_won=0)


@settings(deadline=None)  # a loaded test machine must not turn a slow example into a failure
@given(
    costs=st.lists(st.integers(min_value=0, max_value=5_000_000), max_size=30),
    rate=st.integers(min_value=1, max_value=100),
    cap=st.integers(min_value=0, max_value=10_000_000),
)
def test_claims_never_pay_beyond_the_cap_in_any_order(costs: list[int], rate: int, cap: int) -> None:
    def pay(order: list[int]) -> list[int]:
        paid, out = 0, []
        for cost in order:
            c = subsidy.calculate(cost, rate_percent=rate, cap_won=cap, paid_before_won=paid)
            assert 0 <= c.payable_won <= c.share_won
            paid += c.payable_won
            out.append(c.payable_won)
        return out

    forward, backward = pay(costs), pay(list(reversed(costs)))
    for paid in (forward, backward):
        assert sum(paid) <= cap
        # the cap binds only when the shares exceed it: otherwise every share is paid in full
        assert sum(paid) == min(cap, sum(c * rate // 100 for c in costs))


# ---- sales CSV ------------------------------------------------------------------------------

HEADER = "month,marketplace,country,currency,orders,units,gross_sales,returns\n"
RATES = {"2026-10": {"USD": 1400.0, "SGD": 1070.0}}


def _parse(body: str, header: str = HEADER) -> sales.Parsed:
    return sales.parse(
        (header + body).encode(),
        marketplaces=P.marketplaces,
        currencies=P.currencies,
        rates=RATES,
        today=date(2026, 12, 5),
        earliest=date(2025, 1, 1),
    )


def test_sales_lines_are_converted_with_the_months_rate() -> None:
    parsed = _parse("2026-10,amazon,US,USD,12,15,389.85,25.99\n2026-10,shopee,SG,SGD,3,3,100,0\n")
    assert parsed.problems == ()
    first, second = parsed.lines
    # 389.85 × 1,400 = 545,790; 25.99 × 1,400 = 36,386; net 509,404
    assert (first.gross_won, first.returns_won, first.net_won) == (545_790, 36_386, 509_404)
    assert first.line == 2 and second.line == 3
    assert second.net_won == 107_000
    assert parsed.rates_used == {"2026-10": {"USD": "1400.0", "SGD": "1070.0"}}


def test_bad_lines_are_refused_with_line_field_and_reason_and_good_ones_kept() -> None:
    body = (
        "2026-10,amazon,US,USD,12,15,389.85,25.99\n"  # 2 good
        "2026-13,amazon,US,USD,1,1,1,0\n"  # 3 month
        "2026-10,shopee,US,USD,1,1,1,0\n"  # 4 Shopee does not sell to the US
        "2026-10,amazon,GB,GBP,1,1,1,0\n"  # 5 no GBP rate in October
        "2026-10,amazon,CA,USD,3,2,1,0\n"  # 6 units below orders
        "2026-10,amazon,DE,USD,1,1,10,11\n"  # 7 returns above gross
        "2026-10,amazon,US,USD,1,1,1,0\n"  # 8 same month/marketplace/country as line 2
        "2027-01,amazon,US,USD,1,1,1,0\n"  # 9 a future month
        "2026-10,ebay,US,USD,1,1,1,0\n"  # 10 not a programme marketplace
        "2026-10,amazon,US,USD,-1,1,1,0\n"  # 11 negative orders
    )
    parsed = _parse(body)
    assert [line.line for line in parsed.lines] == [2]
    assert [(p.line, p.field, p.code) for p in parsed.problems] == [
        (3, "month", "month_format"),
        (4, "country", "country_not_sold"),
        (5, "currency", "no_rate"),
        (6, "units", "units_below_orders"),
        (7, "returns", "returns_above_gross"),
        (8, "line", "duplicate_in_file"),
        (9, "month", "month_future"),
        (10, "marketplace", "unknown_marketplace"),
        (11, "orders", "not_integer"),
    ]
    assert parsed.read == 10 and parsed.refused_lines == 9


def test_a_wrong_header_or_encoding_refuses_the_file() -> None:
    parsed = _parse(
        "2026-10,amazon,US,USD,1,1,1,0\n", header="month,market,country,currency,orders,units,gross_sales,returns\n"
    )
    assert [(p.line, p.field, p.code) for p in parsed.problems] == [(1, "header", "columns")]
    assert parsed.problems[0].params["missing"] == "marketplace"
    bad = sales.parse(
        "월,x\n".encode("cp949"),
        marketplaces=P.marketplaces,
        currencies=P.currencies,
        rates=RATES,
        today=date(2026, 12, 5),
        earliest=date(2025, 1, 1),
    )
    assert [p.code for p in bad.problems] == ["not_utf8"]


# ---- files and KPIs -------------------------------------------------------------------------


def test_files_are_known_by_their_first_bytes() -> None:
    assert files.check(b"%PDF-1.4 x").content_type == "application/pdf"
    assert files.check(b"\x89PNG\r\n\x1a\n....").problem is None
    assert files.check(b"MZ\x90\x00 an exe named receipt.pdf").problem == "type"
    assert files.check(b"").problem == "empty"
    assert files.check(b"%PDF-" + b"0" * 10, max_bytes=8).problem == "too_large"


def test_kpis_by_hand() -> None:
    k = kpis.compute(
        applications=4,
        selected=2,
        listings=[
            kpis.ListingRow(1, "amazon", True),
            kpis.ListingRow(1, "shopee", True),
            kpis.ListingRow(2, "amazon", False),
            kpis.ListingRow(3, "amazon", True),
        ],
        sales=[
            kpis.SalesRow("2026-10", "amazon", "US", 3, 100_000),
            kpis.SalesRow("2026-10", "amazon", "US", 2, 50_000),
            kpis.SalesRow("2026-09", "shopee", "SG", 1, 20_000),
        ],
        subsidy_paid_won=33_600,
        subsidy_budget_won=60_000_000,
        marketplaces=["amazon", "shopee", "qoo10"],
    )
    assert k.businesses_listed == 2
    assert k.live_by_marketplace == {"amazon": 2, "shopee": 1, "qoo10": 0}
    assert k.sales == [("2026-09", "shopee", "SG", 1, 20_000), ("2026-10", "amazon", "US", 5, 150_000)]
    assert k.sales_total_won == 170_000
    assert k.budget_used == pytest.approx(0.00056)
