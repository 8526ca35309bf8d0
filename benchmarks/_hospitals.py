"""Shared by the hospital-network benchmarks: Seoul's districts as the placement engine sees
them, read without Django.

- each district's point: its area centroid (``seoul.core.engine.districts.centroids``), where
  the simulation puts a district's patients and a hospital without coordinates;
- its medical sub-region: ``hospitals/reference/district_regions.csv`` read with the csv module
  (the same file ``seoul load-reference`` loads, so the figures match the database's mapping
  until an administrator edits it);
- its population in thousands (``core/reference/districts.csv``), to weight where patients live.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from seoul.core.engine.districts import DATA as DISTRICTS_CSV  # noqa: E402 - after the path
from seoul.core.engine.districts import all_districts, by_name, centroids  # noqa: E402

DISTRICT_REGIONS_CSV = ROOT / "src" / "seoul" / "hospitals" / "reference" / "district_regions.csv"


def district_regions() -> dict[int, str]:
    """District index → code of its medical sub-region (NE, NW, SW, SE)."""
    with DISTRICT_REGIONS_CSV.open(encoding="utf-8", newline="") as fh:
        return {by_name(row["district"]).index: row["region"] for row in csv.DictReader(fh)}


def populations() -> dict[int, float]:
    """District index → residents in thousands."""
    with DISTRICTS_CSV.open(encoding="utf-8", newline="") as fh:
        return {i: float(row["population_k"]) for i, row in enumerate(csv.DictReader(fh))}


def district_points() -> dict[int, tuple[float, float]]:
    return centroids()


def english_name(index: int) -> str:
    return all_districts()[index].name_en
