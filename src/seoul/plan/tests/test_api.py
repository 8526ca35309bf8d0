from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from seoul.core.models import AuditEvent, User
from seoul.plan.models import Kpi, Project, Vision

pytestmark = pytest.mark.django_db

VALID = {"vision": 3, "institution": "SEOUL_METRO", "name_ko": "역사 무인 안내", "budget_krw": 1_000_000_000}


def post(client: Client, url: str, body: Any) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json")


@pytest.fixture
def op_client(operator: User) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def test_visions_contract(reference: None) -> None:
    response = Client().get("/api/v1/plan/visions")
    assert response.status_code == 200
    visions = response.json()
    assert [v["code"] for v in visions] == [1, 2, 3, 4, 5]
    for v in visions:
        assert isinstance(v["name_ko"], str) and v["name_ko"]
        assert isinstance(v["name_en"], str) and v["name_en"]
        assert type(v["projects_announced"]) is int
        assert type(v["budget_announced_krw"]) is int
    assert sum(v["projects_announced"] for v in visions) == 128
    assert sum(v["budget_announced_krw"] for v in visions) == 611_600_000_000
    assert [v["budget_announced_krw"] // 100_000_000 for v in visions] == [747, 2675, 831, 1759, 104]
    assert [v["projects_announced"] for v in visions] == [11, 32, 44, 29, 12]


def test_vision_figures_come_from_data(reference: None) -> None:
    Vision.objects.filter(code=5).update(projects_announced=13, budget_announced_krw=1)
    v5 = Client().get("/api/v1/plan/visions").json()[4]
    assert (v5["projects_announced"], v5["budget_announced_krw"]) == (13, 1)


def test_project_list_filters(reference: None) -> None:
    all_projects = Client().get("/api/v1/plan/projects").json()
    metro = Client().get("/api/v1/plan/projects", {"institution": "SEOUL_METRO"}).json()
    assert len(all_projects) == Project.objects.count()
    assert metro and all(p["institution"] == "SEOUL_METRO" for p in metro)
    assert Client().get("/api/v1/plan/projects/NOPE").status_code == 404


def test_create_project_with_kpi(op_client: Client, operator: User) -> None:
    response = post(
        op_client, "/api/v1/plan/projects", {**VALID, "kpis": [{"name": "설치 역", "unit": "개소", "target": "50"}]}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"].startswith("R-SEOUL_METRO-")
    assert body["origin"] == "registered"
    project = Project.objects.get(code=body["code"])
    assert project.created_by == operator
    assert list(project.kpis.values_list("name", "unit")) == [("설치 역", "개소")]
    event = AuditEvent.objects.get(event="plan.project.registered")
    assert event.target_id == str(project.pk)
    assert event.route == "/api/v1/plan/projects"
    assert event.actor == operator


def errors_for(response: Any) -> dict[str, str]:
    detail = response.json()["detail"]
    return {str(e["loc"][-1]): e["msg"] for e in detail}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name_ko": None}, "name_ko"),
        ({"name_ko": ""}, "name_ko"),
        ({"budget_krw": -1}, "budget_krw"),
        ({"budget_krw": "lots"}, "budget_krw"),
        ({"vision": 6}, "vision"),
        ({"vision": "two"}, "vision"),
        ({"deadline": "2021-02-30"}, "deadline"),
        ({"institution": "NOWHERE"}, "institution"),
        ({"kpis": [{"name": "x"}]}, "unit"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(op_client: Client, change: dict[str, Any], field: str) -> None:
    before = (Project.objects.count(), Kpi.objects.count())
    body = {**VALID, **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = post(op_client, "/api/v1/plan/projects", body)
    assert response.status_code == 422, response.content
    assert field in errors_for(response)
    assert (Project.objects.count(), Kpi.objects.count()) == before


def test_duplicate_kpi_names_roll_back_the_project(op_client: Client) -> None:
    before = Project.objects.count()
    kpis = [{"name": "same", "unit": "건"}, {"name": "same", "unit": "건"}]
    response = post(op_client, "/api/v1/plan/projects", {**VALID, "kpis": kpis})
    assert response.status_code == 422
    assert "name" in response.json()["detail"]
    assert Project.objects.count() == before
    assert not AuditEvent.objects.filter(event="plan.project.registered").exists()


def test_malformed_json_and_oversized_body(op_client: Client) -> None:
    response = post(op_client, "/api/v1/plan/projects", "{not json")
    assert response.status_code in (400, 422)
    huge = json.dumps({**VALID, "description": "가" * 3_000_000})
    response = post(op_client, "/api/v1/plan/projects", huge)
    assert response.status_code == 413
    assert response.json()["detail"][0]["type"] == "body_too_large"


def test_operator_cannot_register_for_another_institution(op_client: Client) -> None:
    before = Project.objects.count()
    response = post(op_client, "/api/v1/plan/projects", {**VALID, "institution": "SMC"})
    assert response.status_code == 403
    assert Project.objects.count() == before
    assert AuditEvent.objects.filter(event="authz.denied").exists()


def test_viewer_is_forbidden_and_anonymous_unauthorised(make_user: Callable[..., User]) -> None:
    assert post(Client(), "/api/v1/plan/projects", VALID).status_code == 401
    viewer = Client()
    viewer.force_login(make_user(roles={"plan": "viewer"}))
    assert post(viewer, "/api/v1/plan/projects", VALID).status_code == 403


def test_csrf_is_enforced_for_session_writes(operator: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    assert post(client, "/api/v1/plan/projects", VALID).status_code == 403


def test_progress_report(op_client: Client) -> None:
    code = "V3-TAGLESS"
    response = post(
        op_client,
        f"/api/v1/plan/projects/{code}/progress",
        {"reported_on": "2021-03-31", "status": "in_progress", "budget_executed_krw": 5_000_000},
    )
    assert response.status_code == 201, response.content
    assert response.json()["budget_executed_krw"] == 5_000_000
    response = post(
        op_client,
        f"/api/v1/plan/projects/{code}/progress",
        {"reported_on": "2999-01-01", "status": "done", "budget_executed_krw": 1},
    )
    assert response.status_code == 422
    assert "reported_on" in errors_for(response)
    response = post(
        op_client,
        f"/api/v1/plan/projects/{code}/progress",
        {"reported_on": "2021-03-31", "status": "finished", "budget_executed_krw": 1},
    )
    assert "status" in errors_for(response)
    assert Project.objects.get(code=code).budget_executed_krw == 5_000_000


def test_openapi_document_lists_plan_routes(reference: None) -> None:
    doc = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/plan/visions" in doc["paths"]
    assert Client().get("/api/v1/docs").status_code == 200
