"""City-scale batch pricing: every journey of a parquet file in one DuckDB pass.

The rules are those of ``fares.py``; this module only re-expresses them as one SQL statement
over the journeys file joined to two small lookup tables built once per run from the same
network and tariffs (no Python per journey):

- ``pairs`` (one row per ordered station pair and 신분당선 flag, 2·515² ≈ 530k): the fare
  metres the engine would use, the 신분당선 surcharge of that path per paying category
  (discounted and rounded as the engine does) and a digit for no path / zones crossed. The
  surcharge zones are found on exactly the path the engine would use: one Dijkstra tree per
  origin with the engine's adjacency order and tie-breaks, the zones crossed propagated down.
- ``combos``: every combination of the per-row digits (eras of the entry and of the bus
  boarding, category, payment, bus code, integrated, early bird at entry and at boarding, the
  pair digit) with the error it implies or the fixed parts of the fare.

The file's parquet statistics (``FileFacts``) let the SQL leave out checks that cannot fire
for that file: the station index range check, the negative bus distance check, and the
tariff-era comparisons for dates the file does not span (a day's file lies in one era).

Row → journey mapping (docs/metro-batch.md): a row is one subway trip, optionally preceded by a
bus leg. If the subway entry is within the transfer window of the bus alighting, the row is one
integrated journey (``price_journey`` of both legs); otherwise the bus ride and the subway trip
are two journeys (``price_journey`` of the bus leg and ``price_subway``) and the row carries both
charges. The breakdown columns describe the journey the subway trip belongs to; ``bus_charge``
and ``subway_charge`` are what each leg was charged and ``fare`` is their sum.

Times: the tariffs follow Seoul time, which has been UTC+09:00 without daylight saving since
1988 (all tariff periods are later), so local dates and times are integer arithmetic on the
UTC epoch.

``price_row_with_engine`` prices one row with the per-journey engine under the same mapping;
the tests hold the two to the won.
"""

from __future__ import annotations

import heapq
import itertools
import json
import time as clock
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from seoul.metro.engine import derived
from seoul.metro.engine.fares import (
    PAID_CATEGORIES,
    FareError,
    Leg,
    SubwayTrip,
    Tariffs,
    floor10,
    price_journey,
    price_subway,
    split_journeys,
)
from seoul.metro.engine.network import UNREACHABLE, Network
from seoul.metro.engine.simulate import SCHEMA_METADATA_KEY, SCHEMA_VERSION, STATIONS_METADATA_KEY

KST_OFFSET_US = 9 * 3600 * 1_000_000
DAY_US = 86_400 * 1_000_000
EPOCH = date(1970, 1, 1)
PAYING = {"adult": 0, "youth": 1, "child": 2}
NO_SURCHARGE = len(PAYING)  # the surcharge category of a journey that pays none
SUR_COLUMNS = tuple(f"sur_{cat}" for cat in PAYING)  # pair table: the surcharge per paying category

# Input columns the pricing reads and the DuckDB types they must have.
REQUIRED: dict[str, tuple[str, ...]] = {
    "journey_id": ("BIGINT", "INTEGER", "UBIGINT"),
    "entry_at": ("TIMESTAMP WITH TIME ZONE",),
    "origin": ("SMALLINT", "INTEGER", "USMALLINT"),
    "destination": ("SMALLINT", "INTEGER", "USMALLINT"),
    "via_sbd": ("BOOLEAN",),
    "category": ("VARCHAR",),
    "payment": ("VARCHAR",),
    "bus_mode": ("VARCHAR",),
    "bus_board_at": ("TIMESTAMP WITH TIME ZONE",),
    "bus_alight_at": ("TIMESTAMP WITH TIME ZONE",),
    "bus_metres": ("INTEGER", "BIGINT", "SMALLINT"),
}

OUTPUT_COLUMNS = (
    "journey_id",
    "integrated",
    "tariff_version",
    "distance_m",
    "base",
    "early_bird_discount",
    "distance_steps",
    "distance_surcharge",
    "separate_surcharge",
    "cash_extra",
    "bus_charge",
    "subway_charge",
    "fare",
    "error",
)
COMPONENTS = OUTPUT_COLUMNS[1:-1]
# Parquet format 2 pages, no dictionary for the integer columns: DuckDB then writes them with
# DELTA_BINARY_PACKED, which costs about two thirds of the default dictionary attempt and gives
# a smaller file (docs/metro-batch.md); ENUM columns keep their dictionary.
WRITE_OPTIONS = "FORMAT parquet, PARQUET_VERSION v2, DICTIONARY_SIZE_LIMIT 1"


class BatchInputError(ValueError):
    """The journeys file cannot be priced at all (missing, unreadable, wrong schema)."""


# --- Lookup tables ----------------------------------------------------------------------


def _day(d: date) -> int:
    return (d - EPOCH).days


