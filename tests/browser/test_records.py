"""The Electronic Document Center in the browser (issue 15).

- A department's records clerk uploads a scan on the worklist, waits until it has been read,
  opens it (the title is suggested from the text), classifies it partly open without naming an
  exemption (refused: the error summary takes the focus and links to the exemptions), names
  exemption 6 and registers it; the record now holds personal information, so it opens after the
  reason is stated: the number ``EDC-6110101-<year><serial>``, the retention with the day it is
  kept until, the disclosure badge. Korean on a phone, English on a desktop.
- Two scans uploaded together, registered open and closed: a reader of another department finds
  the open one with a Korean query that carries a particle (``보존기간을``), the term highlighted,
  and not the closed one (the count says one, and its page is not found); the records officer
  finds both.
- The records officer corrects the retention with a reason; the history shows the old and new
  value and why.
- The yearly disposal review, in Korean: two records kept one year, completed in 2019, are due;
  the officer opens the review; before the committee's meeting is recorded there is nothing to
  decide, and before every record is decided there is no button to carry out (a carry-out sent
  anyway is refused with the count still undecided, and nothing is destroyed); keeping longer
  without a reason is refused on the reason; one record is destroyed, the other kept ten years.
  The destroyed one's files leave the store, its text the page and the index (its words find
  nothing), its registration data stays with the destruction on its page (in English too); the
  kept one is still found, its files stay, and its history cites the committee.

Each test makes its people through the models and its scans with ``records.tests.builders``;
the files, spool, signing identity and search index live in the test's own folder. Scans are
read inside the upload request (``SEOUL_RECORDS_PROCESSING="inline"``): the background reader
("thread") writes through its own connection to the shared in-memory test database and meets
"database table is locked" while the live server reads. Expected words come from the catalogue
(``gettext`` in the page's language). Seven scans are read in all (a few seconds each here).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.people import new_staff
from tests.browser.test_walk_services import WIDEST

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
READING_MS = 120_000  # an upload is read (OCR) inside its request: a few seconds a page here
NUMBER = re.compile(r"^EDC-6110101-\d{4}\d{6}$")
# A second document of the clerk's division: other words (not refused as the same file), and
# the same term, so that the records officer's search finds both.
CONTRACT_LINES = [
    "용역 계약 심사 결과 보고",
    "계약 기록물의 보존기간 연장 요청에 대한",
    "심사 결과를 다음과 같이 보고합니다.",
    "2026년 2월 10일 행정국 총무과",
]


@dataclass
class Archive:
    general: Any  # 총무과 6110101, the clerk's division
    digital: Any  # 6110201, the reader's division
    clerk: Any
    officer: Any
    reader: Any
    folder: Path


def _person(username: str, password: str, role: str, department: Any = None) -> Any:
    from seoul.records.models import Post

    user = new_staff(username, password, "CITY_HALL", "records", role)
    if department is not None:
        Post.objects.create(user=user, department=department)
    return user


@pytest.fixture
def archive(reference_data: None, settings: Any, tmp_path: Path) -> Iterator[Archive]:
    """The records reference data, a clerk of 6110101, a records officer and a reader of
    6110201; files and index under ``tmp_path``; scans read in the upload's request."""
    from seoul.records import index, reference, storage
    from seoul.records.models import Department

    settings.SEOUL_RECORDS_DIR = tmp_path / "records"
    settings.SEOUL_RECORDS_PROCESSING = "inline"
    storage.storage.cache_clear()
    index._open.clear()
    reference.load()
    general, digital = (Department.objects.get(code=c) for c in ("6110101", "6110201"))
    yield Archive(
        general=general,
        digital=digital,
        clerk=_person("clerk.general", "Deoksugung-wall-8-stones", "operator", general),
        officer=_person("records.officer", "Gwanghwamun-gate-5-arches", "approver"),
        reader=_person("reader.digital", "Cheonggye-stream-6-bridges", "viewer", digital),
        folder=tmp_path,
    )
    storage.storage.cache_clear()
    index._open.clear()


# --- helpers --------------------------------------------------------------------------------------


def _fits(page: Any, width: int, where: str) -> None:
    """Nothing is wider than the screen (no sideways scrolling)."""
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    if scroll > width:
        raise AssertionError(f"{where}: {scroll - width} px wider than the screen: {page.evaluate(WIDEST, width)}")


def _watch(page: Any) -> list[str]:
    """Script errors and Content-Security-Policy refusals on the page, collected as they happen."""
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    return problems


def _send(page: Any, button: str, *, timeout: int = 15_000) -> int:
    with page.expect_navigation(timeout=timeout) as nav:
        page.click(button)
    return int(nav.value.status)


def _texts(locator: Any) -> list[str]:
    return [t.strip() for t in locator.all_inner_texts()]


