from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from seoul.core.models import AuditEvent, User
from seoul.plan.models import Kpi, KpiValue, Milestone, ProgressReport, Project
from seoul.plan.tests import builders
from seoul.plan.tests.builders import TAGLESS, form_for, signed_in

pytestmark = pytest.mark.django_db


def test_public_page_shows_announced_totals_anonymously(reference: None) -> None:
    response = Client().get("/plan/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="total-projects">128<' in body
    assert 'data-testid="total-budget">6,116억 원<' in body
    assert body.count('<tr data-vision="') == 5
    assert "365일 상시 방역체계 구축" in body
    # Citizens see no flags and no staff names.
    assert "flag-list" not in body


def test_public_page_in_english(reference: None) -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/plan/"})
    body = client.get("/plan/").content.decode()
    assert 'lang="en"' in body
    assert "A 365-day permanent quarantine system" in body
    assert 'data-testid="total-budget">KRW 611.6 billion<' in body


def test_register_project_with_kpi(op_client: Client, operator: User) -> None:
    response = op_client.post("/plan/projects/new/", form_for(operator))
    assert response.status_code == 302
    project = Project.objects.get(name_ko="무인 민원 안내")
    assert response["Location"] == f"/plan/projects/{project.code}/"
    assert project.institution == operator.institution
    assert project.budget_krw == 2_500_000_000
    assert project.deadline == date(2022, 12, 31)
    kpi = Kpi.objects.get(project=project)
    assert (kpi.name, kpi.unit, int(kpi.target or 0)) == ("설치 개소", "개소", 10)
    page = op_client.get(response["Location"]).content.decode()
    assert "설치 개소" in page


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"name_ko": "", "budget_krw": "-5"}, ["name_ko", "budget_krw"]),
        ({"budget_krw": "12abc"}, ["budget_krw"]),
        ({"vision": "9"}, ["vision"]),
        ({"institution": "NOWHERE"}, ["institution"]),
        ({"deadline": "2022-02-30"}, ["deadline"]),
        ({"deadline": "0001-01-01"}, ["deadline"]),
        ({"kpi_unit": ""}, ["kpi_unit"]),
        ({"kpi_name": "", "kpi_target": "5"}, ["kpi_name"]),
        ({"quantity": "3", "unit": ""}, ["unit"]),
        ({"name_en": ""}, ["name_en"]),
        ({"name_ko": "사업\x00이름"}, ["name_ko"]),
    ],
)
def test_register_bad_input(op_client: Client, operator: User, change: dict[str, str], fields: list[str]) -> None:
    before = (Project.objects.count(), Kpi.objects.count())
    response = op_client.post("/plan/projects/new/", form_for(operator, **change))
    assert response.status_code == 400
    form = response.context["form"]
    assert sorted(form.errors) == sorted(fields)
    body = response.content.decode()
    assert 'class="error-summary"' in body
    for f in fields:
        assert f'href="#id_{f}"' in body
    assert (Project.objects.count(), Kpi.objects.count()) == before


def test_operator_cannot_pick_another_institution(op_client: Client, operator: User) -> None:
    response = op_client.post("/plan/projects/new/", form_for(operator, institution="SMC"))
    assert response.status_code == 400
    assert "institution" in response.context["form"].errors
    # and is not offered one: the only institution in the list is the operator's own
    options = re.findall(r'<option value="([^"]*)"', op_client.get("/plan/projects/new/").content.decode())
    assert "SEOUL_METRO" in options and "SMC" not in options


def test_progress_kpi_and_milestones(op_client: Client, operator: User) -> None:
    project = builders.project()
    url = f"/plan/projects/{project.code}/"
    r = op_client.post(
        url + "progress/",
        {"reported_on": "2021-06-30", "status": "in_progress", "budget_executed_krw": "700000000", "note": "1차 설치"},
    )
    assert r.status_code == 302
    # A late report for an earlier date does not override the latest figures.
    op_client.post(
        url + "progress/", {"reported_on": "2021-03-31", "status": "planned", "budget_executed_krw": "100000000"}
    )
    project.refresh_from_db()
    assert (project.status, project.budget_executed_krw) == ("in_progress", 700_000_000)
    assert ProgressReport.objects.filter(project=project).count() == 2

    r = op_client.post(url + "milestones/", {"title": "1단계", "due": "2021-01-31"})
    assert r.status_code == 302
    m = Milestone.objects.get(project=project)
    r = op_client.post(url + f"milestones/{m.pk}/done/")
    m.refresh_from_db()
    assert m.done_on is not None

    kpi = builders.kpi(project, operator, "태그리스 게이트", "대")
    r = op_client.post(url + "kpi-values/", {"kpi": kpi.pk, "value": "556", "measured_on": "2022-12-31"})
    assert r.status_code == 302
    events = set(AuditEvent.objects.filter(actor=operator).values_list("event", flat=True))
    assert {"plan.progress.reported", "plan.milestone.added", "plan.milestone.done", "plan.kpi.measured"} <= events


