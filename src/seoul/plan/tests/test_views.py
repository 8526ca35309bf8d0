from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from seoul.core.models import AuditEvent, User
from seoul.plan.models import Kpi, KpiValue, Milestone, ProgressReport, Project

pytestmark = pytest.mark.django_db

FORM = {
    "vision": "3",
    "institution": "",
    "name_ko": "무인 민원 안내",
    "name_en": "Unstaffed help points",
    "budget_krw": "2500000000",
    "quantity": "10",
    "unit": "개소",
    "deadline": "2022-12-31",
    "kpi_name": "설치 개소",
    "kpi_unit": "개소",
    "kpi_target": "10",
}


@pytest.fixture
def op_client(operator: User) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def form_for(user: User, **change: str) -> dict[str, str]:
    assert user.institution is not None
    return {**FORM, "institution": user.institution.code, **change}


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
        ({"kpi_unit": ""}, ["kpi_unit"]),
        ({"kpi_name": "", "kpi_target": "5"}, ["kpi_name"]),
        ({"quantity": "3", "unit": ""}, ["unit"]),
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


def test_operator_cannot_pick_another_institution(
    op_client: Client, operator: User, make_user: Callable[..., User]
) -> None:
    response = op_client.post("/plan/projects/new/", form_for(operator, institution="SMC"))
    assert response.status_code == 400
    assert "institution" in response.context["form"].errors


def _tagless() -> Project:
    return Project.objects.get(code="V3-TAGLESS")


def test_progress_kpi_and_milestones(op_client: Client, operator: User) -> None:
    project = _tagless()
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

    kpi = Kpi.objects.create(project=project, name="태그리스 게이트", unit="대")
    r = op_client.post(url + "kpi-values/", {"kpi": kpi.pk, "value": "556", "measured_on": "2022-12-31"})
    assert r.status_code == 302
    r = op_client.post(url + "kpi-values/", {"kpi": kpi.pk, "value": "600", "measured_on": "2022-12-31"})
    assert list(KpiValue.objects.filter(kpi=kpi).values_list("value", flat=True)) == [600]
    events = set(AuditEvent.objects.filter(actor=operator).values_list("event", flat=True))
    assert {"plan.progress.reported", "plan.milestone.added", "plan.milestone.done", "plan.kpi.measured"} <= events


def test_progress_bad_input(op_client: Client) -> None:
    project = _tagless()
    r = op_client.post(
        f"/plan/projects/{project.code}/progress/",
        {"reported_on": "2999-01-01", "status": "bogus", "budget_executed_krw": "-1"},
    )
    assert r.status_code == 400
    assert set(r.context["progress_form"].errors) == {"reported_on", "status", "budget_executed_krw"}
    assert not ProgressReport.objects.filter(project=project).exists()


def test_operator_cannot_report_on_another_institutions_project(op_client: Client) -> None:
    other = Project.objects.exclude(institution__code="SEOUL_METRO").first()
    assert other is not None
    r = op_client.post(
        f"/plan/projects/{other.code}/progress/",
        {"reported_on": "2021-01-01", "status": "done", "budget_executed_krw": "1"},
    )
    assert r.status_code == 403
    assert not ProgressReport.objects.filter(project=other).exists()
    # refused like the API and the route checks: an authz.denied record with who and where
    denied = AuditEvent.objects.get(event="authz.denied", route=f"/plan/projects/{other.code}/progress/")
    assert denied.actor is not None and denied.actor.username == "metro.op" and denied.method == "POST"


def test_dashboard_flags_and_filters(make_user: Callable[..., User], op_client: Client) -> None:
    viewer = Client()
    viewer.force_login(make_user(roles={"plan": "viewer"}))
    project = _tagless()
    Milestone.objects.create(project=project, title="늦은 단계", due=date(2021, 1, 1))
    body = viewer.get("/plan/dashboard/").content.decode()
    assert "늦은 단계" in body
    assert 'data-testid="flag-count"' in body
    filtered = viewer.get("/plan/dashboard/", {"institution": "SMC"}, HTTP_HX_REQUEST="true")
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


def test_export_neutralises_formulas(op_client: Client, operator: User) -> None:
    op_client.post(
        "/plan/projects/new/",
        form_for(operator, name_ko='=HYPERLINK("http://x")', kpi_name="", kpi_unit="", kpi_target=""),
    )
    rows = _rows(Client().get("/plan/export.csv").content)
    assert any(r["name_ko"].startswith("'=HYPERLINK") for r in rows)
