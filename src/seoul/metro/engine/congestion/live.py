"""The forecast's live view built from measured departures instead of the simulator.

The train departures feed (``seoul.metro.adapters.loads``) reports, for every train leaving a
station, its train id, line, station, direction row (0 = the baseline table's first row,
상선/내선; 1 = 하선/외선), the moment it left and the load-weighing (응하중) of each car in kg.
:func:`live_from_departures` turns one service day's departures of one route and direction
into the :class:`~.forecast.Live` that :func:`~.forecast.observe` builds from a simulated day,
so :func:`~.forecast.forecast` reads measurements exactly as it reads the simulator;
:func:`platform_from_live` answers like :func:`~.forecast.simulated_platform` with
``"source": "measured"``.

How departures become the forecast's rows of trains:

- a departure belongs to the route when its direction row is the route's row for the
  direction, its station is on the route (others are ignored: another branch, a station
  without published figures) and, when the feed names the train's destination, that
  destination is the route's last station in travel order (so a 마천 train at 강동 is not
  taken for a 하남검단산 train);
- departures of one train id are one row; a repeated departure of a train at a station (the
  feed repeats itself) keeps the first, except that a weighed load replaces one accumulated
  from door counts (``Departure.source``: the weighing measures the car, the counts drift); a
  departure after ``now`` is not known yet and dropped;
- the rows are matched to the timetable (``scheduled``: the same timetable the simulator runs,
  the headway of the time of day) by their origin time (first known departure less the
  scheduled minutes from the first station), in order, because the forecast needs the trains
  that have not started yet (they are timetable entries only). Scheduled trains earlier than
  the last measured one that the feed never reported are dropped (they ran unseen or were
  cancelled); the later ones are the trains still to come.

Taps: the feed carries no gate taps; ``taps_per_minute`` (station → taps per minute of service
from 05:30, for this direction: ``taps.split`` of the platform's own gate entries) comes from
the platform's gates. **When a station's are missing, zero taps would be read as "nobody
came"**: the forecast's tap factor (observed over usual taps of the last hour) falls toward 0 and
it would board almost no one there, so the cars would be under-forecast, increasingly so down
the line. :func:`platform_from_live` therefore replaces the taps of every station whose gates
counted less than :data:`PLAUSIBLE` of its usual taps over the last hour (when the usual is at
least :data:`QUIET_HOUR` taps, so a quiet hour's zero stays a zero) by the learned usual taps
(the model's tap rate per station and half-hour: a factor of 1), which keeps the boarders at
their usual level while the measured loads and departures still set each train's start and
gap; the answer's note says how many stations were filled in. Measured on the simulated line
(장한평, both directions, 2026-03-04 to 06, every 10 minutes, the next three trains, per car;
2026-12-05): MAE 3.9 points with the day's taps (5.4 in the peaks), 4.8 (6.9) with the usual
taps, 15.9 (22.2) with zero taps read as they are.

The first train of a day may leave a few seconds before 05:30 (minute < 0): ask the feed from
a little before (05:00) so it is not lost.

Pure: no Django.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from seoul.core.engine.time import SEOUL

from .baseline import (
    CARS,
    FIRST_SLOT,
    SLOT_MINUTES,
    Route,
    day_type,
    service_day,
)
from .forecast import F64, I64, Live, Model, _platform_model, answer, forecast
from .levels import percent_from_load_kg
from .simulator import headway, published_riders

log = logging.getLogger("seoul.metro.congestion.live")
Taps = Mapping[str, Sequence[int] | I64]
"""Station (data name) → gate taps per minute of service from 05:30."""

PLAUSIBLE = 0.1
"""A station's gates counting less than this share of its usual taps over the last hour are taken
as not reporting (a gate array offline, a station not yet connected): no disruption empties a
station this much while its trains run (Seoul's ridership fell about 40 % at the worst of 2020)."""
QUIET_HOUR = 30.0
"""Usual taps in the last hour below which a station's zero is believed."""

MEASURED_NOTE = (
    "departures and {loads} are measured (train operations feed); the model is learned on "
    "simulated past days until measured days are stored"
)
LOAD_SOURCES = {"weighing": "load-weighing", "door_counts": "door counts accumulated along each trip"}


@dataclass(frozen=True)
class Departure:
    """One train leaving one station, as the departures feed reports it."""

    train: str
    line: str
    station: str
    """The station's name as the baseline table spells it."""
    direction: int
    """The baseline table's row: 0 = 상선/내선, 1 = 하선/외선."""
    departed_at: datetime
    """Aware."""
    loads_kg: tuple[float, ...]
    """Load-weighing per car, car 1 first (the first car in the direction of travel), in kg."""
    destination: str = ""
    """The train's last station (data name) when the feed gives it; "" if not."""
    source: str = "weighing"
    """Where ``loads_kg`` comes from: ``"weighing"`` (the train's load-weighing, 응하중) or
    ``"door_counts"`` (riders counted at the doors by door sensors or CCTV, accumulated along the
    trip and turned into kg at 65 kg a rider)."""


def scheduled(route: Route, forward: bool, day: date) -> F64:
    """(J,) the timetable: minute of service each train is due to leave the first station
    (the simulator's timetable: the headway of the time of day, while figures are published)."""
    kind = day_type(day)
    riders = published_riders(route, forward, kind)
    served = np.flatnonzero(riders.sum(axis=0) > 0)
    end = float((served.max() + 1) * SLOT_MINUTES) if len(served) else 0.0
    times = [0.0]
    while times[-1] + headway(times[-1], kind) < end:
        times.append(times[-1] + headway(times[-1], kind))
    return np.array(times, dtype=np.float64)


def service_start(day: date) -> datetime:
    """05:30 Seoul time of ``day``: minute 0 of its service."""
    return datetime.combine(day, FIRST_SLOT, tzinfo=SEOUL)


def minute_of(day: date, at: datetime) -> float:
    """Minutes from 05:30 of ``day`` (Seoul) to the aware moment ``at``."""
    return (at - service_start(day)).total_seconds() / 60


def _taps_array(stations: Sequence[str], taps: Taps | None, minutes: int) -> I64:
    out = np.zeros((len(stations), minutes), dtype=np.int64)
    if not taps or minutes <= 0:
        return out
    for i, name in enumerate(stations):
        seen = taps.get(name)
        if seen is None:
            continue
        row = np.asarray(seen, dtype=np.int64)[:minutes]
        out[i, : len(row)] = np.maximum(row, 0)
    return out


def live_from_departures(
    route: Route,
    forward: bool,
    day: date,
    departures: Iterable[Departure],
    taps_per_minute: Taps | None,
    now_minute: float,
) -> Live:
    """What the platform knows at minute ``now_minute`` of service day ``day`` on ``route`` in
    one direction, from measured ``departures`` (any order, any line: those not on the route
    and direction are ignored) and gate taps (station → taps per minute of service; missing
    stations and minutes count 0). See the module docstring for how trains are matched."""
    names, hop = route.ordered(forward)
    index = {name: i for i, name in enumerate(names)}
    n, cars = len(names), CARS[route.line]
    row = route.row(forward)
    last_station = names[-1]
    cum = np.concatenate([[0.0], np.cumsum(hop[: n - 1])])
    trains: dict[str, dict[int, tuple[float, F64]]] = {}
    counted: dict[str, set[int]] = {}  # stops whose loads come from door counts
    for d in departures:
        if d.line != route.line or d.direction != row or d.station not in index:
            continue
        if d.destination and d.destination != last_station:
            continue
        minute = minute_of(day, d.departed_at)
        if not math.isfinite(minute) or minute > now_minute or minute < -SLOT_MINUTES:
            continue
        if len(d.loads_kg) != cars:
            log.warning(
                "train %s at %s: %d cars weighed, line %s has %d", d.train, d.station, len(d.loads_kg), d.line, cars
            )
            continue
        try:
            pct = np.array([percent_from_load_kg(kg) for kg in d.loads_kg], dtype=np.float64)
        except ValueError as exc:
            log.warning("train %s at %s: %s", d.train, d.station, exc)
            continue
        seen = trains.setdefault(d.train, {})
        i = index[d.station]
        if i not in seen or (d.source == "weighing" and i in counted.get(d.train, set())):
            seen[i] = (minute, pct)  # a repeated record keeps the first; weighing beats door counts
            if d.source == "weighing":
                counted.get(d.train, set()).discard(i)
            else:
                counted.setdefault(d.train, set()).add(i)
    timetable = scheduled(route, forward, day)
    origins = sorted(
        (min(t - cum[i] for i, (t, _) in stops.items()), train) for train, stops in trains.items() if stops
    )
    rows: list[tuple[float, str | None]] = []  # (timetable minute, train id or None if not started)
    k = 0
    for origin, train in origins:
        # the nearest timetable entry at or after the previous match
        while k + 1 < len(timetable) and abs(timetable[k + 1] - origin) <= abs(timetable[k] - origin):
            k += 1
        if k < len(timetable) and (not rows or rows[-1][0] < timetable[k]):
            rows.append((float(timetable[k]), train))
            k += 1
        else:  # an extra train (or the timetable ran out): its own origin
            rows.append((float(origin), train))
    last = max((t for t, _ in rows), default=-math.inf)
    rows.extend((float(t), None) for t in timetable if t > last)
    rows.sort(key=lambda r: r[0])
    j_count = len(rows)
    dep = np.full((j_count, n), np.nan)
    weigh = np.full((j_count, n, cars), np.nan)
    for j, (_, trip) in enumerate(rows):
        if trip is None:
            continue
        for i, (t, pct) in trains[trip].items():
            dep[j, i] = t
            weigh[j, i] = pct
    times = np.array([t for t, _ in rows], dtype=np.float64)
    return Live(now_minute, times, dep, weigh, _taps_array(names, taps_per_minute, max(int(now_minute), 0)))


def usual_taps(model: Model, minutes: int) -> I64:
    """(N, minutes) the model's usual taps per minute of service, as whole taps whose running
    totals follow the learned rates (for a day whose taps are not available)."""
    if minutes <= 0:
        return np.zeros((len(model.stations), 0), dtype=np.int64)
    total = np.rint(model.usual_cum[:, : minutes + 1]).astype(np.int64)
    if total.shape[1] < minutes + 1:
        total = np.pad(total, ((0, 0), (0, minutes + 1 - total.shape[1])), mode="edge")
    out: I64 = np.diff(total, axis=1)
    return out


def not_reporting(model: Model, live: Live) -> npt.NDArray[np.bool_]:
    """(N,) stations whose taps over the last hour are under :data:`PLAUSIBLE` of their usual
    (and the usual is at least :data:`QUIET_HOUR`); every station when there are no taps at all."""
    n = len(model.stations)
    if live.taps.size == 0 or not live.taps.any():
        return np.ones(n, dtype=np.bool_)
    now = live.taps.shape[1]
    start = max(now - 60, 0)
    observed = (live.cum_taps[:, now] - live.cum_taps[:, start]).astype(np.float64)
    cum = model.usual_cum
    usual = cum[:, min(now, cum.shape[1] - 1)] - cum[:, min(start, cum.shape[1] - 1)]
    found: npt.NDArray[np.bool_] = (usual >= QUIET_HOUR) & (observed < PLAUSIBLE * usual)
    return found


def platform_from_live(
    route: Route,
    forward: bool,
    station: str,
    at: datetime,
    live: Live,
    trains: int = 3,
    sources: Iterable[str] = ("weighing",),
) -> dict[str, Any]:
    """The next ``trains`` trains leaving ``station`` after ``at`` with per-car congestion, from
    a measured :class:`Live` (:func:`live_from_departures` at ``at``); the same dict as
    :func:`~.forecast.simulated_platform` with ``"source": "measured"``. The model is the
    platform's (learned on simulated past days of the day type until measured days are
    stored). Stations whose gates report nothing plausible get the usual taps (module
    docstring). ``sources``: where the departures' loads came from (``Departure.source``), for
    the note."""
    if at.tzinfo is not None:
        at = at.astimezone(SEOUL)
    day = service_day(at)
    k = route.ordered(forward)[0].index(station)
    model = _platform_model(route, forward, day, k)
    note = MEASURED_NOTE.format(loads=" and ".join(LOAD_SOURCES[s] for s in sorted(sources)) or "load-weighing")
    missing = not_reporting(model, live)
    if missing.any():
        usual = usual_taps(model, live.taps.shape[1])
        filled = np.where(missing[:, None], usual, live.taps)
        live = Live(live.now, live.timetable, live.dep, live.weigh_pct, filled)
        if missing.all():
            note += "; gate taps not available: usual taps assumed"
        else:
            note += f"; gate taps missing or implausibly few at {int(missing.sum())} of {len(missing)} stations: usual taps assumed there"
    found = forecast(model, live, k, trains)
    return answer(route, forward, station, at, model, found, source="measured", note=note)
