"""Care facilities, the versions of their models, and who sees which (docs/care-facility.md,
docs/care-interventions.md "Who sees which centre").

A facility's model is never overwritten: an upload, an IFC import or a change applied on the
platform (a washbasin added, an air cleaner, a staff door…) makes a new numbered version, so a
designer can go back and the city can see what changed when. No personal data: a facility
model holds rooms, doors and head counts, never a child's or a teacher's name.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from seoul.care.engine import interventions
from seoul.core.engine.districts import COUNT as DISTRICTS
from seoul.core.roles import Role, Service

#: Institutions whose care-service readers see every facility: the city government (the
#: care-policy staff) and the Seoul Design Foundation (the designers of the guideline).
CITY_WIDE_INSTITUTIONS = frozenset({"CITY_HALL", "SDF"})


def may_see(user: Any) -> bool:
    """Staff holding a role in the care service (which facilities they see is ``scope_of``)."""
    return bool(user is not None and user.is_authenticated and user.has_role(Service.CARE, Role.VIEWER))


@dataclasses.dataclass(frozen=True)
class Scope:
    """The facilities a care reader sees: every one (``city_wide``), or those of ``districts``
    and the centres of ``facilities`` (ids), together."""

    city_wide: bool = False
    districts: frozenset[int] = frozenset()
    facilities: frozenset[int] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.city_wide or self.districts or self.facilities)

    def covers_district(self, district: int) -> bool:
        return self.city_wide or district in self.districts


def scope_of(user: Any) -> Scope:
    """Who sees which facility (docs/care-interventions.md, "Who sees which centre"):

    1. nobody without a care role;
    2. care administrators and platform administrators: every facility;
    3. a person given districts (a district childcare officer, ``DistrictOfficer``) or centres
       (a daycare director, ``FacilityDirector``): exactly those, whatever their institution —
       an assignment narrows;
    4. otherwise staff of the city government or the Seoul Design Foundation: every facility;
    5. anyone else: none.

    Operators (who change models) are scoped by the same rules."""
    if not may_see(user):
        return Scope()
    if user.has_role(Service.CARE, Role.ADMIN):
        return Scope(city_wide=True)
    cached: Scope | None = getattr(user, "_care_scope", None)
    if cached is not None:
        return cached
    found = Scope(
        districts=frozenset(DistrictOfficer.objects.filter(user=user).values_list("district", flat=True)),
        facilities=frozenset(FacilityDirector.objects.filter(user=user).values_list("facility_id", flat=True)),
    )
    if found.empty:
        institution = user.institution.code if user.institution_id else None
        found = Scope(city_wide=institution in CITY_WIDE_INSTITUTIONS)
    user._care_scope = found
    return found


class FacilityQuerySet(models.QuerySet["Facility"]):
    def visible_to(self, user: Any) -> FacilityQuerySet:
        scope = scope_of(user)
        if scope.city_wide:
            return self
        if scope.empty:
            return self.none()
        return self.filter(models.Q(district__in=scope.districts) | models.Q(pk__in=scope.facilities))


class Facility(models.Model):
    class Kind(models.TextChoices):
        DAYCARE = "daycare", _("Public daycare centre")
        KIUM = "kium", _("Neighbourhood Kium centre")

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DAYCARE)
    district = models.PositiveSmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(DISTRICTS - 1)])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    directors: models.ManyToManyField[Any, FacilityDirector] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="FacilityDirector",
        through_fields=("facility", "user"),
        related_name="care_centres_directed",
        blank=True,
    )

    objects = FacilityQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class FacilityVersion(models.Model):
    class Source(models.TextChoices):
        JSON = "json", _("Model file (JSON)")
        IFC = "ifc", _("BIM model (IFC)")
        CHANGE = "change", _("Change applied here")
        EXAMPLE = "example", _("Example centre")

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    document = models.JSONField(help_text="the facility in the seoul.care.facility/1 format, as validated")
    source = models.CharField(max_length=10, choices=Source.choices)
    note = models.CharField(max_length=300, blank=True)
    import_notes = models.JSONField(default=list, blank=True)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facility", "-number"]
        constraints = [models.UniqueConstraint(fields=["facility", "number"], name="care_one_number_per_version")]

    def __str__(self) -> str:
        return f"{self.facility} v{self.number}"


class UnitCostSet(models.Model):
    """The unit costs the ranking uses (``engine.interventions.UnitCosts``), as care
    administrators set them; every change is a new row, so the history is kept."""

    values = models.JSONField(help_text="field of UnitCosts → value")
    note = models.CharField(max_length=200, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-set_at", "-pk"]

    def __str__(self) -> str:
        return f"unit costs of {self.set_at:%Y-%m-%d %H:%M}"

    @classmethod
    def current(cls) -> interventions.UnitCosts:
        """The unit costs in force: the last set, or the platform's defaults."""
        latest = cls.objects.order_by("-set_at", "-pk").first()
        if latest is None:
            return interventions.UnitCosts()
        known = {f.name for f in dataclasses.fields(interventions.UnitCosts)}
        return interventions.UnitCosts(**{k: v for k, v in latest.values.items() if k in known})


def _district_validators() -> list[Any]:
    return [MinValueValidator(0), MaxValueValidator(DISTRICTS - 1)]


class DistrictOfficer(models.Model):
    """A district childcare officer (구청 보육 담당): a care reader who sees the facilities of
    this district (one row per district; several districts, several rows). Set by care
    administrators, each change audited (``actions.set_district_officer``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_districts")
    district = models.PositiveSmallIntegerField(validators=_district_validators())
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["district", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "district"], name="care_one_row_per_officer_district")]

    def __str__(self) -> str:
        return f"{self.user} ({self.district})"


class FacilityDirector(models.Model):
    """A daycare director (원장) of a facility: a care reader who sees the centres they direct.
    Set by care administrators, each change audited (``actions.set_director``)."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="director_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_director_links")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["facility", "user"]
        constraints = [models.UniqueConstraint(fields=["facility", "user"], name="care_one_row_per_director")]

    def __str__(self) -> str:
        return f"{self.user} → {self.facility}"
