"""Every object fetched by id goes through the reader's scope (issue 11, §1): outbreaks and
their investigators, registrations that meet a record the registering person may not see,
and the people offered in forms. Each test here failed on the code before the fix."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from seoul.core.models import AuditEvent, User
from seoul.tracing import actions, selectors
from seoul.tracing.models import Case, DuplicateRegistration, Outbreak
from seoul.tracing.tests import builders
from seoul.tracing.tests.builders import client_for, tracer_of
from seoul.tracing.tests.conftest import GANGNAM, MAPO, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def gangnam_outbreak(world: World) -> Outbreak:
    outbreak = builders.outbreak("강남구 콜센터 집단감염", GANGNAM, name_en="Gangnam call centre cluster")
    builders.case(outbreak, district=GANGNAM)  # → tracer.gangnam
    return outbreak


# --- who manages an outbreak ------------------------------------------------------------------


def test_a_supervisor_cannot_make_themselves_investigator_of_another_districts_outbreak(
    world: World, gangnam_outbreak: Outbreak
) -> None:
    """The finding: POST /tracing/outbreaks/<pk>/investigators/ fetched the outbreak without
    scope, so Mapo's supervisor added themselves to Gangnam's outbreak and then read and
    reassigned Gangnam's cases and contacts."""
    gangnam_case = Case.objects.get(outbreak=gangnam_outbreak)
    c = client_for(world.supervisor_mapo)
    response = c.post(
        f"/tracing/outbreaks/{gangnam_outbreak.pk}/investigators/",
        {f"outbreak-{gangnam_outbreak.pk}-user": world.supervisor_mapo.pk},
    )
    assert response.status_code == 404
    assert not gangnam_outbreak.investigators.filter(pk=world.supervisor_mapo.pk).exists()
    assert not Case.objects.visible_to(world.supervisor_mapo).filter(pk=gangnam_case.pk).exists()
    assert c.get(f"/tracing/cases/{gangnam_case.pk}/").status_code == 404
    # nor anyone else: the outbreak is not theirs to manage
    c.post(
        f"/tracing/outbreaks/{gangnam_outbreak.pk}/investigators/",
        {f"outbreak-{gangnam_outbreak.pk}-user": world.outsider.pk},
    )
    assert not gangnam_outbreak.investigators.filter(pk=world.outsider.pk).exists()


def test_nobody_adds_themselves_to_an_outbreak(world: World) -> None:
    """Even in their own district: an investigator sees the outbreak's cases in every district,
    so adding oneself would be a way around the district rule."""
    with pytest.raises(PermissionDenied) as denied:
        actions.add_investigator(world.outbreak, world.supervisor_mapo, actor=world.supervisor_mapo)
    assert denied.value.code == "tracing.self_grant"  # type: ignore[attr-defined]
    c = client_for(world.supervisor_mapo)
    page = c.get("/tracing/outbreaks/").content.decode()
    form = page.split(f'action="/tracing/outbreaks/{world.outbreak.pk}/investigators/"')[1].split("</form>")[0]
    assert f'value="{world.supervisor_mapo.pk}"' not in form, "the form does not offer the reader"
    assert f'value="{world.outsider.pk}"' in form
    response = c.post(
        f"/tracing/outbreaks/{world.outbreak.pk}/investigators/",
        {f"outbreak-{world.outbreak.pk}-user": world.supervisor_mapo.pk},
    )
    assert response.status_code == 400
    assert not world.outbreak.investigators.filter(pk=world.supervisor_mapo.pk).exists()


def test_managing_an_outbreak_is_for_its_districts_supervisor_and_administrators(
    world: World, gangnam_outbreak: Outbreak
) -> None:
    managed = {o.pk for o in Outbreak.objects.manageable_by(world.supervisor_mapo)}
    assert managed == {world.outbreak.pk}
    assert {o.pk for o in Outbreak.objects.manageable_by(world.admin)} == {world.outbreak.pk, gangnam_outbreak.pk}
    for nobody in (world.tracer_mapo, world.investigator, world.outsider):
        assert not Outbreak.objects.manageable_by(nobody).exists()
    actions.add_investigator(world.outbreak, world.outsider, actor=world.supervisor_mapo)
    assert AuditEvent.objects.filter(event="tracing.outbreak.investigator_added", actor=world.supervisor_mapo).exists()
    with pytest.raises(PermissionDenied):
        actions.add_investigator(gangnam_outbreak, world.outsider, actor=world.supervisor_mapo)
    with pytest.raises(PermissionDenied):
        actions.remove_investigator(world.outbreak, world.outsider, actor=world.tracer_mapo)
    actions.remove_investigator(world.outbreak, world.outsider, actor=world.supervisor_mapo)
    assert not world.outbreak.investigators.filter(pk=world.outsider.pk).exists()


