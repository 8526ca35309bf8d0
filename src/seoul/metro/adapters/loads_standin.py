"""A loopback stand-in for Seoul Metro's train departures feed (load-weighing 응하중 per car
at every departure; the protocol is in :mod:`seoul.metro.adapters.loads`).

It serves the simulated day the congestion pages show today: every route of the asked line in
both directions, simulated by :func:`seoul.metro.engine.congestion.forecast._simulated` (the
same seed, the same cache), so a departure from the stand-in is a departure of that day. Only
departures at or before the stand-in's clock are served, as from a live feed; the clock is the
real one unless ``clock`` (an ISO moment) is set, from a test or by ``POST /_control``.

Its knobs (``clock``, ``bad_records`` with the kinds in :data:`BAD_KINDS`, ``repeat_records``
and the common faults) are :class:`.trainfeed_standin.TrainFeedStandIn`'s.

Train ids: line, a letter for the route of the line (A the trunk, then the branches in
``baseline.ROUTE_ENDS`` order), the direction row and the trip's number in the day
(``5A1042``). A loop trip ends at the station before its first (a new id from there on).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from seoul.core.engine.time import SEOUL
from seoul.metro.adapters.trainfeed_standin import Day, Record, TrainFeedStandIn
from seoul.metro.engine.congestion import baseline, forecast
from seoul.metro.engine.congestion.levels import CAPACITY, KG_PER_PASSENGER

BAD_KINDS = (
    "negative_kg",
    "absurd_kg",
    "missing_car",
    "naive_time",
    "unknown_direction",
    "no_train",
    "not_an_object",
)


def day_records(line: str, day: date) -> Day:
    """Every departure of ``line`` on service ``day`` (simulated), in time order."""
    start = datetime.combine(day, baseline.FIRST_SLOT, tzinfo=SEOUL)
    out: Day = []
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


class LoadsStandIn(TrainFeedStandIn):
    """``GET /v1/departures?line=&since=&until=[&cursor=&limit=]`` (Bearer API key)."""

    PATH = "/v1/departures"
    RECORDS = "departures"

    def make_day(self, line: str, day: date) -> Day:
        return day_records(line, day)

    def malformed(self, template: Record) -> list[Any]:
        return bad_records(template)
