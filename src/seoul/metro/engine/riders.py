"""Who a rider is for the fare: the category on a given day, from the birth date the rider gave
and the free-travel entitlements the public-data service verified (pure functions).

Fare categories (서울교통공사 여객운송약관; docs/metro-riders.md):
- children 6–12 and youth 13–18 by age on the day of travel (만 나이) — the birth date is the
  rider's own statement, as for a registered transport card's youth discount;
- free travel (65 and over, persons with disabilities, national merit) only with a verified
  entitlement valid that day, never from a stated birth date alone;
- everyone else adult.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

FREE_KINDS = ("senior", "disabled", "merit")  # the order in which an entitlement is chosen
MIN_SIGN_UP_AGE = 14  # under 14 a legal guardian must consent (개인정보 보호법 제22조의2)


def age_on(birth: date, day: date) -> int:
    """Age in whole years on ``day`` (만 나이); someone born on 29 February turns a year older on
    1 March in common years."""
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


def category_on(birth: date | None, day: date, entitlements: Iterable[tuple[str, date]] = ()) -> str:
    """The fare category on ``day``: a free-travel entitlement valid that day (``(kind,
    valid_until)``), else by age: ``child`` 6–12, ``youth`` 13–18, ``adult`` otherwise (or when
    no birth date is known)."""
    valid = {kind for kind, until in entitlements if day <= until}
    for kind in FREE_KINDS:
        if kind in valid:
            return kind
    if birth is None:
        return "adult"
    age = age_on(birth, day)
    if 6 <= age <= 12:
        return "child"
    if 13 <= age <= 18:
        return "youth"
    return "adult"
