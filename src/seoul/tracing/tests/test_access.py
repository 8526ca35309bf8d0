"""Least privilege, role by role: who sees which cases and contacts, and who may act."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from seoul.core.crypto import blind_index
from seoul.tracing import actions
from seoul.tracing.models import Case, Contact, Person
from seoul.tracing.tests import builders
from seoul.tracing.tests.conftest import GANGNAM, MAPO, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(world: World) -> dict[str, Case | Contact]:
    mapo_case = world.make_case(district=MAPO)  # → tracer.mapo
    mapo_case2 = world.make_case(district=MAPO)  # → tracer.mapo2
    gangnam_case = world.make_case(district=GANGNAM)  # → tracer.gangnam
    other = builders.outbreak("강남구 콜센터", GANGNAM)
    other_case = builders.case(other, name="다른 집단", district=GANGNAM)  # → tracer.gangnam
    return {"mapo_case": mapo_case, "mapo_case2": mapo_case2, "gangnam_case": gangnam_case, "other_case": other_case}


def _seen(user: object) -> set[int]:
    return set(Case.objects.visible_to(user).values_list("pk", flat=True))


def test_each_role_sees_only_its_own_cases(world: World, records: dict[str, Case]) -> None:
    ids = {k: v.pk for k, v in records.items()}
    assert _seen(world.tracer_mapo) == {ids["mapo_case"]}
    assert _seen(world.tracer_mapo2) == {ids["mapo_case2"]}
    assert _seen(world.tracer_gangnam) == {ids["gangnam_case"], ids["other_case"]}
    assert _seen(world.supervisor_mapo) == {ids["mapo_case"], ids["mapo_case2"]}  # their district
    assert _seen(world.investigator) == {ids["mapo_case"], ids["mapo_case2"], ids["gangnam_case"]}  # their outbreak
    assert _seen(world.outsider) == set()  # a viewer of no outbreak sees nothing
    assert _seen(world.admin) == set(ids.values())


def test_staff_of_other_services_and_citizens_see_nothing(world: World, records: dict[str, Case], make_user) -> None:  # type: ignore[no-untyped-def]
    metro = make_user(roles={"metro": "admin"}, username="metro.admin")
    citizen = make_user(kind="citizen", institution=None, username="citizen1")
    assert _seen(metro) == set() and _seen(citizen) == set()
    assert not Contact.objects.visible_to(None).exists()


def test_contacts_follow_the_same_rules(world: World, records: dict[str, Case]) -> None:
    contact = world.make_contact(records["mapo_case"], district=GANGNAM)  # a Gangnam resident → tracer.gangnam
    assert Contact.objects.visible_to(world.tracer_gangnam).filter(pk=contact.pk).exists()
    assert not Contact.objects.visible_to(world.tracer_mapo).filter(pk=contact.pk).exists()
    assert not Contact.objects.visible_to(world.supervisor_mapo).filter(pk=contact.pk).exists()  # not their district
    assert Contact.objects.visible_to(world.investigator).filter(pk=contact.pk).exists()


def test_reassignment_moves_visibility(world: World, records: dict[str, Case]) -> None:
    case = records["mapo_case"]
    actions.reassign(case.assignments.get(), world.tracer_mapo2, "업무량 조정", actor=world.supervisor_mapo)
    assert case.pk not in _seen(world.tracer_mapo)
    assert case.pk in _seen(world.tracer_mapo2)


def test_actions_refuse_what_the_actor_may_not_see(world: World, records: dict[str, Case]) -> None:
    case = records["mapo_case"]
    start = case.window().start + timedelta(hours=30)
    entry = actions.TimelineInput(start=start, end=start + timedelta(hours=1), place="카페", setting="other")
    for outsider in (world.tracer_mapo2, world.tracer_gangnam, world.outsider):
        with pytest.raises(PermissionDenied):
            actions.add_timeline_entry(case, entry, actor=outsider)
    with pytest.raises(PermissionDenied):
        actions.add_timeline_entry(case, entry, actor=world.investigator)  # investigators read; writes need operator
    assert actions.add_timeline_entry(case, entry, actor=world.tracer_mapo).pk
    assert actions.add_timeline_entry(case, entry, actor=world.supervisor_mapo).pk
    with pytest.raises((PermissionDenied, ValidationError)):
        actions.reassign(
            records["gangnam_case"].assignments.get(),
            world.tracer_gangnam,
            "다른 구역 시도",
            actor=world.supervisor_mapo,
        )
    with pytest.raises(PermissionDenied):
        actions.open_outbreak("권한 없음", MAPO, actor=world.tracer_mapo)


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - fixed names
        return str(cur.fetchone()[0])


def test_names_and_phones_are_encrypted_at_rest(world: World) -> None:
    case = world.make_case(name="홍길동", phone="010-4321-8765")
    raw_name = _raw("tracing_person", "name", case.person_id)
    raw_phone = _raw("tracing_person", "phone", case.person_id)
    assert "홍길동" not in raw_name and raw_name.startswith("gAAAA")
    assert "4321" not in raw_phone and "8765" not in raw_phone and raw_phone.startswith("gAAAA")
    person = Person.objects.get(phone_index=blind_index("01043218765", purpose="tracing.person.phone"))
    assert (person.name, person.phone) == ("홍길동", "010-4321-8765")
    assert "홍길동" not in str(person) and "홍길동" not in str(case)
