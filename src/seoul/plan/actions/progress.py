"""Progress reports: a project's status and cumulative budget executed, as of a day."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from seoul.core import audit
from seoul.core.models import User
from seoul.core.validation import PANDEMIC_ERA, check_text
from seoul.plan import figures
from seoul.plan.actions._base import check_amount, check_edit
from seoul.plan.errors import PlanError
from seoul.plan.events import PlanEvent
from seoul.plan.models import ProgressReport, Project, ProjectStatus


def report_progress(
    project: Project,
    *,
    reported_on: date,
    status: str,
    budget_executed_krw: int,
    note: str = "",
    actor: User,
) -> ProgressReport:
    """A report is kept as history; the project's current figures follow its latest report
    (by date), so a late report for an earlier day changes nothing shown as current."""
    check_edit(actor, project.institution_id)
    reported_on = PANDEMIC_ERA.check(reported_on, "reported_on")
    if status not in ProjectStatus.values:
        raise PlanError.UNKNOWN_STATUS.error("status")
    budget_executed_krw = check_amount(budget_executed_krw, "budget_executed_krw")
    note = check_text(note, "note", max_length=2000, min_length=0, multiline=True)
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
        # Reports stored before dates were bounded may lie outside the plan's era: they never
        # decide the current figures.
        latest = (
            project.reports.filter(reported_on__gte=PANDEMIC_ERA.earliest, reported_on__lte=PANDEMIC_ERA.latest())
            .order_by("-reported_on", "-id")
            .first()
        )
        if latest is not None:
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
