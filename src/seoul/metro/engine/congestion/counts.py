"""Per-car loads from door or CCTV passenger counts, for trains without load-weighing.

Some trains weigh nothing; instead their door sensors (or the platform's CCTV analytics) count
the riders who board and alight at each car at each stop. A count says nothing about who is
already aboard, so the load is **accumulated along the trip**: riders in a car on leaving a stop
= riders on leaving the previous stop − alighted + boarded. :func:`loads_from_counts` does that
per train, in the time order of its stops, and gives :class:`~.live.Departure` records
(``loads_kg`` = riders × 65 kg, ``source="door_counts"``) that the live view reads like the
weighing.

Accumulation rules and why:

- **A trip starts empty at its first station** (a train that terminated let everyone off, so
  it leaves its origin with only the riders who boarded there). The first station is the
  first of the route whose last station is the record's destination, in the record's
  direction row; without a destination, only a station that is the first of every route of
  the line and row through it (on 5호선 강동 is the 마천 branch's first station but the trunk's
  middle, so a train without destination is not emptied there). This reset is also what stops
  the drift: counting errors never outlive a trip. The 2호선 loop has no such station (its
  trains do not empty), so nothing resets there.
- **Across pulls**: ``prior`` gives, per train id, the riders per car after its last stop
  already accumulated (:attr:`Accumulated.carried` or :func:`prior_from` of the earlier
  pull's departures), so the next pull continues where the last one ended. The counts passed
  must be the ones after that stop (the adapter's windows ``[since, until)`` do not overlap).
  Train ids are unique across lines (the feeds' ids begin with the line).
- **A train first seen mid-trip** (no prior, not at a possible first station) starts from 0:
  everyone who boarded before it was first seen is missing until the trip ends. That is
  flagged (:attr:`Accumulated.mid_trip`, and one warning a call). A train whose direction row
  changes is on a new trip (started from 0; flagged unless it is at a possible first station).
- **Clipping**: a car cannot hold fewer than 0 riders nor more than ``levels.MAX_PERCENT`` of
  160 (640 riders: the most ``levels.percent_from_load_kg`` accepts); counting errors can push
  the running total past either edge (more riders counted off than were counted on), so it is
  clipped there and the clipped car-stops are counted and logged.
- A record that is not a possible count (unknown line, not one whole non-negative count per car
  of the line, a direction not 0/1, a naive time) is skipped and logged with its reason; the
  same stop given twice (same train, station, direction and time) is used once: a count applied
  twice would shift the rest of the trip. A stop whose record is lost shifts the rest of the
  trip the same way (its boarders and alighters are never added); nothing here can see that.

**Counting error model** (:class:`CountErrors`, used by :func:`simulated_counts` and the
stand-in): every rider passing a car's doors is missed with a probability that grows with the
stream through that car at that stop (people in groups, shoulder to shoulder, counted as one)
and counted twice with a small probability (someone hesitating in the sensor's field); each
independently, for boarding and alighting. The defaults (3 % missed at a light flow, +3 % per
160 riders through the car, at most 15 %; 1 % counted twice) put a single stop's count within
about 5 % of the truth, net about 2 % low. That is an assumption, inside what makers promise
for raw door counts (iris-GmbH IRMA, as its distributor INVETEL states it: within 5 % for
riders, within 10 % for boarding or alighting separately; about 4–5 % seen in daily use) and
far better than some field trials: Pronello & Garzón Ruiz (Sensors 23(18) 7719, 2023) measured
a commercial video counter sold as 98 % accurate at 53–55 % on buses in Turin and Asti. So the
benchmark also runs a poor counter (:data:`POOR_COUNTER`).

**Drift**: errors add up along a trip, with the riders through the doors, and reset at the next
trip's first station. Measured with ``nice -n 10 .venv/bin/python benchmarks/congestion_counts.py``
(5호선 방화–하남검단산, both directions, 2026-03-02 (a holiday) to 03-06, every car of every
train at every station, 834,960 car-stops; 2026-12-05): per-car error in percentage points of
160 riders, by stations into the trip (peak: trains leaving 07:00–09:30 or 17:30–19:30)

======================  =====  =====  =====  =====  =====  =====  =====  =====
MAE                     all    peak   0      1-4    5-9    10-19  20-29  30+
======================  =====  =====  =====  =====  =====  =====  =====  =====
door counts (defaults)  1.88   2.43   0.16   0.53   1.17   1.66   2.03   2.47
load-weighing           1.71   2.01   1.08   1.40   1.82   1.90   1.78   1.64
poor counter            3.45   4.72   0.36   1.14   2.52   3.24   3.69   4.33
======================  =====  =====  =====  =====  =====  =====  =====  =====

Mean signed error: −0.78 points for the default counter (−1.28 in the peaks; the net 2 %
undercount of a load), +0.18 for the weighing, −2.03 (−3.31) for the poor counter; 90 % of the
default counter's errors are within 4.4 points (weighing 3.7). So the counts beat the weighing
for about the first 20 stations of a trip and lose to it after; over the 49-station trip the
default counter's error grows from 0.5 to 2.5 points while the weighing's does not grow, and a
poor counter is worse than the weighing from the fifth station on. 1.4 % of car-stops were
clipped, at 0 (nearly empty cars, where the counter saw a few more riders leave than board). A perfect counter (:data:`NO_ERRORS`) gives the truth
exactly (the benchmark checks it).

Pure: no Django.
"""

