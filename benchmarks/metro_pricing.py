"""City-scale batch pricing: 10 million journeys priced in one DuckDB pass, against its floor.

    .venv/bin/python benchmarks/metro_pricing.py [--journeys 10000000] [--runs 3] [--dir /tmp]

1. Simulates the journeys (``seoul.metro.engine.simulate``) into DIR (timed once), and builds
   the lookup tables into DIR/metro-derived (timed once: a deployment builds the pair table
   once per version of the network and tariff data and the combination table once per tariff
   era, ``seoul.metro.engine.derived``).
2. Alternates, ``--runs`` times, in fresh child processes (so each peak RSS is its own):
   - pricing: ``batch.price_file`` end to end (input checks, lookup tables read from
     DIR/metro-derived, the one SQL pass writing the charges parquet, the summary);
   - read floor: the same DuckDB settings (2 threads) decoding every column of the same file,
     ``SELECT count(*), sum(journey_id), sum(epoch_us(entry_at)), …, sum(length(category)), …``
     (sums and lengths, not min/max, so no column is answered from parquet statistics);
   - copy floor: ``COPY (SELECT * FROM file) TO parquet`` — read every column and write them
     back out, i.e. the read floor plus writing a file of the same size class.
3. Prints a table of medians (wall and CPU seconds, peak RSS) and one JSON line.

The machine is shared (2 cores); wall times move with other load, so CPU seconds are shown too
and the ratios use medians of interleaved runs. Data goes to DIR, never into the repository.
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
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from _measure import peak_rss_mb  # noqa: E402

from seoul.metro.engine import batch  # noqa: E402
from seoul.metro.engine.fares import load_tariffs  # noqa: E402
from seoul.metro.engine.network import load_network  # noqa: E402
from seoul.metro.engine.simulate import simulate  # noqa: E402

REFERENCE = ROOT / "src" / "seoul" / "metro" / "reference"
DAY = date(2025, 11, 25)
SEED = 1

READ_FLOOR = """SELECT count(*), sum(journey_id), sum(epoch_us(entry_at)), sum(epoch_us(exit_at)), sum(origin),
    sum(destination), count_if(via_sbd), sum(length(category)), sum(length(payment)), sum(length(bus_mode)),
    sum(epoch_us(bus_board_at)), sum(epoch_us(bus_alight_at)), sum(bus_metres)