def _check(page: Any, name: str, value: str) -> None:
    """Tick a radio button or checkbox by its label, as a person does."""
    option = page.locator(f"input[name={name}][value='{value}']")
    page.locator(f"label[for='{option.get_attribute('id')}']").click()
    assert option.is_checked(), (name, value)


def _english(page: Any) -> None:
    url = page.url
    with page.expect_navigation():
        page.click("header form.lang-switch button[name=language][value=en]")
    assert page.get_attribute("html", "lang") == "en"
    assert page.url == url


def _upload(page: Any, base: str, scans: list[Path], *, words: dict[str, str]) -> dict[str, str]:
    """Upload ``scans`` on the worklist and wait until each waits to be registered; returns each
    file's link (its record's page) from the "ready to register" table."""
    from seoul.records.models import Batch

    assert page.url.startswith(f"{base}/records/"), page.url
    page.set_input_files("#id_scans", [str(s) for s in scans])
    assert _send(page, "#upload-form button[type=submit]", timeout=READING_MS * len(scans)) == 200
    batch = Batch.objects.latest("pk")
    assert page.url == f"{base}/records/?batch={batch.pk}", page.url
    assert _texts(page.locator("main .messages .message-success")) == [words["received"] % {"n": len(scans)}]
    # the progress: refreshed every two seconds until the batch is read (at once when read inline)
    page.wait_for_function(
        "(finished) => document.querySelector('#progress-h')?.textContent.trim() === finished",
        arg=words["finished"],
        timeout=READING_MS,
    )
    pages = len(scans)  # one page each
    assert page.inner_text("#batch-progress [role=status]").strip() == words["progress"] % {
        "done": pages,
        "total": pages,
        "files": len(scans),
    }
    # the ready table is not part of the refreshed progress: look again until every file is there
    names = [s.name for s in scans]
    deadline = time.monotonic() + READING_MS / 1000
    while True:
        rows = page.locator("#ready-table tbody tr")
        files = {rows.nth(i).locator("td").first.inner_text().strip(): rows.nth(i) for i in range(rows.count())}
        if all(n in files for n in names) or time.monotonic() > deadline:
            break
        page.wait_for_timeout(1000)
        page.reload()
    assert all(n in files for n in names), f"not ready: {sorted(set(names) - set(files))}: {page.inner_text('main')}"
    assert page.locator("#reading-list").count() == 0, "nothing is still being read"
    return {n: files[n].locator("th a").get_attribute("href") for n in names}


def _words(lang: str) -> dict[str, str]:
    from django.utils import translation
    from django.utils.translation import gettext, pgettext

    with translation.override(lang):
        return {
            "received": gettext("%(n)d file(s) received; they are being read. You can leave this page."),
            "finished": gettext("Reading finished"),
            "progress": gettext("%(done)s of %(total)s pages read (%(files)s files)."),
            "register_h": gettext("Register this record"),
            "correct_h": gettext("Correct the registration data"),
            "exemptions": gettext("Grounds for not disclosing (Official Information Disclosure Act, Article 9(1))"),
            "exemption_needed": gettext(
                "A partly open or closed record names the exemption it relies on "
                "(Official Information Disclosure Act, Article 9(1), items 1 to 8)."
            ),
            "registered_as": gettext("Registered as %(number)s."),
            "10 years": gettext("10 years"),
            "30 years": gettext("30 years"),
            "kept until": gettext("kept until %(day)s"),
            "partial": gettext("Partly open"),
            "open": pgettext("records", "Open"),
            "closed": pgettext("records", "Closed"),
            "article": gettext("(Article 9(1), item %(items)s)"),
            "reason": gettext("Reason for the correction"),
            "corrected": gettext("The correction is recorded with its reason."),
            "correction": gettext("Correction"),
            "retention": gettext("Retention period"),
            "problem": gettext("There is a problem"),
            "no results": gettext("No records found"),
        }


def _found(lang: str, n: int) -> str:
    from django.utils import translation
    from django.utils.translation import ngettext

    with translation.override(lang):
        return ngettext("%(n)s record found", "%(n)s records found", n) % {"n": n}


def _register(page: Any, *, retention: str, disclosure: str, exemptions: tuple[str, ...] = ()) -> int:
    page.select_option("#id_retention", retention)
    _check(page, "disclosure", disclosure)
    for n in exemptions:
        _check(page, "exemptions", n)
    return _send(page, "#registration-form button[type=submit]")


def _search(page: Any, words: str) -> int:
    page.fill("#id_q", words)
    return _send(page, "#search-form button[type=submit]")


