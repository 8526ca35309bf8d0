"""Every write of the plan service: one function per use case, atomic, audited, by use-case
family:

* ``projects`` — registering a project of an institution (with its first KPIs);
* ``progress`` — progress reports (status and cumulative budget executed, kept as history);
* ``kpis`` — key performance indicators and their measured values;
* ``milestones`` — milestones, added and marked done once.

Each action takes the acting person as the keyword-only ``actor`` and re-checks that this
person may change the project (``can_edit``: its institution's operators, or plan admins),
checks free text (no control characters) and dates (the plan's era, or its planning horizon
for deadlines) whoever called it, and calls ``figures.changed()`` inside its own transaction
so that no process shows figures from before the write (``plan/figures.py``).
"""

from seoul.plan.actions._base import can_edit, check_edit
from seoul.plan.actions.kpis import KpiInput, Measured, add_kpi, record_kpi_value
from seoul.plan.actions.milestones import add_milestone, complete_milestone
from seoul.plan.actions.progress import report_progress
from seoul.plan.actions.projects import ProjectInput, register_project

__all__ = [
    "KpiInput",
    "Measured",
    "ProjectInput",
    "add_kpi",
    "add_milestone",
    "can_edit",
    "check_edit",
    "complete_milestone",
    "record_kpi_value",
    "register_project",
    "report_progress",
]
