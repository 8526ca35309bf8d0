"""The case side against the real engine: a synthetic city, a planted case registered as a
case, discovery run from the case, and the planted true contacts waiting for a decision."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from seoul.core.engine.time import SEOUL
from seoul.tracing import actions
from seoul.tracing.engine import discovery, simulate
from seoul.tracing.models import Candidate, Contact
from seoul.tracing.sources import geometry
from seoul.tracing.tests.conftest import MAPO, World

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("city")
    simulate.simulate(geometry(), people=1500, days=6, seed=5, out=out, cases=1)
    return out


def test_discovery_from_a_case_stores_every_planted_contact_as_a_candidate(world: World, city: Path) -> None:
    planted = json.loads((city / "planted.json").read_text())["cases"][0]
    onset = date.fromisoformat(planted["onset"])
    case = world.make_case(
        name="시뮬레이션 환자", confirmed_on=onset + timedelta(days=1), onset=onset, presence_id=planted["person_id"]
    )
    tracer = case.assignments.get(ended_at=None).tracer
    counts = actions.run_discovery(case, city, actor=tracer, limit=None)
    engine = discovery.discover(city, planted["person_id"], case.window())
    assert counts["new"] == len(engine) > 0
    stored = {c.presence_id: c for c in Candidate.objects.filter(case=case)}
    assert set(planted["true_contacts"]) <= set(stored), "every planted true contact is a candidate"
    best = engine[0]
    assert stored[best.person_id].score == pytest.approx(best.score)
    kept = stored[best.person_id]
    assert kept.reasons == [e.record() for e in best.episodes][:20]  # structured, not English text
    with translation.override("ko"):
        korean = kept.reason_lines()
    with translation.override("en"):
        english = kept.reason_lines()
    episode = best.episodes[0]
    assert episode.place_name in korean[0] and episode.place_name in english[0]
    assert "분 함께" in korean[0] and "min together" not in korean[0]
    assert f"{episode.minutes:.0f} min together" in english[0]
    assert english[0].startswith(f"{episode.start.astimezone(SEOUL):%Y-%m-%d %H:%M}–")
    assert not Contact.objects.filter(source_case=case).exists()  # nothing without a decision
    # The tracer confirms the best-ranked true contact, giving the name and phone obtained.
    true_best = max((stored[p] for p in planted["true_contacts"]), key=lambda c: c.score)
    contact = actions.confirm_candidate(
        true_best,
        reason="동선 일치",
        name="접촉 확인자",
        phone="010-5656-7878",
        district=MAPO,
        setting="other",
        actor=tracer,
    )
    assert contact.person.presence_id == true_best.presence_id
    assert case.window().start.date() <= contact.last_exposure_on


def test_an_id_missing_from_the_movement_data_is_refused_in_the_readers_language(world: World, city: Path) -> None:
    case = world.make_case(presence_id="P99999999")
    tracer = case.assignments.get(ended_at=None).tracer
    with pytest.raises(ValidationError) as exc:
        actions.run_discovery(case, city, actor=tracer)
    assert "이동 데이터에" in exc.value.message_dict["presence_id"][0]  # Korean, the platform's default
    assert "P99999999" not in exc.value.message_dict["presence_id"][0]
    assert not Candidate.objects.filter(case=case).exists()
