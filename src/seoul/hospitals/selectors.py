"""Reads for the hospital network's pages and API: the register, the newest good report of
each hospital, the control-tower board (per region or citywide) and the public summary."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Max, Q, QuerySet, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from seoul.core.engine.districts import centroids, shapes
from seoul.hospitals.engine.network import Need, Site
from seoul.hospitals.engine.report import (
    BED_KINDS,
    BedKind,
    Beds,
    DailyReport,
    Freshness,
    Profession,
    Staff,
    Stock,
    Supply,
    Tier,
    freshness,
)
from seoul.hospitals.engine.simulate import SimHospital
from seoul.hospitals.labels import KIND_SHORT, SUPPLY_LABELS
from seoul.hospitals.models import BedCount, CapacityReport, DistrictRegion, Hospital, Region

TREND_DAYS = 60


def regions() -> QuerySet[Region]:
    return Region.objects.select_related("control_tower")


def region_of_district() -> dict[int, Region]:
    return {dr.district: dr.region for dr in DistrictRegion.objects.select_related("region")}


def hospitals_in(region: Region | None) -> QuerySet[Hospital]:
    """Active hospitals with inpatient beds (not, say, a dental outpatient hospital), of
    ``region`` (by their district) when one is given."""
    qs = Hospital.objects.filter(active=True).exclude(licensed_beds=0)
    if region is not None:
        qs = qs.filter(district__in=DistrictRegion.objects.filter(region=region).values("district"))
    return qs.order_by("kind", "code")


def position(h: Hospital) -> tuple[float, float, bool]:
    """(lat, lon, exact): the hospital's coordinates, or its district's centre (not exact)."""
    if h.lat is not None and h.lon is not None:
        return h.lat, h.lon, h.coord_quality != Hospital.CoordQuality.NONE
    lat, lon = centroids()[h.district]
    return lat, lon, False


def latest_reports(hospital_ids: list[int]) -> dict[int, CapacityReport]:
    """Each hospital's newest accepted report, with its bed counts."""
    newest = (
        CapacityReport.objects.filter(status=CapacityReport.Status.ACCEPTED, hospital_id__in=hospital_ids)
        .values("hospital_id")
        .annotate(last=Max("day"))
    )
    rule = Q(pk__in=[])
    for row in newest:
        rule |= Q(hospital_id=row["hospital_id"], day=row["last"])
    reports = CapacityReport.objects.filter(rule, status=CapacityReport.Status.ACCEPTED).prefetch_related("beds")
    return {r.hospital_id: r for r in reports}


@dataclass
class Figures:
    total: int = 0
    occupied: int = 0
    staffed: int = 0
    available: int = 0

    def add(self, b: BedCount | Figures) -> None:
        self.total += b.total
        self.occupied += b.occupied
        self.staffed += b.staffed
        self.available += b.available

    @property
    def occupancy(self) -> int | None:
        return round(100 * self.occupied / self.total) if self.total else None


@dataclass
class HospitalRow:
    hospital: Hospital
    region: Region | None
    report: CapacityReport | None
    freshness: Freshness
    beds: dict[str, Figures] = field(default_factory=dict)
    lowest_supply: tuple[str, float] | None = None  # (supply, days of supply)
    staff_short: int = 0

    @property
    def freshness_badge(self) -> tuple[str, str]:
        """(badge kind, words) for how current the hospital's report is."""
        return {
            Freshness.FRESH: ("success", _("On time")),
            Freshness.LATE: ("warning", _("Late: due by noon")),
            Freshness.STALE: ("danger", _("Stale: none for two days")),
        }[self.freshness]

    @property
    def lowest_supply_label(self) -> str:
        return str(SUPPLY_LABELS[Supply(self.lowest_supply[0])]) if self.lowest_supply else ""

    def kind(self, k: str) -> Figures:
        return self.beds.get(k, Figures())

    @property
    def by_kind(self) -> list[Figures]:
        return [self.kind(k) for k in BED_KINDS]


@dataclass
class Board:
    region: Region | None
    rows: list[HospitalRow]
    totals: dict[str, Figures]
    now: datetime

    @property
    def alerts(self) -> list[HospitalRow]:
        return [r for r in self.rows if r.freshness is not Freshness.FRESH]

    @property
    def totals_by_kind(self) -> list[tuple[str, Figures]]:
        """(the kind's name in the page's language, its figures) for every kind of bed."""
        return [(kind_label(k), self.totals.get(k, Figures())) for k in BED_KINDS]


