"""The door / CCTV passenger counts feed: for trains without load-weighing, the riders counted
boarding and alighting at each car at every stop (door sensors or platform CCTV analytics),
where a line has counters. The engine (:mod:`seoul.metro.engine.congestion.counts`) accumulates
them along each trip into per-car loads.

Protocol (JSON over HTTPS; the loopback stand-in in :mod:`.doorcounts_standin` speaks it):

``GET /v1/door-counts?line=5&since=2026-03-04T05:30:00+09:00&until=2026-03-04T08:00:00+09:00[&cursor=…][&limit=1000]``
with ``Authorization: Bearer <key>``. ``since``/``until`` are ISO moments with their offset
(``+`` sent as ``%2B``), at most 26 hours apart; the answer holds the stops with
``since <= departed_at < until`` that have happened (nothing after its own "now", ``as_of``),
oldest first, at most ``limit`` (≤ 5000) a page::

    {"line": "5", "since": "…", "until": "…", "as_of": "2026-03-04T08:00:00+09:00",
     "counts": [
        {"train": "5A1042", "line": "5", "station": "장한평", "station_code": 2541,
         "direction": 1, "destination": "하남검단산",
         "departed_at": "2026-03-04T07:58:12.345678+09:00",
         "boarded": [12, 30, …], "alighted": [4, 9, …]}     # one per car, car 1 first
     ],
     "next_cursor": "1000"}                                  # null on the last page

``direction`` is the row of Seoul Metro's congestion table (0 = 상선/내선, 1 = 하선/외선);
``station`` the station's name as that table's join spells it (``station_code`` its number,
optional); ``destination`` the train's last station (optional, but without it a train is not
emptied at a station that is one branch's first and another's middle: the engine's docstring).
Errors are ``{"error": code, "message": …}``: 400 ``invalid_line``/``invalid_window``/
``invalid_cursor``, 400 ``no_counters`` (the line's trains have no counting system: ask the
departures feed's weighing instead), 401 ``unauthorized``, 503 ``unavailable`` (busy: ask again).

Every field of every record is checked; a record that fails is skipped and logged with its
reason, the others are kept: not an object, no train id, another line, no station, a
station_code that is not the station's, a direction not 0/1, a destination that is not a
name, a time without offset or outside the window, not one count per car of the line for
``boarded`` and for ``alighted``, a count that is not a whole number ≥ 0, or one above
:data:`MAX_PER_STOP`. The same stop repeated (same train, station, direction and time: the
feed says things twice) is kept once, because a count applied twice would shift the rest of
the trip. A page is a read, so a time-out or a busy answer is asked again (the same cursor);
a cursor that does not move on, or too many pages, is an ``invalid_answer``.

Configuration: ``SEOUL_METRO_COUNTS_URL`` (else a loopback stand-in, on
``SEOUL_METRO_COUNTS_STANDIN_PORT`` if set), ``SEOUL_METRO_COUNTS_API_KEY`` (derived from
``SECRET_KEY`` unless set), ``SEOUL_METRO_COUNTS_TIMEOUT`` (seconds, 10),
``SEOUL_METRO_COUNTS_ATTEMPTS`` (3) and ``SEOUL_METRO_COUNTS_PAGE`` (records a page, 1000).

Paging, per-record checks and the fields every per-stop record has are
:mod:`.trainfeed`'s, shared with the departures feed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from seoul.core.adapters.config import derived_secret, setting
from seoul.core.adapters.http import AdapterError
from seoul.core.adapters.standin import Running
from seoul.metro.adapters.doorcounts_standin import PATH, CountsStandIn
from seoul.metro.adapters.trainfeed import collect, pages, parse_stop
from seoul.metro.engine.congestion.baseline import CARS
from seoul.metro.engine.congestion.counts import DoorCount
from seoul.metro.engine.congestion.levels import CAPACITY, MAX_PERCENT

log = logging.getLogger("seoul.metro.adapters.doorcounts")
_running = Running()
MAX_PER_STOP = int(MAX_PERCENT / 100 * CAPACITY)
"""Most riders one car's doors can pass one way at one stop: 640, what a car can hold at all
(``levels.MAX_PERCENT`` of 160). Everyone aboard alighting, or an empty car filled to the limit,
is the most that can pass; a larger count is a counter or feed fault, not a crowd. (A tighter
physical bound, the doors' flow over a dwell of about half a minute, would be near 300, but it
depends on the dwell, which is held longer exactly when platforms are crowded.)"""

__all__ = [
    "MAX_PER_STOP",
    "CountsError",
    "DoorCount",
    "PulledCounts",
    "endpoint",
    "parse_record",
    "pull",
    "standin",
]


class CountsError(AdapterError):
    """``timeout``/``unavailable`` (ask again later), ``unauthorized``, ``invalid_line``,
    ``invalid_window``, ``invalid_cursor``, ``no_counters`` (the line has no counting system),
    ``invalid_answer``, ``config``."""


@dataclass(frozen=True)
class PulledCounts:
    counts: list[DoorCount]
    skipped: list[str] = field(default_factory=list)
    """Why each skipped record was skipped ("record 3 of page 1: …")."""
    repeated: int = 0
    """Records dropped because the same stop had already been given."""
    pages: int = 0


def api_key() -> str:
    return derived_secret("SEOUL_METRO_COUNTS_API_KEY", b"metro-door-counts-api-key")


def _make(port: int) -> CountsStandIn:
    return CountsStandIn(api_key(), port=port)


def _standin_port() -> int:
    return int(setting("SEOUL_METRO_COUNTS_STANDIN_PORT", 0))


def standin() -> CountsStandIn:
    """This process's door counts stand-in (started on first use): tests set its clock."""
    made = _running.get("doorcounts", _make, _standin_port())
    assert isinstance(made, CountsStandIn)  # noqa: S101 - the registry holds what _make made
    return made


