"""A simulated subway line for one service day and one direction, with ground truth and the
observations the platform's sources would give.

Generative model (every parameter is in :class:`SimParams`; ``docs/metro-congestion.md`` says
why each value):

- **Trains** leave the first station of the route at the timetable headway of the time of day
  (:func:`headway`) and run the scheduled minutes between stations (``Route.minutes``), with a
  small jitter. Service runs while the published profile has figures for that slot.
- **Demand that reproduces the baseline.** For the published mean load ``P_i`` (passengers a
  train carries leaving station ``i``, from the profile of that day type and slot) the model
  splits the change from ``P_{i-1}`` into alighting and boarding: a share ``a_i`` of the riders
  on board alights (at least the station's turnover, more where the profile falls) and
  ``B_i = P_i - (1 - a_i) P_{i-1}`` board. Riders reach the platform as a Poisson stream of
  ``B_i / h`` a minute (``h`` the headway), so a train on time leaves on average with ``P_i``.
- **Day-to-day variation**: the stream is multiplied by a day factor (lognormal), by a smooth
  AR(1) noise of the whole line within the day (weather, an event letting out, a slow day) and
  by a few local surges at single stations (an event, a school out).
- **Cars**: each station has a stable boarding pattern over the cars (end cars emptier, the
  cars at the station's one or two staircases fuller); riders queue at the car of their choice.
- **Platform queues and the crush limit**: a car takes riders until it holds ``crush_pct`` of
  160; those who do not fit stay on the platform for the next train.
- **Disruption** (on a share of days): one train is held ``delay`` minutes at a station; the
  trains behind it cannot overtake (they keep a minimum headway), so the gap before the held
  train grows, its platforms fill, it leaves crowded and leaves riders behind, and the bunched
  followers run emptier.
- **Observations**, as the sources give them: load-weighing per car on leaving each station
  (the riders' real masses, a day-level clothing/luggage bias and sensor noise, in kg, turned
  into % at 65 kg a rider), the departure times of every train (train control), and gate taps
  per station and minute: riders who enter through the gates tap a walk of a few minutes before
  they reach the platform; riders changing from another line do not tap.

Everything is drawn from ``numpy.random.Generator``s: the stations' traits from the route alone
(stable from day to day), the day from the ``seed``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property

import numpy as np
import numpy.typing as npt

from .baseline import CARS, SLOT_MINUTES, SLOTS, DayType, Route, day_type, table
from .levels import CAPACITY, KG_PER_PASSENGER

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SimParams:
    day_sd: float = 0.08
    """Log-sd of the day factor (a rainy Monday against a quiet Friday)."""
    noise_sd: float = 0.12
    """Stationary log-sd of the within-day AR(1) demand noise."""
    noise_tau_min: float = 40.0
    """Its time constant in minutes."""
    surges_per_day: float = 1.0
    """Expected local surges a day (Poisson)."""
    surge_gain: tuple[float, float] = (0.5, 1.5)
    """A surge multiplies the station's stream by 1 + U(this)."""
    surge_minutes: tuple[float, float] = (20.0, 60.0)
    turnover: tuple[float, float] = (0.04, 0.10)
    """Least share of riders alighting at an ordinary station (U)."""
    transfer_turnover: tuple[float, float] = (0.12, 0.25)
    """... at a transfer station."""
    tap_share: tuple[float, float] = (0.9, 0.98)
    """Share of boarders who enter through the gates at an ordinary station (the rest change trains)."""
    transfer_tap_share: tuple[float, float] = (0.35, 0.6)
    walk_min: tuple[int, int] = (1, 3)
    """Minutes from the gates to the platform (one value per station)."""
    end_car: float = 0.65
    """Boarding weight of the two end cars against a middle car."""
    next_to_end: float = 0.85
    stair_gain: float = 1.45
    """Weight of the car at a staircase (its neighbours get half the gain)."""
    car_day_sd: float = 0.0
    """Log-sd of a day's change to each station's car pattern (0: the same every day)."""
    crush_pct: float = 240.0
    """Most a car takes, in % of 160 (384 riders; the published maximum mean is 185.5 %)."""
    kg_per_rider_sd: float = 12.0
    kg_day_bias_sd: float = 1.5
    """Sd of the day's mean rider mass around 65 kg (coats, luggage)."""
    sensor_sd_kg: float = 120.0
    disruption_share: float = 0.5
    """Share of days with one held train."""
    delay_min: tuple[float, float] = (6.0, 15.0)
    min_headway: float = 1.5
    jitter_min: float = 0.3


