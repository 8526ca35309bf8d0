"""The metro operations page's reads as journeys pile up: revenue per day/line/station and gate health.

    .venv/bin/python benchmarks/metro_operations.py [--journeys-per-day 50000] [--days 7] [--runs 3]
                                                    [--dir /tmp/seoul-bench/metro-ops]

Uses a throwaway database: SQLite in DIR, or PostgreSQL when ``DATABASE_URL`` is set (then the
database must be empty or a test database; the benchmark migrates it and adds rows).

1. Bulk-inserts DAYS days of journeys (today and the closed days before it) with their entry and
   exit events (the clock set to 18:00 Seoul time today), spread over every gate with a skew, charges drawn from the adult fare
   range, and one flagged passage per 200 events in the last 24 hours. Rows are inserted as
   they are stored, not priced through ``rebuild_rider``: this measures reads.
2. Times, as medians of ``--runs``:
   - ``selectors.revenue(DAYS)`` with every day counted from the journeys (no roll-up; what the
     page did before roll-ups existed, and what it does for days never rolled up);
   - ``actions.roll_up_revenue`` of the closed days (what the nightly job does);
   - ``selectors.revenue(DAYS)`` after it (closed days from the roll-up, today live);
   - ``actions.roll_up_revenue`` of today (the 10-minute job), then ``selectors.revenue(DAYS)``
     reading roll-ups only;
   - ``selectors.gate_health(24)``, and for comparison the single query joining events and flags
     to the gates that it replaced; then ``actions.roll_up_gate_hours`` of the last 24 whole
     hours and ``gate_health`` again (whole hours from their counts, the partial hour live).
Prints a table and one JSON line. Data stays in DIR, never in the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time as clock
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--journeys-per-day", type=int, default=50_000)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "seoul-bench" / "metro-ops")
    return ap.parse_args()


ARGS = parse()
ARGS.dir.mkdir(parents=True, exist_ok=True)
if "DATABASE_URL" not in os.environ:
    for stale in ARGS.dir.glob("seoul.sqlite3*"):
        stale.unlink()
os.environ["SEOUL_VAR_DIR"] = str(ARGS.dir)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seoul.settings")
os.environ.setdefault("SEOUL_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.utils import timezone  # noqa: E402

from seoul.core.engine.time import SEOUL  # noqa: E402
from seoul.metro import actions, selectors  # noqa: E402
from seoul.metro import reference as metro_reference  # noqa: E402
from seoul.metro.models import FlaggedPassage, Gate, GateEvent, Journey, Rider  # noqa: E402

BATCH = 20_000
T = TypeVar("T")
RIDERS = 20_000


def fill(per_day: int, days: int, now: datetime) -> dict[str, int]:
    rng = random.Random(11)
    gates = list(Gate.objects.all())
    weights = [rng.paretovariate(1.2) for _ in gates]  # a few very busy stations
    Rider.objects.bulk_create([Rider(account=f"bench-{i}") for i in range(RIDERS)], batch_size=BATCH)
    riders = list(Rider.objects.filter(account__startswith="bench-").values_list("pk", flat=True))
    today = now.astimezone(SEOUL).replace(hour=0, minute=0, second=0, microsecond=0)
    hours = [5, 6, 7, 7, 8, 8, 8, 9, 10, 12, 13, 15, 17, 18, 18, 18, 19, 20, 21, 22]
    n = events = 0
    for d in range(days):
        base = today - timedelta(days=d)
        todo = per_day
        while todo:
            k = min(BATCH, todo)
            entries, exits, trips = [], [], []
            for _ in range(k):
                at = base + timedelta(hours=rng.choice(hours), minutes=rng.random() * 60)
                if at > now - timedelta(hours=1):
                    at = base + (now - timedelta(hours=1) - base) * rng.random()
                entry, exit_ = rng.choices(gates, weights=weights, k=2)
                rider = rng.choice(riders)
                common = {"rider_id": rider, "source": "tagless", "content_hash": "bench"}
                entries.append(GateEvent(event_id=f"b{n}i", gate=entry, kind="entry", at=at, **common))
                exits.append(
                    GateEvent(
                        event_id=f"b{n}o",
                        gate=exit_,
                        kind="exit",
                        at=at + timedelta(minutes=rng.randint(5, 80)),
                        **common,
                    )
                )
                trips.append((n, rider, at, rng.choice([1550, 1550, 1650, 1750, 1850, 2050, 0])))
                n += 1
            GateEvent.objects.bulk_create(entries + exits, batch_size=BATCH)
            ids = dict(
                GateEvent.objects.filter(event_id__in=[e.event_id for e in entries + exits]).values_list(
                    "event_id", "pk"
                )
            )
            Journey.objects.bulk_create(
                [
                    Journey(
                        key=f"bench-{i}",
                        rider_id=rider,
                        status="complete",
                        entry_id=ids[f"b{i}i"],
                        exit_id=ids[f"b{i}o"],
                        started_at=at,
                        fare=charge or 1550,
                        charge=charge,
                        breakdown={},
                    )
                    for i, rider, at, charge in trips
                ],
                batch_size=BATCH,
            )
            events += 2 * k
            todo -= k
    flags = [
        FlaggedPassage(
            event_id=f"bf{i}",
            gate=rng.choices(gates, weights=weights)[0],
            at=now - timedelta(hours=24 * rng.random()),
            reason="ambiguous_lane",
        )
        for i in range(max(1, per_day * 2 // 200))
    ]
    FlaggedPassage.objects.bulk_create(flags, batch_size=BATCH)
    return {"journeys": n, "events": events, "flags": len(flags)}


def joined_gate_health(now: datetime) -> list[Any]:
    """The query ``gate_health`` ran before: events and flags joined to gates in one statement."""
    since = now - timedelta(hours=24)
    rows = (
        Gate.objects.annotate(
            n_events=Count("events", filter=Q(events__at__gte=since), distinct=True),
            n_flagged=Count("flags", filter=Q(flags__at__gte=since), distinct=True),
        )
        .filter(Q(n_events__gt=0) | Q(n_flagged__gt=0))
        .order_by("-n_flagged", "-n_events")
    )
    return list(rows[:25])


def sums(report: dict[str, Any]) -> list[object]:
    """A revenue report's figures, without when each day was summed."""
    days = [{k: v for k, v in r.items() if k != "as_of"} for r in report["by_day"]]
    return [days, report["by_line"], report["by_station"]]