# --- 1. a clerk registers a scan ------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "width"), [("ko", 390), ("en", 1366)])
def test_a_scan_is_registered_with_number_retention_and_disclosure(
    live_server: Any, archive: Archive, new_context: Any, sign_in: Any, axe: Any, lang: str, width: int
) -> None:
    from seoul.records.models import Record
    from seoul.records.tests.builders import page_image

    base = live_server.url
    words = _words(lang)
    scan = page_image(archive.folder / "scan.png")
    page = new_context(**(PHONE if width == 390 else DESKTOP)).new_page()
    problems = _watch(page)
    sign_in(page, archive.clerk)
    assert page.url == f"{base}/records/", page.url  # a clerk lands on the department's worklist
    if lang == "en":
        _english(page)
    where = f"({lang}, {width} px)"
    assert_accessible(axe(page), f"the empty worklist {where}")

    links = _upload(page, base, [scan], words=words)
    record = Record.objects.get(source_name="scan.png")
    assert record.status == Record.Status.READY
    assert links["scan.png"] == f"/records/{record.pk}/"
    assert_accessible(axe(page), f"the worklist with a scan read {where}")
    _fits(page, width, f"the worklist with a scan read {where}")

    # --- the record: the suggested description, to check
    with page.expect_navigation():
        page.click(f"#ready-table a[href='/records/{record.pk}/']")
    assert page.inner_text("#form-h").strip() == words["register_h"]
    title = page.input_value("#id_title")
    assert title and title == record.title and "보존기간" in title.replace(" ", ""), title
    assert page.inner_text("main h1").strip() == title
    assert page.input_value("#id_produced_on") == record.produced_on.isoformat()
    assert "보존기간" in page.inner_text(".page-text pre.ocr-text").replace(" ", "")
    assert_accessible(axe(page), f"a record ready to register {where}")
    _fits(page, width, f"a record ready to register {where}")

    # --- partly open without naming an exemption: refused, on the exemptions
    assert _register(page, retention="10", disclosure="partial") == 400
    assert page.url == f"{base}/records/{record.pk}/"
    summary = page.locator("main .error-summary[role=alert]")
    assert summary.count() == 1 and summary.is_visible()
    assert page.inner_text("main .error-summary h2").strip() == words["problem"]
    assert summary.bounding_box()["y"] < page.locator("#registration-form").bounding_box()["y"]
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    first_exemption = page.locator("input[name=exemptions]").first.get_attribute("id")
    links_in_summary = summary.locator("li a")
    assert [a.get_attribute("href") for a in links_in_summary.all()] == [f"#{first_exemption}"], summary.inner_text()
    assert summary.locator("li").count() == 1, "one refusal"
    said = links_in_summary.first.inner_text()
    assert words["exemptions"] in said and words["exemption_needed"] in said, said
    assert words["exemption_needed"] in page.inner_text("#id_exemptions_error")
    # what was chosen is kept; nothing is registered
    assert page.input_value("#id_retention") == "10"
    assert page.locator("input[name=disclosure][value=partial]").is_checked()
    record.refresh_from_db()
    assert record.status == Record.Status.READY and record.registration_number is None
    assert_accessible(axe(page), f"the registration refused on its exemptions {where}")
    _fits(page, width, f"the registration refused on its exemptions {where}")
    links_in_summary.first.click()
    assert page.evaluate("document.activeElement.id") == first_exemption

    # --- exemption 6 (personal information): registered; from now on the record opens after the
    # reader says why, the clerk who registered it too
    _check(page, "exemptions", "6")
    assert _send(page, "#registration-form button[type=submit]") == 200
    assert page.url == f"{base}/records/{record.pk}/"
    record.refresh_from_db()
    assert record.status == Record.Status.REGISTERED
    assert (record.retention, record.disclosure, record.exemptions) == ("10", "partial", [6])
    number = record.registration_number
    assert NUMBER.match(number), number
    said = _texts(page.locator("main .messages .message-success"))
    assert page.locator("main form[action='/reason/']").count() == 1, page.inner_text("main")
    assert page.inner_text("main h1").strip() == number
    assert_accessible(axe(page), f"the reason asked before a record with personal information opens {where}")
    _fits(page, width, f"the reason asked before a record with personal information opens {where}")
    page.locator("label[for=reason-work]").click()
    page.fill("#id_reason_detail", "등록한 기록물 확인")
    assert _send(page, "main form[action='/reason/'] button[type=submit]") == 200
    assert page.url == f"{base}/records/{record.pk}/"
    said += _texts(page.locator("main .messages .message-success"))
    assert said == [words["registered_as"] % {"number": number}], said  # said once, on one of the two pages
    assert page.inner_text("#registration-number").strip() == number
    assert page.locator("main .error-summary").count() == 0
    retention = page.inner_text("#retention").strip()
    assert record.retention_ends is not None and record.retention_ends.isoformat().endswith("-12-31")
    assert retention.startswith(words["10 years"]), retention
    assert words["kept until"] % {"day": record.retention_ends.isoformat()} in retention, retention
    assert page.inner_text("#disclosure .status-badge").strip() == words["partial"]
    assert words["article"] % {"items": "6"} in page.inner_text("#disclosure")
    assert page.locator("#registration-form").count() == 0, "a clerk does not correct a registered record"
    assert_accessible(axe(page), f"a registered record {where}")
    _fits(page, width, f"a registered record {where}")

    # --- back on the worklist: registered, nothing waits
    page.goto(f"{base}/records/")
    row = page.locator("#registered-table tbody tr").first
    assert row.locator("th").inner_text().strip() == number
    assert page.locator(f"#ready-table a[href='/records/{record.pk}/']").count() == 0
    assert not problems, f"script errors or CSP refusals: {problems}"


