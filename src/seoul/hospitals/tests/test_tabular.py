"""The flat form of a daily report (one CSV row / web form): round trips, refused cells named by
column and reason, and the CSV reader's header checks and line numbers."""

from __future__ import annotations

from datetime import date

import pytest

from seoul.hospitals.engine.report import (
    BedKind,
    Beds,
    DailyReport,
    Profession,
    Staff,
    Stock,
    Supply,
)
from seoul.hospitals.engine.tabular import COLUMNS, HeaderError, from_row, read_csv, to_row

FULL = DailyReport(
    hospital="H-01",
    day=date(2020, 12, 1),
    beds={
        BedKind.CRITICAL: Beds(total=10, occupied=8, staffed=10, available=2),
        BedKind.MODERATE: Beds(total=30, occupied=10, staffed=25, available=15),
        BedKind.ISOLATION: Beds(total=6, occupied=2, staffed=6, available=4),
    },
    admissions=12,
    discharges=9,
    deaths=1,
    staff={Profession.NURSE: Staff(on_duty=50, short=4), Profession.PHYSICIAN: Staff(on_duty=12, short=0)},
    supplies={Supply.OXYGEN: Stock(on_hand=40, days_of_supply=12.5), Supply.N95: Stock(on_hand=0, days_of_supply=0.0)},
    forecast=(20, 19, 18, 17, 16, 15, 14),
)

CRITICAL_CELLS = {"critical_total": "10", "critical_occupied": "5", "critical_staffed": "8", "critical_available": "3"}


def row(**cells: str) -> dict[str, str]:
    """A row with a hospital, a day and one valid kind of bed, changed by ``cells``."""
    return {"hospital": "H-01", "day": "2020-12-01", **CRITICAL_CELLS, **cells}


# ---- to_row / from_row --------------------------------------------------------------------


def test_to_row_writes_every_column_and_leaves_what_is_not_reported_empty() -> None:
    flat = to_row(FULL)
    assert list(flat) == COLUMNS
    assert flat["hospital"] == "H-01"
    assert flat["day"] == "2020-12-01"
    assert [flat[f"critical_{f}"] for f in ("total", "occupied", "staffed", "available")] == ["10", "8", "10", "2"]
    assert [flat[f"severe_{f}"] for f in ("total", "occupied", "staffed", "available")] == ["", "", "", ""]
    assert flat["staff_nurse_on_duty"] == "50"
    assert flat["staff_nurse_short"] == "4"
    assert flat["staff_other_on_duty"] == ""
    assert flat["supply_oxygen_on_hand"] == "40"
    assert flat["supply_oxygen_days"] == "12.5"
    assert flat["supply_n95_days"] == "0"
    assert flat["supply_gloves_on_hand"] == ""
    assert [flat[f"forecast_{i}"] for i in range(1, 8)] == ["20", "19", "18", "17", "16", "15", "14"]


def test_round_trip() -> None:
    assert from_row(to_row(FULL)) == (FULL, [])


def test_round_trip_of_a_minimal_report() -> None:
    minimal = DailyReport(hospital="H-02", day=date(2021, 1, 31), beds={BedKind.MILD: Beds(0, 0, 0, 0)})
    assert from_row(to_row(minimal)) == (minimal, [])


def test_round_trip_keeps_days_of_supply_exactly() -> None:
    report = DailyReport(
        hospital="H-01",
        day=date(2020, 12, 1),
        beds={BedKind.SEVERE: Beds(4, 1, 4, 3)},
        supplies={Supply.OXYGEN: Stock(on_hand=1000, days_of_supply=1000 / 7)},
    )
    assert from_row(to_row(report)) == (report, [])


def test_a_row_is_read_with_spaces_trimmed() -> None:
    report, errors = from_row(row(hospital=" H-07 ", critical_total=" 10 ", admissions=" 3"))
    assert errors == []
    assert report == DailyReport("H-07", date(2020, 12, 1), {BedKind.CRITICAL: Beds(10, 5, 8, 3)}, admissions=3)


