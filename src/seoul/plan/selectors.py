"""Reads for the plan pages and API. Computation lives in ``engine.dashboard``."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, QuerySet

from seoul.core.models import Institution
from seoul.plan.engine.dashboard import (
    Dashboard,
    ExecutionReport,
    MilestoneFacts,
    ProjectFacts,
    VisionFigures,
    compute_dashboard,
    execution_series,
)
from seoul.plan.models import Milestone, ProgressReport, Project, Vision


def visions() -> QuerySet[Vision]:
    return Vision.objects.all()


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


def dashboard(today: date) -> Dashboard:
    figures = [VisionFigures(v.code, v.projects_announced, v.budget_announced_krw) for v in Vision.objects.all()]
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
        for p in Project.objects.select_related("vision", "institution").prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.order_by("due"))
        )
    ]
    return compute_dashboard(figures, facts, today)


def progress_series(today: date) -> list[tuple[date, int, int]]:
    reports = [
        ExecutionReport(r.project.code, r.project.vision.code, r.reported_on, r.budget_executed_krw)
        for r in ProgressReport.objects.select_related("project__vision")
    ]
    # The series runs to the latest report (not to today), so stale months add no flat tail.
    until = min(today, max((r.reported_on for r in reports), default=today))
    return execution_series(reports, until)


def institution_names() -> dict[str, Institution]:
    return {i.code: i for i in Institution.objects.all()}