def test_removing_an_investigator_through_the_page(world: World, gangnam_outbreak: Outbreak) -> None:
    c = client_for(world.supervisor_mapo)
    url = f"/tracing/outbreaks/{world.outbreak.pk}/investigators/remove/"
    assert c.post(url, {f"outbreak-{world.outbreak.pk}-remove-user": world.investigator.pk}).status_code == 302
    assert not world.outbreak.investigators.filter(pk=world.investigator.pk).exists()
    other = f"/tracing/outbreaks/{gangnam_outbreak.pk}/investigators/remove/"
    assert c.post(other, {f"outbreak-{gangnam_outbreak.pk}-remove-user": world.investigator.pk}).status_code == 404


def test_supervisors_open_outbreaks_in_their_own_district(world: World) -> None:
    with pytest.raises(PermissionDenied):
        actions.open_outbreak("강남구 학원", GANGNAM, name_en="Gangnam academy", actor=world.supervisor_mapo)
    c = client_for(world.supervisor_mapo)
    page = c.get("/tracing/outbreaks/new/").content.decode()
    assert re.findall(r'<option value="(\d+)"', page) == [str(MAPO)]
    data = {"name": "강남구 학원", "name_en": "Gangnam academy", "monitoring_days": "14", "infectious_days_before": "2"}
    assert c.post("/tracing/outbreaks/new/", {**data, "district": str(GANGNAM)}).status_code == 400
    assert c.post("/tracing/outbreaks/new/", {**data, "district": str(MAPO)}).status_code == 302
    opened = Outbreak.objects.get(name_en="Gangnam academy")
    assert opened.district == MAPO
    # the supervisor sees and manages their new outbreak before it has any case
    assert selectors.outbreaks_for(world.supervisor_mapo).filter(pk=opened.pk).exists()
    assert f'id="ob-{opened.pk}"' in c.get("/tracing/outbreaks/").content.decode()


# --- registrations that meet records out of scope -------------------------------------------------


def _register(client, outbreak: Outbreak, **fields: str):  # type: ignore[no-untyped-def]
    data = {
        "outbreak": str(outbreak.pk),
        "district": str(MAPO),
        "confirmed_on": builders.today().isoformat(),
        "onset_on": builders.today().isoformat(),
        "test_on": "",
        "presence_id": "",
        **fields,
    }
    return client.post("/tracing/cases/new/", data, follow=True)


def test_registering_a_case_already_on_record_out_of_scope_discloses_nothing(
    world: World, make_user: Callable[..., User]
) -> None:
    """The finding: registering the name and phone of a case the tracer may not see answered
    "already a case of this outbreak". Now the registration is received like any case that
    lands outside the tracer's own work, kept for the supervisors who see the case, and the
    tracer's page says nothing of the case on record."""
    existing = world.make_case(name="비공개 환자", phone="010-4242-1717")  # tracer.mapo's
    c = client_for(world.tracer_mapo2, language="en")
    response = _register(c, world.outbreak, name="비공개 환자", phone="010-4242-1717")
    page = response.content.decode()
    assert response.status_code == 200 and response.redirect_chain[-1][0] == "/tracing/"
    assert "already" not in page.lower() and existing.reference not in page
    assert "Registration received" in page
    assert Case.objects.filter(person=existing.person).count() == 1
    duplicate = DuplicateRegistration.objects.get()
    assert (duplicate.case, duplicate.registered_by) == (existing, world.tracer_mapo2)
    # the same answer as a new case that lands in another district (Gangnam's tracer)
    other = _register(c, world.outbreak, name="새 환자", phone="010-5151-6161", district=str(GANGNAM))
    assert other.redirect_chain[-1][0] == "/tracing/" and "Registration received" in other.content.decode()
    # the supervisor of the case sees the registration and reviews it
    boss = client_for(world.supervisor_mapo)
    supervision = boss.get("/tracing/supervisor/").content.decode()
    assert f'data-duplicate="{duplicate.pk}"' in supervision and existing.reference in supervision
    assert (
        client_for(world.supervisor_mapo)
        .post(
            f"/tracing/duplicates/{duplicate.pk}/review/",
            {f"duplicate-{duplicate.pk}-note": "담당자와 통화, 동일인 확인"},
        )
        .status_code
        == 302
    )
    duplicate.refresh_from_db()
    assert duplicate.reviewed_by == world.supervisor_mapo
    # another district's supervisor neither sees nor reviews it
    gangnam_boss = builders.staff(make_user, "super.gangnam", "approver", GANGNAM)
    assert client_for(gangnam_boss).post(f"/tracing/duplicates/{duplicate.pk}/review/", {}).status_code == 404