# --- 2. found by a Korean query with a particle, within the reader's scope -----------------------


@pytest.mark.browser
def test_found_by_a_korean_query_with_a_particle_only_where_the_reader_may_read(
    live_server: Any, archive: Archive, new_context: Any, sign_in: Any, axe: Any
) -> None:
    from seoul.records.models import Record
    from seoul.records.tests.builders import page_image

    base = live_server.url
    ko, en = _words("ko"), _words("en")
    notice = page_image(archive.folder / "notice.png")
    contract = page_image(archive.folder / "contract.png", CONTRACT_LINES)

    # --- the clerk sends both scans at once and registers one open, one closed (exemption 5)
    page = new_context(**DESKTOP).new_page()
    problems = _watch(page)
    sign_in(page, archive.clerk)
    links = _upload(page, base, [notice, contract], words=ko)
    assert_accessible(axe(page), "the worklist with two scans read (ko, 1366 px)")
    page.goto(base + links["notice.png"])
    assert _register(page, retention="10", disclosure="open") == 200
    page.goto(base + links["contract.png"])
    assert _register(page, retention="5", disclosure="closed", exemptions=("5",)) == 200
    assert page.inner_text("#disclosure .status-badge").strip() == ko["closed"]
    opened = Record.objects.get(source_name="notice.png")
    closed = Record.objects.get(source_name="contract.png")
    assert (opened.status, opened.disclosure) == ("registered", "open")
    assert (closed.status, closed.disclosure, closed.exemptions) == ("registered", "closed", [5])
    assert closed.title != opened.title and closed.sha256 != opened.sha256
    assert [r.registration_number[-6:] for r in (opened, closed)] == ["000001", "000002"]
    assert not problems, f"script errors or CSP refusals: {problems}"

    # --- a reader of the digital policy division, on a phone in Korean
    page = new_context(**PHONE).new_page()
    problems = _watch(page)
    sign_in(page, archive.reader)
    assert page.url == f"{base}/records/search/", page.url  # readers start at the search
    assert_accessible(axe(page), "the search page (ko, 390 px)")
    assert _search(page, "보존기간을") == 200
    assert page.url.startswith(f"{base}/records/search/?"), page.url
    assert page.input_value("#id_q") == "보존기간을"
    assert page.inner_text("#results-h").strip() == _found("ko", 1)
    results = page.locator("#results ol.results > li")
    assert results.count() == 1
    assert _texts(results.locator("h3 a")) == [opened.title]
    assert opened.registration_number in results.first.inner_text()
    assert page.inner_text("#results .status-badge").strip() == ko["open"]
    marks = [m.replace(" ", "").replace("\n", "") for m in _texts(results.first.locator(".snippet mark"))]
    assert marks and all(m == "보존기간" for m in marks), marks
    main = page.inner_text("main")
    assert closed.title not in main and closed.registration_number not in main
    assert_accessible(axe(page), "the search results (ko, 390 px)")
    _fits(page, 390, "the search results (ko, 390 px)")
    # the result opens; the closed record of another division is not found at all
    with page.expect_navigation():
        results.first.locator("h3 a").click()
    assert page.url == f"{base}/records/{opened.pk}/"
    assert page.inner_text("#registration-number").strip() == opened.registration_number
    assert page.locator("#registration-form").count() == 0, "a reader changes nothing"
    assert_accessible(axe(page), "an open record, as a reader of another division (ko, 390 px)")
    _fits(page, 390, "an open record, as a reader of another division (ko, 390 px)")
    assert page.goto(f"{base}/records/{closed.pk}/").status == 404
    # the other document's own words find nothing for this reader
    page.goto(f"{base}/records/search/")
    assert _search(page, "심사 결과를") == 200
    assert page.inner_text("#results-h").strip() == ko["no results"]
    assert not problems, f"script errors or CSP refusals: {problems}"

    # --- the records officer, on a desktop in English, finds both
    page = new_context(**DESKTOP).new_page()
    problems = _watch(page)
    sign_in(page, archive.officer)
    page.goto(f"{base}/records/search/")
    _english(page)
    assert _search(page, "보존기간을") == 200
    assert page.inner_text("#results-h").strip() == _found("en", 2)
    titles = _texts(page.locator("#results ol.results > li h3 a"))
    assert sorted(titles) == sorted([opened.title, closed.title]), titles
    badges = _texts(page.locator("#results ol.results > li .status-badge"))
    assert sorted(badges) == sorted([en["open"], en["closed"]]), badges
    assert_accessible(axe(page), "the search results of the records officer (en, 1366 px)")
    assert not problems, f"script errors or CSP refusals: {problems}"


