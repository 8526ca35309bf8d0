"""Metro reference data: one gate array per line and station of the shipped network."""

from __future__ import annotations

import csv

from django.db import transaction

from seoul.metro.engine.data import REFERENCE, network
from seoul.metro.models import Gate


def gate_code(line: str, station_code: str) -> str:
    return f"G-{line}-{station_code}"


def load() -> dict[str, int]:
    net = network()  # validates the network and tariff files, and warms the distance cache
    with (REFERENCE / "stations.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with transaction.atomic():
        for row in rows:
            Gate.objects.update_or_create(
                code=gate_code(row["line"], row["station_code"]),
                defaults={"station": row["station"], "line": row["line"]},
            )
    return {"stations": len(net.names), "gates": len(rows)}
