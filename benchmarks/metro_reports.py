"""The operator reports' reads (``seoul.metro.reports``) as journeys pile up, next to the
operations page's live revenue count over the same days.

    .venv/bin/python benchmarks/metro_reports.py [--journeys-per-day 50000] [--days 7] [--runs 3]
                                                 [--dir /tmp/seoul-bench/metro-reports]

Uses a throwaway database: SQLite in DIR, or PostgreSQL when ``DATABASE_URL`` is set (then the
database must be empty or a test database). Bulk-inserts DAYS days of journeys with their entry
and exit events as ``benchmarks/metro_operations.py`` does (rows as stored, not priced), 2 % of
them without an exit (charged the maximum fare) and 1 % completed by an exit received 6 hours
late, with a negative charge posting for each of those. Times, as medians of ``--runs``:
``reports.incomplete_and_refunds`` (the station table) counted live, ``reports.report`` (the
whole page's reads), ``selectors.revenue`` counted live, ``actions.roll_up_revenue`` of every day
(which now keeps the incomplete journeys too) and the station table again from the roll-ups. Prints a table and one JSON line. Data stays in
DIR, never in the repository.
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
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--journeys-per-day", type=int, default=50_000)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "seoul-bench" / "metro-reports")
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
from django.utils import timezone  # noqa: E402

from seoul.core.engine.time import SEOUL  # noqa: E402
from seoul.metro import actions, reports, selectors  # noqa: E402
from seoul.metro import reference as metro_reference  # noqa: E402
from seoul.metro.models import Gate, GateEvent, Journey, LedgerTransaction, Rider  # noqa: E402

BATCH = 20_000
RIDERS = 20_000
T = TypeVar("T")


def fill(per_day: int, days: int, now: datetime) -> dict[str, int]:
    rng = random.Random(12)
    gates = list(Gate.objects.all())
    weights = [rng.paretovariate(1.2) for _ in gates]
    Rider.objects.bulk_create([Rider(account=f"bench-{i}") for i in range(RIDERS)], batch_size=BATCH)
    riders = list(Rider.objects.filter(account__startswith="bench-").values_list("pk", flat=True))
    today = now.astimezone(SEOUL).replace(hour=0, minute=0, second=0, microsecond=0)
    n = incomplete = late = 0
    for d in range(days):
        base = today - timedelta(days=d)
        todo = per_day
        while todo:
            k = min(BATCH, todo)
            events, trips = [], []
            for _ in range(k):
                at = base + timedelta(hours=5 + rng.random() * 12)
                entry, exit_ = rng.choices(gates, weights=weights, k=2)
                rider = rng.choice(riders)
                kind = rng.random()
                common = {"rider_id": rider, "source": "tagless", "content_hash": "bench"}
                events.append(GateEvent(event_id=f"b{n}i", gate=entry, kind="entry", at=at, **common))
                status = "complete"
                if kind < 0.02:
                    status = "incomplete_no_exit"
                    incomplete += 1
                else:
                    events.append(
                        GateEvent(event_id=f"b{n}o", gate=exit_, kind="exit", at=at + timedelta(minutes=30), **common)
                    )
                trips.append((n, rider, at, status, kind < 0.03 and status == "complete"))
                n += 1
            GateEvent.objects.bulk_create(events, batch_size=BATCH)
            ids = dict(
                GateEvent.objects.filter(event_id__in=[e.event_id for e in events]).values_list("event_id", "pk")
            )
            for i, _rider, at, _status, is_late in trips:
                if is_late:  # the entry arrived as it happened, the exit 6 hours later
                    GateEvent.objects.filter(pk=ids[f"b{i}i"]).update(received_at=at)
                    GateEvent.objects.filter(pk=ids[f"b{i}o"]).update(received_at=at + timedelta(hours=6))
            Journey.objects.bulk_create(
                [
                    Journey(
                        key=f"bench-{i}",
                        rider_id=rider,
                        status=status,
                        entry_id=ids[f"b{i}i"],
                        exit_id=ids.get(f"b{i}o"),
                        started_at=at,
                        fare=1550,
                        charge=3250 if status != "complete" else 1550,
                        breakdown={"maximum_fare_to": "x"} if status != "complete" else {},
                    )
                    for i, rider, at, status, _late in trips
                ],
                batch_size=BATCH,
            )
            late_trips = [(i, rider) for i, rider, _at, _s, is_late in trips if is_late]
            late += len(late_trips)
            LedgerTransaction.objects.bulk_create(
                [
                    LedgerTransaction(
                        key=f"bench-{i}#2", kind="charge", rider_id=rider, journey_key=f"bench-{i}", amount=-1700
                    )
                    for i, rider in late_trips
                ],
                batch_size=BATCH,
            )
            todo -= k
    return {"journeys": n, "incomplete": incomplete, "late": late}


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
    now = datetime.combine(today, time(18, 0), tzinfo=SEOUL)
    start = clock.perf_counter()
    sizes = fill(ARGS.journeys_per_day, ARGS.days, now)
    fill_s = clock.perf_counter() - start
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    period = reports.ReportFilters(start=today - timedelta(days=ARGS.days - 1), end=today)
    inc_s, inc = timed(lambda: reports.incomplete_and_refunds(period), ARGS.runs)
    page_s, _ = timed(lambda: reports.report(period), ARGS.runs)
    rev_s, _ = timed(lambda: selectors.revenue(ARGS.days, today), ARGS.runs)
    rollup_s, _ = timed(lambda: actions.roll_up_revenue(actor=None, days=period.days, now=now), 1)
    rolled_s, rolled = timed(lambda: reports.incomplete_and_refunds(period), ARGS.runs)
    assert rolled["by_station"] == inc["by_station"], "the roll-up changed the figures"
    assert inc["totals"]["incomplete"] == sizes["incomplete"] + sizes["late"], (inc["totals"], sizes)
    rows = [
        ("reports.incomplete_and_refunds", inc_s),
        ("reports.report (whole page)", page_s),
        ("selectors.revenue, live", rev_s),
        ("actions.roll_up_revenue (all days)", rollup_s),
        ("reports.incomplete_and_refunds, rolled", rolled_s),
    ]
    print(f"{connection.vendor}: {sizes['journeys']:,} journeys over {ARGS.days} days (filled in {fill_s:.0f} s)")
    print(f"{'read':36} {'median s':>9}")
    for name, s in rows:
        print(f"{name:36} {s:9.3f}")
    print(
        json.dumps(
            {
                "benchmark": "metro_reports",
                "db": connection.vendor,
                "days": ARGS.days,
                **sizes,
                "incomplete_and_refunds_s": round(inc_s, 4),
                "report_s": round(page_s, 4),
                "revenue_live_s": round(rev_s, 4),
                "roll_up_s": round(rollup_s, 4),
                "incomplete_and_refunds_rolled_s": round(rolled_s, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
