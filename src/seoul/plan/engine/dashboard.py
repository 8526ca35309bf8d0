"""Plan dashboard computation: announced against registered, execution, consistency flags.

Pure and typed: inputs are plain records built by ``selectors``; nothing here touches Django.

Definitions (documented in docs/architecture.md):
- *registered* projects are those in the register (named in the announcement or added by
  institution staff); *announced* figures are the five visions' published totals.
- execution rate = budget executed / registered budget, both over the projects that have a
  registered budget (집행률); execution reported on projects without a budget is shown but
  not rated;
  envelope use = registered budget / the vision's announced budget.
"""

from __future__ import annotations

import bisect
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

log = logging.getLogger("seoul.plan")


@dataclass(frozen=True)
class VisionFigures:
    code: int
    projects_announced: int
    budget_announced_krw: int


@dataclass(frozen=True)
class MilestoneFacts:
    title: str
    due: date
    done_on: date | None = None


@dataclass(frozen=True)
class ProjectFacts:
    code: str
    vision: int
    institution: str
    budget_krw: int | None
    executed_krw: int
    milestones: tuple[MilestoneFacts, ...] = ()
    deadline: date | None = None
    status: str = "planned"


@dataclass(frozen=True)
class Summary:
    key: str
    projects_announced: int | None
    projects_registered: int
    budget_announced_krw: int | None
    budget_registered_krw: int
    budget_executed_krw: int
    # Executed amount of the projects that have a registered budget: the rate's numerator.
    executed_of_budgeted_krw: int = 0

    @property
    def execution_rate(self) -> float | None:
        if self.budget_registered_krw <= 0:
            return None
        return self.executed_of_budgeted_krw / self.budget_registered_krw

    @property
    def envelope_use(self) -> float | None:
        if not self.budget_announced_krw:
            return None
        return self.budget_registered_krw / self.budget_announced_krw


class FlagKind(StrEnum):
    BUDGET_OVER_ENVELOPE = "budget_over_envelope"
    PROJECTS_OVER_ANNOUNCED = "projects_over_announced"
    MILESTONE_OVERDUE = "milestone_overdue"
    EXECUTED_OVER_BUDGET = "executed_over_budget"
    DEADLINE_PASSED = "deadline_passed"


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    subject: str
    detail: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Dashboard:
    total: Summary
    visions: tuple[Summary, ...]
    institutions: tuple[Summary, ...]
    flags: tuple[Flag, ...]


def _summarise(key: str, projects: Sequence[ProjectFacts], announced: VisionFigures | None) -> Summary:
    return Summary(
        key=key,
        projects_announced=announced.projects_announced if announced else None,
        projects_registered=len(projects),
        budget_announced_krw=announced.budget_announced_krw if announced else None,
        budget_registered_krw=sum(p.budget_krw or 0 for p in projects),
        budget_executed_krw=sum(p.executed_krw for p in projects),
        executed_of_budgeted_krw=sum(p.executed_krw for p in projects if p.budget_krw is not None),
    )


def compute_dashboard(visions: Iterable[VisionFigures], projects: Iterable[ProjectFacts], today: date) -> Dashboard:
    vision_list = sorted(visions, key=lambda v: v.code)
    project_list = list(projects)
    by_vision: dict[int, list[ProjectFacts]] = defaultdict(list)
    by_institution: dict[str, list[ProjectFacts]] = defaultdict(list)
    for p in project_list:
        by_vision[p.vision].append(p)
        by_institution[p.institution].append(p)

    vision_summaries = tuple(_summarise(str(v.code), by_vision[v.code], v) for v in vision_list)
    institution_summaries = tuple(
        _summarise(code, items, None) for code, items in sorted(by_institution.items(), key=lambda kv: kv[0])
    )
    total = Summary(
        key="total",
        projects_announced=sum(v.projects_announced for v in vision_list),
        projects_registered=len(project_list),
        budget_announced_krw=sum(v.budget_announced_krw for v in vision_list),
        budget_registered_krw=sum(s.budget_registered_krw for s in vision_summaries),
        budget_executed_krw=sum(s.budget_executed_krw for s in vision_summaries),
        executed_of_budgeted_krw=sum(s.executed_of_budgeted_krw for s in vision_summaries),
    )
    return Dashboard(
        total, vision_summaries, institution_summaries, tuple(find_flags(vision_list, project_list, today))
    )