FROM read_parquet({src})"""
COPY_FLOOR = "COPY (SELECT * FROM read_parquet({src})) TO {out} (FORMAT parquet)"


def reference() -> tuple[object, object]:
    tariffs = load_tariffs(REFERENCE / "tariffs.json")
    net = load_network(REFERENCE, tariffs.separately_charged_lines)
    net.all_lines, net.integrated  # noqa: B018 - the matrices, before any clock starts
    return net, tariffs


def derived_dir(src: Path) -> Path:
    return src.parent / "metro-derived"


def child(kind: str, src: Path, out: Path) -> dict[str, float]:
    """Run one measurement in this (fresh) process and return its figures."""
    net, tariffs = reference()
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    extra: dict[str, float] = {}
    if kind == "price":
        result = batch.price_file(net, tariffs, src, out, derived_dir=derived_dir(src))  # type: ignore[arg-type]
        extra = {"pass_seconds": result.pass_seconds, "lookup_seconds": result.lookup_seconds, "rows": result.rows}
        extra |= {"revenue": result.revenue, "errors": result.errors}
    else:
        con = batch.connect()
        q = batch._quote
        sql = READ_FLOOR if kind == "read" else COPY_FLOOR
        con.execute(sql.format(src=q(src), out=q(out))).fetchall()
        con.close()
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": peak_rss_mb(), **extra}


def measure(kind: str, src: Path, out: Path) -> dict[str, float]:
    proc = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--child", kind, "--src", str(src), "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--journeys", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    ap.add_argument("--child", choices=["price", "read", "copy"])
    ap.add_argument("--src", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    if args.child:
        print(json.dumps(child(args.child, args.src, args.out)))
        return

    src = args.dir / f"metro-journeys-{args.journeys}.parquet"
    out = args.dir / f"metro-charges-{args.journeys}.parquet"
    floor_out = args.dir / f"metro-copy-floor-{args.journeys}.parquet"
    net, tariffs = reference()
    start = time.perf_counter()
    simulate(net, args.journeys, DAY, SEED, src)  # type: ignore[arg-type]
    sim_seconds = time.perf_counter() - start
    shutil.rmtree(derived_dir(src), ignore_errors=True)
    start = time.perf_counter()
    con = batch.connect()
    batch.load_lookups(con, net, tariffs, batch.check_input(src, net), derived_dir(src))  # type: ignore[arg-type]
    con.close()
    derive_seconds = time.perf_counter() - start
    load_before = os.getloadavg()[0]

    runs: dict[str, list[dict[str, float]]] = {"price": [], "read": [], "copy": []}
    for _ in range(args.runs):
        for kind in ("read", "price", "copy"):
            runs[kind].append(measure(kind, src, floor_out if kind == "copy" else out))

    def med(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[kind])

    price, read, copy = (med(k, "seconds") for k in ("price", "read", "copy"))
    report = {
        "journeys": args.journeys,
        "input_mb": round(src.stat().st_size / 1e6, 1),
        "output_mb": round(out.stat().st_size / 1e6, 1),
        "simulate_seconds": round(sim_seconds, 2),
        "derive_seconds": round(derive_seconds, 2),
        "price_seconds": round(price, 2),
        "price_pass_seconds": round(med("price", "pass_seconds"), 2),
        "price_lookup_seconds": round(med("price", "lookup_seconds"), 2),
        "price_cpu_seconds": round(med("price", "cpu_seconds"), 2),
        "read_floor_seconds": round(read, 2),
        "read_floor_cpu_seconds": round(med("read", "cpu_seconds"), 2),
        "copy_floor_seconds": round(copy, 2),
        "copy_floor_cpu_seconds": round(med("copy", "cpu_seconds"), 2),
        "ratio_to_read_floor": round(price / read, 2),
        "pass_ratio_to_read_floor": round(med("price", "pass_seconds") / read, 2),
        "cpu_ratio_to_read_floor": round(med("price", "cpu_seconds") / med("read", "cpu_seconds"), 2),
        "ratio_to_copy_floor": round(price / copy, 2),
        "price_peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs["price"])),
        "floor_peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs["read"] + runs["copy"])),
        "revenue_won": int(runs["price"][0]["revenue"]),
        "errors": int(runs["price"][0]["errors"]),
        "runs": args.runs,
        "all_price_seconds": [round(r["seconds"], 2) for r in runs["price"]],
        "all_read_floor_seconds": [round(r["seconds"], 2) for r in runs["read"]],
        "load_average_at_start": round(load_before, 2),
        "cores": os.cpu_count(),
    }
    for path in (out, floor_out):
        path.unlink(missing_ok=True)

    print(f"{'measure':<34}{'wall s':>10}{'cpu s':>10}{'peak RSS MB':>14}")
    print(f"{'simulate ' + format(args.journeys, ','):<34}{sim_seconds:>10.2f}")
    print(f"{'lookup tables built once':<34}{derive_seconds:>10.2f}")
    for label, kind in (("price (end to end)", "price"), ("read floor (all columns)", "read"), ("copy floor", "copy")):
        rss = max(r["peak_rss_mb"] for r in runs[kind])
        print(f"{label:<34}{med(kind, 'seconds'):>10.2f}{med(kind, 'cpu_seconds'):>10.2f}{rss:>14.0f}")
    print(f"{'  of which the SQL pass':<34}{med('price', 'pass_seconds'):>10.2f}")
    print(
        f"ratio to read floor {report['ratio_to_read_floor']}x wall (SQL pass alone"
        f" {report['pass_ratio_to_read_floor']}x), {report['cpu_ratio_to_read_floor']}x cpu;"
        f" to copy floor {report['ratio_to_copy_floor']}x; revenue {report['revenue_won']:,} won"
    )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
