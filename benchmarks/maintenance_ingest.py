"""Sensor batches through the platform's whole path: the API request, per-reading checks, the
sensors' stored state, scoring, Parquet and the work-order step.

    .venv/bin/python benchmarks/maintenance_ingest.py [--devices 4] [--sensors 50] [--batch 60]
                                                      [--rounds 20] [--dir /tmp/seoul-bench/maint]

Uses a throwaway database: SQLite in DIR, or PostgreSQL when ``DATABASE_URL`` is set (then the
database must be empty or a test database). DEVICES on-board units with SENSORS sensors each
send ROUNDS batches of BATCH readings per sensor (1 Hz, so a round is a minute of a train), as
JSON to ``POST /api/v1/metro/sensor-readings`` through Django's test client in this one process.
Times each request; the engine's own rate (``benchmarks/maintenance_throughput.py``) is the
ceiling. Prints a table and one JSON line. Data stays in DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--devices", type=int, default=4)
    ap.add_argument("--sensors", type=int, default=50)
    ap.add_argument("--batch", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "seoul-bench" / "maint")
    return ap.parse_args()


ARGS = parse()
ARGS.dir.mkdir(parents=True, exist_ok=True)
if "DATABASE_URL" not in os.environ:
    for stale in ARGS.dir.glob("seoul.sqlite3*"):
        stale.unlink()
os.environ["SEOUL_VAR_DIR"] = str(ARGS.dir)
os.environ["SEOUL_METRO_READINGS_DIR"] = str(ARGS.dir / "readings")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seoul.settings")
os.environ.setdefault("SEOUL_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from seoul.core import reference as core_reference  # noqa: E402
from seoul.metro import actions  # noqa: E402
from seoul.metro.models import Asset, Sensor, WorkOrder  # noqa: E402


def main() -> None:
    call_command("migrate", verbosity=0)
    core_reference.load()
    rng = np.random.default_rng(5)
    devices = []
    for d in range(ARGS.devices):
        train = Asset.objects.create(kind=Asset.Kind.TRAIN, code=f"B-{d}", line="2")
        device, token = actions.register_device(train, f"bench {d}", actor=None)
        sensors = [
            Sensor.objects.create(
                asset=train, device=device, code=f"B-{d}-{s}", kind=Sensor.Kind.VIBRATION, low=0, high=100
            )
            for s in range(ARGS.sensors)
        ]
        devices.append((token, [s.code for s in sensors]))
    client = Client()
    start = timezone.now() - timedelta(seconds=ARGS.rounds * ARGS.batch + 60)
    times: list[float] = []
    readings = 0
    for r in range(ARGS.rounds):
        for token, codes in devices:
            items = []
            for code in codes:
                values = (
                    20
                    + 5 * np.sin(np.arange(r * ARGS.batch, (r + 1) * ARGS.batch) / 30)
                    + rng.normal(0, 0.5, ARGS.batch)
                )
                for i, v in enumerate(values.tolist()):
                    at = start + timedelta(seconds=r * ARGS.batch + i)
                    items.append({"sensor": code, "at": at.isoformat(), "value": round(v, 3)})
            body = json.dumps({"readings": items})
            t = time.perf_counter()
            response = client.post(
                "/api/v1/metro/sensor-readings",
                data=body,
                content_type="application/json",
                headers={"authorization": f"Bearer {token}"},
            )
            times.append(time.perf_counter() - t)
            if response.status_code != 200 or response.json()["accepted"] != len(items):
                raise SystemExit(f"batch refused: {response.status_code} {response.content[:300]!r}")
            readings += len(items)
    per_batch = ARGS.sensors * ARGS.batch
    total = sum(times)
    out = {
        "benchmark": "maintenance_ingest",
        "database": "postgresql" if "DATABASE_URL" in os.environ else "sqlite",
        "readings": readings,
        "readings_per_batch": per_batch,
        "batches": len(times),
        "readings_per_s": round(readings / total),
        "median_batch_ms": round(statistics.median(times) * 1000, 1),
        "p95_batch_ms": round(sorted(times)[int(0.95 * (len(times) - 1))] * 1000, 1),
        "work_orders": WorkOrder.objects.count(),
    }
    print(f"{readings:,} readings in {len(times)} requests of {per_batch:,} ({ARGS.sensors} sensors × {ARGS.batch})")
    print(
        f"  {out['readings_per_s']:,} readings/s in one process; batch median {out['median_batch_ms']} ms, "
        f"p95 {out['p95_batch_ms']} ms; {out['work_orders']} work orders"
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