# --- 3. the records officer corrects the retention, with a reason ---------------------------------


@pytest.mark.browser
def test_a_records_officer_corrects_the_retention_with_a_reason_kept_in_the_history(
    live_server: Any, archive: Archive, new_context: Any, sign_in: Any, axe: Any
) -> None:
    from seoul.records import actions
    from seoul.records.engine.rules import Disclosure, Retention
    from seoul.records.models import Correction, Record
    from seoul.records.tests.builders import page_image

    base = live_server.url
    ko = _words("ko")
    # a registered record of the clerk's division, read and registered through the actions
    scan = page_image(archive.folder / "scan.png")
    [received] = actions.receive(
        [(scan.name, scan)], source="upload", department=archive.general, actor=archive.clerk
    ).records
    read = actions.process(received.pk)
    assert read is not None and read.status == Record.Status.READY
    assert read.steps.filter(name="sign", outcome="done").exists(), list(read.steps.values_list("name", "detail"))
    record = actions.register(
        read,
        actions.Registration(
            title="기록물 등록 및 보존기간 안내",
            produced_on=read.produced_on,
            department=archive.general,
            completed_year=read.produced_on.year,
            retention=Retention.YEARS_10,
            disclosure=Disclosure.OPEN,
        ),
        actor=archive.clerk,
    )
    reason = "기록관리기준표의 보존기간 30년에 맞춤"

    page = new_context(**PHONE).new_page()
    problems = _watch(page)
    sign_in(page, archive.officer)
    page.goto(f"{base}/records/{record.pk}/")
    assert page.inner_text("#form-h").strip() == ko["correct_h"]
    assert page.input_value("#id_retention") == "10"  # the form starts from the registered data
    assert page.input_value("#id_title") == record.title
    assert_accessible(axe(page), "a registered record with the correction form (ko, 390 px)")
    _fits(page, 390, "a registered record with the correction form (ko, 390 px)")

    # --- without a reason: refused on the reason
    page.select_option("#id_retention", "30")
    assert _send(page, "#registration-form button[type=submit]") == 400
    summary = page.locator("main .error-summary[role=alert]")
    assert summary.count() == 1
    assert [a.get_attribute("href") for a in summary.locator("li a").all()] == ["#id_reason"], summary.inner_text()
    assert ko["reason"] in summary.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.input_value("#id_retention") == "30"
    assert not Correction.objects.exists()
    assert_accessible(axe(page), "the correction refused without a reason (ko, 390 px)")

    # --- with a reason: corrected, and the history says old → new and why
    page.fill("#id_reason", reason)
    assert _send(page, "#registration-form button[type=submit]") == 200
    assert page.url == f"{base}/records/{record.pk}/"
    assert _texts(page.locator("main .messages .message-success")) == [ko["corrected"]]
    record.refresh_from_db()
    assert record.retention == "30"
    assert record.registration_number == page.inner_text("#registration-number").strip()  # the number stays
    retention = page.inner_text("#retention").strip()
    assert retention.startswith(ko["30 years"]), retention
    assert ko["kept until"] % {"day": record.retention_ends.isoformat()} in retention, retention
    [correction] = Correction.objects.all()
    assert (correction.field, correction.old, correction.new, correction.reason, correction.by) == (
        "retention",
        "10",
        "30",
        reason,
        archive.officer,
    )
    rows = page.locator("#steps-table tbody tr", has=page.locator(f"th:text-is('{ko['correction']}')"))
    assert rows.count() == 1, page.inner_text("#steps-table")
    cells = _texts(rows.first.locator("td"))
    assert cells[0] == ko["retention"], cells
    assert "10년 → 30년" in cells[2] and reason in cells[2] and archive.officer.username in cells[2], cells
    assert_accessible(axe(page), "a record after its correction (ko, 390 px)")
    _fits(page, 390, "a record after its correction (ko, 390 px)")
    assert not problems, f"script errors or CSP refusals: {problems}"


# --- 4. the yearly disposal review destroys one record and keeps another -----------------------------