def _zone_masks(net: Network, tariffs: Tariffs) -> tuple[list[tuple[int, int]], dict[tuple[int, int], int]]:
    """Zones as (table, zone) bits, and the zone bits of each hop (a, b) as ``path_lines`` picks it."""
    bits = [(t, z) for t, table in enumerate(tariffs.surcharges) for z in range(len(table.zones))]
    best: dict[frozenset[str], tuple[int, str]] = {}
    for s in net.segments:
        key = frozenset((s.a, s.b))
        if key not in best or (s.metres, s.line) < best[key]:
            best[key] = (s.metres, s.line)
    hop: dict[tuple[int, int], int] = {}
    for key, (_, line) in best.items():
        ends = sorted(key)
        a, b = (ends[0], ends[-1])
        mask = 0
        for bit, (t, z) in enumerate(bits):
            table = tariffs.surcharges[t]
            zone = table.zones[z]
            if table.line == line and a in zone.stations and b in zone.stations:
                mask |= 1 << bit
        if mask:
            hop[(net.index[a], net.index[b])] = hop[(net.index[b], net.index[a])] = mask
    return bits, hop


def _zone_tree(net: Network, hop: dict[tuple[int, int], int]) -> npt.NDArray[np.int64]:
    """Zone bits crossed by the engine's all-lines shortest path for every (origin, destination).

    Same adjacency order, heap entries and strict-improvement rule as ``network.shortest_path``,
    run to completion from each origin: a settled node's predecessor never changes afterwards,
    so the tree holds the engine's path to every destination."""
    n = len(net.names)
    adj: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for s in net.segments:
        a, b = net.index[s.a], net.index[s.b]
        adj[a].append((b, s.metres))
        adj[b].append((a, s.metres))
    out = np.zeros((n, n), dtype=np.int64)
    for src in range(n):
        dist = {src: 0}
        prev: dict[int, int] = {}
        row = out[src]
        heap = [(0, src)]
        while heap:
            d, u = heapq.heappop(heap)
            if d > dist.get(u, UNREACHABLE):
                continue
            if u != src:
                p = prev[u]
                row[u] = row[p] | hop.get((p, u), 0)
            for v, m in adj[u]:
                nd = d + m
                if nd < dist.get(v, UNREACHABLE):
                    dist[v] = nd
                    prev[v] = u
                    heapq.heappush(heap, (nd, v))
    return out


UNKNOWN_STATION, NO_PATH, ZONED = 1, 2, 3  # the pair digit: 0 an ordinary path
PAIR_COLUMNS = ("sub_m", *SUR_COLUMNS, "pdig")


def pair_arrays(net: Network, tariffs: Tariffs) -> dict[str, npt.NDArray[np.generic]]:
    """The columns of ``pair_table`` but its key (see there), as NumPy arrays."""
    n = len(net.names)
    bits, hop = _zone_masks(net, tariffs)
    masks = _zone_tree(net, hop) if bits else np.zeros((n, n), dtype=np.int64)
    combos = 1 << len(bits)
    per_mask = np.zeros((len(PAYING), combos), dtype=np.int32)  # surcharge per category and zone set
    for mask in range(combos):
        for t, table in enumerate(tariffs.surcharges):
            crossed = [table.zones[z] for bit, (tt, z) in enumerate(bits) if tt == t and mask >> bit & 1]
            for zone in crossed:
                amount = zone.card_alone if (zone.card_alone is not None and len(crossed) == 1) else zone.card
                for cat, i in PAYING.items():
                    part = floor10(amount * (100 - table.discount_percent.get(cat, 0)) / 100)
                    per_mask[i, mask] += part
    only = np.array([net.only_on_separately_charged(s) is not None for s in net.names])
    forced = (only[:, None] | only[None, :]).ravel()
    alll = net.all_lines.ravel()
    integ = np.where(forced, alll, net.integrated.ravel())
    flat = masks.ravel()
    zoned = flat != 0
    # interleave via = False, True: row (pair * 2 + via)
    charged = np.stack([forced, np.ones_like(forced)], axis=1).ravel()
    metres = np.stack([integ, alll], axis=1).ravel()
    reach = metres < UNREACHABLE
    pdig = np.where(~reach, NO_PATH, np.where(charged & np.repeat(zoned, 2), ZONED, 0))
    surcharges = {
        col: np.append(np.where(charged, np.repeat(per_mask[i][flat], 2), 0), 0).astype(np.int32)
        for i, col in enumerate(SUR_COLUMNS)
    }
    return {
        "sub_m": np.append(np.where(reach, metres, 0), 0).astype(np.int32),
        **surcharges,
        "pdig": np.append(pdig, UNKNOWN_STATION).astype(np.int8),
    }


