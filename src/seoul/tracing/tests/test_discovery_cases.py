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


def test_a_place_from_a_candidate_s_record_goes_on_the_timeline_with_the_district_the_data_gives(
    world: World, tmp_path: Path
) -> None:
    """A building's tap log names its district by code (11530 = 구로구); discovery finds who
    shared the floor; the tracer puts that floor on the case's timeline from the candidate's
    record with one button: the entry spans the overlap, comes from movement data and is in
    구로구. The same place and time twice, a record that is not there, or another district's
    tracer are refused."""
    from django.test import override_settings

    from seoul.core.engine import districts
    from seoul.tracing.engine import ingest
    from seoul.tracing.models import TimelineEntry
    from seoul.tracing.tests.builders import client_for

    case = world.make_case(onset=date(2020, 3, 10), confirmed_on=date(2020, 3, 11), presence_id="CASE-1")
    day = case.window().start.astimezone(SEOUL).date() + timedelta(days=1)
    taps = tmp_path / "tower.csv"
    taps.write_text(
        "person_id,place_id,time,direction,place_name,district\n"
        f"CASE-1,tower-11f,{day}T09:00:00+09:00,in,콜센터 11층,11530\n"
        f"CASE-1,tower-11f,{day}T18:00:00+09:00,out,콜센터 11층,11530\n"
        f"P-7,tower-11f,{day}T13:00:00+09:00,in,콜센터 11층,11530\n"
        f"P-7,tower-11f,{day}T20:00:00+09:00,out,콜센터 11층,11530\n"
    )
    store = tmp_path / "store"
    assert not ingest.import_presence(taps, store).errors
    tracer = case.assignments.get(ended_at=None).tracer
    actions.run_discovery(case, store, actor=tracer)
    candidate = Candidate.objects.get(case=case, presence_id="P-7")
    assert candidate.reasons[0]["district"] == districts.by_name("구로구").index
    c = client_for(tracer, language="en")
    with override_settings(SEOUL_TRACING_DATA_DIR=store):
        page = c.get(f"/tracing/cases/{case.pk}/").content.decode()
    url = f"/tracing/candidates/{candidate.pk}/records/0/timeline/"
    assert f'action="{url}"' in page
    assert c.post(url).status_code == 302
    entry = TimelineEntry.objects.get(case=case)
    assert (entry.place, entry.district, entry.found_by, entry.setting) == (
        "콜센터 11층",
        districts.by_name("구로구").index,
        "data",
        "other",
    )
    assert (f"{entry.start.astimezone(SEOUL):%H:%M}", f"{entry.end.astimezone(SEOUL):%H:%M}") == ("13:00", "18:00")
    again = c.post(url, follow=True).content.decode()
    assert "already on the case" in again and TimelineEntry.objects.filter(case=case).count() == 1
    missing = c.post(f"/tracing/candidates/{candidate.pk}/records/5/timeline/", follow=True).content.decode()
    assert "not one of the candidate" in missing and TimelineEntry.objects.filter(case=case).count() == 1
    assert client_for(world.tracer_gangnam).post(url).status_code == 404
