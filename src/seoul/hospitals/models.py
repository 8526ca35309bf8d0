"""Transactional state of the city hospital network: the register (hospitals, sub-regions and
which district belongs to which), who works where (:class:`Post`), the daily capacity reports
with their bed counts, and the patients waiting for a bed with the placement proposals made
for them.

Writes go through ``actions``. Scope (least privilege) is decided here: a hospital's staff act
for the hospitals of their posts; a control tower's coordinators for their region's patients and
hospitals; the city's patient-management team (a post with neither hospital nor region) for all.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from seoul.core import districts
from seoul.core.crypto import EncryptedTextField
from seoul.core.engine.districts import District, district
from seoul.core.models import Named
from seoul.core.roles import Role, Service
from seoul.hospitals.engine.network import Need
from seoul.hospitals.engine.report import BedKind, Tier
from seoul.hospitals.errors import describe
from seoul.hospitals.labels import NEED_LABELS, field_label

district_validators = [MinValueValidator(0), MaxValueValidator(24)]

TIER_CHOICES = [
    (Tier.MILD.value, _("Mild")),
    (Tier.MODERATE.value, _("Moderate")),
    (Tier.SEVERE.value, _("Severe")),
    (Tier.CRITICAL.value, _("Critical")),
]
BED_KIND_CHOICES = [
    (BedKind.CRITICAL.value, _("Critical (ICU, ventilator or ECMO)")),
    (BedKind.SEVERE.value, _("Severe")),
    (BedKind.MODERATE.value, _("Moderate")),
    (BedKind.MILD.value, _("Mild (community treatment centre)")),
    (BedKind.ISOLATION.value, _("Negative-pressure isolation rooms")),
]


class Region(Named):
    """A medical sub-region (중진료권) with its control-tower hospital."""

    code = models.CharField(max_length=8, unique=True)
    control_tower = models.ForeignKey("Hospital", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]


class DistrictRegion(models.Model):
    """Which sub-region a district belongs to: editable data, unverified until someone checks."""

    district = models.PositiveSmallIntegerField(unique=True, validators=district_validators)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="districts")
    verified = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["district"]

    def __str__(self) -> str:
        return f"{self.district_obj} → {self.region}"

    @property
    def district_obj(self) -> District:
        return district(self.district)

    @property
    def district_label(self) -> str:
        return districts.label(self.district_obj)


class Hospital(Named):
    class Kind(models.TextChoices):
        CITY = "city", _("City hospital")
        CITY_BRANCH = "city_branch", _("Branch of a city hospital")
        PARTNER = "partner", _("Partner hospital")
        TREATMENT_CENTRE = "treatment_centre", _("Community treatment centre")

    class CoordQuality(models.TextChoices):
        GEOCODED = "geocoded_public_dataset", _("Geocoded")
        NEAR = "approx_nearest_bus_stop", _("Approximate (nearest bus stop)")
        NONE = "none", _("Not known (district centre)")
        ENTERED = "entered", _("Entered by the city")

    code = models.CharField(max_length=16, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    district = models.PositiveSmallIntegerField(validators=district_validators)
    address = models.CharField(max_length=200, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    coord_quality = models.CharField(max_length=32, choices=CoordQuality.choices, default=CoordQuality.NONE)
    licensed_beds = models.PositiveIntegerField(null=True, blank=True)
    licensed_beds_as_of = models.PositiveSmallIntegerField(null=True, blank=True)
    specialty = models.CharField(max_length=200, blank=True)
    capabilities = models.JSONField(default=list, blank=True)
    capabilities_basis = models.CharField(max_length=200, blank=True)
    roster_status = models.CharField(max_length=40, blank=True)
    sources = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    registered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "code"]

    @property
    def district_obj(self) -> District:
        return district(self.district)


class PostQuerySet(models.QuerySet["Post"]):
    def active(self) -> PostQuerySet:
        return self.filter(active=True)


class Post(models.Model):
    """Where a person works in the network: a hospital (its bed manager or supply officer), a
    region (its control tower), or neither (the city's patient-management team, every region)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hospital_posts")
    hospital = models.ForeignKey(Hospital, null=True, blank=True, on_delete=models.PROTECT, related_name="posts")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="posts")
    active = models.BooleanField(default=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(hospital__isnull=True) | Q(region__isnull=True), name="hospitals_post_one_place"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.hospital or self.region or 'city'}"


