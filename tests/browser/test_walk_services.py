"""A walk through every page of the metro, tracing, guarantee, hospitals and core services, as each
person who uses them meets it: in Korean and in English, at a phone's width (390 px) and a desktop's
(1366 px).

The data is what ``seoul demo-data`` makes (each app's ``demo.py``, through the real actions),
plus what the demo leaves out so that every template shows: decided fare disputes, a case
registered again by another team, a contact's symptom report, guarantee applications
part-way through the journey, and bed offers, an open placement proposal and an approved loan
between hospitals. Everyone signs in through the real forms (password or simple
authentication), states reasons through the reason form, and sends bad forms to see their
error summaries.

On every page:

- axe-core finds no critical or serious violation;
- nothing is wider than the screen (``scrollWidth <= innerWidth``);
- ``<html lang>`` is the language asked for;
- the page speaks one language (:func:`language_problems`): on English pages no Hangul, on
  Korean pages no English label and no run of three or more English words, except inside
  elements marked with the other ``lang``, code, the exceptions listed in ``KO_PAGE_LATIN``
  and data people typed or documents hold (``TYPED``).

Each page is photographed to ``test-artifacts/walk/<name>-<lang>-<width>.png`` (not kept in
git) for a person to look at, and the pages walked are counted per app and role in
``test-artifacts/walk/services-<lang>-<width>.json``. All problems of a walk are reported
together.

The plan pages are walked here too (the public page, and the dashboard, a project and the
register form for the viewer, operator and administrator roles), with the same checks as every
other page: ``test_plan_walk.py`` walks the plan's own flows (charts, bad input, the vision
table) but checks Korean pages only for their ``lang``, not for stray English, and does not
sign in as a plan administrator.
"""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.a11y import blocking, describe_violations
from tests.browser.conftest import ARTIFACTS, CHROMIUM_ARGS, TIMEOUT_MS  # noqa: F401 - CHROMIUM_ARGS for readers
from tests.browser.people import new_staff

WALK = ARTIFACTS / "walk"

# What a reason form is answered with, per service (the form's radio id suffix).
REASON_DETAIL = "점검 2026-1202 화면 확인"
# The line list the tracer imports: its Korean headers and values are the file's, shown as they are.
LINE_LIST_HEADER = ["관련확진자", "성명", "연락처", "거주지", "최종접촉일", "접촉장소"]
LINE_LIST_TYPED = (*LINE_LIST_HEADER, "성남시", "어제", "김목록", "망원동 카페", "line-list.csv")
APPLICANT = ("김시민", "010-2020-0415")  # the demo citizen, as simple authentication knows them

# --- the one-language check -------------------------------------------------------------------

# Every piece of text a person can read or hear on the page, with where it is: text nodes and the
# attributes read aloud (aria-label, title, alt, placeholder), and the document title. Skipped:
# script/style, code-like elements, and anything inside an element whose lang is not the page's.
PAGE_TEXTS = """
(pageLang) => {
  const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "CODE", "PRE", "KBD", "SAMP"]);
  const langOf = (el) => {
    const holder = el.closest("[lang]");
    return holder ? holder.getAttribute("lang").toLowerCase().split("-")[0] : pageLang;
  };
  const skipped = (el) => {
    for (let e = el; e; e = e.parentElement) if (SKIP.has(e.tagName.toUpperCase())) return true;
    return false;
  };
  const describe = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      let s = e.tagName.toLowerCase();
      if (e.id) { parts.unshift(s + "#" + e.id); break; }
      if (e.classList.length) s += "." + Array.from(e.classList).slice(0, 2).join(".");
      parts.unshift(s);
    }
    return parts.join(" > ");
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    const text = node.nodeValue.replace(/\\s+/g, " ").trim();
    if (!text || !el || skipped(el) || langOf(el) !== pageLang) continue;
    found.push([text, describe(el)]);
  }
  for (const el of document.body.querySelectorAll("[aria-label], [title], [alt], [placeholder]")) {
    if (skipped(el) || langOf(el) !== pageLang) continue;
    for (const attr of ["aria-label", "title", "alt", "placeholder"]) {
      const v = el.getAttribute(attr);
      if (v && v.trim()) found.push([v.trim(), describe(el) + "[" + attr + "]"]);
    }
  }
  found.push([document.title, "title"]);
  return found;
}
"""

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
# An English word: letters, with inner hyphens or apostrophes ("follow-up", "rider's"). Tokens
# with digits, dots or underscores (C-12, tracer.mapo, data.go.kr, demo-p-000017) are ids, not words.
LATIN_WORD = re.compile(r"^[A-Za-z]+(?:[-'’][A-Za-z]+)*$")
PUNCTUATION = "()[]{}<>.,:;!?\"'“”‘’·…–—/|*+=~"
# Latin on Korean pages that is not English text: names of things that have no Korean name, and
# units and abbreviations Korean writes in Latin letters. Compared word by word (a run of words
# is allowed when each of its words is listed here, or the run itself is).
KO_PAGE_LATIN = {
    # proper names (software, typefaces, standards, licences)
    "KRDS",
    "Pretendard",
    "GOV",
    "htmx",
    "Vega",
    "Vega-Lite",
    "SIL Open Font License",
    "BSD",
    "Argon2",
    "HTTPS",
    "PASS",
    "WHO",
    "Google Authenticator",  # authenticator apps named on the records' second-factor set-up
    "Microsoft Authenticator",
    "FreeOTP",
    # units and file types
    "km",
    "PDF",
    "PNG",
    "JPEG",
    "CSV",
    "XLSX",
    "TIFF",
    "KB",  # file sizes (Django's filesizeformat)
    "MB",
    "API",
    "dpi",  # a scan's resolution
}
KO_PAGE_LATIN_WORDS = {w for entry in KO_PAGE_LATIN for w in entry.split()}


def _tokens(text: str) -> list[str]:
    return [t.strip(PUNCTUATION) for t in text.split() if t.strip(PUNCTUATION)]


def language_problems(texts: list[tuple[str, str]], lang: str, typed: re.Pattern[str]) -> list[str]:
    """Text that is not in the page's language: on English pages any Hangul word; on Korean pages
    any run of three or more English words, and any text made only of English words (a stray
    label such as "Show all"). Values people typed or documents hold (``typed``, whole values
    only) and, on Korean pages, ``KO_PAGE_LATIN`` are allowed."""
    found = []
    for text, where in texts:
        tokens = _tokens(typed.sub(" ", text))
        if lang == "en":
            foreign = [t for t in tokens if HANGUL.search(t)]
            if foreign:
                found.append(f"Korean {' '.join(foreign)!r} in {text[:120]!r} at {where}")
            continue
        runs: list[list[str]] = [[]]
        for t in tokens:
            if LATIN_WORD.match(t):
                runs[-1].append(t)
            elif runs[-1]:
                runs.append([])
        english = [run for run in runs if run and not _allowed(run)]
        only_english = tokens and not any(HANGUL.search(t) for t in _tokens(text)) and english
        if only_english or any(len(run) >= 3 for run in english):
            found.append(f"English {' / '.join(' '.join(r) for r in english)!r} in {text[:120]!r} at {where}")
    return found


def _allowed(run: list[str]) -> bool:
    return " ".join(run) in KO_PAGE_LATIN or all(w in KO_PAGE_LATIN_WORDS for w in run)


# --- the data ---------------------------------------------------------------------------------------