from __future__ import annotations

import logging
import math
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from numbers import Integral

import numpy as np
import numpy.typing as npt

from .baseline import CARS, table
from .levels import CAPACITY, KG_PER_PASSENGER, MAX_PERCENT
from .live import Departure
from .simulator import SimDay, SimParams, flows, traits

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

log = logging.getLogger("seoul.metro.congestion.counts")

SOURCE = "door_counts"
"""The :attr:`~.live.Departure.source` of a load accumulated from counts."""
MAX_RIDERS = MAX_PERCENT / 100 * CAPACITY
"""Most riders a car can hold (640, ``levels.MAX_PERCENT`` of 160): the running total is clipped here."""


@dataclass(frozen=True)
class DoorCount:
    """The riders counted through each car's doors when one train left one station."""

    train: str
    line: str
    station: str
    """The station's name as the baseline table spells it."""
    direction: int
    """The baseline table's row: 0 = 상선/내선, 1 = 하선/외선."""
    departed_at: datetime
    """Aware."""
    boarded: tuple[int, ...]
    """Riders counted in, per car, car 1 first (the first car in the direction of travel)."""
    alighted: tuple[int, ...]
    """Riders counted out, per car."""
    destination: str = ""
    """The train's last station (data name) when the feed gives it; "" if not."""


@dataclass(frozen=True)
class CountErrors:
    """How a door counter errs (module docstring for the sources). Each rider through a car's
    doors at one stop is missed with probability ``min(miss + crowd_miss × riders / 160,
    max_miss)`` (``riders``: those passing that car's doors that way at that stop) and counted
    once more with probability ``double``, independently for boarding and alighting."""

    miss: float = 0.03
    """Share missed at a light flow (two people side by side, a child next to a parent): an
    assumption inside the makers' ≤ 5 % for raw counts."""
    crowd_miss: float = 0.03
    """Extra share missed per 160 riders through one car's doors at one stop: in a crush the
    stream is continuous and groups are counted as one (assumed; field trials report most
    misses at busy stops)."""
    max_miss: float = 0.15
    """The miss rate never exceeds this (a counter missing more is broken, not crowded)."""
    double: float = 0.01
    """Share counted twice (someone stopping in the door zone, stepping back and through again):
    assumed, smaller than the misses, as the makers' net undercount says."""


NO_ERRORS = CountErrors(miss=0.0, crowd_miss=0.0, max_miss=0.0, double=0.0)
"""A perfect counter: :func:`simulated_counts` then gives the counts of the simulated truth."""
POOR_COUNTER = CountErrors(miss=0.08, crowd_miss=0.08, max_miss=0.3, double=0.03)
"""A badly placed or badly tuned counter (within the makers' ≤ 10 % for boarding or alighting
at a light flow, worse in crowds): the benchmark's sensitivity case."""


def _with_errors(passed: I64, rng: np.random.Generator, errors: CountErrors) -> I64:
    """What a counter with ``errors`` reports when ``passed`` riders pass (per cell)."""
    p_miss = np.minimum(errors.miss + errors.crowd_miss * passed / CAPACITY, errors.max_miss)
    missed = rng.binomial(passed, np.clip(p_miss, 0.0, 1.0))
    twice = rng.binomial(passed, min(max(errors.double, 0.0), 1.0))
    counted: I64 = (passed - missed + twice).astype(np.int64)
    return counted