def reporting_hospitals(user: Any) -> models.QuerySet[Hospital]:
    """Hospitals ``user`` may report for: those of their posts (every one for administrators)."""
    if user is None or not user.is_authenticated or not user.has_role(Service.HOSPITALS, Role.OPERATOR):
        return Hospital.objects.none()
    with_beds = Hospital.objects.filter(active=True).exclude(licensed_beds=0)  # not, say, a dental outpatient hospital
    if user.has_role(Service.HOSPITALS, Role.ADMIN):
        return with_beds
    return with_beds.filter(posts__user=user, posts__active=True).distinct()


def coordinated_regions(user: Any) -> models.QuerySet[Region] | None:
    """Regions ``user`` coordinates; None means all (the city's team and administrators)."""
    if user is None or not user.is_authenticated or not user.has_role(Service.HOSPITALS, Role.APPROVER):
        return Region.objects.none()
    if user.has_role(Service.HOSPITALS, Role.ADMIN):
        return None
    posts = Post.objects.active().filter(user=user, hospital__isnull=True)
    if posts.filter(region__isnull=True).exists():
        return None
    return Region.objects.filter(posts__in=posts).distinct()


class CapacityReport(models.Model):
    """One hospital's report for one day. Refused reports are kept with their problems; a
    correction of an accepted report supersedes it (both kept)."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", pgettext_lazy("report", "Accepted")
        SUPERSEDED = "superseded", _("Corrected later")
        REFUSED = "refused", _("Refused")

    class Channel(models.TextChoices):
        WEB = "web", _("Web form")
        CSV = "csv", _("CSV upload")
        FHIR = "fhir", _("FHIR interface")
        DEMO = "demo", _("Demo data")

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="reports")
    day = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    admissions = models.PositiveIntegerField(default=0)
    discharges = models.PositiveIntegerField(default=0)
    deaths = models.PositiveIntegerField(default=0)
    staff = models.JSONField(default=dict, blank=True)  # profession → {on_duty, short}
    supplies = models.JSONField(default=dict, blank=True)  # supply → {on_hand, days_of_supply}
    forecast = models.JSONField(default=list, blank=True)  # expected available beds, days +1..+7
    problems = models.JSONField(default=list, blank=True)  # refused: [{field, fault, limit}]
    refused_input = models.JSONField(null=True, blank=True)  # what a refused report said, to show it back

    class Meta:
        ordering = ["-day", "-submitted_at"]
        indexes = [models.Index(fields=["status", "day"]), models.Index(fields=["hospital", "status", "-day"])]
        constraints = [
            models.UniqueConstraint(
                fields=["hospital", "day"], condition=Q(status="accepted"), name="hospitals_one_accepted_report_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.hospital.code} {self.day.isoformat()} ({self.status})"

    @property
    def refusal_reasons(self) -> list[tuple[str, str]]:
        """(field, words) for each reason a refused report was refused."""
        return [(field_label(p["field"]), describe(p["fault"], p.get("limit"))) for p in self.problems or []]


class BedCount(models.Model):
    report = models.ForeignKey(CapacityReport, on_delete=models.CASCADE, related_name="beds")
    kind = models.CharField(max_length=12, choices=BED_KIND_CHOICES)
    total = models.PositiveIntegerField()
    occupied = models.PositiveIntegerField()
    staffed = models.PositiveIntegerField()
    available = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "kind"], name="hospitals_one_count_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.occupied}/{self.total}"


# ---- patients waiting for a bed, and the placement proposals made for them ----------------


class PatientQuerySet(models.QuerySet["Patient"]):
    def visible_to(self, user: Any) -> PatientQuerySet:
        """Least privilege: the city's patient-management team and administrators see every
        patient; a regional coordinator the patients living in their regions or sent to a
        hospital there; a hospital's staff the patients sent to their hospitals; nobody else."""
        if user is None or not user.is_authenticated or not user.has_role(Service.HOSPITALS, Role.OPERATOR):
            return self.none()
        rule = Q(hospital__in=reporting_hospitals(user)) | Q(
            pk__in=Transfer.objects.filter(to_hospital__in=reporting_hospitals(user)).values("patient")
        )
        if user.has_role(Service.HOSPITALS, Role.APPROVER):
            regions = coordinated_regions(user)
            if regions is None:
                return self
            districts = DistrictRegion.objects.filter(region__in=regions).values("district")
            rule |= Q(district__in=districts) | Q(hospital__district__in=districts)
        return self.filter(rule)


