"""Reads for the hospital network's pages and API: the register, the newest good report of
each hospital, the control-tower board (per region or citywide) and the public summary."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Min, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from seoul.core.engine.districts import shapes
from seoul.core.roles import Role, Service
from seoul.hospitals.engine.placement import WaitReason
from seoul.hospitals.engine.report import (
    BED_KINDS,
    TIERS,
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
from seoul.hospitals.labels import KIND_IN_SENTENCE, KIND_SHORT, SUPPLY_LABELS
from seoul.hospitals.models import (
    BedCount,
    CapacityReport,
    DistrictRegion,
    Hospital,
    Loan,
    Patient,
    Proposal,
    ProposalLine,
    Region,
    ResourceRequest,
    Transfer,
    coordinated_regions,
    reporting_hospitals,
)
from seoul.hospitals.state import (
    free_beds,
    hospitals_in,
    latest_reports,
    position,
    region_codes,
    region_of_district,
    site,
    trusted_hospitals,
)

TREND_DAYS = 60


def district_regions() -> QuerySet[DistrictRegion]:
    return DistrictRegion.objects.select_related("region", "updated_by").order_by("district")


def regions() -> QuerySet[Region]:
    return Region.objects.select_related("control_tower")


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
class Waiting:
    """Patients waiting for a bed (counts only): per tier, how many and the longest wait."""

    tier: str
    label: str
    count: int
    longest_hours: float | None


@dataclass
class Board:
    region: Region | None
    rows: list[HospitalRow]
    totals: dict[str, Figures]
    now: datetime
    waiting: list[Waiting] = field(default_factory=list)

    @property
    def alerts(self) -> list[HospitalRow]:
        return [r for r in self.rows if r.freshness is not Freshness.FRESH]

    @property
    def totals_by_kind(self) -> list[tuple[str, Figures]]:
        """(the kind's name in the page's language, its figures) for every kind of bed."""
        return [(kind_label(k), self.totals.get(k, Figures())) for k in BED_KINDS]


def board(*, region: Region | None, now: datetime, current_only: bool = False) -> Board:
    """The region's (or the city's) hospitals with their newest reports; ``current_only``
    leaves stale reports out of the totals (the public summary counts only current figures)."""
    hospitals = list(hospitals_in(region))
    reports = latest_reports([h.pk for h in hospitals])
    by_district = region_of_district()
    rows: list[HospitalRow] = []
    totals: dict[str, Figures] = defaultdict(Figures)
    for h in hospitals:
        r = reports.get(h.pk)
        row = HospitalRow(h, by_district.get(h.district), r, freshness(r.day if r else None, now))
        if r is not None:
            counted = not (current_only and row.freshness is Freshness.STALE)
            for b in r.beds.all():
                row.beds[b.kind] = Figures(b.total, b.occupied, b.staffed, b.available)
                if counted:
                    totals[b.kind].add(b)
            supplies = [(k, float(v["days_of_supply"])) for k, v in (r.supplies or {}).items()]
            row.lowest_supply = min(supplies, key=lambda kv: kv[1]) if supplies else None
            row.staff_short = sum(int(v.get("short", 0)) for v in (r.staff or {}).values())
        rows.append(row)
    return Board(region, rows, dict(totals), now, waiting_counts(region, now))


def waiting_counts(region: Region | None, now: datetime) -> list[Waiting]:
    """How many patients wait for a bed (or for a hospital's answer) per tier, and the
    longest wait, in ``region`` (by where they are) or the whole city. No one is named."""
    qs = Patient.objects.filter(status__in=[Patient.Status.WAITING, Patient.Status.OFFERED])
    if region is not None:
        qs = qs.filter(district__in=DistrictRegion.objects.filter(region=region).values("district"))
    oldest = dict(qs.values("tier").annotate(first=Min("requested_at"), n=Count("pk")).values_list("tier", "first"))
    counts = dict(qs.values("tier").annotate(n=Count("pk")).values_list("tier", "n"))
    out = []
    for tier in reversed(TIERS):
        first = oldest.get(tier.value)
        hours = (now - first).total_seconds() / 3600 if first else None
        out.append(Waiting(tier.value, kind_label(tier.value), counts.get(tier.value, 0), hours))
    return out


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
                        "legend": {"symbolType": "circle", "orient": "bottom"},
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


# ---- patients, proposals, offers ------------------------------------------------------------


def waiting_patients(user: Any, *, region: Region | None = None, tier: str = "") -> QuerySet[Patient]:
    """Patients ``user`` may see who wait for a bed or for a hospital's answer, longest first."""
    qs = Patient.objects.visible_to(user).filter(status__in=[Patient.Status.WAITING, Patient.Status.OFFERED])
    if region is not None:
        qs = qs.filter(district__in=DistrictRegion.objects.filter(region=region).values("district"))
    if tier:
        qs = qs.filter(tier=tier)
    return qs.select_related("hospital").order_by("requested_at")


def patient(user: Any, reference: str) -> Patient:
    """The patient ``reference`` if ``user`` may see them (Http404 otherwise: the page does not
    say whether such a patient exists)."""
    found = (
        Patient.objects.visible_to(user).select_related("hospital", "requested_by").filter(reference=reference).first()
    )
    if found is None:
        raise Http404
    return found


def proposal(user: Any, pk: int) -> Proposal:
    regions = coordinated_regions(user)
    qs = Proposal.objects.select_related("region", "created_by")
    if regions is not None:
        qs = qs.filter(region__in=regions)
    found = qs.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def proposal_lines(p: Proposal) -> list[ProposalLine]:
    return list(
        p.lines.select_related("patient", "patient__hospital", "hospital", "decided_hospital").order_by("kind", "pk")
    )


def line_reasons(line: ProposalLine) -> list[str]:
    """Why the solver proposed what it did for this line, in plain words."""
    tier = Tier(line.patient.tier)
    out: list[str] = []
    if line.kind == ProposalLine.Kind.WAIT:
        if line.wait_reason == WaitReason.NO_CAPABLE_HOSPITAL:
            out.append(_("No hospital with a current report offers this patient's special needs."))
        else:
            out.append(_("No free staffed bed of this tier or above in any hospital that can treat the patient."))
        return out
    bed = Tier(line.bed)
    words = {"bed": str(KIND_IN_SENTENCE[BedKind(bed.value)]), "tier": str(KIND_IN_SENTENCE[BedKind(tier.value)])}
    if line.kind == ProposalLine.Kind.MOVE:
        held = Tier(line.patient.bed) if line.patient.bed else bed
        out.append(
            _("Steps down to a %(bed)s bed to free a %(held)s bed for a more severe patient who is waiting.")
            % {**words, "held": str(KIND_IN_SENTENCE[BedKind(held.value)])}
        )
        return out
    if line.km < 1:
        out.append(_("In or next to the patient's district."))
    else:
        out.append(
            _("About %(minutes)d minutes by road (%(km).1f km).") % {"minutes": round(line.minutes), "km": line.km}
        )
    if line.cross_region:
        out.append(_("No free bed of this tier in the patient's own sub-region: a hospital in another sub-region."))
    if bed.rank > tier.rank:
        out.append(_("No free %(tier)s bed within reach: a %(bed)s bed for now.") % words)
    if not line.cross_region and bed.rank == tier.rank:
        out.append(_("A %(bed)s bed in the patient's own sub-region.") % words)
    return out


def offers_for(user: Any) -> dict[str, Any]:
    """What waits for a hospital's answer: bed offers and transfers to its hospitals, and its
    admitted patients."""
    mine = reporting_hospitals(user)
    return {
        "offers": Patient.objects.filter(hospital__in=mine, status=Patient.Status.OFFERED).select_related("hospital"),
        "transfers": Transfer.objects.filter(to_hospital__in=mine, status=Transfer.Status.OFFERED).select_related(
            "patient", "from_hospital", "to_hospital"
        ),
        "admitted": Patient.objects.filter(hospital__in=mine, status=Patient.Status.ADMITTED).select_related(
            "hospital"
        ),
    }


def left_out(p: Proposal) -> list[Hospital]:
    return list(Hospital.objects.filter(code__in=p.left_out))


def bed_choices(now: datetime) -> list[tuple[str, str]]:
    """Hospitals a coordinator may choose instead of the proposal, with their free beds (not
    those whose report is stale)."""
    hospitals, _stale = trusted_hospitals(now)
    free = free_beds(hospitals)
    out = []
    for h in hospitals:
        beds = ", ".join(f"{KIND_SHORT[BedKind(t.value)]} {free.get((h.code, t), 0)}" for t in TIERS)
        out.append((h.code, f"{h.name} ({beds})"))
    return out


# ---- sharing ---------------------------------------------------------------------------------


def sharing(user: Any) -> dict[str, Any]:
    mine = list(reporting_hospitals(user))
    regions = coordinated_regions(user)
    to_decide = Loan.objects.none()
    if user.has_role(Service.HOSPITALS, Role.APPROVER):
        to_decide = Loan.objects.filter(status=Loan.Status.OFFERED).select_related("request__hospital", "lender")
        if regions is not None:
            districts = DistrictRegion.objects.filter(region__in=regions).values("district")
            to_decide = to_decide.filter(request__hospital__district__in=districts)
    on_loan = Loan.objects.filter(status=Loan.Status.ON_LOAN).select_related("request__hospital", "lender")
    if not user.has_role(Service.HOSPITALS, Role.APPROVER) or regions is not None:
        in_scope = Q(lender__in=mine) | Q(request__hospital__in=mine)
        if regions is not None:
            in_scope |= Q(
                request__hospital__district__in=DistrictRegion.objects.filter(region__in=regions).values("district")
            )
        on_loan = on_loan.filter(in_scope)
    return {
        "open": ResourceRequest.objects.filter(status=ResourceRequest.Status.OPEN).select_related("hospital"),
        "mine": mine,
        "to_decide": to_decide,
        "on_loan": on_loan,
        "ledgers": list(hospitals_in(None)) if user.has_role(Service.HOSPITALS, Role.APPROVER) else mine,
    }


def ledger(hospital: Hospital) -> dict[str, Any]:
    """Every loan a hospital gave or received, newest first."""
    loans = Loan.objects.exclude(status=Loan.Status.OFFERED).select_related("request__hospital", "lender")
    return {
        "lent": loans.filter(lender=hospital),
        "borrowed": loans.filter(request__hospital=hospital),
    }


# ---- performance (the innovation centre) -----------------------------------------------------


@dataclass
class MonthFigures:
    hospital: Hospital
    occupancy: float | None = None  # mean of the daily occupied/beds, the four tiers
    admitted: int = 0
    mean_stay_days: float | None = None
    mean_hours_to_bed: float | None = None
    transfers_in: int = 0
    transfers_out: int = 0
    loans_lent: int = 0
    loans_borrowed: int = 0


def performance(month: date) -> list[MonthFigures]:
    """Per hospital for the calendar month of ``month``: occupancy from the reports, patients
    admitted through the network, their length of stay and time from request to bed,
    transfers and loans."""
    first = month.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    hospitals = list(hospitals_in(None))
    rows = {h.pk: MonthFigures(h) for h in hospitals}
    occupancy = (
        BedCount.objects.filter(
            report__status=CapacityReport.Status.ACCEPTED, report__day__gte=first, report__day__lt=after
        )
        .exclude(kind=BedKind.ISOLATION)
        .values("report__hospital_id")
        .annotate(occupied=Sum("occupied"), total=Sum("total"))
    )
    for o in occupancy:
        if o["report__hospital_id"] in rows and o["total"]:
            rows[o["report__hospital_id"]].occupancy = round(100 * o["occupied"] / o["total"], 1)
    admitted = Patient.objects.filter(admitted_at__date__gte=first, admitted_at__date__lt=after, hospital__in=hospitals)
    stays: dict[int, list[float]] = defaultdict(list)
    waits: dict[int, list[float]] = defaultdict(list)
    for p in admitted.only("hospital_id", "requested_at", "admitted_at", "closed_at", "status"):
        row = rows[int(p.hospital_id or 0)]
        row.admitted += 1
        if p.admitted_at:
            waits[row.hospital.pk].append((p.admitted_at - p.requested_at).total_seconds() / 3600)
            if p.status == Patient.Status.DISCHARGED and p.closed_at:
                stays[row.hospital.pk].append((p.closed_at - p.admitted_at).total_seconds() / 86400)
    for pk, values in waits.items():
        rows[pk].mean_hours_to_bed = round(sum(values) / len(values), 1)
    for pk, values in stays.items():
        rows[pk].mean_stay_days = round(sum(values) / len(values), 1)
    moved = Transfer.objects.filter(
        status=Transfer.Status.DONE, answered_at__date__gte=first, answered_at__date__lt=after
    )
    for t in moved:
        if t.to_hospital_id in rows:
            rows[t.to_hospital_id].transfers_in += 1
        if t.from_hospital_id in rows:
            rows[t.from_hospital_id].transfers_out += 1
    loans = Loan.objects.filter(decided_at__date__gte=first, decided_at__date__lt=after).exclude(
        status__in=[Loan.Status.OFFERED, Loan.Status.DECLINED]
    )
    for loan in loans.select_related("request"):
        if loan.lender_id in rows:
            rows[loan.lender_id].loans_lent += 1
        if loan.request.hospital_id in rows:
            rows[loan.request.hospital_id].loans_borrowed += 1
    return list(rows.values())