def pair_table(net: Network, tariffs: Tariffs, derived_dir: Path | None = None) -> pa.Table:
    """One row per (origin, destination, via 신분당선), keyed ``(origin * n + destination) * 2 + via``,
    and one more, key ``2n²``, for an origin or destination that is no station index.

    ``sub_m``: the fare metres the engine uses (all lines when the journey used 신분당선 or an end
    is served only by it, else the integrated lines; 0 when there is no path); ``sur_adult``,
    ``sur_youth``, ``sur_child``: the discounted surcharges of that path for each paying
    category, 0 when no separately charged line counts as used; ``pdig``: 0, or
    ``UNKNOWN_STATION``, ``NO_PATH``, ``ZONED`` (the path crosses surcharge zones, which need a
    table in force).

    The table depends only on the network and the surcharge tables: with ``derived_dir`` it is
    built once per version of those and then read from disk (``derived.cached_table``)."""

    def build() -> pa.Table:
        n = len(net.names)
        arrays = pair_arrays(net, tariffs)
        return pa.table(
            {"pk": pa.array(np.arange(2 * n * n + 1, dtype=np.int32))} | {c: arrays[c] for c in PAIR_COLUMNS}
        )

    facts = {"network": derived.network_facts(net), "surcharges": derived.canonical(tariffs.surcharges)}
    return derived.cached_table(derived_dir, "metro-pairs", facts, ("pk", *PAIR_COLUMNS), build)


# --- What the file's statistics guarantee ------------------------------------------------


@dataclass(frozen=True)
class FileFacts:
    """Bounds the parquet statistics of a journeys file guarantee for every row. The pricing SQL
    leaves out the checks and comparisons these make constant: the station index range check,
    the negative bus distance check, and tariff-period comparisons for dates outside the file's
    span. Statistics are written with the values by the parquet writer, and readers already
    rely on them to skip row groups; with any of them missing, nothing is assumed."""

    rows: int
    stations_in_range: bool = False
    metres_non_negative: bool = False
    first_us: int | None = None  # earliest entry or bus boarding, Seoul-local µs since the epoch
    last_us: int | None = None  # latest of the same


def file_facts(source: Path | pq.ParquetFile, n: int) -> FileFacts:
    pf = source if isinstance(source, pq.ParquetFile) else pq.ParquetFile(source)
    md, schema = pf.metadata, pf.schema_arrow

    def bounds(name: str) -> tuple[int, int] | None:
        """(min, max) of the column's raw values, (1, 0) when it holds none, None when unknown."""
        j = schema.get_field_index(name)
        if j < 0:
            return None
        field = schema.field(j)
        if pa.types.is_timestamp(field.type) and field.type.unit != "us":
            return None
        lo: int | None = None
        hi: int | None = None
        for g in range(md.num_row_groups):
            group = md.row_group(g)
            stats = group.column(j).statistics
            if stats is None:
                return None
            if stats.null_count == group.num_rows:
                continue  # no values in this group
            if not stats.has_min_max:
                return None
            lo = stats.min_raw if lo is None else min(lo, stats.min_raw)
            hi = stats.max_raw if hi is None else max(hi, stats.max_raw)
        return (1, 0) if lo is None or hi is None else (int(lo), int(hi))

    def empty(b: tuple[int, int]) -> bool:
        return b[0] > b[1]

    ends = [bounds("origin"), bounds("destination")]
    metres = bounds("bus_metres")
    times = [bounds("entry_at"), bounds("bus_board_at")]
    first = last = None
    if times[0] is not None and times[1] is not None:
        spans = [t for t in times if t is not None and not empty(t)]
        if spans:
            first = min(t[0] for t in spans) + KST_OFFSET_US
            last = max(t[1] for t in spans) + KST_OFFSET_US
    return FileFacts(
        rows=md.num_rows,
        stations_in_range=all(b is not None and (empty(b) or (b[0] >= 0 and b[1] < n)) for b in ends),
        metres_non_negative=metres is not None and (empty(metres) or metres[0] >= 0),
        first_us=first,
        last_us=last,
    )


# --- Eras and the combination table ------------------------------------------------------


def era_starts(tariffs: Tariffs) -> tuple[date, ...]:
    """Every date a subway or bus tariff or a surcharge table takes effect: between two of them
    (an era) all the per-date rules are constant."""
    starts = {s for s, _, _ in tariffs.subway_periods} | {s for s, _ in tariffs.bus_periods}
    return tuple(sorted(starts | {t.effective_from for t in tariffs.surcharges}))


