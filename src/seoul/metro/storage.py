"""What the metro keeps as Parquet files by day: smart-train sensor readings (one folder per Seoul
date), measured train departures with their per-car loads and the gate entries per station and
minute (one folder per service day).

Each accepted batch of a device is one file per day it touches
(``<dir>/<YYYY-MM-DD>/<device id>-<batch id>.parquet``: sensor id, time in UTC microseconds,
value and the detector's score), written with pyarrow before the batch's transaction commits
and removed again if it does not, so a file never holds readings the database refused. Readers
take a window of one sensor across the days it spans with pyarrow's dataset filter.
Days older than the retention period are removed whole (``metro/retention.py``).
"""

from __future__ import annotations

import functools
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from django.conf import settings

from seoul.core.engine.time import SEOUL
from seoul.metro.engine.congestion.live import Departure

SCHEMA = pa.schema(
    [
        ("sensor", pa.int64()),
        ("at", pa.timestamp("us", tz="UTC")),
        ("value", pa.float64()),
        ("score", pa.float32()),
    ]
)


def root() -> Path:
    return Path(settings.SEOUL_METRO_READINGS_DIR)


SEOUL_OFFSET_US = 9 * 3600 * 1_000_000
"""Korea has kept UTC+9, without summer time, since 1988."""


def _day(at_us: npt.NDArray[np.int64]) -> npt.NDArray[np.str_]:
    """The Seoul date of each reading (UTC microseconds), as YYYY-MM-DD."""
    return np.datetime_as_string((at_us + SEOUL_OFFSET_US).astype("datetime64[us]"), unit="D")


@contextmanager
def writing(
    device: int,
    sensors: npt.NDArray[np.int64],
    at_us: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    scores: npt.NDArray[np.float64],
) -> Iterator[list[Path]]:
    """Write one batch (one file per day); the files are removed if the block raises."""
    written: list[Path] = []
    batch = uuid.uuid4().hex[:12]
    try:
        days = _day(at_us)
        for day in np.unique(days).tolist():
            keep = days == day
            folder = root() / day
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{device}-{batch}.parquet"
            table = pa.table(
                {
                    "sensor": sensors[keep],
                    "at": pa.array(at_us[keep], type=pa.timestamp("us", tz="UTC")),
                    "value": values[keep],
                    "score": scores[keep].astype(np.float32),
                },
                schema=SCHEMA,
            )
            pq.write_table(table, path, compression="zstd")
            written.append(path)
        yield written
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def window(sensor: int, start: datetime, end: datetime) -> list[tuple[datetime, float, float]]:
    """One sensor's readings from ``start`` to ``end`` (inclusive), in time order."""
    days: list[Path] = []
    day = start.astimezone(SEOUL).date()
    while day <= end.astimezone(SEOUL).date():
        folder = root() / day.isoformat()
        if folder.is_dir():
            days.extend(sorted(folder.glob("*.parquet")))
        day += timedelta(days=1)
    if not days:
        return []
    dataset = ds.dataset([str(p) for p in days], schema=SCHEMA, format="parquet")
    at = ds.field("at")
    table = dataset.to_table(
        filter=(ds.field("sensor") == sensor)
        & (at >= pa.scalar(start, pa.timestamp("us", tz="UTC")))
        & (at <= pa.scalar(end, pa.timestamp("us", tz="UTC")))
    ).sort_by("at")
    return list(
        zip(
            table.column("at").to_pylist(),
            table.column("value").to_pylist(),
            table.column("score").to_pylist(),
            strict=True,
        )
    )


def stored_days(base: Path | None = None) -> list[date]:
    """The days with a folder under ``base`` (default: the sensor readings')."""
    folder = base or root()
    out: list[date] = []
    if not folder.is_dir():
        return out
    for child in folder.iterdir():
        try:
            out.append(date.fromisoformat(child.name))
        except ValueError:
            continue
    return sorted(out)


def day_files(day: date, base: Path | None = None) -> int:
    folder = (base or root()) / day.isoformat()
    return len(list(folder.rglob("*.parquet"))) if folder.is_dir() else 0


def remove_day(day: date, base: Path | None = None) -> int:
    """Remove one day's folder; how many Parquet files it held."""
    folder = (base or root()) / day.isoformat()
    count = day_files(day, base)
    if folder.is_dir():
        shutil.rmtree(folder)
    return count


# --- measured train departures (per-car loads), for the congestion forecast and open data ------

DEPARTURES = pa.schema(
    [
        ("train", pa.string()),
        ("line", pa.string()),
        ("station", pa.string()),
        ("direction", pa.int8()),
        ("destination", pa.string()),
        ("departed_at", pa.timestamp("us", tz="UTC")),
        ("loads_kg", pa.list_(pa.float64())),
        ("source", pa.string()),
    ]
)


NIGHT = time(3, 0)
"""No train runs between the last one after midnight and the first a little before 05:30:
a departure before 03:00 belongs to the previous service day, one after it to that day."""


def departure_day(departed_at: datetime) -> date:
    local = departed_at.astimezone(SEOUL)
    return local.date() - timedelta(days=1) if local.time() < NIGHT else local.date()


def loads_root() -> Path:
    return Path(settings.SEOUL_METRO_LOADS_DIR)


