"""Line lists in: a health centre's contacts spreadsheet with its own Korean headers and bad
rows -- each refused once with its line, field and reason, the good rows kept -- through the
pages (upload, column mapping, report), the command line and XLSX; cases and follow-ups too."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from seoul.cli import main
from seoul.core.models import AuditEvent
from seoul.tracing import actions, uploads
from seoul.tracing.engine import linelist
from seoul.tracing.models import Case, Contact, FollowUp, LineListImport
from seoul.tracing.tests.builders import client_for, tracer_of
from seoul.tracing.tests.conftest import World

pytestmark = pytest.mark.django_db

HEADER = ["연번", "관련확진자", "성명", "연락처", "거주지", "최종접촉일", "접촉장소", "접촉유형", "접촉시간(분)"]


def contacts_sheet(world: World, case: Case, other_district_case: Case) -> tuple[list[list[str]], dict[int, str]]:
    """Rows of a contacts line list and, for each bad row's line, the field it must be refused on."""
    day = (world.today - timedelta(days=2)).isoformat()
    dotted = (world.today - timedelta(days=1)).strftime("%Y.%m.%d")
    rows = [
        ["1", case.reference, "김하나", "010-3000-0001", "마포구", day, "망원동 노래방", "nightlife", "120"],
        ["2", str(case.pk), "이두리", "010-3000-0002", "11440", dotted, "회사", "workplace", "480"],  # 11440: 마포구
        ["3", case.reference, "박세나", "010-3000-0003", "성남시", day, "회사", "workplace", "60"],  # not Seoul
        ["4", case.reference, "", "010-3000-0004", "마포구", day, "회사", "workplace", "60"],  # no name
        ["5", case.reference, "최다섯", "010-3000-0005", "Guro-gu", "어제", "식당", "other", "30"],  # bad date
        ["6", other_district_case.reference, "정여섯", "010-3000-0006", "강남구", day, "식당", "other", "30"],
        ["7", case.reference, "한일곱", "010-3000-0007", "22", day, "식당", "other", "lots"],  # bad minutes
        ["8", case.reference, "오여덟", "010-3000-0008", "구로", day, "식당", "party", "30"],  # bad setting
        ["9", "C-999999", "유아홉", "010-3000-0009", "마포구", day, "식당", "other", "30"],  # no such case
        [
            "10",
            case.reference,
            "임열",
            "010-3000-0010",
            "관악구",
            (world.today + timedelta(days=10)).isoformat(),
            "식당",
            "other",
            "30",
        ],
        ["", "", "", "", "", "", "", "", ""],  # a blank row: skipped, not refused
        ["12", case.reference, "김하나", "010-3000-0001", "마포구", day, "망원동 노래방", "nightlife", "120"],  # again
    ]
    refused = {4: "district", 5: "name", 6: "on", 7: "case", 8: "duration_minutes", 9: "setting", 10: "case", 11: "on"}
    return rows, refused


