"""The shipped network and tariffs, loaded once per process (no Django: usable by every
layer of the app, by batch jobs and by benchmarks)."""

from __future__ import annotations

import csv
from datetime import date, datetime
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


@lru_cache(maxsize=2)
def line_names(english: bool = False) -> dict[str, str]:
    """Line code → the line's name as stations.csv gives it: Korean (``2`` → ``2호선``) or
    English (``2`` → ``Line 2``)."""
    column = "line_name_en" if english else "line_name"
    with (REFERENCE / "stations.csv").open(encoding="utf-8", newline="") as fh:
        return {row["line"]: row[column] for row in csv.DictReader(fh)}


def station_name(name: str, lang: str) -> str:
    """A station's name in a page's language (``lang`` ``en…``: English, else Korean as in the data)."""
    return network().name_en(name) if lang.startswith("en") else name


def line_name(line: str, lang: str) -> str:
    """A line's name in a page's language (``2`` → ``2호선`` or ``Line 2``)."""
    return line_names(lang.startswith("en")).get(line, line)


@lru_cache(maxsize=1)
def zone_stations() -> dict[str, tuple[str, str]]:
    """Section code of a separately charged line → its first and last station
    (``GANGNAM-JEONGJA`` → ``("강남", "정자")``), to name the section in words."""
    out = {}
    for table in tariffs().raw["separately_charged"]:
        for zone in table["zones"]:
            out[zone["code"]] = (zone["stations"][0], zone["stations"][-1])
    return out


def first_tariff_day() -> date:
    """The first day any fare can be priced (the first tariff in ``tariffs.json``): the earliest
    date of a gate event, a fare lookup or a bus ride."""
    return tariffs().first_day


def first_tariff_instant() -> datetime:
    """The first instant (Seoul time) of :func:`first_tariff_day`."""
    day = first_tariff_day()
    return datetime(day.year, day.month, day.day, tzinfo=SEOUL)


def tariffs_timezone() -> ZoneInfo:
    """Fares follow Seoul time: a time given without a zone is Seoul time."""
    return SEOUL
