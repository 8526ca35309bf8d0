"""The daily report's checks (every fault, its field and its limit) and how fresh a report is.

Every expected problem below is worked out from the report's numbers by hand: e.g. 13 occupied
of 12 beds crosses the limit 12; 3 available where 6 staffed and 4 occupied crosses 6 - 4 = 2.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from seoul.hospitals.engine.report import (
    FORECAST_DAYS,
    BedKind,
    Beds,
    DailyReport,
    Fault,
    Freshness,
    Problem,
    Profession,
    Staff,
    Stock,
    Supply,
    check,
    freshness,
)
from seoul.hospitals.engine.tabular import COLUMNS

DAY = date(2020, 12, 1)

# A report that is right in every field: 10 + 20 + 30 + 40 = 100 tier beds, isolation apart.
GOOD = DailyReport(
    hospital="H-01",
    day=DAY,
    beds={
        BedKind.CRITICAL: Beds(total=10, occupied=8, staffed=10, available=2),
        BedKind.SEVERE: Beds(total=20, occupied=15, staffed=18, available=3),
        BedKind.MODERATE: Beds(total=30, occupied=10, staffed=25, available=15),
        BedKind.MILD: Beds(total=40, occupied=40, staffed=40, available=0),
        BedKind.ISOLATION: Beds(total=6, occupied=2, staffed=6, available=4),
    },
    admissions=12,
    discharges=9,
    deaths=1,
    staff={Profession.NURSE: Staff(on_duty=50, short=4), Profession.PHYSICIAN: Staff(on_duty=12)},
    supplies={Supply.OXYGEN: Stock(on_hand=40, days_of_supply=12.5), Supply.N95: Stock(0, 0.0)},
    forecast=(20, 19, 18, 17, 16, 15, 100),  # 100 = every tier bed: on the limit, allowed
)


def one_kind(beds: Beds, kind: BedKind = BedKind.CRITICAL, **fields: object) -> DailyReport:
    return DailyReport(hospital="H-01", day=DAY, beds={kind: beds}, **fields)  # type: ignore[arg-type]


# ---- check ------------------------------------------------------------------------------


def test_a_valid_report_has_no_problem() -> None:
    assert check(GOOD, licensed_beds=100) == []
    assert check(GOOD, licensed_beds=None) == []


def test_full_beds_with_nothing_available_are_valid() -> None:
    assert check(one_kind(Beds(total=12, occupied=12, staffed=12, available=0)), licensed_beds=None) == []


def test_occupied_over_total_names_the_field_and_the_total() -> None:
    problems = check(one_kind(Beds(total=12, occupied=13, staffed=12, available=0)), licensed_beds=None)
    assert problems == [Problem("critical.occupied", Fault.OCCUPIED_OVER_TOTAL, 12)]


def test_staffed_over_total() -> None:
    # 11 staffed of 10 beds; available 5 <= free 10 - 5 and <= staffed - occupied = 6: only one fault
    problems = check(one_kind(Beds(total=10, occupied=5, staffed=11, available=5), BedKind.SEVERE), licensed_beds=None)
    assert problems == [Problem("severe.staffed", Fault.STAFFED_OVER_TOTAL, 10)]


def test_available_beyond_the_free_beds() -> None:
    # 10 beds, 8 occupied: at most 2 free
    problems = check(
        one_kind(Beds(total=10, occupied=8, staffed=10, available=3), BedKind.MODERATE), licensed_beds=None
    )
    assert problems == [Problem("moderate.available", Fault.AVAILABLE_OVER_FREE, 2)]


def test_available_beyond_staffed_minus_occupied() -> None:
    # 6 free beds, but only 6 staffed - 4 occupied = 2 have staff
    problems = check(one_kind(Beds(total=10, occupied=4, staffed=6, available=3), BedKind.MILD), licensed_beds=None)
    assert problems == [Problem("mild.available", Fault.AVAILABLE_OVER_STAFFED, 2)]


def test_available_with_fewer_staffed_than_occupied_has_limit_zero() -> None:
    # staffed 3 < occupied 5: no staffed bed is free, the limit is 0 (not -2)
    problems = check(one_kind(Beds(total=10, occupied=5, staffed=3, available=1)), licensed_beds=None)
    assert problems == [Problem("critical.available", Fault.AVAILABLE_OVER_STAFFED, 0)]


def test_occupied_over_total_and_something_available() -> None:
    # 13 of 12 occupied leaves max(0, 12 - 13) = 0 free, so 1 available is over that too
    problems = check(one_kind(Beds(total=12, occupied=13, staffed=12, available=1)), licensed_beds=None)
    assert problems == [
        Problem("critical.occupied", Fault.OCCUPIED_OVER_TOTAL, 12),
        Problem("critical.available", Fault.AVAILABLE_OVER_FREE, 0),
    ]


def test_negative_bed_counts_are_each_reported_and_stop_the_kind_s_other_checks() -> None:
    # occupied 5 > total -1 is not reported: the kind's relations are only checked when every count is >= 0
    problems = check(one_kind(Beds(total=-1, occupied=5, staffed=-2, available=0)), licensed_beds=None)
    assert problems == [
        Problem("critical.total", Fault.NEGATIVE, 0),
        Problem("critical.staffed", Fault.NEGATIVE, 0),
    ]


def test_negative_counts_outside_the_beds() -> None:
    report = one_kind(
        Beds(1, 0, 1, 1),
        deaths=-1,
        staff={Profession.NURSE: Staff(on_duty=3, short=-2)},
        supplies={Supply.GLOVES: Stock(on_hand=-5, days_of_supply=-0.5)},
    )
    assert check(report, licensed_beds=None) == [
        Problem("deaths", Fault.NEGATIVE, 0),
        Problem("staff.nurse.short", Fault.NEGATIVE, 0),
        Problem("supply.gloves.on_hand", Fault.NEGATIVE, 0),
        Problem("supply.gloves.days", Fault.NEGATIVE, 0),
    ]


@pytest.mark.parametrize("days", [float("nan"), float("inf"), float("-inf")])
def test_days_of_supply_that_is_not_a_number(days: float) -> None:
    report = one_kind(Beds(1, 0, 1, 1), supplies={Supply.OXYGEN: Stock(on_hand=10, days_of_supply=days)})
    assert check(report, licensed_beds=None) == [Problem("supply.oxygen.days", Fault.NOT_A_NUMBER, None)]


def test_no_beds_at_all() -> None:
    report = DailyReport(hospital="H-01", day=DAY, beds={})
    assert check(report, licensed_beds=None) == [Problem("beds", Fault.NO_BEDS)]


def test_licensed_beds_exceeded_by_the_tier_beds() -> None:
    # tier beds 10 + 20 + 30 + 40 = 100
    assert check(GOOD, licensed_beds=99) == [Problem("beds", Fault.OVER_LICENSED, 99)]
    assert check(GOOD, licensed_beds=100) == []


def test_isolation_rooms_do_not_count_against_the_licence() -> None:
    # 10 + 20 tier beds = 30; the 50 isolation rooms overlap them and are not added
    report = DailyReport(
        hospital="H-01",
        day=DAY,
        beds={
            BedKind.CRITICAL: Beds(10, 0, 10, 10),
            BedKind.SEVERE: Beds(20, 0, 20, 20),
            BedKind.ISOLATION: Beds(50, 0, 50, 50),
        },
    )
    assert check(report, licensed_beds=30) == []
    assert check(report, licensed_beds=29) == [Problem("beds", Fault.OVER_LICENSED, 29)]


@pytest.mark.parametrize("length", [1, FORECAST_DAYS - 1, FORECAST_DAYS + 1])
def test_forecast_of_the_wrong_length(length: int) -> None:
    report = one_kind(Beds(5, 0, 5, 5), forecast=(1,) * length)
    assert check(report, licensed_beds=None) == [Problem("forecast", Fault.FORECAST_LENGTH, 7)]


def test_no_forecast_is_allowed() -> None:
    assert check(one_kind(Beds(5, 0, 5, 5), forecast=()), licensed_beds=None) == []


def test_forecast_above_the_tier_beds() -> None:
    # tier beds: 5 critical + 3 severe = 8 (the 20 isolation rooms are not counted)
    report = DailyReport(
        hospital="H-01",
        day=DAY,
        beds={
            BedKind.CRITICAL: Beds(5, 0, 5, 5),
            BedKind.SEVERE: Beds(3, 0, 3, 3),
            BedKind.ISOLATION: Beds(20, 0, 20, 20),
        },
        forecast=(8, 9, 8, 0, 20, 8, 8),
    )
    assert check(report, licensed_beds=None) == [
        Problem("forecast.2", Fault.FORECAST_OVER_BEDS, 8),
        Problem("forecast.5", Fault.FORECAST_OVER_BEDS, 8),
    ]


def test_negative_forecast_day() -> None:
    report = one_kind(Beds(5, 0, 5, 5), forecast=(1, 1, -1, 1, 1, 1, 1))
    assert check(report, licensed_beds=None) == [Problem("forecast.3", Fault.NEGATIVE, 0)]


def test_every_field_of_a_problem_names_a_column_of_the_flat_form() -> None:
    # every count negative: 5 kinds × 4 + 3 day counts + 5 professions × 2 + 5 supplies × 2 + 7 forecast days
    report = DailyReport(
        hospital="H-01",
        day=DAY,
        beds={kind: Beds(-1, -1, -1, -1) for kind in BedKind},
        admissions=-1,
        discharges=-1,
        deaths=-1,
        staff={p: Staff(-1, -1) for p in Profession},
        supplies={s: Stock(-1, -1.0) for s in Supply},
        forecast=(-1,) * FORECAST_DAYS,
    )
    problems = check(report, licensed_beds=None)
    assert len(problems) == 20 + 3 + 10 + 10 + 7
    assert {p.fault for p in problems} == {Fault.NEGATIVE}
    assert sorted(p.field.replace(".", "_") for p in problems) == sorted(set(COLUMNS) - {"hospital", "day"})


# ---- freshness ----------------------------------------------------------------------------
# Seoul is UTC+9: 2020-12-01T15:30Z is 2020-12-02 00:30 in Seoul, and 12:00 in Seoul is 03:00Z.


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_yesterday_s_report_before_noon_is_fresh_across_the_date_line() -> None:
    # UTC still says 1 December; in Seoul it is already the 2nd, so the 1st's report is yesterday's
    assert freshness(date(2020, 12, 1), utc(2020, 12, 1, 15, 30)) is Freshness.FRESH
    assert freshness(date(2020, 12, 1), utc(2020, 12, 2, 2, 59, 59)) is Freshness.FRESH  # 11:59:59 in Seoul


def test_yesterday_s_report_at_noon_and_after_is_late() -> None:
    assert freshness(date(2020, 12, 1), utc(2020, 12, 2, 3, 0)) is Freshness.LATE  # exactly 12:00 in Seoul
    assert freshness(date(2020, 12, 1), utc(2020, 12, 2, 3, 0, 1)) is Freshness.LATE
    assert freshness(date(2020, 12, 1), utc(2020, 12, 2, 14, 59)) is Freshness.LATE  # 23:59 in Seoul


def test_the_seoul_date_decides_staleness_not_the_utc_date() -> None:
    # 2020-12-01T15:30Z is the 2nd in Seoul: a report for 30 November is two days old there
    assert freshness(date(2020, 11, 30), utc(2020, 12, 1, 15, 30)) is Freshness.STALE
    # 14:59Z is still the 1st in Seoul (23:59): the same report is yesterday's, past noon
    assert freshness(date(2020, 11, 30), utc(2020, 12, 1, 14, 59)) is Freshness.LATE


def test_today_s_report_is_fresh_all_day() -> None:
    assert freshness(date(2020, 12, 2), utc(2020, 12, 1, 15, 0)) is Freshness.FRESH  # 00:00 on the 2nd
    assert freshness(date(2020, 12, 2), utc(2020, 12, 2, 14, 59)) is Freshness.FRESH  # 23:59 on the 2nd


def test_two_days_old_is_stale_even_before_noon() -> None:
    assert freshness(date(2020, 12, 1), utc(2020, 12, 2, 15, 30)) is Freshness.STALE  # 3 Dec 00:30 in Seoul
    assert freshness(date(2020, 11, 1), utc(2020, 12, 2, 15, 30)) is Freshness.STALE


def test_no_report_is_stale() -> None:
    assert freshness(None, utc(2020, 12, 1, 15, 30)) is Freshness.STALE


def test_freshness_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        freshness(date(2020, 12, 1), datetime(2020, 12, 2, 9, 0))