# Fields whose values people typed or documents hold: shown as they are, in whatever language
# they were written (names, places, reasons, comments, business documents, audit entries).
TYPED = {
    "core.User": ["username", "display_name"],
    "core.AuditEvent": ["actor_label", "target_label", "reason"],  # old/new: shown as code
    "metro.Dispute": ["reason", "resolution"],
    "tracing.Person": ["name"],
    "tracing.Exposure": ["place"],
    "tracing.TimelineEntry": ["place", "note"],
    "tracing.FollowUp": ["symptoms"],
    "tracing.LabResult": ["lab"],
    "tracing.Assignment": ["reason"],
    "tracing.Contact": ["close_reason"],
    "tracing.Candidate": ["places", "reason"],
    "tracing.DuplicateRegistration": ["note"],
    "tracing.ClassificationChange": ["basis"],
    "tracing.LineListImport": ["filename"],
    "tracing.MassText": ["notice"],
    "tracing.Transfer": ["reason", "note"],
    "guarantee.Identity": ["name"],
    "guarantee.Application": ["business_name", "email"],
    "guarantee.Document": ["data"],
    "guarantee.Review": ["comment"],
    "plan.Milestone": ["title"],
    "plan.Kpi": ["name", "unit"],
    "plan.ProgressReport": ["note"],
    "hospitals.Hospital": ["code"],  # the register's short code (SMC, P-KUMC), an id
    "hospitals.Patient": ["name", "phone", "note"],
    "hospitals.ResourceRequest": ["item", "note"],
    "hospitals.Loan": ["note"],
    "records.Record": ["title", "source_name", "device", "operator", "ocr_engine"],
    "records.Page": ["text"],
    "records.Correction": ["reason"],
    "records.StoredFile": ["signature"],  # the timestamp authority's name, as its certificate says
}


# Names that have an English counterpart, which an English page must show instead: never
# excused as typed data (an audit entry's target label may hold one).
NAMED = {
    "core.Institution": "name_ko",
    "tracing.Outbreak": "name",
    "plan.Vision": "name_ko",
    "plan.Project": "name_ko",
    "hospitals.Hospital": "name_ko",
    "hospitals.Region": "name_ko",
    "records.Department": "name_ko",
    "records.DocumentType": "name_ko",
}


def typed_values(*extra: str) -> re.Pattern[str]:
    """A pattern of the whole values of ``TYPED`` fields (and ``extra``), less names that have
    English counterparts, each matched as a whole between word boundaries."""
    from django.apps import apps

    values: set[str] = set(extra)

    def add(value: Any) -> None:
        if isinstance(value, str):
            value = " ".join(value.split())
            if value:
                values.add(value)
        elif isinstance(value, dict):
            for v in value.values():
                add(v)
        elif isinstance(value, list):
            for v in value:
                add(v)

    for label, fields in TYPED.items():
        for row in apps.get_model(label).objects.values_list(*fields):
            for value in row:
                add(value)
    for label, name in NAMED.items():
        values -= set(apps.get_model(label).objects.values_list(name, flat=True))
    alternatives = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


@dataclass
class Services:
    passwords: dict[str, str]
    ids: dict[str, Any] = field(default_factory=dict)


def build_services() -> Services:
    """``seoul load-reference`` and ``seoul demo-data``, then what the demo leaves out."""
    from django.utils import timezone

    from seoul.core import demo as core_demo
    from seoul.core.models import User
    from seoul.core.registry import app_modules

    for _label, module in app_modules("reference"):
        module.load()
    passwords = {a["username"]: a["password"] for a in core_demo.load()}
    for _label, module in app_modules("demo"):
        if module is core_demo:
            continue
        module.load()
    users = {u.username: u for u in User.objects.all()}

    def staff(username: str, institution: str, service: str, role: str) -> None:
        new_staff(username, username + "-Walk-2026", institution, service, role, display_name=username)
        passwords[username] = username + "-Walk-2026"

    staff("metro.ops", "SEOUL_METRO", "metro", "viewer")
    staff("tracing.admin", "SPHF", "tracing", "admin")
    staff("hospitals.admin", "CITY_HALL", "hospitals", "admin")
    services = Services(passwords)
    services.ids.update(_metro(users))
    services.ids.update(_tracing(users, timezone.localdate()))
    services.ids.update(_guarantee(users))
    services.ids.update(_hospitals(users))
    services.ids.update(_records(users))
    from seoul.plan.models import Project

    services.ids["project"] = (
        Project.objects.filter(institution__code="SEOUL_METRO", origin=Project.Origin.ANNOUNCED)
        .order_by("code")
        .first()
    ).code
    return services


def _metro(users: dict[str, Any]) -> dict[str, Any]:
    """A rejected and a refunded dispute (the rider reads why), next to the demo's open one."""
    from seoul.metro import actions
    from seoul.metro.models import Dispute, Journey

    citizen, staff = users["citizen"], users["metro.staff"]
    journeys = list(
        Journey.objects.filter(rider__account="demo-0000", charge__gt=0, disputes=None).order_by("-started_at")
    )
    rejected = actions.open_dispute(journeys[0], "두 번 찍힌 것 같습니다.", actor=citizen)
    actions.resolve_dispute(rejected, refund=0, resolution="게이트 기록상 한 번만 청구되었습니다.", actor=staff)
    refunded = actions.open_dispute(journeys[1], "하차 태그가 안 찍혔습니다.", actor=citizen)
    actions.resolve_dispute(refunded, refund=journeys[1].charge, resolution="하차 기록 누락 확인, 환불", actor=staff)
    return {"dispute": Dispute.objects.get(status="open").pk}


def _tracing(users: dict[str, Any], today: Any) -> dict[str, Any]:
    """A case registered again by another Mapo tracer (for the supervisor to review) and a
    contact's symptom report by text (flagged on the tracer's worklist)."""
    from seoul.core.districts import by_name
    from seoul.tracing import actions, sms
    from seoul.tracing.models import Case, Contact, Outbreak

    outbreak = Outbreak.objects.get()
    index = Case.objects.get(person__presence_id="demo-p-000017")
    mapo = by_name("마포구").index
    actions.register_case(
        outbreak,
        actions.CaseInput(
            name="김민준",
            phone="010-2000-0001",
            district=mapo,
            confirmed_on=today - timedelta(days=3),
            onset_on=today - timedelta(days=5),
        ),
        actor=users["tracer.mapo2"],
    )
    flagged = None
    for contact in Contact.objects.filter(source_case=index, status=Contact.Status.MONITORING):
        if contact.person.name == "강서윤":
            flagged = contact
    assert flagged is not None
    actions.send_self_report_code(flagged, "http://127.0.0.1/", actor=users["tracer.mapo"])
    message = sms.read_outbox()[-1]
    found = re.search(r"/tracing/r/([\w-]+)/ 인증번호 (\d{6})", message["text"])
    assert found, message
    actions.submit_self_report(found[1], found[2], symptoms="기침, 미열 37.6도")
    texted = next(
        c
        for c in Contact.objects.filter(source_case=index, status=Contact.Status.MONITORING)
        if c.person.name == "이서연"
    )
    # a Gangnam case asked over to Mapo (the Mapo supervisor decides), and a person typed twice
    gangnam_case = next(c for c in Case.objects.select_related("person") if c.person.name == "한예린")
    actions.request_transfer(gangnam_case, mapo, "마포구 본가로 이사", actor=None)
    second = Case.objects.exclude(from_contact=None).get()
    actions.add_contact(
        second,
        actor=None,
        name="이서연",
        phone="010-2000-0098",
        district=mapo,
        exposure=actions.ExposureInput(
            on=today - timedelta(days=2), place="홍대입구 카페", setting="other", duration_minutes=30
        ),
    )
    unisolated = Case.objects.filter(isolated_at=None, assignments__tracer=users["tracer.mapo"]).first()
    assert unisolated is not None
    return {
        "outbreak": outbreak.pk,
        "case": index.pk,
        "unisolated_case": unisolated.pk,
        "due_case": Case.objects.get(status=Case.Status.ISOLATED, confirmed_on=today - timedelta(days=9)).pk,
        "contact": texted.pk,
        "flagged_contact": flagged.pk,
        "timeline_entry": index.timeline.order_by("start").first().pk,
        "candidate": index.candidates.filter(status="pending").order_by("pk").first().pk,
        "suspected_case": Case.objects.get(classification="suspected").pk,
        "exposure_day": today - timedelta(days=4),
    }