def find_flags(visions: Sequence[VisionFigures], projects: Sequence[ProjectFacts], today: date) -> list[Flag]:
    flags: list[Flag] = []
    by_vision: dict[int, list[ProjectFacts]] = defaultdict(list)
    for p in projects:
        by_vision[p.vision].append(p)
    for v in visions:
        items = by_vision[v.code]
        budget = sum(p.budget_krw or 0 for p in items)
        if budget > v.budget_announced_krw:
            flags.append(
                Flag(
                    FlagKind.BUDGET_OVER_ENVELOPE,
                    f"vision:{v.code}",
                    {"registered_krw": budget, "announced_krw": v.budget_announced_krw},
                )
            )
        if len(items) > v.projects_announced:
            flags.append(
                Flag(
                    FlagKind.PROJECTS_OVER_ANNOUNCED,
                    f"vision:{v.code}",
                    {"registered": len(items), "announced": v.projects_announced},
                )
            )
    for p in sorted(projects, key=lambda p: p.code):
        if p.budget_krw is not None and p.executed_krw > p.budget_krw:
            flags.append(
                Flag(
                    FlagKind.EXECUTED_OVER_BUDGET,
                    f"project:{p.code}",
                    {"executed_krw": p.executed_krw, "budget_krw": p.budget_krw},
                )
            )
        if p.deadline is not None and p.deadline < today and p.status not in ("done", "cancelled"):
            flags.append(
                Flag(
                    FlagKind.DEADLINE_PASSED,
                    f"project:{p.code}",
                    {"deadline": p.deadline.isoformat(), "status": p.status},
                )
            )
        for m in p.milestones:
            if m.done_on is None and m.due < today:
                flags.append(
                    Flag(
                        FlagKind.MILESTONE_OVERDUE,
                        f"project:{p.code}",
                        {"milestone": m.title, "due": m.due.isoformat(), "days_late": (today - m.due).days},
                    )
                )
    return flags


@dataclass(frozen=True)
class ExecutionReport:
    project: str
    vision: int
    reported_on: date
    executed_krw: int


def month_ends(start: date, end: date) -> list[date]:
    """The last day of every month from ``start``'s month to ``end``'s month, inclusive."""
    out: list[date] = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        out.append(date.fromordinal(date(ny, nm, 1).toordinal() - 1))
        y, m = ny, nm
    return out


def execution_series(reports: Iterable[ExecutionReport], since: date, until: date) -> list[tuple[date, int, int]]:
    """Cumulative budget executed per vision at each month end: rows of (month_end, vision, krw).

    Each report states a project's cumulative execution on a date; at a month end a project
    counts with its latest report on or before that day (later corrections may go down).
    The series runs from the month of the first report to the month of ``until``. Reports dated
    before ``since`` or after ``until`` (stored before dates were checked, or by a path that
    skipped the checks) are left out and logged: one report dated in year 1 would otherwise
    stretch the series over two thousand years.
    """
    per_project: dict[str, list[ExecutionReport]] = defaultdict(list)
    for r in reports:
        if since <= r.reported_on <= until:
            per_project[r.project].append(r)
        else:
            log.warning(
                "progress report of %s dated %s is outside %s..%s: left out of the execution series",
                r.project,
                r.reported_on.isoformat(),
                since.isoformat(),
                until.isoformat(),
            )
    if not per_project:
        return []
    for items in per_project.values():
        items.sort(key=lambda r: r.reported_on)
    first = min(items[0].reported_on for items in per_project.values())
    visions = sorted({items[-1].vision for items in per_project.values()})
    rows: list[tuple[date, int, int]] = []
    for day in month_ends(first, until):
        totals = dict.fromkeys(visions, 0)
        for items in per_project.values():
            idx = bisect.bisect_right([r.reported_on for r in items], day) - 1
            if idx >= 0:
                totals[items[idx].vision] += items[idx].executed_krw
        rows.extend((day, v, totals[v]) for v in visions)
    return rows
