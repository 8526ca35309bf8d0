"""A synthetic Seoul with known exposures, for tests, demos and benchmarks.

``simulate(geo, people=N, days=D, seed=S, out=DIR)`` writes a data directory in the store's
layout (``store``) plus ``planted.json``. Everything is vectorised NumPy, one day at a time.

The city:

- people live in the 25 districts in proportion to their population and work in proportion
  to their jobs (30 % in their own district); each has a home and a work station among the
  metro stations nearest to those districts' offices (``reference/districts.csv``);
- 35 % commute by metro: on weekdays 90 % of them travel (25 % at weekends), in the morning
  (≈08:00 ± 50 min) and back in the evening (≈18:40 ± 75 min), on the real network under the
  timetable model of ``trains`` (their trains and cars are the train presence);
- venues (one per 100 people: restaurants, cafés, bars, churches, gyms, karaoke, PC rooms,
  markets) record QR check-ins, 0.5 a person a weekday and 0.8 at weekends, in the home or the
  work district, the stay imputed from the venue kind;
- merchants (one per 50 people) record card payments, 1.2 a person a day; the stay before
  the payment is imputed from the merchant kind (certainty 0.6);

Outbreaks: ``cases`` people who travel by metro fall ill on a day chosen so that their whole
infectious window (``discovery.infectious_window``: two days before onset until isolation
three days after) lies inside the data; their movements after isolation are removed. For
each case, ``exposures`` of its presence records inside the window are chosen, and a person
not otherwise planted is put at the same place at the same time (a venue or merchant visit
shifted by under 15 minutes and under half the stay, or the same train journey in the same car). Those people are the
case's ``true_contacts`` in ``planted.json``: a discovery must find all of them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from seoul.core.engine.districts import DATA as districts_csv
from seoul.core.engine.time import SEOUL
from seoul.tracing.engine import discovery, store, trains

DISTRICTS = districts_csv
I64 = npt.NDArray[np.int64]
Rows = dict[str, npt.NDArray[Any]]

# kind, share, setting, typical stay (min), mean hour of arrival
VENUE_KINDS = [
    ("restaurant", 0.40, "indoor", 60, 18.5),
    ("cafe", 0.22, "indoor", 45, 14.0),
    ("bar", 0.10, "indoor", 120, 21.5),
    ("church", 0.05, "indoor", 90, 11.0),
    ("gym", 0.07, "indoor", 60, 19.5),
    ("karaoke", 0.06, "indoor", 90, 21.0),
    ("pc_room", 0.05, "indoor", 120, 20.0),
    ("market", 0.05, "outdoor", 40, 16.0),
]
# kind, share, setting, stay before paying (min), mean hour
MERCHANT_KINDS = [
    ("restaurant", 0.35, "indoor", 50, 15.5),
    ("convenience", 0.35, "indoor", 5, 14.0),
    ("retail", 0.15, "indoor", 25, 16.0),
    ("pharmacy", 0.08, "indoor", 10, 13.0),
    ("street_stall", 0.07, "outdoor", 10, 17.0),
]
# how a place of each kind is named in the synthetic city (names are data: Korean, like real ones)
KIND_NAMES = {
    "restaurant": "식당",
    "cafe": "카페",
    "bar": "주점",
    "church": "교회",
    "gym": "체육관",
    "karaoke": "노래연습장",
    "pc_room": "PC방",
    "market": "시장",
    "convenience": "편의점",
    "retail": "상점",
    "pharmacy": "약국",
    "street_stall": "노점",
}
CARS = 10
CARD_CERTAINTY = 0.6


@dataclass(frozen=True)
class District:
    code: str
    name: str
    lat: float
    lon: float
    population: float
    jobs: float


def load_districts(path: Path = DISTRICTS) -> list[District]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            District(
                r["code"], r["name"], float(r["lat"]), float(r["lon"]), float(r["population_k"]), float(r["jobs_k"])
            )
            for r in csv.DictReader(fh)
        ]


@dataclass
class Summary:
    people: int
    days: int
    rows: int
    rows_by_source: dict[str, int]
    cases: int
    seconds: float


def _stations_by_district(geo: trains.Geometry, districts: list[District]) -> list[list[str]]:
    """The metro stations of each district: those nearer its office than any other office,
    within 6 km (a district with none gets its nearest station)."""
    names = sorted(n for n in geo.stations if geo.served(n))
    lat = np.array([geo.stations[n].lat for n in names])
    lon = np.array([geo.stations[n].lon for n in names])
    dlat = np.array([d.lat for d in districts])
    dlon = np.array([d.lon for d in districts])
    km = np.hypot((lat[:, None] - dlat[None]) * 111.0, (lon[:, None] - dlon[None]) * 88.2)
    nearest = km.argmin(axis=1)
    out: list[list[str]] = []
    for i in range(len(districts)):
        mine = [names[j] for j in np.flatnonzero((nearest == i) & (km[:, i] < 6.0))]
        out.append(mine or [names[int(km[:, i].argmin())]])
    return out


def _pick(rng: np.random.Generator, weights: npt.NDArray[np.float64], n: int) -> I64:
    cdf = np.cumsum(weights / weights.sum())
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(weights) - 1).astype(np.int64)


class _Places:
    """Venues or merchants: kind, district and popularity, sampled per district."""

    def __init__(
        self,
        rng: np.random.Generator,
        count: int,
        kinds: list[tuple[str, float, str, int, float]],
        districts: list[District],
        code: int,
    ):
        weight = np.array([d.population + d.jobs for d in districts])
        self.kinds = kinds
        self.code = code
        self.district = _pick(rng, weight, count)
        self.kind = _pick(rng, np.array([k[1] for k in kinds]), count)
        self.popularity = rng.pareto(1.5, count) + 1.0
        order = np.lexsort((np.arange(count), self.district))
        self.by_district = order
        self.starts = np.searchsorted(self.district[order], np.arange(len(districts) + 1))
        self.cdf = np.zeros(count)
        for d in range(len(districts)):
            lo, hi = self.starts[d], self.starts[d + 1]
            if hi > lo:
                w = self.popularity[order[lo:hi]]
                self.cdf[lo:hi] = np.cumsum(w) / w.sum()

    def sample(self, rng: np.random.Generator, district: I64) -> I64:
        """One place in each given district (popular places more often); -1 if none."""
        lo, hi = self.starts[district], self.starts[district + 1]
        u = rng.random(len(district))
        pos = np.empty(len(district), dtype=np.int64)
        for d in np.unique(district):
            m = district == d
            if hi[m][0] == lo[m][0]:
                pos[m] = -1
                continue
            seg = self.cdf[lo[m][0] : hi[m][0]]
            pos[m] = lo[m][0] + np.minimum(np.searchsorted(seg, u[m], side="right"), len(seg) - 1)
        return np.where(pos >= 0, self.by_district[np.maximum(pos, 0)], -1)

    def table(self, districts: list[District]) -> pa.Table:
        idx = np.arange(len(self.kind), dtype=np.int64)
        label = store.KINDS[self.code]
        return pa.table(
            {
                "place_id": [f"{label}:{i}" for i in idx],
                "plc": store.place_code(self.code, idx),
                "kind": [label] * len(idx),
                "name": [
                    f"{districts[d].name} {KIND_NAMES[self.kinds[k][0]]} {i}"
                    for i, k, d in zip(idx, self.kind, self.district, strict=True)
                ],
                "district": self.district.astype(np.int8),
                "setting": [self.kinds[k][2] for k in self.kind],
            },
            schema=store.PLACES,
        )


def _day_start_us(day: date) -> int:
    return int(datetime.combine(day, time(0), tzinfo=SEOUL).timestamp()) * 1_000_000


def simulate(
    geo: trains.Geometry,
    *,
    people: int,
    days: int,
    seed: int,
    out: Path,
    start: date = date(2020, 3, 2),
    cases: int = 3,
    exposures: int = 8,
    progress: Callable[[int, int], None] | None = None,
) -> Summary:
    began = perf_counter()
    if people < 100:
        raise ValueError("--people must be at least 100")
    if days < 5:
        raise ValueError("--days must be at least 5 (an infectious window is 5 days)")
    rng = np.random.default_rng(seed)
    districts = load_districts()
    stations = _stations_by_district(geo, districts)
    pop = np.array([d.population for d in districts])
    jobs = np.array([d.jobs for d in districts])
    home = _pick(rng, pop, people)
    work = np.where(rng.random(people) < 0.3, home, _pick(rng, jobs, people))
    station_names = sorted({s for group in stations for s in group})
    st_index = {s: i for i, s in enumerate(station_names)}
    per_district = [np.array([st_index[s] for s in group], dtype=np.int64) for group in stations]
    home_s = _station_pick(rng, per_district, home)
    work_station = _station_pick(rng, per_district, work)
    commuter = (rng.random(people) < 0.35) & (home_s != work_station)
    venues = _Places(rng, max(40, people // 100), VENUE_KINDS, districts, store.VENUE)
    merchants = _Places(rng, max(40, people // 50), MERCHANT_KINDS, districts, store.MERCHANT)

    # routes between every (home, work) station pair used
    n_st = len(station_names)
    pair = home_s * n_st + work_station
    routes: list[trains.Route] = []
    route_id: dict[int, int] = {}
    for code in np.unique(np.concatenate([pair[commuter], work_station[commuter] * n_st + home_s[commuter]])):
        found = geo.route(station_names[int(code) // n_st], station_names[int(code) % n_st])
        if found is not None:
            route_id[int(code)] = len(routes)
            routes.append(found)
    lookup = np.full(n_st * n_st, -1, dtype=np.int64)
    for code, index in route_id.items():
        lookup[code] = index
    morning_route = lookup[pair]
    evening_route = lookup[work_station * n_st + home_s]
    commuter &= (morning_route >= 0) & (evening_route >= 0)

    # outbreaks
    first_onset, last_onset = 2, days - discovery.DEFAULT_ISOLATION_DAYS
    pool = np.flatnonzero(commuter)
    if len(pool) < cases:
        raise ValueError("too few metro commuters to plant the cases; raise --people")
    case_pids = rng.choice(pool, size=cases, replace=False)
    onset_day = rng.integers(first_onset, last_onset + 1, size=cases)
    windows = [discovery.infectious_window(start + timedelta(days=int(d)), None, None) for d in onset_day]
    planted: dict[int, list[int]] = {int(c): [] for c in case_pids}
    exposures_log: dict[int, list[dict[str, str]]] = {int(c): [] for c in case_pids}
    taken = set(planted)

    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table(
            {
                "person_id": [f"P{i:08d}" for i in range(people)],
                "pid": np.arange(people, dtype=np.int32),
                "district": home.astype(np.int8),
            },
            schema=store.PEOPLE,
        ),
        out / "people.parquet",
    )
    total = 0
    by_source = dict.fromkeys(store.SOURCES, 0)
    train_places: dict[int, str] = {}
    for d in range(days):
        day = start + timedelta(days=d)
        base = _day_start_us(day)
        weekend = day.weekday() >= 5
        parts: list[Rows] = []

        # metro
        travel = commuter & (rng.random(people) < (0.25 if weekend else 0.9))
        who = np.flatnonzero(travel)
        for mean_h, sd_min, lo_h, hi_h, routes_of in (
            (8.0, 50, 5.5, 11.5, morning_route),
            (18.67, 75, 15.0, 23.8, evening_route),
        ):
            at_s = np.clip(rng.normal(mean_h * 3600, sd_min * 60, len(who)), lo_h * 3600, hi_h * 3600).astype(np.int64)
            entry_s = base // 1_000_000 + at_s
            car = rng.integers(1, CARS + 1, len(who)).astype(np.int8)
            legs, _exit = trains.ride(geo, routes, routes_of[who], entry_s)
            for idx, place, board, alight in legs:
                parts.append(_rows(who[idx], place, board * 1_000_000, alight * 1_000_000, "metro", car[idx], 1.0))
                for plc in np.unique(place):
                    train_places.setdefault(int(plc), "")

        # venues and merchants
        for places, lam, certainty, source, kinds, before in (
            (venues, 0.8 if weekend else 0.5, 1.0, "venue", VENUE_KINDS, False),
            (merchants, 1.2, CARD_CERTAINTY, "card", MERCHANT_KINDS, True),
        ):
            visits = rng.poisson(lam, people)
            pid = np.repeat(np.arange(people, dtype=np.int64), visits)
            where = np.where(rng.random(len(pid)) < (0.8 if weekend else 0.55), home[pid], work[pid])
            place = places.sample(rng, where)
            ok = place >= 0
            pid, place = pid[ok], place[ok]
            kind = places.kind[place]
            hour = np.array([k[4] for k in kinds])[kind]
            stay = np.array([k[3] for k in kinds])[kind] * 60
            at = np.clip(rng.normal(hour * 3600, 5400), 6 * 3600, 23.5 * 3600).astype(np.int64)
            t = base + at * 1_000_000
            if before:
                s, e = t - stay * 1_000_000, t + 300 * 1_000_000
            else:
                s, e = t, t + stay * 1_000_000
            parts.append(_rows(pid, store.place_code(places.code, place), s, e, source, None, certainty))

        day_rows = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        day_rows = _isolate_and_plant(
            rng, day_rows, case_pids, windows, planted, exposures_log, taken, exposures, people
        )
        table = pa.table(
            {
                "pid": day_rows["pid"].astype(np.int32),
                "plc": day_rows["plc"],
                "start_at": pa.array(day_rows["start"], pa.timestamp("us", tz="UTC")),
                "end_at": pa.array(day_rows["end"], pa.timestamp("us", tz="UTC")),
                "source": pa.DictionaryArray.from_arrays(day_rows["source"].astype(np.int8), pa.array(store.SOURCES)),
                "car": pa.array(day_rows["car"], pa.int8(), mask=day_rows["car"] < 0),
                "certainty": day_rows["cert"].astype(np.float32),
            },
            schema=store.PRESENCE,
        )
        written = store.write_presence(out, table, tag=f"sim-{seed}")
        total += sum(written.values())
        for i, name in enumerate(store.SOURCES):
            by_source[name] += int((day_rows["source"] == i).sum())
        if progress:
            progress(d + 1, days)

    pq.write_table(
        pa.concat_tables(
            [venues.table(districts), merchants.table(districts), _train_table(geo, sorted(train_places))]
        ),
        out / "places.parquet",
    )
    doc = {
        "seed": seed,
        "people": people,
        "days": days,
        "start": start.isoformat(),
        "cases": [
            {
                "person_id": f"P{c:08d}",
                "onset": (start + timedelta(days=int(od))).isoformat(),
                "isolated_at": w.end.isoformat(),
                "true_contacts": sorted(f"P{p:08d}" for p in planted[int(c)]),
                "exposures": exposures_log[int(c)],
            }
            for c, od, w in zip(case_pids, onset_day, windows, strict=True)
        ],
    }
    (out / "planted.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return Summary(people, days, total, by_source, cases, perf_counter() - began)


def _station_pick(rng: np.random.Generator, per_district: list[I64], district: I64) -> I64:
    sizes = np.array([len(g) for g in per_district])
    offsets = np.r_[0, np.cumsum(sizes)]
    flat: I64 = np.concatenate(per_district)
    picked: I64 = flat[offsets[district] + (rng.random(len(district)) * sizes[district]).astype(np.int64)]
    return picked


def _rows(
    pid: I64, plc: I64, start_us: I64, end_us: I64, source: str, car: npt.NDArray[np.int8] | None, certainty: float
) -> Rows:
    n = len(pid)
    return {
        "pid": pid.astype(np.int64),
        "plc": plc.astype(np.int64),
        "start": start_us.astype(np.int64),
        "end": end_us.astype(np.int64),
        "source": np.full(n, store.SOURCES.index(source), dtype=np.int64),
        "car": (car.astype(np.int64) if car is not None else np.full(n, -1, dtype=np.int64)),
        "cert": np.full(n, certainty, dtype=np.float64),
    }


def _isolate_and_plant(
    rng: np.random.Generator,
    rows: Rows,
    case_pids: I64,
    windows: list[discovery.Window],
    planted: dict[int, list[int]],
    log: dict[int, list[dict[str, str]]],
    taken: set[int],
    per_case: int,
    people: int,
) -> Rows:
    """Drop the cases' movements after isolation; put planted contacts next to them."""
    keep = np.ones(len(rows["pid"]), dtype=bool)
    extra: list[Rows] = []
    for case, window in zip(case_pids, windows, strict=True):
        ws = int(window.start.timestamp()) * 1_000_000
        we = int(window.end.timestamp()) * 1_000_000
        mine = rows["pid"] == case
        keep &= ~(mine & (rows["start"] >= we))
        inside = np.flatnonzero(mine & (rows["start"] >= ws) & (rows["end"] <= we))
        days_left = max(1, (we - max(ws, int(rows["start"][inside].min()) if len(inside) else ws)) // 86_400_000_000)
        quota = min(len(inside), -(-(per_case - len(planted[int(case)])) // days_left))
        if quota <= 0:
            continue
        # a metro journey is planted whole (all its legs: same entry), so pick among first legs
        chosen = rng.choice(inside, size=quota, replace=False)
        for row in chosen:
            contact = int(rng.integers(people))
            while contact in taken:
                contact = int(rng.integers(people))
            taken.add(contact)
            planted[int(case)].append(contact)
            copy = {k: v[[row]].copy() for k, v in rows.items()}
            copy["pid"][:] = contact
            if rows["source"][row] != store.SOURCES.index("metro"):
                # arrive up to 15 minutes (and under half the stay) before or after the case
                half = min(15 * 60_000_000, int(rows["end"][row] - rows["start"][row]) // 2 - 1_000_000)
                shift = int(rng.integers(-half, half + 1))
                copy["start"] += shift
                copy["end"] += shift
            extra.append(copy)
            log[int(case)].append(
                {
                    "person_id": f"P{contact:08d}",
                    "plc": str(int(rows["plc"][row])),
                    "source": store.SOURCES[int(rows["source"][row])],
                    "start": str(int(copy["start"][0])),
                }
            )
    out = {k: v[keep] for k, v in rows.items()}
    if extra:
        out = {k: np.concatenate([out[k]] + [e[k] for e in extra]) for k in out}
    return out


def _train_table(geo: trains.Geometry, places: list[int]) -> pa.Table:
    names = [geo.train_name(plc) for plc in places]
    n = len(places)
    return pa.table(
        {
            "place_id": [f"train:{p}" for p in places],
            "plc": pa.array(places, pa.int64()),
            "kind": ["train"] * n,
            "name": names,
            "district": pa.nulls(n, pa.int8()),
            "setting": ["transit"] * n,
        },
        schema=store.PLACES,
    )
