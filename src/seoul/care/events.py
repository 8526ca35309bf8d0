"""What the audit log records of the care service: who put which model of a facility on the
platform, which change made which version, and who was given which districts or centres to see."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CareEvent(models.TextChoices):
    FACILITY_ADDED = "care.facility.added", _("Care facility added with its first model")
    VERSION_ADDED = "care.version.added", _("New model of a care facility uploaded")
    CHANGE_APPLIED = "care.change.applied", _("Design change applied to a care facility's model")
    COSTS_CHANGED = "care.costs.changed", _("Unit costs of the design changes set")
    DISTRICTS_SET = "care.scope.districts_set", _("Districts of a district childcare officer set")
    DIRECTOR_SET = "care.scope.director_set", _("Daycare director of a care facility set")
