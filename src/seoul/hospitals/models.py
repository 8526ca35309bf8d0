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
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from seoul.core.engine.districts import District, district
from seoul.core.roles import Role, Service
from seoul.hospitals.engine.report import BedKind, Tier
from seoul.hospitals.errors import describe

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


class Named(models.Model):
    name_ko = models.CharField(max_length=100)
    name_en = models.CharField(max_length=150)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "ko").startswith("en") else self.name_ko


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
    if user.has_role(Service.HOSPITALS, Role.ADMIN):
        return Hospital.objects.filter(active=True)
    return Hospital.objects.filter(active=True, posts__user=user, posts__active=True).distinct()


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
        ACCEPTED = "accepted", _("Accepted")
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
        return [(p["field"], describe(p["fault"], p.get("limit"))) for p in self.problems or []]


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
