"""A loopback stand-in for the door / CCTV passenger counts feed (riders counted in and out of
each car at every stop; the protocol is in :mod:`seoul.metro.adapters.doorcounts`).

It serves the counts of the simulated day the congestion pages show and the departures
stand-in serves: the same trains, ids, stations, times and destinations as
:func:`.loads_standin.day_records` (read from it, so the two feeds never disagree on a train),
with the boarded and alighted riders of :func:`seoul.metro.engine.congestion.counts.simulated_counts`
(the default counting errors, seeded by the date), so accumulating them along a trip gives that
day's loads up to the counting errors. Only counts at or before the stand-in's clock are served
(``clock``: an ISO moment, or the real time when empty), as from a live feed.

Knobs beyond the common faults (``delay``, ``fail_next``, ``failure_rate``, ``late_next``/
``late_by``): ``clock``; ``lines``, the lines whose trains count (every line unless set: tests
and the demo can pull any line; a line not in it answers ``400 no_counters``; a list or
``"5,7"``; ``""`` or ``"*"`` for every line again); ``bad_records`` puts malformed records (one of
each kind in :data:`BAD_KINDS`) into the next *n* answers; ``repeat_records`` repeats every record
of the next *n* answers.

The paged, windowed answering is :class:`.trainfeed_standin.TrainFeedStandIn`'s, shared with the
departures stand-in.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from seoul.core.adapters.standin import Answer, error
from seoul.metro.adapters.loads_standin import day_records
from seoul.metro.adapters.trainfeed_standin import Day, Record, TrainFeedStandIn
from seoul.metro.engine.congestion import baseline, forecast
from seoul.metro.engine.congestion.counts import I64, simulated_counts

PATH = "/v1/door-counts"
BAD_KINDS = (
    "negative_count",
    "absurd_count",
    "fractional_count",
    "missing_car",
    "naive_time",
    "unknown_direction",
    "no_train",
    "not_an_object",
)


def lines_knob(value: Any) -> tuple[str, ...]:
    """The ``lines`` knob: every line for None, ``""``, ``"*"`` or ``"all"``; else the lines of a
    list or of a comma-separated text (an empty list: no line counts)."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "*", "all")):
        return tuple(baseline.CARS)
    items = value.split(",") if isinstance(value, str) else list(value)
    chosen = tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))
    unknown = [line for line in chosen if line not in baseline.CARS]
    if unknown:
        raise ValueError(f"lines: unknown {', '.join(unknown)}; lines are {', '.join(baseline.CARS)}")
    return chosen


def day_counts(line: str, day: date) -> Day:
    """Every stop of ``line`` on service ``day`` (simulated) with its door counts, in time order.

    The records are the departures stand-in's (:func:`.loads_standin.day_records`) with
    ``loads_kg`` replaced by ``boarded`` and ``alighted``. A record is tied to its simulated
    train by its direction row and destination (one route and direction each) and the order of
    the trains' first departures (the simulator's trains never overtake, so that order is the
    timetable's), not by decoding its id."""
    seed = forecast._seed(day)
    trips: dict[tuple[int, str], tuple[dict[str, int], I64, I64]] = {}
    for route in (r for r in baseline.table().routes if r.line == line):
        for forward in (True, False):
            sim = forecast._simulated(route, forward, day)
            key = (route.row(forward), sim.stations[-1])
            if key in trips:
                raise RuntimeError(f"two routes of line {line} run toward {key[1]} in row {key[0]}")
            boarded, alighted = simulated_counts(sim, seed)
            trips[key] = ({name: i for i, name in enumerate(sim.stations)}, boarded, alighted)
    departures = day_records(line, day)
    first: dict[str, tuple[datetime, tuple[int, str]]] = {}
    for at, record in departures:
        key = (record["direction"], record["destination"])
        if record["train"] not in first or at < first[record["train"]][0]:
            first[record["train"]] = (at, key)
    number: dict[str, int] = {}
    for key in trips:
        ours = sorted((at, train) for train, (at, k) in first.items() if k == key)
        number.update({train: j for j, (_, train) in enumerate(ours)})
    out: Day = []
    for at, record in departures:
        index, boarded, alighted = trips[(record["direction"], record["destination"])]
        j, i = number[record["train"]], index[record["station"]]
        made = {name: value for name, value in record.items() if name != "loads_kg"}
        made["boarded"] = [int(v) for v in boarded[j, i].tolist()]
        made["alighted"] = [int(v) for v in alighted[j, i].tolist()]
        out.append((at, made))
    return out


def bad_records(template: Record) -> list[Any]:
    """One malformed record of each kind in :data:`BAD_KINDS`, made from a good one."""
    cars = len(template["boarded"])
    naive = datetime.fromisoformat(template["departed_at"]).replace(tzinfo=None).isoformat()
    return [
        {**template, "boarded": [-3] * cars},
        {**template, "boarded": [5000] * cars},
        {**template, "alighted": [1.5] * cars},
        {**template, "boarded": template["boarded"][:-1]},
        {**template, "departed_at": naive},
        {**template, "direction": 2},
        {key: value for key, value in template.items() if key != "train"},
        ["not", "an", "object"],
    ]


class CountsStandIn(TrainFeedStandIn):
    """``GET /v1/door-counts?line=&since=&until=[&cursor=&limit=]`` (Bearer API key)."""

    PATH = PATH
    RECORDS = "counts"
    KNOBS = {**TrainFeedStandIn.KNOBS, "lines": lines_knob}

    def __init__(self, api_key: str, **kwargs: Any) -> None:
        self.lines: tuple[str, ...] = tuple(baseline.CARS)
        super().__init__(api_key, **kwargs)

    def reset(self) -> None:
        """No faults, the real clock, every line counting, nothing served (days stay cached)."""
        super().reset()
        with self.lock:
            self.lines = tuple(baseline.CARS)

    def make_day(self, line: str, day: date) -> Day:
        return day_counts(line, day)

    def malformed(self, template: Record) -> list[Any]:
        return bad_records(template)

    def refuse(self, line: str) -> Answer | None:
        with self.lock:
            counting = line in self.lines
        return None if counting else error(400, "no_counters", f"line {line}'s trains have no door or CCTV counters")
