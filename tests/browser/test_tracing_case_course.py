"""A case's whole course in the browser (issue #13): registered as suspected, isolated, confirmed
by its positive PCR, three contacts added; one reports a fever (an alert), one stays silent (the
call list); the case is released by the rule of its period (today's: seven days), which moves
the household contact's quarantine; then every contact is closed -- one became a case, one lost
to follow-up with what was tried, the household one completed by the nightly job.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from tests.browser.test_tracing_day import MAPO, _staff, _stat

REASON_DETAIL = "역학조사 2026-1203 마포 경과"


def _moment(day: date, hour: int) -> str:
    return datetime.combine(day, time(hour)).strftime("%Y-%m-%dT%H:%M")


def _send(page: Any, form: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").click()


def _open(page: Any, form: str) -> None:
    """Unfold the <details> a form sits in."""
    page.locator(form).evaluate("f => { const d = f.closest('details'); if (d) d.open = true; }")


@pytest.mark.browser
def test_a_case_from_suspicion_to_release_and_every_contact_closed(
    live_server: Any, reference_data: None, new_context: Any, sign_in: Any, settings: Any, tmp_path: Any
) -> None:
    from seoul.core.engine.time import SEOUL
    from seoul.tracing import actions
    from seoul.tracing.models import Case, Contact

    settings.SEOUL_TRACING_SMS_OUTBOX = tmp_path / "sms-outbox.jsonl"
    tracer = _staff("tracer.hapjeong", "Hapjeong-station-6-exits", "operator")
    _staff("super.mapo", "Hapjeong-bridge-4-ferries", "approver")
    outbreak = actions.open_outbreak(
        "마포구 가족 집단감염 (시험)", MAPO, name_en="Mapo-gu family cluster (test)", actor=None
    )
    today = datetime.now(SEOUL).date()
    onset = today - timedelta(days=9)

    page = new_context().new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    sign_in(page, tracer, next_path="/tracing/cases/new/")

    # --- registered as a suspected case: no confirmation date, the basis in words
    page.select_option("#id_outbreak", str(outbreak.pk))
    page.fill("#id_name", "윤의심")
    page.fill("#id_phone", "010-7300-0001")
    page.select_option("#id_district", str(MAPO))
    page.select_option("#id_classification", "suspected")
    page.fill("#id_confirmed_on", "")
    page.fill("#id_basis", "발열 38.2℃, 기침; 확진자의 직장 동료")
    page.fill("#id_onset_on", onset.isoformat())
    _send(page, "main form.form")
    page.locator("label[for=reason-investigation]").click()
    page.fill("#id_reason_detail", REASON_DETAIL)
    _send(page, "main form")
    case = next(c for c in Case.objects.select_related("person") if c.person.name == "윤의심")
    assert (case.classification, case.confirmed_on) == ("suspected", None)
    assert page.locator("[data-testid=release-unconfirmed]").count() == 1, page.inner_text("main")[:800]

    # --- isolated the evening of the onset
    page.fill("#id_isolation-isolated_at", _moment(onset, 20))
    _send(page, "#isolation-form")

    # --- the positive PCR confirms it by itself
    _open(page, "#lab-form")
    page.select_option("#id_lab-test", "pcr")
    page.select_option("#id_lab-specimen", "nasopharyngeal")
    page.fill("#id_lab-lab", "서울특별시 보건환경연구원")
    page.locator("input[name=lab-result][value=positive] + label").click()
    page.fill("#id_lab-collected_at", _moment(onset, 21))
    page.fill("#id_lab-resulted_at", _moment(onset + timedelta(days=1), 9))
    _send(page, "#lab-form")
    case.refresh_from_db()
    assert (case.classification, case.confirmed_on) == ("confirmed", onset + timedelta(days=1))
    assert page.locator("#classification-table tbody tr").count() == 2  # suspected, then confirmed by the PCR

    # --- three contacts from the interview: a colleague, a friend, the household
    for name, phone, setting in (
        ("최알림", "010-7300-0002", "workplace"),
        ("정침묵", "010-7300-0003", "other"),
        ("한집안", "010-7300-0004", "household"),
    ):
        _open(page, "#contact-form")
        page.fill("#id_contact-name", name)
        page.fill("#id_contact-phone", phone)
        page.select_option("#id_contact-district", str(MAPO))
        page.fill("#id_contact-on", onset.isoformat())
        page.fill("#id_contact-place", "자택" if setting == "household" else "사무실")
        page.select_option("#id_contact-setting", setting)
        page.fill("#id_contact-duration_minutes", "120")
        _send(page, "#contact-form")
    by_name = {c.person.name: c for c in Contact.objects.filter(source_case=case).select_related("person")}
    colleague, friend, household = (by_name[n] for n in ("최알림", "정침묵", "한집안"))
    assert household.continuous_exposure and not colleague.continuous_exposure

    # --- daily monitoring: the colleague reports a fever and a cough -> an alert
    page.goto(f"{live_server.url}/tracing/contacts/{colleague.pk}/")
    form = page.locator("#follow-up-form")
    form.locator("#id_follow_up-day").fill(today.isoformat())
    form.locator("input[name=follow_up-status][value=seen_symptoms] + label").click()
    form.locator("input[name=follow_up-symptom_list][value=cough] + label").click()
    form.locator("#id_follow_up-temperature").fill("38.4")
    _send(page, "#follow-up-form")
    assert page.locator("#follow-up-table .status-badge--alert").count() >= 1, page.inner_text("main")[:800]
    colleague.refresh_from_db()
    assert colleague.symptoms_flagged_at is not None

    # --- the worklist: the colleague flagged; the friend and the household silent -> the call list
    page.goto(f"{live_server.url}/tracing/")
    assert colleague.reference in page.inner_text("#flagged")
    call_list = page.inner_text("#call-list")
    assert friend.reference in call_list and colleague.reference not in call_list
    assert _stat(page, "release-count") == "1"

    # --- released by the rule of its period; the household's quarantine now runs from today
    page.goto(f"{live_server.url}/tracing/cases/{case.pk}/")
    _send(page, "#release-form")
    case.refresh_from_db()
    assert (case.status, case.released_on) == (Case.Status.RELEASED, today)
    household.refresh_from_db()
    assert household.last_exposure_on == today and household.quarantine_end == today + timedelta(days=14)

    # --- every contact closed: the colleague became a case, the friend lost with what was tried
    page.goto(f"{live_server.url}/tracing/contacts/{colleague.pk}/")
    _open(page, "#convert-form")
    page.fill("#id_convert-confirmed_on", today.isoformat())
    page.fill("#id_convert-onset_on", (today - timedelta(days=1)).isoformat())
    _send(page, "#convert-form")
    page.goto(f"{live_server.url}/tracing/contacts/{friend.pk}/")
    _open(page, "#close-form")
    page.locator("input[name=close-status][value=lost] + label").click()
    page.fill("#id_close-reason", "3일간 전화·문자 무응답, 자택 방문 시 부재")
    _send(page, "#close-form")
    assert actions.complete_finished_monitoring(household.quarantine_end + timedelta(days=1)) == 1
    statuses = {c.person.name: c.status for c in Contact.objects.filter(source_case=case)}
    assert statuses == {"최알림": "became_case", "정침묵": "lost", "한집안": "completed"}
    page.goto(f"{live_server.url}/tracing/contacts/{household.pk}/")
    assert page.locator("[data-testid=closed-on]").count() == 1
    assert not problems, problems
