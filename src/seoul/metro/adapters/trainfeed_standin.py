"""What the loopback stand-ins of Seoul Metro's per-stop train feeds share: the departures feed
with load-weighing (:mod:`.loads_standin`) and the door / CCTV counts feed
(:mod:`.doorcounts_standin`) answer the same paged, windowed read of a line's simulated service
days, and differ only in the path, the name of the records' list, how a day's records are made
and which malformed records they can slip in.

A subclass sets :attr:`TrainFeedStandIn.PATH` and :attr:`TrainFeedStandIn.RECORDS` and gives
:meth:`~TrainFeedStandIn.make_day` and :meth:`~TrainFeedStandIn.malformed`; it may refuse a line
with :meth:`~TrainFeedStandIn.refuse`. Knobs beyond the common faults (``delay``,
``fail_next``, ``failure_rate``, ``late_next``/``late_by``): ``clock`` (an ISO moment: the
stand-in's "now", only what happened by then is served; empty for the real time),
``bad_records`` (malformed records, one of each kind, slipped into the next *n* answers) and
``repeat_records`` (every record of the next *n* answers given twice: a feed that says things
twice).
"""

from __future__ import annotations

import bisect
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from seoul.core.adapters.standin import Answer, Request, StandIn, error, json_answer
from seoul.core.engine.time import SEOUL
from seoul.metro.engine.congestion import baseline

DEFAULT_LIMIT = 1000
MAX_LIMIT = 5000
MAX_WINDOW = timedelta(hours=26)
CACHED_DAYS = 8
Record = dict[str, Any]
Day = list[tuple[datetime, Record]]


def aware(text: str) -> datetime | None:
    """An ISO moment with its offset, or None."""
    try:
        at = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return at if at.tzinfo is not None else None


def clock_knob(value: Any) -> str:
    text = str(value or "")
    if text and aware(text) is None:
        raise ValueError("clock: an ISO moment with its offset, or empty for the real clock")
    return text


def page_question(query: dict[str, str]) -> tuple[datetime, datetime, int, int] | Answer:
    """(since, until, cursor, limit) of a paged, windowed read, or the ``400`` answer naming
    what is wrong (``invalid_window``, ``invalid_cursor``)."""
    since, until = aware(query.get("since", "")), aware(query.get("until", ""))
    if since is None or until is None:
        return error(400, "invalid_window", "since and until are ISO moments with their offset")
    if not since < until or until - since > MAX_WINDOW:
        return error(400, "invalid_window", f"since must be before until, at most {MAX_WINDOW} apart")
    try:
        offset = int(query.get("cursor") or 0)
        limit = int(query.get("limit") or DEFAULT_LIMIT)
    except ValueError:
        return error(400, "invalid_cursor", "cursor and limit are whole numbers")
    if offset < 0 or not 0 < limit <= MAX_LIMIT:
        return error(400, "invalid_cursor", f"cursor >= 0, 0 < limit <= {MAX_LIMIT}")
    return since, until, offset, limit


def in_window(records: Callable[[date], Day], since: datetime, until: datetime, now: datetime) -> list[Record]:
    """The records with ``since <= at < until`` and ``at <= now`` (a live feed), oldest first,
    from the service days that can hold them (the day before ``since``'s too: its late trains
    run past midnight); ``records(day)`` gives a day's, in time order. A day the holiday list
    does not know ran nothing, as far as the stand-in knows."""
    upto = min(until, now)
    found: list[Record] = []
    day = baseline.service_day(since.astimezone(SEOUL)) - timedelta(days=1)
    while day <= baseline.service_day(upto.astimezone(SEOUL)):
        try:
            baseline.day_type(day)
        except ValueError:
            day += timedelta(days=1)
            continue
        items = records(day)
        times = [at for at, _ in items]
        lo, hi = bisect.bisect_left(times, since), bisect.bisect_right(times, upto)
        found.extend(record for at, record in items[lo:hi] if at < until)
        day += timedelta(days=1)
    return found


