"""What the metro service publishes for other services (DESIGN.md §1).

Other apps import this module only, never metro's models or engine. Everything here is plain
data (frozen dataclasses), so the consumer does not depend on how metro stores it.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from seoul.metro.engine import data


@dataclass(frozen=True)
class StationView:
    name: str  # as in stations.csv (Korean); same-name stations on several lines are one
    lines: frozenset[str]
    lat: float  # WGS84, mean over the station's lines
    lon: float


@dataclass(frozen=True)
class SegmentView:
    line: str
    a: str
    b: str
    metres: int  # published track distance between adjacent stations


@dataclass(frozen=True)
class NetworkView:
    stations: tuple[StationView, ...]
    segments: tuple[SegmentView, ...]


@lru_cache(maxsize=1)
def network() -> NetworkView:
    """The metropolitan subway network metro prices fares on, with station positions."""
    net = data.network()
    coords: dict[str, list[tuple[float, float]]] = defaultdict(list)
    with (data.REFERENCE / "stations.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["lat"] and row["lon"]:
                coords[row["station"]].append((float(row["lat"]), float(row["lon"])))
    stations = tuple(
        StationView(
            name,
            net.lines_of[name],
            sum(c[0] for c in coords[name]) / len(coords[name]),
            sum(c[1] for c in coords[name]) / len(coords[name]),
        )
        for name in net.names
        if coords[name]
    )
    segments = tuple(SegmentView(s.line, s.a, s.b, s.metres) for s in net.segments)
    return NetworkView(stations, segments)
