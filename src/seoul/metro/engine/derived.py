"""Tables derived from the network and tariffs, computed once per version of the data and kept
on disk, so that a process (a web worker, a batch run) loads them instead of recomputing them.

A table is stored as an uncompressed ``.npz`` named by a SHA-256 of a canonical text of exactly
what it depends on and of ``FORMAT`` (raise it when the code building a table changes), so
changed data or code never reads a stale table. A file that cannot be read, or lacks an
expected array, is logged and rebuilt; files are written to a temporary name and renamed into
place, so a reader never sees half a file and concurrent writers do not collide. Storing a
table keeps only the ``KEEP`` newest versions of it (two versions can be in use during a
rolling deployment); the directory may be deleted at any time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from seoul.metro.engine.fares import Tariffs
from seoul.metro.engine.network import Network

FORMAT = 2
KEEP = 3
log = logging.getLogger(__name__)

Arrays = dict[str, npt.NDArray[np.generic]]


def network_facts(net: Network) -> dict[str, object]:
    """What every network-derived table depends on, in a canonical (ordered) form."""
    return {
        "names": net.names,
        "lines_of": {name: sorted(lines) for name, lines in sorted(net.lines_of.items())},
        "segments": [[s.line, s.a, s.b, s.metres] for s in net.segments],
        "separately_charged": sorted(net.separately_charged),
    }


def surcharge_facts(tariffs: Tariffs) -> list[object]:
    """The separately charged lines' surcharge tables, canonically."""
    return [
        [
            t.line,
            t.effective_from.isoformat(),
            [[z.code, sorted(z.stations), z.card, z.card_alone] for z in t.zones],
            sorted(t.discount_percent.items()),
        ]
        for t in tariffs.surcharges
    ]


def key(name: str, facts: object) -> str:
    text = json.dumps([FORMAT, name, facts], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def cached(
    directory: Path | None, name: str, facts: object, names: tuple[str, ...], build: Callable[[], Arrays]
) -> Arrays:
    """The arrays ``names`` that ``build`` returns for ``facts``: read from ``directory`` when
    stored there, else built and stored. ``directory=None`` always builds (no disk)."""
    if directory is None:
        return build()
    path = directory / f"{name}-{key(name, facts)}.npz"
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as stored:
                if sorted(stored.files) != sorted(names):
                    raise ValueError(f"holds {sorted(stored.files)}, not {sorted(names)}")
                return {k: stored[k] for k in names}
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            log.warning("derived table %s unreadable (%s); rebuilding it", path, exc)
    arrays = build()
    _store(directory, name, path, arrays)
    return arrays


def _store(directory: Path, name: str, path: Path, arrays: Arrays) -> None:
    tmp: str | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}-", suffix=".npz")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, path)
        others = [p for p in directory.glob(f"{name}-*.npz") if p != path]
        for old in sorted(others, key=lambda p: p.stat().st_mtime_ns, reverse=True)[KEEP - 1 :]:
            old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only or full disk costs speed, never the result
        log.warning("derived table %s not stored: %s", path, exc)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


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
