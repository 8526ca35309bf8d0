"""Calendar quarters of the KPI reports: ``2026Q3``."""

from __future__ import annotations

from datetime import date


def of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def label(year: int, quarter: int) -> str:
    return f"{year}Q{quarter}"


def end(year: int, quarter: int) -> date:
    return _last_day(year, quarter * 3)


def _last_day(year: int, month: int) -> date:
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def reportable(today: date, since: date) -> list[tuple[int, int]]:
    """The quarters that ended on or before ``today``, from the one containing ``since``, newest
    first (a start-up reports a quarter once it ended)."""
    out = []
    y, q = of(since)
    while end(y, q) <= today:
        out.append((y, q))
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out[::-1]