@dataclass(frozen=True)
class Eras:
    """The eras a file's rows can fall in: ``lo`` … ``hi`` (0 is before the first start)."""

    starts: tuple[date, ...]
    lo: int
    hi: int

    @classmethod
    def of(cls, tariffs: Tariffs, facts: FileFacts) -> Eras:
        starts = era_starts(tariffs)
        if facts.first_us is None or facts.last_us is None:
            return cls(starts, 0, len(starts))
        return cls(starts, cls._index(starts, facts.first_us), cls._index(starts, facts.last_us))

    @staticmethod
    def _index(starts: tuple[date, ...], local_us: int) -> int:
        return sum(_day(s) * DAY_US <= local_us for s in starts)

    @property
    def size(self) -> int:
        return self.hi - self.lo + 1

    def digit_sql(self, expr: str) -> str:
        """The era of a Seoul-local µs expression, minus ``lo``: one comparison per start inside
        the file's span, none when the span lies in one era."""
        inside = self.starts[self.lo : self.hi]
        return " + ".join([f"({expr} >= {_day(s) * DAY_US})::INTEGER" for s in inside] or ["0"])

    def start(self, era: int) -> date | None:
        return self.starts[era - 1] if era > 0 else None


@dataclass(frozen=True)
class Codes:
    """Small-integer digits the SQL gives each row; their mixed-radix value keys the combination
    table. Digits, most significant first (``DIGITS``): era of the subway entry, era of the bus
    boarding, category (+unknown), payment (card, cash, other), bus code, integrated, early bird
    at the entry, early bird at the bus boarding, the pair digit (``pair_table``)."""

    categories: tuple[str, ...]
    modes: tuple[str, ...]
    eras: Eras

    @classmethod
    def of(cls, tariffs: Tariffs, facts: FileFacts) -> Codes:
        modes = sorted({m for _, card in tariffs.bus_periods for m in card})
        return cls((*PAID_CATEGORIES, *sorted(tariffs.free_categories)), tuple(modes), Eras.of(tariffs, facts))

    # bus codes: 0 no bus leg, 1..len(modes) a known mode, then unknown mode, incomplete, after entry
    @property
    def bus_unknown(self) -> int:
        return len(self.modes) + 1

    @property
    def bus_incomplete(self) -> int:
        return len(self.modes) + 2

    @property
    def bus_after(self) -> int:
        return len(self.modes) + 3

    def sizes(self) -> tuple[int, ...]:
        e = self.eras.size
        return (e, e, len(self.categories) + 1, 3, len(self.modes) + 4, 2, 2, 2, 4)

    def weights(self) -> dict[str, int]:
        out, w = {}, 1
        for name, size in reversed(list(zip(DIGITS, self.sizes(), strict=True))):
            out[name] = w
            w *= size
        return out


DIGITS = ("era_e", "era_b", "cat", "pay", "bus", "integ", "eb_e", "eb_b", "pdig")
COMBO_COLUMNS = (
    "error",
    "version",
    "integrated",
    "base",
    "early",
    "w_bus",
    "w_sub",
    "count_steps",
    "step",
    "sur_cat",
    "extra",
    "fixed",
    "sub_on",
    "credit",
    "bus_fixed",
    "bus_step",
)
ERROR_NO_SBD = "no separately charged line surcharge in force"


def _count(starts: tuple[date, ...], on: date | None) -> int:
    return 0 if on is None else sum(s <= on for s in starts)


