from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import translation

from seoul.core.engine.time import SEOUL, local_midnight
from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent
from seoul.tracing import actions
from seoul.tracing.actions import discovery as discovery_actions
from seoul.tracing.errors import TracingError
from seoul.tracing.models import Assignment, Candidate, Contact, Exposure, FollowUp, Person
from seoul.tracing.tests import builders
from seoul.tracing.tests.builders import FakeCandidate, tracer_of
from seoul.tracing.tests.conftest import GANGNAM, JONGNO, MAPO, World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The messages below are matched in English (the msgids); the platform's default is
    Korean, checked in ``test_refusals_speak_the_active_language``."""
    with translation.override("en"):
        yield


def _code(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return codes_of(exc.value)


def test_refusals_speak_the_active_language(world: World) -> None:
    case = world.make_case(onset=world.today - timedelta(days=1))
    outside = world.today - timedelta(days=4)
    for language, text in (("ko", "감염 가능 기간 안이어야 합니다"), ("en", "inside the case's infectious window")):
        with translation.override(language), pytest.raises(ValidationError, match=text) as refused:
            world.make_contact(case, on=outside)
        assert _code(refused) == ["tracing.exposure_outside_window"]


def test_every_action_takes_the_actor_by_keyword_only() -> None:
    import inspect

    for name in actions.__all__:
        action = getattr(actions, name)
        if not inspect.isfunction(action) or "actor" not in inspect.signature(action).parameters:
            continue
        assert inspect.signature(action).parameters["actor"].kind is inspect.Parameter.KEYWORD_ONLY, name


def test_assignment_goes_to_the_least_loaded_tracer_of_the_district(world: World) -> None:
    first = world.make_case()
    second = world.make_case()
    third = world.make_case()
    assert [tracer_of(c).username for c in (first, second, third)] == ["tracer.mapo", "tracer.mapo2", "tracer.mapo"]
    # Supervisors and administrators are never handed casework; another district's case goes there.
    assert tracer_of(world.make_case(district=GANGNAM)).username == "tracer.gangnam"
    # A district without tracers: the least loaded tracer of the city (loads 2, 1, 1: the
    # tie goes to the earlier account), then the next least loaded.
    assert tracer_of(world.make_case(district=JONGNO)).username == "tracer.mapo2"
    assert tracer_of(world.make_case(district=JONGNO)).username == "tracer.gangnam"
    assert AuditEvent.objects.filter(event="tracing.assignment.made").count() == 6


def test_reassignment_ends_the_old_assignment_and_is_audited(world: World) -> None:
    case = world.make_case()
    old = case.assignments.get()
    with pytest.raises(ValidationError):
        actions.reassign(old, world.tracer_mapo2, "x", actor=world.supervisor_mapo)  # reason too short
    new = actions.reassign(old, world.tracer_mapo2, "휴가로 인한 재배정", actor=world.supervisor_mapo)
    old.refresh_from_db()
    assert old.ended_at is not None and new.tracer == world.tracer_mapo2
    event = AuditEvent.objects.get(event="tracing.assignment.changed")
    assert event.old == {"tracer": "tracer.mapo"} and event.new == {"tracer": "tracer.mapo2"}
    assert event.actor == world.supervisor_mapo and event.reason == "휴가로 인한 재배정"
    with pytest.raises(ValidationError):
        actions.reassign(old, world.tracer_mapo, "다시 배정합니다", actor=world.supervisor_mapo)  # ended
    with pytest.raises(PermissionDenied):
        actions.reassign(new, world.tracer_mapo, "제가 하겠습니다", actor=world.tracer_mapo)  # tracers cannot


def test_a_supervisor_hands_work_only_to_tracers_of_their_district(world: World) -> None:
    """Before, any active tracer of the city could be chosen: a Mapo supervisor could hand a
    Mapo case (and so its personal data) to a Gangnam tracer."""
    case = world.make_case()
    with pytest.raises(ValidationError) as refused:
        actions.reassign(case.assignments.get(), world.tracer_gangnam, "강남구로 넘김", actor=world.supervisor_mapo)
    assert _code(refused) == ["tracing.not_a_tracer_of_yours"]
    assert tracer_of(case) == world.tracer_mapo
    # a tracing administrator manages every district
    assert actions.reassign(case.assignments.get(), world.tracer_gangnam, "구 경계 조정", actor=world.admin)


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
        case,
        contact.person,
        actions.ExposureInput(on=world.today, place="자택", setting="household", duration_minutes=600),
        actor=None,
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
    # Isolated yesterday at 09:00: in the past at whatever hour the suite runs.
    case = world.make_case(
        onset=onset, isolated_at=local_midnight(world.today - timedelta(days=1)) + timedelta(hours=9)
    )
    window = case.window()
    assert window.start == datetime.combine(onset - timedelta(days=2), datetime.min.time(), tzinfo=SEOUL)
    assert window.end == case.isolated_at
    just_before = actions.TimelineInput(
        start=window.start - timedelta(hours=2), end=window.start, place="집", setting="household"
    )
    with pytest.raises(ValidationError, match="infectious window"):
        actions.add_timeline_entry(case, just_before, actor=None)  # ends exactly at the start: no overlap
    touching = actions.TimelineInput(
        start=window.start - timedelta(hours=2),
        end=window.start + timedelta(minutes=1),
        place="집",
        setting="household",
    )
    assert actions.add_timeline_entry(case, touching, actor=None).pk
    after = actions.TimelineInput(start=window.end, end=window.end + timedelta(hours=1), place="병원", setting="other")
    with pytest.raises(ValidationError, match="infectious window"):
        actions.add_timeline_entry(case, after, actor=None)


def test_window_from_test_date_when_asymptomatic(world: World) -> None:
    case = world.make_case(test_on=world.today - timedelta(days=1))
    assert case.window().start == local_midnight(world.today - timedelta(days=3))
    with pytest.raises(ValidationError, match="onset") as refused:
        actions.register_case(
            world.outbreak,
            actions.CaseInput(name="날짜없음", phone="010-3333-4444", district=MAPO, confirmed_on=world.today),
            actor=None,
        )
    assert _code(refused) == ["tracing.onset_or_test"]


def test_timeline_change_is_audited_with_old_values(world: World) -> None:
    case = world.make_case()
    start = local_midnight(world.today - timedelta(days=1)) + timedelta(hours=19)
    entry = actions.add_timeline_entry(
        case,
        actions.TimelineInput(start=start, end=start + timedelta(hours=2), place="A 노래방", setting="nightlife"),
        actor=world.tracer_mapo,
    )
    actions.change_timeline_entry(
        entry,
        actions.TimelineInput(start=start, end=start + timedelta(hours=3), place="B 노래방", setting="nightlife"),
        actor=world.tracer_mapo,
    )
    event = AuditEvent.objects.get(event="tracing.timeline.changed")
    assert event.old["place"] == "A 노래방" and event.new["place"] == "B 노래방"
    with pytest.raises(ValidationError, match="before the start"):
        actions.add_timeline_entry(
            case,
            actions.TimelineInput(start=start, end=start - timedelta(minutes=1), place="x", setting="other"),
            actor=None,
        )


def test_a_timeline_place_keeps_its_district_and_a_wrong_one_is_refused(world: World) -> None:
    case = world.make_case()
    start = local_midnight(world.today - timedelta(days=1)) + timedelta(hours=12)
    entry = actions.add_timeline_entry(
        case,
        actions.TimelineInput(
            start=start, end=start + timedelta(hours=1), place="식당", setting="other", district=MAPO
        ),
        actor=world.tracer_mapo,
    )
    assert entry.district == MAPO and entry.district_obj is not None and entry.district_obj.index == MAPO
    actions.change_timeline_entry(
        entry,
        actions.TimelineInput(start=start, end=start + timedelta(hours=1), place="식당", setting="other"),
        actor=world.tracer_mapo,
    )
    entry.refresh_from_db()
    assert entry.district is None and entry.district_obj is None  # outside Seoul, or not known
    event = AuditEvent.objects.get(event="tracing.timeline.changed")
    assert (event.old["district"], event.new["district"]) == (str(MAPO), "")
    for wrong in (25, -1):
        with pytest.raises(ValidationError) as refused:
            actions.add_timeline_entry(
                case,
                actions.TimelineInput(start=start, end=start, place="x", setting="other", district=wrong),
                actor=None,
            )
        assert _code(refused) == ["tracing.district"] and "district" in refused.value.message_dict
    assert case.timeline.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("place", "노래방\x00"), ("place", "A\u202eB"), ("note", "메모\x07"), ("place", "두 줄\n장소")],
)
def test_free_text_in_actions_refuses_control_characters(world: World, field: str, value: str) -> None:
    """Actions are called by the API and the command line too, not only through forms."""
    case = world.make_case()
    start = local_midnight(world.today - timedelta(days=1)) + timedelta(hours=19)
    data = {"start": start, "end": start + timedelta(hours=1), "place": "노래방", "setting": "nightlife", field: value}
    with pytest.raises(ValidationError) as refused:
        actions.add_timeline_entry(case, actions.TimelineInput(**data), actor=world.tracer_mapo)
    assert field in refused.value.message_dict


@pytest.mark.parametrize("day", ["0001-01-01", "2019-12-31", "9999-12-31"])
def test_dates_in_actions_keep_to_the_pandemic_era(world: World, day: str) -> None:
    from datetime import date

    far = date.fromisoformat(day)
    with pytest.raises(ValidationError) as refused:
        actions.register_case(
            world.outbreak,
            actions.CaseInput(name="범위 밖", phone="010-1234-9999", district=MAPO, confirmed_on=far, onset_on=far),
            actor=world.tracer_mapo,
        )
    assert "confirmed_on" in refused.value.message_dict


def test_a_second_follow_up_of_the_day_is_kept_as_history(world: World) -> None:
    """Before, a second follow-up for the same contact and day replaced the first (update or
    create on a unique contact+day): a morning's missed call vanished when the afternoon's
    call got through."""
    contact = world.make_contact(world.make_case())
    tracer = tracer_of(contact)
    morning = local_midnight(world.today) + timedelta(hours=9)
    first = actions.record_follow_up(contact, world.today, "missed", actor=tracer, now=morning)
    second = actions.record_follow_up(contact, world.today, "seen_well", actor=tracer, now=morning + timedelta(hours=5))
    entries = list(FollowUp.objects.filter(contact=contact).values_list("pk", "status"))
    assert entries == [(second.pk, "seen_well"), (first.pk, "missed")]  # latest first, both kept
    assert list(FollowUp.objects.filter(contact=contact).latest_per_day()) == [second]  # the day's status
    changed = AuditEvent.objects.filter(event="tracing.follow_up.recorded").order_by("pk").last()
    assert changed is not None and changed.old == {"status": "missed", "channel": "tracer"}


def test_follow_up_marks_traced_and_symptoms_flag(world: World) -> None:
    contact = world.make_contact(world.make_case())
    tracer = tracer_of(contact)
    actions.record_follow_up(contact, world.today, "missed", actor=tracer)
    contact.refresh_from_db()
    assert contact.traced_at is None
    with pytest.raises(ValidationError, match="symptoms"):
        actions.record_follow_up(contact, world.today, "seen_symptoms", actor=tracer)
    actions.record_follow_up(contact, world.today, "seen_symptoms", "발열 37.8", actor=tracer)
    contact.refresh_from_db()
    assert contact.traced_at is not None and contact.symptoms_flagged_at is not None
    # a later "well" of the same day is the day's status, but the symptom flag stays until reviewed
    actions.record_follow_up(contact, world.today, "seen_well", actor=tracer)
    contact.refresh_from_db()
    assert contact.symptoms_flagged_at is not None
    with pytest.raises(ValidationError, match="monitoring period"):
        actions.record_follow_up(contact, world.today + timedelta(days=30), "seen_well", actor=tracer)
    with pytest.raises(ValidationError, match="future"):
        actions.record_follow_up(contact, world.today + timedelta(days=1), "seen_well", actor=tracer)
    actions.clear_symptom_flag(contact, "검사 안내 완료", actor=tracer)
    contact.refresh_from_db()
    assert contact.symptoms_flagged_at is None


def test_contact_becomes_a_case_without_retyping(world: World) -> None:
    source = world.make_case()
    contact = world.make_contact(source)
    tracer = tracer_of(contact)
    case = actions.convert_to_case(contact, confirmed_on=world.today, onset_on=world.today, actor=tracer).case
    assert case is not None
    contact.refresh_from_db()
    assert case.person_id == contact.person_id and case.from_contact == contact
    assert contact.status == "became_case"
    assert Person.objects.count() == 2
    assert tracer_of(case) == tracer  # the same tracer keeps the person
    assert not contact.assignments.filter(ended_at=None).exists()
    # The contact's work is over: its tracer now holds the case; the district supervisor still
    # sees the closed contact record, which takes no more follow-ups or conversions.
    with pytest.raises(PermissionDenied):
        actions.record_follow_up(contact, world.today, "seen_well", actor=tracer)
    with pytest.raises(ValidationError):
        actions.convert_to_case(contact, confirmed_on=world.today, onset_on=world.today, actor=world.supervisor_mapo)
    with pytest.raises(ValidationError, match="no longer under monitoring"):
        actions.record_follow_up(contact, world.today, "seen_well", actor=world.supervisor_mapo)


def test_same_phone_is_the_same_person(world: World) -> None:
    case = world.make_case()
    exposure = builders.exposure(world.today, place="회사", setting="workplace", duration_minutes=30)
    a = actions.add_contact(case, name="박지민", phone="010-9999-0000", district=MAPO, exposure=exposure, actor=None)
    other = world.make_case()
    b = actions.add_contact(other, name="박지민", phone="010 9999 0000", district=MAPO, exposure=exposure, actor=None)
    assert a.person_id == b.person_id and a.pk == b.pk  # one monitoring per person in an outbreak (SORMAS)
    # A family sharing one phone: same number, another name, another person.
    child = actions.add_contact(
        other, name="박서아", phone="010-9999-0000", district=MAPO, exposure=exposure, actor=None
    )
    assert child.person_id != a.person_id and child.person.name == "박서아"


def test_a_movement_data_id_is_never_merged_into_someone_else(world: World) -> None:
    """Before, a registration with a movement-data id already on record attached the case to
    that person, whatever name and phone were typed: the tracer then read another person's name."""
    world.make_case(name="김하나", presence_id="p-77")
    with pytest.raises(ValidationError) as refused:
        world.make_case(name="이둘", phone="010-2020-3030", presence_id="p-77")
    assert _code(refused) == ["tracing.presence_id_taken"]


