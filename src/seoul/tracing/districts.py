"""Seoul's 25 districts (자치구), shipped as data in ``reference/districts.csv`` (shared with
the synthetic city).

Records store the district as its row index 0..24 (see ``reference/SOURCE.md``); pages show
the Korean name, or the romanised one when the page is in English.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import get_language

DATA = Path(__file__).resolve().parent / "reference" / "districts.csv"


@dataclass(frozen=True)
class District:
    index: int
    code: str
    name_ko: str
    name_en: str

    def __str__(self) -> str:
        return self.name_en if (get_language() or "ko").startswith("en") else self.name_ko


@cache
def all_districts() -> tuple[District, ...]:
    with DATA.open(encoding="utf-8") as fh:
        rows = [District(i, r["code"], r["name"], r["name_en"]) for i, r in enumerate(csv.DictReader(fh))]
    if [d.index for d in rows] != list(range(25)):
        raise ValueError(f"{DATA} must list the 25 districts")
    return tuple(rows)


def district(index: int) -> District:
    return all_districts()[index]


def choices() -> list[tuple[int, str]]:
    """(index, name) pairs for forms, in the current language."""
    return [(d.index, str(d)) for d in all_districts()]


def by_name(name: str) -> District:
    """The district named ``name`` (Korean or romanised, case-insensitive)."""
    wanted = name.strip().lower()
    for d in all_districts():
        if wanted in (d.name_ko, d.name_en.lower()):
            return d
    raise KeyError(name)