def _guarantee(users: dict[str, Any]) -> dict[str, Any]:
    """Three drafts of the demo citizen: one complete (check your answers offers "send"), one for
    a business with unpaid local taxes (the journey says so), one that has just begun."""
    from seoul.core.engine import brn
    from seoul.guarantee import actions
    from seoul.guarantee.models import Application

    citizen = users["citizen"]
    complete = actions.start_application(actor=citizen)
    complete = actions.save_answer(complete, "brn", brn.make("120016789"), actor=citizen)
    actions.confirm_business(complete, consent=True, actor=citizen)
    actions.fetch_documents(complete, consent=True, actor=citizen)
    for name, value in [
        ("product", "emergency_covid"),
        ("amount", "1000"),
        ("bank", "standin"),
        ("phone", "010-2020-0415"),
    ]:
        complete = actions.save_answer(complete, name, value, actor=citizen)
    blocked = actions.start_application(actor=citizen)
    blocked = actions.save_answer(blocked, "brn", brn.make("120017890"), actor=citizen)
    actions.confirm_business(blocked, consent=True, actor=citizen)
    actions.fetch_documents(blocked, consent=True, actor=citizen)
    begun = actions.start_application(actor=citizen)
    mine = Application.objects.filter(applicant=citizen)
    referred = Application.objects.filter(state="referred").order_by("referred_at")
    return {
        "app_complete": complete.reference,
        "app_blocked": blocked.reference,
        "app_begun": begun.reference,
        "app_paid": mine.get(state="loan_executed", product="emergency_covid").reference,
        "app_near_term": mine.get(state="loan_executed", product="working_capital").reference,
        "app_approved": mine.get(state="approved").reference,
        "file": referred.last().reference,
        "file_second": Application.objects.get(applicant__username="demo.shop1").reference,
        "business_brn": brn.formatted(brn.make("211022345")),
    }


def _hospitals(users: dict[str, Any]) -> dict[str, Any]:
    """Bed offers the city team sent from a first proposal (two to Seoul Medical Center, which
    has admitted one), an open proposal for everyone still waiting with a line the coordinator
    may not give to a hospital without a bed, and a loan of a ventilator the team approved (on both
    ledgers), next to the demo's offer of nurses still to decide."""
    from django.utils import timezone

    from seoul.hospitals import actions
    from seoul.hospitals.actions.patients import _lowest_free
    from seoul.hospitals.models import Hospital, ProposalLine, ResourceRequest
    from seoul.hospitals.state import trusted_hospitals

    team = users["patients.city"]
    first = actions.propose(region=None, actor=team)
    to_smc = list(first.lines.filter(kind=ProposalLine.Kind.PLACE, hospital__code="SMC").order_by("pk")[:2])
    assert len(to_smc) == 2, [(line.kind, line.hospital_id) for line in first.lines.all()]
    actions.decide(first, {line.pk: "accept" for line in to_smc}, actor=team)
    admitted, offered = (line.patient for line in to_smc)
    actions.answer_offer(admitted, accept=True, actor=users["bed.smc"])
    second = actions.propose(region=None, actor=team)
    hospitals, _stale = trusted_hospitals(timezone.now())
    no_bed = next(  # a hospital the decision refuses for that patient, by the action's own rule
        (line, h)
        for line in second.lines.select_related("patient").order_by("pk")
        for h in hospitals
        if _lowest_free(h, line.patient) is None
    )
    ventilators = ResourceRequest.objects.get(hospital__code="SMC", status=ResourceRequest.Status.OPEN)
    loan = actions.offer(ventilators, Hospital.objects.get(code="BRM"), 1, actor=users["bed.boramae"])
    actions.decide_loan(loan, approve=True, actor=team)
    return {
        "hospitals_proposal": second.pk,
        "hospitals_line": no_bed[0].pk,
        "hospitals_no_bed": no_bed[1].code,
        "hospitals_waiting": no_bed[0].patient.reference,
        "hospitals_offered": offered.reference,
    }


def _records(users: dict[str, Any]) -> dict[str, Any]:
    """An empty file the clerk sent (refused, with its reason) and a records officer's correction
    of a retention period (kept in the record's history), next to the demo's registered scans
    (one partly open for personal information: opened with a reason) and the one that waits to
    be registered."""
    import tempfile

    from seoul.core.models import Institution
    from seoul.records import actions
    from seoul.records.models import Department, Record

    with tempfile.TemporaryDirectory(prefix="walk-records-") as folder:
        empty = Path(folder) / "scan-empty.pdf"
        empty.write_bytes(b"")
        [refused] = actions.receive(
            [(empty.name, empty)],
            source="upload",
            department=Department.objects.get(code="6110101"),
            actor=users["records.clerk"],
        ).records
    actions.process(refused.pk)  # refused before any reading: no OCR
    registered = Record.objects.filter(status=Record.Status.REGISTERED)
    corrected = registered.get(department__code="6110201", disclosure="closed")
    actions.correct(
        corrected, {"retention": "10"}, reason="기록관리기준표에 따라 10년으로 정정", actor=users["records.officer"]
    )
    return {
        "records_ready": Record.objects.get(status=Record.Status.READY).pk,
        "records_refused": refused.pk,
        "records_partial": registered.get(department__code="6110101", disclosure="partial").pk,
        "records_corrected": corrected.pk,
        "records_open": registered.get(department__code="6110101", disclosure="open").pk,
        "records_share_to": Institution.objects.get(code="SEOUL_METRO").pk,  # metro.staff's
    }


# --- the walk ----------------------------------------------------------------------------------------


@dataclass
class Walk:
    browser: Any
    axe: Any
    base: str
    lang: str
    width: int
    typed: re.Pattern[str]
    problems: list[str] = field(default_factory=list)
    walked: Counter[str] = field(default_factory=Counter)
    role: str = "anonymous"

    def context(self, role: str) -> Any:
        self.role = role
        ctx = self.browser.new_context(
            locale="ko-KR" if self.lang == "ko" else "en-US",
            timezone_id="Asia/Seoul",
            viewport={"width": self.width, "height": 900},
        )
        ctx.set_default_timeout(TIMEOUT_MS)
        return ctx

    def go(self, page: Any, path: str) -> int:
        response = page.goto(self.base + path)
        return int(response.status)

    def send(self, page: Any, form: str, *, button: str = "") -> int:
        """Send a form the way its button does (also a form folded inside <details>)."""
        with page.expect_navigation() as nav:
            if button:
                page.locator(button).click()
            else:
                page.locator(form).first.evaluate("f => f.requestSubmit()")
        return int(nav.value.status)

    def see(self, page: Any, name: str, status: int, *, expect: int = 200, errors: bool = False) -> None:
        """Check the page on screen and photograph it."""
        app = name.split("-")[0]
        self.walked[f"{app} / {self.role}"] += 1
        where = f"{name} ({page.url.removeprefix(self.base)}, {self.lang}, {self.width} px, {self.role})"
        found: list[str] = []
        if status != expect:
            found.append(f"status {status}, expected {expect}")
        if page.locator("div.chart[data-chart]").count():
            page.wait_for_function(
                "() => [...document.querySelectorAll('div.chart[data-chart]')]"
                ".every(c => ['ready', 'error'].includes(c.getAttribute('data-chart-state')))"
            )
            if page.locator("div.chart[data-chart-state=error]").count():
                found.append("a chart could not be drawn")
        if errors:
            summary = page.locator(".error-summary")
            if summary.count() != 1:
                found.append("no error summary after a bad form")
            elif not summary.locator("li").count():
                found.append("an empty error summary")
        self.photograph(page, name)
        if page.get_attribute("html", "lang") != self.lang:
            found.append(f"<html lang={page.get_attribute('html', 'lang')!r}>")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            wide = page.evaluate(WIDEST, self.width)
            found.append(f"{overflow} px wider than the screen: {wide}")
        violations = blocking(self.axe(page))
        if violations:
            found.append(describe_violations(violations))
        found += language_problems(page.evaluate(PAGE_TEXTS, self.lang), self.lang, self.typed)
        if found:
            self.problems.append(f"{where}:\n  " + "\n  ".join(found))

    def photograph(self, page: Any, name: str) -> None:
        """The page's picture for a person to look at. Chromium now and then answers "Unable to
        capture screenshot" when the machine is busy (seen once in ~400 pictures on 2 shared
        cores): it is asked again, and a picture that still fails is a warning, not a failed
        walk, since no check depends on it."""
        from playwright.sync_api import Error

        WALK.mkdir(parents=True, exist_ok=True)
        path = WALK / f"{name}-{self.lang}-{self.width}.png"
        for attempt in range(3):
            try:
                page.screenshot(path=str(path), full_page=True)
                return
            except Error as exc:
                if "Unable to capture screenshot" not in str(exc):
                    raise
                if attempt == 2:
                    warnings.warn(f"no picture of {name} ({self.lang}, {self.width} px): {exc}", stacklevel=2)
                else:
                    page.wait_for_timeout(500)

    def reason(self, page: Any, name: str, status: int, purpose: str, *, bad_first: bool = False) -> int:
        """On a reason form: check it (and, with ``bad_first``, its errors), then state the
        reason through it; returns the status of the page it leads back to."""
        self.see(page, f"{name}-reason", status)
        if bad_first:
            status = self.send(page, "main form[action='/reason/']")
            self.see(page, f"{name}-reason-error", status, expect=400, errors=True)
        page.locator(f"label[for=reason-{purpose}]").click()
        page.fill("#id_reason_detail", REASON_DETAIL)
        return self.send(page, "main form[action='/reason/']")


