"""Duplicate persons: proposed by name and district or by phone, merged or marked different
after a supervisor's review, refused where a merge would break a record."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent
from seoul.tracing import actions
from seoul.tracing.models import Contact, Person, PersonDecision
from seoul.tracing.tests import builders
from seoul.tracing.tests.builders import client_for
from seoul.tracing.tests.conftest import World

pytestmark = pytest.mark.django_db


def test_a_person_typed_twice_is_proposed_reviewed_and_merged(world: World) -> None:
    first_case, second_case = world.make_case(), world.make_case()
    old = builders.contact(first_case, name="김중복", phone="010-8100-0001")
    new = builders.contact(second_case, name="김 중복", phone="010-8100-0002")  # a new number, a space
    pairs = actions.possible_duplicates(world.supervisor_mapo)
    assert [(p.first.pk, p.second.pk, p.why) for p in pairs] == [(old.person_id, new.person_id, "name_district")]
    with pytest.raises(PermissionDenied):
        actions.merge_persons(old.person, new.person, "같은 사람 확인함", actor=world.tracer_mapo)
    c = client_for(world.supervisor_mapo, "tracing.supervision", language="en")
    page = c.get("/tracing/people/duplicates/").content.decode()
    assert f'data-pair="{old.person_id}-{new.person_id}"' in page and "김 중복" in page
    assert AuditEvent.objects.filter(event="tracing.person.duplicates_viewed").count() == 1
    key = f"pair-{old.person_id}-{new.person_id}"
    done = c.post(
        f"/tracing/people/duplicates/{old.person_id}/{new.person_id}/",
        {f"{key}-decision": "keep_first", f"{key}-note": "본인 통화로 번호 변경 확인"},
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    assert not Person.objects.filter(pk=new.person_id).exists()
    assert set(Contact.objects.filter(person=old.person).values_list("pk", flat=True)) == {old.pk, new.pk}
    event = AuditEvent.objects.get(event="tracing.person.merged")
    assert event.old == {"person": f"P-{new.person_id}"} and event.new["contacts"] == 1
    assert "김중복" not in str(event.old) + str(event.new)
    assert actions.possible_duplicates(world.supervisor_mapo) == []


def test_a_merge_that_would_break_a_record_is_refused_and_different_people_stay_apart(world: World) -> None:
    case = world.make_case()
    a = builders.contact(case, name="박같은", phone="010-8200-0001")
    b = builders.contact(case, name="박같은", phone="010-8200-0002")
    with pytest.raises(ValidationError) as two:
        actions.merge_persons(a.person, b.person, "같은 사람 같음", actor=world.supervisor_mapo)
    assert codes_of(two.value) == ["tracing.merge_two_contacts"]
    assert Person.objects.filter(pk__in=[a.person_id, b.person_id]).count() == 2
    actions.mark_different(a.person, b.person, "동명이인, 생년 다름", actor=world.supervisor_mapo)
    assert PersonDecision.objects.get().decision == "different"
    assert actions.possible_duplicates(world.supervisor_mapo) == []
    with pytest.raises(ValidationError) as again:
        actions.mark_different(a.person, b.person, "다시 확인", actor=world.supervisor_mapo)
    assert codes_of(again.value) == ["tracing.pair_decided"]