def _disposal_words(lang: str) -> dict[str, str]:
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override(lang):
        return {
            "disposal": gettext("Disposal review"),
            "review_h": gettext("Disposal review %(year)s"),
            "opened": gettext("The review is open: record the committee's meeting, then its decisions."),
            "waiting": gettext("Waiting for the committee"),
            "decided": gettext("Decided by the committee"),
            "done": gettext("Carried out"),
            "not decided": gettext("Not decided"),
            "destroy": gettext("Destroy"),
            "keep": gettext("Keep longer"),
            "meeting recorded": gettext("The committee's meeting is recorded."),
            "decision recorded": gettext("Decision recorded."),
            "undecided": gettext("The committee has not decided every record yet (%(n)s left)."),
            "reason needed": gettext("Give the committee's reason for keeping or re-classifying."),
            "reason": gettext("The committee's reason"),
            "carried out": gettext("Carried out."),
            "destroyed": gettext(
                "This record was destroyed by the decision of the review committee. "
                "Its registration data is kept; its files and text are not."
            ),
            "destroyed on": gettext("Destroyed on %(day)s (committee minutes %(minutes)s)."),
            "no files": gettext("No files stored."),
            "10 years": gettext("10 years"),
            "kept until": gettext("kept until %(day)s"),
            "correction": gettext("Correction"),
        }


def _counted(lang: str, singular: str, plural: str, n: int) -> str:
    from django.utils import translation
    from django.utils.translation import ngettext

    with translation.override(lang):
        return ngettext(singular, plural, n) % {"n": n}


def _post_anyway(page: Any, fields: dict[str, str]) -> int:
    """POST ``fields`` to the page's own address with its CSRF token: a form the page does not
    offer (an old tab, a crafted request)."""
    with page.expect_navigation() as nav:
        page.evaluate(
            """(fields) => {
                const form = document.createElement('form');
                form.method = 'post';
                form.action = location.pathname;
                const token = document.querySelector('input[name=csrfmiddlewaretoken]').value;
                for (const [name, value] of Object.entries({...fields, csrfmiddlewaretoken: token})) {
                    const input = document.createElement('input');
                    input.type = 'hidden';
                    input.name = name;
                    input.value = value;
                    form.append(input);
                }
                document.body.append(form);
                form.submit();
            }""",
            fields,
        )
    return int(nav.value.status)


def _registered_long_ago(archive: Archive, name: str, lines: list[str]) -> Any:
    """A record read and registered through the actions: kept one year, the work completed in
    2019, so its retention ended on 2020-12-31."""
    from datetime import date

    from seoul.records import actions
    from seoul.records.engine.rules import Disclosure, Retention
    from seoul.records.models import Record
    from seoul.records.tests.builders import page_image

    scan = page_image(archive.folder / name, lines)
    [received] = actions.receive(
        [(scan.name, scan)], source="upload", department=archive.general, actor=archive.clerk
    ).records
    read = actions.process(received.pk)
    assert read is not None and read.status == Record.Status.READY, read and read.status
    return actions.register(
        read,
        actions.Registration(
            title=lines[0],
            produced_on=date(2019, 3, 2),
            department=archive.general,
            completed_year=2019,
            retention=Retention.YEARS_1,
            disclosure=Disclosure.OPEN,
        ),
        actor=archive.clerk,
    )