# Elements wider than the screen (for the overflow message): the deepest few.
WIDEST = """
(width) => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-wrap'))
  .filter(e => !Array.from(e.children).some(c => c.getBoundingClientRect().right > width + 1))
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') +
    ' (' + Math.round(e.getBoundingClientRect().right) + ' px)').join(', ')
"""


def sign_in(walk: Walk, ctx: Any, services: Services, username: str) -> Any:
    page = ctx.new_page()
    walk.go(page, "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", services.passwords[username])
    walk.send(page, "main form")
    assert "/accounts/login/" not in page.url, f"sign-in as {username} failed: {page.inner_text('main')[:300]}"
    return page


def walk_anonymous(walk: Walk, services: Services) -> None:
    ctx = walk.context("anonymous")
    page = ctx.new_page()
    origin, destination = ("서울역", "강남") if walk.lang == "ko" else ("Seoul Station", "Gangnam")
    walk.see(page, "metro-fare", walk.go(page, "/metro/"))
    walk.see(page, "metro-fare-result", walk.go(page, f"/metro/?origin={origin}&destination={destination}"))
    status = walk.go(page, f"/metro/?origin=Nowhere&destination={destination}")
    walk.see(page, "metro-fare-error", status, expect=400, errors=True)
    walk.see(page, "guarantee-start", walk.go(page, "/guarantee/"))
    walk.see(page, "guarantee-sign-in", walk.go(page, "/guarantee/sign-in/"))
    walk.see(page, "guarantee-sign-in-error", walk.send(page, "main form"), expect=400, errors=True)
    walk.see(page, "plan-public", walk.go(page, "/plan/"))
    walk.see(page, "hospitals-summary", walk.go(page, "/hospitals/"))
    # a wrong password, then too many: the account is locked
    walk.go(page, "/accounts/login/")
    for attempt in range(5):
        page.fill("input[name=username]", "walk.nobody")
        page.fill("input[name=password]", "not-the-password")
        status = walk.send(page, "main form")
        if attempt == 0:
            walk.see(page, "core-sign-in-error", status, errors=True)
    walk.see(page, "core-locked-out", status, expect=429)
    ctx.close()


def walk_self_report(walk: Walk, link: str, code: str) -> None:
    """The contact opens the texted link on their phone: a wrong code, then the right one. The
    page opens in the language the person reads (Korean here); on the English walk the person
    has chosen English in the language menu (its cookie)."""
    ctx = walk.context("contact (texted link)")
    ctx.add_cookies([{"name": "django_language", "value": walk.lang, "url": walk.base}])
    page = ctx.new_page()
    walk.see(page, "tracing-self-report", int(page.goto(link).status))
    page.fill("#id_code", "000000" if code != "000000" else "111111")
    page.locator("input[name=feeling][value=well] + label").click()
    walk.see(page, "tracing-self-report-error", walk.send(page, "main form"), expect=400, errors=True)
    page.fill("#id_code", code)
    page.locator("input[name=feeling][value=well] + label").click()
    walk.see(page, "tracing-self-report-done", walk.send(page, "main form"))
    walk.see(page, "tracing-self-report-used", int(page.goto(link).status), expect=410)
    walk.see(page, "tracing-mass-text-stop", walk.go(page, "/tracing/stop/0123456789abcdef0123456789abcdef/"))
    walk.see(page, "tracing-mass-text-stop-unknown", walk.send(page, "#stop-form"))
    ctx.close()


def walk_rider(walk: Walk, services: Services) -> None:
    ctx = walk.context("citizen rider")
    page = sign_in(walk, ctx, services, "citizen")
    walk.see(page, "core-account-citizen", walk.go(page, "/accounts/me/"))
    walk.see(page, "metro-my-journeys", walk.go(page, "/metro/me/"))
    walk.see(page, "metro-my-journeys-error", walk.send(page, "details.dispute form"), expect=400, errors=True)
    walk.see(page, "metro-pass-bought", walk.send(page, "form[action='/metro/me/pass/']"))
    ctx.close()


def walk_metro_staff(walk: Walk, services: Services) -> None:
    ctx = walk.context("metro fare staff")
    page = sign_in(walk, ctx, services, "metro.staff")
    walk.see(page, "metro-disputes", 200)  # staff land on their worklist
    walk.see(page, "metro-disputes-filtered", walk.go(page, "/metro/disputes/?status=&sort=charge&age=1"))
    walk.see(page, "metro-disputes-error", walk.go(page, "/metro/disputes/?min_charge=-5"), expect=400, errors=True)
    pk = services.ids["dispute"]
    status = walk.reason(page, "metro-dispute", walk.go(page, f"/metro/disputes/{pk}/"), "dispute", bad_first=True)
    walk.see(page, "metro-dispute", status)
    page.fill("#id_resolution", "")
    walk.see(page, "metro-dispute-error", walk.send(page, "main form.form"), expect=400, errors=True)
    walk.see(page, "metro-operations-staff", walk.go(page, "/metro/operations/"))
    ctx.close()

    ctx = walk.context("metro operations viewer")
    page = sign_in(walk, ctx, services, "metro.ops")
    walk.see(page, "metro-operations", 200)
    walk.see(page, "metro-operations-month", walk.go(page, "/metro/operations/?days=31"))
    walk.see(page, "metro-reports", walk.go(page, "/metro/reports/"))
    walk.see(page, "metro-reports-line", walk.go(page, "/metro/reports/?line=2"))
    walk.see(
        page,
        "metro-reports-error",
        walk.go(page, "/metro/reports/?start=2026-01-10&end=2026-01-01"),
        expect=400,
        errors=True,
    )
    walk.see(page, "core-account-metro-viewer", walk.go(page, "/accounts/me/"))
    ctx.close()