def _decide(tariffs: Tariffs, codes: Codes, digits: tuple[int, ...]) -> dict[str, Any]:
    """The error, or the fixed parts of the fare, for one combination of the digits."""
    era_e, era_b, cat, pay, bus, integ, eb_e, eb_b, pdig = digits
    eras = codes.eras
    entry_era, bus_era = eras.start(eras.lo + era_e), eras.start(eras.lo + era_b)
    sub_starts = tuple(s for s, _, _ in tariffs.subway_periods)
    has_bus = bus != 0
    mode = codes.modes[bus - 1] if 1 <= bus <= len(codes.modes) else None
    sp = _count(sub_starts, bus_era if integ else entry_era)
    bp = _count(tuple(s for s, _ in tariffs.bus_periods), bus_era)
    bsp_ok = mode is None or _count(sub_starts, bus_era) > 0
    before_sbd = bool(tariffs.surcharges) and (entry_era is None or entry_era < tariffs.surcharges[0].effective_from)
    row: dict[str, Any] = dict.fromkeys(COMBO_COLUMNS)
    error: str | None = None
    if bus == codes.bus_incomplete:
        error = "incomplete bus leg"
    elif bus == codes.bus_after:
        error = "bus leg boarded after the subway entry"
    elif has_bus and pay != 0:
        error = "a bus transfer needs a card"
    elif sp == 0 or not bsp_ok:
        error = "no subway tariff in force"
    elif cat == len(codes.categories) or pay == 2:
        error = "unknown rider category or payment"
    elif has_bus and (mode is None or bp == 0 or mode not in tariffs.bus_periods[bp - 1][1]):
        error = "no bus tariff for this mode and date"
    if error is not None:
        return row | {"error": error}
    pct = tariffs.early_bird_percent
    _, version, card = tariffs.subway_periods[sp - 1]
    category = codes.categories[cat]
    free = category in tariffs.free_categories
    paying = "adult" if free else category
    b_base = b_early = bus_step = 0
    if mode is not None:
        b_base = tariffs.bus_periods[bp - 1][1][mode][paying]
        b_early = floor10(b_base * pct / 100) if eb_b else 0
        bus_step = tariffs.step[paying]
    row |= {"version": version, "integrated": bool(integ), "credit": integ, "bus_fixed": b_base - b_early}
    row |= {"bus_step": bus_step, "extra": 0, "w_bus": 0, "w_sub": 1, "count_steps": 1, "sub_on": 1}
    row |= {"sur_cat": NO_SURCHARGE}
    if integ and free:  # free riders: the bus leg as an adult, the subway leg free and skipped
        row |= {"base": b_base, "early": b_early, "w_bus": 1, "w_sub": 0, "step": bus_step, "sub_on": 0}
        row |= {"fixed": 0}
    elif integ:
        base = max(b_base, card[paying])
        row |= {"base": base, "early": b_early, "w_bus": 1, "step": tariffs.step[paying]}
        row |= {"fixed": base - b_early, "sur_cat": PAYING[paying]}
    elif free:
        row |= {"base": 0, "early": 0, "count_steps": 0, "step": 0, "fixed": 0}
    elif pay == 1:  # cash: adults and youths pay the adult fare + extra, children the child fare
        fc = "child" if category == "child" else "adult"
        extra = 0 if fc == "child" else tariffs.cash_extra
        row |= {"base": card[fc], "early": 0, "step": tariffs.step[fc], "extra": extra}
        row |= {"fixed": card[fc] + extra, "sur_cat": PAYING[fc]}
    else:
        early = floor10(card[category] * pct / 100) if eb_e else 0
        row |= {"base": card[category], "early": early, "step": tariffs.step[category]}
        row |= {"fixed": card[category] - early, "sur_cat": PAYING[category]}
    if pdig == UNKNOWN_STATION:
        error = "unknown station index"
    elif pdig == NO_PATH and row["sub_on"]:
        error = "no path between the stations"
    elif pdig == ZONED and before_sbd and (not integ or row["sub_on"]):
        error = ERROR_NO_SBD
    return dict.fromkeys(COMBO_COLUMNS) | {"error": error} if error else row


def combo_table(tariffs: Tariffs, codes: Codes) -> pa.Table:
    """Every combination of the digits with what it implies: an error, or the fixed parts of the
    fare (tariff version, base, early bird, steps price, surcharge category, cash extra, bus leg's
    fixed part) and the weights of the per-row distances. Free riders' subway legs and everything
    the engine refuses are decided here, once, not per row; the row order is the key."""
    cols: dict[str, list[Any]] = {name: [] for name in COMBO_COLUMNS}
    for digits in itertools.product(*map(range, codes.sizes())):
        decided = _decide(tariffs, codes, digits)
        for name in COMBO_COLUMNS:
            cols[name].append(decided[name])
    types = {"error": pa.string(), "version": pa.string(), "integrated": pa.bool_()}
    return pa.table(
        {"combo": pa.array(np.arange(len(cols["error"]), dtype=np.int32))}
        | {name: pa.array(values, type=types.get(name, pa.int32())) for name, values in cols.items()}
    )


# --- SQL --------------------------------------------------------------------------------


def _steps_sql(tariffs: Tariffs, m: str) -> str:
    """Distance steps of ``m`` metres: one per started ``every`` metres of each band above the
    base distance. Nested CASEs, so that a band's division runs only for distances that reach
    it (most trips stay within the first band or the base; a non-NULL ``m`` is assumed)."""
    bands: list[tuple[int, int | None, int]] = []
    lower = tariffs.base_metres
    for upper, every in tariffs.bands:
        bands.append((lower, upper, every))
        if upper is None:
            break
        lower = upper
    sql = ""
    for lower, upper, every in reversed(bands):
        reach = m if upper is None else f"least({m}, {upper})"
        deeper = f" + {sql}" if sql else ""
        sql = f"CASE WHEN {m} > {lower} THEN ({reach} - {lower} + {every - 1}) // {every}{deeper} ELSE 0 END"
    return f"({sql})" if sql else "0"


