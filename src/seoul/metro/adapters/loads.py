"""Seoul Metro's train departures feed: every train leaving every station, with the
load-weighing (응하중) of each car, from the train control / operations systems.

Protocol (JSON over HTTPS; the loopback stand-in in :mod:`.loads_standin` speaks it):

``GET /v1/departures?line=5&since=2026-03-04T05:30:00+09:00&until=2026-03-04T08:00:00+09:00[&cursor=…][&limit=1000]``
with ``Authorization: Bearer <key>``. ``since``/``until`` are ISO moments with their offset
(``+`` sent as ``%2B``), at most 26 hours apart; the answer holds the departures with
``since <= departed_at < until`` that have happened (a live feed: nothing after its own
"now", given as ``as_of``), oldest first, at most ``limit`` (≤ 5000) a page::

    {"line": "5", "since": "…", "until": "…", "as_of": "2026-03-04T08:00:00+09:00",
     "departures": [
        {"train": "5A1042", "line": "5", "station": "장한평", "station_code": 2541,
         "direction": 1, "destination": "하남검단산",
         "departed_at": "2026-03-04T07:58:12.345678+09:00",
         "loads_kg": [4210.5, 6650.0, …]}          # one per car, car 1 first
     ],
     "next_cursor": "1000"}                          # null on the last page

``direction`` is the row of Seoul Metro's congestion table (0 = 상선/내선, 1 = 하선/외선);
``station`` the station's name as that table's join spells it (``station_code`` its number,
optional); ``destination`` the train's last station (optional). Errors are
``{"error": code, "message": …}``: 400 ``invalid_line``/``invalid_window``/``invalid_cursor``,
401 ``unauthorized``, 503 ``unavailable`` (busy: ask again).

Every field of every record is checked; a record that fails (not an object, no train id,
another line, no station, a direction not 0/1, a time without offset or outside the window,
not one load per car of the line, a load refused by ``levels.percent_from_load_kg``: negative,
not a number or beyond 400 %) is skipped and logged with its reason, the others are kept. The
same departure repeated (the feed says things twice) is kept once. A page is a read, so a
time-out or a busy answer is asked again (the same cursor); a cursor that does not move on, or
too many pages, is an ``invalid_answer``.

Configuration: ``SEOUL_METRO_LOADS_URL`` (else a loopback stand-in, on
``SEOUL_METRO_LOADS_STANDIN_PORT`` if set), ``SEOUL_METRO_LOADS_API_KEY`` (derived from
``SECRET_KEY`` unless set), ``SEOUL_METRO_LOADS_TIMEOUT`` (seconds, 10),
``SEOUL_METRO_LOADS_ATTEMPTS`` (3) and ``SEOUL_METRO_LOADS_PAGE`` (records a page, 1000).
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
from seoul.metro.adapters.loads_standin import LoadsStandIn
from seoul.metro.adapters.trainfeed import collect, pages, parse_stop
from seoul.metro.engine.congestion.baseline import CARS
from seoul.metro.engine.congestion.levels import percent_from_load_kg
from seoul.metro.engine.congestion.live import Departure

log = logging.getLogger("seoul.metro.adapters.loads")
_running = Running()

__all__ = ["Departure", "LoadsError", "Pulled", "departures", "endpoint", "parse_record", "pull", "standin"]


class LoadsError(AdapterError):
    """``timeout``/``unavailable`` (ask again later), ``unauthorized``, ``invalid_line``,
    ``invalid_window``, ``invalid_cursor``, ``invalid_answer``, ``config``."""


@dataclass(frozen=True)
class Pulled:
    departures: list[Departure]
    skipped: list[str] = field(default_factory=list)
    """Why each skipped record was skipped ("record 3 of page 1: …")."""
    repeated: int = 0
    """Records dropped because the same departure had already been given."""
    pages: int = 0


def api_key() -> str:
    return derived_secret("SEOUL_METRO_LOADS_API_KEY", b"metro-loads-api-key")


def _make(port: int) -> LoadsStandIn:
    return LoadsStandIn(api_key(), port=port)


def _standin_port() -> int:
    return int(setting("SEOUL_METRO_LOADS_STANDIN_PORT", 0))


def standin() -> LoadsStandIn:
    """This process's departures stand-in (started on first use): tests set its clock."""
    made = _running.get("loads", _make, _standin_port())
    assert isinstance(made, LoadsStandIn)  # noqa: S101 - the registry holds what _make made
    return made


def endpoint() -> str:
    configured = setting("SEOUL_METRO_LOADS_URL")
    if configured:
        return str(configured).rstrip("/")
    return _running.url("loads", _make, _standin_port())


def parse_record(record: Any, line: str, since: datetime, until: datetime) -> Departure:
    """One record of the answer as a :class:`Departure`; ValueError naming what is wrong."""
    fields, stop = parse_stop(record, line, since, until)
    loads = fields.get("loads_kg")
    cars = CARS[line]
    if not isinstance(loads, list) or len(loads) != cars:
        raise ValueError(f"loads_kg is not a list of {cars} loads (line {line} has {cars} cars)")
    kgs = []
    for kg in loads:
        if not isinstance(kg, int | float) or isinstance(kg, bool):
            raise ValueError(f"load {kg!r} is not a number")
        percent_from_load_kg(float(kg))  # refuses negative, non-finite and impossible loads
        kgs.append(float(kg))
    return Departure(
        train=stop.train,
        line=line,
        station=stop.station,
        direction=stop.direction,
        departed_at=stop.departed_at,
        loads_kg=tuple(kgs),
        destination=stop.destination,
    )


def _key(departure: Departure) -> tuple[str, str, int, datetime]:
    return (departure.train, departure.station, departure.direction, departure.departed_at)


def pull(line: str, since: datetime, until: datetime) -> Pulled:
    """Every departure of ``line`` in [since, until) the feed knows of now, with why any record
    was skipped. Raises :class:`LoadsError`."""
    if line not in CARS:
        raise LoadsError("invalid_line", f"line must be one of {', '.join(CARS)}")
    if since.tzinfo is None or until.tzinfo is None:
        raise LoadsError("invalid_window", "since and until must be aware datetimes")
    limit = int(setting("SEOUL_METRO_LOADS_PAGE", 1000))
    read = pages(
        endpoint() + LoadsStandIn.PATH,
        {"line": line, "since": since.isoformat(), "until": until.isoformat(), "limit": str(limit)},
        LoadsStandIn.RECORDS,
        headers={"Authorization": f"Bearer {api_key()}"},
        timeout=float(setting("SEOUL_METRO_LOADS_TIMEOUT", 10)),
        attempts=int(setting("SEOUL_METRO_LOADS_ATTEMPTS", 3)),
        error=LoadsError,
    )
    got = collect(
        read, partial(parse_record, line=line, since=since, until=until), _key, f"departures feed, line {line}"
    )
    got.items.sort(key=lambda d: (d.departed_at, d.train, d.station))
    return Pulled(got.items, got.skipped, got.repeated, got.pages)


def departures(line: str, since: datetime, until: datetime) -> list[Departure]:
    """The departures of ``line`` in [since, until) known now (bad records skipped and logged,
    repeats dropped), oldest first. Raises :class:`LoadsError`."""
    return pull(line, since, until).departures
