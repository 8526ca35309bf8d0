"""Test builders of the plan service: projects, reports, KPIs and milestones made through the
real actions, clients signed in as plan staff, and the register form's and the API's valid
payloads to change one field of. ``legacy_report`` alone writes a row directly: a report as a
path without date checks may have stored it before they existed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.test import Client
from django.utils import timezone

from seoul.core.models import User
from seoul.plan import actions
from seoul.plan.models import Kpi, Milestone, ProgressReport, Project

# The register form, filled in as an operator of Seoul Metro would (``form_for`` sets the institution).
FORM = {
    "vision": "3",
    "institution": "",
    "name_ko": "무인 민원 안내",
    "name_en": "Unstaffed help points",
    "budget_krw": "2500000000",
    "quantity": "10",
    "unit": "개소",
    "deadline": "2022-12-31",
    "kpi_name": "설치 개소",
    "kpi_unit": "개소",
    "kpi_target": "10",
}

# A project the API accepts from an operator of Seoul Metro.
PAYLOAD: dict[str, Any] = {
    "vision": 3,
    "institution": "SEOUL_METRO",
    "name_ko": "역사 무인 안내",
    "name_en": "Unstaffed station help points",
    "budget_krw": 1_000_000_000,
}

TAGLESS = "V3-TAGLESS"  # an announced project of Seoul Metro


def form_for(user: User, **change: str) -> dict[str, str]:
    assert user.institution is not None
    return {**FORM, "institution": user.institution.code, **change}


def signed_in(user: User, *, lang: str | None = None, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    if lang:
        client.cookies["django_language"] = lang
    return client


def english() -> Client:
    """An anonymous visitor reading the English pages."""
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def project(code: str = TAGLESS) -> Project:
    return Project.objects.select_related("vision", "institution").get(code=code)


def metro_project() -> Project:
    """A project of Seoul Metro, the institution of the ``operator`` fixture."""
    found = Project.objects.filter(institution__code="SEOUL_METRO").select_related("vision", "institution").first()
    assert found is not None
    return found


def other_project(user: User) -> Project:
    """A project of another institution than ``user``'s."""
    found = Project.objects.exclude(institution=user.institution).select_related("vision", "institution").first()
    assert found is not None
    return found


def registered(actor: User, **fields: Any) -> Project:
    """A project of ``actor``'s institution, registered through the action."""
    p = metro_project()
    values: dict[str, Any] = {
        "vision": p.vision,
        "institution": actor.institution,
        "name_ko": "새 사업",
        "name_en": "A new project",
        **fields,
    }
    return actions.register_project(actions.ProjectInput(**values), actor=actor)


def report(
    project: Project, actor: User, *, executed: int = 1_000_000, day: date | None = None, status: str = "in_progress"
) -> ProgressReport:
    return actions.report_progress(
        project,
        reported_on=day or timezone.localdate(),
        status=status,
        budget_executed_krw=executed,
        actor=actor,
    )


def kpi(project: Project, actor: User, name: str = "설치", unit: str = "개") -> Kpi:
    return actions.add_kpi(project, actions.KpiInput(name, unit, Decimal(10)), actor=actor)


def milestone(project: Project, actor: User, title: str = "1단계", due: date = date(2021, 6, 30)) -> Milestone:
    return actions.add_milestone(project, title, due, actor=actor)


def legacy_report(project: Project, reported_on: date, executed: int = 0) -> ProgressReport:
    """A report stored without the date checks (as one from before they existed could be)."""
    return ProgressReport.objects.create(
        project=project, reported_on=reported_on, status="in_progress", budget_executed_krw=executed
    )
