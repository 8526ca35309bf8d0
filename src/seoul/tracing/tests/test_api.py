from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from seoul.core.actions import issue_token
from seoul.tracing.models import Candidate
from seoul.tracing.tests.conftest import World

pytestmark = pytest.mark.django_db


def test_indicators_for_supervisors_only(world: World) -> None:
    contact = world.make_contact(world.make_case())
    c = Client()
    c.force_login(world.supervisor_mapo)
    body = c.get("/api/v1/tracing/indicators").json()
    assert body["followed_up_today"] == {"numerator": 0, "denominator": 1, "share": 0.0}
    assert {r["tracer"] for r in body["backlog"]} == {"tracer.mapo", "tracer.mapo2"}
    assert contact.person.name not in str(body)
    tracer = Client()
    tracer.force_login(world.tracer_mapo)
    assert tracer.get("/api/v1/tracing/indicators").status_code == 403
    assert Client().get("/api/v1/tracing/indicators").status_code == 401


ITEM = {
    "person_id": "p-9",
    "score": 12.5,
    "reasons": ["2026-11-20 19:00–20:00 at 노래방 (indoor, venue): 60 min together"],
    "overlap_minutes": 60,
    "first_contact": "2026-11-20T19:00:00+09:00",
    "places": ["노래방"],
}


@pytest.fixture
def post(world: World) -> Any:
    """POST a batch of candidates for a Mapo case with tracer.mapo's token (or ``secret``)."""
    case = world.make_case(presence_id="p-case")
    token = issue_token(None, world.tracer_mapo, "discovery job")

    def send(payload: object, secret: str = token, case_id: int | str = case.pk) -> Any:
        return Client().post(
            f"/api/v1/tracing/cases/{case_id}/candidates",
            payload,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )

    send.case = case  # type: ignore[attr-defined]
    return send


def test_batch_job_posts_candidates_with_a_token(world: World, post: Any) -> None:
    response = post({"candidates": [ITEM]})
    assert response.status_code == 200, response.content
    assert response.json() == {"new": 1, "refreshed": 0, "already_decided": 0, "refused": []}
    assert Candidate.objects.get(case=post.case).status == "pending"
    other = issue_token(None, world.tracer_gangnam, "other job")
    assert post({"candidates": [ITEM]}, secret=other).status_code == 404
    assert post({"candidates": [ITEM]}, case_id=2**70).status_code == 422  # not a case number at all


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_contact": "0001-01-01T00:00:00+14:00"}, "first_contact"),  # OverflowError before
        ({"first_contact": "9999-12-31T23:59:59-14:00"}, "first_contact"),
        ({"first_contact": "2019-12-31T12:00:00+09:00"}, "first_contact"),  # before the pandemic
        ({"first_contact": "2026-11-20T19:00:00"}, "first_contact"),  # no offset
        ({"score": "1e999"}, "score"),  # accepted as infinity before
        ({"score": float("nan")}, "score"),
        ({"score": -1}, "score"),
        ({"overlap_minutes": 10**9}, "overlap_minutes"),
        ({"person_id": "p\x00x"}, "person_id"),
        ({"person_id": ""}, "person_id"),
        ({"reasons": ["ok", "bad\x1b[31m"]}, "reasons.1"),
        ({"places": ["x" * 201]}, "places.0"),
    ],
)
def test_each_bad_item_is_refused_with_its_index_and_field_and_the_good_ones_kept(
    world: World, post: Any, change: dict[str, Any], field: str
) -> None:
    """Before, an instant at the edge of the calendar raised OverflowError (a 500) and a score
    of 1e999 was stored as infinity; one bad item cost the whole batch."""
    import json

    bad = {**ITEM, "person_id": "p-bad", **change}
    body = json.dumps({"candidates": [ITEM, bad]}, allow_nan=True).replace("Infinity", "1e999")
    if change.get("score") == "1e999":
        body = body.replace('"1e999"', "1e999")
    response = post(body)
    assert response.status_code == 200, response.content
    doc = response.json()
    assert doc["new"] == 1 and [(r["index"], r["field"]) for r in doc["refused"]] == [(1, field)]
    assert doc["refused"][0]["reason"]
    assert list(Candidate.objects.filter(case=post.case).values_list("presence_id", flat=True)) == ["p-9"]


def test_a_body_that_is_not_a_batch_is_a_422(world: World, post: Any) -> None:
    for body in ({"candidates": "all"}, {"candidates": [ITEM] * 1001}, {}):
        response = post(body)
        assert response.status_code == 422 and isinstance(response.json()["detail"], list)


def test_the_openapi_document_states_the_errors_and_the_rules() -> None:
    doc = Client().get("/api/v1/openapi.json").json()
    candidates = doc["paths"]["/api/v1/tracing/cases/{case_id}/candidates"]["post"]
    assert {"200", "401", "403", "404", "422"} <= set(candidates["responses"])
    indicators = doc["paths"]["/api/v1/tracing/indicators"]["get"]
    assert {"200", "401", "403"} <= set(indicators["responses"])
    case_id = next(p for p in candidates["parameters"] if p["name"] == "case_id")
    assert case_id["schema"]["minimum"] == 1
    body = doc["components"]["schemas"]["CandidatesIn"]["properties"]["candidates"]
    assert body["maxItems"] == 1000 and "first_contact" in body["description"]
    refused = doc["components"]["schemas"]["RefusedItem"]["properties"]
    assert set(refused) == {"index", "field", "reason"}
