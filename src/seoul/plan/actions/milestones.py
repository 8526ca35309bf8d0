"""Milestones of a project: added with a due date, marked done once."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from seoul.core import audit
from seoul.core.models import User
from seoul.core.validation import PANDEMIC_ERA, PLANNING_HORIZON, check_text
from seoul.plan import figures
from seoul.plan.actions._base import check_edit
from seoul.plan.errors import PlanError
from seoul.plan.events import PlanEvent
from seoul.plan.models import Milestone, Project


def add_milestone(project: Project, title: str, due: date, *, actor: User) -> Milestone:
    check_edit(actor, project.institution_id)
    title = check_text(title, "title", max_length=200)
    due = PLANNING_HORIZON.check(due, "due")
    with transaction.atomic():
        figures.changed()
        milestone = Milestone.objects.create(project=project, title=title, due=due)
        audit.record(
            PlanEvent.MILESTONE_ADDED, actor=actor, target=project, new={"milestone": title, "due": due.isoformat()}
        )
    return milestone


def complete_milestone(milestone: Milestone, done_on: date, *, actor: User) -> Milestone:
    """Marks the milestone done on ``done_on``; a milestone already done keeps its day (a
    second click or a replayed form is refused, not recorded over the first)."""
    check_edit(actor, milestone.project.institution_id)
    done_on = PANDEMIC_ERA.check(done_on, "done_on")
    with transaction.atomic():
        figures.changed()
        milestone = Milestone.objects.select_for_update().select_related("project").get(pk=milestone.pk)
        if milestone.done_on is not None:
            raise PlanError.MILESTONE_DONE.error(day=milestone.done_on.isoformat())
        milestone.done_on = done_on
        milestone.save(update_fields=["done_on"])
        audit.record(
            PlanEvent.MILESTONE_DONE,
            actor=actor,
            target=milestone.project,
            old={"done_on": None},
            new={"milestone": milestone.title, "done_on": done_on.isoformat()},
        )
    return milestone
