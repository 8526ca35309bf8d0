"""The shipped network and tariffs, loaded once per process (no Django: usable by every
layer of the app, by batch jobs and by benchmarks)."""

from __future__ import annotations

import csv
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from seoul.metro.engine.fares import KST, Breakdown, SubwayTrip, Tariffs, load_tariffs, price_subway
from seoul.metro.engine.network import Network, load_network

REFERENCE = Path(__file__).resolve().parent.parent / "reference"


@lru_cache(maxsize=1)
def tariffs() -> Tariffs:
    return load_tariffs(REFERENCE / "tariffs.json")


@lru_cache(maxsize=1)
def network() -> Network:
    net = load_network(REFERENCE, tariffs().separately_charged_lines)
    net.all_lines, net.integrated  # noqa: B018 - compute both matrices once, up front
    return net


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
    return KST
