"""District transfers: asked by whoever works on the record, decided by the receiving
district's supervisor; nothing moves, and nothing personal shows, until it is accepted."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent, User
from seoul.tracing import actions
from seoul.tracing.models import Contact, Transfer
from seoul.tracing.tests import builders
from seoul.tracing.tests.builders import client_for, tracer_of
from seoul.tracing.tests.conftest import GANGNAM, JONGNO, MAPO, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def gangnam_supervisor(make_user: Callable[..., User]) -> User:
    return builders.staff(make_user, "super.gangnam", "approver", GANGNAM)


def test_a_contact_moves_only_when_the_receiving_district_accepts(world: World, gangnam_supervisor: User) -> None:
    contact = world.make_contact(world.make_case(), name="이사간접촉자")
    tracer = tracer_of(contact)
    with pytest.raises(ValidationError) as same:
        actions.request_transfer(contact, MAPO, "주소 확인 결과 마포구", actor=tracer)
    assert codes_of(same.value) == ["tracing.same_district"]
    transfer = actions.request_transfer(contact, GANGNAM, "강남구 가족 집으로 이사", actor=tracer)
    with pytest.raises(ValidationError) as twice:
        actions.request_transfer(contact, JONGNO, "두 번째 요청", actor=tracer)
    assert codes_of(twice.value) == ["tracing.transfer_pending"]
    assert Contact.objects.get(pk=contact.pk).district == MAPO  # nothing moved yet
    # the receiving supervisor sees the reference and the reason, not the name
    page = client_for(gangnam_supervisor, language="en").get("/tracing/supervisor/").content.decode()
    assert f'data-transfer="{transfer.pk}"' in page and contact.reference in page and "이사간접촉자" not in page
    with pytest.raises(PermissionDenied):  # the sending district cannot decide for the other
        actions.decide_transfer(transfer, True, "", actor=world.supervisor_mapo)
    actions.decide_transfer(transfer, True, "", actor=gangnam_supervisor)
    contact.refresh_from_db()
    assert contact.district == GANGNAM and tracer_of(contact) == world.tracer_gangnam
    assert not Contact.objects.visible_to(tracer).filter(pk=contact.pk).exists()
    assert Contact.objects.visible_to(gangnam_supervisor).filter(pk=contact.pk).exists()
    events = AuditEvent.objects.filter(target_id=str(contact.pk), event__startswith="tracing.transfer.")
    assert [e.event for e in events.order_by("pk")] == ["tracing.transfer.requested", "tracing.transfer.decided"]
    with pytest.raises(ValidationError) as again:
        actions.decide_transfer(transfer, False, "이미 결정됨", actor=None)
    assert codes_of(again.value) == ["tracing.transfer_decided"]


def test_a_refusal_needs_a_note_and_leaves_the_case_where_it_was(world: World, gangnam_supervisor: User) -> None:
    case = world.make_case()
    c = client_for(tracer_of(case), language="en")
    asked = c.post(
        f"/tracing/cases/{case.pk}/transfer/",
        {"transfer-to_district": GANGNAM, "transfer-reason": "치료 병원이 강남구"},
    )
    assert asked.status_code == 302
    transfer = Transfer.objects.get()
    s = client_for(gangnam_supervisor, language="en")
    bare = s.post(f"/tracing/transfers/{transfer.pk}/", {f"transfer-{transfer.pk}-decision": "refuse"})
    assert bare.status_code == 400 and f'id="id_transfer-{transfer.pk}-note_error"' in bare.content.decode()
    done = s.post(
        f"/tracing/transfers/{transfer.pk}/",
        {
            f"transfer-{transfer.pk}-decision": "refuse",
            f"transfer-{transfer.pk}-note": "주소지 마포구 유지, 병원만 강남",
        },
    )
    assert done.status_code == 302
    transfer.refresh_from_db()
    case.refresh_from_db()
    assert transfer.status == "refused" and case.district == MAPO
    page = c.get(f"/tracing/cases/{case.pk}/").content.decode()
    assert f'data-transfer="{transfer.pk}"' in page and "주소지 마포구 유지" in page
    assert client_for(world.supervisor_mapo).post(f"/tracing/transfers/{transfer.pk}/", {}).status_code == 404