def _tod_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _before_sql(expr: str, tod_us: int, facts: FileFacts) -> str:
    """``expr`` (Seoul-local µs, within the file's span) falls before ``tod_us`` in its day.

    For a file spanning at most two local days (a service day runs past midnight) the test is
    one or two comparisons against the day starts instead of a modulo per row."""
    first, last = facts.first_us, facts.last_us
    if first is None or last is None or last // DAY_US - first // DAY_US > 1:
        return f"{expr} % {DAY_US} < {tod_us}"
    terms = []
    for day in range(first // DAY_US, last // DAY_US + 1):
        lo, hi = day * DAY_US, day * DAY_US + tod_us
        if hi <= first or lo > last:
            continue  # the file has no time in this day's part before tod_us
        bounds = ([f"{expr} >= {lo}"] if lo > first else []) + ([f"{expr} < {hi}"] if hi <= last else [])
        terms.append(" AND ".join(bounds) or f"{expr} IS NOT NULL")
    return "(" + " OR ".join(f"({t})" for t in terms) + ")" if terms else "FALSE"


def _code_case(expr: str, values: tuple[str, ...], other: int, first: int = 0, weight: int = 1) -> str:
    whens = " ".join(f"WHEN '{v}' THEN {(first + i) * weight}" for i, v in enumerate(values))
    return f"CASE {expr} {whens} ELSE {other * weight} END"


def pricing_sql(net: Network, tariffs: Tariffs, source: str, facts: FileFacts) -> str:
    """One SELECT pricing every row of ``source`` (a relation with the journeys schema).

    Per row it derives the digits (already weighted), joins the pair and combination tables and
    does the distance arithmetic; every branch of the rules is decided in the combination table.
    ``facts`` (what the file's statistics guarantee) only removes checks that cannot fire."""
    if len(tariffs.surcharges) > 1:
        raise NotImplementedError("batch pricing knows one separately charged line (via_sbd)")
    n = len(net.names)
    codes = Codes.of(tariffs, facts)
    w = codes.weights()
    eb = _tod_us(tariffs.early_bird_before)
    nf, nu = _tod_us(tariffs.night_from), _tod_us(tariffs.night_until)
    win, night = int(tariffs.window.total_seconds()) * 1_000_000, int(tariffs.night_window.total_seconds()) * 1_000_000
    nm = len(codes.modes)
    pair = f"(origin::INTEGER * {n} + destination) * 2 + via_sbd::INTEGER"
    if not facts.stations_in_range:
        pair = f"CASE WHEN origin BETWEEN 0 AND {n - 1} AND destination BETWEEN 0 AND {n - 1} THEN {pair} ELSE {2 * n * n} END"
    negative = "" if facts.metres_non_negative else " OR bus_metres < 0"
    # the bus leg's local times, computed only where they are used: for rows with a known bus
    # mode (about a fifth of a day's rows) and, when the file spans eras, for the era digit
    bb, ba = (f"(epoch_us({col}) + {KST_OFFSET_US})" for col in ("bus_board_at", "bus_alight_at"))
    era_e = codes.eras.digit_sql("e")
    era_b = codes.eras.digit_sql(bb)
    era_b = era_e if era_b == "0" else f"coalesce({era_b}, {era_e})"
    return f"""
WITH s AS (
    SELECT journey_id, bus_metres AS bm, bus_board_at, bus_alight_at,
        epoch_us(entry_at) + {KST_OFFSET_US} AS e,
        {pair} AS pk,
        CASE
            WHEN bus_mode IS NULL AND bus_board_at IS NULL AND bus_alight_at IS NULL AND bus_metres IS NULL THEN 0
            WHEN bus_mode IS NULL OR bus_board_at IS NULL OR bus_alight_at IS NULL OR bus_metres IS NULL{negative}
                THEN {codes.bus_incomplete}
            WHEN bus_board_at > entry_at THEN {codes.bus_after}
            ELSE {_code_case("bus_mode", codes.modes, codes.bus_unknown, 1)}
        END AS bus,
        {_code_case("category", codes.categories, len(codes.categories), weight=w["cat"])}
            + {_code_case("payment", ("card", "cash"), 2, weight=w["pay"])} AS cp
    FROM {source}
), t AS (
    SELECT journey_id, bm, pk,
        cp + bus * {w["bus"]}
        + ({era_e}) * {w["era_e"]} + ({era_b}) * {w["era_b"]}
        + CASE WHEN {_before_sql("e", eb, facts)} THEN {w["eb_e"]} ELSE 0 END
        + CASE WHEN bus BETWEEN 1 AND {nm} THEN
            CASE WHEN e - {ba} BETWEEN 0 AND
                CASE WHEN {ba} % {DAY_US} >= {nf} OR {ba} % {DAY_US} < {nu} THEN {night} ELSE {win} END
                THEN {w["integ"]} ELSE 0 END
            + CASE WHEN {_before_sql(bb, eb, facts)} THEN {w["eb_b"]} ELSE 0 END
          ELSE 0 END AS part
    FROM s
), j AS (
    SELECT t.journey_id, c.integrated, c.version, c.base, c.early, c.extra, c.step, c.fixed, c.sub_on, c.error,
        c.credit, c.count_steps,
        CASE c.sur_cat {" ".join(f"WHEN {i} THEN p.{col}" for i, col in enumerate(SUR_COLUMNS))}
            WHEN {NO_SURCHARGE} THEN 0 END AS sur,
        c.w_bus * coalesce(t.bm, 0) + c.w_sub * p.sub_m AS distance_m,
        CASE WHEN t.bm IS NULL THEN c.bus_fixed
             ELSE c.bus_fixed + {_steps_sql(tariffs, "t.bm")} * c.bus_step END AS bus_charge
    FROM t JOIN pairs p ON p.pk = t.pk JOIN combos c ON c.combo = t.part + p.pdig
), f AS (
    SELECT *, count_steps * {_steps_sql(tariffs, "distance_m")} AS steps FROM j
), g AS (
    SELECT *, sub_on * greatest(0, fixed + steps * step + sur - credit * bus_charge) AS subway_charge FROM f
)
SELECT
    journey_id,
    integrated,
    version AS tariff_version,
    distance_m,
    base,
    early AS early_bird_discount,
    steps AS distance_steps,
    steps * step AS distance_surcharge,
    sur AS separate_surcharge,
    extra AS cash_extra,
    bus_charge,
    subway_charge,
    bus_charge + subway_charge AS fare,
    error
FROM g
"""  # noqa: S608 - built from the tariff data and a quoted file path only


# --- Running it -------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchResult:
    rows: int
    errors: int
    revenue: int
    seconds: float  # whole run: checks, lookup tables, pricing pass, summary
    lookup_seconds: float
    pass_seconds: float  # the one SQL pass: read, price, write
    out: Path

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "errors": self.errors,
            "revenue": self.revenue,
            "seconds": round(self.seconds, 3),
            "lookup_seconds": round(self.lookup_seconds, 3),
            "pass_seconds": round(self.pass_seconds, 3),
            "out": str(self.out),
        }