def simulated_counts(
    sim: SimDay, seed: int, errors: CountErrors | None = None, params: SimParams | None = None
) -> tuple[I64, I64]:
    """(boarded, alighted), each (J, N, C): the door counts of the simulated day ``sim`` (made
    with ``params``, default ``SimParams()``), as a counter with ``errors`` (default
    :class:`CountErrors`; :data:`NO_ERRORS` for the truth) would report them.

    The simulator keeps the load leaving each station, not who alighted, so the true flows are
    drawn again from its own model: at station ``i`` the riders of each car alight with the
    station's alighting share at that minute (``simulator.flows``, the share the simulator
    used), at least as many as the load fell by (``load_{i-1} − load_i``: the simulator never
    boards a negative number), and ``boarded = load_i − load_{i−1} + alighted``, so
    ``Σ (boarded − alighted)`` along a trip is the simulated load exactly. A trip starts empty
    (the simulator's trains leave their first station with only its boarders); on the 2호선
    loop the simulator draws a lap's riders on arrival at its first station afresh (they are in
    no earlier station's load), so the counts there show them as boarding there. Deterministic
    from ``seed`` (and the route and direction); the true flows do not depend on ``errors``."""
    root = np.random.SeedSequence([seed, zlib.crc32(f"counts:{sim.route.name}:{sim.forward}".encode())])
    r_flows, r_board, r_alight = (np.random.default_rng(s) for s in root.spawn(3))
    tr = traits(sim.route, sim.forward, params)
    span = int(np.ceil(sim.dep.max())) + 2
    share, _ = flows(sim.route, sim.forward, sim.day_type, tr, span)
    load = sim.load
    before = np.zeros_like(load)
    before[:, 1:] = load[:, :-1]
    minute = sim.dep.astype(np.int64)  # truncated toward zero, as the simulator's int(t)
    at = share[np.arange(load.shape[1])[None, :], minute]  # (J, N)
    alighted = np.maximum(r_flows.binomial(before, at[:, :, None]), before - load).astype(np.int64)
    boarded = (load - before + alighted).astype(np.int64)
    chosen = errors if errors is not None else CountErrors()
    return _with_errors(boarded, r_board, chosen), _with_errors(alighted, r_alight, chosen)


@lru_cache(maxsize=256)
def trip_starts(line: str, direction: int, destination: str) -> tuple[frozenset[str], frozenset[str]]:
    """(sure, possible) first stations of a trip of ``line`` in direction row ``direction``
    toward ``destination`` ("" if unknown): a train at a *sure* one is on a new trip; one first
    seen at a *possible* one is not flagged as seen mid-trip. Loops have none."""
    trips: list[tuple[list[str], bool]] = []  # (stations in travel order, a loop)
    for route in table().routes:
        if route.line != line:
            continue
        for forward in (True, False):
            if route.row(forward) == direction:
                trips.append((route.ordered(forward)[0], route.loop))
    if destination:
        toward = [trip for trip in trips if trip[0][-1] == destination]
        if toward:
            trips = toward
    possible = {names[0] for names, loop in trips if not loop}
    sure = {s for s in possible if all(names[0] == s and not loop for names, loop in trips if s in names)}
    return frozenset(sure), frozenset(possible)


def _problem(count: DoorCount) -> str | None:
    """Why ``count`` cannot be accumulated, or None."""
    cars = CARS.get(count.line)
    if cars is None:
        return f"line {count.line!r} is not one of {', '.join(CARS)}"
    if count.direction not in (0, 1):
        return f"direction {count.direction!r} is not 0 or 1"
    if count.departed_at.tzinfo is None:
        return "departed_at has no offset"
    for name, values in (("boarded", count.boarded), ("alighted", count.alighted)):
        if len(values) != cars:
            return f"{len(values)} cars {name}, line {count.line} has {cars}"
        if any(isinstance(v, bool) or not isinstance(v, Integral) or v < 0 for v in values):
            return f"{name} is not a whole number ≥ 0 per car"
    return None


@dataclass(frozen=True)
class Accumulated:
    departures: list[Departure]
    """One per stop used, oldest first, ``source="door_counts"``."""
    carried: dict[str, tuple[float, ...]]
    """Riders per car after each train's last stop: the ``prior`` of the next pull."""
    mid_trip: tuple[str, ...] = ()
    """Trains first seen mid-trip with no prior (started from 0, so under-counted until their
    trip ends)."""
    clipped: int = 0
    """Car-stops whose running total was clipped at 0 or at :data:`MAX_RIDERS`."""
    skipped: tuple[str, ...] = ()
    """Why each unusable record was skipped."""
    repeated: int = 0
    """Stops given again (same train, station, direction and time) and used once."""


