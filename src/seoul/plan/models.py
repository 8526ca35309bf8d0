from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from seoul.core.models import Institution

# Bounds of what the plan records (forms, API schemas and actions use the same numbers).
MAX_KRW = 10**15  # 1,000조 won: far above any city budget, below BigInteger limits
MAX_QUANTITY = 10**9
KPI_DIGITS, KPI_DECIMALS = 18, 4  # a KPI value or target: below 10**14, four decimal places


class Vision(models.Model):
    """One of the plan's five visions with its announced figures (reference data)."""

    code = models.PositiveSmallIntegerField(unique=True)
    symbol = models.CharField(max_length=4)
    name_ko = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    projects_announced = models.PositiveIntegerField()
    budget_announced_krw = models.BigIntegerField()
    period_start = models.PositiveSmallIntegerField(default=2020)
    period_end = models.PositiveSmallIntegerField(default=2022)
    source = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(budget_announced_krw__gte=0), name="vision_budget_non_negative")
        ]

    def __str__(self) -> str:
        return f"{self.symbol} {self.name_ko}"


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DELAYED = "delayed", _("Delayed")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Project(models.Model):
    class Origin(models.TextChoices):
        ANNOUNCED = "announced", _("Named in the announcement")
        REGISTERED = "registered", _("Registered by the institution")

    code = models.CharField(max_length=40, unique=True)
    vision = models.ForeignKey(Vision, on_delete=models.PROTECT, related_name="projects")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="plan_projects")
    name_ko = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    budget_krw = models.BigIntegerField(null=True, blank=True)
    quantity = models.PositiveIntegerField(null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    deadline = models.DateField(null=True, blank=True)
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.REGISTERED)
    status = models.CharField(max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    budget_executed_krw = models.BigIntegerField(default=0)
    source = models.TextField(blank=True)
    source_en = models.TextField(blank=True)
    verification = models.TextField(blank=True, help_text="how far the facts of an announced project are confirmed")
    verification_en = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["vision__code", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_krw__gte=0) | Q(budget_krw__isnull=True), name="project_budget_non_negative"
            ),
            models.CheckConstraint(condition=Q(budget_executed_krw__gte=0), name="project_executed_non_negative"),
        ]

    def __str__(self) -> str:
        return self.name_ko


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    due = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return self.title


class Kpi(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=30)
    target = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="kpi_name_unique_per_project")]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class KpiValue(models.Model):
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="values")
    value = models.DecimalField(max_digits=18, decimal_places=4)
    measured_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["measured_on"]
        constraints = [models.UniqueConstraint(fields=["kpi", "measured_on"], name="one_kpi_value_per_day")]

    def __str__(self) -> str:
        return f"{self.kpi.name} {self.measured_on}: {self.value}"


class ProgressReport(models.Model):
    """A dated statement of a project's status and cumulative budget executed."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    reported_on = models.DateField()
    status = models.CharField(max_length=20, choices=ProjectStatus.choices)
    budget_executed_krw = models.BigIntegerField()
    note = models.TextField(blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["reported_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(budget_executed_krw__gte=0), name="report_executed_non_negative")
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.reported_on} {self.status}"


class FiguresVersion(models.Model):
    """One row whose ``stamp`` changes with every write of the plan's figures (``plan.figures``).

    Set inside the transaction of each write to a new random number, so the new stamp commits
    or rolls back with the write, and a stamp once rolled back is never seen again."""

    stamp = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"plan figures {self.stamp:x}"
