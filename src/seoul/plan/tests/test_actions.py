"""The plan's actions check who acts, free text and dates themselves, whoever calls them
(pages, API, commands, the demo loader), and refuse with codes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from seoul.core.errors import Refused, codes_of
from seoul.core.models import AuditEvent, User
from seoul.plan import actions
from seoul.plan.models import Kpi, KpiValue, Milestone, ProgressReport, Project
from seoul.plan.tests import builders

pytestmark = pytest.mark.django_db

TODAY = date.today()


def fields_of(exc: ValidationError) -> set[str]:
    return set(exc.message_dict)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name_ko": "사업\x00"}, "name_ko"),
        ({"name_ko": "   "}, "name_ko"),
        ({"name_en": "Pro\u202eject"}, "name_en"),
        ({"name_en": ""}, "name_en"),
        ({"description": "설명\x1b"}, "description"),
        ({"unit": "개\x00"}, "unit"),
        ({"budget_krw": -1}, "budget_krw"),
        ({"budget_krw": 10**16}, "budget_krw"),
        ({"quantity": -3, "unit": "개"}, "quantity"),
        ({"quantity": 3}, "unit"),
        ({"deadline": date(1, 1, 1)}, "deadline"),
        ({"deadline": TODAY + timedelta(days=3700)}, "deadline"),
    ],
)
def test_register_project_checks_what_any_caller_sends(operator: User, change: dict[str, Any], field: str) -> None:
    before = Project.objects.count()
    with pytest.raises(ValidationError) as info:
        builders.registered(operator, **change)
    assert fields_of(info.value) == {field}
    assert Project.objects.count() == before
    assert not AuditEvent.objects.filter(event="plan.project.registered").exists()


def test_text_is_stored_stripped(operator: User) -> None:
    project = builders.registered(operator, name_ko="  새 사업 ", name_en=" A new project\t")
    assert (project.name_ko, project.name_en) == ("새 사업", "A new project")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reported_on": date(1, 1, 1)}, "reported_on"),
        ({"reported_on": date(2019, 12, 31)}, "reported_on"),
        ({"reported_on": TODAY + timedelta(days=2)}, "reported_on"),
        ({"note": "메모\x00"}, "note"),
        ({"budget_executed_krw": -1}, "budget_executed_krw"),
        ({"status": "finished"}, "status"),
    ],
)
def test_report_progress_checks_dates_text_and_amounts(operator: User, change: dict[str, Any], field: str) -> None:
    project = builders.metro_project()
    values = {"reported_on": date(2021, 3, 31), "status": "in_progress", "budget_executed_krw": 5, **change}
    with pytest.raises(ValidationError) as info:
        actions.report_progress(project, **values, actor=operator)
    assert fields_of(info.value) == {field}
    assert not ProgressReport.objects.exists()


def test_kpis_and_milestones_check_dates_text_and_numbers(operator: User) -> None:
    project = builders.metro_project()
    kpi = builders.kpi(project, operator)
    refusals: list[tuple[Callable[[], object], str]] = [
        (lambda: actions.add_kpi(project, actions.KpiInput("이름\x07", "개"), actor=operator), "name"),
        (lambda: actions.add_kpi(project, actions.KpiInput("이름", "개", Decimal("NaN")), actor=operator), "target"),
        (lambda: actions.add_kpi(project, actions.KpiInput("설치", "개"), actor=operator), "name"),  # taken
        (lambda: actions.record_kpi_value(kpi, Decimal(1), date(1, 1, 1), actor=operator), "measured_on"),
        (lambda: actions.record_kpi_value(kpi, Decimal("1e20"), date(2021, 1, 1), actor=operator), "value"),
        (lambda: actions.record_kpi_value(kpi, Decimal("0.00001"), date(2021, 1, 1), actor=operator), "value"),
        (lambda: actions.add_milestone(project, "\u202e단계", date(2021, 1, 1), actor=operator), "title"),
        (lambda: actions.add_milestone(project, "단계", date(2019, 1, 1), actor=operator), "due"),
    ]
    for call, field in refusals:
        with pytest.raises(ValidationError) as info:
            call()
        assert fields_of(info.value) == {field}, field
    assert (Kpi.objects.count(), KpiValue.objects.count(), Milestone.objects.count()) == (1, 0, 0)
    milestone = builders.milestone(project, operator)
    with pytest.raises(ValidationError) as info:
        actions.complete_milestone(milestone, date(9999, 1, 1), actor=operator)
    assert fields_of(info.value) == {"done_on"}


def test_refusals_carry_codes(operator: User) -> None:
    project = builders.metro_project()
    builders.kpi(project, operator)
    with pytest.raises(ValidationError) as info:
        actions.add_kpi(project, actions.KpiInput("설치", "개"), actor=operator)
    assert codes_of(info.value) == ["plan.kpi_name_taken"]
    milestone = builders.milestone(project, operator)
    actions.complete_milestone(milestone, date(2021, 6, 1), actor=operator)
    with pytest.raises(ValidationError) as info:
        actions.complete_milestone(milestone, date(2021, 7, 1), actor=operator)
    assert codes_of(info.value) == ["plan.milestone_done"]
    milestone.refresh_from_db()
    assert milestone.done_on == date(2021, 6, 1)


def test_every_action_rechecks_who_may_change_the_project(
    operator: User, plan_admin: User, viewer: User, make_user: Callable[..., User]
) -> None:
    """Whatever called it, an action refuses a person who may not change the project: an
    operator of another institution, a viewer, an operator without an institution."""
    other = builders.other_project(operator)
    kpi = builders.kpi(other, plan_admin)
    milestone = builders.milestone(other, plan_admin)
    stray = make_user(institution=None, roles={"plan": "operator"}, username="no.institution")

    def writes(actor: User) -> list[Callable[[], object]]:
        return [
            lambda: builders.report(other, actor),
            lambda: builders.kpi(other, actor, "다른 이름"),
            lambda: actions.record_kpi_value(kpi, Decimal(1), date(2021, 1, 1), actor=actor),
            lambda: builders.milestone(other, actor),
            lambda: actions.complete_milestone(milestone, date(2021, 1, 1), actor=actor),
            lambda: actions.register_project(
                actions.ProjectInput(vision=other.vision, institution=other.institution, name_ko="가", name_en="A"),
                actor=actor,
            ),
        ]

    for actor, code in (
        (operator, "plan.other_institution"),
        (viewer, "plan.needs_operator"),
        (stray, "plan.other_institution"),
    ):
        for write in writes(actor):
            with pytest.raises(Refused) as info:
                write()
            assert info.value.code == code
    assert not ProgressReport.objects.exists() and not KpiValue.objects.exists()
    assert Milestone.objects.get().done_on is None and Kpi.objects.count() == 1
    # the plan office may
    builders.report(other, plan_admin)
    assert ProgressReport.objects.filter(project=other).count() == 1


def test_a_report_stored_outside_the_era_never_decides_the_current_figures(operator: User) -> None:
    """A report dated 9999-12-31 stored before dates were checked would otherwise stay "the
    latest" for ever, and every later report would leave the project's figures unchanged."""
    project = builders.metro_project()
    builders.legacy_report(project, date(9999, 12, 31), executed=10**12)
    builders.report(project, operator, executed=7_000_000, day=date(2021, 6, 30))
    project.refresh_from_db()
    assert project.budget_executed_krw == 7_000_000
