"""A platform as riders name it: a station (Korean or English) and where the train goes
("toward 성수", 상행, 내선, …), with a line when the station has several. Shared by the CLI, the
public API and the pages, so a rider gets the same answer and the same refusal everywhere.

Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .baseline import DirectionError, Route, parse_direction, table


class PlatformError(ValueError):
    """What is wrong, on which field (``station``, ``direction`` or ``line``), and what would do."""

    def __init__(self, field_name: str, message: str, suggestions: list[str] | None = None):
        self.field = field_name
        self.suggestions = suggestions or []
        super().__init__(message)


@dataclass(frozen=True)
class Platform:
    station: str
    route: Route
    forward: bool
    lines: tuple[str, ...] = field(default=())
    """Every line at the station with published congestion (for offering the others)."""

    @property
    def line(self) -> str:
        return self.route.line

    @property
    def toward(self) -> str:
        return self.route.terminal(self.forward)


def find_platform(station: str, direction: str, line: str | None, resolve: Callable[[str], str]) -> Platform:
    """The platform a rider means. ``resolve`` turns a typed station name into the data's and
    raises KeyError (the network's UnknownStation) for an unknown one."""
    try:
        name = resolve(station)
    except KeyError as exc:
        raise PlatformError("station", str(exc), list(getattr(exc, "suggestions", []))) from None
    found_lines = table().lines_of(name)
    if not found_lines:
        raise PlatformError("station", f"{name} has no published congestion (Seoul Metro lines 1-8 only)")
    if line is not None and line not in found_lines:
        raise PlatformError("line", f"{name} has congestion figures on line(s) {', '.join(found_lines)}", found_lines)
    found: list[tuple[Route, bool]] = []
    error: DirectionError | None = None
    for candidate in [line] if line else found_lines:
        for route in table().routes_of(candidate, name):
            try:
                found.append((route, parse_direction(route, name, direction, resolve)))
                break
            except DirectionError as exc:
                error = error or exc
    if not found:
        if error is None:
            raise PlatformError("station", f"{name} is on no route with congestion figures")
        raise PlatformError("direction", str(error), error.suggestions)
    lines_found = sorted({route.line for route, _ in found})
    if len(lines_found) > 1:
        raise PlatformError("line", f"{name} is on lines {', '.join(lines_found)}: say which", lines_found)
    route, forward = found[0]
    return Platform(name, route, forward, tuple(found_lines))


__all__ = ["Platform", "PlatformError", "find_platform"]