class DayCache:
    """A line's service days made by ``make(line, day)``, each made once and the last ``keep``
    kept (a day's simulation takes a second or two; a test asks for the same day many times)."""

    def __init__(self, make: Callable[[str, date], Day], keep: int = CACHED_DAYS) -> None:
        self.make = make
        self.keep = keep
        self._days: OrderedDict[tuple[str, date], Day] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, line: str, day: date) -> Day:
        key = (line, day)
        with self._lock:
            if key in self._days:
                self._days.move_to_end(key)
                return self._days[key]
            made = self.make(line, day)
            self._days[key] = made
            while len(self._days) > self.keep:
                self._days.popitem(last=False)
            return made


class TrainFeedStandIn(StandIn):
    """``GET {PATH}?line=&since=&until=[&cursor=&limit=]`` (Bearer API key) answering
    ``{"line", "since", "until", "as_of", RECORDS: [...], "next_cursor"}``."""

    PATH: ClassVar[str] = ""
    RECORDS: ClassVar[str] = ""
    FAULTY = ("/v1/",)
    KNOBS = {**StandIn.KNOBS, "clock": clock_knob, "bad_records": int, "repeat_records": int}

    def __init__(self, api_key: str, **kwargs: Any) -> None:
        self.api_key = api_key
        self.clock = ""
        self.bad_records = 0
        self.repeat_records = 0
        self.served: list[dict[str, Any]] = []  # every answered request: line, since, until, cursor, count
        self._days = DayCache(self.make_day)
        super().__init__(**kwargs)

    def make_day(self, line: str, day: date) -> Day:
        """Every record of ``line`` on service ``day``, in time order."""
        raise NotImplementedError

    def malformed(self, template: Record) -> list[Any]:
        """Malformed records, one of each kind the feed can send, made from a good one."""
        raise NotImplementedError

    def refuse(self, line: str) -> Answer | None:
        """An error answer for a line this feed does not serve, or None."""
        return None

    def reset_faults(self) -> None:
        super().reset_faults()
        with self.lock:
            self.bad_records = 0
            self.repeat_records = 0

    def reset(self) -> None:
        """No faults, the real clock, nothing served (the simulated days stay cached)."""
        with self.lock:
            self.reset_faults()
            self.clock = ""
            self.served.clear()

    def now(self) -> datetime:
        """The stand-in's "now": ``clock`` if set, else the real time."""
        with self.lock:
            clock = self.clock
        return aware(clock) or datetime.now(SEOUL)

    def records(self, line: str, day: date) -> Day:
        """A service day's records of a line (made once, kept for :data:`CACHED_DAYS` days)."""
        return self._days.get(line, day)

    def respond(self, request: Request) -> Answer:
        if request.path != self.PATH or request.method != "GET":
            return error(404, "not_found", request.path)
        if not secrets.compare_digest(request.header("Authorization").encode(), f"Bearer {self.api_key}".encode()):
            return error(401, "unauthorized", "a valid API key is required")
        query = request.query
        line = query.get("line", "")
        if line not in baseline.CARS:
            return error(400, "invalid_line", f"line must be one of {', '.join(baseline.CARS)}")
        refused = self.refuse(line)
        if refused is not None:
            return refused
        asked = page_question(query)
        if isinstance(asked, Answer):
            return asked
        since, until, offset, limit = asked
        now = self.now()
        found = in_window(lambda day: self.records(line, day), since, until, now)
        page = found[offset : offset + limit]
        with self.lock:
            bad = self.bad_records > 0
            self.bad_records = max(self.bad_records - 1, 0)
            repeat = self.repeat_records > 0
            self.repeat_records = max(self.repeat_records - 1, 0)
            self.served.append(
                {"line": line, "since": since, "until": until, "cursor": offset, "count": len(page), "now": now}
            )
        body: list[Any] = list(page)
        if repeat:
            body = [record for record in page for _ in range(2)]
        if bad and page:
            body = [*body[:1], *self.malformed(page[0]), *body[1:]]
        nxt = offset + limit if offset + limit < len(found) else None
        return json_answer(
            200,
            {
                "line": line,
                "since": since.isoformat(),
                "until": until.isoformat(),
                "as_of": now.astimezone(SEOUL).isoformat(),
                self.RECORDS: body,
                "next_cursor": None if nxt is None else str(nxt),
            },
        )
