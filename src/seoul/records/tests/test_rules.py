"""The records law's arithmetic: registration numbers, retention ends, disclosure classes."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seoul.records.engine import rules
from seoul.records.engine.rules import Disclosure, Retention


def test_registration_number_has_the_three_parts_of_decree_20() -> None:
    number = rules.registration_number("6110101", 2026, 42)
    assert number == "EDC-6110101-2026000042"
    parsed = rules.parse_registration_number(number)
    assert parsed == rules.Number("EDC", "6110101", 2026, 42)
    for bad in ("611010", "61101011", "abcdefg"):
        with pytest.raises(ValueError, match="seven digits"):
            rules.registration_number(bad, 2026, 1)
    with pytest.raises(ValueError, match="serial"):
        rules.registration_number("6110101", 2026, 1_000_000)
    assert rules.parse_registration_number("EDC-6110101-2026-42") is None


@given(
    department=st.from_regex(r"[0-9]{7}", fullmatch=True),
    year=st.integers(1900, 9999),
    serial=st.integers(1, 999_999),
)
def test_registration_numbers_parse_back(department: str, year: int, serial: int) -> None:
    parsed = rules.parse_registration_number(rules.registration_number(department, year, serial))
    assert parsed is not None and (parsed.department, parsed.year, parsed.serial) == (department, year, serial)


def test_retention_counts_from_the_first_of_january_after_completion() -> None:
    # work completed on any day of 2020: the period starts on 2021-01-01
    assert rules.retention_starts(2020) == date(2021, 1, 1)
    assert rules.retention_ends(Retention.YEARS_1, 2020) == date(2021, 12, 31)
    assert rules.retention_ends(Retention.YEARS_5, 2020) == date(2025, 12, 31)
    assert rules.retention_ends(Retention.YEARS_30, 2020) == date(2050, 12, 31)
    assert rules.retention_ends(Retention.PERMANENT, 2020) is None
    assert rules.retention_ends(Retention.SEMI_PERMANENT, 2020) is None
    assert not rules.disposal_due(Retention.YEARS_3, 2022, date(2025, 12, 31))
    assert rules.disposal_due(Retention.YEARS_3, 2022, date(2026, 1, 1))
    assert not rules.disposal_due(Retention.PERMANENT, 1950, date(2026, 1, 1))


def test_disclosure_classes_and_their_exemptions() -> None:
    assert rules.disclosure_label(Disclosure.OPEN) == "공개"
    assert rules.disclosure_label(Disclosure.PARTIAL, (6, 1, 6)) == "부분공개(1,6)"
    assert rules.disclosure_label(Disclosure.CLOSED, (7,)) == "비공개(7)"
    assert rules.check_disclosure(Disclosure.OPEN, ()) is None
    assert rules.check_disclosure(Disclosure.CLOSED, (5,)) is None
    assert rules.check_disclosure(Disclosure.OPEN, (5,)) is not None
    assert rules.check_disclosure(Disclosure.PARTIAL, ()) is not None
    assert rules.check_disclosure(Disclosure.CLOSED, (9,)) is not None
    # a closed classification made in 2026 is reviewed again within 2027-2031
    assert rules.next_disclosure_review(date(2026, 6, 30)) == date(2031, 12, 31)