def walk_tracer(walk: Walk, services: Services) -> tuple[str, str]:
    """Returns the self-report link and code the tracer texted."""
    from seoul.tracing import sms

    ids = services.ids
    ctx = walk.context("tracer")
    page = sign_in(walk, ctx, services, "tracer.mapo")
    walk.see(page, "tracing-worklist", 200)
    walk.see(page, "tracing-new-case", walk.go(page, "/tracing/cases/new/"))
    walk.see(page, "tracing-new-case-error", walk.send(page, "main form.form"), expect=400, errors=True)
    case = f"/tracing/cases/{ids['case']}/"
    status = walk.reason(page, "tracing-case", walk.go(page, case), "investigation", bad_first=True)
    walk.see(page, "tracing-case", status)
    for form in ("timeline", "contact", "lab", "outcome"):
        walk.go(page, case)
        walk.see(page, f"tracing-case-{form}-error", walk.send(page, f"#{form}-form"), expect=400, errors=True)
    walk.go(page, case)
    candidate = f"#candidate-{ids['candidate']}"
    walk.see(
        page,
        "tracing-case-candidate-error",
        walk.send(page, f"{candidate} form.candidate-form"),
        expect=400,
        errors=True,
    )
    walk.go(page, case)  # the demo's first record is on the timeline already: refused, and said so
    walk.see(page, "tracing-case-record-refused", walk.send(page, f"{candidate} form.timeline-from-record"))
    entry = f"/tracing/timeline/{ids['timeline_entry']}/"
    walk.see(page, "tracing-timeline-edit", walk.go(page, entry))
    page.fill("#id_place", "")
    walk.see(page, "tracing-timeline-edit-error", walk.send(page, "main form.form"), expect=400, errors=True)
    other = f"/tracing/cases/{ids['unisolated_case']}/"
    status = walk.reason(page, "tracing-case-second", walk.go(page, other), "investigation")
    walk.see(page, "tracing-case-isolation-error", walk.send(page, "#isolation-form"), expect=400, errors=True)
    due = f"/tracing/cases/{ids['due_case']}/"
    status = walk.reason(page, "tracing-case-due", walk.go(page, due), "investigation")
    walk.see(page, "tracing-case-due", status)
    walk.see(page, "tracing-case-released", walk.send(page, "#release-form"))

    contact = f"/tracing/contacts/{ids['contact']}/"  # a contact of the case: its reason carries over
    walk.see(page, "tracing-contact", walk.go(page, contact))
    walk.see(page, "tracing-contact-follow-up-error", walk.send(page, "#follow-up-form"), expect=400, errors=True)
    walk.go(page, contact)
    walk.see(page, "tracing-contact-convert-error", walk.send(page, "#convert-form"), expect=400, errors=True)
    walk.go(page, contact)
    walk.see(page, "tracing-contact-text-sent", walk.send(page, "#send-text"))
    flagged = f"/tracing/contacts/{ids['flagged_contact']}/"
    walk.see(page, "tracing-contact-flagged", walk.go(page, flagged))
    walk.see(page, "tracing-contact-flag-error", walk.send(page, "#flag-form"), expect=400, errors=True)

    status = walk.reason(page, "tracing-search", walk.go(page, "/tracing/search/"), "investigation")
    walk.see(page, "tracing-search", status)
    page.fill("#id_phone", "010-2000-0002")
    walk.see(page, "tracing-search-results", walk.send(page, "main form.filters"))
    walk.see(page, "tracing-outbreaks-tracer", walk.go(page, "/tracing/outbreaks/"))
    walk.see(page, "tracing-chains", walk.go(page, f"/tracing/outbreaks/{ids['outbreak']}/chains/"))

    # a line list: the upload form (sent empty), the column mapping, the report of refused rows
    walk.see(page, "tracing-import", walk.go(page, "/tracing/imports/"))
    walk.see(page, "tracing-import-error", walk.send(page, "#import-form"), expect=400, errors=True)
    sheet = WALK / "line-list.csv"
    exposed = f"{ids['exposure_day']:%Y-%m-%d}"
    sheet.write_text(
        ",".join(LINE_LIST_HEADER)
        + f"\nC-{ids['case']},김목록,010-3900-0001,마포구,{exposed},망원동 카페"
        + f"\nC-{ids['case']},,010-3900-0002,성남시,어제,망원동 카페\n",
        encoding="utf-8",
    )
    page.select_option("#id_kind", "contacts")
    page.set_input_files("#id_file", str(sheet))
    walk.see(page, "tracing-import-map", walk.send(page, "#import-form"))
    walk.see(page, "tracing-import-report", walk.send(page, "#mapping-form"))
    suspected = f"/tracing/cases/{ids['suspected_case']}/"
    status = walk.reason(page, "tracing-case-suspected", walk.go(page, suspected), "investigation")
    walk.see(page, "tracing-case-suspected", status)
    walk.see(page, "tracing-case-classify-error", walk.send(page, "#classify-form"), expect=400, errors=True)
    walk.see(page, "core-account-tracer", walk.go(page, "/accounts/me/"))
    ctx.close()

    message = sms.read_outbox()[-1]
    found = re.search(r"(http://\S+/tracing/r/[\w-]+/) 인증번호 (\d{6})", message["text"])
    assert found, message
    return found[1], found[2]


def walk_supervisor(walk: Walk, services: Services) -> None:
    ids = services.ids
    ctx = walk.context("tracing supervisor")
    page = sign_in(walk, ctx, services, "tracing.supervisor")
    walk.see(page, "tracing-supervisor", 200)
    walk.see(page, "tracing-supervisor-reassign-error", walk.send(page, "form.reassign-form"), expect=400, errors=True)
    walk.go(page, "/tracing/supervisor/")
    duplicate = "form[action^='/tracing/duplicates/']"
    walk.see(page, "tracing-supervisor-review-error", walk.send(page, duplicate), expect=400, errors=True)
    walk.see(page, "tracing-supervisor-filtered", walk.go(page, "/tracing/supervisor/?due=1&kind=contact"))
    walk.see(page, "tracing-exports", walk.go(page, "/tracing/exports/"))
    status = walk.reason(page, "tracing-people", walk.go(page, "/tracing/people/duplicates/"), "supervision")
    walk.see(page, "tracing-people", status)
    walk.see(page, "tracing-people-error", walk.send(page, "main section.card form"), expect=400, errors=True)
    walk.go(page, "/tracing/supervisor/")
    walk.see(page, "tracing-supervisor-transfer-error", walk.send(page, "form.transfer-form"), expect=400, errors=True)
    walk.see(page, "tracing-outbreaks-supervisor", walk.go(page, "/tracing/outbreaks/"))
    rules = f"#rules-form-{ids['outbreak']}"
    page.locator(rules).evaluate("form => { form.closest('details').open = true; }")
    page.fill(f"#id_rules-{ids['outbreak']}-fever_at_c", "45")
    walk.see(page, "tracing-outbreaks-rules-error", walk.send(page, rules), expect=400, errors=True)
    case = f"/tracing/cases/{ids['case']}/"
    status = walk.reason(page, "tracing-case-supervisor", walk.go(page, case), "supervision")
    walk.see(page, "tracing-case-supervisor", status)
    walk.see(page, "tracing-case-long-tail-error", walk.send(page, "#long-tail-form"), expect=400, errors=True)
    walk.see(page, "tracing-new-outbreak", walk.go(page, "/tracing/outbreaks/new/"))
    walk.see(page, "tracing-new-outbreak-error", walk.send(page, "main form.form"), expect=400, errors=True)
    walk.see(page, "tracing-chains-supervisor", walk.go(page, f"/tracing/outbreaks/{ids['outbreak']}/chains/"))
    ctx.close()


def walk_investigator(walk: Walk, services: Services) -> None:
    ids = services.ids
    ctx = walk.context("epidemiological investigator")
    page = sign_in(walk, ctx, services, "epi.investigator")
    walk.see(page, "tracing-outbreaks-investigator", 200)
    status = walk.reason(
        page, "tracing-case-investigator", walk.go(page, f"/tracing/cases/{ids['case']}/"), "investigation"
    )
    walk.see(page, "tracing-case-investigator", status)
    walk.see(page, "tracing-chains-investigator", walk.go(page, f"/tracing/outbreaks/{ids['outbreak']}/chains/"))
    walk.see(page, "core-account-investigator", walk.go(page, "/accounts/me/"))
    ctx.close()