def test_the_hospital_argument_fixes_the_hospital() -> None:
    report, errors = from_row(row(hospital="OTHER"), hospital="H-09")
    assert errors == []
    assert report is not None
    assert report.hospital == "H-09"
    report, errors = from_row({k: v for k, v in row().items() if k != "hospital"}, hospital="H-09")
    assert errors == []
    assert report is not None
    assert report.hospital == "H-09"


def test_a_kind_with_some_of_its_cells_empty_names_each_missing_column() -> None:
    cells = {"hospital": "H-01", "day": "2020-12-01", "severe_total": "10", "severe_occupied": "5"}
    assert from_row(cells) == (None, [("severe_staffed", "is required"), ("severe_available", "is required")])


def test_a_kind_with_only_its_available_cell_names_the_other_three() -> None:
    cells = row(mild_available="2")
    assert from_row(cells) == (
        None,
        [("mild_total", "is required"), ("mild_occupied", "is required"), ("mild_staffed", "is required")],
    )


def test_a_row_without_any_bed() -> None:
    assert from_row({"hospital": "H-01", "day": "2020-12-01", "admissions": "1"}) == (
        None,
        [("beds", "report at least one kind of bed")],
    )


@pytest.mark.parametrize(
    ("column", "text", "reason"),
    [
        ("admissions", "abc", "'abc' is not a whole number"),
        ("admissions", "-1", "must be from 0 to 100000"),
        ("deaths", "1.5", "'1.5' is not a whole number"),
        ("critical_occupied", "-1", "must be from 0 to 100000"),
        ("critical_total", "100001", "must be from 0 to 100000"),
        ("staff_nurse_short", "abc", "'abc' is not a whole number"),
    ],
)
def test_an_unreadable_count_is_refused_with_its_column_and_reason(column: str, text: str, reason: str) -> None:
    assert from_row(row(**{column: text})) == (None, [(column, reason)])


def test_a_count_at_the_limit_is_kept() -> None:
    report, errors = from_row(row(admissions="100000", critical_total="0", critical_occupied="0"))
    assert errors == []
    assert report is not None
    assert report.admissions == 100000


@pytest.mark.parametrize(
    ("cells", "error"),
    [
        ({"day": ""}, ("day", "is required")),
        ({"day": "2020-13-01"}, ("day", "'2020-13-01' is not a date like 2020-12-01")),
        ({"hospital": ""}, ("hospital", "is required")),
    ],
)
def test_hospital_and_day_are_required(cells: dict[str, str], error: tuple[str, str]) -> None:
    assert from_row(row(**cells)) == (None, [error])


def test_every_bad_cell_is_reported_at_once() -> None:
    _, errors = from_row(row(hospital="", day="x", admissions="abc", deaths="-3"))
    assert errors == [
        ("hospital", "is required"),
        ("day", "'x' is not a date like 2020-12-01"),
        ("admissions", "'abc' is not a whole number"),
        ("deaths", "must be from 0 to 100000"),
    ]


def test_a_supply_needs_its_days_of_supply() -> None:
    assert from_row(row(supply_oxygen_on_hand="40")) == (
        None,
        [("supply_oxygen_days", "give both the stock and its days of supply")],
    )


def test_a_supply_needs_its_stock() -> None:
    assert from_row(row(supply_gowns_days="3.5")) == (
        None,
        [("supply_gowns_on_hand", "give both the stock and its days of supply")],
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [("x", "'x' is not a number"), ("nan", "must be from 0 to 3650"), ("-0.5", "must be from 0 to 3650")],
)
def test_unreadable_days_of_supply_is_reported_once(text: str, reason: str) -> None:
    # the stock is given, the days are unreadable: one error on the days, not a second "give both"
    assert from_row(row(supply_oxygen_on_hand="40", supply_oxygen_days=text)) == (
        None,
        [("supply_oxygen_days", reason)],
    )


def test_unreadable_stock_is_reported_once() -> None:
    assert from_row(row(supply_oxygen_on_hand="abc", supply_oxygen_days="3")) == (
        None,
        [("supply_oxygen_on_hand", "'abc' is not a whole number")],
    )