def write_departures(line: str, departures: list[Departure]) -> list[Path]:
    """One file per service day the departures belong to (``departure_day``)."""
    by_day: dict[date, list[Departure]] = {}
    for d in departures:
        by_day.setdefault(departure_day(d.departed_at), []).append(d)
    written = []
    batch = uuid.uuid4().hex[:12]
    for day, rows in sorted(by_day.items()):
        folder = loads_root() / day.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.table(
            {
                "train": [d.train for d in rows],
                "line": [d.line for d in rows],
                "station": [d.station for d in rows],
                "direction": pa.array([d.direction for d in rows], type=pa.int8()),
                "destination": [d.destination for d in rows],
                "departed_at": pa.array([d.departed_at for d in rows], type=pa.timestamp("us", tz="UTC")),
                "loads_kg": [list(d.loads_kg) for d in rows],
                "source": [d.source for d in rows],
            },
            schema=DEPARTURES,
        )
        path = folder / f"{line}-{batch}.parquet"
        pq.write_table(table, path, compression="zstd")
        written.append(path)
    return written


def read_departures(day: date, line: str | None = None) -> list[Departure]:
    """A service day's stored departures (of one line, or all), each once (a departure pulled
    twice is one), in time order."""
    folder = loads_root() / day.isoformat()
    files = sorted(folder.glob("*.parquet") if line is None else folder.glob(f"{line}-*.parquet"))
    if not files:
        return []
    return list(_read_departures(tuple((str(p), p.stat().st_size) for p in files)))


@functools.lru_cache(maxsize=32)
def _read_departures(files: tuple[tuple[str, int], ...]) -> tuple[Departure, ...]:
    """Kept per set of files (a pull adds a file, which makes a new key): every page and kiosk
    asking within the minute reads the store once per process."""
    table = ds.dataset([name for name, _size in files], schema=DEPARTURES, format="parquet").to_table()
    seen: dict[tuple[str, str, int, datetime], Departure] = {}
    for r in table.to_pylist():
        key = (r["train"], r["station"], r["direction"], r["departed_at"])
        seen.setdefault(
            key,
            Departure(
                train=r["train"],
                line=r["line"],
                station=r["station"],
                direction=r["direction"],
                departed_at=r["departed_at"],
                loads_kg=tuple(r["loads_kg"]),
                destination=r["destination"],
                source=r["source"] or "weighing",  # files written before the column: weighing
            ),
        )
    return tuple(sorted(seen.values(), key=lambda d: (d.departed_at, d.train, d.station)))


def last_departure(day: date, line: str) -> datetime | None:
    folder = loads_root() / day.isoformat()
    files = sorted(folder.glob(f"{line}-*.parquet"))
    if not files:
        return None
    table = ds.dataset([str(p) for p in files], schema=DEPARTURES, format="parquet").to_table(columns=["departed_at"])
    found = pa.compute.max(table.column("departed_at")).as_py()
    return found if isinstance(found, datetime) else None


# --- gate entries per station and minute, for the forecast's taps ---------------------------------

ENTRIES = pa.schema(
    [
        ("station", pa.string()),
        ("line", pa.string()),
        ("minute", pa.int16()),
        ("entries", pa.int32()),
    ]
)
EntryRow = tuple[str, str, int, int]
"""(station, gate's line, minute of service from 05:30, entries)."""


def _entries_path(day: date) -> Path:
    return loads_root() / day.isoformat() / "entries" / "gate-entries.parquet"


def write_entries(day: date, rows: list[EntryRow], start: int, end: int) -> Path:
    """Replace the counts of minutes ``[start, end)`` of service day ``day`` with ``rows``
    (recounted from the gate events, so an event that arrived late is counted when its minute is
    counted again); the other minutes stay. Written to a new file that replaces the old one, so a
    reader sees the old counts or the new, never half."""
    path = _entries_path(day)
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = [r for r in rows if start <= r[2] < end]
    table = pa.table(
        {
            "station": [r[0] for r in fresh],
            "line": [r[1] for r in fresh],
            "minute": pa.array([r[2] for r in fresh], type=pa.int16()),
            "entries": pa.array([r[3] for r in fresh], type=pa.int32()),
        },
        schema=ENTRIES,
    )
    if path.exists():  # the other minutes stay, in one columnar pass (a day holds ~10^5 rows)
        old = pq.read_table(path, schema=ENTRIES)
        minute = old.column("minute")
        outside = pa.compute.or_(pa.compute.less(minute, start), pa.compute.greater_equal(minute, end))
        table = pa.concat_tables([old.filter(outside), table])
    table = table.sort_by([("minute", "ascending"), ("station", "ascending"), ("line", "ascending")])
    partial = path.with_name(f".{uuid.uuid4().hex[:12]}.tmp")
    pq.write_table(table, partial, compression="zstd")
    partial.replace(path)
    return path


def entries_version(day: date) -> tuple[str, int, int] | None:
    """What identifies the day's stored entries as they are now (path, mtime, size), or None."""
    path = _entries_path(day)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (str(path), stat.st_mtime_ns, stat.st_size)


def read_entries(day: date) -> list[EntryRow]:
    """A service day's gate entries per station, gate line and minute of service."""
    version = entries_version(day)
    if version is None:
        return []
    columns = entry_columns(version)
    return list(zip(*(c.tolist() for c in columns), strict=True))


@functools.lru_cache(maxsize=8)
def entry_columns(
    version: tuple[str, int, int],
) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.str_], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The stored entries of one version as columns: station, line, minute, entries."""
    table = pq.read_table(version[0], schema=ENTRIES)
    return (
        np.asarray(table.column("station").to_numpy(zero_copy_only=False), dtype=np.str_),
        np.asarray(table.column("line").to_numpy(zero_copy_only=False), dtype=np.str_),
        table.column("minute").to_numpy().astype(np.int64),
        table.column("entries").to_numpy().astype(np.int64),
    )
