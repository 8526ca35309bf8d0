"""A contact tracer's day, end to end against the real engine.

A synthetic city (the engine's simulator, a week up to yesterday) plants a case; the case is
registered and assigned to a Mapo-gu tracer, who opens it from the worklist (stating a
reason), adds a timeline entry, searches the movement data, confirms a planted true contact,
records today's follow-up and texts the self-report link; the contact reports symptoms with
the one-time code, without an account; the tracer's worklist flags them and the Mapo-gu
supervisor's WHO indicators move; the contact then tests positive and the chain grows.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.people import new_staff

TRACER_PASSWORD = "Mangwon-market-8-lanterns"
SUPERVISOR_PASSWORD = "Hapjeong-bridge-4-ferries"
REASON_DETAIL = "역학조사 2026-1125 마포"
CONTACT_NAME = "오지민"
CONTACT_PHONE = "010-4567-8901"
SYMPTOMS = "발열 38.1도, 기침"
MAPO = 13


def _staff(username: str, password: str, role: str) -> Any:
    from seoul.tracing import actions

    user = new_staff(username, password, "SPHF", "tracing", role)
    actions.set_tracer_profile(user, MAPO, actor=None)
    return user


@pytest.fixture
def city(tmp_path: Path, settings: Any) -> dict[str, Any]:
    """A synthetic city of the last 8 days, with one planted case."""
    from seoul.tracing.engine import simulate
    from seoul.tracing.sources import geometry

    out = tmp_path / "city"
    simulate.simulate(geometry(), people=1500, days=8, seed=7, out=out, start=date.today() - timedelta(days=8), cases=1)
    settings.SEOUL_TRACING_DATA_DIR = out
    settings.SEOUL_TRACING_SMS_OUTBOX = tmp_path / "sms-outbox.jsonl"
    planted: dict[str, Any] = json.loads((out / "planted.json").read_text())["cases"][0]
    return planted


def _stat(page: Any, testid: str) -> str:
    return page.inner_text(f"[data-testid={testid}]").strip()


@pytest.mark.browser
def test_a_tracers_day(
    live_server: Any, reference_data: None, city: dict[str, Any], new_context: Any, sign_in: Any
) -> None:
    from seoul.core.models import AuditEvent
    from seoul.tracing import actions, sms
    from seoul.tracing.models import Candidate, Contact, FollowUp, TimelineEntry

    tracer = _staff("tracer.mangwon", TRACER_PASSWORD, "operator")
    supervisor = _staff("super.mapo", SUPERVISOR_PASSWORD, "approver")
    outbreak = actions.open_outbreak("마포구 집단감염 (시험)", MAPO, name_en="Mapo-gu cluster (test)", actor=None)
    onset = date.fromisoformat(city["onset"])
    case = actions.register_case(
        outbreak,
        actions.CaseInput(
            name="배수아",
            phone="010-1357-2468",
            district=MAPO,
            confirmed_on=min(onset + timedelta(days=2), date.today()),
            onset_on=onset,
            presence_id=city["person_id"],
        ),
        actor=None,
    ).case
    assert case is not None
    assert case.assignments.get(ended_at=None).tracer == tracer

    # --- the supervisor's indicators before the day's work
    boss = new_context().new_page()
    problems: list[str] = []
    boss.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    boss.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    sign_in(boss, supervisor, next_path="/tracing/supervisor/")
    assert _stat(boss, "followed-up-n") == "0 / 0"
    assert _stat(boss, "traced-24h-n") == "0 / 0"
    assert _stat(boss, "from-list-n") == "0 / 1"

    # --- worklist → case (a reason first)
    page = new_context().new_page()
    sign_in(page, tracer, next_path="/tracing/")
    row = page.locator(f"#case-table tbody tr[data-case='{case.pk}']")
    assert row.count() == 1, page.inner_text("main")[:800]
    assert "배수아" not in page.inner_text("main"), "the worklist shows no names"
    with page.expect_navigation():
        row.locator("a").click()
    assert page.locator("#case-summary").count() == 0, "no personal data before a reason"
    page.locator("label[for=reason-investigation]").click()
    page.fill("#id_reason_detail", REASON_DETAIL)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.inner_text("[data-testid=case-name]").strip() == "배수아"
    assert AuditEvent.objects.filter(event="tracing.case.viewed", actor=tracer, reason__endswith=REASON_DETAIL).exists()

    # --- a timeline entry from the interview
    window_start = case.window().start
    start = (window_start + timedelta(hours=19)).strftime("%Y-%m-%dT%H:%M")
    end = (window_start + timedelta(hours=21)).strftime("%Y-%m-%dT%H:%M")
    page.locator("details:has(#timeline-form) > summary").click()
    form = page.locator("#timeline-form")
    form.locator("#id_timeline-start").fill(start)
    form.locator("#id_timeline-end").fill(end)
    form.locator("#id_timeline-place").fill("망원동 코인노래방")
    form.locator("#id_timeline-setting").select_option("nightlife")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "망원동 코인노래방" in page.inner_text("#timeline-table"), page.inner_text("main")[:800]
    assert TimelineEntry.objects.filter(case=case, place="망원동 코인노래방").count() == 1
    assert "reason" not in page.url, "the reason is kept in the session, never in the URL"

    # --- search the movement data: the planted true contacts are candidates
    with page.expect_navigation():
        page.click("#candidates-h ~ form button[type=submit]")
    rows = page.locator("#candidate-table tbody tr[data-candidate]")
    assert rows.count() >= len(city["true_contacts"]), page.inner_text("main")[:800]
    listed = [rows.nth(i).get_attribute("data-candidate") for i in range(rows.count())]
    assert set(city["true_contacts"]) <= set(listed)
    assert not Contact.objects.filter(source_case=case).exists(), "nothing becomes a contact by itself"
    best_true = next(pid for pid in listed if pid in city["true_contacts"])
    candidate = Candidate.objects.get(case=case, presence_id=best_true)

    # --- confirm it: the person's name and phone come from the tracer, the rest from the data
    row = page.locator(f"#candidate-{candidate.pk}")
    row.locator("details.decide > summary").click()  # the form stays folded until asked for
    prefix = f"candidate-{candidate.pk}"
    row.locator(f"label[for=id_{prefix}-decision_0]").click()  # confirm as a contact
    row.locator(f"#id_{prefix}-reason").fill("출입명부와 시각 일치")
    row.locator("form details > summary").click()
    row.locator(f"#id_{prefix}-name").fill(CONTACT_NAME)
    row.locator(f"#id_{prefix}-phone").fill(CONTACT_PHONE)
    row.locator(f"#id_{prefix}-district").select_option(str(MAPO))
    with page.expect_navigation():
        row.locator("form.candidate-form button[type=submit]").click()
    contact = Contact.objects.get(source_case=case)
    assert contact.person.presence_id == best_true
    contacts_table = page.inner_text("#contacts-table")
    assert CONTACT_NAME in contacts_table and contact.reference in contacts_table
    candidate.refresh_from_db()
    assert (candidate.status, candidate.decided_by) == ("confirmed", tracer)

    # --- the contact page: quarantine from the last exposure, today's follow-up
    with page.expect_navigation():
        page.click(f"#contacts-table a:text-is('{contact.reference}')")
    assert page.inner_text("[data-testid=contact-name]").strip() == CONTACT_NAME
    assert _stat(page, "quarantine") == (f"{contact.quarantine_start:%Y-%m-%d} – {contact.quarantine_end:%Y-%m-%d}")
    today = date.today().isoformat()
    form = page.locator("#follow-up-form")
    form.locator("#id_follow_up-day").fill(today)
    form.locator("label[for=id_follow_up-status_2]").click()  # missed: no answer the first time
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    form = page.locator("#follow-up-form")
    form.locator("label[for=id_follow_up-status_0]").click()  # then seen, well
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    today_rows = page.locator(f"#follow-up-table tr[data-day='{today}']")
    assert today_rows.count() == 2, page.inner_text("main")[:800]  # both entries kept
    assert page.locator(f"#follow-up-table tr[data-day='{today}'][data-current=true]").count() == 1
    assert FollowUp.objects.filter(contact=contact, day=date.today()).count() == 2

    # --- text the self-report link
    with page.expect_navigation():
        page.click("#send-text button")
    message = sms.read_outbox()[-1]
    assert message["to"] == CONTACT_PHONE
    found = re.search(r"(http://\S+/tracing/r/[\w-]+/) 인증번호 (\d{6})", message["text"])
    assert found, message

    # --- the contact reports symptoms from their phone, no account
    phone = new_context(viewport={"width": 390, "height": 844}).new_page()
    phone.goto(found[1])
    assert phone.locator("a.account-link").count() == 0
    phone.fill("#id_code", "000000" if found[2] != "000000" else "111111")
    phone.locator("input[name=feeling][value=well] + label").click()
    with phone.expect_navigation():
        phone.click("main form button[type=submit]")
    assert phone.locator(".error-message").count() >= 1, "a wrong code is refused"
    phone.fill("#id_code", found[2])
    phone.locator("input[name=feeling][value=symptoms] + label").click()
    phone.fill("#id_symptoms", SYMPTOMS)
    with phone.expect_navigation():
        phone.click("main form button[type=submit]")
    assert phone.locator("[data-testid=done]").count() == 1, phone.inner_text("main")[:800]
    follow_up = FollowUp.objects.filter(contact=contact, day=date.today()).latest_per_day().get()
    assert (follow_up.status, follow_up.symptoms, follow_up.channel) == ("seen_symptoms", SYMPTOMS, "self_report")

    # --- the tracer's worklist flags the contact
    page.goto(f"{live_server.url}/tracing/")
    assert _stat(page, "flag-count") == "1"
    assert contact.reference in page.inner_text("#flagged")

    # --- the supervisor's indicators moved
    boss.reload()
    assert _stat(boss, "followed-up-n") == "1 / 1"
    assert _stat(boss, "followed-up") == "100.0%"
    assert _stat(boss, "traced-24h-n") == "1 / 1"
    backlog = boss.locator("#backlog-table tr[data-tracer='tracer.mangwon']")
    assert backlog.locator("td").nth(3).inner_text().strip() == "1"  # contacts under monitoring
    assert backlog.locator("td").nth(5).inner_text().strip() == "1"  # symptom reports

    # --- the contact tests positive: converted without retyping; the chain and the indicator grow
    page.goto(f"{live_server.url}/tracing/contacts/{contact.pk}/")  # the reason was stated this session
    form = page.locator("#convert-form")
    form.locator("#id_convert-confirmed_on").fill(today)
    form.locator("#id_convert-onset_on").fill(today)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.inner_text("[data-testid=case-name]").strip() == CONTACT_NAME
    boss.reload()
    assert _stat(boss, "from-list-n") == "1 / 2"
    boss.goto(f"{live_server.url}/tracing/outbreaks/{outbreak.pk}/chains/")
    assert f"{case.reference} → " in boss.inner_text("#chain-links")
    boss.locator("div.chart[data-chart=chart-chains] svg").first.wait_for(state="attached", timeout=10_000)
    assert boss.locator("div.chart[data-chart=chart-chains]").get_attribute("data-chart-state") == "ready"
    boss.locator("div.chart[data-chart=chart-districts] svg").first.wait_for(state="attached", timeout=10_000)
    assert boss.locator("div.chart[data-chart=chart-districts]").get_attribute("data-chart-state") == "ready"
    assert boss.locator(f"#district-table tr[data-district='{MAPO}']").count() == 1  # the map's figures as a table
    assert not problems, f"errors or CSP violations on the supervisor's pages: {problems}"