def test_candidates_need_a_tracer_decision(world: World) -> None:
    case = world.make_case(presence_id="p-case")
    known = world.make_contact(world.make_case())  # someone already on record with a presence id
    known.person.presence_id = "p-known"
    known.person.save()
    counts = actions.store_candidates(
        case,
        [FakeCandidate("p-known", 0.9), FakeCandidate("p-new", 0.5), FakeCandidate("p-case", 1.0)],
        actor=world.tracer_mapo,
    )
    assert counts == {"new": 2, "refreshed": 0, "already_decided": 0}  # the case itself is never its own candidate
    assert not Contact.objects.filter(source_case=case).exists(), "nothing becomes a contact by itself"
    first, second = Candidate.objects.filter(case=case).order_by("-score")
    contact = actions.confirm_candidate(first, reason="동선 일치 확인", actor=world.tracer_mapo)
    # the person is already followed in this outbreak: the same monitoring, not a second one
    assert contact.person_id == known.person_id and contact.pk == known.pk
    exposure = Exposure.objects.get(case=case, exposed=known.person)
    assert (exposure.found_by, exposure.duration_minutes, exposure.place) == ("data", 45, "venue:mapo-0012")
    with pytest.raises(ValidationError, match="name") as refused:
        actions.confirm_candidate(second, reason="동선 일치 확인", actor=world.tracer_mapo)  # unknown, no name
    assert _code(refused) == ["tracing.person_details_needed"]
    actions.dismiss_candidate(second, "동일 건물 다른 층", actor=world.tracer_mapo)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.decided_by, first.contact) == ("confirmed", world.tracer_mapo, contact)
    assert (second.status, second.reason) == ("dismissed", "동일 건물 다른 층")
    with pytest.raises(ValidationError, match="already been decided"):
        actions.dismiss_candidate(first, "다시 결정", actor=world.tracer_mapo)
    # Running discovery again neither re-proposes nor reopens decided candidates.
    again = actions.store_candidates(
        case, [FakeCandidate("p-known", 0.95), FakeCandidate("p-new", 0.6)], actor=world.tracer_mapo
    )
    assert again == {"new": 0, "refreshed": 0, "already_decided": 2}
    assert AuditEvent.objects.filter(event="tracing.candidate.confirmed", reason="동선 일치 확인").count() == 1


