"""Checking decoded JSON field by field, collecting every problem with where it is, for the two
documents people give the care engine: a facility model (``facility.py``) and an airborne-risk
scenario (``scenario.py``). Each check adds ``(path, reason)`` to an :class:`Errors` and returns
``None`` when the value is unusable, so a parser goes on and reports everything at once.

Pure: no Django.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

Interval = tuple[float, float]


class Errors:
    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def add(self, path: str, reason: str) -> None:
        self.errors.append((path, reason))


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def obj(
    errors: Errors, value: Any, path: str, allowed: set[str], required: tuple[str, ...]
) -> Mapping[str, Any] | None:
    """``value`` as an object with only ``allowed`` keys and every ``required`` one."""
    if not isinstance(value, Mapping):
        errors.add(path or "(top)", "must be an object")
        return None
    for key in sorted(set(value) - allowed, key=str):
        errors.add(join(path, str(key)), "unknown field (allowed: " + ", ".join(sorted(allowed)) + ")")
    for key in required:
        if key not in value:
            errors.add(join(path, key), "is required")
    return value


def number(
    errors: Errors,
    value: Any,
    path: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    unit: str = "",
) -> float | None:
    """A finite number within [low, high] (``low_open``: strictly above ``low``)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        errors.add(path, "must be a number")
        return None
    x = float(value)
    suffix = f" {unit}" if unit else ""
    if low is not None and (x < low or (low_open and x == low)):
        errors.add(path, f"must be {'greater than' if low_open else 'at least'} {low:g}{suffix} (got {x:g})")
        return None
    if high is not None and x > high:
        errors.add(path, f"must be at most {high:g}{suffix} (got {x:g})")
        return None
    return x


def integer(errors: Errors, value: Any, path: str, *, low: int, high: int | None = None) -> int | None:
    """A whole number (``3.0`` counts) within [low, high]."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (isinstance(value, float) and not value.is_integer())
    ):
        errors.add(path, "must be an integer")
        return None
    n = int(value)
    if n < low or (high is not None and n > high):
        errors.add(path, f"must be between {low} and {high}" if high is not None else f"must be at least {low}")
        return None
    return n


def choice(errors: Errors, value: Any, path: str, options: Iterable[str]) -> str | None:
    options = tuple(options)
    if not isinstance(value, str) or value not in options:
        errors.add(path, "must be one of " + ", ".join(repr(o) for o in options) + f" (got {value!r})")
        return None
    return value


def intervals(errors: Errors, value: Any, path: str, *, expected: str = "") -> tuple[Interval, ...] | None:
    """Hours of a day as sorted, non-overlapping ``[start, end]`` pairs within 0–24."""
    if not isinstance(value, list) or not value:
        errors.add(path, f"must be {expected or 'a list of [start_hour, end_hour]'}")
        return None
    out: list[Interval] = []
    ok = True
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        if not isinstance(item, list | tuple) or len(item) != 2:
            errors.add(where, "must be [start_hour, end_hour]")
            ok = False
            continue
        start = number(errors, item[0], f"{where}[0]", low=0.0, high=24.0)
        end = number(errors, item[1], f"{where}[1]", low=0.0, high=24.0)
        if start is None or end is None:
            ok = False
            continue
        if end <= start:
            errors.add(where, "must end after it starts")
            ok = False
            continue
        if out and start < out[-1][1]:
            errors.add(where, "must start at or after the end of the previous interval (sorted, not overlapping)")
            ok = False
            continue
        out.append((start, end))
    return tuple(out) if ok else None