def walk_tracing_admin(walk: Walk, services: Services) -> None:
    ctx = walk.context("tracing administrator")
    page = sign_in(walk, ctx, services, "tracing.admin")
    walk.see(page, "tracing-tracers", walk.go(page, "/tracing/tracers/"))
    walk.see(page, "tracing-tracers-filtered", walk.go(page, "/tracing/tracers/?district=13"))
    walk.see(page, "tracing-outbreaks-admin", walk.go(page, "/tracing/outbreaks/"))
    walk.see(page, "tracing-supervisor-admin", walk.go(page, "/tracing/supervisor/"))
    ctx.close()


def walk_applicant(walk: Walk, services: Services) -> None:
    """The demo citizen signs in by simple authentication and goes through the journey."""
    ids = services.ids
    ctx = walk.context("guarantee applicant")
    page = ctx.new_page()
    walk.go(page, "/guarantee/sign-in/")
    kakao = page.locator("input[name=provider][value=kakao]").get_attribute("id")
    page.locator(f"label[for='{kakao}']").click()
    page.fill("input[name=name]", APPLICANT[0])
    page.fill("input[name=phone]", APPLICANT[1])
    walk.send(page, "main form")
    walk.see(page, "guarantee-sign-in-wait", 200)
    walk.send(page, "main form")
    walk.see(page, "guarantee-mine", 200)
    assert page.url.endswith("/guarantee/apply/"), page.url

    begun, blocked, complete = ids["app_begun"], ids["app_blocked"], ids["app_complete"]
    walk.see(page, "guarantee-question-brn", walk.go(page, f"/guarantee/apply/{begun}/q/brn/"))
    page.fill("input[name=brn]", "123-45-67890")
    walk.see(page, "guarantee-question-brn-error", walk.send(page, "main form"), expect=400, errors=True)
    walk.see(page, "guarantee-business-blocked", walk.go(page, f"/guarantee/apply/{blocked}/business/"))
    walk.see(page, "guarantee-business-error", walk.send(page, "main form.form"), expect=400, errors=True)
    walk.see(page, "guarantee-documents-blocked", walk.go(page, f"/guarantee/apply/{blocked}/documents/"))
    walk.see(page, "guarantee-documents-error", walk.send(page, "#fetch-form"), expect=400, errors=True)
    walk.go(page, f"/guarantee/apply/{blocked}/documents/")
    upload = f"form[action='/guarantee/apply/{blocked}/documents/upload/']"
    walk.see(page, "guarantee-documents-upload-error", walk.send(page, upload), expect=400, errors=True)
    walk.see(page, "guarantee-check-todo", walk.go(page, f"/guarantee/apply/{blocked}/check/"))
    walk.see(page, "guarantee-documents", walk.go(page, f"/guarantee/apply/{complete}/documents/"))
    for question in ("product", "amount", "bank", "phone", "email"):
        walk.see(page, f"guarantee-question-{question}", walk.go(page, f"/guarantee/apply/{complete}/q/{question}/"))
    walk.go(page, f"/guarantee/apply/{complete}/q/amount/")
    page.fill("input[name=amount]", "999999")
    walk.see(page, "guarantee-question-amount-error", walk.send(page, "main form"), expect=400, errors=True)
    walk.see(page, "guarantee-check", walk.go(page, f"/guarantee/apply/{complete}/check/"))
    walk.see(page, "guarantee-sent", walk.send(page, "main form[data-once]"))
    assert "submitted=1" in page.url, page.url
    walk.see(page, "guarantee-status-paid", walk.go(page, f"/guarantee/apply/{ids['app_paid']}/"))
    walk.see(page, "guarantee-status-near-term", walk.go(page, f"/guarantee/apply/{ids['app_near_term']}/"))
    walk.see(page, "guarantee-renew", walk.go(page, f"/guarantee/apply/{ids['app_near_term']}/renew/"))
    walk.see(page, "guarantee-status-approved", walk.go(page, f"/guarantee/apply/{ids['app_approved']}/"))
    walk.see(page, "guarantee-status-draft", walk.go(page, f"/guarantee/apply/{begun}/"))
    walk.see(page, "guarantee-agreement", walk.go(page, f"/guarantee/apply/{ids['app_approved']}/agreement/"))
    walk.see(page, "guarantee-agreement-error", walk.send(page, "main form.form"), expect=400, errors=True)
    walk.see(page, "guarantee-mine-after", walk.go(page, "/guarantee/apply/"))
    ctx.close()


def walk_examiners(walk: Walk, services: Services) -> None:
    ids = services.ids
    ctx = walk.context("guarantee examiner")
    page = sign_in(walk, ctx, services, "guarantee.examiner")
    walk.see(page, "guarantee-queue", 200)
    walk.see(page, "guarantee-queue-filtered", walk.go(page, "/guarantee/queue/?state=referred&sort=-amount&overdue=1"))
    walk.see(page, "guarantee-queue-found", walk.go(page, f"/guarantee/queue/?brn={ids['business_brn']}"))
    walk.see(page, "guarantee-queue-error", walk.go(page, "/guarantee/queue/?brn=123-45-67890"), expect=400)
    file = f"/guarantee/queue/{ids['file']}/"
    status = walk.reason(page, "guarantee-file", walk.go(page, file), "examination", bad_first=True)
    walk.see(page, "guarantee-file", status)
    walk.see(page, "guarantee-file-error", walk.send(page, "main form.form"), expect=400, errors=True)
    walk.see(page, "core-account-examiner", walk.go(page, "/accounts/me/"))
    ctx.close()

    ctx = walk.context("guarantee approver")
    page = sign_in(walk, ctx, services, "guarantee.approver")
    walk.see(page, "guarantee-queue-approver", 200)
    second = f"/guarantee/queue/{ids['file_second']}/"
    status = walk.reason(page, "guarantee-file-second", walk.go(page, second), "examination")
    walk.see(page, "guarantee-file-second", status)
    ctx.close()


def walk_plan(walk: Walk, services: Services) -> None:
    project = f"/plan/projects/{services.ids['project']}/"
    for username, role in (("plan.viewer", "viewer"), ("metro.operator", "operator"), ("plan.admin", "admin")):
        ctx = walk.context(f"plan {role}")
        page = sign_in(walk, ctx, services, username)
        walk.see(page, f"plan-dashboard-{role}", walk.go(page, "/plan/dashboard/"))
        walk.see(page, f"plan-project-{role}", walk.go(page, project))
        if role != "viewer":
            walk.see(page, f"plan-register-{role}", walk.go(page, "/plan/projects/new/"))
        walk.see(page, f"core-account-plan-{role}", walk.go(page, "/accounts/me/"))
        ctx.close()


