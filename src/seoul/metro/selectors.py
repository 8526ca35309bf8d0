"""Reads of the metro service for pages (the network and tariffs are in ``engine.data``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from seoul.metro.engine import data
from seoul.metro.engine.fares import KST
from seoul.metro.models import Dispute, Gate, Journey, LedgerEntry, RiderPass

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
        .select_related("journey__entry__gate", "journey__exit__gate", "rider")
        .order_by("opened_at")
    )


def revenue(days: int, today: date) -> dict[str, list[dict[str, Any]]]:
    """Charged journeys over the last ``days`` days, by day, by line and by entry station."""

    start = datetime.combine(today - timedelta(days=days - 1), time.min, tzinfo=KST)
    qs = Journey.objects.filter(superseded=False, started_at__gte=start, entry__isnull=False)
    by_day = list(
        qs.annotate(day=TruncDate("started_at", tzinfo=KST))
        .values("day")
        .annotate(journeys=Count("id"), won=Sum("charge"))
        .order_by("day")
    )
    by_line = list(
        qs.values(line=F("entry__gate__line")).annotate(journeys=Count("id"), won=Sum("charge")).order_by("-won")
    )
    by_station = list(
        qs.values(station=F("entry__gate__station"))
        .annotate(journeys=Count("id"), won=Sum("charge"))
        .order_by("-won")[:30]
    )
    names = data.line_names()
    for row in by_line:
        row["line_name"] = names.get(row["line"], row["line"])
    return {"by_day": by_day, "by_line": by_line, "by_station": by_station}


def gate_health(hours: int, now: datetime, limit: int = 25) -> list[dict[str, Any]]:
    """Per gate over the last ``hours``: events, flagged passages and their share."""

    since = now - timedelta(hours=hours)
    rows = (
        Gate.objects.annotate(
            n_events=Count("events", filter=Q(events__at__gte=since), distinct=True),
            n_flagged=Count("flags", filter=Q(flags__at__gte=since), distinct=True),
        )
        .filter(Q(n_events__gt=0) | Q(n_flagged__gt=0))
        .order_by("-n_flagged", "-n_events")
    )
    out = []
    for g in rows[:limit]:
        total = g.n_events + g.n_flagged
        out.append(
            {
                "gate": g,
                "events": g.n_events,
                "flagged": g.n_flagged,
                "flag_share": g.n_flagged / total if total else 0.0,
            }
        )
    return out
