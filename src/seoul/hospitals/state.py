"""The network's live state as the database holds it, read by both the actions and the pages:
which hospitals take patients, where they are, each one's newest good report and the beds still
free after the offers made since."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db.models import Max, Q, QuerySet

from seoul.core.engine.districts import centroids
from seoul.hospitals.engine.network import Need, Site
from seoul.hospitals.engine.report import TIERS, BedKind, Freshness, Tier, freshness
from seoul.hospitals.models import CapacityReport, DistrictRegion, Hospital, Patient, Region, Transfer


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


def region_codes() -> dict[int, str]:
    """District index → code of its sub-region."""
    return {dr.district: dr.region.code for dr in DistrictRegion.objects.select_related("region")}


def site(h: Hospital, regions_by_district: dict[int, str]) -> Site:
    lat, lon, _exact = position(h)
    return Site(h.code, lat, lon, regions_by_district.get(h.district, ""), frozenset(Need(n) for n in h.capabilities))


def free_beds(hospitals: list[Hospital]) -> dict[tuple[str, Tier], int]:
    """Beds free now per (hospital code, tier): the newest report's available beds, less the
    beds offered or taken since it was sent (offers pending, admissions and transfers in)."""
    reports = latest_reports([h.pk for h in hospitals])
    code = {h.pk: h.code for h in hospitals}
    free: dict[tuple[str, Tier], int] = defaultdict(int)
    since: dict[int, datetime] = {}
    for hospital_id, r in reports.items():
        since[hospital_id] = r.submitted_at
        for b in r.beds.all():
            if b.kind != BedKind.ISOLATION:
                free[code[hospital_id], Tier(b.kind)] += b.available
    taken = Patient.objects.filter(hospital_id__in=list(reports)).filter(
        Q(status=Patient.Status.OFFERED) | Q(status=Patient.Status.ADMITTED)
    )
    for p in taken.only("hospital_id", "bed", "status", "offered_at", "admitted_at"):
        at = int(p.hospital_id or 0)
        if p.status == Patient.Status.OFFERED or (p.admitted_at and p.admitted_at > since[at]):
            free[code[at], Tier(p.bed)] -= 1
    for t in Transfer.objects.filter(to_hospital_id__in=list(reports), status=Transfer.Status.OFFERED):
        free[code[t.to_hospital_id], Tier(t.to_bed)] -= 1
    return {key: max(0, n) for key, n in free.items() if key[1] in TIERS}


def trusted_hospitals(now: datetime) -> tuple[list[Hospital], list[Hospital]]:
    """(hospitals whose newest report may be placed on, those left out because it is stale —
    two days old or more, or missing: their free beds are not known)."""
    hospitals = list(hospitals_in(None))
    reports = latest_reports([h.pk for h in hospitals])
    trusted: list[Hospital] = []
    stale: list[Hospital] = []
    for h in hospitals:
        r = reports.get(h.pk)
        (stale if freshness(r.day if r else None, now) is Freshness.STALE else trusted).append(h)
    return trusted, stale
