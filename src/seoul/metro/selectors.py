"""Reads of the metro service for pages (the network and tariffs are in ``engine.data``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

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


@dataclass(frozen=True)
class DisputeFilters:
    """What the dispute worklist shows: a status ("" for all), disputes opened more than
    ``older_than_days`` ago, a charge of at least ``min_charge``, an entry or exit ``station``
    (its name in the data), in the order ``sort`` (oldest, newest, charge, station)."""

    status: str = "open"
    older_than_days: int | None = None
    min_charge: int | None = None
    station: str | None = None
    sort: str = "oldest"


DISPUTE_ORDER = {
    "oldest": ("opened_at", "pk"),
    "newest": ("-opened_at", "-pk"),
    "charge": ("-journey__charge", "opened_at"),
    "station": ("journey__entry__gate__station", "opened_at"),
}


def disputes(reader: Any, filters: DisputeFilters) -> QuerySet[Dispute]:
    """The disputes ``reader`` may see (``Dispute.objects.visible_to``), filtered and ordered."""
    rows = Dispute.objects.visible_to(reader).select_related("journey__entry__gate", "journey__exit__gate")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.older_than_days:
        rows = rows.filter(opened_at__lt=timezone.now() - timedelta(days=filters.older_than_days))
    if filters.min_charge:
        rows = rows.filter(journey__charge__gte=filters.min_charge)
    if filters.station:
        rows = rows.filter(
            Q(journey__entry__gate__station=filters.station) | Q(journey__exit__gate__station=filters.station)
        )
    return rows.order_by(*DISPUTE_ORDER.get(filters.sort, DISPUTE_ORDER["oldest"]))


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
    names = data.line_names((get_language() or "ko").startswith("en"))
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


def revenue_chart(by_day: list[dict[str, Any]]) -> dict[str, Any]:
    """The Vega-Lite spec of revenue per day: one bar per day (labelled MM-DD, the same in every
    language), no legend (one series), axis labels that never overlap and amounts in 만/억 won
    on Korean pages, so it reads at 390 px."""
    korean = not (get_language() or "ko").startswith("en")
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": _("Charged revenue per day"),
        "width": "container",
        "height": 200,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": [{"day": r["day"].strftime("%m-%d"), "won": r["won"] or 0} for r in by_day]},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "x": {
                "field": "day",
                "type": "ordinal",
                "sort": None,
                "title": None,
                "axis": {"labelAngle": 0, "labelOverlap": "parity", "labelLimit": 48},
            },
            "y": {
                "field": "won",
                "type": "quantitative",
                "title": _("Won"),
                "axis": {
                    "labelOverlap": True,
                    "tickCount": 4,
                    # 2,500,000 won reads 250만 on a Korean page and 2.5M on an English one
                    "labelExpr": "format(datum.value / 10000, ',') + '만'" if korean else "format(datum.value, '~s')",
                },
            },
        },
    }
