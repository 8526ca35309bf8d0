"""Congestion as Seoul Metro defines it, and the four levels it shows riders.

100 % is 160 passengers in one car (the MOLIT guideline Seoul Metro uses: 54 seated, 54
standing, 52 at the doors). A load-weighing (응하중) reading is turned into passengers at 65 kg
a person, so 6.5 t in a car is 100 people.

Levels and their boundaries (the published wording, "여유 ≤ 80 %, 보통 80–130 %, 주의 130–150 %,
혼잡 ≥ 150 %", leaves the shared edges open; this module closes them so): **relaxed** up to and
including 80 %, **normal** above 80 % and below 130 %, **caution** from 130 % to below 150 %,
**crowded** from 150 %. Only 80 % itself is on the calmer side, as "≤ 80" says.
"""

from __future__ import annotations

import math
from typing import Literal

CAPACITY = 160
"""Passengers in a car at 100 %."""
KG_PER_PASSENGER = 65.0
"""Mass a load-weighing reading is divided by to count passengers."""
MAX_PERCENT = 400.0
"""No car can hold more than this (640 people in a 20 m car is beyond any crush load); a value
above it is a sensor or input fault, refused rather than shown."""
MAX_CAR_KG = MAX_PERCENT / 100 * CAPACITY * KG_PER_PASSENGER

Level = Literal["relaxed", "normal", "caution", "crowded"]
LEVELS: tuple[Level, ...] = ("relaxed", "normal", "caution", "crowded")
KOREAN: dict[Level, str] = {"relaxed": "여유", "normal": "보통", "caution": "주의", "crowded": "혼잡"}
BOUNDS = (80.0, 130.0, 150.0)
"""Upper edges of relaxed (inclusive), normal and caution (exclusive)."""


def check_percent(pct: float) -> float:
    """``pct`` if it is a possible congestion, else ValueError naming why."""
    if not math.isfinite(pct):
        raise ValueError(f"congestion {pct} is not a number")
    if pct < 0:
        raise ValueError(f"congestion {pct} % is negative")
    if pct > MAX_PERCENT:
        raise ValueError(f"congestion {pct} % is above the {MAX_PERCENT:.0f} % no car can hold")
    return pct


def percent_from_load_kg(kg: float) -> float:
    """Congestion in % from a car's measured passenger load in kilograms (65 kg a passenger,
    160 passengers = 100 %). Refuses negative, non-finite and impossible loads."""
    if not math.isfinite(kg):
        raise ValueError(f"load {kg} kg is not a number")
    if kg < 0:
        raise ValueError(f"load {kg} kg is negative")
    if kg > MAX_CAR_KG:
        raise ValueError(f"load {kg:.0f} kg is more than a car can carry ({MAX_CAR_KG:.0f} kg = {MAX_PERCENT:.0f} %)")
    return kg / KG_PER_PASSENGER / CAPACITY * 100


def percent_from_passengers(n: float) -> float:
    """Congestion in % of ``n`` passengers in one car."""
    return check_percent(n / CAPACITY * 100)


def level(pct: float) -> Level:
    """The level of a congestion in % (see the module docstring for the edges)."""
    check_percent(pct)
    if pct <= BOUNDS[0]:
        return "relaxed"
    if pct < BOUNDS[1]:
        return "normal"
    if pct < BOUNDS[2]:
        return "caution"
    return "crowded"


def level_index(pct: float) -> int:
    """0..3, the position of :func:`level` in :data:`LEVELS`."""
    return LEVELS.index(level(pct))