def endpoint() -> str:
    configured = setting("SEOUL_METRO_COUNTS_URL")
    if configured:
        return str(configured).rstrip("/")
    return _running.url("doorcounts", _make, _standin_port())


# --- door counts ------------------------------------------------------------------------------------


def _counts(record: dict[str, Any], name: str, line: str) -> tuple[int, ...]:
    values = record.get(name)
    cars = CARS[line]
    if not isinstance(values, list) or len(values) != cars:
        raise ValueError(f"{name} is not a list of {cars} counts (line {line} has {cars} cars)")
    out = []
    for value in values:
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole:
            raise ValueError(f"{name} count {value!r} is not a whole number")
        if value < 0:
            raise ValueError(f"{name} count {value} is negative")
        if value > MAX_PER_STOP:
            raise ValueError(f"{name} count {value} is more than a car's doors can pass at one stop ({MAX_PER_STOP})")
        out.append(int(value))
    return tuple(out)


def parse_record(record: Any, line: str, since: datetime, until: datetime) -> DoorCount:
    """One record of the answer as a :class:`DoorCount`; ValueError naming what is wrong."""
    fields, stop = parse_stop(record, line, since, until)
    return DoorCount(
        train=stop.train,
        line=line,
        station=stop.station,
        direction=stop.direction,
        departed_at=stop.departed_at,
        boarded=_counts(fields, "boarded", line),
        alighted=_counts(fields, "alighted", line),
        destination=stop.destination,
    )


def _key(count: DoorCount) -> tuple[str, str, int, datetime]:
    return (count.train, count.station, count.direction, count.departed_at)


def pull(line: str, since: datetime, until: datetime) -> PulledCounts:
    """Every stop's door counts of ``line`` in [since, until) the feed knows of now, oldest
    first, with why any record was skipped. Raises :class:`CountsError` (``no_counters`` when
    the line has no counting system)."""
    if line not in CARS:
        raise CountsError("invalid_line", f"line must be one of {', '.join(CARS)}")
    if since.tzinfo is None or until.tzinfo is None:
        raise CountsError("invalid_window", "since and until must be aware datetimes")
    limit = int(setting("SEOUL_METRO_COUNTS_PAGE", 1000))
    read = pages(
        endpoint() + PATH,
        {"line": line, "since": since.isoformat(), "until": until.isoformat(), "limit": str(limit)},
        "counts",
        headers={"Authorization": f"Bearer {api_key()}"},
        timeout=float(setting("SEOUL_METRO_COUNTS_TIMEOUT", 10)),
        attempts=int(setting("SEOUL_METRO_COUNTS_ATTEMPTS", 3)),
        error=CountsError,
    )
    got = collect(read, partial(parse_record, line=line, since=since, until=until), _key, f"door counts, line {line}")
    got.items.sort(key=lambda c: (c.departed_at, c.train, c.station))
    return PulledCounts(got.items, got.skipped, got.repeated, got.pages)
