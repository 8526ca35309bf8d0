"""Requests for information: filed by a citizen, decided by the department within the legal
period with a legal ground, a partial disclosure delivered with the exempt parts painted out of
the page images; the delivered file kept a year."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pypdfium2 as pdfium
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from seoul.core import retention
from seoul.core.models import AuditEvent, User
from seoul.records.actions import requests as actions
from seoul.records.engine import requests as rules
from seoul.records.engine.rules import Disclosure, Retention
from seoul.records.errors import RecordsError
from seoul.records.events import RecordsEvent
from seoul.records.models import DisclosureRequest, Record
from seoul.records.storage import storage
from seoul.records.tests.conftest import Archive, client_of, registered

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "김철수"
LINES = ["민원 처리 결과 보고", f"민원인 {NAME} 주소 종로구", "처리 결과는 다음과 같다."]


def test_the_decision_period_and_its_grounds() -> None:
    assert rules.decision_due(date(2026, 12, 4)) == date(2026, 12, 14)
    assert rules.decision_due(date(2026, 12, 4), extended=True) == date(2026, 12, 24)
    assert "제14조" in rules.legal_ground(rules.Decision.PARTIAL, (6,)) and "제6호" in rules.legal_ground(
        rules.Decision.PARTIAL, (6,)
    )
    assert "제9조제1항 제5호, 제6호" in rules.legal_ground(rules.Decision.REFUSED, (6, 5))
    assert rules.check_decision(rules.Decision.REFUSED, ()) == "needs_ground"
    assert rules.check_decision(rules.Decision.FULL, (6,)) == "no_ground"
    assert rules.check_decision(rules.Decision.PARTIAL, (9,)) == "unknown_item"
    assert rules.check_decision(rules.Decision.NOT_HELD, ()) is None


@pytest.fixture
def citizen(make_user: Callable[..., User]) -> User:
    return make_user(kind=User.Kind.CITIZEN, institution=None, username="citizen.kim")


@pytest.fixture
def report(archive: Archive) -> Record:
    return registered(
        archive,
        "report.png",
        LINES,
        completed=2025,
        retention=Retention.YEARS_10,
        disclosure=Disclosure.PARTIAL,
        exemptions=(6,),
    )


def test_a_partial_disclosure_paints_the_name_out_and_the_citizen_downloads_it(
    archive: Archive, report: Record, citizen: User
) -> None:
    kim = client_of(citizen)
    filed = kim.post(
        "/records/ask/",
        {"department": archive.general.code, "content": "2025년 민원 처리 결과 보고서 사본", "purpose": "확인"},
    )
    asked = DisclosureRequest.objects.get()
    assert filed.status_code == 302 and filed["Location"] == f"/records/ask/{asked.pk}/"
    assert asked.due_on == timezone.localdate() + timedelta(days=10)

    # the department's clerk opens it (personal data: the requester) and decides
    clerk = client_of(archive.clerk)
    first = clerk.get(f"/records/requests/{asked.pk}/")
    assert b'name="ticket"' in first.content and NAME not in first.content.decode()  # the reason is asked first
    assert not AuditEvent.objects.filter(event=RecordsEvent.REQUEST_VIEWED).exists()
    assert client_of(archive.reader).get(f"/records/requests/{asked.pk}/").status_code == 403  # not an operator
    refused = clerk.post(
        f"/records/requests/{asked.pk}/",
        {
            "do": "decide",
            "decision": "partial",
            "registration_number": report.registration_number,
            "explanation": "x" * 6,
        },
    )
    assert refused.status_code == 400  # no ground, nothing to remove: said on the field
    assert refused.context["decide"].errors["exemptions"] == [str(RecordsError.DECISION_NEEDS_GROUND.message())]
    decided = clerk.post(
        f"/records/requests/{asked.pk}/",
        {
            "do": "decide",
            "decision": "partial",
            "registration_number": report.registration_number,
            "exemptions": ["6"],
            "words": NAME,
            "boxes": "1: 80 90 15 5",
            "explanation": "개인정보(성명)를 지우고 공개합니다.",
        },
    )
    assert decided.status_code == 302
    asked.refresh_from_db()
    assert asked.decision == "partial" and asked.record == report
    assert "제14조" in asked.ground and "제6호" in asked.ground
    assert asked.redactions["words"] == [NAME] and asked.redactions["painted"] >= 2

    # the citizen's page shows the ground; the file has no text and black where the name was
    page = kim.get(f"/records/ask/{asked.pk}/").content.decode()
    assert asked.ground in page and 'id="disclosed-file"' in page
    delivered = kim.get(f"/records/ask/{asked.pk}/file/")
    assert delivered.status_code == 200 and delivered["Content-Type"] == "application/pdf"
    document = pdfium.PdfDocument(delivered.content)
    assert len(document) == 1
    assert document[0].get_textpage().get_text_range().strip() == ""  # images only: nothing under a box
    image = document[0].render(scale=1).to_pil().convert("RGB")
    width, height = image.size
    assert image.getpixel((int(width * 0.87), int(height * 0.92))) == (0, 0, 0)  # the marked area

    def longest_black_run(y: int) -> int:
        best = run = 0
        for x in range(width):
            run = run + 1 if image.getpixel((x, y)) == (0, 0, 0) else 0
            best = max(best, run)
        return best

    # the name's box among the first lines: a solid bar no glyph makes
    assert max(longest_black_run(y) for y in range(0, height // 3)) >= 20
    assert AuditEvent.objects.filter(event=RecordsEvent.REQUEST_DELIVERED, target_id=str(asked.pk)).count() == 1

    # nobody else gets it
    stranger = User.objects.create_user(username="citizen.lee", password="x-Long-Password-1", kind="citizen")
    assert client_of(stranger).get(f"/records/ask/{asked.pk}/file/").status_code == 404
    assert client_of(archive.clerk).get(f"/records/ask/{asked.pk}/file/").status_code == 403


def test_the_period_is_extended_once_before_it_ends(archive: Archive, citizen: User) -> None:
    asked = actions.file_request(citizen, archive.general, content="2024년 총무과 회의록 전부")
    with pytest.raises(PermissionDenied):  # another division's reader
        actions.extend(asked, reason="자료 검토에 시간이 필요함", actor=archive.reader)
    longer = actions.extend(asked, reason="자료 검토에 시간이 필요함", actor=archive.clerk)
    assert longer.due_on == timezone.localdate(asked.received_at) + timedelta(days=20)
    with pytest.raises(ValidationError) as twice:
        actions.extend(longer, reason="한 번 더 연장", actor=archive.clerk)
    assert twice.value.messages == [str(RecordsError.EXTENDED_ONCE.message())]
    late = actions.file_request(citizen, archive.general, content="2023년 총무과 회의록 전부")
    DisclosureRequest.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    late.refresh_from_db()
    assert late.overdue
    with pytest.raises(ValidationError):
        actions.extend(late, reason="기간이 지난 뒤 연장", actor=archive.clerk)


def test_other_decisions_and_their_grounds(archive: Archive, report: Record, citizen: User) -> None:
    staff_only = User.objects.get(pk=archive.clerk.pk)
    with pytest.raises(PermissionDenied):
        actions.file_request(staff_only, archive.general, content="직원은 청구하지 않습니다")
    asked = actions.file_request(citizen, archive.general, content="없는 자료를 청구합니다")
    with pytest.raises(ValidationError) as no_ground:
        actions.decide(
            asked,
            actions.Decision(
                rules.Decision.REFUSED, "비공개합니다", registration_number=report.registration_number or ""
            ),
            actor=archive.clerk,
        )
    assert "exemptions" in no_ground.value.message_dict
    none = actions.decide(asked, actions.Decision(rules.Decision.NOT_HELD, "보유하지 않습니다"), actor=archive.clerk)
    assert none.decision == "not_held" and not none.file_key and "부존재" in none.ground
    with pytest.raises(ValidationError):  # decided once
        actions.decide(asked, actions.Decision(rules.Decision.NOT_HELD, "다시 결정"), actor=archive.clerk)

    full = actions.file_request(citizen, archive.general, content="민원 처리 결과 보고 전부")
    with pytest.raises(ValidationError) as unknown:
        actions.decide(
            full,
            actions.Decision(rules.Decision.FULL, "공개합니다", registration_number="EDC-0000000-2026000001"),
            actor=archive.clerk,
        )
    assert "registration_number" in unknown.value.message_dict
    given = actions.decide(
        full,
        actions.Decision(rules.Decision.FULL, "공개합니다", registration_number=report.registration_number or ""),
        actor=archive.clerk,
    )
    archive_copy = report.files.get(role="archive")
    with storage().open(archive_copy.key) as fh:
        assert given.file_sha256 == archive_copy.sha256 and fh.read()[:5] == b"%PDF-"
    assert "제13조" in given.ground


def test_a_delivered_file_is_removed_a_year_after_the_decision(archive: Archive, report: Record, citizen: User) -> None:
    asked = actions.file_request(citizen, archive.general, content="민원 처리 결과 보고 전부")
    given = actions.decide(
        asked,
        actions.Decision(rules.Decision.FULL, "공개합니다", registration_number=report.registration_number or ""),
        actor=archive.clerk,
    )
    assert storage().exists(given.file_key)
    retention.run(now=timezone.now() + timedelta(days=364))
    assert storage().exists(given.file_key)
    retention.run(now=timezone.now() + timedelta(days=366))
    given.refresh_from_db()
    assert given.file_removed_at is not None and not storage().exists(given.file_key)
    assert client_of(citizen).get(f"/records/ask/{given.pk}/file/").status_code == 404
    retention.run(now=timezone.now() + timedelta(days=5 * 365 + 1))
    assert not DisclosureRequest.objects.filter(pk=given.pk).exists()