def connect(threads: int = 2, memory_limit: str = "3GB") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"threads": threads, "memory_limit": memory_limit})
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    return con


def check_input(path: Path, net: Network, con: duckdb.DuckDBPyConnection | None = None) -> FileFacts:
    """Refuse files the pricing cannot read: missing, not parquet, columns or stations that
    differ. Returns what the file's statistics guarantee. ``con``: a connection to reuse."""
    if not path.is_file():
        raise BatchInputError(f"no such file: {path}")
    try:
        footer = pq.ParquetFile(path)  # read once: schema, metadata and statistics
    except (pa.ArrowException, OSError) as exc:
        raise BatchInputError(f"{path} is not a readable parquet file: {exc}") from exc
    schema = footer.schema_arrow
    meta = schema.metadata or {}
    if meta.get(SCHEMA_METADATA_KEY) != SCHEMA_VERSION.encode():
        raise BatchInputError(f"{path} is not a journeys file (schema metadata {SCHEMA_VERSION!r} missing)")
    try:
        names = json.loads(meta[STATIONS_METADATA_KEY])
    except (KeyError, ValueError) as exc:
        raise BatchInputError(f"{path} has no station list in its metadata") from exc
    if names != list(net.names):
        raise BatchInputError(f"{path} numbers stations differently from the current network data")
    describe = "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))"
    if con is None:
        with duckdb.connect() as own:
            types = dict(own.execute(describe, [str(path)]).fetchall())
    else:
        types = dict(con.execute(describe, [str(path)]).fetchall())
    wrong = [f"{col} ({types.get(col, 'missing')})" for col, ok in REQUIRED.items() if types.get(col) not in ok]
    if wrong:
        raise BatchInputError(f"{path} has missing or mistyped columns: {', '.join(wrong)}")
    return file_facts(footer, len(net.names))


