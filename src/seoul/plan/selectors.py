"""Reads for the plan pages and API. Computation lives in ``engine.dashboard``."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, QuerySet

from seoul.core.models import Institution
from seoul.core.validation import PANDEMIC_ERA
from seoul.plan.engine.dashboard import (
    Dashboard,
    ExecutionReport,
    MilestoneFacts,
    ProjectFacts,
    VisionFigures,
    compute_dashboard,
    execution_series,
)
from seoul.plan.errors import PlanError
from seoul.plan.models import Milestone, ProgressReport, Project, Vision


def visions() -> QuerySet[Vision]:
    return Vision.objects.all()


def vision(code: int) -> Vision:
    """The vision numbered ``code`` (reference data, public); refused naming the field."""
    found = Vision.objects.filter(code=code).first()
    if found is None:
        raise PlanError.UNKNOWN_VISION.error("vision", code=code)
    return found


def institution(code: str) -> Institution:
    """The institution with ``code`` (reference data, public); refused naming the field."""
    found = Institution.objects.filter(code=code).first()
    if found is None:
        raise PlanError.UNKNOWN_INSTITUTION.error("institution", code=code)
    return found


def projects(*, vision: int | None = None, institution: str | None = None) -> QuerySet[Project]:
    qs = Project.objects.select_related("vision", "institution")
    if vision is not None:
        qs = qs.filter(vision__code=vision)
    if institution:
        qs = qs.filter(institution__code=institution)
    return qs


def project_detail(code: str) -> Project:
    return (
        Project.objects.select_related("vision", "institution")
        .prefetch_related("milestones", "reports", Prefetch("kpis__values"))
        .get(code=code)
    )


def dashboard(today: date, *, institution: str | None = None) -> Dashboard:
    """The plan's summaries and flags; with ``institution``, of that institution's projects only
    (the visions' announced figures are the plan's: the announcement gives none per institution)."""
    figures = [VisionFigures(v.code, v.projects_announced, v.budget_announced_krw) for v in Vision.objects.all()]
    projects = Project.objects.select_related("vision", "institution").prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("due"))
    )
    if institution:
        projects = projects.filter(institution__code=institution)
    facts = [
        ProjectFacts(
            code=p.code,
            vision=p.vision.code,
            institution=p.institution.code,
            budget_krw=p.budget_krw,
            executed_krw=p.budget_executed_krw,
            deadline=p.deadline,
            status=p.status,
            milestones=tuple(MilestoneFacts(m.title, m.due, m.done_on) for m in p.milestones.all()),
        )
        for p in projects
    ]
    return compute_dashboard(figures, facts, today)


def progress_series(today: date) -> list[tuple[date, int, int]]:
    """The execution series of every stored report dated within the plan's era (2020-01-01 to
    ``today``): reports outside it are left out (and logged) by ``execution_series``."""
    reports = [
        ExecutionReport(r.project.code, r.project.vision.code, r.reported_on, r.budget_executed_krw)
        for r in ProgressReport.objects.select_related("project__vision")
    ]
    since = PANDEMIC_ERA.earliest
    # The series runs to the latest report (not to today), so stale months add no flat tail.
    dated = [r.reported_on for r in reports if since <= r.reported_on <= today]
    return execution_series(reports, since, max(dated, default=today))


def institution_codes() -> set[str]:
    return set(Institution.objects.values_list("code", flat=True))


def institution_names() -> dict[str, Institution]:
    return {i.code: i for i in Institution.objects.all()}
