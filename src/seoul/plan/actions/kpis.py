"""Key performance indicators of a project and their measured values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from seoul.core import audit
from seoul.core.models import User
from seoul.core.validation import PANDEMIC_ERA, check_text
from seoul.plan import figures
from seoul.plan.actions._base import check_edit, check_kpi_number
from seoul.plan.errors import PlanError
from seoul.plan.events import PlanEvent
from seoul.plan.models import Kpi, KpiValue, Project


@dataclass(frozen=True)
class KpiInput:
    name: str
    unit: str
    target: Decimal | None = None


@dataclass(frozen=True)
class Measured:
    """A recorded KPI value and, when it corrected the value of the same day, the value before."""

    value: KpiValue
    replaced: Decimal | None = None


def add_kpi(project: Project, data: KpiInput, *, actor: User) -> Kpi:
    check_edit(actor, project.institution_id)
    name = check_text(data.name, "name", max_length=200)
    unit = check_text(data.unit, "unit", max_length=30)
    target = None if data.target is None else check_kpi_number(data.target, "target")
    with transaction.atomic():
        figures.changed()
        if Kpi.objects.filter(project=project, name=name).exists():
            raise PlanError.KPI_NAME_TAKEN.error("name", name=name)
        kpi = Kpi.objects.create(project=project, name=name, unit=unit, target=target)
        audit.record(
            PlanEvent.KPI_ADDED,
            actor=actor,
            target=kpi,
            new={
                "project": project.code,
                "name": name,
                "unit": unit,
                "target": None if target is None else str(target),
            },
        )
    return kpi


def record_kpi_value(kpi: Kpi, value: Decimal, measured_on: date, *, actor: User) -> Measured:
    """The KPI's value on a day. A second value for the same day corrects the first; the
    correction (old and new value) is in the audit log and told to the person who made it."""
    check_edit(actor, kpi.project.institution_id)
    value = check_kpi_number(value, "value")
    measured_on = PANDEMIC_ERA.check(measured_on, "measured_on")
    with transaction.atomic():
        figures.changed()
        existing = KpiValue.objects.select_for_update().filter(kpi=kpi, measured_on=measured_on).first()
        old = existing.value if existing else None
        if existing:
            existing.value, existing.recorded_by = value, actor
            existing.save(update_fields=["value", "recorded_by"])
            stored = existing
        else:
            stored = KpiValue.objects.create(kpi=kpi, value=value, measured_on=measured_on, recorded_by=actor)
        audit.record(
            PlanEvent.KPI_MEASURED,
            actor=actor,
            target=kpi,
            old={"value": str(old)} if old is not None else None,
            new={"value": str(value), "measured_on": measured_on.isoformat()},
        )
    return Measured(stored, old)
