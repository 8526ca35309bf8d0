"""The movement-data store: presence intervals as Parquet partitioned by day.

A data directory holds::

    people.parquet                       person_id VARCHAR (pseudonymous), pid INT32, district INT8
    places.parquet                       place_id VARCHAR, plc INT64, kind, name, district INT8, setting
    presence/day=YYYY-MM-DD/*.parquet    pid INT32, plc INT64, start_at, end_at (timestamp µs UTC),
                                         source, car INT8 (NULL unless known), certainty FLOAT

``day`` is the Asia/Seoul date of ``start_at``; an interval is half-open ``[start_at, end_at)``
and at most ``MAX_DURATION`` long, so a query for a window only opens the partitions from the
day before the window. Each file is sorted by ``(plc, start_at)`` in row groups of
``ROW_GROUP`` rows, so a query for a few places reads only the row groups that hold them
(Parquet min/max statistics). Person and place ids are strings outside the store and small
integers inside it (``pid``, ``plc``): the integer joins are what make a discovery over
hundreds of millions of rows fast.
"""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from seoul.core.engine.time import SEOUL

SEOUL_OFFSET_S = 9 * 3600  # no daylight saving time since 1988
ROW_GROUP = 131_072
MAX_DURATION = timedelta(hours=24)
SOURCES = ("venue", "metro", "card", "entry_card", "other")
"""Where a presence record comes from: a venue's visitor log, a metro ride, a card payment, a
building's entry-card (출입카드) access log, anything else."""
SETTINGS = ("indoor", "transit", "outdoor")
# place kinds: the top byte of a place code (``plc``)
VENUE, MERCHANT, TRAIN, OTHER = 1, 2, 3, 4
KINDS = {VENUE: "venue", MERCHANT: "merchant", TRAIN: "train", OTHER: "other"}
KIND_SHIFT = 56

PRESENCE = pa.schema(
    [
        ("pid", pa.int32()),
        ("plc", pa.int64()),
        ("start_at", pa.timestamp("us", tz="UTC")),
        ("end_at", pa.timestamp("us", tz="UTC")),
        ("source", pa.dictionary(pa.int8(), pa.string())),
        ("car", pa.int8()),
        ("certainty", pa.float32()),
    ]
)
PEOPLE = pa.schema([("person_id", pa.string()), ("pid", pa.int32()), ("district", pa.int8())])
PLACES = pa.schema(
    [
        ("place_id", pa.string()),
        ("plc", pa.int64()),
        ("kind", pa.string()),
        ("name", pa.string()),
        ("district", pa.int8()),
        ("setting", pa.string()),
    ]
)


def place_code(kind: int, index: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    return (np.int64(kind) << np.int64(KIND_SHIFT)) | index.astype(np.int64)


def connect(threads: int | None = None, memory_limit: str = "4GB") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET threads = {int(threads or os.cpu_count() or 2)}")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    return con


def quote(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def seoul_day(epoch_us: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Days since 1970-01-01 of the Asia/Seoul date of each instant."""
    return (epoch_us // 1_000_000 + SEOUL_OFFSET_S) // 86_400


def day_dir(root: Path, day: date) -> Path:
    return root / "presence" / f"day={day.isoformat()}"


def write_presence(root: Path, table: pa.Table, *, tag: str | None = None) -> dict[date, int]:
    """Append presence rows (schema ``PRESENCE``) as one new file per Seoul day; returns rows
    per day. Rows are sorted by ``(plc, start_at)`` within each file."""
    table = table.cast(PRESENCE)
    if table.num_rows == 0:
        return {}
    start_us = table.column("start_at").cast(pa.int64()).to_numpy()
    days = seoul_day(start_us)
    order = np.lexsort((start_us, table.column("plc").to_numpy(), days))
    table = table.take(pa.array(order))
    days = days[order]
    written: dict[date, int] = {}
    bounds = np.flatnonzero(np.diff(days)) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(days)], strict=True):
        day = date(1970, 1, 1) + timedelta(days=int(days[lo]))
        folder = day_dir(root, day)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"part-{tag or uuid.uuid4().hex}.parquet"
        tmp = folder / f".{name}.tmp"
        pq.write_table(table.slice(lo, hi - lo), tmp, row_group_size=ROW_GROUP, compression="zstd")
        os.replace(tmp, folder / name)  # readers never see half a file
        written[day] = int(hi - lo)
    return written


def presence_days(root: Path) -> list[date]:
    base = root / "presence"
    if not base.is_dir():
        return []
    return sorted(date.fromisoformat(p.name[4:]) for p in base.iterdir() if p.name.startswith("day="))


def window_files(root: Path, start: datetime, end: datetime) -> list[str]:
    """The files that can hold an interval overlapping ``[start, end)``: from the day before
    ``start`` (an interval is at most ``MAX_DURATION`` long) to the day of ``end``."""
    return presence_files(root, seoul_date(start - MAX_DURATION), seoul_date(end))


def presence_files(root: Path, first: date, last: date) -> list[str]:
    """Parquet files of the days ``first``..``last`` (inclusive) that exist."""
    out: list[str] = []
    for day in presence_days(root):
        if first <= day <= last:
            out.extend(str(p) for p in sorted(day_dir(root, day).glob("*.parquet")))
    return out


def seoul_date(moment: datetime) -> date:
    return moment.astimezone(SEOUL).date()


def expired_days(root: Path, cutoff: date) -> list[date]:
    """Day partitions wholly before ``cutoff`` (their intervals started before it)."""
    return [d for d in presence_days(root) if d < cutoff]


def count_rows(root: Path, days: list[date]) -> int:
    return sum(pq.ParquetFile(f).metadata.num_rows for d in days for f in day_dir(root, d).glob("*.parquet"))


def purge(root: Path, cutoff: date) -> dict[str, int]:
    """Destroy the presence of the days before ``cutoff``, then the person ids no remaining
    presence uses (a pseudonymous id is still personal data). Returns what went."""
    days = expired_days(root, cutoff)
    rows = count_rows(root, days)
    for day in days:
        folder = day_dir(root, day)
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()
    people_gone = 0
    people = root / "people.parquet"
    if days and people.exists():
        con = connect(threads=2)
        try:
            remaining = [str(f) for d in presence_days(root) for f in day_dir(root, d).glob("*.parquet")]
            used = (
                f"SELECT DISTINCT pid FROM read_parquet([{', '.join(quote(f) for f in remaining)}])"
                if remaining
                else "SELECT NULL::INTEGER AS pid WHERE false"
            )
            kept = con.sql(f"SELECT * FROM read_parquet({quote(people)}) WHERE pid IN ({used})").to_arrow_table()
            people_gone = pq.ParquetFile(people).metadata.num_rows - kept.num_rows
            tmp = people.with_suffix(".tmp")
            pq.write_table(kept.cast(PEOPLE), tmp)
            os.replace(tmp, people)
        finally:
            con.close()
    return {"presence_days": len(days), "presence_rows": rows, "person_ids": people_gone}
