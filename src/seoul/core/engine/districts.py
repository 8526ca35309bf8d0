"""Seoul's 25 districts (자치구): the one definition of their codes and names, shipped as data in
``core/reference/districts.csv`` (sources in ``core/reference/SOURCES.md``).

Records store a district as its row index 0..24, so rows are never reordered: the order is
the administrative code order, and a new district would be appended.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "reference" / "districts.csv"
COUNT = 25


@dataclass(frozen=True)
class District:
    index: int
    code: str  # 행정표준코드, 5 digits
    name_ko: str
    name_en: str  # romanised (국어의 로마자 표기법)

    def name(self, lang: str) -> str:
        return self.name_en if lang.startswith("en") else self.name_ko

    def __str__(self) -> str:
        return self.name_ko


@cache
def all_districts() -> tuple[District, ...]:
    with DATA.open(encoding="utf-8") as fh:
        rows = [District(i, r["code"], r["name"], r["name_en"]) for i, r in enumerate(csv.DictReader(fh))]
    if [d.index for d in rows] != list(range(COUNT)):
        raise ValueError(f"{DATA} must list the {COUNT} districts")
    return tuple(rows)


def district(index: int) -> District:
    if not 0 <= index < COUNT:
        raise KeyError(index)
    return all_districts()[index]


@cache
def spellings() -> dict[str, int]:
    """Every way a file may name a district, lower-cased, to its index: the Korean name with or
    without '구' (구로구, 구로), the romanised name with or without '-gu' (guro-gu, guro), and
    the 5-digit administrative code (11530). Movement files from outside providers use these,
    not the index."""
    out: dict[str, int] = {}
    for d in all_districts():
        en = d.name_en.lower()
        for key in (d.name_ko, d.name_ko.removesuffix("구"), en, en.removesuffix("-gu"), d.code):
            if out.setdefault(key, d.index) != d.index:
                raise ValueError(f"{DATA}: {key!r} names two districts")
    return out


def by_name(name: str) -> District:
    """The district named ``name`` (Korean or romanised, case-insensitive, with or without '-gu'),
    or given by its 5-digit code."""
    try:
        return all_districts()[spellings()[name.strip().lower()]]
    except KeyError:
        raise KeyError(name) from None


SHAPES = DATA.parent / "seoul_districts_2013_simple.geojson"


@cache
def shapes() -> dict[str, Any]:
    """The 25 districts' boundaries as a GeoJSON FeatureCollection (sources in
    ``core/reference/SOURCES.md``), each feature's properties carrying the platform's
    ``index`` and ``name_ko``/``name_en`` (joined by the Korean name: the file's ``code`` is
    Statistics Korea's census code, not the administrative one)."""
    data = json.loads(SHAPES.read_text(encoding="utf-8"))
    by_name = {d.name_ko: d for d in all_districts()}
    for feature in data["features"]:
        d = by_name[feature["properties"]["name"]]
        feature["properties"] = {"index": d.index, "name_ko": d.name_ko, "name_en": d.name_en}
    if sorted(f["properties"]["index"] for f in data["features"]) != list(range(len(by_name))):
        raise ValueError(f"{SHAPES}: not one shape per district")
    return dict(data)


def _ring_centroid(ring: list[list[float]]) -> tuple[float, float, float]:
    """Signed area and centroid (lon, lat) of one closed ring, by the shoelace formula."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    area /= 2
    return area, cx / (6 * area), cy / (6 * area)


@cache
def centroids() -> dict[int, tuple[float, float]]:
    """Each district's area centroid as (lat, lon), from the shipped boundaries (outer rings,
    weighted by area). A point for a district when nothing finer is known."""
    out: dict[int, tuple[float, float]] = {}
    for feature in shapes()["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        total = sx = sy = 0.0
        for polygon in polygons:
            area, x, y = _ring_centroid([list(p) for p in polygon[0]])
            total += area
            sx += x * area
            sy += y * area
        out[feature["properties"]["index"]] = (sy / total, sx / total)
    return out