def test_a_second_kpi_value_for_a_day_is_a_correction_said_out_loud(op_client: Client, operator: User) -> None:
    """History is not overwritten silently: the correction is told to its author and audited
    with the value before."""
    project = builders.project()
    kpi = builders.kpi(project, operator)
    url = f"/plan/projects/{project.code}/kpi-values/"
    op_client.post(url, {"kpi": kpi.pk, "value": "556", "measured_on": "2022-12-31"})
    r = op_client.post(url, {"kpi": kpi.pk, "value": "600", "measured_on": "2022-12-31"}, follow=True)
    assert list(KpiValue.objects.filter(kpi=kpi).values_list("value", flat=True)) == [600]
    assert "2022-12-31" in r.content.decode() and "556" in r.content.decode() and "600" in r.content.decode()
    last = AuditEvent.objects.filter(event="plan.kpi.measured").order_by("-id").first()
    assert last is not None and last.old == {"value": "556.0000"}


def test_a_milestone_is_marked_done_once(op_client: Client, operator: User) -> None:
    """A second "mark done" (a double click, a replayed form) keeps the first day and says so
    in Korean on a Korean page."""
    project = builders.project()
    m = builders.milestone(project, operator)
    url = f"/plan/projects/{project.code}/milestones/{m.pk}/done/"
    op_client.post(url)
    m.refresh_from_db()
    first = m.done_on
    assert first is not None
    r = op_client.post(url, follow=True)
    m.refresh_from_db()
    assert m.done_on == first
    assert f"이미 {first.isoformat()}에 완료" in r.content.decode()
    assert AuditEvent.objects.filter(event="plan.milestone.done").count() == 1


def test_progress_bad_input(op_client: Client) -> None:
    project = builders.project()
    r = op_client.post(
        f"/plan/projects/{project.code}/progress/",
        {"reported_on": "2999-01-01", "status": "bogus", "budget_executed_krw": "-1"},
    )
    assert r.status_code == 400
    assert set(r.context["progress_form"].errors) == {"reported_on", "status", "budget_executed_krw"}
    for day in ("0001-01-01", "2019-12-31"):
        r = op_client.post(
            f"/plan/projects/{project.code}/progress/",
            {"reported_on": day, "status": "done", "budget_executed_krw": "1"},
        )
        assert set(r.context["progress_form"].errors) == {"reported_on"}
    assert not ProgressReport.objects.filter(project=project).exists()


def test_operator_cannot_report_on_another_institutions_project(op_client: Client, operator: User) -> None:
    other = builders.other_project(operator)
    r = op_client.post(
        f"/plan/projects/{other.code}/progress/",
        {"reported_on": "2021-01-01", "status": "done", "budget_executed_krw": "1"},
    )
    assert r.status_code == 403
    assert not ProgressReport.objects.filter(project=other).exists()
    # refused like the API and the route checks: one authz.denied record with who and where
    denied = AuditEvent.objects.get(event="authz.denied", route=f"/plan/projects/{other.code}/progress/")
    assert denied.actor is not None and denied.actor.username == "metro.op" and denied.method == "POST"
    assert denied.new == {"refused": "plan.other_institution"}


@pytest.mark.parametrize("path", ["progress/", "kpi-values/", "milestones/", "milestones/{m}/done/"])
def test_every_write_on_another_institutions_project_is_refused(
    op_client: Client, operator: User, plan_admin: User, path: str
) -> None:
    other = builders.other_project(operator)
    m = builders.milestone(other, plan_admin)
    builders.kpi(other, plan_admin)
    before = (ProgressReport.objects.count(), KpiValue.objects.count(), Milestone.objects.count())
    r = op_client.post(f"/plan/projects/{other.code}/{path.format(m=m.pk)}", {"title": "x", "due": "2022-01-01"})
    assert r.status_code == 403
    m.refresh_from_db()
    assert m.done_on is None
    assert (ProgressReport.objects.count(), KpiValue.objects.count(), Milestone.objects.count()) == before


