"""Gate entries at a station split into the taps of each platform (line and direction).

The forecast reads gate taps per station and direction: riders who entered a walk before and
will board the next train of *that* direction (``forecast.Live.taps``). A gate does not know
where a rider goes: the platform's gate events say only that someone entered at a station. At
a station of one line the entries split between the two directions; at a transfer station
(군자: 5호선 and 7호선) between up to four platforms, and the gate arrays of a transfer station
share one paid area, so the line of the gate a rider walked through says little about the
train they take. So every entry of a station, whatever the gate's line, is pooled and split by
the share each platform has of the gated boarders the published profile implies for that
minute:

- the boarders a train picks up at the station (``simulator.flows``: the change of the
  published mean load from the station before, with at least the station's turnover alighting),
  divided by the headway of the time of day — boarders a minute;
- times the share of them who enter through the gates (the station's ``tap_share``: most at an
  ordinary station, fewer at a transfer station where many change trains without tapping);
- a platform's share is its gated boarders over the sum of every platform's at the station.

Only lines with published congestion (Seoul Metro's lines 1–8) get a share: entries at a
station that other operators' lines also serve (9호선 at 노량진, 신분당선 at 강남) are split
among the published lines as if nobody took the others — counted on the gates of the published
lines only (:func:`pooled` takes the gate's line to leave the others out).

Measured on the simulated line (``benchmarks/congestion_forecast.py --taps station``: both
directions' taps of a station summed, then split back with these shares) against the
direction's own taps (``--taps direction``) and no taps (``--taps usual``): the figures are in
``docs/metro-congestion.md``.

Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from .baseline import SLOT_MINUTES, SLOTS, DayType, Route, day_type, table
from .forecast import F64, I64
from .simulator import flows, headway, traits

SPAN = SLOTS * SLOT_MINUTES
"""Minutes of a service day with published slots (05:30 to 02:00)."""

Platform = tuple[str, int]
"""(line, direction row of the published table: 0 = 상선/내선, 1 = 하선/외선)."""


def _route_with(line: str, station: str) -> Route | None:
    routes = table().routes_of(line, station)
    return routes[0] if routes else None


@lru_cache(maxsize=64)
def _gated_rate(route: Route, forward: bool, kind: DayType) -> F64:
    """(N, SPAN) gated boarders a minute at each station of a route in one direction."""
    tr = traits(route, forward)
    _, board = flows(route, forward, kind, tr, SPAN)
    heads = np.array([headway(float(m), kind) for m in range(SPAN)])
    rate: F64 = board / heads[None, :] * tr.tap_share[:, None]
    return rate


def shares(station: str, kind: DayType) -> dict[Platform, F64]:
    """Each platform's share of the station's gate entries, per minute of service (SPAN,).
    Shares sum to 1 at every minute some platform boards anyone; where none does (before the
    first train, a terminal's arriving side), they are spread evenly over the platforms so no
    entry is lost. Empty for a station without published congestion."""
    rates: dict[Platform, F64] = {}
    for line in table().lines_of(station):
        route = _route_with(line, station)
        if route is None:
            continue
        for forward in (True, False):
            names, _ = route.ordered(forward)
            if station not in names:
                continue
            rates[(line, route.row(forward))] = _gated_rate(route, forward, kind)[names.index(station)]
    if not rates:
        return {}
    total = np.sum(list(rates.values()), axis=0)
    even = 1.0 / len(rates)
    return {key: np.where(total > 0, rate / np.where(total > 0, total, 1.0), even) for key, rate in rates.items()}


def split(entries: Mapping[str, Sequence[int] | I64], route: Route, forward: bool, day: date) -> dict[str, I64]:
    """The taps of ``route``'s platforms in one direction (station → taps a minute of service)
    from each station's gate entries a minute (station → entries, minute 0 = 05:30). Whole taps:
    the running total of the share is rounded, so what is split off over a span is the share of
    that span's entries, never a systematic loss. Stations of the route without entries are
    left out (the forecast counts them 0; the caller decides whether that is plausible)."""
    kind = day_type(day)
    row = route.row(forward)
    names, _ = route.ordered(forward)
    out: dict[str, I64] = {}
    for station in names:
        seen = entries.get(station)
        if seen is None:
            continue
        counts = np.asarray(seen, dtype=np.float64)[:SPAN]
        share = shares(station, kind).get((route.line, row))
        if share is None or len(counts) == 0:
            continue
        mine = np.rint(np.cumsum(counts * share[: len(counts)]))
        out[station] = np.diff(np.concatenate([[0.0], mine])).astype(np.int64)
    return out


def pooled(
    stations: Sequence[str] | npt.NDArray[np.str_],
    lines: Sequence[str] | npt.NDArray[np.str_],
    minutes: Sequence[int] | I64,
    entries: Sequence[int] | I64,
    span: int = SPAN,
) -> dict[str, I64]:
    """Station → entries a minute of service (``span`` long) from columns of rows (station, gate
    line, minute of service, entries), counting only gates of the lines with published
    congestion (module docstring); rows outside ``[0, span)`` are ignored. Vectorised: a day's
    rows for the city are a few hundred thousand."""
    published = np.array(sorted({line for line, _ in table().code_of}))
    name = np.asarray(stations, dtype=np.str_)
    minute = np.asarray(minutes, dtype=np.int64)
    count = np.asarray(entries, dtype=np.int64)
    keep = np.isin(np.asarray(lines, dtype=np.str_), published) & (minute >= 0) & (minute < span)
    if not keep.any():
        return {}
    found, where = np.unique(name[keep], return_inverse=True)
    grid = np.zeros((len(found), span), dtype=np.int64)
    np.add.at(grid, (where, minute[keep]), count[keep])
    return {str(station): grid[k] for k, station in enumerate(found)}


__all__ = ["SPAN", "Platform", "pooled", "shares", "split"]
