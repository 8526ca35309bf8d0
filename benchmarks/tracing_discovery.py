"""Exposure discovery at city scale: one case over 14 days × 10 million people.

    .venv/bin/python benchmarks/tracing_discovery.py [--people 10000000] [--days 14] [--runs 3]
                                                     [--dir /tmp/seoul-bench/tracing] [--reuse]

1. Simulates the city into DIR/city (``seoul.tracing.engine.simulate``), timed: rows/s.
   ``--reuse`` keeps a city already there (same people/days/seed).
2. For each planted case, ``--runs`` times in a fresh child process: ``discovery.discover``
   over the case's infectious window (wall and CPU seconds, peak RSS, candidates, whether every
   planted contact is among them). In the same run, the floor: a bare DuckDB scan of the same
   day files for the case's rows (``count(*) WHERE pid = …``), which any discovery pays.
3. Import rate: one day of presence exported to CSV and to Parquet with string ids and
   ISO-8601 times (2,000,000 rows), then ``ingest.import_presence`` into an empty store.

Prints a table of medians and one JSON line. Data stays in DIR, never in the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from _measure import peak_rss_mb  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seoul.settings")
django.setup()  # the metro network comes through metro.interfaces, a Django module

from seoul.tracing.engine import discovery, ingest, simulate, store  # noqa: E402
from seoul.tracing.sources import geometry  # noqa: E402

SEED = 7
IMPORT_ROWS = 2_000_000


def child(kind: str, city: Path, case: dict[str, object]) -> dict[str, object]:
    window = discovery.infectious_window(date.fromisoformat(str(case["onset"])), None, None)
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    extra: dict[str, object] = {}
    if kind == "discover":
        found = discovery.discover(city, str(case["person_id"]), window)
        ids = {c.person_id for c in found}
        extra = {"candidates": len(found), "all_planted_found": set(case["true_contacts"]) <= ids}  # type: ignore[arg-type]
    else:
        con = store.connect()
        pid = con.execute(
            f"SELECT pid FROM read_parquet({store.quote(city / 'people.parquet')}) WHERE person_id = ?",
            [case["person_id"]],
        ).fetchone()[0]  # type: ignore[index]
        files = store.window_files(city, window.start, window.end)
        src = ", ".join(store.quote(f) for f in files)
        extra = {
            "rows": con.execute(f"SELECT count(*) FROM read_parquet([{src}]) WHERE pid = {int(pid)}").fetchone()[0]
        }  # type: ignore[index]
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": peak_rss_mb(), **extra}


def run_child(kind: str, city: Path, case: dict[str, object]) -> dict[str, object]:
    out = subprocess.run(  # noqa: S603 - this script, this interpreter
        [sys.executable, __file__, "--child", kind, "--city", str(city), "--case", json.dumps(case)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def import_rate(city: Path, work: Path) -> dict[str, float]:
    day = store.presence_days(city)[len(store.presence_days(city)) // 2]
    con = store.connect()
    con.execute("SET TimeZone = 'Asia/Seoul'")
    files = ", ".join(store.quote(f) for f in store.presence_files(city, day, day))
    sample = f"""SELECT pe.person_id, pl.place_id, strftime(p.start_at, '%Y-%m-%dT%H:%M:%S%z') AS start,
            strftime(p.end_at, '%Y-%m-%dT%H:%M:%S%z') AS "end", p.source::VARCHAR AS source, pl.setting, p.car
        FROM (SELECT * FROM read_parquet([{files}]) LIMIT {IMPORT_ROWS}) p
        JOIN read_parquet({store.quote(city / "people.parquet")}) pe USING (pid)
        JOIN read_parquet({store.quote(city / "places.parquet")}) pl USING (plc)"""
    out: dict[str, float] = {}
    for fmt in ("csv", "parquet"):
        path = work / f"sample.{fmt}"
        con.execute(f"COPY ({sample}) TO {store.quote(path)} (FORMAT {fmt})")
        target = work / f"store-{fmt}"
        shutil.rmtree(target, ignore_errors=True)
        began = time.perf_counter()
        result = ingest.import_presence(path, target)
        seconds = time.perf_counter() - began
        assert not result.errors, result.errors[:3]
        out[f"import_{fmt}_rows_per_second"] = result.accepted / seconds
        out[f"import_{fmt}_seconds"] = seconds
        out["import_rows"] = result.accepted
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=10_000_000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/seoul-bench/tracing"))  # noqa: S108 - bulky data, not secrets
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--child")
    ap.add_argument("--city", type=Path)
    ap.add_argument("--case")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.city, json.loads(args.case))))
        return

    city = args.dir / "city"
    figures: dict[str, object] = {"people": args.people, "days": args.days}
    if not (args.reuse and (city / "planted.json").exists()):
        shutil.rmtree(city, ignore_errors=True)
        summary = simulate.simulate(geometry(), people=args.people, days=args.days, seed=SEED, out=city)
        figures |= {
            "rows": summary.rows,
            "simulate_seconds": summary.seconds,
            "simulate_rows_per_second": summary.rows / summary.seconds,
        }
    figures["parquet_bytes"] = sum(f.stat().st_size for f in (city / "presence").rglob("*.parquet"))
    planted = json.loads((city / "planted.json").read_text())
    cases = []
    for case in planted["cases"]:
        runs: dict[str, list[dict[str, object]]] = {"discover": [], "floor": []}
        for _ in range(args.runs):
            for kind in ("floor", "discover"):
                runs[kind].append(run_child(kind, city, case))
        med = {k: statistics.median(float(r["seconds"]) for r in v) for k, v in runs.items()}  # type: ignore[arg-type]
        cpu = {k: statistics.median(float(r["cpu_seconds"]) for r in v) for k, v in runs.items()}  # type: ignore[arg-type]
        cases.append(
            {
                "case": case["person_id"],
                "discover_seconds": med["discover"],
                "discover_all_runs": [round(float(r["seconds"]), 2) for r in runs["discover"]],  # type: ignore[arg-type]
                "discover_cpu_seconds": cpu["discover"],
                "floor_seconds": med["floor"],
                "ratio_to_floor": med["discover"] / med["floor"],
                "peak_rss_mb": max(float(r["peak_rss_mb"]) for r in runs["discover"]),  # type: ignore[arg-type]
                "candidates": runs["discover"][0]["candidates"],
                "planted_contacts": len(case["true_contacts"]),
                "all_planted_found": all(bool(r["all_planted_found"]) for r in runs["discover"]),
            }
        )
    figures["cases"] = cases
    figures |= import_rate(city, args.dir)

    print(
        f"{'case':<12} {'discover s':>10} {'cpu s':>7} {'floor s':>8} {'ratio':>6} {'RSS MB':>7} {'cands':>7} planted found"
    )
    for c in cases:
        print(
            f"{c['case']:<12} {c['discover_seconds']:>10.2f} {c['discover_cpu_seconds']:>7.2f} {c['floor_seconds']:>8.2f} "
            f"{c['ratio_to_floor']:>6.2f} {c['peak_rss_mb']:>7.0f} {c['candidates']:>7} {c['planted_contacts']:>7} {c['all_planted_found']}"
        )
    if "simulate_seconds" in figures:
        print(
            f"simulate: {figures['rows']:,} rows in {figures['simulate_seconds']:.0f} s ({figures['simulate_rows_per_second']:,.0f} rows/s)"
        )
    print(f"parquet on disk: {int(figures['parquet_bytes']) / 1e9:.2f} GB")  # type: ignore[call-overload]
    print(
        f"import: CSV {figures['import_csv_rows_per_second']:,.0f} rows/s, Parquet {figures['import_parquet_rows_per_second']:,.0f} rows/s"
        f" ({figures['import_rows']:,} rows)"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
