"""Smart-train sensor readings as Parquet files, one folder per day (Seoul date of the reading).

Each accepted batch of a device is one file per day it touches
(``<dir>/<YYYY-MM-DD>/<device id>-<batch id>.parquet``: sensor id, time in UTC microseconds,
value and the detector's score), written with pyarrow before the batch's transaction commits
and removed again if it does not, so a file never holds readings the database refused. Readers
take a window of one sensor across the days it spans with pyarrow's dataset filter.
Days older than the retention period are removed whole (``metro/retention.py``).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from django.conf import settings

from seoul.core.engine.time import SEOUL

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


def stored_days() -> list[date]:
    out: list[date] = []
    if not root().is_dir():
        return out
    for folder in root().iterdir():
        try:
            out.append(date.fromisoformat(folder.name))
        except ValueError:
            continue
    return sorted(out)


def day_files(day: date) -> int:
    folder = root() / day.isoformat()
    return len(list(folder.glob("*.parquet"))) if folder.is_dir() else 0


def remove_day(day: date) -> int:
    """Remove one day's files; how many there were."""
    count = day_files(day)
    if count or (root() / day.isoformat()).is_dir():
        shutil.rmtree(root() / day.isoformat())
    return count