def walk_bed_manager(walk: Walk, services: Services) -> None:
    """Seoul Medical Center's bed manager: the daily report (a contradiction refused), a CSV of four
    rows (one good, one contradictory, one with a typo, one for another hospital), the patients
    offered and admitted, a patient's page, sharing and the hospital's ledger."""
    from seoul.core.validation import today
    from seoul.hospitals.engine import tabular
    from seoul.hospitals.engine.report import BedKind, Beds, DailyReport

    ids = services.ids
    ctx = walk.context("hospital bed manager")
    page = sign_in(walk, ctx, services, "bed.smc")
    walk.see(page, "hospitals-report", 200)  # one hospital: its form is where they land
    assert page.url.endswith("/hospitals/report/SMC/"), page.url
    page.fill("#id_critical_occupied", str(int(page.input_value("#id_critical_total")) + 3))
    walk.see(page, "hospitals-report-error", walk.send(page, "#report-form"), expect=400, errors=True)
    walk.see(page, "hospitals-upload", walk.go(page, "/hospitals/report/upload/"))
    walk.see(page, "hospitals-upload-error", walk.send(page, "#upload-form"), expect=400, errors=True)
    day = today() - timedelta(days=100)  # before the demo's reports: nothing on the board changes
    rows = [
        tabular.to_row(DailyReport("SMC", day, {BedKind.SEVERE: Beds(36, 20, 36, 16)})),
        tabular.to_row(DailyReport("SMC", day, {BedKind.CRITICAL: Beds(12, 15, 12, 0)})),
        {
            **tabular.to_row(DailyReport("SMC", day, {BedKind.MODERATE: Beds(180, 90, 180, 90)})),
            "moderate_total": "18O",
        },
        tabular.to_row(DailyReport("SN", day, {BedKind.SEVERE: Beds(20, 10, 20, 10)})),
    ]
    sheet = WALK / "hospital-reports.csv"
    lines = [",".join(tabular.COLUMNS)] + [",".join(row[c] for c in tabular.COLUMNS) for row in rows]
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.set_input_files("#id_file", str(sheet))
    walk.see(page, "hospitals-upload-result", walk.send(page, "#upload-form"))
    walk.see(page, "hospitals-incoming", walk.go(page, "/hospitals/incoming/"))
    offered = f"/hospitals/patients/{ids['hospitals_offered']}/"
    status = walk.reason(page, "hospitals-patient-admission", walk.go(page, offered), "admission")
    walk.see(page, "hospitals-patient-admission", status)
    walk.see(page, "hospitals-sharing", walk.go(page, "/hospitals/sharing/"))
    walk.see(page, "hospitals-sharing-error", walk.send(page, "#request-form"), expect=400, errors=True)
    walk.see(page, "hospitals-ledger", walk.go(page, "/hospitals/sharing/ledger/SMC/"))
    walk.see(page, "core-account-bed-manager", walk.go(page, "/accounts/me/"))
    ctx.close()


def walk_coordinators(walk: Walk, services: Services) -> None:
    """The city's patient-management team (every sub-region) and the north-east control tower."""
    ids = services.ids
    ctx = walk.context("hospitals patient-management team")
    page = sign_in(walk, ctx, services, "patients.city")
    walk.see(page, "hospitals-patients", 200)  # the team lands on the waiting list
    walk.see(page, "hospitals-patients-filtered", walk.go(page, "/hospitals/patients/?region=NE&tier=severe"))
    walk.see(page, "hospitals-proposal", walk.go(page, f"/hospitals/proposals/{ids['hospitals_proposal']}/"))
    page.select_option(f"#id_line_{ids['hospitals_line']}", ids["hospitals_no_bed"])
    walk.see(page, "hospitals-proposal-error", walk.send(page, "#proposal-form"), expect=400, errors=True)
    waiting = f"/hospitals/patients/{ids['hospitals_waiting']}/"
    status = walk.reason(page, "hospitals-patient", walk.go(page, waiting), "placement", bad_first=True)
    walk.see(page, "hospitals-patient", status)
    walk.see(page, "hospitals-patient-cancel-error", walk.send(page, "#cancel-form"), expect=400, errors=True)
    walk.see(page, "hospitals-new-patient", walk.go(page, "/hospitals/patients/new/"))
    walk.see(page, "hospitals-new-patient-error", walk.send(page, "#patient-form"), expect=400, errors=True)
    walk.see(page, "hospitals-sharing-team", walk.go(page, "/hospitals/sharing/"))
    walk.see(page, "core-account-hospitals-team", walk.go(page, "/accounts/me/"))
    ctx.close()

    ctx = walk.context("hospitals control tower")
    page = sign_in(walk, ctx, services, "tower.northeast")
    walk.see(page, "hospitals-patients-tower", 200)
    walk.see(page, "hospitals-board-tower", walk.go(page, "/hospitals/board/NE/"))
    ctx.close()


def walk_hospitals_viewer(walk: Walk, services: Services) -> None:
    """The operations innovation centre reads the boards, the figures and a ledger."""
    ctx = walk.context("hospitals innovation centre")
    page = sign_in(walk, ctx, services, "hospitals.viewer")
    walk.see(page, "hospitals-board", 200)  # the viewer lands on the whole city's board
    walk.see(page, "hospitals-board-region", walk.go(page, "/hospitals/board/SW/"))
    walk.see(page, "hospitals-performance", walk.go(page, "/hospitals/performance/"))
    walk.see(page, "hospitals-ledger-viewer", walk.go(page, "/hospitals/sharing/ledger/BRM/"))
    walk.see(page, "core-account-hospitals-viewer", walk.go(page, "/accounts/me/"))
    ctx.close()


def walk_hospitals_admin(walk: Walk, services: Services) -> None:
    ctx = walk.context("hospitals administrator")
    page = sign_in(walk, ctx, services, "hospitals.admin")
    walk.see(page, "hospitals-register", walk.go(page, "/hospitals/register/"))
    walk.see(page, "hospitals-register-error", walk.send(page, "#hospital-form"), expect=400, errors=True)
    walk.see(page, "hospitals-report-home", walk.go(page, "/hospitals/report/"))
    ctx.close()


PAGE_IMAGE = re.compile(r"/records/(?:\d+|shared/\d+)/pages/\d+\.png$")


def one_page_image_at_a_time(ctx: Any) -> None:
    """The browser context's record page images are fetched one after the other. Each is audited
    (and counted on its share link): two written at once by the live server meet "database table
    is locked" at once in the tests' in-memory SQLite with its shared cache, where a database file
    waits its turn. The fetch here blocks Playwright's thread, so the next waits."""
    import urllib.error
    import urllib.request

    def fetch(route: Any) -> None:
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in ctx.cookies(route.request.url))
        asked = urllib.request.Request(route.request.url, headers={"Cookie": cookies})  # noqa: S310 (the live server)
        try:
            with urllib.request.urlopen(asked, timeout=TIMEOUT_MS / 1000) as answer:  # noqa: S310
                status, headers, body = answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as refused:
            status, headers, body = refused.code, dict(refused.headers), refused.read()
        route.fulfill(status=status, headers=headers, body=body)

    ctx.route(PAGE_IMAGE, fetch)


def page_images(walk: Walk, page: Any, name: str) -> None:
    """Scroll each page image of a record into view (they load lazily) and wait for it: the
    picture shows them, and an image that does not load is a problem of the page."""
    images = page.locator("main .page-images img")
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
        images.nth(i).evaluate("img => img.complete || new Promise(ok => { img.onload = img.onerror = ok; })")
    widths = images.evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
    if not widths or not all(widths):
        walk.problems.append(f"{name} ({walk.lang}, {walk.width} px): page images not shown: {widths}")
    page.evaluate("() => window.scrollTo(0, 0)")


