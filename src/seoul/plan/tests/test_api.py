from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from seoul.core.models import AuditEvent, User
from seoul.plan.models import Kpi, ProgressReport, Project, Vision
from seoul.plan.tests import builders
from seoul.plan.tests.builders import PAYLOAD, TAGLESS, signed_in

pytestmark = pytest.mark.django_db

PROGRESS = {"reported_on": "2021-03-31", "status": "in_progress", "budget_executed_krw": 5_000_000}


def post(client: Client, url: str, body: Any, **headers: Any) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **headers)


def errors_for(response: Any) -> dict[str, str]:
    """The fields a 422 names (the last part of each error's ``loc``) with their messages."""
    detail = response.json()["detail"]
    return {str(e["loc"][-1]): e["msg"] for e in detail}


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
    for bad in ({"vision": 9}, {"institution": "seoul metro"}, {"institution": "X" * 33}):
        response = Client().get("/api/v1/plan/projects", bad)
        assert response.status_code == 422 and set(errors_for(response)) == set(bad)


def test_create_project_with_kpi(op_client: Client, operator: User) -> None:
    response = post(
        op_client,
        "/api/v1/plan/projects",
        {**PAYLOAD, "kpis": [{"name": "설치 역", "unit": "개소", "target": "50"}]},
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


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name_ko": None}, "name_ko"),
        ({"name_ko": ""}, "name_ko"),
        ({"name_en": None}, "name_en"),
        ({"budget_krw": -1}, "budget_krw"),
        ({"budget_krw": 10**16}, "budget_krw"),
        ({"budget_krw": "lots"}, "budget_krw"),
        ({"vision": 6}, "vision"),
        ({"vision": "two"}, "vision"),
        ({"deadline": "2021-02-30"}, "deadline"),
        ({"deadline": "0001-01-01"}, "deadline"),
        ({"deadline": "2019-12-31"}, "deadline"),
        ({"deadline": "2100-01-01"}, "deadline"),
        ({"institution": "NOWHERE"}, "institution"),
        ({"institution": "seoul_metro\u0000"}, "institution"),
        ({"kpis": [{"name": "x"}]}, "unit"),
        ({"quantity": 5}, "unit"),
        # control characters (NUL included) and text-direction overrides in every free text
        ({"name_ko": "역사\u0000안내"}, "name_ko"),
        ({"name_en": "Help\u001bpoints"}, "name_en"),
        ({"description": "설명\u202e"}, "description"),
        ({"unit": "개\u0007", "quantity": 1}, "unit"),
        ({"kpis": [{"name": "설치\u0000", "unit": "개"}]}, "name"),
        ({"kpis": [{"name": "설치", "unit": "개\u0085"}]}, "unit"),
        ({"kpis": [{"name": "same", "unit": "건"}, {"name": "same", "unit": "건"}]}, "kpis"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(op_client: Client, change: dict[str, Any], field: str) -> None:
    before = (Project.objects.count(), Kpi.objects.count())
    body = {**PAYLOAD, **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = post(op_client, "/api/v1/plan/projects", body)
    assert response.status_code == 422, response.content
    assert field in errors_for(response), response.json()
    assert (Project.objects.count(), Kpi.objects.count()) == before


def test_unknown_codes_are_refused_with_the_field_and_the_error_code(op_client: Client) -> None:
    Vision.objects.filter(code=5).update(code=9)  # a vision missing from the reference data
    response = post(op_client, "/api/v1/plan/projects", {**PAYLOAD, "vision": 5})
    (error,) = response.json()["detail"]
    assert (error["loc"], error["type"]) == (["body", "vision"], "plan.unknown_vision")
    assert error["msg"] == "5번 비전은 없습니다. 비전은 1번부터 5번까지입니다."  # the platform's language
    english = post(op_client, "/api/v1/plan/projects", {**PAYLOAD, "vision": 5}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"][0]["msg"] == "There is no vision 5: the plan has visions 1 to 5."
    response = post(op_client, "/api/v1/plan/projects", {**PAYLOAD, "institution": "NOWHERE"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "institution"]
    assert response.json()["detail"][0]["type"] == "plan.unknown_institution"


def test_malformed_json_and_oversized_body(op_client: Client) -> None:
    response = post(op_client, "/api/v1/plan/projects", "{not json")
    assert response.status_code in (400, 422)
    huge = json.dumps({**PAYLOAD, "description": "가" * 3_000_000})
    response = post(op_client, "/api/v1/plan/projects", huge)
    assert response.status_code == 413
    assert response.json()["detail"][0]["type"] == "body_too_large"


def test_operator_cannot_register_for_another_institution(op_client: Client) -> None:
    before = Project.objects.count()
    response = post(op_client, "/api/v1/plan/projects", {**PAYLOAD, "institution": "SMC"})
    assert response.status_code == 403
    assert "서울의료원" in response.json()["detail"]
    assert Project.objects.count() == before
    # one record of the refusal, with its code
    denied = AuditEvent.objects.get(event="authz.denied")
    assert denied.new == {"refused": "plan.other_institution"} and denied.route == "/api/v1/plan/projects"


def test_viewer_is_forbidden_and_anonymous_unauthorised(viewer: User) -> None:
    assert post(Client(), "/api/v1/plan/projects", PAYLOAD).status_code == 401
    assert post(signed_in(viewer), "/api/v1/plan/projects", PAYLOAD).status_code == 403
    assert post(Client(), f"/api/v1/plan/projects/{TAGLESS}/progress", PROGRESS).status_code == 401
    assert post(signed_in(viewer), f"/api/v1/plan/projects/{TAGLESS}/progress", PROGRESS).status_code == 403
    assert not ProgressReport.objects.exists()


def test_csrf_is_enforced_for_session_writes(operator: User) -> None:
    client = signed_in(operator, enforce_csrf_checks=True)
    assert post(client, "/api/v1/plan/projects", PAYLOAD).status_code == 403


def test_progress_report(op_client: Client) -> None:
    url = f"/api/v1/plan/projects/{TAGLESS}/progress"
    response = post(op_client, url, PROGRESS)
    assert response.status_code == 201, response.content
    assert response.json()["budget_executed_krw"] == 5_000_000
    response = post(op_client, url, {**PROGRESS, "reported_on": "2999-01-01", "budget_executed_krw": 1})
    assert response.status_code == 422
    assert "reported_on" in errors_for(response)
    response = post(op_client, url, {**PROGRESS, "status": "finished", "budget_executed_krw": 1})
    assert "status" in errors_for(response)
    assert Project.objects.get(code=TAGLESS).budget_executed_krw == 5_000_000
    assert post(op_client, "/api/v1/plan/projects/V9-NOPE/progress", PROGRESS).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reported_on": "0001-01-01"}, "reported_on"),
        ({"reported_on": "2019-12-31"}, "reported_on"),
        ({"note": "메모\u0000"}, "note"),
        ({"note": "\u202e"}, "note"),
        ({"budget_executed_krw": 10**16}, "budget_executed_krw"),
    ],
)
def test_progress_outside_the_plans_range_or_with_control_characters_is_refused(
    op_client: Client, change: dict[str, Any], field: str
) -> None:
    """``reported_on=0001-01-01`` was accepted and made the public page 370 times larger."""
    response = post(op_client, f"/api/v1/plan/projects/{TAGLESS}/progress", {**PROGRESS, **change})
    assert response.status_code == 422, response.content
    assert list(errors_for(response)) == [field]
    assert not ProgressReport.objects.exists()


def test_operator_cannot_report_on_another_institutions_project_by_api(op_client: Client, operator: User) -> None:
    other = builders.other_project(operator)
    response = post(op_client, f"/api/v1/plan/projects/{other.code}/progress", PROGRESS)
    assert response.status_code == 403
    assert not ProgressReport.objects.filter(project=other).exists()
    assert AuditEvent.objects.filter(event="authz.denied", new={"refused": "plan.other_institution"}).count() == 1


def _operation(doc: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return doc["paths"][f"/api/v1/plan{path}"][method]  # type: ignore[no-any-return]


def _schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return doc["components"]["schemas"][name]  # type: ignore[no-any-return]


def test_openapi_document_tells_the_truth(reference: None) -> None:
    doc = Client().get("/api/v1/openapi.json").json()
    expected = {
        ("/visions", "get"): {"200"},
        ("/projects", "get"): {"200", "422"},
        ("/projects/{code}", "get"): {"200", "404", "422"},
        ("/projects", "post"): {"201", "401", "403", "422"},
        ("/projects/{code}/progress", "post"): {"201", "401", "403", "404", "422"},
    }
    for (path, method), codes in expected.items():
        assert set(_operation(doc, path, method)["responses"]) == codes, (path, method)
    project_in = _schema(doc, "ProjectIn")["properties"]
    assert "pattern" in project_in["name_ko"] and project_in["name_ko"]["maxLength"] == 200
    assert project_in["budget_krw"]["anyOf"][0]["maximum"] == 10**15
    assert project_in["vision"]["minimum"] == 1 and project_in["vision"]["maximum"] == 5
    assert "ten years" in project_in["deadline"]["anyOf"][0]["description"]
    assert set(_schema(doc, "ProjectIn")["required"]) >= {"vision", "institution", "name_ko", "name_en"}
    progress_in = _schema(doc, "ProgressIn")["properties"]
    assert "2020-01-01" in progress_in["reported_on"]["description"]
    assert "pattern" in progress_in["note"]
    assert _schema(doc, "KpiIn")["properties"]["name"]["minLength"] == 1
