"""Every write of the plan service: one function per use case, atomic, audited.

Callers (pages, API, commands) validate input shape; these functions enforce the rules that
depend on who acts (institution scope) and write the audit event in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from seoul.core import audit
from seoul.core.models import Institution, User
from seoul.core.roles import Role, Service
from seoul.plan import figures
from seoul.plan.events import PlanEvent
from seoul.plan.models import Kpi, KpiValue, Milestone, ProgressReport, Project, ProjectStatus, Vision


def can_edit(user: User, project_institution_id: int) -> bool:
    """Operators edit their own institution's projects; plan admins edit every institution's."""
    if user.has_role(Service.PLAN, Role.ADMIN):
        return True
    return user.has_role(Service.PLAN, Role.OPERATOR) and user.institution_id == project_institution_id


def _check_edit(user: User, institution: Institution) -> None:
    if not can_edit(user, institution.pk):
        audit.record(
            audit.CoreEvent.ACCESS_DENIED,
            actor=user,
            target=institution,
            new={"needs": "plan:operator of this institution"},
            service="plan",
        )
        raise PermissionDenied(f"{user} may not change projects of {institution.code}")


@dataclass(frozen=True)
class KpiInput:
    name: str
    unit: str
    target: Decimal | None = None


@dataclass(frozen=True)
class ProjectInput:
    vision: Vision
    institution: Institution
    name_ko: str
    name_en: str = ""
    description: str = ""
    budget_krw: int | None = None
    quantity: int | None = None
    unit: str = ""
    deadline: date | None = None


def _next_code(institution: Institution) -> str:
    prefix = f"R-{institution.code}-"
    taken = Project.objects.filter(code__startswith=prefix).count()
    n = taken + 1
    while Project.objects.filter(code=f"{prefix}{n:03d}").exists():
        n += 1
    return f"{prefix}{n:03d}"


def register_project(actor: User, data: ProjectInput, kpis: list[KpiInput] | None = None) -> Project:
    _check_edit(actor, data.institution)
    if data.budget_krw is not None and data.budget_krw < 0:
        raise ValidationError({"budget_krw": "The budget cannot be negative."})
    with transaction.atomic():
        figures.changed()
        project = Project.objects.create(
            code=_next_code(data.institution),
            vision=data.vision,
            institution=data.institution,
            name_ko=data.name_ko,
            name_en=data.name_en,
            description=data.description,
            budget_krw=data.budget_krw,
            quantity=data.quantity,
            unit=data.unit,
            deadline=data.deadline,
            origin=Project.Origin.REGISTERED,
            created_by=actor,
        )
        audit.record(
            PlanEvent.PROJECT_REGISTERED,
            actor=actor,
            target=project,
            new={
                "code": project.code,
                "vision": data.vision.code,
                "institution": data.institution.code,
                "budget_krw": data.budget_krw,
                "deadline": data.deadline.isoformat() if data.deadline else None,
            },
        )
        for k in kpis or []:
            add_kpi(actor, project, k)
    return project


def add_kpi(actor: User, project: Project, data: KpiInput) -> Kpi:
    _check_edit(actor, project.institution)
    with transaction.atomic():
        figures.changed()
        try:
            with transaction.atomic():
                kpi = Kpi.objects.create(project=project, name=data.name, unit=data.unit, target=data.target)
        except IntegrityError as exc:
            raise ValidationError({"name": f"This project already has a KPI named '{data.name}'."}) from exc
        audit.record(
            PlanEvent.KPI_ADDED,
            actor=actor,
            target=kpi,
            new={
                "project": project.code,
                "name": data.name,
                "unit": data.unit,
                "target": str(data.target) if data.target is not None else None,
            },
        )
    return kpi


def record_kpi_value(actor: User, kpi: Kpi, value: Decimal, measured_on: date) -> KpiValue:
    _check_edit(actor, kpi.project.institution)
    with transaction.atomic():
        figures.changed()
        existing = KpiValue.objects.filter(kpi=kpi, measured_on=measured_on).first()
        old = str(existing.value) if existing else None
        if existing:
            existing.value = value
            existing.recorded_by = actor
            existing.save(update_fields=["value", "recorded_by"])
            kv = existing
        else:
            kv = KpiValue.objects.create(kpi=kpi, value=value, measured_on=measured_on, recorded_by=actor)
        audit.record(
            PlanEvent.KPI_MEASURED,
            actor=actor,
            target=kpi,
            old={"value": old} if old is not None else None,
            new={"value": str(value), "measured_on": measured_on.isoformat()},
        )
    return kv


def report_progress(
    actor: User, project: Project, *, reported_on: date, status: str, budget_executed_krw: int, note: str = ""
) -> ProgressReport:
    _check_edit(actor, project.institution)
    if budget_executed_krw < 0:
        raise ValidationError({"budget_executed_krw": "The executed budget cannot be negative."})
    if status not in ProjectStatus.values:
        raise ValidationError({"status": f"Unknown status '{status}'."})
    with transaction.atomic():
        figures.changed()
        project = Project.objects.select_for_update().get(pk=project.pk)
        old = {"status": project.status, "budget_executed_krw": project.budget_executed_krw}
        report = ProgressReport.objects.create(
            project=project,
            reported_on=reported_on,
            status=status,
            budget_executed_krw=budget_executed_krw,
            note=note,
            reported_by=actor,
        )
        latest = project.reports.order_by("-reported_on", "-id").first()
        if latest is not None:
            # The project's current figures follow its most recent report, even when an
            # older date is reported late.
            project.status = latest.status
            project.budget_executed_krw = latest.budget_executed_krw
            project.save(update_fields=["status", "budget_executed_krw", "updated_at"])
        audit.record(
            PlanEvent.PROGRESS_REPORTED,
            actor=actor,
            target=project,
            old=old,
            new={"status": status, "budget_executed_krw": budget_executed_krw, "reported_on": reported_on.isoformat()},
        )
    return report


def add_milestone(actor: User, project: Project, title: str, due: date) -> Milestone:
    _check_edit(actor, project.institution)
    with transaction.atomic():
        figures.changed()
        m = Milestone.objects.create(project=project, title=title, due=due)
        audit.record(
            PlanEvent.MILESTONE_ADDED, actor=actor, target=project, new={"milestone": title, "due": due.isoformat()}
        )
    return m


def complete_milestone(actor: User, milestone: Milestone, done_on: date) -> Milestone:
    _check_edit(actor, milestone.project.institution)
    with transaction.atomic():
        figures.changed()
        old = milestone.done_on.isoformat() if milestone.done_on else None
        milestone.done_on = done_on
        milestone.save(update_fields=["done_on"])
        audit.record(
            PlanEvent.MILESTONE_DONE,
            actor=actor,
            target=milestone.project,
            old={"done_on": old},
            new={"milestone": milestone.title, "done_on": done_on.isoformat()},
        )
    return milestone
