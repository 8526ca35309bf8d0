"""Tables derived from the network and tariffs, computed once per version of the data and kept
on disk, so that a process (a web worker, a batch run) loads them instead of recomputing them.

Arrays are stored as an uncompressed ``.npz``, tables as an uncompressed Arrow IPC file read by
memory map; either is named by a SHA-256 of a canonical text of exactly what it depends on and
of ``FORMAT`` (raise it when the code building a table changes), so changed data or code never
reads a stale table. A file that cannot be read, or lacks an expected array or column, is
logged and rebuilt; files are written to a temporary name and renamed into
place, so a reader never sees half a file and concurrent writers do not collide. Storing a
table keeps only the ``KEEP`` newest versions of it (two versions can be in use during a
rolling deployment); the directory may be deleted at any time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Callable
from datetime import date, time, timedelta
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.feather as feather

from seoul.metro.engine.fares import Tariffs
from seoul.metro.engine.network import Network

FORMAT = 3
KEEP = 3
log = logging.getLogger(__name__)
T = TypeVar("T")

Arrays = dict[str, npt.NDArray[np.generic]]


def network_facts(net: Network) -> object:
    """What every network-derived table depends on, canonically (not the cached matrices)."""
    return canonical(
        {
            "names": net.names,
            "lines_of": net.lines_of,
            "segments": net.segments,
            "separately_charged": net.separately_charged,
        }
    )


def tariff_facts(tariffs: Tariffs) -> object:
    """Every rule of the tariffs (not their raw JSON), canonically."""
    return canonical({f.name: getattr(tariffs, f.name) for f in dataclasses.fields(tariffs) if f.name != "raw"})


def canonical(value: object) -> object:
    """``value`` as JSON-able data whose text does not depend on set or dict order."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def key(name: str, facts: object) -> str:
    text = json.dumps([FORMAT, name, facts], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def cached(
    directory: Path | None, name: str, facts: object, names: tuple[str, ...], build: Callable[[], Arrays]
) -> Arrays:
    """The arrays ``names`` that ``build`` returns for ``facts``: read from ``directory`` when
    stored there, else built and stored. ``directory=None`` always builds (no disk)."""

    def read(path: Path) -> Arrays:
        with np.load(path, allow_pickle=False) as stored:
            if sorted(stored.files) != sorted(names):
                raise ValueError(f"holds {sorted(stored.files)}, not {sorted(names)}")
            return {k: stored[k] for k in names}

    def write(path: str, arrays: Arrays) -> None:
        np.savez(path, **arrays)  # type: ignore[arg-type]

    return _cached(directory, name, facts, ".npz", read, write, build)


def cached_table(
    directory: Path | None, name: str, facts: object, columns: tuple[str, ...], build: Callable[[], pa.Table]
) -> pa.Table:
    """The table ``build`` returns for ``facts`` (columns ``columns``), like :func:`cached`."""

    def read(path: Path) -> pa.Table:
        table = feather.read_table(path, memory_map=True)
        if tuple(table.column_names) != columns:
            raise ValueError(f"holds {table.column_names}, not {list(columns)}")
        return table

    def write(path: str, table: pa.Table) -> None:
        feather.write_feather(table, path, compression="uncompressed")

    return _cached(directory, name, facts, ".arrow", read, write, build)


def _cached(
    directory: Path | None,
    name: str,
    facts: object,
    suffix: str,
    read: Callable[[Path], T],
    write: Callable[[str, T], None],
    build: Callable[[], T],
) -> T:
    if directory is None:
        return build()
    path = directory / f"{name}-{key(name, facts)}{suffix}"
    if path.is_file():
        try:
            return read(path)
        except (OSError, ValueError, zipfile.BadZipFile, pa.ArrowException) as exc:
            log.warning("derived table %s unreadable (%s); rebuilding it", path, exc)
    value = build()
    tmp: str | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}-", suffix=suffix)
        os.close(fd)
        write(tmp, value)
        os.replace(tmp, path)
        others = [p for p in directory.glob(f"{name}-*") if p != path]  # any format, older ones too
        for old in sorted(others, key=lambda p: p.stat().st_mtime_ns, reverse=True)[KEEP - 1 :]:
            old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only or full disk costs speed, never the result
        log.warning("derived table %s not stored: %s", path, exc)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return value


def network_matrices(net: Network, directory: Path | None) -> Network:
    """``net`` with both all-pairs distance matrices loaded from ``directory`` (or computed)."""
    arrays = cached(
        directory,
        "metro-distances",
        network_facts(net),
        ("all_lines", "integrated"),
        lambda: {"all_lines": net.all_lines, "integrated": net.integrated},
    )
    net.preload(arrays["all_lines"], arrays["integrated"])  # type: ignore[arg-type]
    return net
