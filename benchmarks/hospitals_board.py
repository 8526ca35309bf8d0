"""The control-tower board with two years of daily reports (issue: "the board answers in
< 200 ms with 2 years of daily reports").

    .venv/bin/python benchmarks/hospitals_board.py [--days 730] [--repeat 30] [--extra-hospitals 0]
                                                   [--profile] [--dir /tmp/seoul-bench/hospitals-board]

Uses a throwaway database: SQLite in DIR (deleted and made afresh each run), or PostgreSQL when
``DATABASE_URL`` is set (then the database must be empty or a test database). Migrates, loads
the reference data (``seoul load-reference``), collects the static files into DIR once (pages
name them by their hashed names) and bulk-inserts, for every hospital the board lists
(``state.hospitals_in(None)``: the 10 city hospitals with inpatient beds, plus
``--extra-hospitals`` made-up partner hospitals), one accepted report a day for ``--days`` days
up to today, with the demo allocation of beds per tier (``seoul.hospitals.demo.BEDS``) and a
made-up load of two waves a year (one BedCount per kind with beds, staff and supplies as the
report form stores them); 2 % of the days also hold a corrected (superseded) report and 1 % a
refused one, as a real history does. Rows go in directly with ``bulk_create`` (a fixture, not
the report action). SQLite is then ANALYZEd, as ``benchmarks/metro_reports.py`` does.

Times, ``--repeat`` times each (median and p95 of wall-clock milliseconds):

- the board view's reads, each alone and together: ``selectors.board(region=None, now=...)``,
  ``selectors.trend(...)`` over the last 60 days, ``selectors.trend_spec`` and
  ``selectors.map_spec`` — what ``views.board`` calls before rendering;
- the whole page through Django's test client, signed in as a viewer of the hospitals service:
  ``/hospitals/board/`` (citywide), ``/hospitals/board/NE/`` (one sub-region) and, for
  information, the public summary ``/hospitals/`` (which builds the board five times);

with the database queries of one request. The goal (200 ms) is the citywide page's median.
``--profile`` (or a missed goal) prints a pyinstrument profile of the citywide page. Prints a
table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hospitals_surge import DEMO_BEDS

GOAL_MS = 200.0


def parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--extra-hospitals", type=int, default=0, help="made-up partner hospitals with reports too")
    ap.add_argument("--profile", action="store_true", help="print a pyinstrument profile of the citywide page")
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "seoul-bench" / "hospitals-board")
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

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from seoul.core.engine.time import SEOUL  # noqa: E402
from seoul.core.models import ServiceRole, User  # noqa: E402
from seoul.core.roles import Role, Service  # noqa: E402
from seoul.core.validation import today  # noqa: E402
from seoul.hospitals import selectors  # noqa: E402
from seoul.hospitals.models import BedCount, CapacityReport, Hospital  # noqa: E402
from seoul.hospitals.state import hospitals_in  # noqa: E402

BATCH = 2_000
KINDS = ("critical", "severe", "moderate", "mild", "isolation")


def load(day_index: int, days: int, rng: random.Random) -> float:
    """Share of beds occupied: 45 % between waves, two waves a year up to about 95 %."""
    phase = (day_index / days) * (2 * days / 365) * math.pi
    return min(1.0, 0.45 + 0.5 * math.sin(phase) ** 8 + rng.uniform(-0.04, 0.04))


def fill(days: int, extra: int) -> dict[str, int]:
    rng = random.Random(730)
    for k in range(extra):
        Hospital.objects.create(
            code=f"BENCH{k:02d}",
            name_ko=f"협력병원 {k}",
            name_en=f"Partner hospital {k}",
            kind=Hospital.Kind.PARTNER,
            district=k % 25,
        )
    hospitals = list(hospitals_in(None))
    allocation = {
        h.code: DEMO_BEDS.get(h.code)
        or (rng.randint(0, 10), rng.randint(0, 30), rng.randint(20, 150), 0, rng.randint(0, 10))
        for h in hospitals
    }
    end = today()
    reports: list[CapacityReport] = []
    loads: list[float] = []
    for d in range(days):
        day = end - timedelta(days=days - 1 - d)
        at = datetime.combine(day, clock_time(10, 0), tzinfo=SEOUL)
        for h in hospitals:
            share = load(d, days, rng)
            patients = sum(round(n * share) for n in allocation[h.code][:4])
            statuses = [CapacityReport.Status.ACCEPTED]
            roll = rng.random()
            if roll < 0.02:
                statuses.insert(0, CapacityReport.Status.SUPERSEDED)
            elif roll < 0.03:
                statuses.insert(0, CapacityReport.Status.REFUSED)
            for status in statuses:
                reports.append(
                    CapacityReport(
                        hospital=h,
                        day=day,
                        status=status,
                        channel=CapacityReport.Channel.DEMO,
                        submitted_at=at,
                        admissions=round(patients * 0.08),
                        discharges=round(patients * 0.07),
                        deaths=0,
                        staff={
                            "physician": {"on_duty": max(2, round(patients * 0.08)), "short": 0},
                            "nurse": {"on_duty": max(4, round(patients * 0.45)), "short": round(patients * 0.05)},
                        },
                        supplies={
                            "n95": {"on_hand": patients * 40, "days_of_supply": round(rng.uniform(6, 20), 1)},
                            "oxygen": {"on_hand": patients * 3, "days_of_supply": round(rng.uniform(3, 14), 1)},
                        },
                        forecast=[max(0, round(sum(allocation[h.code][:4]) * (1 - share)))] * 7,
                        problems=[{"field": "critical.occupied", "fault": "occupied_over_total", "limit": 0}]
                        if status == CapacityReport.Status.REFUSED
                        else [],
                    )
                )
                loads.append(share)
    CapacityReport.objects.bulk_create(reports, batch_size=BATCH)
    counts: list[BedCount] = []
    for r, share in zip(reports, loads, strict=True):
        if r.status == CapacityReport.Status.REFUSED:
            continue
        for kind, total in zip(KINDS, allocation[r.hospital.code], strict=True):
            if total:
                occupied = min(total, round(total * share))
                counts.append(
                    BedCount(
                        report_id=r.pk,
                        kind=kind,
                        total=total,
                        occupied=occupied,
                        staffed=total,
                        available=total - occupied,
                    )
                )
    BedCount.objects.bulk_create(counts, batch_size=BATCH)
    return {"hospitals": len(hospitals), "reports": len(reports), "bed_counts": len(counts)}


def timings(work: Callable[[], Any], repeat: int) -> list[float]:
    work()  # warm: what is kept per process is kept now
    out = []
    for _run in range(repeat):
        start = time.perf_counter()
        work()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p95(ms: list[float]) -> float:
    ordered = sorted(ms)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def queries(work: Callable[[], Any]) -> int:
    """Database queries one call of ``work`` makes."""
    seen: list[str] = []

    def count(execute: Any, sql: str, *args: Any) -> Any:
        seen.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(count):
        work()
    return len(seen)


def view_reads() -> None:
    """What views.board reads before rendering (citywide)."""
    now = timezone.now()
    data = selectors.board(region=None, now=now)
    title = _("Occupancy by tier, last %(n)d days") % {"n": selectors.TREND_DAYS}
    points = selectors.trend([row.hospital.pk for row in data.rows], until=today())
    selectors.trend_spec(points, title)
    selectors.map_spec(data.rows, _("Hospitals on Seoul's districts"))


def main() -> None:
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_reference", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)
    start = time.perf_counter()
    sizes = fill(ARGS.days, ARGS.extra_hospitals)
    fill_s = time.perf_counter() - start
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    viewer = User.objects.create_user(username="bench.viewer", kind=User.Kind.STAFF)
    ServiceRole.objects.create(user=viewer, service=Service.HOSPITALS, role=Role.VIEWER)
    client = Client()
    client.force_login(viewer)

    now = timezone.now()
    board = selectors.board(region=None, now=now)
    assert len(board.rows) == sizes["hospitals"] and all(r.report and r.report.day == today() for r in board.rows)
    ids = [row.hospital.pk for row in board.rows]
    results: dict[str, dict[str, float | int]] = {}

    def record(name: str, ms: list[float], queries: int | None = None) -> None:
        results[name] = {"median_ms": round(statistics.median(ms), 2), "p95_ms": round(p95(ms), 2)}
        if queries is not None:
            results[name]["queries"] = queries

    record("selectors.board", timings(lambda: selectors.board(region=None, now=now), ARGS.repeat))
    record("selectors.trend (60 days)", timings(lambda: selectors.trend(ids, until=today()), ARGS.repeat))
    points = selectors.trend(ids, until=today())
    record("selectors.trend_spec", timings(lambda: selectors.trend_spec(points, "trend"), ARGS.repeat))
    record("selectors.map_spec", timings(lambda: selectors.map_spec(board.rows, "map"), ARGS.repeat))
    record("view's reads together", timings(view_reads, ARGS.repeat), queries(view_reads))
    pages = {"/hospitals/board/": "page: citywide board", "/hospitals/board/NE/": "page: NE board"}
    pages["/hospitals/"] = "page: public summary"
    sizes_kb: dict[str, float] = {}
    for path, name in pages.items():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        sizes_kb[name] = round(len(response.content) / 1024, 1)
        record(
            name, timings(lambda path=path: client.get(path), ARGS.repeat), queries(lambda path=path: client.get(path))
        )

    page = results["page: citywide board"]
    met = float(page["median_ms"]) < GOAL_MS
    print(
        f"{connection.vendor}: {sizes['hospitals']} hospitals, {ARGS.days} days, {sizes['reports']:,} reports, "
        f"{sizes['bed_counts']:,} bed counts (filled in {fill_s:.1f} s)"
    )
    print(f"{'read':30}{'median ms':>11}{'p95 ms':>9}{'queries':>9}")
    for name, r in results.items():
        print(f"{name:30}{r['median_ms']:>11}{r['p95_ms']:>9}{r.get('queries', ''):>9}")
    print(f"page sizes (kB): {sizes_kb}")
    print(f"goal: citywide board page under {GOAL_MS:g} ms (median): {'met' if met else 'NOT met'}")
    if ARGS.profile or not met:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        with profiler:
            for _run in range(10):
                client.get("/hospitals/board/")
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    print(
        json.dumps(
            {
                "benchmark": "hospitals_board",
                "db": connection.vendor,
                "days": ARGS.days,
                **sizes,
                "repeat": ARGS.repeat,
                "results": results,
                "page_kb": sizes_kb,
                "goal_ms": GOAL_MS,
                "goal_met": met,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
