"""Per-car congestion of the next trains at a platform, from what the platform sees live.

Method (``docs/metro-congestion.md`` has the why):

1. **Learned from past days** of the same line, direction and day type, from observations only
   (load-weighing, train departures, gate taps; never the simulator's truth):
   for each station and hour, the share of riders alighting ``a`` and the boarders per gate tap
   ``r``, by least squares over the trains of ``load_i = (1 - a) load_{i-1} + r taps_gap``
   (``taps_gap``: the station's taps in the gap since the previous train, a walk earlier); the
   station's boarding pattern over the cars (the per-car growth of the weighed load); the mean
   taps per minute per station and half-hour; the shape of the departing load over the cars
   (for the seasonal baseline spread with the car pattern); and the spread of the forecast's
   own errors on the last past days, by how far ahead the train is (the band).
2. **At time t**, for each of the next ``k`` trains to leave the platform: start from its last
   weighed load (per car) upstream, or empty at the first station if it has not left yet;
   predict when it will leave each station between (its last departure plus the scheduled
   minutes; a train overdue at its next station is held until now; no train overtakes);
   walk it station by station: riders alight at the learned share, boarders are the learned
   riders per tap times the taps of its gap (counted where the gap is past, expected where
   it is future: the station's usual tap rate times today's ratio of observed to usual taps,
   for the whole line over the last hour and, shrunk toward that, for the station over the
   last half-hour), spread over the cars by the station's pattern, and a car takes no more than
   the crush limit: the rest wait for the next train, which the walk of that train adds.
3. The band is the forecast times the 10 % and 90 % quantiles of the relative errors seen on
   the calibration days for trains that far ahead.

No library model: the structure (a train carries its riders on, a gap's taps board it) is
what makes the forecast follow a disruption; the parameters are a few per station and found
by ``numpy.linalg.lstsq`` (``docs/metro-congestion.md`` says why no statsmodels or scikit-learn model).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from seoul.core.engine.time import SEOUL

from .baseline import (
    FIRST_SLOT,
    SLOT_LABELS,
    SLOT_MINUTES,
    SLOTS,
    DayType,
    Route,
    day_type,
    minute_of_service,
    service_day,
    table,
)
from .levels import CAPACITY, KOREAN, MAX_PERCENT, level
from .simulator import SimDay, SimParams, simulate_day

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
WALK = 2
"""Minutes assumed between a tap and the platform (the real walk is not observed)."""
MIN_HEADWAY = 1.5
HOURS = (SLOTS + 1) // 2
BUCKETS = (3, 8, 16)
"""Stations ahead (from the train's last weighing to the platform) that split the band's buckets."""
QUANTILES = (0.1, 0.9)
BAND_PAD = 15.0
"""Relative errors are taken against ``forecast + BAND_PAD`` (in %) so near-empty cars do not blow up."""


@dataclass(frozen=True)
class Live:
    """What the platform knows at minute ``now`` of a service day: departures and weighings up
    to now (nan after), the timetable, and taps before now."""

    now: float
    timetable: F64
    dep: F64  # (J, N), nan where not yet
    weigh_pct: F64  # (J, N, C), nan where not yet
    taps: I64  # (N, floor(now))

    @property
    def cum_taps(self) -> I64:
        """(N, floor(now) + 1): taps before each whole minute."""
        cached: I64 | None = self.__dict__.get("_cum")
        if cached is None:
            cached = np.concatenate([np.zeros((self.taps.shape[0], 1), np.int64), self.taps.cumsum(axis=1)], axis=1)
            object.__setattr__(self, "_cum", cached)
        return cached


def observe(day: SimDay, now: float) -> Live:
    """The simulated day as the sources would show it at ``now`` (nothing from after)."""
    seen = day.dep <= now
    dep = np.where(seen, day.dep, np.nan)
    weigh = np.where(seen[:, :, None], day.weigh_pct, np.nan)
    return Live(now, day.timetable, dep, weigh, day.taps[:, : max(int(now), 0)])


@dataclass(frozen=True)
class Model:
    route: Route
    forward: bool
    day_type: DayType
    stations: tuple[str, ...]
    cars: int
    minutes: F64  # (N-1,)
    keep: F64  # (N, SLOTS): 1 - alighting share
    per_tap: F64  # (N, SLOTS)
    car_share: F64  # (N, C)
    depart_shape: F64  # (N, C), mean 1 over cars
    tap_rate: F64  # (N, SLOTS) taps a minute
    crush_pct: float
    band: F64  # (len(BUCKETS) + 1, 2) relative error quantiles

    def bucket(self, ahead: int) -> int:
        return int(np.searchsorted(BUCKETS, ahead, side="left"))

    @property
    def usual_cum(self) -> F64:
        """(N, SLOTS * 30 + 1): usual taps before each whole minute of service."""
        cached: F64 | None = self.__dict__.get("_usual")
        if cached is None:
            per_minute = np.repeat(self.tap_rate, SLOT_MINUTES, axis=1)
            cached = np.concatenate([np.zeros((per_minute.shape[0], 1)), per_minute.cumsum(axis=1)], axis=1)
            object.__setattr__(self, "_usual", cached)
        return cached


def _riders(pct: F64) -> F64:
    return pct / 100 * CAPACITY


def _slot(minute: float) -> int:
    return min(max(int(minute // SLOT_MINUTES), 0), SLOTS - 1)


def _gap_taps(d: SimDay) -> F64:
    """(J, N) taps at each station in each train's gap since the train before, a walk earlier."""
    cum = np.concatenate([np.zeros((d.taps.shape[0], 1), np.int64), d.taps.cumsum(axis=1)], axis=1)
    at = np.clip(np.floor(d.dep - WALK).astype(np.int64), 0, cum.shape[1] - 1)
    n = d.dep.shape[1]
    taken = cum[np.arange(n)[None, :], at].astype(np.float64)
    out = np.zeros_like(taken)
    out[1:] = taken[1:] - taken[:-1]
    return out


def learn(days: list[SimDay], crush_pct: float | None = None) -> Model:
    """Fit a model on past days of one route, direction and day type (observations only)."""
    first = days[0]
    n, cars = len(first.stations), first.cars
    riders = [_riders(d.weigh_pct) for d in days]
    total = np.concatenate([r.sum(axis=2)[1:] for r in riders])  # (sum J-1, N)
    gaps = np.concatenate([_gap_taps(d)[1:] for d in days])
    hours = np.concatenate([np.clip(d.dep[1:] // SLOT_MINUTES, 0, SLOTS - 1).astype(np.int64) // 2 for d in days])
    before = np.zeros_like(total)
    before[:, 1:] = total[:, :-1]
    keep = np.full((n, SLOTS), 0.9)
    per_tap = np.ones((n, SLOTS))
    for i in range(n):
        x = np.stack([before[:, i], gaps[:, i]], axis=1)
        fallback = _fit(x, total[:, i], i == 0)
        for h in range(HOURS):
            mask = hours[:, i] == h
            fit = _fit(x[mask], total[mask, i], i == 0) if mask.sum() >= 8 else fallback
            keep[i, 2 * h : 2 * h + 2], per_tap[i, 2 * h : 2 * h + 2] = fit
    grow = np.zeros((n, cars))
    shape = np.zeros((n, cars))
    tap_sum = np.zeros((n, SLOTS))
    tap_minutes = np.zeros(SLOTS)
    for d, r in zip(days, riders, strict=True):
        slots = np.clip(d.dep // SLOT_MINUTES, 0, SLOTS - 1).astype(np.int64)
        k = keep[np.arange(n)[None, :], slots]  # (J, N)
        prior = np.zeros_like(r)
        prior[:, 1:] = r[:, :-1]
        grow += np.maximum(r - k[:, :, None] * prior, 0).sum(axis=0)
        shape += (r / np.maximum(r.mean(axis=2, keepdims=True), 1e-9)).sum(axis=0)
        minute_slot = np.minimum(np.arange(d.taps.shape[1]) // SLOT_MINUTES, SLOTS - 1)
        np.add.at(tap_sum.T, minute_slot, d.taps.T)
        tap_minutes += np.bincount(minute_slot, minlength=SLOTS)
    count = sum(len(d.timetable) for d in days)
    return Model(
        route=first.route,
        forward=first.forward,
        day_type=first.day_type,
        stations=first.stations,
        cars=cars,
        minutes=first.minutes,
        keep=keep,
        per_tap=per_tap,
        car_share=(grow + 1e-9) / (grow + 1e-9).sum(axis=1, keepdims=True),
        depart_shape=shape / count,
        tap_rate=tap_sum / np.maximum(tap_minutes, 1)[None, :],
        crush_pct=crush_pct if crush_pct is not None else SimParams().crush_pct,
        band=np.tile([-0.3, 0.3], (len(BUCKETS) + 1, 1)),
    )


def _fit(x: F64, y: F64, origin: bool) -> tuple[float, float]:
    """(keep, riders per tap) by least squares, kept in their possible ranges."""
    if len(y) == 0:
        return 0.9, 1.0
    if origin:
        taps = x[:, 1]
        r = float(taps @ y / max(float(taps @ taps), 1e-9))
        return 0.0, max(r, 0.0)
    coef = np.linalg.lstsq(x, y, rcond=None)[0]
    keep, r = float(np.clip(coef[0], 0.0, 1.0)), float(coef[1])
    if r < 0:
        keep = float(np.clip(x[:, 0] @ y / max(float(x[:, 0] @ x[:, 0]), 1e-9), 0.0, 1.0))
        r = 0.0
    return keep, r


@dataclass(frozen=True)
class TrainForecast:
    train: int
    leaves_at: float
    """Predicted minute of service it leaves the platform."""
    pct: F64  # (C,)
    low: F64
    high: F64
    ahead: int
    """Stations between its last weighing and the platform (the first station + 1 if not started)."""


def _today_factor(model: Model, live: Live, i: int | None, minutes: float, prior: float, kappa: float) -> float:
    """Observed over usual taps in the last ``minutes`` (the whole line if ``i`` is None),
    shrunk toward ``prior`` with the weight of ``kappa`` usual taps."""
    b = live.taps.shape[1]
    a = min(max(int(live.now - minutes), 0), b)
    seen_cum, usual_cum = live.cum_taps, model.usual_cum
    rows = slice(None) if i is None else slice(i, i + 1)
    seen = float((seen_cum[rows, b] - seen_cum[rows, a]).sum())
    usual = float(
        (usual_cum[rows, min(b, usual_cum.shape[1] - 1)] - usual_cum[rows, min(a, usual_cum.shape[1] - 1)]).sum()
    )
    return (seen + kappa * prior) / (usual + kappa)


def forecast(model: Model, live: Live, station: int, trains: int = 3) -> list[TrainForecast]:
    """The next ``trains`` trains to leave ``station`` (index in ``model.stations``) after
    ``live.now``, with per-car congestion in % and an 80 % band."""
    n, cars = len(model.stations), model.cars
    crush = model.crush_pct / 100 * CAPACITY
    cum = np.concatenate([[0.0], np.cumsum(model.minutes)])
    pending = [int(j) for j in np.flatnonzero(np.isnan(live.dep[:, station]))[:trains]]
    if not pending:
        return []
    line_factor = _today_factor(model, live, None, 60, 1.0, 200.0)
    factors = [_today_factor(model, live, i, 30, line_factor, 20.0) if i <= station else 1.0 for i in range(n)]
    # predicted departures of the trains involved and of the one before the first
    first = pending[0]
    prev_dep = live.dep[first - 1].copy() if first > 0 else np.full(n, np.nan)
    carry = np.zeros((n, cars))  # riders left behind by the previous train, per station and car
    if first > 0:
        carry = _left_by_observed(model, live, first - 1, factors, station)
    out = []
    for j in pending:
        seen = np.flatnonzero(~np.isnan(live.dep[j]))
        last = int(seen.max()) if len(seen) else -1
        pred = np.full(n, np.nan)
        if last >= 0:
            pred[last:] = live.dep[j, last] + cum[last:] - cum[last]
        else:
            pred[:] = live.timetable[j] + cum
        nxt = last + 1
        if pred[nxt] < live.now:  # overdue: held somewhere, leaves no earlier than now
            pred[nxt:] += live.now - pred[nxt] + 0.5
        for i in range(nxt, n):
            if not np.isnan(prev_dep[i]):
                pred[i] = max(pred[i], prev_dep[i] + MIN_HEADWAY)
            if i > nxt:
                pred[i] = max(pred[i], pred[i - 1] + 0.5)
        on = _riders(live.weigh_pct[j, last]) if last >= 0 else np.zeros(cars)
        new_carry = carry.copy()
        for i in range(nxt, station + 1):
            s = _slot(pred[i])
            start = prev_dep[i] if not np.isnan(prev_dep[i]) else pred[i] - 6.0
            taps = _expected_taps(model, live, i, start - WALK, pred[i] - WALK, factors[i])
            board = model.per_tap[i, s] * taps * model.car_share[i] + carry[i]
            on = on * model.keep[i, s] + board
            over = np.maximum(on - crush, 0)
            on = on - over
            new_carry[i] = over
        carry = new_carry
        pct = on / CAPACITY * 100
        ahead = station - last
        lo, hi = model.band[model.bucket(ahead)]
        out.append(
            TrainForecast(
                train=j,
                leaves_at=float(pred[station]),
                pct=pct,
                low=np.maximum(pct + lo * (pct + BAND_PAD), 0.0),
                high=pct + hi * (pct + BAND_PAD),
                ahead=ahead,
            )
        )
        prev_dep = np.where(np.isnan(pred), prev_dep, pred)
        prev_dep[:nxt] = live.dep[j, :nxt]
    return out


def _expected_taps(model: Model, live: Live, i: int, start: float, end: float, factor: float) -> float:
    """Taps at station ``i`` in [start, end): counted up to now, expected after."""
    if end <= start:
        return 0.0
    cum = live.cum_taps
    b = cum.shape[1] - 1
    past = float(cum[i, min(max(int(min(end, live.now)), 0), b)] - cum[i, min(max(int(start), 0), b)])
    future_from = max(start, live.now)
    if end <= future_from:
        return past
    usual = model.usual_cum
    top = usual.shape[1] - 1
    lo, hi = min(future_from, top), min(end, top)
    expected = float(np.interp(hi, (np.floor(hi), np.floor(hi) + 1), usual[i, [int(hi), min(int(hi) + 1, top)]]))
    expected -= float(np.interp(lo, (np.floor(lo), np.floor(lo) + 1), usual[i, [int(lo), min(int(lo) + 1, top)]]))
    return past + expected * factor


def _left_by_observed(model: Model, live: Live, j: int, factors: list[float], upto: int) -> F64:
    """Riders a train already gone left behind, where its weighed cars were near the crush
    limit: the boarders its gap's taps promised, less those the weighing shows boarded."""
    n, cars = len(model.stations), model.cars
    crush = model.crush_pct / 100 * CAPACITY
    carry = np.zeros((n, cars))
    for i in range(upto + 1):
        if np.isnan(live.dep[j, i]) or j == 0 or np.isnan(live.dep[j - 1, i]):
            continue
        now_load = _riders(live.weigh_pct[j, i])
        if now_load.max() < 0.9 * crush:
            continue
        s = _slot(live.dep[j, i])
        before = _riders(live.weigh_pct[j, i - 1]) if i else np.zeros(cars)
        taps = _expected_taps(model, live, i, live.dep[j - 1, i] - WALK, live.dep[j, i] - WALK, factors[i])
        promised = model.per_tap[i, s] * taps * model.car_share[i]
        boarded = np.maximum(now_load - model.keep[i, s] * before, 0)
        carry[i] = np.maximum(promised - boarded, 0)
    return carry


def seasonal(model: Model, station: int, minute: float, shaped: bool) -> F64:
    """The seasonal baseline for a train leaving ``station`` at ``minute``: the published
    figure for that slot on every car, or spread with the learned car shape."""
    route = model.route
    name = model.stations[station]
    pct = float(
        np.nan_to_num(table().profile(route.line, name, model.day_type)[route.row(model.forward), _slot(minute)])
    )
    cars = np.full(model.cars, pct)
    return cars * model.depart_shape[station] if shaped else cars


def with_band(model: Model, band: F64) -> Model:
    return replace(model, band=band)


def calibrate(model: Model, days: list[SimDay], stations: list[int], every: float = 10.0, trains: int = 3) -> Model:
    """The model with its band set from its relative errors on ``days`` (not used to fit it)."""
    errors: list[list[float]] = [[] for _ in range(len(BUCKETS) + 1)]
    for d in days:
        for now in np.arange(30.0, float(d.dep[:, 0].max()), every):
            live = observe(d, float(now))
            for k in stations:
                for f in forecast(model, live, k, trains):
                    truth = d.pct[f.train, k]
                    errors[model.bucket(f.ahead)].extend(((truth - f.pct) / (f.pct + BAND_PAD)).tolist())
    band = np.array([np.quantile(e, QUANTILES) if len(e) >= 20 else (-0.3, 0.3) for e in errors], dtype=np.float64)
    return with_band(model, band)


PAST_DAYS = 5
"""Past simulated days of the same day type the platform forecast learns from (4 fit, 1 band)."""


def _past_days(day: date, kind: DayType, count: int) -> list[date]:
    out: list[date] = []
    probe = day
    while len(out) < count and (day - probe).days < 120:
        probe -= timedelta(days=1)
        try:
            if day_type(probe) == kind:
                out.append(probe)
        except ValueError:  # before the holiday list
            break
    return out[::-1]


def _seed(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


@lru_cache(maxsize=32)
def _simulated(route: Route, forward: bool, day: date) -> SimDay:
    """A simulated service day (seeded by its date), kept: every platform of the route and
    every minute of the day reads the same one."""
    return simulate_day(route, forward, day, _seed(day))


@lru_cache(maxsize=64)
def _platform_model(route: Route, forward: bool, day: date, station: int) -> Model:
    """The model of ``day``'s forecasts at one platform, learned on the simulated past days of
    its day type (the last one for the band), kept for the day."""
    kind = day_type(day)
    past = _past_days(day, kind, PAST_DAYS)
    if len(past) < 2:
        raise ValueError(f"too few past {kind}s before {day} in the holiday list to learn from")
    sims = [_simulated(route, forward, d) for d in past]
    return calibrate(learn(sims[:-1]), sims[-1:], [station], every=15.0)


SIMULATED_NOTE = "live measurements are simulated (seeded by the date) until the platform stores real ones"


def simulated_platform(route: Route, forward: bool, station: str, at: datetime, trains: int = 3) -> dict[str, Any]:
    """The next ``trains`` trains leaving ``station`` after ``at`` with per-car congestion, where
    the live measurements come from the simulator (seeded by the date) until the platform
    stores real ones; the model is learned on simulated past days of the same day type."""
    if at.tzinfo is not None:
        at = at.astimezone(SEOUL)  # the service day and its half-hours are Seoul's, whatever zone was asked in
    day = service_day(at)
    minute = minute_of_service(at)
    k = route.ordered(forward)[0].index(station)
    model = _platform_model(route, forward, day, k)
    found = forecast(model, observe(_simulated(route, forward, day), minute), k, trains)
    return answer(route, forward, station, at, model, found, source="simulated", note=SIMULATED_NOTE)


def answer(
    route: Route,
    forward: bool,
    station: str,
    at: datetime,
    model: Model,
    found: list[TrainForecast],
    *,
    source: str,
    note: str,
) -> dict[str, Any]:
    """The answer's dict, the shape :func:`~.forecast.simulated_platform` gives (one shape for
    the command, the API and the pages whatever the source)."""
    day = service_day(at)
    minute = minute_of_service(at)
    k = route.ordered(forward)[0].index(station)
    start = datetime.combine(day, FIRST_SLOT, tzinfo=at.tzinfo)
    in_service = 0 <= minute < SLOTS * SLOT_MINUTES
    published = seasonal(model, k, minute, shaped=False)[0] if in_service else float("nan")
    out_trains = []
    for f in found:
        cars = []
        for c in range(model.cars):
            pct = round(float(np.clip(f.pct[c], 0, MAX_PERCENT)), 1)
            cars.append(
                {
                    "car": c + 1,
                    "percent": pct,
                    "level": level(pct),
                    "level_ko": KOREAN[level(pct)],
                    "low": round(float(np.clip(f.low[c], 0, MAX_PERCENT)), 1),
                    "high": round(float(np.clip(f.high[c], 0, MAX_PERCENT)), 1),
                }
            )
        mean = round(float(np.clip(f.pct.mean(), 0, MAX_PERCENT)), 1)
        leaves = start + timedelta(minutes=f.leaves_at)
        out_trains.append(
            {
                "leaves_at": leaves.isoformat(timespec="minutes"),
                "minutes_away": round(f.leaves_at - minute, 1),
                "percent": mean,
                "level": level(mean),
                "level_ko": KOREAN[level(mean)],
                "cars": cars,
            }
        )
    return {
        "station": station,
        "line": route.line,
        "toward": route.terminal(forward),
        "row": route.row(forward),
        "at": at.isoformat(timespec="minutes"),
        "service_day": day.isoformat(),
        "day_type": day_type(day),
        "slot": SLOT_LABELS[_slot(minute)] if in_service else None,
        "published_percent": None if np.isnan(published) else round(float(published), 1),
        "source": source,
        "note": note,
        "band": "80 % interval",
        "trains": out_trains,
    }
