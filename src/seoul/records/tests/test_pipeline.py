"""The consume pipeline end to end through Django: receive → preflight → OCR → archive →
metadata → registration → index, with every step recorded; refusals keep their record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from seoul.core.models import AuditEvent
from seoul.core.testing import reason_ticket
from seoul.records import actions, storage
from seoul.records.adapters import tsa
from seoul.records.cli import group as records_cli
from seoul.records.engine import signing
from seoul.records.engine.rules import Disclosure, Retention
from seoul.records.models import Correction, Record, Step, StoredFile
from seoul.records.tests.builders import page_image, pdf_of
from seoul.records.tests.conftest import Archive

pytestmark = pytest.mark.django_db(transaction=True)


def _received(archive: Archive, *paths: Path) -> list[Record]:
    got = actions.receive(
        [(p.name, p) for p in paths], source="upload", department=archive.general, actor=archive.clerk
    )
    return got.records


def test_a_scan_is_read_archived_registered_and_found(archive: Archive) -> None:
    scan = page_image(archive.folder / "scan.png")
    [record] = _received(archive, scan)
    read = actions.process(record.pk)
    assert read is not None and read.status == Record.Status.READY
    assert [s.name for s in read.steps.all()] == ["receive", "preflight", "ocr", "sign", "archive", "metadata"]
    assert "보존기간" in "".join(read.page_texts.get().text.split())
    files = {f.role: f for f in StoredFile.objects.filter(record=read)}
    assert set(files) == {"original", "archive"}
    assert files["original"].sha256 == read.sha256  # the original is untouched
    with storage.storage().open(files["archive"].key) as stream:
        copy = archive.folder / "copy.pdf"
        copy.write_bytes(stream.read())
    # the archive copy carries the platform's PAdES signature with the authority's timestamp
    checked = signing.verify_pdf(copy, tsa.trust_roots())
    assert checked.valid and checked.timestamp_valid and checked.covers_whole_document, checked.reason
    assert files["archive"].signature["tsa"] == checked.tsa_name and files["archive"].signature["timestamp"]
    assert read.title == "기록물 등록 및 보존기간 안내" or "보존기간" in read.title
    assert read.produced_on is not None

    registered = actions.register(
        read,
        actions.Registration(
            title="보존기간 안내",
            produced_on=read.produced_on,
            department=archive.general,
            completed_year=read.produced_on.year,
            retention=Retention.YEARS_10,
            disclosure=Disclosure.OPEN,
        ),
        actor=archive.clerk,
    )
    assert registered.registration_number == f"EDC-6110101-{registered.serial_year}000001"
    assert Step.objects.filter(record=registered, name="index").exists()
    # a reader of another department finds an open record, with the particle on the query
    client = Client()
    client.force_login(archive.reader)
    assert b'name="ticket"' not in client.get(f"/records/{registered.pk}/").content  # no personal information
    page = client.get("/records/search/", {"q": "보존기간을"})
    assert page.status_code == 200
    assert [f.id for f in page.context["results"].found] == [registered.pk]
    assert AuditEvent.objects.filter(event="records.searched", actor=archive.reader).exists()


def test_serials_restart_per_department_and_registration_data_changes_only_by_correction(archive: Archive) -> None:
    first, second = _received(
        archive,
        page_image(archive.folder / "a.png"),
        page_image(archive.folder / "b.png", ["회의록", "2026년 회의 결과"]),
    )
    # the second is a different image, so it is not refused as a duplicate
    for r in (first, second):
        actions.process(r.pk)
    data = {
        "produced_on": Record.objects.get(pk=first.pk).produced_on,
        "department": archive.general,
        "completed_year": 2026,
        "retention": Retention.YEARS_3,
        "disclosure": Disclosure.CLOSED,
        "exemptions": (6,),
    }
    one = actions.register(
        Record.objects.get(pk=first.pk), actions.Registration(title="첫째", **data), actor=archive.clerk
    )
    two = actions.register(
        Record.objects.get(pk=second.pk), actions.Registration(title="둘째", **data), actor=archive.clerk
    )
    assert (one.serial, two.serial) == (1, 2)
    with pytest.raises(ValidationError):
        actions.register(two, actions.Registration(title="again", **data), actor=archive.clerk)
    with pytest.raises(PermissionDenied):  # a clerk does not correct registration data
        actions.correct(one, {"retention": Retention.YEARS_10.value}, reason="보존기간 재책정", actor=archive.clerk)
    with pytest.raises(ValidationError):  # closed needs its exemption
        actions.correct(one, {"exemptions": []}, reason="근거 삭제", actor=archive.officer)
    corrected = actions.correct(
        one,
        {"retention": Retention.YEARS_10.value, "disclosure": Disclosure.OPEN.value, "exemptions": []},
        reason="보존기간 책정표준에 따라 재책정",
        actor=archive.officer,
    )
    assert (corrected.retention, corrected.disclosure, corrected.registration_number) == (
        "10",
        "open",
        one.registration_number,
    )
    kept = {c.field: (c.old, c.new) for c in Correction.objects.filter(record=one)}
    assert kept == {"retention": ("3", "10"), "disclosure": ("closed", "open"), "exemptions": ([6], [])}
    assert AuditEvent.objects.filter(event="records.corrected", target_id=str(one.pk)).get().reason


def test_bad_files_are_refused_with_a_reason_and_keep_their_record(archive: Archive) -> None:
    empty = archive.folder / "empty.pdf"
    empty.write_bytes(b"")
    text = archive.folder / "notes.pdf"
    text.write_text("not a pdf at all", encoding="utf-8")
    good = page_image(archive.folder / "good.png")
    twin = archive.folder / "twin.png"
    twin.write_bytes(good.read_bytes())
    records = _received(archive, empty, text, good, twin)
    for r in records:
        actions.process(r.pk)
    status = {r.source_name: Record.objects.get(pk=r.pk) for r in records}
    assert status["good.png"].status == Record.Status.READY
    assert status["empty.pdf"].status == Record.Status.REFUSED and status["empty.pdf"].refusal_code == "empty"
    assert status["notes.pdf"].refusal_code == "unknown_type"
    assert status["twin.png"].refusal_code == "duplicate"
    assert not StoredFile.objects.filter(record__status=Record.Status.REFUSED).exists()
    assert AuditEvent.objects.filter(event="records.refused").count() == 3


def test_the_sanity_check_finds_a_changed_file(archive: Archive) -> None:
    [record] = _received(archive, page_image(archive.folder / "scan.png"))
    actions.process(record.pk)
    assert actions.check_files().problems == []
    stored = StoredFile.objects.get(record=record, role="original")
    path = Path(archive.folder / "records" / "files" / stored.key)
    path.write_bytes(path.read_bytes() + b"tampered")
    report = actions.check_files()
    assert [(f.pk, problem) for f, problem in report.problems] == [(stored.pk, "its content has changed")]
    assert StoredFile.objects.get(pk=stored.pk).mismatch_at is not None
    assert AuditEvent.objects.filter(event="records.checksum_mismatch", target_id=str(record.pk)).exists()


def test_the_command_line_contract(archive: Archive) -> None:
    folder = archive.folder / "scans"
    folder.mkdir()
    page_image(folder / "one.png")
    pdf_of(
        [
            page_image(archive.folder / "p1.png", ["회의록", "정보공개 청구 처리 결과"]),
            page_image(archive.folder / "p2.png", ["둘째 쪽", "보존기간 30년"]),
        ],
        folder / "two.pdf",
    )
    (folder / "zero.pdf").write_bytes(b"")
    runner = CliRunner()
    result = runner.invoke(records_cli, ["ingest", str(folder), "--department", "6110101", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert sorted(d["pages"] for d in out["documents"]) == [1, 2]
    assert all(len(d["sha256"]) == 64 for d in out["documents"])
    assert [Path(r["path"]).name for r in out["refused"]] == ["zero.pdf"]
    assert out["refused"][0]["reason"]
    two = next(d for d in out["documents"] if d["pages"] == 2)
    text = runner.invoke(records_cli, ["text", str(two["id"])])
    assert text.output.count("\f") == 1 and "정보공개" in "".join(text.output.split())
    found = json.loads(runner.invoke(records_cli, ["search", "보존기간을", "--json"]).output)
    assert {r["id"] for r in found["results"]} == {d["id"] for d in out["documents"]}
    scores = [r["score"] for r in found["results"]]
    assert scores == sorted(scores, reverse=True)


def test_an_unreachable_timestamp_authority_leaves_the_copy_unsigned_not_the_record_lost(archive: Archive) -> None:
    [record] = _received(archive, page_image(archive.folder / "scan.png"))
    tsa.standin().fail_next = 10  # busy for every attempt of this record
    try:
        read = actions.process(record.pk)
    finally:
        tsa.standin().fail_next = 0
    assert read is not None and read.status == Record.Status.READY
    sign = read.steps.get(name="sign")
    assert sign.outcome == Step.Outcome.FAILED and "503" in sign.detail
    stored = StoredFile.objects.get(record=read, role="archive")
    assert stored.signature == {}
    with storage.storage().open(stored.key) as stream:
        copy = archive.folder / "copy.pdf"
        copy.write_bytes(stream.read())
    assert not signing.verify_pdf(copy, tsa.trust_roots()).valid
    # once the authority answers again, `seoul records sign` signs the copy in the store
    result = CliRunner().invoke(records_cli, ["sign"])
    assert result.exit_code == 0, result.output
    stored.refresh_from_db()
    with storage.storage().open(stored.key) as stream:
        copy.write_bytes(stream.read())
    assert signing.verify_pdf(copy, tsa.trust_roots()).valid and stored.signature["timestamp"]
    assert actions.check_files().problems == []  # the new checksum is the one on record


def test_a_scanner_folder_is_emptied_into_the_pipeline(archive: Archive) -> None:
    folder = archive.folder / "scanner"
    folder.mkdir()
    page_image(folder / "scan-001.png")
    (folder / "notes.txt").write_text("not a scan", encoding="utf-8")
    result = CliRunner().invoke(records_cli, ["watch", str(folder), "--department", "6110101", "--once"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]  # the scan moved into the spool
    record = Record.objects.get(source_name="scan-001.png")
    assert (record.status, record.batch.source, record.department) == (Record.Status.READY, "folder", archive.general)
    unknown = CliRunner().invoke(records_cli, ["watch", str(folder), "--department", "9999999", "--once"])
    assert unknown.exit_code == 2 and "no department" in unknown.output


def test_a_record_with_personal_information_asks_why_before_it_opens(archive: Archive) -> None:
    [received] = _received(archive, page_image(archive.folder / "p.png", ["개인정보 포함 민원 회신", "홍길동 귀하"]))
    read = actions.process(received.pk)
    assert read is not None and read.produced_on is not None
    registered = actions.register(
        read,
        actions.Registration(
            title="민원 회신",
            produced_on=read.produced_on,
            department=archive.general,
            completed_year=read.produced_on.year,
            retention=Retention.YEARS_3,
            disclosure=Disclosure.PARTIAL,
            exemptions=(6,),
        ),
        actor=archive.clerk,
    )
    officer = Client()
    officer.force_login(archive.officer)
    asked = officer.get(f"/records/{registered.pk}/")
    assert b'name="ticket"' in asked.content and "홍길동" not in asked.content.decode()
    assert not AuditEvent.objects.filter(event="records.viewed").exists()
    stated = officer.post(
        "/reason/",
        {"ticket": reason_ticket(asked), "reason": "records.disclosure", "reason_detail": "정보공개 청구 2026-17"},
    )
    shown = officer.get(stated["Location"])
    assert "홍길동" in "".join(shown.content.decode().split())
    viewed = AuditEvent.objects.get(event="records.viewed", target_id=str(registered.pk))
    assert viewed.reason == "records.disclosure: 정보공개 청구 2026-17" and viewed.actor == archive.officer