def as_csv(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def test_headers_are_recognised_and_values_parsed() -> None:
    mapping = linelist.suggest_mapping("contacts", HEADER)
    assert mapping == {
        "case": "관련확진자",
        "name": "성명",
        "phone": "연락처",
        "district": "거주지",
        "on": "최종접촉일",
        "place": "접촉장소",
        "setting": "접촉유형",
        "duration_minutes": "접촉시간(분)",
    }
    assert linelist.check_mapping("contacts", HEADER, {"name": "성명"})[0] == ("case", "required", "")
    assert ("phone", "twice", "성명") in linelist.check_mapping("contacts", HEADER, {**mapping, "phone": "성명"})
    row = dict(
        zip(HEADER, ["1", "c-12", "김", "010 1234 5678", "guro", "2020.8.15", "집", "Household", "15"], strict=True)
    )
    parsed = linelist.parse_row("contacts", mapping, row)
    assert (parsed["case"], parsed["district"], parsed["on"].isoformat(), parsed["setting"]) == (
        12,
        linelist.spellings()["guro"],
        "2020-08-15",
        "household",
    )


def test_a_contacts_line_list_keeps_good_rows_and_refuses_each_bad_row_once(world: World, tmp_path: Path) -> None:
    case = world.make_case()
    gangnam_case = world.make_case(district=22)
    rows, refused = contacts_sheet(world, case, gangnam_case)
    c = client_for(tracer_of(case), language="en")  # a Mapo tracer: the Gangnam case is not theirs
    upload = SimpleUploadedFile("접촉자명단.csv", as_csv(rows, "cp949"), content_type="text/csv")
    step1 = c.post("/tracing/imports/", {"kind": "contacts", "file": upload})
    assert step1.status_code == 302, step1.content.decode()[:3000]
    mapping_page = c.get(step1["Location"]).content.decode()
    assert '<option value="관련확진자" selected>' in mapping_page  # recognised, preselected
    # someone else cannot take over the staged file
    other = client_for(world.tracer_gangnam, language="en")
    assert other.get(step1["Location"]).status_code == 404
    form = linelist.suggest_mapping("contacts", HEADER)
    done = c.post(step1["Location"], form)
    assert done.status_code == 302, done.content.decode()[:3000]
    report = LineListImport.objects.get()
    assert (report.rows, report.imported) == (11, 3)  # rows 2, 3 and 13 (the repeat: the same contact)
    assert {r["line"]: r["field"] for r in report.refused} == refused  # each bad row once, with its field
    reasons = {r["line"]: r["reason"] for r in report.refused}
    assert "“성남시” is not a Seoul district" in reasons[4] and "“어제” is not a date" in reasons[6]
    # another district's case and a case that does not exist get the same words
    assert reasons[7] == f"C-{gangnam_case.pk} is not on record among the records you may change"
    assert reasons[10] == "C-999999 is not on record among the records you may change"
    assert all("010-3000" not in r["reason"] for r in report.refused)  # no phone number in the report
    contacts = Contact.objects.filter(source_case=case)
    assert sorted(c.person.name for c in contacts) == ["김하나", "이두리"]
    assert Contact.objects.filter(source_case=gangnam_case).count() == 0
    page = c.get(done["Location"]).content.decode()
    assert all(f'data-line="{line}"' in page for line in refused)
    token = step1["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert not (uploads.upload_dir() / f"{token}.data").exists()  # the staged file is gone once imported
    event = AuditEvent.objects.get(event="tracing.line_list.imported")
    assert (event.new["imported"], event.new["refused"]) == (3, 8)


def test_the_command_line_imports_an_xlsx_line_list_with_a_mapping(world: World, tmp_path: Path) -> None:
    case = world.make_case()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Source case", "Full name", "Mobile", "Home district", "Exposed", "Where"])
    sheet.append([case.reference, "Kim Il", "010-3100-0001", "Mapo-gu", world.today - timedelta(days=1), "office"])
    sheet.append([case.reference, "Lee Yi", "010-3100-0002", "Atlantis", world.today - timedelta(days=1), "office"])
    path = tmp_path / "contacts.xlsx"
    book.save(path)
    out = CliRunner().invoke(
        main,
        [
            "tracing",
            "import-linelist",
            str(path),
            "--kind",
            "contacts",
            "--actor",
            world.admin.username,
            "--map",
            "name=Full name",
            "--map",
            "phone=Mobile",
            "--map",
            "district=Home district",
            "--map",
            "on=Exposed",
            "--map",
            "place=Where",
            "--json",
        ],
    )
    assert out.exit_code == 1, out.output  # a row was refused
    doc = json.loads(out.stdout)
    assert (doc["rows"], doc["imported"]) == (2, 1) and doc["mapping"]["case"] == "Source case"
    assert [(r["line"], r["field"]) for r in doc["refused"]] == [(3, "district")]
    assert Contact.objects.get(source_case=case).person.name == "Kim Il"


def test_cases_and_follow_ups_come_in_the_same_way(world: World, tmp_path: Path) -> None:
    cases_file = tmp_path / "cases.csv"
    cases_file.write_text(
        "성명,연락처,거주지,확진일,증상발현일\n"
        f"조확진,010-3200-0001,마포구,{world.today.isoformat()},{(world.today - timedelta(days=2)).isoformat()}\n"
        f"서확진,010-3200-0002,마포구,{world.today.isoformat()},{(world.today + timedelta(days=2)).isoformat()}\n",
        encoding="utf-8",
    )
    done = actions.import_line_list(
        cases_file,
        "cases",
        linelist.suggest_mapping("cases", ["성명", "연락처", "거주지", "확진일", "증상발현일"]),
        actor=world.tracer_mapo,
        outbreak=world.outbreak,
    )
    assert (done.imported, [(r["line"], r["field"]) for r in done.refused]) == (1, [(3, "onset_on")])
    case = next(c for c in Case.objects.select_related("person") if c.person.name == "조확진")
    contact = world.make_contact(case, on=world.today - timedelta(days=2))
    follow = tmp_path / "follow.csv"
    follow.write_text(
        "접촉자번호,날짜,결과,체온,증상\n"
        f"{contact.reference},{(world.today - timedelta(days=1)).isoformat()},seen_symptoms,38.1℃,cough;sore_throat\n"
        f"{contact.reference},{world.today.isoformat()},seen_well,36.5,\n"
        f"{contact.reference},{world.today.isoformat()},seen_well,39.0,\n",
        encoding="utf-8",
    )
    headers = ["접촉자번호", "날짜", "결과", "체온", "증상"]
    done = actions.import_line_list(follow, "follow_ups", linelist.suggest_mapping("follow_ups", headers), actor=None)
    assert done.imported == 2 and [(r["line"], r["field"]) for r in done.refused] == [(4, "status")]
    first = FollowUp.objects.get(contact=contact, day=world.today - timedelta(days=1))
    assert first.symptom_list == ["fever", "cough", "sore_throat"] and first.alerts


def test_a_file_that_is_not_a_line_list_is_refused_whole(world: World, tmp_path: Path) -> None:
    c = client_for(world.tracer_mapo, language="en")
    binary = SimpleUploadedFile("list.csv", b"\x00\x01\x02" * 100, content_type="text/csv")
    refused = c.post("/tracing/imports/", {"kind": "contacts", "file": binary})
    assert refused.status_code == 400 and "This is not a CSV or XLSX file." in refused.content.decode()
    no_outbreak = c.post("/tracing/imports/", {"kind": "cases", "file": SimpleUploadedFile("c.csv", as_csv([]))})
    assert no_outbreak.status_code == 400 and 'id="id_outbreak_error"' in no_outbreak.content.decode()
    assert not LineListImport.objects.exists()
