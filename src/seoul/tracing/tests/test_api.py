from __future__ import annotations

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


def test_batch_job_posts_candidates_with_a_token(world: World) -> None:
    case = world.make_case(presence_id="p-case")
    token = issue_token(None, world.tracer_mapo, "discovery job")
    other = issue_token(None, world.tracer_gangnam, "other job")
    item = {
        "person_id": "p-9",
        "score": 12.5,
        "reasons": ["2026-11-20 19:00–20:00 at 노래방 (indoor, venue): 60 min together"],
        "overlap_minutes": 60,
        "first_contact": "2026-11-20T19:00:00+09:00",
        "places": ["노래방"],
    }
    url = f"/api/v1/tracing/cases/{case.pk}/candidates"

    def post(secret: str, payload: object) -> object:
        return Client().post(url, payload, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")

    response = post(token, {"candidates": [item]})
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    assert response.json() == {"new": 1, "refreshed": 0, "already_decided": 0}  # type: ignore[attr-defined]
    assert Candidate.objects.get(case=case).status == "pending"
    assert post(other, {"candidates": [item]}).status_code == 404  # type: ignore[attr-defined]
    naive = {**item, "first_contact": "2026-11-20T19:00:00"}
    assert post(token, {"candidates": [naive]}).status_code == 422  # type: ignore[attr-defined]