@dataclass(frozen=True)
class Disruption:
    train: int
    station: int
    minutes: float
    at: float
    """Minute of service the train was due to leave ``station``."""


@dataclass(frozen=True)
class Traits:
    """What stays the same from day to day at each station of a route in one direction."""

    car_weights: F64  # (N, C), rows sum to 1
    turnover: F64  # (N,)
    tap_share: F64  # (N,)
    walk: I64  # (N,)
    stairs: tuple[tuple[int, ...], ...]


@dataclass(frozen=True, eq=False)
class SimDay:
    route: Route
    forward: bool
    stations: tuple[str, ...]
    day: date
    day_type: DayType
    cars: int
    timetable: F64
    """(J,) minute of service each train is due to leave the first station."""
    headway: F64
    """(J,) the timetable headway of each train."""
    minutes: F64
    """(N-1,) scheduled minutes between consecutive stations."""
    dep: F64
    """(J, N) minute each train actually leaves each station."""
    load: I64
    """(J, N, C) riders in each car leaving each station (truth)."""
    waiting: I64
    """(J, N) riders on the platform when the train arrives (truth)."""
    left: I64
    """(J, N) riders left on the platform when it leaves (truth)."""
    weigh_pct: F64
    """(J, N, C) load-weighing on leaving, in % (observation)."""
    taps: I64
    """(N, M) gate taps per minute of service of riders for this direction (observation)."""
    disruption: Disruption | None
    expected: F64 = field(repr=False)
    """(J, N) the published mean load in riders a train would carry (the baseline it follows)."""

    @cached_property
    def pct(self) -> F64:
        """True congestion in % per car."""
        return np.asarray(self.load / CAPACITY * 100, dtype=np.float64)


_WEEKDAY = (
    (5.5, 6.5, 7.0, 7.5, 9.0, 9.5, 17.0, 17.5, 19.5, 20.5, 22.0, 22.5, 26.0),
    (8.0, 8.0, 5.0, 3.0, 3.0, 6.0, 6.0, 3.5, 3.5, 6.0, 6.0, 8.0, 8.0),
)
_WEEKEND = ((5.5, 6.5, 7.5, 10.0, 20.0, 21.5, 22.5, 26.0), (9.0, 9.0, 7.0, 6.0, 6.0, 7.0, 9.0, 9.0))


def headway(minute: float, day: DayType) -> float:
    """Timetable headway in minutes at a minute of service (0 = 05:30), ramping between these
    anchors: weekdays 8 minutes early and late, 3 in the morning peak (07:30-09:00), 3.5 in the
    evening peak (17:30-19:30), 6 between; weekends 9 early and late, 6 in the day (the shape of
    Seoul Metro's published timetables; a timetable ramps rather than jumps)."""
    hours, heads = _WEEKDAY if day == "weekday" else _WEEKEND
    return float(np.interp(5.5 + minute / 60, hours, heads))


def traits(route: Route, forward: bool, params: SimParams | None = None) -> Traits:
    """The stations' stable traits, drawn from the route and direction alone."""
    p = params or SimParams()
    names, _ = route.ordered(forward)
    cars = CARS[route.line]
    rng = np.random.default_rng(zlib.crc32(f"{route.line}:{route.name}:{forward}".encode()))
    transfers = table().transfers
    n = len(names)
    weights = np.ones((n, cars))
    weights[:, [0, -1]] = p.end_car
    weights[:, [1, -2]] = p.next_to_end
    stairs = []
    for i in range(n):
        at = tuple(int(c) for c in rng.choice(np.arange(1, cars - 1), size=int(rng.integers(1, 3)), replace=False))
        for c in at:
            weights[i, c] *= p.stair_gain
            for side in (c - 1, c + 1):
                weights[i, side] *= 1 + (p.stair_gain - 1) / 2
        stairs.append(at)
    is_transfer = np.array([s in transfers for s in names])
    turnover = np.where(is_transfer, rng.uniform(*p.transfer_turnover, n), rng.uniform(*p.turnover, n))
    tap_share = np.where(is_transfer, rng.uniform(*p.transfer_tap_share, n), rng.uniform(*p.tap_share, n))
    walk = rng.integers(p.walk_min[0], p.walk_min[1] + 1, n)
    return Traits(weights / weights.sum(axis=1, keepdims=True), turnover, tap_share, walk, tuple(stairs))