def test_a_candidate_of_a_case_out_of_scope_is_refused(world: World) -> None:
    case = world.make_case(presence_id="p-case")  # tracer.mapo's
    (candidate,) = builders.candidates(case, FakeCandidate("p-1", 0.4))
    for outsider in (world.tracer_mapo2, world.tracer_gangnam):
        with pytest.raises(PermissionDenied):
            actions.dismiss_candidate(candidate, "다른 사람의 후보", actor=outsider)
    candidate.refresh_from_db()
    assert candidate.status == "pending"


def test_confirming_an_unknown_candidate_creates_the_person(world: World) -> None:
    case = world.make_case(presence_id="p-case")
    (candidate,) = builders.candidates(case, FakeCandidate("p-stranger", 0.7))
    contact = actions.confirm_candidate(
        candidate, reason="카드사 확인", name="최수진", phone="010-2222-3333", district=GANGNAM, actor=world.tracer_mapo
    )
    assert contact.person.presence_id == "p-stranger" and contact.person.name == "최수진"
    assert tracer_of(contact) == world.tracer_gangnam


def test_run_discovery_calls_the_engine_with_the_case_window(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    case = world.make_case(presence_id="p-case")
    seen = {}

    def fake(data_dir, presence_id, window, limit):  # type: ignore[no-untyped-def]
        seen.update(presence_id=presence_id, window=window)
        return [FakeCandidate("p-1", 0.4)]

    monkeypatch.setattr(discovery_actions, "search_movement_data", fake)
    assert actions.run_discovery(case, Path("."), actor=world.tracer_mapo)["new"] == 1
    assert seen["presence_id"] == "p-case" and seen["window"] == case.window()
    with pytest.raises(PermissionDenied):
        actions.run_discovery(case, Path("."), actor=world.tracer_gangnam)


def test_discovery_without_movement_data_is_a_clear_error(world: World, tmp_path: Path) -> None:
    case = world.make_case(presence_id="p-case")
    with pytest.raises(ValidationError, match="movement data") as refused:
        actions.run_discovery(case, tmp_path, actor=world.tracer_mapo)
    assert _code(refused) == ["tracing.no_data"]
    no_id = world.make_case()
    with pytest.raises(ValidationError, match="movement-data id"):
        actions.run_discovery(no_id, tmp_path, actor=world.supervisor_mapo)


def test_refusals_carry_their_codes(world: World) -> None:
    """Every refusal is a code of ``TracingError`` with words a person reads."""
    assert builders.outbreak("시스템이 등록", MAPO)  # the system may
    with pytest.raises(PermissionDenied) as denied:
        actions.open_outbreak("권한 없음", MAPO, name_en="No right", actor=world.tracer_mapo)
    assert getattr(denied.value, "code", "") == TracingError.NEEDS_ROLE.value
    assert "Supervisor" in str(denied.value)
    assert all(str(code.label) for code in TracingError)


def test_the_who_indicator_counts_a_contact_followed_up_twice_once(world: World) -> None:
    from seoul.tracing import selectors

    contact = world.make_contact(world.make_case())
    other = world.make_contact(world.make_case())
    tracer = tracer_of(contact)
    morning = local_midnight(world.today) + timedelta(hours=9)
    actions.record_follow_up(contact, world.today, "seen_well", actor=tracer, now=morning)
    actions.record_follow_up(
        contact, world.today, "seen_symptoms", "기침", actor=tracer, now=morning + timedelta(hours=6)
    )
    actions.record_follow_up(other, world.today, "missed", actor=tracer_of(other), now=morning)
    ind = selectors.indicators(world.supervisor_mapo, world.today, morning + timedelta(hours=7))
    assert (ind.followed_up_today.numerator, ind.followed_up_today.denominator) == (1, 2)
    work = selectors.worklist(tracer, world.today)
    assert contact not in work.due_today
    backlog = {r["tracer"].username: r for r in ind.backlog}
    assert sum(r["due_today"] for r in backlog.values()) == 0  # both contacts have an entry today