def board(*, region: Region | None, now: datetime) -> Board:
    hospitals = list(hospitals_in(region))
    reports = latest_reports([h.pk for h in hospitals])
    by_district = region_of_district()
    rows: list[HospitalRow] = []
    totals: dict[str, Figures] = defaultdict(Figures)
    for h in hospitals:
        r = reports.get(h.pk)
        row = HospitalRow(h, by_district.get(h.district), r, freshness(r.day if r else None, now))
        if r is not None:
            for b in r.beds.all():
                row.beds[b.kind] = Figures(b.total, b.occupied, b.staffed, b.available)
                totals[b.kind].add(b)
            supplies = [(k, float(v["days_of_supply"])) for k, v in (r.supplies or {}).items()]
            row.lowest_supply = min(supplies, key=lambda kv: kv[1]) if supplies else None
            row.staff_short = sum(int(v.get("short", 0)) for v in (r.staff or {}).values())
        rows.append(row)
    return Board(region, rows, dict(totals), now)


def trend(hospital_ids: list[int], *, until: date, days: int = TREND_DAYS) -> list[dict[str, Any]]:
    """Per day and bed kind over ``days`` days up to ``until``: beds, occupied, available
    (accepted reports of ``hospital_ids``)."""
    rows = (
        BedCount.objects.filter(
            report__status=CapacityReport.Status.ACCEPTED,
            report__hospital_id__in=hospital_ids,
            report__day__gt=until - timedelta(days=days),
            report__day__lte=until,
        )
        .values("report__day", "kind")
        .annotate(total=Sum("total"), occupied=Sum("occupied"), available=Sum("available"))
        .order_by("report__day", "kind")
    )
    return [
        {
            "day": r["report__day"],
            "kind": r["kind"],
            "total": r["total"],
            "occupied": r["occupied"],
            "available": r["available"],
        }
        for r in rows
    ]


# ---- charts ------------------------------------------------------------------------------


def kind_label(kind: str) -> str:
    return str(KIND_SHORT[BedKind(kind)])


def trend_spec(points: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """A Vega-Lite line chart of occupancy (%) per tier and day."""
    values = [
        {
            "day": p["day"].isoformat(),
            "tier": kind_label(p["kind"]),
            "occupancy": round(100 * p["occupied"] / p["total"], 1),
        }
        for p in points
        if p["total"] and p["kind"] != BedKind.ISOLATION
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": title,
        "width": "container",
        "height": 240,
        "data": {"values": values},
        "mark": {"type": "line", "point": False, "tooltip": True},
        "encoding": {
            "x": {"field": "day", "type": "temporal", "title": _("Day"), "axis": {"format": "%m-%d"}},
            "y": {
                "field": "occupancy",
                "type": "quantitative",
                "title": _("Occupied (%)"),
                "scale": {"domain": [0, 100]},
            },
            "color": {"field": "tier", "type": "nominal", "title": _("Tier"), "legend": {"orient": "bottom"}},
        },
    }


def map_spec(rows: list[HospitalRow], title: str) -> dict[str, Any]:
    """Seoul's districts (shaded by sub-region) with each hospital as a point sized by its
    available beds and coloured by how fresh its report is."""
    english = (get_language() or "ko").startswith("en")
    by_district = region_of_district()
    districts = []
    for feature in shapes()["features"]:
        props = feature["properties"]
        region = by_district.get(props["index"])
        districts.append(
            {
                "type": "Feature",
                "geometry": feature["geometry"],
                "properties": {
                    "district": props["name_en"] if english else props["name_ko"],
                    "region": region.name if region else "",
                },
            }
        )
    fresh_words = {
        Freshness.FRESH: _("Report on time"),
        Freshness.LATE: _("Report late"),
        Freshness.STALE: _("Report stale"),
    }
    points = []
    for r in rows:
        lat, lon, exact = position(r.hospital)
        available = sum(f.available for k, f in r.beds.items() if k != BedKind.ISOLATION)
        points.append(
            {
                "lat": lat,
                "lon": lon,
                "hospital": r.hospital.name + ("" if exact else " " + _("(district centre)")),
                "available": available,
                "report": str(fresh_words[r.freshness]),
            }
        )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": title,
        "width": "container",
        "height": 380,
        "projection": {"type": "mercator"},
        "layer": [
            {
                "data": {
                    "values": {"type": "FeatureCollection", "features": districts},
                    "format": {"property": "features"},
                },
                "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 1, "tooltip": True},
                "encoding": {
                    "color": {
                        "field": "properties.region",
                        "type": "nominal",
                        "title": _("Sub-region"),
                        "scale": {"range": ["#dbe8fb", "#e4f2e6", "#fbeedd", "#efe3f6"]},
                        "legend": {"orient": "bottom"},
                    },
                    "tooltip": [
                        {"field": "properties.district", "type": "nominal", "title": _("District")},
                        {"field": "properties.region", "type": "nominal", "title": _("Sub-region")},
                    ],
                },
            },
            {
                "data": {"values": points},
                "mark": {"type": "circle", "stroke": "#1e2124", "strokeWidth": 1, "opacity": 0.9, "tooltip": True},
                "encoding": {
                    "longitude": {"field": "lon", "type": "quantitative"},
                    "latitude": {"field": "lat", "type": "quantitative"},
                    "size": {
                        "field": "available",
                        "type": "quantitative",
                        "title": _("Available beds"),
                        "scale": {"range": [40, 600]},
                    },
                    "fill": {
                        "field": "report",
                        "type": "nominal",
                        "title": _("Report"),
                        "scale": {
                            "domain": [str(fresh_words[f]) for f in Freshness],
                            "range": ["#228738", "#c78500", "#d63d4a"],
                        },
                        "legend": {"orient": "bottom"},
                    },
                    "tooltip": [
                        {"field": "hospital", "type": "nominal", "title": _("Hospital")},
                        {"field": "available", "type": "quantitative", "title": _("Available beds")},
                        {"field": "report", "type": "nominal", "title": _("Report")},
                    ],
                },
            },
        ],
    }