def _prior(train: str, riders: tuple[float, ...] | None, cars: int) -> F64 | None:
    if riders is None:
        return None
    if len(riders) != cars or not all(math.isfinite(r) and r >= 0 for r in riders):
        log.warning("door counts: train %s: the riders carried from before are not %d counts ≥ 0; ignored", train, cars)
        return None
    return np.minimum(np.array(riders, dtype=np.float64), MAX_RIDERS)


def accumulate(counts: Iterable[DoorCount], prior: Mapping[str, tuple[float, ...]] | None = None) -> Accumulated:
    """Per-car loads of every stop in ``counts`` (any order, any line), accumulated per train
    in time order from ``prior`` (train id → riders per car after its last stop accumulated
    before) or from 0; the module docstring says how and why."""
    skipped: list[str] = []
    trains: dict[str, list[DoorCount]] = {}
    for n, count in enumerate(counts, start=1):
        problem = _problem(count)
        if problem is not None:
            skipped.append(f"count {n} (train {count.train} at {count.station}): {problem}")
            continue
        trains.setdefault(count.train, []).append(count)
    out: list[Departure] = []
    carried: dict[str, tuple[float, ...]] = {}
    mid_trip: dict[str, None] = {}  # in order of finding
    clipped = 0
    repeated = 0
    example = ""
    for train, stops in trains.items():
        stops.sort(key=lambda c: c.departed_at)
        on = _prior(train, (prior or {}).get(train), CARS[stops[0].line])
        trip: tuple[str, int] | None = None  # (line, direction) of the trip under way
        seen: set[tuple[str, int, datetime]] = set()
        for c in stops:
            key = (c.station, c.direction, c.departed_at)
            if key in seen:
                repeated += 1
                continue
            seen.add(key)
            cars = CARS[c.line]
            sure, possible = trip_starts(c.line, c.direction, c.destination)
            if c.station in sure:
                on = np.zeros(cars)
            elif on is None or len(on) != cars or (trip is not None and trip != (c.line, c.direction)):
                on = np.zeros(cars)
                if c.station not in possible:
                    mid_trip.setdefault(train)
            trip = (c.line, c.direction)
            raw = on - np.array(c.alighted, dtype=np.float64) + np.array(c.boarded, dtype=np.float64)
            on = np.clip(raw, 0.0, MAX_RIDERS)
            off = int(np.count_nonzero(on != raw))
            if off:
                clipped += off
                example = example or f"train {train} at {c.station}: {raw.min():.0f}..{raw.max():.0f} riders"
            out.append(
                Departure(
                    train=train,
                    line=c.line,
                    station=c.station,
                    direction=c.direction,
                    departed_at=c.departed_at,
                    loads_kg=tuple(float(r) * KG_PER_PASSENGER for r in on),
                    destination=c.destination,
                    source=SOURCE,
                )
            )
        if on is not None:
            carried[train] = tuple(float(r) for r in on)
    if skipped:
        log.warning("door counts: skipped %d records (%s)", len(skipped), "; ".join(skipped[:3]))
    if mid_trip:
        log.warning(
            "door counts: %d trains first seen mid-trip with no riders carried from before, started from 0 "
            "(under-counted until their trip ends): %s",
            len(mid_trip),
            ", ".join(list(mid_trip)[:10]),
        )
    if clipped:
        log.warning(
            "door counts: %d car-stops clipped to 0..%.0f riders (counting errors), e.g. %s",
            clipped,
            MAX_RIDERS,
            example,
        )
    out.sort(key=lambda d: (d.departed_at, d.train, d.station))
    return Accumulated(out, carried, tuple(mid_trip), clipped, tuple(skipped), repeated)


def loads_from_counts(
    counts: Iterable[DoorCount], prior: Mapping[str, tuple[float, ...]] | None = None
) -> list[Departure]:
    """The departures with per-car loads accumulated from door counts (``loads_kg`` = riders ×
    65 kg, ``source="door_counts"``), oldest first: :func:`accumulate`'s departures."""
    return accumulate(counts, prior).departures


def prior_from(departures: Iterable[Departure]) -> dict[str, tuple[float, ...]]:
    """Riders per car after each train's last departure accumulated from door counts (the
    ``prior`` of the next pull when the departures, not :class:`Accumulated`, were kept)."""
    last: dict[str, Departure] = {}
    for d in departures:
        if d.source == SOURCE and (d.train not in last or d.departed_at >= last[d.train].departed_at):
            last[d.train] = d
    return {train: tuple(kg / KG_PER_PASSENGER for kg in d.loads_kg) for train, d in last.items()}
