"""City-scale batch pricing: every journey of a parquet file in one DuckDB pass.

The rules are those of ``fares.py``; this module only re-expresses them as one SQL statement
over the journeys file joined to three small lookup tables built once per run from the same
network and tariffs (no Python per journey):

- ``pairs`` (one row per ordered station pair, 515² ≈ 265k): integrated and all-lines fare
  metres, whether an end is served only by a separately charged line, and the 신분당선
  surcharge of the all-lines path per paying category (adult / youth / child, discounted and
  rounded as the engine does). The surcharge zones are found on exactly the path the engine
  would use: one Dijkstra tree per origin with the engine's adjacency order and tie-breaks,
  the zones crossed propagated down the tree.
- ``rates`` (tariff period × category × payment): version, base, early-bird amount, step,
  cash extra and which category's surcharge applies, for a subway journey alone and for the
  paying category of an integrated journey (free riders pay their bus leg as adults).
- ``bus`` (bus tariff period × mode × category): base, early-bird amount and step.

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
SUR_BITS = 16
NO_SUR_SHIFT = 3 * SUR_BITS  # shifts every packed surcharge out: no surcharge

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


def pair_table(net: Network, tariffs: Tariffs) -> pa.Table:
    """One row per ordered station pair, keyed ``origin * n + destination``.

    ``int_m``: fare metres when no separately charged line was used (the all-lines metres when
    an end is served only by such a line, since the engine then always counts it as used);
    ``all_m``: metres over every line; ``sur``: the discounted surcharges of the all-lines path
    packed 16 bits per paying category (adult, youth, child)."""
    n = len(net.names)
    bits, hop = _zone_masks(net, tariffs)
    masks = _zone_tree(net, hop) if bits else np.zeros((n, n), dtype=np.int64)
    combos = 1 << len(bits)
    packed = np.zeros(combos, dtype=np.int64)
    for mask in range(combos):
        for t, table in enumerate(tariffs.surcharges):
            crossed = [table.zones[z] for bit, (tt, z) in enumerate(bits) if tt == t and mask >> bit & 1]
            for zone in crossed:
                amount = zone.card_alone if (zone.card_alone is not None and len(crossed) == 1) else zone.card
                for cat, i in PAYING.items():
                    part = floor10(amount * (100 - table.discount_percent.get(cat, 0)) / 100)
                    packed[mask] += part << (SUR_BITS * i)
    if int(packed.max(initial=0)) >> (SUR_BITS * 3):
        raise ValueError("surcharges do not fit the packed lookup column")
    only = np.array([net.only_on_separately_charged(s) is not None for s in net.names])
    forced = (only[:, None] | only[None, :]).ravel()
    alll = net.all_lines.ravel()
    integ = np.where(forced, alll, net.integrated.ravel())
    flat = masks.ravel()
    # one more row, key n², for an origin or destination that is no station index
    unknown = np.arange(n * n + 1) == n * n
    integ, alll = np.append(integ, UNREACHABLE), np.append(alll, UNREACHABLE)
    return pa.table(
        {
            "pair": pa.array(np.arange(n * n + 1, dtype=np.int32)),
            "int_m": pa.array(integ.astype(np.int32), mask=integ >= UNREACHABLE),
            "all_m": pa.array(alll.astype(np.int32), mask=alll >= UNREACHABLE),
            "forced": pa.array(np.append(forced, False)),
            "zoned": pa.array(np.append(flat != 0, False)),
            "sur": pa.array(np.append(packed[flat], 0)),
            "unknown": pa.array(unknown),
        }
    )


DIM_NAMES = ("sp", "cat", "pay", "bus", "bp", "bsp_ok", "integ", "eb_e", "eb_b", "row")


@dataclass(frozen=True)
class Codes:
    """Small-integer codes the SQL gives each row before the one join to the combination table."""

    categories: tuple[str, ...]
    modes: tuple[str, ...]
    sub_starts: tuple[date, ...]
    bus_starts: tuple[date, ...]

    @classmethod
    def of(cls, tariffs: Tariffs) -> Codes:
        modes = sorted({m for _, card in tariffs.bus_periods for m in card})
        return cls(
            categories=(*PAID_CATEGORIES, *sorted(tariffs.free_categories)),
            modes=tuple(modes),
            sub_starts=tuple(s for s, _, _ in tariffs.subway_periods),
            bus_starts=tuple(s for s, _ in tariffs.bus_periods),
        )

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

    def dims(self) -> tuple[int, ...]:
        """Sizes of the key digits ``DIM_NAMES``: subway period (0 none in force), category
        (+unknown), payment (card, cash, other), bus code, bus period (0 none), a subway tariff
        in force on the bus date, integrated, early bird at the subway entry, early bird at the
        bus boarding, per-row error code (``ROW_ERRORS``)."""
        return (
            len(self.sub_starts) + 1,
            len(self.categories) + 1,
            3,
            len(self.modes) + 4,
            len(self.bus_starts) + 1,
            2,
            2,
            2,
            2,
            len(ROW_ERRORS) + 1,
        )


def combo_table(tariffs: Tariffs) -> pa.Table:
    """Every combination of the row codes with what it implies: an error, or the fixed parts of
    the fare (tariff version, base, early bird, steps price, surcharge category, cash extra, bus
    leg's fixed part) and the weights of the per-row distances. Free riders' subway legs and
    everything the engine refuses are decided here, once, not per row."""
    codes = Codes.of(tariffs)
    pct = tariffs.early_bird_percent
    cols: dict[str, list[Any]] = {name: [] for name in COMBO_COLUMNS}
    for key, (sp, cat, pay, bus, bp, bsp_ok, integ, eb_e, eb_b) in enumerate(
        itertools.product(*map(range, codes.dims()[:-1]))
    ):
        has_bus = bus != 0
        mode = codes.modes[bus - 1] if 1 <= bus <= len(codes.modes) else None
        error: str | None = None
        if bus == codes.bus_incomplete:
            error = "incomplete bus leg"
        elif bus == codes.bus_after:
            error = "bus leg boarded after the subway entry"
        elif has_bus and pay != 0:
            error = "a bus transfer needs a card"
        elif sp == 0 or (has_bus and not bsp_ok):
            error = "no subway tariff in force"
        elif cat == len(codes.categories) or pay == 2:
            error = "unknown rider category or payment"
        elif has_bus and (mode is None or bp == 0 or mode not in tariffs.bus_periods[bp - 1][1]):
            error = "no bus tariff for this mode and date"
        row: dict[str, Any] = dict.fromkeys(COMBO_COLUMNS)
        row |= {"combo": key, "error": error}
        if error is None:
            _, version, card = tariffs.subway_periods[sp - 1]
            category = codes.categories[cat]
            free = category in tariffs.free_categories
            paying = "adult" if free else category
            b_base = b_early = bus_step = 0
            if mode is not None:
                b_base = tariffs.bus_periods[bp - 1][1][mode][paying]
                b_early = floor10(b_base * pct / 100) if eb_b else 0
                bus_step = tariffs.step[paying]
            row |= {"version": version, "integrated": bool(integ), "bus_fixed": b_base - b_early, "bus_step": bus_step}
            row |= {"extra": 0, "w_bus": 0, "w_sub": 1, "count_steps": 1, "sub_on": 1, "sur_shift": NO_SUR_SHIFT}
            if integ and free:  # free riders: the bus leg as an adult, the subway leg free and skipped
                row |= {"base": b_base, "early": b_early, "w_bus": 1, "w_sub": 0, "step": bus_step, "sub_on": 0}
                row |= {"fixed": 0}
            elif integ:
                base = max(b_base, card[paying])
                row |= {"base": base, "early": b_early, "w_bus": 1, "step": tariffs.step[paying]}
                row |= {"fixed": base - b_early, "sur_shift": SUR_BITS * PAYING[paying]}
            elif free:
                row |= {"base": 0, "early": 0, "count_steps": 0, "step": 0, "fixed": 0}
            elif pay == 1:  # cash: adults and youths pay the adult fare + extra, children the child fare
                fc = "child" if category == "child" else "adult"
                extra = 0 if fc == "child" else tariffs.cash_extra
                row |= {"base": card[fc], "early": 0, "step": tariffs.step[fc], "extra": extra}
                row |= {"fixed": card[fc] + extra, "sur_shift": SUR_BITS * PAYING[fc]}
            else:
                early = floor10(card[category] * pct / 100) if eb_e else 0
                row |= {"base": card[category], "early": early, "step": tariffs.step[category]}
                row |= {"fixed": card[category] - early, "sur_shift": SUR_BITS * PAYING[category]}
        for name in COMBO_COLUMNS:
            cols[name].append(row[name])
    types = {"combo": pa.int32(), "error": pa.string(), "version": pa.string(), "integrated": pa.bool_()}
    return pa.table({name: pa.array(values, type=types.get(name, pa.int32())) for name, values in cols.items()})


COMBO_COLUMNS = (
    "combo",
    "error",
    "version",
    "integrated",
    "base",
    "early",
    "w_bus",
    "w_sub",
    "count_steps",
    "step",
    "sur_shift",
    "extra",
    "fixed",
    "sub_on",
    "bus_fixed",
    "bus_step",
)


# --- SQL --------------------------------------------------------------------------------


def _period_case(expr: str, starts: tuple[date, ...]) -> str:
    whens = " ".join(f"WHEN {expr} >= {_day(s)} THEN {i}" for i, s in reversed(list(enumerate(starts))))
    return f"CASE {whens} ELSE {len(starts)} END"


def _steps_sql(tariffs: Tariffs, m: str) -> str:
    terms, lower = [], tariffs.base_metres
    for upper, every in tariffs.bands:
        span = f"{m} - {lower}" if upper is None else f"least({m}, {upper}) - {lower}"
        terms.append(f"((greatest({span}, 0) + {every - 1}) // {every})")
        if upper is None:
            break
        lower = upper
    return "(" + " + ".join(terms) + ")" if terms else "0"


def _tod_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _code_case(expr: str, values: tuple[str, ...], other: int, first: int = 0) -> str:
    whens = " ".join(f"WHEN '{v}' THEN {first + i}" for i, v in enumerate(values))
    return f"CASE {expr} {whens} ELSE {other} END"


def pricing_sql(net: Network, tariffs: Tariffs, source: str) -> str:
    """One SELECT pricing every row of ``source`` (a relation with the journeys schema).

    Per row it only derives small codes, joins the pair and combination tables and does the
    distance arithmetic; every branch of the rules is decided in the combination table."""
    if len(tariffs.surcharges) > 1:
        raise NotImplementedError("batch pricing knows one separately charged line (via_sbd)")
    n = len(net.names)
    codes = Codes.of(tariffs)
    dims = codes.dims()
    sbd_from = _day(tariffs.surcharges[0].effective_from) if tariffs.surcharges else 0
    eb = _tod_us(tariffs.early_bird_before)
    nf, nu = _tod_us(tariffs.night_from), _tod_us(tariffs.night_until)
    w, nw = int(tariffs.window.total_seconds()) * 1_000_000, int(tariffs.night_window.total_seconds()) * 1_000_000
    nm = len(codes.modes)
    key = "sp"
    for dim, part in zip(dims[1:-1], DIM_NAMES[1:-1], strict=True):
        key = f"({key}) * {dim} + {part}"

    def period(day: str, starts: tuple[date, ...]) -> str:  # 0: none in force, i: the i-th period
        return " + ".join(f"({day} >= {_day(s)})::INTEGER" for s in starts)

    return f"""
WITH s AS (
    SELECT journey_id, via_sbd, origin, destination,
        coalesce(bus_metres, 0) AS bm,
        epoch_us(entry_at) + {KST_OFFSET_US} AS e,
        coalesce(epoch_us(bus_board_at) + {KST_OFFSET_US}, e) AS bb,
        coalesce(epoch_us(bus_alight_at) + {KST_OFFSET_US}, e) AS ba,
        e // {DAY_US} AS e_day,
        bb // {DAY_US} AS b_day,
        {_code_case("category", codes.categories, len(codes.categories))} AS cat,
        {_code_case("payment", ("card", "cash"), 2)} AS pay,
        CASE
            WHEN bus_mode IS NULL AND bus_board_at IS NULL AND bus_alight_at IS NULL AND bus_metres IS NULL THEN 0
            WHEN bus_mode IS NULL OR bus_board_at IS NULL OR bus_alight_at IS NULL OR bus_metres IS NULL
                OR bus_metres < 0 THEN {codes.bus_incomplete}
            WHEN bus_board_at > entry_at THEN {codes.bus_after}
            ELSE {_code_case("bus_mode", codes.modes, codes.bus_unknown, 1)}
        END AS bus,
        (bus BETWEEN 1 AND {nm})::INTEGER AS known_bus,
        (bus BETWEEN 1 AND {nm} AND e - ba >= 0
            AND e - ba <= CASE WHEN ba % {DAY_US} >= {nf} OR ba % {DAY_US} < {nu} THEN {nw} ELSE {w} END)::INTEGER
            AS integ,
        {period("(e_day + integ * (b_day - e_day))", codes.sub_starts)} AS sp,
        known_bus * ({period("b_day", codes.bus_starts)}) AS bp,
        1 - known_bus * (b_day < {_day(codes.sub_starts[0])})::INTEGER AS bsp_ok,
        (e % {DAY_US} < {eb})::INTEGER AS eb_e,
        known_bus * (bb % {DAY_US} < {eb})::INTEGER AS eb_b
    FROM {source}
), t AS (
    SELECT journey_id, via_sbd, bm, e_day < {sbd_from} AS before_sbd,
        CASE WHEN origin >= 0 AND origin < {n} AND destination >= 0 AND destination < {n}
             THEN origin::INTEGER * {n} + destination ELSE {n * n} END AS pair,
        {key} AS partial_key
    FROM s
), k AS (
    SELECT journey_id, bm,
        CASE WHEN via_sbd THEN p.all_m ELSE p.int_m END AS sub_m,
        CASE WHEN via_sbd OR p.forced THEN p.sur ELSE 0 END AS sur_packed,
        partial_key * {dims[-1]} + CASE
            WHEN p.unknown THEN 1
            WHEN sub_m IS NULL THEN 2
            WHEN (via_sbd OR p.forced) AND p.zoned AND before_sbd THEN 3
            ELSE 0
        END AS combo
    FROM t JOIN pairs p ON p.pair = t.pair
), j AS (
    SELECT k.journey_id, c.integrated, c.version, c.base, c.early, c.extra, c.step, c.fixed, c.sub_on, c.error,
        (k.sur_packed >> c.sur_shift) & {(1 << SUR_BITS) - 1} AS sur,
        c.w_bus * k.bm + c.w_sub * coalesce(k.sub_m, 0) AS distance_m,
        c.bus_fixed + {_steps_sql(tariffs, "k.bm")} * c.bus_step AS bus_charge,
        c.count_steps
    FROM k JOIN combos c ON c.combo = k.combo
), f AS (
    SELECT *, count_steps * {_steps_sql(tariffs, "distance_m")} AS steps FROM j
), g AS (
    SELECT *, sub_on * greatest(0, fixed + steps * step + sur - integrated::INTEGER * bus_charge) AS subway_charge
    FROM f
)
SELECT
    journey_id,
    integrated,
    version AS tariff_version,
    distance_m::INTEGER AS distance_m,
    base,
    early AS early_bird_discount,
    steps::INTEGER AS distance_steps,
    (steps * step)::INTEGER AS distance_surcharge,
    sur::INTEGER AS separate_surcharge,
    extra AS cash_extra,
    bus_charge::INTEGER AS bus_charge,
    subway_charge::INTEGER AS subway_charge,
    (bus_charge + subway_charge)::INTEGER AS fare,
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
    return con


def check_input(path: Path, net: Network) -> None:
    """Refuse files the pricing cannot read: missing, not parquet, columns or stations that differ."""
    if not path.is_file():
        raise BatchInputError(f"no such file: {path}")
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise BatchInputError(f"{path} is not a readable parquet file: {exc}") from exc
    meta = schema.metadata or {}
    if meta.get(SCHEMA_METADATA_KEY) != SCHEMA_VERSION.encode():
        raise BatchInputError(f"{path} is not a journeys file (schema metadata {SCHEMA_VERSION!r} missing)")
    try:
        names = json.loads(meta[STATIONS_METADATA_KEY])
    except (KeyError, ValueError) as exc:
        raise BatchInputError(f"{path} has no station list in its metadata") from exc
    if names != list(net.names):
        raise BatchInputError(f"{path} numbers stations differently from the current network data")
    con = duckdb.connect()
    try:
        types = dict(
            con.execute(
                "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))", [str(path)]
            ).fetchall()
        )
    finally:
        con.close()
    wrong = [f"{col} ({types.get(col, 'missing')})" for col, ok in REQUIRED.items() if types.get(col) not in ok]
    if wrong:
        raise BatchInputError(f"{path} has missing or mistyped columns: {', '.join(wrong)}")


ROW_ERRORS = (
    (1, "TRUE", "unknown station index"),
    (2, "c.sub_on = 1", "no path between the stations"),
    (3, "(NOT c.integrated OR c.sub_on = 1)", "no separately charged line surcharge in force"),
)


def load_lookups(con: duckdb.DuckDBPyConnection, net: Network, tariffs: Tariffs) -> None:
    """The pair table and the combination table (× the per-row error code, last key digit)."""
    con.register("pairs_arrow", pair_table(net, tariffs))
    con.execute("CREATE OR REPLACE TEMP TABLE pairs AS SELECT * FROM pairs_arrow")
    con.unregister("pairs_arrow")
    base = combo_table(tariffs)
    messages = sorted({m for m in base.column("error").to_pylist() if m} | {m for _, _, m in ROW_ERRORS})
    versions = sorted({v for _, v, _ in tariffs.subway_periods})

    def enum(values: list[str]) -> str:
        return "ENUM (" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"

    whens = " ".join(f"WHEN r.code = {code} AND {cond} THEN '{msg}'" for code, cond, msg in ROW_ERRORS)
    error = f"CASE WHEN c.error IS NOT NULL THEN c.error {whens} END"
    values = ", ".join(f"CASE WHEN ({error}) IS NULL THEN c.{col} END AS {col}" for col in COMBO_COLUMNS[3:])
    con.register("combos_arrow", base)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE combos AS
        SELECT (c.combo * {len(ROW_ERRORS) + 1} + r.code)::INTEGER AS combo,
            ({error})::{enum(messages)} AS error,
            (CASE WHEN ({error}) IS NULL THEN c.version END)::{enum(versions)} AS version,
            {values}
        FROM combos_arrow c, range({len(ROW_ERRORS) + 1}) r(code)"""  # noqa: S608
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
) -> BatchResult:
    """Price every journey of ``path`` into ``out`` (parquet, one row per input row)."""
    start = clock.perf_counter()
    check_input(path, net)
    con = connect(threads, memory_limit)
    try:
        load_lookups(con, net, tariffs)
        looked_up = clock.perf_counter()
        source = f"read_parquet({_quote(path)})"
        con.execute(f"COPY ({pricing_sql(net, tariffs, source)}) TO {_quote(out)} (FORMAT parquet)")
        passed = clock.perf_counter()
        rows, errors, revenue = con.execute(
            f"SELECT count(*), count(error), coalesce(sum(fare), 0) FROM read_parquet({_quote(out)})"  # noqa: S608
        ).fetchone() or (0, 0, 0)
    finally:
        con.close()
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