def test_a_duplicate_the_tracer_may_see_is_named(world: World) -> None:
    existing = world.make_case(name="보이는 환자", phone="010-8080-9090")  # tracer.mapo's
    with translation.override("en"), pytest.raises(ValidationError, match=existing.reference):
        actions.register_case(
            world.outbreak,
            builders.case_input(name="보이는 환자", phone="010-8080-9090"),
            actor=world.tracer_mapo,
        )
    assert not DuplicateRegistration.objects.exists()


def test_a_tracer_registers_cases_only_in_outbreaks_they_take_part_in(world: World, gangnam_outbreak: Outbreak) -> None:
    """The new-case form offered every outbreak of the city and the view fetched the chosen one
    without scope."""
    c = client_for(world.tracer_mapo)
    page = c.get("/tracing/cases/new/").content.decode()
    offered = page.split('name="outbreak"')[1].split("</select>")[0]
    assert f'value="{world.outbreak.pk}"' in offered and f'value="{gangnam_outbreak.pk}"' not in offered
    response = _register(c, gangnam_outbreak, name="남의 집단", phone="010-3131-4141")
    assert response.status_code == 400
    assert (
        not Case.objects.filter(outbreak=gangnam_outbreak, person__phone__isnull=False)
        .exclude(district=GANGNAM)
        .exists()
    )
    with pytest.raises(PermissionDenied):
        actions.register_case(gangnam_outbreak, builders.case_input(), actor=world.tracer_mapo)


def test_converting_a_contact_already_a_case_out_of_scope_goes_to_review(world: World) -> None:
    source = world.make_case()
    contact = world.make_contact(source)
    tracer = tracer_of(contact)
    # the same person is also a case of the outbreak, with the other Mapo tracer
    registered = actions.register_case(
        world.outbreak, builders.case_input(name=contact.person.name, phone=contact.person.phone), actor=None
    ).case
    assert registered is not None
    other = world.tracer_mapo2 if tracer == world.tracer_mapo else world.tracer_mapo
    if tracer_of(registered) != other:
        actions.reassign(registered.assignments.get(ended_at=None), other, "담당 분리", actor=None)
    with translation.override("en"):
        result = actions.convert_to_case(contact, confirmed_on=world.today, onset_on=world.today, actor=tracer)
    assert result.case is None and result.duplicate is not None and result.duplicate.case == registered
    contact.refresh_from_db()
    assert contact.status == "monitoring"
    page = client_for(tracer).post(
        f"/tracing/contacts/{contact.pk}/convert/",
        {"convert-confirmed_on": world.today.isoformat(), "convert-onset_on": world.today.isoformat()},
        follow=True,
    )
    assert registered.reference not in page.content.decode()


# --- people offered in forms --------------------------------------------------------------------


def test_reassignment_offers_and_accepts_only_the_supervisors_tracers(world: World) -> None:
    case = world.make_case()
    assignment = case.assignments.get()
    c = client_for(world.supervisor_mapo)
    page = c.get("/tracing/supervisor/").content.decode()
    row = page.split(f'action="/tracing/assignments/{assignment.pk}/reassign/"')[1].split("</form>")[0]
    assert f'value="{world.tracer_mapo2.pk}"' in row and f'value="{world.tracer_gangnam.pk}"' not in row
    response = c.post(
        f"/tracing/assignments/{assignment.pk}/reassign/",
        {
            f"assignment-{assignment.pk}-tracer": world.tracer_gangnam.pk,
            f"assignment-{assignment.pk}-reason": "강남으로",
        },
    )
    assert response.status_code == 400
    assert tracer_of(case) == world.tracer_mapo


def test_records_of_others_answer_404(world: World) -> None:
    case = world.make_case(presence_id="p-case")  # tracer.mapo's
    (candidate,) = builders.candidates(case, builders.FakeCandidate("p-1", 0.5))
    start = case.window().start
    entry = actions.add_timeline_entry(
        case,
        actions.TimelineInput(start=start, end=start + timedelta(hours=1), place="집", setting="household"),
        actor=None,
    )
    other = client_for(world.tracer_mapo2)
    assert other.post(f"/tracing/candidates/{candidate.pk}/", {}).status_code == 404
    assert other.get(f"/tracing/timeline/{entry.pk}/").status_code == 404
    assert other.post(f"/tracing/cases/{case.pk}/isolate/", {}).status_code == 404
    assignment = case.assignments.get()
    assert client_for(world.tracer_mapo).post(f"/tracing/assignments/{assignment.pk}/reassign/", {}).status_code == 403
