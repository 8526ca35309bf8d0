"""Rules of the public-records law (공공기록물 관리에 관한 법률 and its decree) that the records
service applies, as plain data and arithmetic.

- Registration number (decree §20③): system, the processing department's institution code and a
  yearly serial, written ``{system}-{department}-{year}{serial:06d}``, e.g. ``EDC-6110197-2026000042``.
- Retention periods (decree §26①): permanent, semi-permanent, 30, 10, 5, 3 and 1 years, counted
  from 1 January of the year after the work was completed (§26⑤).
- Disclosure (decree §27, 정보공개법 §9①): open, partly open or closed, the last two with the
  exemption numbers 1–8 of §9①; a closed classification is reviewed again every five years
  (law §35②), counted like the retention period from the year after the classification.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

SYSTEM_CODE = "EDC"  # 시스템구분: the Seoul Electronic Document Center
DEPARTMENT_CODE = re.compile(r"^[0-9]{7}$")  # 처리과기관코드: seven digits
REGISTRATION_NUMBER = re.compile(
    r"^(?P<system>[A-Z]{2,8})-(?P<department>[0-9]{7})-(?P<year>[0-9]{4})(?P<serial>[0-9]{6})$"
)
DISCLOSURE_REVIEW_YEARS = 5
EXEMPTIONS = range(1, 9)  # 정보공개법 제9조제1항 제1호 ~ 제8호


class Retention(StrEnum):
    PERMANENT = "permanent"  # 영구
    SEMI_PERMANENT = "semi_permanent"  # 준영구
    YEARS_30 = "30"
    YEARS_10 = "10"
    YEARS_5 = "5"
    YEARS_3 = "3"
    YEARS_1 = "1"

    @property
    def years(self) -> int | None:
        """Whole years, or None for the two that never run out by the calendar."""
        return int(self.value) if self.value.isdigit() else None


class Disclosure(StrEnum):
    OPEN = "open"  # 공개
    PARTIAL = "partial"  # 부분공개
    CLOSED = "closed"  # 비공개


def registration_number(department: str, year: int, serial: int, system: str = SYSTEM_CODE) -> str:
    if not DEPARTMENT_CODE.match(department):
        raise ValueError(f"department code must be seven digits, not {department!r}")
    if not 1 <= serial <= 999_999:
        raise ValueError(f"serial must be from 1 to 999999, not {serial}")
    if not 1900 <= year <= 9999:
        raise ValueError(f"year out of range: {year}")
    return f"{system}-{department}-{year}{serial:06d}"


@dataclass(frozen=True)
class Number:
    system: str
    department: str
    year: int
    serial: int


def parse_registration_number(text: str) -> Number | None:
    found = REGISTRATION_NUMBER.match(text.strip())
    if not found:
        return None
    return Number(found["system"], found["department"], int(found["year"]), int(found["serial"]))


def retention_starts(completed_year: int) -> date:
    """The day the retention period starts counting: 1 January after the work was completed."""
    return date(completed_year + 1, 1, 1)


def retention_ends(retention: Retention, completed_year: int) -> date | None:
    """The last day the record must be kept; None when the period is not counted in years."""
    years = retention.years
    if years is None:
        return None
    return date(completed_year + years, 12, 31)


def disposal_due(retention: Retention, completed_year: int, on: date) -> bool:
    """Whether a record's retention has ended by ``on`` (its disposal is then reviewed)."""
    ends = retention_ends(retention, completed_year)
    return ends is not None and ends < on


def next_disclosure_review(classified_on: date) -> date:
    """The last day of the five years that start on 1 January after the classification (law §35②)."""
    return date(classified_on.year + DISCLOSURE_REVIEW_YEARS, 12, 31)


def disclosure_label(disclosure: Disclosure, exemptions: tuple[int, ...] = ()) -> str:
    """The class as written in a register: 공개, 부분공개(1,5), 비공개(7)."""
    words = {Disclosure.OPEN: "공개", Disclosure.PARTIAL: "부분공개", Disclosure.CLOSED: "비공개"}[disclosure]
    if disclosure is Disclosure.OPEN or not exemptions:
        return words
    return f"{words}({','.join(str(n) for n in sorted(set(exemptions)))})"


def check_disclosure(disclosure: Disclosure, exemptions: tuple[int, ...]) -> str | None:
    """Why a classification is inconsistent, or None when it holds."""
    if any(n not in EXEMPTIONS for n in exemptions):
        return "exemption numbers are 1 to 8 (정보공개법 제9조제1항)"
    if disclosure is Disclosure.OPEN and exemptions:
        return "an open record has no exemption"
    if disclosure is not Disclosure.OPEN and not exemptions:
        return "a partly open or closed record names the exemption it relies on"
    return None
