"""Registering a project of an institution under the plan (with its first KPIs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from seoul.core import audit
from seoul.core.models import Institution, User
from seoul.core.validation import PLANNING_HORIZON, check_text
from seoul.plan import figures
from seoul.plan.actions._base import check_amount, check_edit, check_quantity
from seoul.plan.actions.kpis import KpiInput, add_kpi
from seoul.plan.errors import PlanError
from seoul.plan.events import PlanEvent
from seoul.plan.models import Project, Vision


@dataclass(frozen=True)
class ProjectInput:
    vision: Vision
    institution: Institution
    name_ko: str
    name_en: str
    description: str = ""
    description_en: str = ""
    budget_krw: int | None = None
    quantity: int | None = None
    unit: str = ""
    deadline: date | None = None


def _checked(data: ProjectInput) -> dict[str, object]:
    """The project's fields as they will be stored; a ValidationError naming the first bad one."""
    fields: dict[str, object] = {
        "name_ko": check_text(data.name_ko, "name_ko", max_length=200),
        "name_en": check_text(data.name_en, "name_en", max_length=200),
        "description": check_text(data.description, "description", max_length=5000, min_length=0, multiline=True),
        "description_en": check_text(
            data.description_en, "description_en", max_length=5000, min_length=0, multiline=True
        ),
        "unit": check_text(data.unit, "unit", max_length=20, min_length=0),
        "budget_krw": None if data.budget_krw is None else check_amount(data.budget_krw, "budget_krw"),
        "quantity": None if data.quantity is None else check_quantity(data.quantity, "quantity"),
        "deadline": None if data.deadline is None else PLANNING_HORIZON.check(data.deadline, "deadline"),
    }
    if fields["quantity"] is not None and not fields["unit"]:
        raise PlanError.QUANTITY_WITHOUT_UNIT.error("unit")
    return fields


def _next_code(institution: Institution) -> str:
    # Plan writes are serialised by the figures stamp's row (figures.changed() first), so two
    # registrations of one institution never pick the same number.
    prefix = f"R-{institution.code}-"
    n = Project.objects.filter(code__startswith=prefix).count() + 1
    while Project.objects.filter(code=f"{prefix}{n:03d}").exists():
        n += 1
    return f"{prefix}{n:03d}"


def register_project(data: ProjectInput, kpis: Sequence[KpiInput] = (), *, actor: User) -> Project:
    """A project of ``data.institution``, registered by one of its operators (or a plan admin).
    A KPI that cannot be added undoes the whole registration; its errors name the register
    form's ``kpi_*`` fields."""
    check_edit(actor, data.institution.pk)
    fields = _checked(data)
    with transaction.atomic():
        figures.changed()
        project = Project.objects.create(
            code=_next_code(data.institution),
            vision=data.vision,
            institution=data.institution,
            origin=Project.Origin.REGISTERED,
            created_by=actor,
            **fields,
        )
        audit.record(
            PlanEvent.PROJECT_REGISTERED,
            actor=actor,
            target=project,
            new={
                "code": project.code,
                "vision": data.vision.code,
                "institution": data.institution.code,
                "name_ko": project.name_ko,
                "budget_krw": project.budget_krw,
                "deadline": project.deadline.isoformat() if project.deadline else None,
            },
        )
        for kpi in kpis:
            try:
                add_kpi(project, kpi, actor=actor)
            except ValidationError as exc:
                if not hasattr(exc, "error_dict"):
                    raise
                raise ValidationError({f"kpi_{f}": e for f, e in exc.error_dict.items()}) from exc
    return project
