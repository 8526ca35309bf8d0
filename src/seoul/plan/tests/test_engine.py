from __future__ import annotations

import logging
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seoul.plan.engine.dashboard import (
    ExecutionReport,
    FlagKind,
    MilestoneFacts,
    ProjectFacts,
    VisionFigures,
    compute_dashboard,
    execution_series,
    month_ends,
)

VISIONS = [VisionFigures(1, 2, 1_000), VisionFigures(2, 1, 500)]
TODAY = date(2021, 7, 1)
ERA_START = date(2020, 1, 1)


def project(
    code: str, vision: int = 1, inst: str = "A", budget: int | None = 100, executed: int = 0, **kw: object
) -> ProjectFacts:
    return ProjectFacts(code=code, vision=vision, institution=inst, budget_krw=budget, executed_krw=executed, **kw)  # type: ignore[arg-type]


def test_summaries_per_vision_institution_and_total() -> None:
    board = compute_dashboard(
        VISIONS,
        [project("a", 1, "A", 300, 150), project("b", 1, "B", None, 0), project("c", 2, "A", 200, 50)],
        TODAY,
    )
    v1, v2 = board.visions
    assert (v1.projects_registered, v1.budget_registered_krw, v1.budget_executed_krw) == (2, 300, 150)
    assert v1.execution_rate == 0.5
    assert v1.envelope_use == 0.3
    assert (v2.projects_registered, v2.budget_registered_krw) == (1, 200)
    assert [s.key for s in board.institutions] == ["A", "B"]
    assert board.institutions[0].budget_registered_krw == 500
    assert board.institutions[1].execution_rate is None  # no budget registered
    assert board.total.projects_announced == 3
    assert board.total.budget_announced_krw == 1_500
    assert board.total.budget_executed_krw == 200


def test_execution_rate_ignores_projects_without_budget() -> None:
    board = compute_dashboard(
        VISIONS, [project("a", budget=100, executed=50), project("b", budget=None, executed=900)], TODAY
    )
    assert board.visions[0].budget_executed_krw == 950
    assert board.visions[0].execution_rate == 0.5
    assert board.total.execution_rate == 0.5


def test_vision_without_projects_still_listed() -> None:
    board = compute_dashboard(VISIONS, [], TODAY)
    assert [s.key for s in board.visions] == ["1", "2"]
    assert board.visions[1].projects_registered == 0
    assert board.flags == ()


def test_flags_budget_over_envelope_and_too_many_projects() -> None:
    board = compute_dashboard(VISIONS, [project("a", 2, budget=400), project("b", 2, budget=101)], TODAY)
    kinds = {(f.kind, f.subject) for f in board.flags}
    assert (FlagKind.BUDGET_OVER_ENVELOPE, "vision:2") in kinds
    assert (FlagKind.PROJECTS_OVER_ANNOUNCED, "vision:2") in kinds
    assert not any(f.subject == "vision:1" for f in board.flags)


def test_envelope_exactly_used_is_not_flagged() -> None:
    board = compute_dashboard(VISIONS, [project("a", 2, budget=500)], TODAY)
    assert board.flags == ()


def test_overdue_milestone_edges() -> None:
    milestones = (
        MilestoneFacts("due yesterday", date(2021, 6, 30)),
        MilestoneFacts("due today", TODAY),
        MilestoneFacts("done late", date(2021, 1, 1), done_on=date(2021, 2, 1)),
    )
    board = compute_dashboard(VISIONS, [project("a", milestones=milestones)], TODAY)
    overdue = [f for f in board.flags if f.kind == FlagKind.MILESTONE_OVERDUE]
    assert [f.detail["milestone"] for f in overdue] == ["due yesterday"]
    assert overdue[0].detail["days_late"] == 1


def test_deadline_passed_and_executed_over_budget() -> None:
    board = compute_dashboard(
        VISIONS,
        [
            project("late", deadline=date(2021, 6, 30), status="in_progress"),
            project("finished", deadline=date(2021, 6, 30), status="done"),
            project("over", vision=2, budget=100, executed=101),
        ],
        TODAY,
    )
    assert {(f.kind, f.subject) for f in board.flags} == {
        (FlagKind.DEADLINE_PASSED, "project:late"),
        (FlagKind.EXECUTED_OVER_BUDGET, "project:over"),
    }