def load_lookups(
    con: duckdb.DuckDBPyConnection,
    net: Network,
    tariffs: Tariffs,
    facts: FileFacts,
    derived_dir: Path | None = None,
) -> None:
    """The pair table and the combination table, as DuckDB temp tables ``pairs`` and ``combos``."""
    con.register("pairs_arrow", pair_table(net, tariffs, derived_dir))
    con.execute("CREATE OR REPLACE TEMP TABLE pairs AS SELECT * FROM pairs_arrow")
    con.unregister("pairs_arrow")
    codes = Codes.of(tariffs, facts)
    combos = derived.cached_table(
        derived_dir,
        "metro-combos",
        {"tariffs": derived.tariff_facts(tariffs), "codes": derived.canonical(codes)},
        ("combo", *COMBO_COLUMNS),
        lambda: combo_table(tariffs, codes),
    )
    messages = sorted({m for m in combos.column("error").to_pylist() if m} | {ERROR_NO_SBD})
    versions = sorted({v for _, v, _ in tariffs.subway_periods})

    def enum(values: list[str]) -> str:
        return "ENUM (" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"

    con.register("combos_arrow", combos)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE combos AS
        SELECT * REPLACE (error::{enum(messages)} AS error, version::{enum(versions)} AS version)
        FROM combos_arrow"""  # noqa: S608
    )
    con.unregister("combos_arrow")


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def price_file(
    net: Network,
    tariffs: Tariffs,
    path: Path,
    out: Path,
    *,
    threads: int = 2,
    memory_limit: str = "3GB",
    facts: FileFacts | None = None,
    derived_dir: Path | None = None,
) -> BatchResult:
    """Price every journey of ``path`` into ``out`` (parquet, one row per input row).

    ``facts`` overrides what the file's statistics say (tests pass ``FileFacts(rows)`` to run
    the general SQL with every check); ``derived_dir`` keeps the lookup tables between runs."""
    start = clock.perf_counter()
    con = connect(threads, memory_limit)
    try:
        found = check_input(path, net, con)
        facts = facts or found
        load_lookups(con, net, tariffs, facts, derived_dir)
        looked_up = clock.perf_counter()
        source = f"read_parquet({_quote(path)})"
        con.execute(f"COPY ({pricing_sql(net, tariffs, source, facts)}) TO {_quote(out)} ({WRITE_OPTIONS})")
        passed = clock.perf_counter()
        rows, errors, revenue = con.execute(
            f"SELECT count(*), count(error), coalesce(sum(fare), 0) FROM read_parquet({_quote(out)})"  # noqa: S608
        ).fetchone() or (0, 0, 0)
    finally:
        con.close()
    if rows != found.rows:  # an inner join can only drop a row if the statistics lied
        raise BatchInputError(f"{path}: priced {rows} rows of {found.rows}; its parquet statistics are wrong")
    end = clock.perf_counter()
    return BatchResult(int(rows), int(errors), int(revenue), end - start, looked_up - start, passed - looked_up, out)


# --- The per-journey reference ----------------------------------------------------------


def price_row_with_engine(net: Network, tariffs: Tariffs, row: Mapping[str, Any]) -> dict[str, Any]:
    """One journeys-file row priced by the per-journey engine under the batch's row → journey
    mapping; ``{"error": message}`` where the engine refuses it (FareError)."""
    try:
        return _price_row(net, tariffs, row) | {"error": None}
    except FareError as exc:
        return {"error": str(exc)}


def _station(net: Network, index: Any) -> str:
    if not isinstance(index, int) or not 0 <= index < len(net.names):
        raise FareError(f"unknown station index {index!r}")
    return net.names[index]


def _price_row(net: Network, tariffs: Tariffs, row: Mapping[str, Any]) -> dict[str, Any]:
    lines = frozenset({"SBD"}) if row["via_sbd"] else frozenset()
    trip = SubwayTrip(_station(net, row["origin"]), _station(net, row["destination"]), lines)
    entry: datetime = row["entry_at"]
    bus_fields = ("bus_mode", "bus_board_at", "bus_alight_at", "bus_metres")
    if all(row[f] is None for f in bus_fields):
        alone = price_subway(net, tariffs, trip, category=row["category"], payment=row["payment"], at=entry)
        return _components(alone, integrated=False, bus_charge=0, subway_charge=alone.fare)
    if any(row[f] is None for f in bus_fields) or row["bus_metres"] < 0:
        raise FareError("incomplete bus leg")
    if row["bus_board_at"] > entry:
        raise FareError("bus leg boarded after the subway entry")
    if row["payment"] != "card":
        raise FareError("a bus transfer needs a card")
    bus = Leg(row["bus_mode"], row["bus_board_at"], row["bus_alight_at"], bus_route="bus", bus_metres=row["bus_metres"])
    subway = Leg("subway", entry, row.get("exit_at") or entry + timedelta(minutes=1), subway=trip)
    if len(split_journeys(tariffs, [bus, subway])) == 1:
        both = price_journey(net, tariffs, [bus, subway], category=row["category"])
        first, second = both.legs
        return _components(both.breakdown, integrated=True, bus_charge=first.charge, subway_charge=second.charge)
    bus_alone = price_journey(net, tariffs, [bus], category=row["category"])
    alone = price_subway(net, tariffs, trip, category=row["category"], payment="card", at=entry)
    return _components(alone, integrated=False, bus_charge=bus_alone.total, subway_charge=alone.fare)


def _components(b: Any, *, integrated: bool, bus_charge: int, subway_charge: int) -> dict[str, Any]:
    return {
        "integrated": integrated,
        "tariff_version": b.tariff_version,
        "distance_m": round(b.distance_km * 1000),
        "base": b.base,
        "early_bird_discount": b.early_bird_discount,
        "distance_steps": b.distance_steps,
        "distance_surcharge": b.distance_surcharge,
        "separate_surcharge": sum(b.separate_surcharges.values()),
        "cash_extra": b.cash_extra,
        "bus_charge": bus_charge,
        "subway_charge": subway_charge,
        "fare": bus_charge + subway_charge,
    }
