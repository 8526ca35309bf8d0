"""The shipped network and tariffs, loaded once per process (no Django: usable by every
layer of the app, by batch jobs and by benchmarks)."""

from __future__ import annotations

import csv
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from seoul.core.engine.time import SEOUL
from seoul.metro.engine import derived
from seoul.metro.engine.fares import Breakdown, SubwayTrip, Tariffs, load_tariffs, price_subway
from seoul.metro.engine.network import Network, load_network
from seoul.paths import var_dir

REFERENCE = Path(__file__).resolve().parent.parent / "reference"


@lru_cache(maxsize=1)
def tariffs() -> Tariffs:
    return load_tariffs(REFERENCE / "tariffs.json")


def derived_dir() -> Path:
    """Where tables derived from the network and tariffs are kept between processes."""
    return var_dir() / "cache" / "metro"


@lru_cache(maxsize=1)
def network() -> Network:
    """The network with both distance matrices, read from ``derived_dir`` once they are built."""
    return derived.network_matrices(load_network(REFERENCE, tariffs().separately_charged_lines), derived_dir())


def subway_fare(
    origin: str, destination: str, *, category: str, payment: str, at: datetime, lines: frozenset[str] = frozenset()
) -> Breakdown:
    return price_subway(
        network(), tariffs(), SubwayTrip(origin, destination, lines), category=category, payment=payment, at=at
    )


@lru_cache(maxsize=1)
def line_names() -> dict[str, str]:
    """Line code → the line's Korean name, as stations.csv gives it (``2`` → ``2호선``)."""
    with (REFERENCE / "stations.csv").open(encoding="utf-8", newline="") as fh:
        return {row["line"]: row["line_name"] for row in csv.DictReader(fh)}


def tariffs_timezone() -> ZoneInfo:
    """Fares follow Seoul time: a time given without a zone is Seoul time."""
    return SEOUL
