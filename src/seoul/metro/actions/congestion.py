"""Measured train departures pulled from Seoul Metro's departures feed (``adapters/loads.py``)
into the platform's store, for the per-car forecast and the open-data file of a day's measured
congestion, and the platform's own gate entries counted per station and minute for the
forecast's taps (docs/metro-congestion.md).

The scheduled job (``seoul metro congestion pull``, every minute) asks, per line, for what left
since the last stored departure of the service day (from 05:00, so the first train is not
missed), stores it, and reports what the feed refused. Asking again is harmless: a departure
stored twice is read once. A line whose feed fails is reported and the others go on.

A line in ``SEOUL_METRO_COUNTED_LINES`` has trains that count riders at the doors instead of
weighing them: its stops come from the door counts feed (``adapters/doorcounts.py``), and each
train's riders per car are carried on from its last stored stop of the day and accumulated
(``engine/congestion/counts.py``), then stored like weighed departures with
``source="door_counts"``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncMinute
from django.utils import timezone

from seoul.core.adapters.http import AdapterError
from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.core.roles import Role
from seoul.metro import storage
from seoul.metro.actions.access import check_role
from seoul.metro.adapters import doorcounts, loads
from seoul.metro.engine.congestion import counts
from seoul.metro.engine.congestion.baseline import CARS, FIRST_SLOT, service_day
from seoul.metro.engine.congestion.live import Departure
from seoul.metro.models import GateEvent

log = logging.getLogger("seoul.metro")

DAY_START = time(5, 0)
"""Where a service day's pull starts: the first trains leave just before 05:30."""


@dataclass
class PullResult:
    stored: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, list[str]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"stored": self.stored, "skipped": self.skipped, "failed": self.failed}


def _counted(line: str, day: date, since: datetime, now: datetime) -> tuple[list[Departure], list[str]]:
    """The stops of a counted line since ``since`` as departures with accumulated loads, carried on
    from each train's last stored stop of the day; and the skipped records' reasons."""
    pulled = doorcounts.pull(line, since, now)
    stored = [d for d in storage.read_departures(day, line) if d.source == "door_counts"]
    done = counts.accumulate(pulled.counts, counts.prior_from(stored))
    return done.departures, [*pulled.skipped, *done.skipped]


def pull_departures(
    lines: Iterable[str] | None = None, *, actor: User | None, now: datetime | None = None
) -> PullResult:
    """Store what left on ``lines`` (default: every line with published congestion) since the
    last stored departure of the service day, up to ``now``."""
    check_role(actor, Role.OPERATOR)
    now = (now or timezone.now()).astimezone(SEOUL)
    day = service_day(now)
    result = PullResult()
    for line in lines or sorted(CARS):
        last = storage.last_departure(day, line)
        since = last + timedelta(microseconds=1) if last else datetime.combine(day, DAY_START, tzinfo=SEOUL)
        feed = "door counts feed" if line in settings.SEOUL_METRO_COUNTED_LINES else "departures feed"
        try:
            if line in settings.SEOUL_METRO_COUNTED_LINES:
                found, skipped = _counted(line, day, since, now)
            else:
                pulled = loads.pull(line, since, now)
                found, skipped = pulled.departures, pulled.skipped
        except AdapterError as exc:
            result.failed[line] = f"{exc.code}: {exc}"
            log.warning("%s, line %s: %s", feed, line, exc)
            continue
        storage.write_departures(line, found)
        result.stored[line] = len(found)
        if skipped:
            result.skipped[line] = skipped
            log.warning("%s, line %s: %d record(s) skipped: %s", feed, line, len(skipped), skipped[:10])
    return result


RECOUNT = timedelta(minutes=30)
"""Each count of the gate entries recounts the last half hour: a gate that was offline sends its
buffered events late, and they are counted when their minute is counted again. Events arriving
later than this are not counted (the forecast looks back an hour at most)."""


def count_entries(*, actor: User | None, now: datetime | None = None) -> dict[str, Any]:
    """Count the gate entries (card taps and tagless passages alike; only counts, no rider) per
    station, gate line and minute of service over the last :data:`RECOUNT` of the service day up
    to the last whole minute, and store them (``storage.write_entries``)."""
    check_role(actor, Role.OPERATOR)
    now = (now or timezone.now()).astimezone(SEOUL)
    day = service_day(now)
    opens = datetime.combine(day, FIRST_SLOT, tzinfo=SEOUL)
    end = now.replace(second=0, microsecond=0)
    start = max(end - RECOUNT, opens)
    if end <= start:
        return {"day": day.isoformat(), "minutes": 0, "entries": 0}
    rows = (
        GateEvent.objects.filter(kind=GateEvent.Kind.ENTRY, at__gte=start, at__lt=end)
        .annotate(minute=TruncMinute("at", tzinfo=SEOUL))
        .values_list("gate__station", "gate__line", "minute")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counted = [(station, line, int((minute - opens).total_seconds() // 60), n) for station, line, minute, n in rows]
    first, last = int((start - opens).total_seconds() // 60), int((end - opens).total_seconds() // 60)
    storage.write_entries(day, counted, first, last)
    return {"day": day.isoformat(), "minutes": last - first, "entries": sum(r[3] for r in counted)}