def published_riders(route: Route, forward: bool, day: DayType) -> F64:
    """(N, SLOTS) published mean riders on a train leaving each station (0 where none published)."""
    names, _ = route.ordered(forward)
    t = table()
    row = route.row(forward)
    pct = np.stack([t.profile(route.line, s, day)[row] for s in names])
    riders: F64 = np.nan_to_num(pct) / 100 * CAPACITY * CARS[route.line]
    return riders


def flows(route: Route, forward: bool, day: DayType, tr: Traits, span: int) -> tuple[F64, F64]:
    """(alighting share, boarders a train) per station and minute of service, such that a train
    on time leaves each station with the published load on average (module docstring). The
    load a train brings to station ``i`` at minute ``m`` is the published one of station ``i-1``
    a hop earlier, so a slot boundary between two stations does not bias the chain."""
    riders = published_riders(route, forward, day)
    _, hop = route.ordered(forward)
    n = riders.shape[0]
    minute = np.arange(span)
    now = riders[:, np.minimum(minute // SLOT_MINUTES, SLOTS - 1)]
    before = np.zeros_like(now)
    for i in range(n):
        if i == 0 and not route.loop:
            continue
        back = np.clip((minute - hop[i - 1]) // SLOT_MINUTES, 0, SLOTS - 1).astype(np.int64)
        before[i] = riders[i - 1, back]
    with np.errstate(divide="ignore", invalid="ignore"):
        falls = np.where(before > 0, 1 - now / before, 1.0)
    alight = np.clip(np.maximum(tr.turnover[:, None], falls), 0.0, 1.0)
    board = np.maximum(now - (1 - alight) * before, 0.0)
    return alight, board


def _service_minutes(route: Route, forward: bool, day: DayType) -> float:
    """Minute of service the last train may leave the first station: end of the last slot with
    a published figure on the route."""
    riders = published_riders(route, forward, day)
    served = np.flatnonzero(riders.sum(axis=0) > 0)
    return float((served.max() + 1) * SLOT_MINUTES) if len(served) else 0.0


def simulate_day(
    route: Route,
    forward: bool,
    day: date,
    seed: int,
    params: SimParams | None = None,
    *,
    disruption: bool | None = None,
) -> SimDay:
    """One service day of ``route`` in one direction. ``disruption``: force one (True), none
    (False), or draw it with ``params.disruption_share`` (None). The same seed gives the same
    day, and the day with and without the forced disruption share every other draw."""
    p = params or SimParams()
    dt = day_type(day)
    names, hop = route.ordered(forward)
    n, cars = len(names), CARS[route.line]
    crush = int(p.crush_pct / 100 * CAPACITY)
    tr = traits(route, forward, p)
    root = np.random.SeedSequence([seed, zlib.crc32(f"{route.name}:{forward}".encode())])
    r_demand, r_sched, r_dis, r_queue, r_obs = (np.random.default_rng(s) for s in root.spawn(5))

    # timetable
    end = _service_minutes(route, forward, dt)
    times = [0.0]
    while times[-1] + headway(times[-1], dt) < end:
        times.append(times[-1] + headway(times[-1], dt))
    timetable = np.array(times)
    heads = np.array([headway(t, dt) for t in timetable])
    j_count = len(timetable)
    cum = np.concatenate([[0.0], np.cumsum(hop[: n - 1])])
    dep = timetable[:, None] + cum[None, :] + r_sched.normal(0, p.jitter_min, (j_count, n)).cumsum(axis=1) * 0.3
    dep = np.maximum.accumulate(dep, axis=1)

    # disruption: one held train, followers keep the minimum headway behind it
    dis: Disruption | None = None
    draw = r_dis.random() < p.disruption_share
    held = int(r_dis.integers(j_count // 6, max(j_count // 6 + 1, 5 * j_count // 6)))
    at_station = int(r_dis.integers(1, max(2, n - 1)))
    minutes = float(r_dis.uniform(*p.delay_min))
    if disruption if disruption is not None else draw:
        dis = Disruption(held, at_station, minutes, float(dep[held, at_station]))
        dep[held, at_station:] += minutes
    for j in range(1, j_count):
        dep[j] = np.maximum(dep[j], dep[j - 1] + p.min_headway)
        dep[j] = np.maximum.accumulate(dep[j])

    # demand stream per station and minute
    span = int(np.ceil(dep.max())) + 2
    minute = np.arange(span)
    alight, board = flows(route, forward, dt, tr, span)
    # the gap a train has at station i is the headway it left the first station with, cum[i] earlier
    gap = np.interp(minute[None, :] - cum[:, None], timetable, heads)
    rate = board / gap
    rho = np.exp(-1 / p.noise_tau_min)
    eps = r_demand.normal(0, p.noise_sd * np.sqrt(1 - rho**2), span)
    ar = np.empty(span)
    ar[0] = r_demand.normal(0, p.noise_sd)
    for m in range(1, span):
        ar[m] = rho * ar[m - 1] + eps[m]
    factor = np.exp(r_demand.normal(-(p.day_sd**2) / 2, p.day_sd) + ar - p.noise_sd**2 / 2)
    gain = np.ones((n, span))
    weights = tr.car_weights
    if p.car_day_sd > 0:
        weights = weights * np.exp(r_demand.normal(0, p.car_day_sd, weights.shape))
        weights = weights / weights.sum(axis=1, keepdims=True)
    for _ in range(int(r_demand.poisson(p.surges_per_day))):
        s = int(r_demand.integers(0, n))
        start = int(r_demand.integers(0, span))
        length = int(r_demand.uniform(*p.surge_minutes))
        gain[s, start : start + length] *= 1 + r_demand.uniform(*p.surge_gain)
    arrivals = r_demand.poisson(rate * factor[None, :] * gain)
    # gate taps: the gate riders among the arrivals, a walk earlier
    gated = r_demand.binomial(arrivals, tr.tap_share[:, None])
    taps = np.zeros((n, span), dtype=np.int64)
    for i in range(n):
        w = int(tr.walk[i])
        taps[i, : span - w] = gated[i, w:]
    total = np.concatenate([np.zeros((n, 1), dtype=np.int64), arrivals.cumsum(axis=1)], axis=1)

    # trains through the stations
    load = np.zeros((j_count, n, cars), dtype=np.int64)
    waiting = np.zeros((j_count, n), dtype=np.int64)
    left = np.zeros((j_count, n), dtype=np.int64)
    queue = np.zeros((n, cars), dtype=np.int64)
    last = dep[0] - heads[0]  # riders come for the first train from one headway before it
    riders = published_riders(route, forward, dt)
    expected = np.zeros((j_count, n))
    for j in range(j_count):
        on = np.zeros(cars, dtype=np.int64)
        if route.loop:  # a loop train arrives at the first station already carrying riders
            s0 = min(int(dep[j, 0] // SLOT_MINUTES), SLOTS - 1)
            on = r_queue.multinomial(int(r_queue.poisson(riders[-1, s0])), np.full(cars, 1 / cars))
        for i in range(n):
            t = dep[j, i]
            s = min(int(t // SLOT_MINUTES), SLOTS - 1)
            expected[j, i] = riders[i, s]
            came = int(total[i, int(t)] - total[i, max(int(last[i]), 0)])
            last[i] = t
            if came:
                queue[i] += r_queue.multinomial(came, weights[i])
            on = on - r_queue.binomial(on, alight[i, int(t)])
            waiting[j, i] = int(queue[i].sum())
            board_now = np.minimum(queue[i], np.maximum(crush - on, 0))
            on = on + board_now
            queue[i] -= board_now
            left[j, i] = int(queue[i].sum())
            load[j, i] = on

    # load-weighing
    mass = KG_PER_PASSENGER + r_obs.normal(0, p.kg_day_bias_sd)
    kg = load * mass + r_obs.normal(0, 1, load.shape) * (p.kg_per_rider_sd * np.sqrt(load) + p.sensor_sd_kg)
    weigh = np.maximum(kg, 0.0) / KG_PER_PASSENGER / CAPACITY * 100
    return SimDay(
        route=route,
        forward=forward,
        stations=tuple(names),
        day=day,
        day_type=dt,
        cars=cars,
        timetable=timetable,
        headway=heads,
        minutes=np.array(hop[: n - 1]),
        dep=dep,
        load=load,
        waiting=waiting,
        left=left,
        weigh_pct=weigh,
        taps=taps,
        disruption=dis,
        expected=expected,
    )


def without_noise(params: SimParams | None = None) -> SimParams:
    """The model with no day-to-day variation (for checks of the mean)."""
    return replace(params or SimParams(), day_sd=0.0, noise_sd=0.0, surges_per_day=0.0)
