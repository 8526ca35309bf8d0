"""Milestone evidence as a file: the start-up sending its evidence, or staff verifying it, may
attach the document — a PDF by its first bytes (never its name), within the deck's size cap,
kept with its SHA-256 (a later file takes the place of the earlier, both hashes audited);
downloading it needs a stated reason and is audited; a tranche is still paid only against a
verified milestone, and never twice."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent, User
from seoul.core.testing import state_reason
from seoul.fund import actions, storage
from seoul.fund.errors import FundError
from seoul.fund.models import Application, Tranche
from seoul.fund.tests import builders
from seoul.fund.tests.conftest import client_of

pytestmark = pytest.mark.django_db

EVIDENCE = b"%PDF-1.7\n% IND approval letter\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def investee(founder: User, staff: User, members: list[User]) -> Application:
    return builders.investee(founder, staff, members)


@pytest.fixture
def evidenced(investee: Application, founder: User) -> Tranche:
    """The first tranche, its evidence sent by the start-up, waiting for staff."""
    return actions.send_evidence(investee.tranches.get(number=1), "식약처 IND 승인", actor=founder)


def kept_files() -> list[str]:
    return sorted(p.name for p in storage.root(storage.EVIDENCE).rglob("*") if p.is_file())


# ---- the actions ----------------------------------------------------------------------------


def test_a_pdf_attached_when_verifying_is_kept_with_its_hash(evidenced: Tranche, staff: User) -> None:
    done = actions.verify(
        evidenced, accepted=True, evidence_file=io.BytesIO(EVIDENCE), evidence_size=len(EVIDENCE), actor=staff
    )
    assert done.state == "verified"
    assert done.evidence_sha256 == hashlib.sha256(EVIDENCE).hexdigest() and done.evidence_size == len(EVIDENCE)
    assert done.evidence_key.endswith(".pdf") and storage.exists(done.evidence_key, folder=storage.EVIDENCE)
    assert not storage.exists(done.evidence_key)  # not among the pitch decks
    with storage.open_file(done.evidence_key, folder=storage.EVIDENCE) as fh:
        assert fh.read() == EVIDENCE
    event = AuditEvent.objects.get(event="fund.milestone.verified", target_id=str(done.pk))
    assert event.new["evidence_sha256"] == done.evidence_sha256 and event.new["evidence_bytes"] == len(EVIDENCE)


@pytest.mark.parametrize(
    ("content", "size", "error"),
    [
        (PNG, len(PNG), FundError.EVIDENCE_NOT_PDF),  # a picture named .pdf: the bytes decide
        (b"PDF-1.4 not quite", 17, FundError.EVIDENCE_NOT_PDF),
        (b"", 0, FundError.EVIDENCE_EMPTY),
        (EVIDENCE, storage.MAX_BYTES + 1, FundError.EVIDENCE_TOO_BIG),
    ],
)
def test_a_file_that_is_not_a_pdf_within_the_cap_is_refused(
    evidenced: Tranche, staff: User, content: bytes, size: int, error: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.verify(evidenced, accepted=True, evidence_file=io.BytesIO(content), evidence_size=size, actor=staff)
    assert codes_of(refused.value) == [error] and list(refused.value.error_dict) == ["evidence_file"]
    evidenced.refresh_from_db()
    assert evidenced.state == "evidenced" and not evidenced.evidence_key
    assert kept_files() == [] and not AuditEvent.objects.filter(event="fund.milestone.verified").exists()


def test_a_file_goes_only_with_a_verification(evidenced: Tranche, staff: User) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.verify(
            evidenced,
            accepted=False,
            note="계약서 서명 누락",
            evidence_file=io.BytesIO(EVIDENCE),
            evidence_size=len(EVIDENCE),
            actor=staff,
        )
    assert codes_of(refused.value) == [FundError.EVIDENCE_ON_RETURN]
    assert Tranche.objects.get(pk=evidenced.pk).state == "evidenced" and kept_files() == []


def test_paid_only_once_verified_and_never_twice_with_a_file(evidenced: Tranche, staff: User) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.pay(evidenced, paid_on=timezone.localdate(), actor=staff)
    assert codes_of(refused.value) == [FundError.TRANCHE_STATE]
    first = actions.verify(
        evidenced, accepted=True, evidence_file=io.BytesIO(EVIDENCE), evidence_size=len(EVIDENCE), actor=staff
    )
    with pytest.raises(ValidationError) as refused:  # verified once: a second file is not kept
        actions.verify(evidenced, accepted=True, evidence_file=io.BytesIO(b"%PDF-2"), evidence_size=6, actor=staff)
    assert codes_of(refused.value) == [FundError.TRANCHE_STATE]
    assert kept_files() == [first.evidence_key.rsplit("/", 1)[1]]
    assert Tranche.objects.get(pk=evidenced.pk).evidence_sha256 == hashlib.sha256(EVIDENCE).hexdigest()
    actions.pay(evidenced, paid_on=timezone.localdate(), actor=staff)
    with pytest.raises(ValidationError) as refused:
        actions.pay(evidenced, paid_on=timezone.localdate(), actor=staff)
    assert codes_of(refused.value) == [FundError.TRANCHE_STATE]
    assert AuditEvent.objects.filter(event="fund.tranche.paid").count() == 1


def test_the_start_up_attaches_its_pdf_and_a_file_sent_again_replaces_it(
    investee: Application, founder: User, staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    tranche = investee.tranches.get(number=1)
    with pytest.raises(ValidationError) as refused:  # a picture named .pdf: nothing kept, still to send
        actions.send_evidence(
            tranche, "식약처 IND 승인", evidence_file=io.BytesIO(PNG), evidence_size=len(PNG), actor=founder
        )
    assert codes_of(refused.value) == [FundError.EVIDENCE_NOT_PDF] and list(refused.value.error_dict) == [
        "evidence_file"
    ]
    assert Tranche.objects.get(pk=tranche.pk).state == "planned" and kept_files() == []
    sent = actions.send_evidence(
        tranche, "식약처 IND 승인", evidence_file=io.BytesIO(EVIDENCE), evidence_size=len(EVIDENCE), actor=founder
    )
    assert sent.state == "evidenced" and sent.evidence_sha256 == hashlib.sha256(EVIDENCE).hexdigest()
    first = sent.evidence_key
    event = AuditEvent.objects.get(event="fund.milestone.evidence", target_id=str(sent.pk))
    assert (event.actor, event.new["evidence_bytes"]) == (founder, len(EVIDENCE))
    actions.verify(sent, accepted=False, note="승인서 2쪽 누락", actor=staff)
    again = b"%PDF-1.7\n% IND approval letter, both pages\n%%EOF\n"
    with django_capture_on_commit_callbacks(execute=True):
        resent = actions.send_evidence(
            tranche, "승인서 전체", evidence_file=io.BytesIO(again), evidence_size=len(again), actor=founder
        )
    assert resent.evidence_key != first and kept_files() == [resent.evidence_key.rsplit("/", 1)[1]]
    with storage.open_file(resent.evidence_key, folder=storage.EVIDENCE) as fh:
        assert fh.read() == again
    # staff verify without a file of their own: the start-up's stays
    done = actions.verify(resent, accepted=True, actor=staff)
    assert done.evidence_key == resent.evidence_key and done.evidence_sha256 == hashlib.sha256(again).hexdigest()


def test_the_start_up_sends_its_pdf_on_its_page_and_staff_read_it(
    investee: Application, founder: User, staff: User
) -> None:
    ref = investee.reference
    c = client_of(founder)
    page = c.get(f"/fund/me/{ref}/")
    assert b'enctype="multipart/form-data"' in page.content and b'name="evidence-evidence_file"' in page.content
    data = {"form": "evidence", "evidence-evidence": "식약처 IND 승인"}
    bad = c.post(f"/fund/me/{ref}/", data | {"evidence-evidence_file": SimpleUploadedFile("a.pdf", PNG)})
    assert bad.status_code == 400 and "evidence_file" in bad.context["evidence"].errors
    done = c.post(f"/fund/me/{ref}/", data | {"evidence-evidence_file": SimpleUploadedFile("승인서.pdf", EVIDENCE)})
    assert done.status_code == 302
    assert b'data-testid="evidence-file"' in c.get(f"/fund/me/{ref}/").content
    s = client_of(staff)
    state_reason(s, f"/fund/staff/investees/{ref}/", "fund.monitoring")
    listed = s.get(f"/fund/staff/investees/{ref}/").content
    assert f"/fund/staff/investees/{ref}/tranches/1/evidence.pdf".encode() in listed
    got = s.get(f"/fund/staff/investees/{ref}/tranches/1/evidence.pdf")  # the reason stated holds for the file
    assert b"".join(got.streaming_content) == EVIDENCE
    assert AuditEvent.objects.filter(event="fund.evidence.downloaded", actor=staff).count() == 1


# ---- the pages ------------------------------------------------------------------------------


def _verify(client: Client, reference: str, upload: Any = None, **extra: str) -> Any:
    data = {"form": "verify", "tranche": "1", "verify-accepted": "yes"} | extra
    if upload is not None:
        data["verify-evidence_file"] = upload
    return client.post(f"/fund/staff/investees/{reference}/", data)


def test_staff_attach_a_pdf_on_the_page_and_a_non_pdf_is_refused(evidenced: Tranche, staff: User) -> None:
    ref = evidenced.application.reference
    c = client_of(staff)
    state_reason(c, f"/fund/staff/investees/{ref}/", "fund.monitoring")
    page = c.get(f"/fund/staff/investees/{ref}/")
    assert b'enctype="multipart/form-data"' in page.content and b'name="verify-evidence_file"' in page.content
    bad = _verify(c, ref, SimpleUploadedFile("evidence.pdf", PNG, content_type="application/pdf"))
    assert bad.status_code == 400
    assert {k: [e.code for e in v] for k, v in bad.context["verify"].errors.as_data().items()} == {
        "evidence_file": [FundError.EVIDENCE_NOT_PDF]
    }
    assert Tranche.objects.get(pk=evidenced.pk).state == "evidenced" and kept_files() == []
    done = _verify(c, ref, SimpleUploadedFile("승인서.pdf", EVIDENCE, content_type="application/octet-stream"))
    assert done.status_code == 302
    kept = Tranche.objects.get(pk=evidenced.pk)
    assert kept.state == "verified" and kept.evidence_sha256 == hashlib.sha256(EVIDENCE).hexdigest()
    listed = c.get(f"/fund/staff/investees/{ref}/")
    assert f"/fund/staff/investees/{ref}/tranches/1/evidence.pdf".encode() in listed.content
    assert kept.evidence_sha256.encode() in listed.content


def test_verifying_without_a_file_still_works_on_the_page(evidenced: Tranche, staff: User) -> None:
    ref = evidenced.application.reference
    c = client_of(staff)
    state_reason(c, f"/fund/staff/investees/{ref}/", "fund.monitoring")
    assert _verify(c, ref).status_code == 302
    kept = Tranche.objects.get(pk=evidenced.pk)
    assert kept.state == "verified" and not kept.evidence_key
    assert c.get(f"/fund/staff/investees/{ref}/tranches/1/evidence.pdf").status_code == 404


def test_the_download_needs_a_reason_and_is_audited(evidenced: Tranche, staff: User) -> None:
    actions.verify(
        evidenced, accepted=True, evidence_file=io.BytesIO(EVIDENCE), evidence_size=len(EVIDENCE), actor=staff
    )
    url = f"/fund/staff/investees/{evidenced.application.reference}/tranches/1/evidence.pdf"
    c = client_of(staff)
    asked = c.get(url)
    assert asked.status_code == 200 and asked["Content-Type"].startswith("text/html")
    assert b'name="reason_detail"' in asked.content
    assert not AuditEvent.objects.filter(event="fund.evidence.downloaded").exists()
    got = state_reason(c, url, "fund.monitoring", "2차 트랜치 지급 전 확인")
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert b"".join(got.streaming_content) == EVIDENCE
    event = AuditEvent.objects.get(event="fund.evidence.downloaded")
    assert event.actor == staff and event.reason == "fund.monitoring: 2차 트랜치 지급 전 확인"
    assert event.new == {"tranche": 1, "sha256": hashlib.sha256(EVIDENCE).hexdigest(), "bytes": len(EVIDENCE)}
    assert c.get(url.replace("/tranches/1/", "/tranches/9/")).status_code == 404


@pytest.mark.parametrize("who", ["founder", "other_citizen", "outsider", "viewer"])
def test_the_evidence_is_for_fund_staff_only(
    evidenced: Tranche, staff: User, who: str, request: pytest.FixtureRequest
) -> None:
    actions.verify(
        evidenced, accepted=True, evidence_file=io.BytesIO(EVIDENCE), evidence_size=len(EVIDENCE), actor=staff
    )
    ref = evidenced.application.reference
    c = client_of(request.getfixturevalue(who))
    assert c.get(f"/fund/staff/investees/{ref}/tranches/1/evidence.pdf").status_code == 403
    assert not AuditEvent.objects.filter(event="fund.evidence.downloaded").exists()


def test_a_tranche_of_another_start_up_is_not_found(
    evidenced: Tranche, staff: User, members: list[User], other_citizen: User
) -> None:
    actions.verify(
        evidenced, accepted=True, evidence_file=io.BytesIO(EVIDENCE), evidence_size=len(EVIDENCE), actor=staff
    )
    c = client_of(staff)
    assert c.get("/fund/staff/investees/FD-0000-NOPE00/tranches/1/evidence.pdf").status_code == 404
    waiting = builders.applied(other_citizen, evidenced.application.call, brn=builders.OTHER_BRN)
    assert c.get(f"/fund/staff/investees/{waiting.reference}/tranches/1/evidence.pdf").status_code == 404