# ---- the network as the placement engine sees it ------------------------------------------


def region_codes() -> dict[int, str]:
    """District index → code of its sub-region."""
    return {dr.district: dr.region.code for dr in DistrictRegion.objects.select_related("region")}


def site(h: Hospital, regions_by_district: dict[int, str]) -> Site:
    lat, lon, _exact = position(h)
    return Site(h.code, lat, lon, regions_by_district.get(h.district, ""), frozenset(Need(n) for n in h.capabilities))


def network() -> dict[str, SimHospital]:
    """Every active hospital with its newest accepted report: staffed beds and occupied beds
    per tier (a hospital that never reported is left out)."""
    regions_by_district = region_codes()
    hospitals = list(hospitals_in(None))
    reports = latest_reports([h.pk for h in hospitals])
    out: dict[str, SimHospital] = {}
    for h in hospitals:
        r = reports.get(h.pk)
        if r is None:
            continue
        beds = {Tier(b.kind): b.staffed for b in r.beds.all() if b.kind != BedKind.ISOLATION}
        occupied = {Tier(b.kind): min(b.occupied, b.staffed) for b in r.beds.all() if b.kind != BedKind.ISOLATION}
        out[h.code] = SimHospital(site(h, regions_by_district), beds, occupied)
    return out


def as_daily_report(row: CapacityReport) -> DailyReport:
    """A stored report in the engine's shape (for the FHIR interface and exports)."""
    return DailyReport(
        hospital=row.hospital.code,
        day=row.day,
        beds={BedKind(b.kind): Beds(b.total, b.occupied, b.staffed, b.available) for b in row.beds.all()},
        admissions=row.admissions,
        discharges=row.discharges,
        deaths=row.deaths,
        staff={Profession(p): Staff(int(s["on_duty"]), int(s["short"])) for p, s in (row.staff or {}).items()},
        supplies={
            Supply(k): Stock(int(s["on_hand"]), float(s["days_of_supply"])) for k, s in (row.supplies or {}).items()
        },
        forecast=tuple(int(v) for v in row.forecast or []),
    )


def accepted_report(code: str, day: date) -> CapacityReport | None:
    return (
        CapacityReport.objects.filter(hospital__code=code, day=day, status=CapacityReport.Status.ACCEPTED)
        .select_related("hospital")
        .prefetch_related("beds")
        .first()
    )