@pytest.mark.browser
def test_a_disposal_review_destroys_one_record_and_keeps_another(
    live_server: Any, archive: Archive, new_context: Any, sign_in: Any, axe: Any
) -> None:
    from django.utils import timezone

    from seoul.core.models import AuditEvent
    from seoul.records import index, storage
    from seoul.records.models import Correction, DisposalItem, DisposalReview, Page, Record, StoredFile
    from seoul.records.tests.builders import LINES

    base = live_server.url
    ko, en = _disposal_words("ko"), _disposal_words("en")
    doomed = _registered_long_ago(archive, "minutes.png", LINES)  # its own words: 등록번호를
    kept = _registered_long_ago(archive, "contract.png", CONTRACT_LINES)  # its own words: 심사 결과를
    doomed_keys = list(StoredFile.objects.filter(record=doomed).values_list("key", flat=True))
    kept_keys = list(StoredFile.objects.filter(record=kept).values_list("key", flat=True))
    assert doomed_keys and kept_keys
    assert all(storage.storage().exists(k) for k in doomed_keys + kept_keys)
    minutes, members, reason = "2026-기록평가-01", "위원장 김서울 외 위원 4명", "감사 진행 중으로 보존 필요"
    today = timezone.localdate()

    def nothing_destroyed() -> None:
        for r in (doomed, kept):
            assert Record.objects.get(pk=r.pk).status == Record.Status.REGISTERED
        assert not StoredFile.objects.filter(record__in=[doomed, kept], destroyed_at__isnull=False).exists()
        assert all(storage.storage().exists(k) for k in doomed_keys + kept_keys)
        assert Page.objects.filter(record=doomed).exists()
        assert not AuditEvent.objects.filter(event="records.destroyed").exists()

    page = new_context(**DESKTOP).new_page()
    problems = _watch(page)
    sign_in(page, archive.officer)
    # --- before: the officer finds the record to be destroyed by its own words
    page.goto(f"{base}/records/search/")
    assert _search(page, "등록번호를") == 200
    assert page.inner_text("#results-h").strip() == _found("ko", 1)
    assert _texts(page.locator("#results ol.results > li h3 a")) == [doomed.title]

    # --- the disposal page (from the menu) lists both as due
    with page.expect_navigation():
        page.click("#main-nav a[href='/records/disposal/']")
    assert page.url == f"{base}/records/disposal/"
    assert page.inner_text("main h1").strip() == ko["disposal"]
    assert page.inner_text("#due-h").strip() == _counted(
        "ko", "%(n)s record is due for review", "%(n)s records are due for review", 2
    )
    rows = page.locator("#due-table tbody tr")
    assert _texts(rows.locator("th")) == [doomed.registration_number, kept.registration_number]
    assert _texts(rows.locator("td:last-child")) == ["2020-12-31", "2020-12-31"]
    assert_accessible(axe(page), "the disposal page with two records due (ko, 1366 px)")
    assert _send(page, "section[aria-labelledby=due-h] form button[type=submit]") == 200
    review = DisposalReview.objects.get()
    url = f"{base}/records/disposal/{review.pk}/"
    assert page.url == url
    assert _texts(page.locator("main .messages .message-success")) == [ko["opened"]]
    assert page.inner_text("main h1").strip() == ko["review_h"] % {"year": today.year}
    assert page.inner_text("main h1 + p .status-badge").strip() == ko["waiting"]
    items = {i.record_id: i for i in review.items.all()}
    assert set(items) == {doomed.pk, kept.pk}
    doomed_item, kept_item = f"#item-{items[doomed.pk].pk}", f"#item-{items[kept.pk].pk}"

    # --- before the committee's meeting: nothing to decide, nothing to carry out
    assert page.locator("main form input[name=do][value=decide]").count() == 0, page.inner_text("main")
    assert page.locator("#carry-out").count() == 0
    assert ko["not decided"] in page.inner_text(doomed_item)
    assert_accessible(axe(page), "a disposal review waiting for the committee's meeting (ko, 1366 px)")
    assert _post_anyway(page, {"do": "carry_out"}) == 200
    assert page.url == url
    assert _texts(page.locator("main .messages .message-error")) == [ko["undecided"] % {"n": 2}]
    nothing_destroyed()

    # --- the meeting
    page.fill("#id_meeting_on", today.isoformat())
    page.fill("#id_minutes", minutes)
    page.fill("#id_members", members)
    assert _send(page, "#meeting-form button[type=submit]") == 200
    assert _texts(page.locator("main .messages .message-success")) == [ko["meeting recorded"]]
    review.refresh_from_db()
    assert (review.meeting_on, review.minutes, review.members) == (today, minutes, members)
    assert page.locator("main form input[name=do][value=decide]").count() == 2
    assert page.locator("#carry-out").count() == 0, "not before every record is decided"

    # --- one destroyed: still no carry-out while the other waits
    _check(page, f"item{items[doomed.pk].pk}-decision", "destroy")
    assert _send(page, f"{doomed_item} form button[type=submit]") == 200
    assert _texts(page.locator("main .messages .message-success")) == [ko["decision recorded"]]
    assert page.url == f"{url}#item-{items[doomed.pk].pk}"
    assert page.inner_text("main h1 + p .status-badge").strip() == ko["waiting"]
    assert page.locator("#carry-out").count() == 0
    assert _post_anyway(page, {"do": "carry_out"}) == 200
    assert _texts(page.locator("main .messages .message-error")) == [ko["undecided"] % {"n": 1}]
    nothing_destroyed()

    # --- kept longer without the committee's reason: refused on the reason
    _check(page, f"item{items[kept.pk].pk}-decision", "keep")
    page.select_option(f"#id_item{items[kept.pk].pk}-new_retention", "10")
    assert _send(page, f"{kept_item} form button[type=submit]") == 400
    summary = page.locator(f"{kept_item} .error-summary[role=alert]")
    assert summary.count() == 1 and page.locator("main .error-summary").count() == 1
    assert [a.get_attribute("href") for a in summary.locator("li a").all()] == [
        f"#id_item{items[kept.pk].pk}-reason"
    ], summary.inner_text()
    assert ko["reason"] in summary.inner_text() and ko["reason needed"] in summary.inner_text()
    assert page.input_value(f"#id_item{items[kept.pk].pk}-new_retention") == "10"  # what was chosen stays
    assert DisposalItem.objects.get(pk=items[kept.pk].pk).decision == "pending"
    assert page.locator("#carry-out").count() == 0
    assert_accessible(axe(page), "a decision refused without the committee's reason (ko, 1366 px)")
    page.fill(f"#id_item{items[kept.pk].pk}-reason", reason)
    assert _send(page, f"{kept_item} form button[type=submit]") == 200
    assert _texts(page.locator("main .messages .message-success")) == [ko["decision recorded"]]
    assert page.inner_text("main h1 + p .status-badge").strip() == ko["decided"]
    assert page.locator("#carry-out button[type=submit]").is_visible()
    assert_accessible(axe(page), "a disposal review decided by the committee (ko, 1366 px)")
    _fits(page, 1366, "a disposal review decided by the committee (ko, 1366 px)")
    nothing_destroyed()

    # --- carried out
    assert _send(page, "#carry-out button[type=submit]") == 200
    assert page.url.split("#")[0] == url  # the form has no action: the last decision's #item stays
    assert _texts(page.locator("main .messages .message-success")) == [ko["carried out"]]
    assert page.inner_text("main h1 + p .status-badge").strip() == ko["done"]
    assert page.locator("#carry-out").count() == 0 and page.locator("main form[method=post]").count() == 0
    said = page.inner_text(doomed_item)
    assert ko["destroy"] in said and ko["done"] in said, said
    assert _counted("ko", "%(n)s file removed", "%(n)s files removed", len(doomed_keys)) in said, said
    said = page.inner_text(kept_item)
    assert ko["keep"] in said and reason in said and ko["10 years"] in said, said
    assert minutes in page.inner_text("#meeting-h ~ dl")
    assert_accessible(axe(page), "a disposal review carried out (ko, 1366 px)")

    # --- in the database: the files, the text and the index entry gone; the registration kept
    gone = Record.objects.get(pk=doomed.pk)
    assert gone.status == Record.Status.DESTROYED
    assert (gone.registration_number, gone.title, gone.retention) == (
        doomed.registration_number,
        doomed.title,
        doomed.retention,
    )
    assert not Page.objects.filter(record=doomed).exists()
    assert not any(storage.storage().exists(k) for k in doomed_keys)
    assert not StoredFile.objects.filter(record=doomed, destroyed_at__isnull=True).exists()
    item = DisposalItem.objects.get(pk=items[doomed.pk].pk)
    assert sorted(f["key"] for f in item.files_removed) == sorted(doomed_keys) and item.carried_out_at
    [event] = AuditEvent.objects.filter(event="records.destroyed")
    assert (event.target_id, event.actor) == (str(doomed.pk), archive.officer)
    assert minutes in event.new["committee"]
    assert AuditEvent.objects.filter(event="records.disposal.done", target_id=str(review.pk)).exists()
    assert doomed.pk not in {h.id for h in index.index().search("등록번호를", audiences=None).hits}
    still = Record.objects.get(pk=kept.pk)
    assert (still.status, still.retention) == (Record.Status.REGISTERED, "10")
    assert all(storage.storage().exists(k) for k in kept_keys)
    assert Page.objects.filter(record=kept).exists()
    assert minutes in Correction.objects.get(record=kept, field="retention").reason

    # --- in the browser: its words find nothing; the kept one is still found
    page.goto(f"{base}/records/search/")
    assert _search(page, "등록번호를") == 200
    assert page.inner_text("#results-h").strip() == _words("ko")["no results"]
    assert _search(page, "심사 결과를") == 200
    assert page.inner_text("#results-h").strip() == _found("ko", 1)
    assert _texts(page.locator("#results ol.results > li h3 a")) == [kept.title]

    # --- the destroyed record's page: registration data and the destruction, no files, no text
    page.goto(f"{base}/records/{doomed.pk}/")
    assert page.inner_text("#registration-number").strip() == doomed.registration_number
    destruction = page.inner_text("#destroyed")
    day = item.carried_out_at.astimezone(timezone.get_current_timezone()).date().isoformat()
    assert ko["destroyed"] in " ".join(destruction.split()), destruction
    assert ko["destroyed on"] % {"day": day, "minutes": minutes} in destruction, destruction
    assert _texts(page.locator("#files-table tbody td")) == [ko["no files"]]
    assert page.locator(".page-text").count() == 0
    assert_accessible(axe(page), "a destroyed record (ko, 1366 px)")
    _english(page)
    destruction = page.inner_text("#destroyed")
    assert en["destroyed"] in " ".join(destruction.split()), destruction
    assert en["destroyed on"] % {"day": day, "minutes": minutes} in destruction, destruction
    assert _texts(page.locator("#files-table tbody td")) == [en["no files"]]
    assert_accessible(axe(page), "a destroyed record (en, 1366 px)")

    # --- the kept one: its files and text, ten years now, the committee cited in its history
    page.goto(f"{base}/records/{kept.pk}/")
    retention = page.inner_text("#retention").strip()
    assert retention.startswith(en["10 years"]), retention
    assert en["kept until"] % {"day": "2029-12-31"} in retention, retention
    assert page.locator("#files-table tbody tr").count() == len(kept_keys)
    assert page.locator(".page-text pre.ocr-text").count() == 1
    rows = page.locator("#steps-table tbody tr", has=page.locator(f"th:text-is('{en['correction']}')"))
    assert rows.count() == 1 and minutes in rows.first.inner_text() and reason in rows.first.inner_text()
    assert not problems, f"script errors or CSP refusals: {problems}"
