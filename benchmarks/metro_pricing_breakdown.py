"""Where the batch pricing pass spends its time: computing versus writing the charges.

    .venv/bin/python benchmarks/metro_pricing_breakdown.py [--journeys 10000000] [--runs 2] [--dir /tmp]

Uses the journeys file ``benchmarks/metro_pricing.py`` leaves in DIR (simulates it when
missing). In one DuckDB connection (2 threads, lookup tables loaded once) it times the pricing
SQL with its result only aggregated (nothing written), then written as Parquet with each
writer setting (DuckDB's default; what ``price`` writes: format 2 pages without a dictionary
for integers; that with other compressions), with only the journey id and fare written, the
14 charge columns written from an in-memory table (the write alone, with the default and with
``price``'s settings), the read floor, and pyarrow reading the same file. Prints medians of
``--runs`` and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from metro_pricing import DAY, READ_FLOOR, SEED, reference  # noqa: E402

from seoul.metro.engine import batch  # noqa: E402
from seoul.metro.engine.simulate import simulate  # noqa: E402

COLUMNS = [
    "journey_id",
    "integrated",
    "tariff_version",
    "distance_m",
    "base",
    "early_bird_discount",
    "distance_steps",
    "distance_surcharge",
    "separate_surcharge",
    "cash_extra",
    "bus_charge",
    "subway_charge",
    "fare",
    "error",
]
WRITES = {
    "default": "FORMAT parquet",
    "price's": batch.WRITE_OPTIONS,
    "price's, zstd": f"{batch.WRITE_OPTIONS}, COMPRESSION zstd",
    "price's, uncompressed": f"{batch.WRITE_OPTIONS}, COMPRESSION uncompressed",
}


def timed(con: object, work: str | Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one SQL statement (result fetched) or one call."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    if callable(work):
        work()
    else:
        con.execute(work).fetchall()  # type: ignore[attr-defined]
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--journeys", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    src = args.dir / f"metro-journeys-{args.journeys}.parquet"
    net, tariffs = reference()
    if not src.exists():
        simulate(net, args.journeys, DAY, SEED, src)  # type: ignore[arg-type]
    facts = batch.check_input(src, net)  # type: ignore[arg-type]
    con = batch.connect()
    batch.load_lookups(con, net, tariffs, facts)  # type: ignore[arg-type]
    source = f"read_parquet({batch._quote(src)})"
    sql = batch.pricing_sql(net, tariffs, source, facts)  # type: ignore[arg-type]
    narrow = args.dir / "metro-breakdown-narrow.parquet"
    table_out = args.dir / "metro-breakdown-from-table.parquet"
    con.execute(f"CREATE TEMP TABLE charges AS {sql}")  # untimed: the write-alone variant reads it
    variants: dict[str, str | Callable[[], object]] = {
        "read floor": READ_FLOOR.format(src=batch._quote(src)),
        "read with pyarrow": lambda: pq.read_table(src),
        "price, aggregated only": f"SELECT count(*), {', '.join(f'count({c})' for c in COLUMNS)} FROM ({sql})",
        "price, id and fare written": (
            f"COPY (SELECT journey_id, fare FROM ({sql})) TO {batch._quote(narrow)} ({batch.WRITE_OPTIONS})"
        ),
        "14 columns from memory (default)": f"COPY charges TO {batch._quote(table_out)} (FORMAT parquet)",
        "14 columns from memory (price's)": f"COPY charges TO {batch._quote(table_out)} ({batch.WRITE_OPTIONS})",
    }
    outputs = {}
    for i, (label, options) in enumerate(WRITES.items()):
        outputs[label] = args.dir / f"metro-breakdown-{i}.parquet"
        variants[f"price, written ({label})"] = f"COPY ({sql}) TO {batch._quote(outputs[label])} ({options})"
    figures = {}
    for name, text in variants.items():
        runs = [timed(con, text) for _ in range(args.runs)]
        figures[name] = {
            "wall": round(statistics.median(r[0] for r in runs), 2),
            "cpu": round(statistics.median(r[1] for r in runs), 2),
        }
    for label, path in outputs.items():
        figures[f"price, written ({label})"]["output_mb"] = round(path.stat().st_size / 1e6, 1)
        path.unlink()
    narrow.unlink()
    table_out.unlink()
    floor = figures["read floor"]["wall"]
    print(f"{'measure':<40} {'wall s':>7} {'cpu s':>7} {'x read':>7} {'output MB':>10}")
    for name, f in figures.items():
        print(f"{name:<40} {f['wall']:>7.2f} {f['cpu']:>7.2f} {f['wall'] / floor:>7.1f} {f.get('output_mb', ''):>10}")
    print(json.dumps({"journeys": args.journeys, "runs": args.runs, **figures}))


if __name__ == "__main__":
    main()
