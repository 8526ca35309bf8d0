"""Synthetic metropolitan subway journeys for one service day, generated with NumPy in chunks.

One row is one subway trip (entry to exit), optionally preceded by a bus leg (the integrated
transfer case). Rows are generated a chunk at a time with vectorised NumPy (no Python loop per
journey) and written with pyarrow, one row group per chunk. A chunk's random stream is seeded
by ``(seed, chunk number)``, so a file is a pure function of (journeys, date, seed) — and the
first rows of a larger file are the rows of a smaller one.

The model (see docs/metro-batch.md):
- Station popularity is Zipf-like over stations (weight rank^-0.6), with the big hubs (강남, 잠실,
  서울역, 홍대입구, 신림, …) on the top ranks and the other stations ranked at random per seed.
- Origin by popularity; destination by a gravity model over the all-lines distance:
  popularity × (exp(−d/8 km) + 0.08·exp(−d/30 km)), never the origin itself.
- Entry time: a mixture of the morning peak (~08:05), the evening peak (~18:50), midday,
  early birds (05:30–06:30), the evening and the hour after midnight (next calendar day).
- Riders: adult 73 %, youth 8 %, child 4 %, senior 13 %, disabled 1.5 %, merit 0.5 %
  (free riders 15 %); card 98.8 %, cash 1.2 %.
- 22 % of card journeys start with a bus leg (trunk / circular / village; night buses between
  23:00 and 04:00) whose alighting precedes the subway entry by a gap that is mostly inside the
  transfer window, sometimes beyond it (up to 90 min) and in 1 % of cases on its edge (±1 s).
- ``via_sbd``: the journey passed 신분당선 gates. True for most journeys for which 신분당선 is a
  shorter route, for a few others, and always when an end is served only by 신분당선.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from seoul.core.engine.time import SEOUL
from seoul.metro.engine.network import UNREACHABLE, Network

CHUNK_ROWS = 1 << 20  # part of the determinism contract: a chunk's stream is seeded by its number
STATIONS_METADATA_KEY = b"seoul.metro.stations"
SCHEMA_METADATA_KEY = b"seoul.metro.schema"
SCHEMA_VERSION = "journeys/1"

HUBS = (
    "강남",
    "잠실",
    "서울역",
    "홍대입구",
    "신림",
    "고속터미널",
    "신도림",
    "구로디지털단지",
    "선릉",
    "사당",
    "삼성",
    "역삼",
    "을지로입구",
    "종로3가",
    "건대입구",
    "서울대입구",
    "왕십리",
    "여의도",
    "가산디지털단지",
    "교대",
    "양재",
    "광화문",
    "노원",
)
ZIPF_EXPONENT = 0.6
CATEGORIES = ("adult", "youth", "child", "senior", "disabled", "merit")
CATEGORY_P = (0.73, 0.08, 0.04, 0.13, 0.015, 0.005)
PAYMENTS = ("card", "cash")
CASH_P = 0.012
BUS_MODES = ("trunk", "circular", "village", "night")
BUS_P = 0.22

TS = pa.timestamp("us", tz="Asia/Seoul")
DICT = pa.dictionary(pa.int8(), pa.string())
SCHEMA = pa.schema(
    [
        pa.field("journey_id", pa.int64(), nullable=False),
        pa.field("entry_at", TS, nullable=False),
        pa.field("exit_at", TS, nullable=False),
        pa.field("origin", pa.int16(), nullable=False),
        pa.field("destination", pa.int16(), nullable=False),
        pa.field("via_sbd", pa.bool_(), nullable=False),
        pa.field("category", DICT, nullable=False),
        pa.field("payment", DICT, nullable=False),
        pa.field("bus_mode", DICT),
        pa.field("bus_board_at", TS),
        pa.field("bus_alight_at", TS),
        pa.field("bus_metres", pa.int32()),
    ]
)

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Model:
    """Per-seed station model: popularity and the destination distribution of each origin."""

    names: tuple[str, ...]
    popularity: Floats  # sums to 1
    dest_cdf: Floats  # flattened: row o is o + cumulative P(destination | o)
    sbd_shorter: Bools  # n×n: the all-lines distance is shorter than the integrated one
    sbd_only: Bools  # station served only by a separately charged line
    metres: Ints  # all-lines distances


def build_model(net: Network, seed: int) -> Model:
    n = len(net.names)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5EED]))
    hubs = [net.index[h] for h in HUBS if h in net.index]
    rest = np.array([i for i in range(n) if i not in set(hubs)], dtype=np.int64)
    order = np.concatenate([np.array(hubs, dtype=np.int64), rng.permutation(rest)])
    rank = np.empty(n, dtype=np.float64)
    rank[order] = np.arange(1, n + 1, dtype=np.float64)
    popularity = rank**-ZIPF_EXPONENT
    popularity /= popularity.sum()

    all_m = net.all_lines
    km = np.where(all_m >= UNREACHABLE, np.inf, all_m / 1000.0)
    weight = popularity[None, :] * (np.exp(-km / 8.0) + 0.08 * np.exp(-km / 30.0))
    np.fill_diagonal(weight, 0.0)
    cdf = np.cumsum(weight, axis=1)
    cdf /= cdf[:, -1:]
    cdf[:, -1] = 1.0
    dest_cdf = (cdf + np.arange(n, dtype=np.float64)[:, None]).ravel()
    sbd_only = np.array([net.only_on_separately_charged(name) is not None for name in net.names])
    return Model(
        names=tuple(net.names),
        popularity=popularity,
        dest_cdf=dest_cdf,
        sbd_shorter=all_m < net.integrated,
        sbd_only=sbd_only,
        metres=all_m,
    )


US = 1_000_000
HOUR = 3600


def _entry_seconds(rng: np.random.Generator, size: int) -> Ints:
    """Seconds after local midnight of the service day (may run past 24:00)."""
    parts: tuple[tuple[float, Callable[[int], Floats]], ...] = (
        (0.04, lambda k: rng.uniform(5.5 * HOUR, 6.5 * HOUR, k)),  # early birds
        (0.30, lambda k: np.clip(rng.normal(8.08 * HOUR, 0.6 * HOUR, k), 6.5 * HOUR, 10.5 * HOUR)),
        (0.22, lambda k: rng.uniform(10 * HOUR, 17 * HOUR, k)),
        (0.27, lambda k: np.clip(rng.normal(18.83 * HOUR, 0.8 * HOUR, k), 16.5 * HOUR, 21 * HOUR)),
        (0.12, lambda k: rng.uniform(21 * HOUR, 24 * HOUR, k)),
        (0.02, lambda k: rng.uniform(24 * HOUR, 25 * HOUR, k)),  # after midnight: next calendar day
        (0.03, lambda k: rng.uniform(5.5 * HOUR, 24 * HOUR, k)),
    )
    which = rng.choice(len(parts), size=size, p=[p for p, _ in parts])
    out = np.empty(size, dtype=np.float64)
    for i, (_, draw) in enumerate(parts):
        mask = which == i
        out[mask] = draw(int(mask.sum()))
    return out.astype(np.int64)


def _dict_array(codes: npt.NDArray[np.int8], values: tuple[str, ...], mask: Bools | None = None) -> pa.Array:
    indices = pa.array(codes, type=pa.int8(), mask=mask)
    return pa.DictionaryArray.from_arrays(indices, pa.array(values, type=pa.string()))


def _ts(us: Ints, mask: Bools | None = None) -> pa.Array:
    return pa.array(us, type=pa.int64(), mask=mask).cast(TS)


def generate_chunk(model: Model, day: date, seed: int, chunk: int, size: int) -> pa.Table:
    """Rows ``chunk * CHUNK_ROWS`` … ``+ size`` of the day's journeys."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, chunk + 1]))
    n = len(model.names)
    midnight_us = int(datetime.combine(day, time(0), tzinfo=SEOUL).timestamp()) * US

    origin = rng.choice(n, size=size, p=model.popularity).astype(np.int64)
    u = rng.random(size) * (1.0 - 1e-9)
    dest = np.searchsorted(model.dest_cdf, origin + u, side="right") - origin * n
    dest = np.clip(dest, 0, n - 1)
    dest = np.where(dest == origin, (dest + 1) % n, dest)  # guard against float edge cases

    entry_s = _entry_seconds(rng, size)
    metres = model.metres[origin, dest]
    ride_s = (150 + metres / 9.7 * rng.lognormal(0.0, 0.12, size)).astype(np.int64)
    entry_us = midnight_us + entry_s * US
    exit_us = entry_us + ride_s * US

    shorter = model.sbd_shorter[origin, dest]
    via_sbd = np.where(shorter, rng.random(size) < 0.85, rng.random(size) < 0.002)
    via_sbd |= model.sbd_only[origin] | model.sbd_only[dest]

    category = rng.choice(len(CATEGORIES), size=size, p=CATEGORY_P).astype(np.int8)
    cash = rng.random(size) < CASH_P
    payment = cash.astype(np.int8)

    has_bus = (~cash) & (rng.random(size) < BUS_P)
    no_bus = ~has_bus
    # bus leg: mode, distance, ride time and the gap before the subway entry
    mode = rng.choice(3, size=size, p=(0.62, 0.06, 0.32)).astype(np.int8)
    tod = entry_s % (24 * HOUR)
    night = (tod >= 23 * HOUR) | (tod < 4 * HOUR)
    mode = np.where(night & (rng.random(size) < 0.7), np.int8(3), mode)
    median_m = np.array([5200.0, 3000.0, 1700.0, 7000.0])[mode]
    bus_m = np.maximum(300, median_m * rng.lognormal(0.0, 0.55, size)).astype(np.int64)
    bus_ride_s = (60 + bus_m / 4.7 * rng.lognormal(0.0, 0.2, size)).astype(np.int64)
    gap_kind = rng.random(size)
    gap_s = np.where(
        gap_kind < 0.89,
        rng.integers(30, 900, size),
        np.where(
            gap_kind < 0.99,
            rng.integers(900, 90 * 60, size),
            rng.choice(np.array([1799, 1800, 1801, 3599, 3600, 3601]), size),
        ),
    )
    alight_us = entry_us - gap_s * US
    board_us = alight_us - bus_ride_s * US

    first_id = int(day.strftime("%Y%m%d")) * 1_000_000_000 + chunk * CHUNK_ROWS
    columns = [
        pa.array(np.arange(first_id, first_id + size, dtype=np.int64)),
        _ts(entry_us),
        _ts(exit_us),
        pa.array(origin.astype(np.int16)),
        pa.array(dest.astype(np.int16)),
        pa.array(via_sbd),
        _dict_array(category, CATEGORIES),
        _dict_array(payment, PAYMENTS),
        _dict_array(mode, BUS_MODES, no_bus),
        _ts(board_us, no_bus),
        _ts(alight_us, no_bus),
        pa.array(bus_m.astype(np.int32), mask=no_bus),
    ]
    return pa.Table.from_arrays(columns, schema=SCHEMA)


