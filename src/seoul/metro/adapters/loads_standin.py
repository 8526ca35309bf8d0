"""A loopback stand-in for Seoul Metro's train departures feed (load-weighing 응하중 per car
at every departure; the protocol is in :mod:`seoul.metro.adapters.loads`).

It serves the simulated day the congestion pages show today: every route of the asked line in
both directions, simulated by :func:`seoul.metro.engine.congestion.forecast._simulated` (the
same seed, the same cache), so a departure from the stand-in is a departure of that day. Only
departures at or before the stand-in's clock are served, as from a live feed; the clock is the
real one unless ``clock`` (an ISO moment) is set, from a test or by ``POST /_control``.

Beyond the common fault knobs (``delay``, ``fail_next``, ``failure_rate``, ``late_next``/
``late_by``): ``bad_records`` puts malformed records (one of each kind in :data:`BAD_KINDS`)
into the next *n* answers, and ``repeat_records`` repeats every record of the next *n*
answers (a feed that says things twice).

Train ids: line, a letter for the route of the line (A the trunk, then the branches in
``baseline.ROUTE_ENDS`` order), the direction row and the trip's number in the day
(``5A1042``). A loop trip ends at the station before its first (a new id from there on).
"""

from __future__ import annotations

import bisect
import secrets
import threading
from collections import OrderedDict
from datetime import date, datetime, timedelta
from typing import Any

from seoul.core.adapters.standin import Answer, Request, StandIn, error, json_answer
from seoul.core.engine.time import SEOUL
from seoul.metro.engine.congestion import baseline, forecast
from seoul.metro.engine.congestion.levels import CAPACITY, KG_PER_PASSENGER

DEFAULT_LIMIT = 1000
MAX_LIMIT = 5000
MAX_WINDOW = timedelta(hours=26)
CACHED_DAYS = 8
BAD_KINDS = (
    "negative_kg",
    "absurd_kg",
    "missing_car",
    "naive_time",
    "unknown_direction",
    "no_train",
    "not_an_object",
)
Record = dict[str, Any]


def _aware(text: str) -> datetime | None:
    try:
        at = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return at if at.tzinfo is not None else None


def _clock(value: Any) -> str:
    text = str(value or "")
    if text and _aware(text) is None:
        raise ValueError("clock: an ISO moment with its offset, or empty for the real clock")
    return text


def day_records(line: str, day: date) -> list[tuple[datetime, Record]]:
    """Every departure of ``line`` on service ``day`` (simulated), in time order."""
    start = datetime.combine(day, baseline.FIRST_SLOT, tzinfo=SEOUL)
    out: list[tuple[datetime, Record]] = []
    routes = [r for r in baseline.table().routes if r.line == line]
    code_of = baseline.table().code_of
    kg_per_pct = CAPACITY * KG_PER_PASSENGER / 100
    for letter, route in zip("ABCDEFGH", routes, strict=False):
        for forward in (True, False):
            sim = forecast._simulated(route, forward, day)
            row = route.row(forward)
            destination = sim.stations[-1]
            for j in range(sim.dep.shape[0]):
                train = f"{line}{letter}{row}{j:03d}"
                for i, station in enumerate(sim.stations):
                    at = start + timedelta(minutes=float(sim.dep[j, i]))
                    out.append(
                        (
                            at,
                            {
                                "train": train,
                                "line": line,
                                "station": station,
                                "station_code": code_of.get((line, station)),
                                "direction": row,
                                "destination": destination,
                                "departed_at": at.isoformat(),
                                "loads_kg": [round(float(p) * kg_per_pct, 1) for p in sim.weigh_pct[j, i]],
                            },
                        )
                    )
    out.sort(key=lambda item: (item[0], item[1]["train"], item[1]["station"]))
    return out


def bad_records(template: Record) -> list[Any]:
    """One malformed record of each kind in :data:`BAD_KINDS`, made from a good one."""
    cars = len(template["loads_kg"])
    naive = datetime.fromisoformat(template["departed_at"]).replace(tzinfo=None).isoformat()
    return [
        {**template, "loads_kg": [-50.0] * cars},
        {**template, "loads_kg": [1_000_000.0] * cars},
        {**template, "loads_kg": template["loads_kg"][:-1]},
        {**template, "departed_at": naive},
        {**template, "direction": 2},
        {key: value for key, value in template.items() if key != "train"},
        ["not", "an", "object"],
    ]


class LoadsStandIn(StandIn):
    """``GET /v1/departures?line=&since=&until=[&cursor=&limit=]`` (Bearer API key)."""

    FAULTY = ("/v1/",)
    KNOBS = {**StandIn.KNOBS, "clock": _clock, "bad_records": int, "repeat_records": int}

    def __init__(self, api_key: str, **kwargs: Any) -> None:
        self.api_key = api_key
        self.clock = ""
        self.bad_records = 0
        self.repeat_records = 0
        self.served: list[dict[str, Any]] = []  # every answered request: line, since, until, cursor, count
        self._days: OrderedDict[tuple[str, date], list[tuple[datetime, Record]]] = OrderedDict()
        self._days_lock = threading.Lock()
        super().__init__(**kwargs)

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
        return _aware(clock) or datetime.now(SEOUL)

    def records(self, line: str, day: date) -> list[tuple[datetime, Record]]:
        """A service day's departures of a line (simulated once, kept for :data:`CACHED_DAYS`)."""
        key = (line, day)
        with self._days_lock:
            if key in self._days:
                self._days.move_to_end(key)
                return self._days[key]
            made = day_records(line, day)
            self._days[key] = made
            while len(self._days) > CACHED_DAYS:
                self._days.popitem(last=False)
            return made

    def respond(self, request: Request) -> Answer:
        if request.path != "/v1/departures" or request.method != "GET":
            return error(404, "not_found", request.path)
        if not secrets.compare_digest(request.header("Authorization").encode(), f"Bearer {self.api_key}".encode()):
            return error(401, "unauthorized", "a valid API key is required")
        query = request.query
        line = query.get("line", "")
        if line not in baseline.CARS:
            return error(400, "invalid_line", f"line must be one of {', '.join(baseline.CARS)}")
        since, until = _aware(query.get("since", "")), _aware(query.get("until", ""))
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
        now = self.now()
        upto = min(until, now)
        found: list[Record] = []
        day = baseline.service_day(since.astimezone(SEOUL)) - timedelta(days=1)  # late trains of the day before
        while day <= baseline.service_day(upto.astimezone(SEOUL)):
            try:
                baseline.day_type(day)
            except ValueError:  # a year the holiday list does not know: nothing ran, as far as we know
                day += timedelta(days=1)
                continue
            items = self.records(line, day)
            times = [at for at, _ in items]
            lo = bisect.bisect_left(times, since)
            hi = bisect.bisect_right(times, upto)
            found.extend(record for at, record in items[lo:hi] if at < until)
            day += timedelta(days=1)
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
            body = [*body[:1], *bad_records(page[0]), *body[1:]]
        nxt = offset + limit if offset + limit < len(found) else None
        return json_answer(
            200,
            {
                "line": line,
                "since": since.isoformat(),
                "until": until.isoformat(),
                "as_of": now.astimezone(SEOUL).isoformat(),
                "departures": body,
                "next_cursor": None if nxt is None else str(nxt),
            },
        )