def walk_records(walk: Walk, services: Services) -> None:
    """The general-affairs clerk: the worklist (the demo's scan waiting, an empty file refused), an
    upload without a file, the waiting scan's registration form (partly open without an
    exemption: refused), a registered record holding personal information (the reason first)
    with its page images and the share form (sent empty: refused on its fields; then a link for
    Seoul Metro, shown once in the share section), the authenticator set-up (in the office; a code missing), the refused file;
    Seoul Metro's fare staff: the shared record's pages through the link, then, once the clerk
    has withdrawn it (the links table), the link refused; the digital-policy reader: the search,
    results for a Korean query with a particle, filtered, none, a bad query, another division's
    open record; the records officer: a corrected record with the correction form (refused
    without a reason)."""
    ids = services.ids
    ctx = walk.context("records clerk")
    one_page_image_at_a_time(ctx)
    page = sign_in(walk, ctx, services, "records.clerk")
    walk.see(page, "records-worklist", 200)  # a clerk lands on the department's worklist
    assert page.url.endswith("/records/"), page.url
    walk.see(page, "records-worklist-error", walk.send(page, "#upload-form"), expect=400, errors=True)
    walk.see(page, "records-ready", walk.go(page, f"/records/{ids['records_ready']}/"))
    partly_open = page.locator("input[name=disclosure][value=partial]").get_attribute("id")
    page.locator(f"label[for='{partly_open}']").click()
    walk.see(page, "records-ready-error", walk.send(page, "#registration-form"), expect=400, errors=True)
    partial = f"/records/{ids['records_partial']}/"  # exemption 6: personal information, opened with a reason
    status = walk.reason(page, "records-registered", walk.go(page, partial), "work", bad_first=True)
    page_images(walk, page, "records-registered")
    walk.see(page, "records-registered", status)
    status = walk.send(page, "#share-form")  # empty: refused on its fields, the page kept
    walk.see(page, "records-share-error", status, expect=400, errors=True)
    page.select_option("#id_share-institution", str(ids["records_share_to"]))
    page.fill("#id_share-reason", REASON_DETAIL)
    walk.see(page, "records-share-made", walk.send(page, "#share-form"))
    link = page.locator("#share-link")
    made = re.fullmatch(r"https?://\S+/records/shared/\?t=[\w-]+", link.input_value() if link.count() else "")
    walk.see(page, "records-second-factor-setup", walk.go(page, "/records/second-factor/"))
    status = walk.send(page, "#code-form")
    walk.see(page, "records-second-factor-setup-error", status, expect=400, errors=True)
    walk.see(page, "records-refused", walk.go(page, f"/records/{ids['records_refused']}/"))
    walk.see(page, "core-account-records-clerk", walk.go(page, "/accounts/me/"))

    if made is None:
        walk.problems.append(f"records-share-made ({walk.lang}, {walk.width} px): no link in the share section")
    else:
        shared = walk.context("records shared with metro staff")
        one_page_image_at_a_time(shared)
        metro = sign_in(walk, shared, services, "metro.staff")
        status = int(metro.goto(made[0]).status)
        page_images(walk, metro, "records-shared")
        walk.see(metro, "records-shared", status)
        walk.role = "records clerk"  # back to the clerk's window: the link withdrawn
        walk.go(page, partial)
        walk.see(page, "records-share-withdrawn", walk.send(page, "#links-table form"))
        walk.role = "records shared with metro staff"
        walk.see(metro, "records-shared-withdrawn", int(metro.reload().status), expect=410)
        shared.close()
    ctx.close()

    ctx = walk.context("records reader")
    one_page_image_at_a_time(ctx)
    page = sign_in(walk, ctx, services, "records.reader")
    walk.see(page, "records-search", 200)  # readers start at the search
    assert page.url.endswith("/records/search/"), page.url
    walk.see(page, "records-search-results", walk.go(page, "/records/search/?q=기록물을"))
    assert page.locator("#results ol.results > li").count() == 2, page.inner_text("main")
    query = "/records/search/?q=공개&disclosure=closed&year_from=2024&year_to=2026"
    walk.see(page, "records-search-filtered", walk.go(page, query))
    walk.see(page, "records-search-none", walk.go(page, "/records/search/?q=지하철"))
    status = walk.go(page, "/records/search/?q=&year_from=1800")
    walk.see(page, "records-search-error", status, expect=400, errors=True)
    walk.see(page, "records-record-reader", walk.go(page, f"/records/{ids['records_open']}/"))
    ctx.close()

    ctx = walk.context("records officer")
    one_page_image_at_a_time(ctx)
    page = sign_in(walk, ctx, services, "records.officer")
    walk.see(page, "records-worklist-officer", 200)
    walk.see(page, "records-correction", walk.go(page, f"/records/{ids['records_corrected']}/"))
    page.select_option("#id_retention", "permanent")
    status = walk.send(page, "#registration-form")  # no reason given
    walk.see(page, "records-correction-error", status, expect=400, errors=True)
    ctx.close()


def walk_auditor(walk: Walk, services: Services) -> None:
    ctx = walk.context("auditor")
    page = sign_in(walk, ctx, services, "auditor")
    status = walk.reason(page, "core-audit-log", walk.go(page, "/audit/"), "audit", bad_first=True)
    walk.see(page, "core-audit-log", status)
    query = "/audit/?event=tracing.case.viewed&date_from=2026-12-31&date_to=2026-01-01"
    walk.see(page, "core-audit-log-error", walk.go(page, query), errors=True)
    walk.see(page, "core-account-auditor", walk.go(page, "/accounts/me/"))
    ctx.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_service_page_is_accessible_in_one_language_and_fits(
    live_server: Any,
    transactional_db: None,
    browser: Any,
    axe: Any,
    settings: Any,
    tmp_path: Path,
    lang: str,
    width: int,
) -> None:
    from seoul.records import index as records_index
    from seoul.records import storage as records_storage

    settings.VAR_DIR = tmp_path  # the demo's passwords file
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast sign-ins
    settings.SEOUL_RECORDS_DIR = tmp_path / "records"  # the records demo's files and search index
    records_storage.storage.cache_clear()
    records_index._open.clear()
    services = build_services()
    typed = typed_values(REASON_DETAIL, *APPLICANT, *LINE_LIST_TYPED)  # and what the walk types
    walk = Walk(browser, axe, live_server.url, lang, width, typed)

    walk_anonymous(walk, services)
    walk_rider(walk, services)
    walk_metro_staff(walk, services)
    link, code = walk_tracer(walk, services)
    walk_self_report(walk, link, code)
    walk_supervisor(walk, services)
    walk_investigator(walk, services)
    walk_tracing_admin(walk, services)
    walk_applicant(walk, services)
    walk_examiners(walk, services)
    walk_plan(walk, services)
    walk_bed_manager(walk, services)
    walk_coordinators(walk, services)
    walk_hospitals_viewer(walk, services)
    walk_hospitals_admin(walk, services)
    walk_records(walk, services)
    walk_auditor(walk, services)
    records_storage.storage.cache_clear()
    records_index._open.clear()

    (WALK / f"services-{lang}-{width}.json").write_text(json.dumps(dict(sorted(walk.walked.items())), indent=1))
    assert not walk.problems, f"{len(walk.problems)} page(s) with problems:\n" + "\n".join(walk.problems)


def test_mixed_language_heuristic_catches_a_stray_label() -> None:
    """The heuristic itself: what it flags and what it lets through."""
    typed = re.compile(r"(?<!\w)(?:망원동 코인노래방|Checked by the examiner)(?!\w)")
    english_page = [
        ("Case C-1", "h1"),
        ("2026-11-26 at 망원동 코인노래방 (indoors)", "td"),  # a place a tracer typed
        ("Show all", "a"),
        ("전체 보기", "a"),  # a stray Korean label
        ("Mapo-gu coin karaoke cluster (마포구 코인노래방 관련)", "a"),  # a typed value inside a longer name
    ]
    assert [p.split(" in ")[0] for p in language_problems(english_page, "en", typed)] == [
        "Korean '전체 보기'",
        "Korean '마포구 코인노래방 관련'",
    ]
    korean_page = [
        ("사례 C-1", "h1"),
        ("Show all", "a"),  # a stray English label of two words
        ("요금 (Sinbundang line surcharge)", "dd"),  # three English words in a Korean sentence
        ("기후동행카드 Climate Card", "dd"),  # two English words next to Korean: allowed
        ("Checked by the examiner", "li"),  # typed
        ("한국형 웹 콘텐츠 접근성 지침, KRDS", "p"),  # a listed name
        ("PDF", "td"),
        ("tracer.mapo (역학조사관)", "td"),  # an account name is an id, not a word
        ("SIL Open Font License 1.1", "td"),
    ]
    assert [p.split(" in ")[0] for p in language_problems(korean_page, "ko", typed)] == [
        "English 'Show all'",
        "English 'Sinbundang line surcharge'",
    ]