def file_metadata(names: tuple[str, ...] | list[str]) -> dict[bytes, bytes]:
    return {
        STATIONS_METADATA_KEY: json.dumps(list(names), ensure_ascii=False).encode(),
        SCHEMA_METADATA_KEY: SCHEMA_VERSION.encode(),
    }


def chunks(net: Network, journeys: int, day: date, seed: int) -> Iterator[pa.Table]:
    model = build_model(net, seed)
    for chunk, start in enumerate(range(0, journeys, CHUNK_ROWS)):
        yield generate_chunk(model, day, seed, chunk, min(CHUNK_ROWS, journeys - start))


def write_journeys(tables: Iterator[pa.Table] | list[pa.Table], out: Path, names: list[str]) -> int:
    """Write journey tables (one row group each) with the station list in the file metadata."""
    schema = SCHEMA.with_metadata(file_metadata(names))
    rows = 0
    with pq.ParquetWriter(out, schema, compression="snappy") as writer:
        for table in tables:
            writer.write_table(table.replace_schema_metadata(schema.metadata), row_group_size=CHUNK_ROWS)
            rows += table.num_rows
    return rows


def simulate(net: Network, journeys: int, day: date, seed: int, out: Path) -> int:
    """Generate ``journeys`` journeys of service day ``day`` into the parquet file ``out``."""
    if journeys < 0:
        raise ValueError("journeys must be >= 0")
    return write_journeys(chunks(net, journeys, day, seed), out, net.names)
