"""Care facilities and the versions of their models (docs/care-facility.md).

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


def may_see(user: Any) -> bool:
    """Staff holding a role in the care service. Facility models are building plans and head
    counts (no personal data): every care-service reader sees every facility, so the city can
    compare them; changing one needs the operator role."""
    return bool(user is not None and user.is_authenticated and user.has_role(Service.CARE, Role.VIEWER))


class FacilityQuerySet(models.QuerySet["Facility"]):
    def visible_to(self, user: Any) -> FacilityQuerySet:
        return self if may_see(user) else self.none()


class Facility(models.Model):
    class Kind(models.TextChoices):
        DAYCARE = "daycare", _("Public daycare centre")
        KIUM = "kium", _("Neighbourhood Kium centre")

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DAYCARE)
    district = models.PositiveSmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(DISTRICTS - 1)])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

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
