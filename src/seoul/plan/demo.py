"""Demo progress for the plan: reports, KPIs and milestones on the announced projects.

Deterministic (fixed seed) so that screenshots and manual checks repeat. Marked as demo in
each report's note; ``seoul demo-data`` is never run in production.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from django.db import transaction

from seoul.core.models import User
from seoul.plan import actions
from seoul.plan.models import Project, ProjectStatus


def load() -> dict[str, int]:
    rng = random.Random(2020)  # noqa: S311 - demo data, not security
    admin = User.objects.get(username="plan.admin")
    reports = 0
    with transaction.atomic():
        for project in Project.objects.filter(origin=Project.Origin.ANNOUNCED).select_related("institution"):
            if project.reports.exists():
                continue
            # Projects without a stated budget report status only.
            budget = project.budget_krw or 0
            executed = 0
            for year, month in [(2020, 9), (2020, 12), (2021, 6), (2021, 12), (2022, 6)]:
                executed = min(budget, executed + int(budget * rng.uniform(0.05, 0.3)))
                done = budget > 0 and executed >= budget
                status = ProjectStatus.DONE if done else ProjectStatus.IN_PROGRESS
                actions.report_progress(
                    project,
                    reported_on=date(year, month, 28),
                    status=status,
                    budget_executed_krw=executed,
                    note="demo data",
                    actor=admin,
                )
                reports += 1
            if not project.milestones.exists():
                m = actions.add_milestone(project, "1단계 완료 (demo)", date(2021, 6, 30), actor=admin)
                if rng.random() < 0.7:
                    actions.complete_milestone(m, date(2021, 6, 20), actor=admin)
            if project.quantity and not project.kpis.exists():
                kpi = actions.add_kpi(
                    project, actions.KpiInput("달성 수량", project.unit or "개", Decimal(project.quantity)), actor=admin
                )
                actions.record_kpi_value(
                    kpi, Decimal(int(project.quantity * rng.uniform(0.3, 1.0))), date(2021, 12, 31), actor=admin
                )
    return {"progress_reports": reports}
