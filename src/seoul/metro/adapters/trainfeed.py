"""What the clients of Seoul Metro's per-stop train feeds share: the departures feed with
load-weighing (:mod:`.loads`) and the door / CCTV counts feed (:mod:`.doorcounts`) are read the
same way — cursor-paged JSON over HTTPS, asked again on a time-out or a busy answer, every
record checked on its own (a bad one skipped with its reason, the others kept) and a repeated
one kept once — and their records name a stop the same way (:func:`parse_stop`).
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Generic, TypeVar

from seoul.core.adapters.http import AdapterError, call, with_retries
from seoul.metro.engine.congestion.baseline import table

log = logging.getLogger("seoul.metro.adapters.trainfeed")
MAX_PAGES = 500
MAX_TRAIN_ID = 32
T = TypeVar("T")


def pages(
    url: str,
    query: Mapping[str, str],
    records: str,
    *,
    headers: Mapping[str, str],
    timeout: float,
    attempts: int,
    error: type[AdapterError] = AdapterError,
    max_pages: int = MAX_PAGES,
) -> Iterator[tuple[int, list[Any]]]:
    """(page number from 1, its records) of every page of a cursor-paged JSON read: ``GET url``
    with ``query`` (and ``cursor`` from the second page on); an answer is
    ``{records: [...], "next_cursor": str | null}``. Each page is asked up to ``attempts``
    times on a time-out or a busy answer (a read, safe to repeat). Raises ``error`` (an
    :class:`AdapterError` subclass) with the service's code, or ``invalid_answer`` for an answer
    that is not a page, a cursor that does not move on, or more than ``max_pages`` pages."""
    cursor: str | None = None
    number = 0
    while True:
        number += 1
        if number > max_pages:
            raise error("invalid_answer", f"more than {max_pages} pages")
        asked = dict(query)
        if cursor is not None:
            asked["cursor"] = cursor
        target = url + "?" + urllib.parse.urlencode(asked)
        try:
            _status, data = with_retries(
                partial(call, "GET", target, headers=dict(headers), timeout=timeout), attempts=attempts
            )
        except AdapterError as exc:
            raise error(exc.code, str(exc), status=exc.status) from None
        found = data.get(records)
        nxt = data.get("next_cursor")
        if not isinstance(found, list) or not (nxt is None or isinstance(nxt, str)):
            raise error("invalid_answer", f"the answer is not a page of {records}")
        yield number, found
        if nxt is None:
            return
        if nxt == cursor:
            raise error("invalid_answer", f"the cursor {nxt!r} does not move on")
        cursor = nxt


@dataclass(frozen=True)
class Collected(Generic[T]):
    items: list[T]
    skipped: list[str]
    repeated: int
    pages: int


def collect(
    read: Iterable[tuple[int, list[Any]]],
    parse: Callable[[Any], T],
    key: Callable[[T], Hashable],
    what: str,
) -> Collected[T]:
    """Every record of the pages ``read`` parsed (``parse`` raises ValueError naming what is
    wrong: the record is skipped, logged as ``what`` and its reason kept), those with a ``key``
    already seen dropped as repeats, in the order given."""
    items: list[T] = []
    seen: set[Hashable] = set()
    skipped: list[str] = []
    repeated = 0
    number = 0
    for number, records in read:
        for n, record in enumerate(records, start=1):
            try:
                item = parse(record)
            except ValueError as exc:
                reason = f"record {n} of page {number}: {exc}"
                log.warning("%s: skipped %s", what, reason)
                skipped.append(reason)
                continue
            k = key(item)
            if k in seen:
                repeated += 1
                continue
            seen.add(k)
            items.append(item)
    return Collected(items, skipped, repeated, number)


@dataclass(frozen=True)
class Stop:
    """What every per-stop record of a train feed names (the departures feed's too)."""

    train: str
    station: str
    direction: int
    departed_at: datetime
    destination: str


def parse_stop(record: Any, line: str, since: datetime, until: datetime) -> tuple[dict[str, Any], Stop]:
    """The record (an object) and its stop: a train id, the ``line`` asked for, a station (its
    ``station_code``, when given, the table's for it), a direction row 0/1, an optional
    destination and a moment with its offset in [since, until); ValueError naming what is wrong."""
    if not isinstance(record, dict):
        raise ValueError("not an object")
    train = record.get("train")
    if not isinstance(train, str) or not 0 < len(train.strip()) <= MAX_TRAIN_ID:
        raise ValueError(f"train id missing or not 1-{MAX_TRAIN_ID} characters")
    if record.get("line") != line:
        raise ValueError(f"line {record.get('line')!r}, not the {line!r} asked for")
    station = record.get("station")
    if not isinstance(station, str) or not station.strip():
        raise ValueError("station missing")
    code = record.get("station_code")
    if code is not None:
        if not isinstance(code, int) or isinstance(code, bool):
            raise ValueError(f"station_code {code!r} is not a number")
        known = table().code_of.get((line, station.strip()))
        if known is not None and known != code:
            raise ValueError(f"station_code {code} is not {station}'s ({known})")
    direction = record.get("direction")
    if direction not in (0, 1) or isinstance(direction, bool):
        raise ValueError(f"direction {direction!r} is not 0 (상선/내선) or 1 (하선/외선)")
    destination = record.get("destination")
    if destination is None:
        destination = ""
    if not isinstance(destination, str):
        raise ValueError("destination is not a station name")
    text = record.get("departed_at")
    try:
        departed = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        departed = None
    if departed is None or departed.tzinfo is None:
        raise ValueError(f"departed_at {text!r} is not an ISO moment with its offset")
    if not since <= departed < until:
        raise ValueError(f"departed_at {text} is outside the window asked for")
    return record, Stop(train.strip(), station.strip(), int(direction), departed, destination.strip())