def timed(work: Callable[[], T], runs: int) -> tuple[float, T]:
    times = []
    for _ in range(runs):
        start = clock.perf_counter()
        result = work()
        times.append(clock.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    call_command("migrate", interactive=False, verbosity=0)
    metro_reference.load()
    today = timezone.now().astimezone(SEOUL).date()
    now = datetime.combine(today, time(18, 0), tzinfo=SEOUL)  # a clock at 18:00, so today has journeys
    start = clock.perf_counter()
    sizes = fill(ARGS.journeys_per_day, ARGS.days, now)
    fill_seconds = clock.perf_counter() - start
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    closed = [today - timedelta(days=i) for i in range(1, ARGS.days)]
    runs = ARGS.runs
    live_s, live = timed(lambda: selectors.revenue(ARGS.days, today), runs)
    rollup_s, _ = timed(lambda: actions.roll_up_revenue(actor=None, days=closed, now=now), 1)
    rolled_s, rolled = timed(lambda: selectors.revenue(ARGS.days, today), runs)
    today_s, _ = timed(lambda: actions.roll_up_revenue(actor=None, days=[today], now=now), 1)
    all_s, all_rolled = timed(lambda: selectors.revenue(ARGS.days, today), runs)
    health_s, health = timed(lambda: selectors.gate_health(24, now), runs)
    joined_s, joined = timed(lambda: joined_gate_health(now), 1)
    hour = now.replace(minute=0, second=0, microsecond=0)
    hours = [hour - timedelta(hours=i) for i in range(1, 25)]
    hours_s, _ = timed(lambda: actions.roll_up_gate_hours(actor=None, hours=hours, now=now), 1)
    rolled_health_s, rolled_health = timed(lambda: selectors.gate_health(24, now), runs)
    same = sums(live) == sums(rolled) == sums(all_rolled)
    rows_of = [[(r["gate"].pk, r["events"], r["flagged"]) for r in h] for h in (health, rolled_health)]
    same_gates = rows_of[0] == rows_of[1] == [(g.pk, g.n_events, g.n_flagged) for g in joined]
    report = {
        "database": connection.vendor,
        "days": ARGS.days,
        **sizes,
        "fill_seconds": round(fill_seconds, 1),
        "revenue_all_live_seconds": round(live_s, 3),
        "roll_up_closed_days_seconds": round(rollup_s, 3),
        "revenue_after_roll_up_seconds": round(rolled_s, 3),
        "roll_up_today_seconds": round(today_s, 3),
        "revenue_all_rolled_up_seconds": round(all_s, 3),
        "revenue_same_figures": same,
        "gate_health_seconds": round(health_s, 3),
        "gate_health_joined_seconds": round(joined_s, 3),
        "roll_up_24_hours_seconds": round(hours_s, 3),
        "gate_health_after_roll_up_seconds": round(rolled_health_s, 3),
        "gate_health_same_rows": same_gates,
        "runs": runs,
    }
    print(f"{connection.vendor}: {sizes['journeys']:,} journeys over {ARGS.days} days, {sizes['flags']:,} flags")
    print(f"{'measure':<52}{'seconds':>10}")
    for label, key in (
        ("revenue, every day counted from the journeys", "revenue_all_live_seconds"),
        (f"roll-up of the {len(closed)} closed days (nightly job)", "roll_up_closed_days_seconds"),
        ("revenue, closed days rolled up, today live", "revenue_after_roll_up_seconds"),
        ("roll-up of today (the 10-minute job)", "roll_up_today_seconds"),
        ("revenue, every day rolled up", "revenue_all_rolled_up_seconds"),
        ("gate health, two grouped counts", "gate_health_seconds"),
        ("gate health, events and flags joined (before)", "gate_health_joined_seconds"),
        ("roll-up of the last 24 whole hours of gate activity", "roll_up_24_hours_seconds"),
        ("gate health, whole hours rolled up", "gate_health_after_roll_up_seconds"),
    ):
        print(f"{label:<52}{report[key]:>10.3f}")
    print(f"same figures: revenue {same}, gate health {same_gates}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
