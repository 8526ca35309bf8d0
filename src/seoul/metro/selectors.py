"""Reads of the metro service for pages (the network and tariffs are in ``engine.data``)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet, Sum

from seoul.metro.engine import data
from seoul.metro.models import (
    Dispute,
    Gate,
    GateHourCount,
    GateHourRollup,
    Journey,
    LedgerEntry,
    RevenueRollup,
    RevenueRollupRow,
    RiderPass,
    activity_by_gate,
)

# --- pages -------------------------------------------------------------------------------


def rider_journeys(rider_id: int) -> QuerySet[Journey]:

    return (
        Journey.objects.filter(rider_id=rider_id, superseded=False)
        .select_related("entry__gate", "exit__gate")
        .prefetch_related("disputes")
        .order_by("-started_at")
    )


def rider_passes(rider_id: int) -> QuerySet[RiderPass]:

    return RiderPass.objects.filter(rider_id=rider_id).order_by("-month")


def rider_balance(account: str) -> int:

    return int(LedgerEntry.objects.filter(account=f"rider:{account}").aggregate(s=Sum("amount"))["s"] or 0)


def open_disputes() -> QuerySet[Dispute]:

    return (
        Dispute.objects.filter(status="open")
        .select_related("journey__entry__gate", "journey__exit__gate")
        .order_by("opened_at")
    )


def revenue(days: int, today: date) -> dict[str, Any]:
    """Charged journeys over the last ``days`` days (Seoul time), by day, by line and by entry
    station: each day from its roll-up (``actions.roll_up_revenue``) when it has one, else
    counted from the journeys (``live_days``). Each ``by_day`` row says ``as_of`` when its day
    was summed (None: counted now)."""
    window = [today - timedelta(days=i) for i in reversed(range(days))]
    rolled = {r.day: r for r in RevenueRollup.objects.filter(day__in=window)}
    live = [d for d in window if d not in rolled]
    rows: list[dict[str, Any]] = [
        {"day": day, "line": line, "station": station, "journeys": journeys, "won": won}
        for day, line, station, journeys, won in RevenueRollupRow.objects.filter(
            rollup__in=rolled.values()
        ).values_list("rollup__day", "line", "station", "journeys", "won")
    ]
    if live:
        rows += Journey.objects.started_on(live).revenue_by_day_and_gate()
    names = data.line_names()
    by_line = _totals(rows, "line")
    for row in by_line:
        row["line_name"] = names.get(row["line"], row["line"])
    by_day = sorted(_totals(rows, "day"), key=lambda r: r["day"])
    for row in by_day:
        row["as_of"] = rolled[row["day"]].computed_at if row["day"] in rolled else None
    return {"by_day": by_day, "by_line": by_line, "by_station": _totals(rows, "station")[:30], "live_days": live}


def _totals(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Journeys and won summed per value of ``key``, the largest revenue first."""
    sums: dict[Any, dict[str, Any]] = {}
    for r in rows:
        t = sums.setdefault(r[key], {key: r[key], "journeys": 0, "won": 0})
        t["journeys"] += r["journeys"]
        t["won"] += r["won"] or 0
    return sorted(sums.values(), key=lambda t: (-t["won"], str(t[key])))


def gate_health(hours: int, now: datetime, limit: int = 25) -> list[dict[str, Any]]:
    """Per gate over the last ``hours``: events, flagged passages and their share; the gates with
    the most flagged passages first, then the busiest. Whole hours rolled up
    (``actions.roll_up_gate_hours``) are read from their counts; the rest of the window (its
    partial first and last hours, and hours not rolled up) is counted from the events."""
    hour = timedelta(hours=1)
    since = now - timedelta(hours=hours)
    first = since.replace(minute=0, second=0, microsecond=0)
    first += hour if first < since else timedelta(0)
    whole = [first + i * hour for i in range(max(0, (now - first) // hour))]
    rolled = list(GateHourRollup.objects.filter(hour__in=whole))
    events: Counter[int] = Counter()
    flags: Counter[int] = Counter()
    for gate, n_events, n_flagged in GateHourCount.objects.filter(rollup__in=rolled).values_list(
        "gate", "events", "flagged"
    ):
        events[gate] += n_events
        flags[gate] += n_flagged
    # the rest is counted from the events, one indexed range scan per stretch between roll-ups
    start, ranges = since, []
    for done in sorted(r.hour for r in rolled):
        if start < done:
            ranges.append(Q(at__gte=start, at__lt=done))
        start = done + hour
    for q in [*ranges, Q(at__gte=start)]:
        live_events, live_flags = activity_by_gate(q)
        events.update(live_events)
        flags.update(live_flags)
    ranked = sorted(events.keys() | flags.keys(), key=lambda g: (-flags[g], -events[g], g))[:limit]
    gates = Gate.objects.in_bulk(ranked)
    out = []
    for pk in ranked:
        n_events, n_flagged = events[pk], flags[pk]
        total = n_events + n_flagged
        out.append(
            {
                "gate": gates[pk],
                "events": n_events,
                "flagged": n_flagged,
                "flag_share": n_flagged / total if total else 0.0,
            }
        )
    return out