def test_a_supply_with_both_cells() -> None:
    report, errors = from_row(row(supply_oxygen_on_hand="40", supply_oxygen_days="3650"))
    assert errors == []
    assert report is not None
    assert report.supplies == {Supply.OXYGEN: Stock(40, 3650.0)}


def test_a_profession_with_one_cell_counts_the_other_as_zero() -> None:
    report, errors = from_row(row(staff_nurse_on_duty="7"))
    assert errors == []
    assert report is not None
    assert report.staff == {Profession.NURSE: Staff(on_duty=7, short=0)}


def test_a_partial_forecast_names_each_missing_day() -> None:
    assert from_row(row(forecast_1="3", forecast_2="3", forecast_4="1")) == (
        None,
        [("forecast_3", "is required")] + [(f"forecast_{i}", "is required") for i in (5, 6, 7)],
    )


# ---- read_csv -------------------------------------------------------------------------------

HEADER = "hospital,day,critical_total,critical_occupied,critical_staffed,critical_available"


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_column() -> None:
    rows = list(read_csv("\ufeff" + HEADER + "\nH1,2020-12-01,10,5,8,3\n"))
    assert rows == [(2, DailyReport("H1", date(2020, 12, 1), {BedKind.CRITICAL: Beds(10, 5, 8, 3)}), [])]


def test_header_names_are_trimmed() -> None:
    rows = list(
        read_csv(" hospital , day ,mild_total,mild_occupied,mild_staffed,mild_available\nH1,2020-12-01,4,0,4,4\n")
    )
    assert rows == [(2, DailyReport("H1", date(2020, 12, 1), {BedKind.MILD: Beds(4, 0, 4, 4)}), [])]


def test_an_unknown_column_is_named() -> None:
    with pytest.raises(HeaderError) as caught:
        list(read_csv(HEADER + ",icu_beds\nH1,2020-12-01,10,5,8,3,1\n"))
    assert caught.value.problems == [("icu_beds", "unknown column")]
    assert "icu_beds: unknown column" in str(caught.value)


def test_a_missing_day_column_is_named() -> None:
    with pytest.raises(HeaderError) as caught:
        list(read_csv("hospital,critical_total\nH1,10\n"))
    assert caught.value.problems == [("day", "column missing from the header")]


def test_an_empty_file_lacks_both_required_columns() -> None:
    with pytest.raises(HeaderError) as caught:
        list(read_csv(""))
    assert caught.value.problems == [
        ("hospital", "column missing from the header"),
        ("day", "column missing from the header"),
    ]


def test_a_column_named_twice() -> None:
    with pytest.raises(HeaderError) as caught:
        list(read_csv("hospital,day,admissions,admissions\n"))
    assert caught.value.problems == [("header", "a column is named twice")]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_good_rows_are_kept_beside_bad_ones_with_their_line_numbers(newline: str) -> None:
    text = newline.join(
        [
            HEADER,  # line 1
            "H1,2020-12-01,10,5,8,3",  # line 2: good
            "H2,2020-12-01,10,5,8,3,99",  # line 3: one cell too many
            "H3,2020-12-01,abc,5,8,3",  # line 4: unreadable count
            "",  # line 5: blank, skipped but counted
            "H4,2020-12-02,4,4,4,0",  # line 6: good
            "H5,2020-12-02",  # line 7: too few cells: no bed reported
        ]
    )
    assert list(read_csv(text + newline)) == [
        (2, DailyReport("H1", date(2020, 12, 1), {BedKind.CRITICAL: Beds(10, 5, 8, 3)}), []),
        (3, None, [("row", "more cells than columns")]),
        (4, None, [("critical_total", "'abc' is not a whole number")]),
        (6, DailyReport("H4", date(2020, 12, 2), {BedKind.CRITICAL: Beds(4, 4, 4, 0)}), []),
        (7, None, [("beds", "report at least one kind of bed")]),
    ]


def test_a_csv_written_from_to_row_reads_back() -> None:
    flat = to_row(FULL)
    text = ",".join(COLUMNS) + "\n" + ",".join(flat[c] for c in COLUMNS) + "\n"
    assert list(read_csv(text)) == [(2, FULL, [])]