def test_kpis_and_milestones_must_belong_to_the_project_in_the_url(
    op_client: Client, operator: User, plan_admin: User
) -> None:
    """A KPI or milestone id of another project, sent to a project the operator may change,
    changes nothing: the KPI is not one of the form's choices, the milestone is not found."""
    own = builders.project()
    builders.kpi(own, operator)
    other = builders.other_project(operator)
    foreign_kpi = builders.kpi(other, plan_admin)
    foreign_milestone = builders.milestone(other, plan_admin)
    r = op_client.post(
        f"/plan/projects/{own.code}/kpi-values/",
        {"kpi": foreign_kpi.pk, "value": "1", "measured_on": "2021-01-01"},
    )
    assert r.status_code == 400 and "kpi" in r.context["kpi_form"].errors
    assert 'href="#id_kpi"' in r.content.decode()
    r = op_client.post(f"/plan/projects/{own.code}/milestones/{foreign_milestone.pk}/done/")
    assert r.status_code == 404
    foreign_milestone.refresh_from_db()
    assert foreign_milestone.done_on is None
    assert not KpiValue.objects.exists()


def test_plan_admins_change_any_institutions_project(plan_admin: User) -> None:
    other = builders.project("V1-CONTACT-TRACERS")
    r = signed_in(plan_admin).post(
        f"/plan/projects/{other.code}/progress/",
        {"reported_on": "2021-01-01", "status": "in_progress", "budget_executed_krw": "5"},
    )
    assert r.status_code == 302
    assert ProgressReport.objects.filter(project=other, reported_by=plan_admin).count() == 1


def test_viewers_and_anonymous_visitors_change_nothing(viewer: User) -> None:
    project = builders.project()
    body = {"reported_on": "2021-01-01", "status": "done", "budget_executed_krw": "1"}
    assert signed_in(viewer).post(f"/plan/projects/{project.code}/progress/", body).status_code == 403
    anonymous = Client().post(f"/plan/projects/{project.code}/progress/", body)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert not ProgressReport.objects.exists()
    # the project page offers no forms to them
    for client in (signed_in(viewer), Client()):
        assert (
            '<form method="post" action="/plan/projects/'
            not in client.get(f"/plan/projects/{TAGLESS}/").content.decode()
        )


def test_dashboard_flags_and_filters(viewer: User, operator: User) -> None:
    client = signed_in(viewer)
    project = builders.project()
    Milestone.objects.create(project=project, title="늦은 단계", due=date(2021, 1, 1))
    body = client.get("/plan/dashboard/").content.decode()
    assert "늦은 단계" in body
    assert 'data-testid="flag-count"' in body
    filtered = client.get("/plan/dashboard/", {"institution": "SMC"}, HTTP_HX_REQUEST="true")
    rows = filtered.content.decode()
    assert 'id="project-table"' in rows
    assert "V3-TAGLESS" not in rows
    assert "<html" not in rows  # htmx gets the table only


def _rows(content: bytes) -> list[dict[str, Any]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_exports(reference: None) -> None:
    client = Client()
    r = client.get("/plan/export.csv")
    assert r["Content-Type"].startswith("text/csv")
    rows = _rows(r.content)
    assert len(rows) == Project.objects.count()
    assert {"code", "vision", "institution_code", "budget_krw"} <= set(rows[0])
    r = client.get("/plan/export.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    assert ws.max_row == Project.objects.count() + 1
    assert AuditEvent.objects.filter(event="plan.exported").count() == 2


def test_export_works_with_an_old_row_holding_control_characters(reference: None) -> None:
    """A project name with a control character broke the XLSX export for everyone. Forms, the
    API and the actions now refuse such names; a row stored before is exported with the
    characters replaced (U+FFFD), and every other row is still there."""
    # (PostgreSQL stores no NUL at all: an old row can hold the other control characters)
    Project.objects.filter(code=TAGLESS).update(name_ko="태그리스\x0b게이트\x1b", unit="\x07개")
    r = Client().get("/plan/export.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None and ws.max_row == Project.objects.count() + 1
    names = [row[4] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert "태그리스\ufffd게이트\ufffd" in names
    assert any(r["name_ko"] == "태그리스\ufffd게이트\ufffd" for r in _rows(Client().get("/plan/export.csv").content))


def test_export_neutralises_formulas(op_client: Client, operator: User) -> None:
    op_client.post(
        "/plan/projects/new/",
        form_for(operator, name_ko='=HYPERLINK("http://x")', kpi_name="", kpi_unit="", kpi_target=""),
    )
    rows = _rows(Client().get("/plan/export.csv").content)
    assert any(r["name_ko"].startswith("'=HYPERLINK") for r in rows)
