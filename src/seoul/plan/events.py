from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanEvent(models.TextChoices):
    PROJECT_REGISTERED = "plan.project.registered", _("Project registered")
    PROGRESS_REPORTED = "plan.progress.reported", _("Progress reported")
    KPI_ADDED = "plan.kpi.added", _("KPI added")
    KPI_MEASURED = "plan.kpi.measured", _("KPI value recorded")
    MILESTONE_ADDED = "plan.milestone.added", _("Milestone added")
    MILESTONE_DONE = "plan.milestone.done", _("Milestone completed")
    EXPORTED = "plan.exported", _("Plan data exported")
