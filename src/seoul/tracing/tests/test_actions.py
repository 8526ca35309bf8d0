from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import translation

from seoul.core.engine.time import SEOUL, local_midnight
from seoul.core.models import AuditEvent
from seoul.tracing import actions
from seoul.tracing.models import Assignment, Candidate, Case, Contact, Exposure, FollowUp, Person
from seoul.tracing.tests.conftest import GANGNAM, JONGNO, MAPO, World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The messages below are matched in English (the msgids); the platform's default is
    Korean, checked in ``test_refusals_speak_the_active_language``."""
    with translation.override("en"):
        yield


def test_refusals_speak_the_active_language(world: World) -> None:
    case = world.make_case(onset=world.today - timedelta(days=1))
    outside = world.today - timedelta(days=4)
    for language, text in (("ko", "감염 가능 기간 안이어야 합니다"), ("en", "inside the case's infectious window")):
        with translation.override(language), pytest.raises(ValidationError, match=text):
            world.make_contact(case, on=outside)


def _tracer_of(obj: Case | Contact) -> str:
    return obj.assignments.get(ended_at=None).tracer.username


def test_assignment_goes_to_the_least_loaded_tracer_of_the_district(world: World) -> None:
    first = world.make_case()
    second = world.make_case()
    third = world.make_case()
    assert [_tracer_of(c) for c in (first, second, third)] == ["tracer.mapo", "tracer.mapo2", "tracer.mapo"]
    # Supervisors and administrators are never handed casework; another district's case goes there.
    assert _tracer_of(world.make_case(district=GANGNAM)) == "tracer.gangnam"
    # A district without tracers: the least loaded tracer of the city (loads 2, 1, 1: the
    # tie goes to the earlier account), then the next least loaded.
    assert _tracer_of(world.make_case(district=JONGNO)) == "tracer.mapo2"
    assert _tracer_of(world.make_case(district=JONGNO)) == "tracer.gangnam"
    assert AuditEvent.objects.filter(event="tracing.assignment.made").count() == 6


def test_reassignment_ends_the_old_assignment_and_is_audited(world: World) -> None:
    case = world.make_case()
    old = case.assignments.get()
    with pytest.raises(ValidationError):
        actions.reassign(world.supervisor_mapo, old, world.tracer_mapo2, "x")  # reason too short
    new = actions.reassign(world.supervisor_mapo, old, world.tracer_mapo2, "휴가로 인한 재배정")
    old.refresh_from_db()
    assert old.ended_at is not None and new.tracer == world.tracer_mapo2
    event = AuditEvent.objects.get(event="tracing.assignment.changed")
    assert event.old == {"tracer": "tracer.mapo"} and event.new == {"tracer": "tracer.mapo2"}
    assert event.actor == world.supervisor_mapo and event.reason == "휴가로 인한 재배정"
    with pytest.raises(ValidationError):
        actions.reassign(world.supervisor_mapo, old, world.tracer_mapo, "다시 배정합니다")  # ended
    with pytest.raises(PermissionDenied):
        actions.reassign(world.tracer_mapo, new, world.tracer_mapo, "제가 하겠습니다")  # tracers cannot


def test_one_open_assignment_per_case(world: World) -> None:
    case = world.make_case()
    with pytest.raises(IntegrityError):
        Assignment.objects.create(case=case, tracer=world.tracer_mapo2)


def test_quarantine_is_derived_from_the_last_exposure(world: World) -> None:
    case = world.make_case()
    contact = world.make_contact(case, on=world.today - timedelta(days=1))
    assert contact.quarantine_start == world.today - timedelta(days=1)
    assert contact.quarantine_end == world.today + timedelta(days=13)
    # A later exposure to the same case moves the quarantine, on the same contact record.
    actions.record_exposure(
        None,
        case,
        contact.person,
        actions.ExposureInput(on=world.today, place="자택", setting="household", duration_minutes=600),
    )
    contact.refresh_from_db()
    assert Contact.objects.filter(person=contact.person).count() == 1
    assert contact.quarantine_end == world.today + timedelta(days=14)
    assert Exposure.objects.filter(exposed=contact.person).count() == 2
    world.outbreak.monitoring_days = 10
    world.outbreak.save()
    contact.refresh_from_db()
    assert contact.quarantine_end == world.today + timedelta(days=10)


def test_exposure_outside_the_infectious_window_is_refused(world: World) -> None:
    case = world.make_case(onset=world.today - timedelta(days=1))
    # Window starts 2 days before onset: today-3 is inside, today-4 is not.
    world.make_contact(case, on=world.today - timedelta(days=3))
    with pytest.raises(ValidationError, match="infectious window"):
        world.make_contact(case, on=world.today - timedelta(days=4))


def test_infectious_window_edges(world: World) -> None:
    onset = world.today - timedelta(days=3)
    case = world.make_case(onset=onset, isolated_at=local_midnight(world.today) + timedelta(hours=9))
    window = case.window()
    assert window.start == datetime.combine(onset - timedelta(days=2), datetime.min.time(), tzinfo=SEOUL)
    assert window.end == case.isolated_at
    just_before = actions.TimelineInput(
        start=window.start - timedelta(hours=2), end=window.start, place="집", setting="household"
    )
    with pytest.raises(ValidationError, match="infectious window"):
        actions.add_timeline_entry(None, case, just_before)  # ends exactly at the start: no overlap
    touching = actions.TimelineInput(
        start=window.start - timedelta(hours=2),
        end=window.start + timedelta(minutes=1),
        place="집",
        setting="household",
    )
    assert actions.add_timeline_entry(None, case, touching).pk
    after = actions.TimelineInput(start=window.end, end=window.end + timedelta(hours=1), place="병원", setting="other")
    with pytest.raises(ValidationError, match="infectious window"):
        actions.add_timeline_entry(None, case, after)


def test_window_from_test_date_when_asymptomatic(world: World) -> None:
    case = actions.register_case(
        None,
        world.outbreak,
        actions.CaseInput(
            name="무증상",
            phone="010-1111-2222",
            district=MAPO,
            confirmed_on=world.today,
            test_on=world.today - timedelta(days=1),
        ),
    )
    assert case.window().start == local_midnight(world.today - timedelta(days=3))
    with pytest.raises(ValidationError, match="onset"):
        actions.register_case(
            None,
            world.outbreak,
            actions.CaseInput(name="날짜없음", phone="010-3333-4444", district=MAPO, confirmed_on=world.today),
        )


def test_timeline_change_is_audited_with_old_values(world: World) -> None:
    case = world.make_case()
    start = local_midnight(world.today - timedelta(days=1)) + timedelta(hours=19)
    entry = actions.add_timeline_entry(
        world.tracer_mapo,
        case,
        actions.TimelineInput(start=start, end=start + timedelta(hours=2), place="A 노래방", setting="nightlife"),
    )
    actions.change_timeline_entry(
        world.tracer_mapo,
        entry,
        actions.TimelineInput(start=start, end=start + timedelta(hours=3), place="B 노래방", setting="nightlife"),
    )
    event = AuditEvent.objects.get(event="tracing.timeline.changed")
    assert event.old["place"] == "A 노래방" and event.new["place"] == "B 노래방"
    with pytest.raises(ValidationError, match="before the start"):
        actions.add_timeline_entry(
            None, case, actions.TimelineInput(start=start, end=start - timedelta(minutes=1), place="x", setting="other")
        )


def test_one_follow_up_per_contact_per_day(world: World) -> None:
    contact = world.make_contact(world.make_case())
    tracer = contact.assignments.get(ended_at=None).tracer
    actions.record_follow_up(tracer, contact, world.today, "missed")
    actions.record_follow_up(tracer, contact, world.today, "seen_well")
    assert list(FollowUp.objects.filter(contact=contact).values_list("status", flat=True)) == ["seen_well"]
    with pytest.raises(IntegrityError):
        FollowUp.objects.create(contact=contact, day=world.today, status="missed")


def test_follow_up_marks_traced_and_symptoms_flag(world: World) -> None:
    contact = world.make_contact(world.make_case())
    tracer = contact.assignments.get(ended_at=None).tracer
    actions.record_follow_up(tracer, contact, world.today, "missed")
    contact.refresh_from_db()
    assert contact.traced_at is None
    with pytest.raises(ValidationError, match="symptoms"):
        actions.record_follow_up(tracer, contact, world.today, "seen_symptoms")
    actions.record_follow_up(tracer, contact, world.today, "seen_symptoms", "발열 37.8")
    contact.refresh_from_db()
    assert contact.traced_at is not None and contact.symptoms_flagged_at is not None
    with pytest.raises(ValidationError, match="monitoring period"):
        actions.record_follow_up(tracer, contact, world.today + timedelta(days=30), "seen_well")
    with pytest.raises(ValidationError, match="future"):
        actions.record_follow_up(tracer, contact, world.today + timedelta(days=1), "seen_well")
    actions.clear_symptom_flag(tracer, contact, "검사 안내 완료")
    contact.refresh_from_db()
    assert contact.symptoms_flagged_at is None


def test_contact_becomes_a_case_without_retyping(world: World) -> None:
    source = world.make_case()
    contact = world.make_contact(source)
    tracer = contact.assignments.get(ended_at=None).tracer
    contact_tracer = _tracer_of(contact)
    case = actions.convert_to_case(tracer, contact, confirmed_on=world.today, onset_on=world.today)
    contact.refresh_from_db()
    assert case.person_id == contact.person_id and case.from_contact == contact
    assert contact.status == "became_case"
    assert Person.objects.count() == 2
    assert _tracer_of(case) == contact_tracer  # the same tracer keeps the person
    assert not contact.assignments.filter(ended_at=None).exists()
    # The contact's work is over: its tracer now holds the case; the district supervisor still
    # sees the closed contact record, which takes no more follow-ups or conversions.
    with pytest.raises(PermissionDenied):
        actions.record_follow_up(tracer, contact, world.today, "seen_well")
    with pytest.raises(ValidationError):
        actions.convert_to_case(world.supervisor_mapo, contact, confirmed_on=world.today, onset_on=world.today)
    with pytest.raises(ValidationError, match="no longer under monitoring"):
        actions.record_follow_up(world.supervisor_mapo, contact, world.today, "seen_well")


def test_same_phone_is_the_same_person(world: World) -> None:
    case = world.make_case()
    a = actions.add_contact(
        None,
        case,
        name="박지민",
        phone="010-9999-0000",
        district=MAPO,
        exposure=actions.ExposureInput(on=world.today, place="회사", setting="workplace", duration_minutes=30),
    )
    other = world.make_case()
    b = actions.add_contact(
        None,
        other,
        name="박지민",
        phone="010 9999 0000",
        district=MAPO,
        exposure=actions.ExposureInput(on=world.today, place="회사", setting="workplace", duration_minutes=30),
    )
    assert a.person_id == b.person_id and a.pk != b.pk
    # A family sharing one phone: same number, another name, another person.
    child = actions.add_contact(
        None,
        other,
        name="박서아",
        phone="010-9999-0000",
        district=MAPO,
        exposure=actions.ExposureInput(on=world.today, place="자택", setting="household", duration_minutes=600),
    )
    assert child.person_id != a.person_id and child.person.name == "박서아"


@dataclass
class FakeCandidate:
    person_id: str
    score: float
    reasons: list[str] = field(default_factory=lambda: ["같은 장소 45분 (실내)"])
    overlap_minutes: float = 45.0
    first_contact: datetime = field(default_factory=lambda: datetime.now(SEOUL) - timedelta(hours=20))
    places: list[str] = field(default_factory=lambda: ["venue:mapo-0012"])


def test_candidates_need_a_tracer_decision(world: World) -> None:
    case = world.make_case(presence_id="p-case")
    known = world.make_contact(world.make_case())  # someone already on record with a presence id
    known.person.presence_id = "p-known"
    known.person.save()
    counts = actions.store_candidates(
        world.tracer_mapo,
        case,
        [FakeCandidate("p-known", 0.9), FakeCandidate("p-new", 0.5), FakeCandidate("p-case", 1.0)],
    )
    assert counts == {"new": 2, "refreshed": 0, "already_decided": 0}  # the case itself is never its own candidate
    assert not Contact.objects.filter(source_case=case).exists(), "nothing becomes a contact by itself"
    first, second = Candidate.objects.filter(case=case).order_by("-score")
    contact = actions.confirm_candidate(world.tracer_mapo, first, reason="동선 일치 확인")
    assert contact.person_id == known.person_id and contact.source_case == case
    exposure = Exposure.objects.get(case=case, exposed=known.person)
    assert (exposure.found_by, exposure.duration_minutes, exposure.place) == ("data", 45, "venue:mapo-0012")
    with pytest.raises(ValidationError, match="name"):
        actions.confirm_candidate(world.tracer_mapo, second, reason="동선 일치 확인")  # unknown person, no name
    actions.dismiss_candidate(world.tracer_mapo, second, "동일 건물 다른 층")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.decided_by, first.contact) == ("confirmed", world.tracer_mapo, contact)
    assert (second.status, second.reason) == ("dismissed", "동일 건물 다른 층")
    with pytest.raises(ValidationError, match="already been decided"):
        actions.dismiss_candidate(world.tracer_mapo, first, "다시 결정")
    # Running discovery again neither re-proposes nor reopens decided candidates.
    again = actions.store_candidates(
        world.tracer_mapo, case, [FakeCandidate("p-known", 0.95), FakeCandidate("p-new", 0.6)]
    )
    assert again == {"new": 0, "refreshed": 0, "already_decided": 2}
    assert AuditEvent.objects.filter(event="tracing.candidate.confirmed", reason="동선 일치 확인").count() == 1


def test_confirming_an_unknown_candidate_creates_the_person(world: World) -> None:
    case = world.make_case(presence_id="p-case")
    actions.store_candidates(None, case, [FakeCandidate("p-stranger", 0.7)])
    candidate = Candidate.objects.get(case=case)
    contact = actions.confirm_candidate(
        world.tracer_mapo, candidate, reason="카드사 확인", name="최수진", phone="010-2222-3333", district=GANGNAM
    )
    assert contact.person.presence_id == "p-stranger" and contact.person.name == "최수진"
    assert contact.assignments.get(ended_at=None).tracer == world.tracer_gangnam


def test_run_discovery_calls_the_engine_with_the_case_window(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    case = world.make_case(presence_id="p-case")
    seen = {}

    def fake(data_dir, presence_id, window, limit):  # type: ignore[no-untyped-def]
        seen.update(presence_id=presence_id, window=window)
        return [FakeCandidate("p-1", 0.4)]

    monkeypatch.setattr(actions, "_discover", fake)
    assert actions.run_discovery(world.tracer_mapo, case, Path("."))["new"] == 1
    assert seen["presence_id"] == "p-case" and seen["window"] == case.window()
    with pytest.raises(PermissionDenied):
        actions.run_discovery(world.tracer_gangnam, case, Path("."))


def test_discovery_without_movement_data_is_a_clear_error(world: World, tmp_path: Path) -> None:
    case = world.make_case(presence_id="p-case")
    with pytest.raises(ValidationError, match="movement data"):
        actions.run_discovery(world.tracer_mapo, case, tmp_path)
    no_id = world.make_case()
    with pytest.raises(ValidationError, match="movement-data id"):
        actions.run_discovery(world.supervisor_mapo, no_id, tmp_path)