class Patient(models.Model):
    """A person who needs a hospital bed, from the request to discharge. Name, phone and birth
    year are erased 90 days after the stay ends (``retention.py``); the rest stays for the
    network's performance figures."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for a bed")
        OFFERED = "offered", _("Bed offered, hospital to accept")
        ADMITTED = "admitted", _("Admitted")
        DISCHARGED = "discharged", _("Discharged")
        CANCELLED = "cancelled", _("Request withdrawn")

    class Source(models.TextChoices):
        TEAM = "team", _("Patient-management team")
        TRACING = "tracing", _("Contact tracing")

    reference = models.CharField(max_length=20, unique=True)
    name = EncryptedTextField()
    phone = EncryptedTextField(blank=True, default="")
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    district = models.PositiveSmallIntegerField(validators=district_validators)
    tier = models.CharField(max_length=10, choices=TIER_CHOICES)
    needs = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.TEAM)
    source_reference = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.WAITING)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hospital = models.ForeignKey(Hospital, null=True, blank=True, on_delete=models.PROTECT, related_name="patients")
    bed = models.CharField(max_length=10, choices=TIER_CHOICES, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    admitted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    placed_by = models.CharField(max_length=16, blank=True)  # optimised / nearest / coordinator
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at"]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def district_obj(self) -> District:
        return district(self.district)

    @property
    def district_label(self) -> str:
        return districts.label(self.district_obj)

    @property
    def needs_label(self) -> str:
        return ", ".join(str(NEED_LABELS[Need(n)]) for n in self.needs)


class Proposal(models.Model):
    """What the solver (or its fallback) proposed for the waiting patients of a region."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the coordinator")
        DECIDED = "decided", _("Decided")
        SUPERSEDED = "superseded", _("Replaced by a newer proposal")

    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=10)  # optimised / nearest
    fallback = models.TextField(blank=True)
    left_out = models.JSONField(default=list, blank=True)  # hospitals not used: their report is stale
    seconds = models.FloatField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"proposal {self.pk} ({self.method})"


class ProposalLine(models.Model):
    class Kind(models.TextChoices):
        PLACE = "place", _("Place")
        MOVE = "move", _("Move to free a bed")
        WAIT = "wait", _("Keeps waiting")

    class Decision(models.TextChoices):
        PENDING = "pending", _("Not decided")
        ACCEPTED = "accepted", _("Accepted")
        CHANGED = "changed", _("Changed by the coordinator")
        SKIPPED = "skipped", _("Not now")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="lines")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="proposal_lines")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    hospital = models.ForeignKey(Hospital, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    bed = models.CharField(max_length=10, choices=TIER_CHOICES, blank=True)
    km = models.FloatField(default=0)
    minutes = models.FloatField(default=0)
    cross_region = models.BooleanField(default=False)
    wait_reason = models.CharField(max_length=24, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_hospital = models.ForeignKey(Hospital, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.patient_id} → {self.hospital_id}"


class Transfer(models.Model):
    """An admitted patient moved to another hospital (or a bed of their own tier) to free a bed."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Receiving hospital to accept")
        DONE = "done", _("Moved")
        DECLINED = "declined", _("Declined by the receiving hospital")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="transfers")
    from_hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="+")
    from_bed = models.CharField(max_length=10, choices=TIER_CHOICES)
    to_hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="incoming_transfers")
    to_bed = models.CharField(max_length=10, choices=TIER_CHOICES)
    km = models.FloatField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    proposed_at = models.DateTimeField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.patient_id}: {self.from_hospital_id} → {self.to_hospital_id}"


# ---- resources shared between hospitals ---------------------------------------------------


class ResourceRequest(models.Model):
    """A hospital asks the network for staff (by profession, for dates), supplies or equipment."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("Staff")
        SUPPLY = "supply", _("Supplies")
        EQUIPMENT = "equipment", _("Equipment")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for offers")
        COVERED = "covered", _("Covered")
        CANCELLED = "cancelled", _("Cancelled")

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="resource_requests")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    item = models.CharField(max_length=40)  # a profession, a supply or an equipment name
    quantity = models.PositiveIntegerField()
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.hospital_id}: {self.quantity} {self.item}"


class Loan(models.Model):
    """One hospital's offer against a request; once the control tower approves it, a loan
    tracked until it is returned or consumed (the ledger of both hospitals)."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered, control tower to approve")
        DECLINED = "declined", _("Not approved")
        ON_LOAN = "on_loan", _("On loan")
        RETURNED = "returned", _("Returned")
        CONSUMED = "consumed", _("Consumed")

    request = models.ForeignKey(ResourceRequest, on_delete=models.PROTECT, related_name="loans")
    lender = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="loans_out")
    quantity = models.PositiveIntegerField()
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    offered_at = models.DateTimeField()
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-offered_at"]

    def __str__(self) -> str:
        return f"{self.lender_id} → {self.request.hospital_id}: {self.quantity} {self.request.item}"