def test_month_ends_cross_year_and_february() -> None:
    assert month_ends(date(2020, 11, 15), date(2021, 2, 1)) == [
        date(2020, 11, 30),
        date(2020, 12, 31),
        date(2021, 1, 31),
        date(2021, 2, 28),
    ]
    assert month_ends(date(2024, 2, 1), date(2024, 2, 29)) == [date(2024, 2, 29)]


def test_execution_series_uses_latest_report_per_project() -> None:
    reports = [
        ExecutionReport("a", 1, date(2021, 1, 10), 100),
        ExecutionReport("a", 1, date(2021, 2, 10), 250),
        ExecutionReport("b", 1, date(2021, 2, 28), 40),
        ExecutionReport("c", 2, date(2021, 3, 1), 7),
        # A correction downward is honoured from its date on.
        ExecutionReport("a", 1, date(2021, 3, 15), 200),
    ]
    rows = execution_series(reports, ERA_START, date(2021, 3, 31))
    assert rows == [
        (date(2021, 1, 31), 1, 100),
        (date(2021, 1, 31), 2, 0),
        (date(2021, 2, 28), 1, 290),
        (date(2021, 2, 28), 2, 0),
        (date(2021, 3, 31), 1, 240),
        (date(2021, 3, 31), 2, 7),
    ]


def test_execution_series_empty() -> None:
    assert execution_series([], ERA_START, TODAY) == []


def test_execution_series_leaves_out_reports_outside_the_range(caplog: pytest.LogCaptureFixture) -> None:
    """A report dated in year 1 (stored before dates were checked) made the series run over
    two thousand years of month ends: 24,000 rows per vision, and the public page 370 times
    larger. Reports outside the plan's range are left out and logged; the rest is unchanged."""
    good = [ExecutionReport("a", 1, date(2021, 1, 10), 100), ExecutionReport("a", 1, date(2021, 2, 10), 250)]
    bad = [
        ExecutionReport("b", 2, date(1, 1, 1), 10**12),
        ExecutionReport("c", 3, date(9999, 12, 31), 10**12),
        ExecutionReport("a", 1, date(2019, 12, 31), 999),
    ]
    with caplog.at_level(logging.WARNING, logger="seoul.plan"):
        rows = execution_series(good + bad, ERA_START, date(2021, 2, 28))
    assert rows == execution_series(good, ERA_START, date(2021, 2, 28))
    assert rows == [(date(2021, 1, 31), 1, 100), (date(2021, 2, 28), 1, 250)]
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "0001-01-01" in logged and "9999-12-31" in logged and "2019-12-31" in logged


projects_strategy = st.lists(
    st.builds(
        ProjectFacts,
        code=st.text("abcdef", min_size=1, max_size=4),
        vision=st.sampled_from([1, 2]),
        institution=st.sampled_from(["A", "B", "C"]),
        budget_krw=st.one_of(st.none(), st.integers(0, 10**12)),
        executed_krw=st.integers(0, 10**12),
    ),
    max_size=30,
)


@given(projects_strategy)
def test_totals_equal_sum_of_parts(projects: list[ProjectFacts]) -> None:
    board = compute_dashboard(VISIONS, projects, TODAY)
    for attr in ("projects_registered", "budget_registered_krw", "budget_executed_krw"):
        total = getattr(board.total, attr)
        assert total == sum(getattr(s, attr) for s in board.visions)
        assert total == sum(getattr(s, attr) for s in board.institutions)


@given(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 10**9)), min_size=1, max_size=20))
def test_series_never_decreases_when_reports_only_grow(points: list[tuple[int, int]]) -> None:
    start = date(2020, 7, 1).toordinal()
    ordered = sorted(points)
    running = 0
    reports = []
    for offset, amount in ordered:
        running += amount
        reports.append(ExecutionReport("p", 1, date.fromordinal(start + offset), running))
    values = [krw for _, _, krw in execution_series(reports, ERA_START, date(2021, 12, 31))]
    assert values == sorted(values)
    assert values[-1] == running
