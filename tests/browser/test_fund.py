"""The start-up policy fund end to end in the browser: a founder applies to a call with a pitch
deck (an error first, said at the top), fund staff screen the application to the committee's
meeting, one member declares a conflict of interest, the others score, a member records the
decision to invest with its terms and two tranches; the founder sends the first milestone's
evidence, staff verify it and pay the tranche, and the founder sees it paid. The founder at
390 px, staff and the committee at 1366 px; once with the founder in Korean and staff in
English, once the other way round; axe-core on every page on the way."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.people import new_staff
from tests.browser.test_guarantee import tick

STAFF_PASSWORD = "Yeouido-fund-desk-2026"
MEMBER_PASSWORD = "Cheonggye-stream-5-bridges"
FOUNDER_PASSWORD = "Seongsu-startup-loft-88"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1366, "height": 900}}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
WORDS = {
    "ko": {"invest": "투자 승인", "paid": "지급 완료"},
    "en": {"invest": "Investment approved", "paid": "Paid"},
}


@pytest.fixture
def fund_world(reference_data: None, tmp_path: Path, settings: Any) -> dict[str, Any]:
    """An open call; fund staff; a committee of seven, six of them at next week's meeting; a
    founder (a citizen with a password)."""
    from django.utils import timezone

    from seoul.core.models import User
    from seoul.fund import actions

    settings.SEOUL_FUND_DIR = tmp_path / "fund"
    today = timezone.localdate()
    call = actions.open_call(
        code="2026-post-corona",
        title_ko="2026 포스트코로나 스타트업 공모",
        title_en="2026 post-corona start-ups",
        sectors=["medical_bio", "untact_digital", "green"],
        stages=["seed", "early"],
        opens_on=today - timedelta(days=5),
        closes_on=today + timedelta(days=25),
        budget=5_000_000_000,
        actor=None,
    )
    staff = new_staff("fund.staff", STAFF_PASSWORD, "SEOULSHINBO", "fund", "operator")
    members = []
    for i in range(1, 8):
        member = new_staff(f"fund.member{i}", MEMBER_PASSWORD, "SEOULSHINBO", "fund", "approver")
        actions.set_member(member, active=True, actor=None)
        members.append(member)
    meeting = actions.set_meeting(today + timedelta(days=7), "제1차 투자심의위원회", members[:6], actor=staff)
    founder = User.objects.create_user(username="kim.founder", password=FOUNDER_PASSWORD, kind=User.Kind.CITIZEN)
    founder.test_password = FOUNDER_PASSWORD
    deck = tmp_path / "deck.pdf"
    deck.write_bytes(PDF)
    return {"call": call, "staff": staff, "members": members, "meeting": meeting, "founder": founder, "deck": deck}


def _fits(page: Any, width: int, where: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{where} scrolls sideways"


def _submit(page: Any, selector: str = "main form button[type=submit]") -> None:
    with page.expect_navigation():
        page.locator(selector).click()


def _reason(page: Any, purpose: str, axe: Any, where: str) -> None:
    assert_accessible(axe(page), f"the reason form {where}")
    tick(page, f"#reason-{purpose}")
    page.fill("#id_reason_detail", "2026년 제1차 공모 심사")
    _submit(page)


def _apply(page: Any, base: str, axe: Any, world: dict[str, Any], *, lang: str) -> str:
    where = f"({lang}, 390 px)"
    page.goto(f"{base}/fund/")
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(axe(page), f"the fund's calls {where}")
    _fits(page, 390, f"the calls {where}")
    with page.expect_navigation():
        page.locator("#calls a").first.click()
    assert page.locator("#eligibility li").count() >= 4  # who may apply, before the form
    assert_accessible(axe(page), f"the call {where}")
    _fits(page, 390, f"the call {where}")
    with page.expect_navigation():
        page.click("#apply")
    assert_accessible(axe(page), f"the application form {where}")
    page.fill("#id_startup_name", "메디브릿지")
    page.fill("#id_brn", "220-81-62518")  # a typing error in the last digit
    tick(page, "#id_sector_0")
    tick(page, "#id_stage_0")
    tick(page, "#id_instrument_0")
    page.fill("#id_amount", "300000000")
    page.fill("#id_summary", "원격 진료 플랫폼입니다. 투자금은 임상과 채용에 씁니다.")
    page.fill("#id_team_1_name", "김창업")
    page.fill("#id_team_1_role", "대표이사")
    page.fill("#id_team_2_name", "이개발")
    page.fill("#id_team_2_role", "CTO")
    page.fill("#id_revenue_12m", "120000000")
    page.fill("#id_employees", "6")
    page.fill("#id_users", "3500")
    page.fill("#id_follow_on", "0")
    page.set_input_files("#id_deck", str(world["deck"]))
    tick(page, "#id_confirm")
    _submit(page)
    summary = page.locator(".error-summary")
    assert summary.count() == 1 and summary.locator("a[href='#id_brn']").count() == 1
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.input_value("#id_startup_name") == "메디브릿지"  # nothing already given is lost
    assert_accessible(axe(page), f"the application form with an error {where}")
    _fits(page, 390, f"the application form with an error {where}")
    page.fill("#id_brn", "220-81-62517")
    page.set_input_files("#id_deck", str(world["deck"]))  # a browser never keeps a chosen file
    _submit(page)
    reference = page.locator("#reference strong").inner_text().strip()
    assert reference.startswith("FD-")
    assert page.locator("#state .status-badge").count() == 1
    assert_accessible(axe(page), f"the application sent {where}")
    _fits(page, 390, f"the application sent {where}")
    page.goto(f"{base}/fund/me/")
    assert reference in page.locator("#applications").inner_text()
    assert_accessible(axe(page), f"my fund applications {where}")
    _fits(page, 390, f"my fund applications {where}")
    return reference


def _screen(page: Any, base: str, axe: Any, world: dict[str, Any], reference: str, *, lang: str) -> None:
    where = f"({lang}, 1366 px)"
    page.goto(f"{base}/fund/staff/")
    assert_accessible(axe(page), f"the fund worklist {where}")
    with page.expect_navigation():
        page.locator(f"#to-screen tr[data-reference='{reference}'] a").click()
    _reason(page, "screening", axe, where)
    assert page.locator("#team li").count() == 2
    assert_accessible(axe(page), f"the screening page {where}")
    for check in ("seoul_based", "sector_fit", "deck_complete", "good_standing"):
        tick(page, f"#id_check_{check}")
    tick(page, "#id_outcome_1")  # take to the committee
    page.select_option("#id_meeting", str(world["meeting"].pk))
    _submit(page)
    assert page.locator("#state .status-badge--warning").count() == 1  # with the committee
    page.goto(f"{base}/fund/staff/meetings/{world['meeting'].pk}/")
    assert page.locator(f"#agenda tr[data-reference='{reference}']").count() == 1
    assert_accessible(axe(page), f"the meeting {where}")


def _conflicted(page: Any, base: str, axe: Any, reference: str, *, lang: str) -> None:
    where = f"({lang}, 1366 px, a conflicted member)"
    page.goto(f"{base}/fund/staff/committee/{reference}/")
    _reason(page, "committee", axe, where)
    assert_accessible(axe(page), f"the committee page {where}")
    tick(page, "#id_declare-conflicted_1")
    page.fill("#id_declare-reason", "창업자와 공동 연구를 하고 있습니다")
    _submit(page, "main form:has(input[value=declare]) button[type=submit]")
    assert page.locator("#my-declaration .status-badge--warning").count() == 1
    assert page.locator("input[name='score-points_team']").count() == 0  # a conflicted member does not score
    assert_accessible(axe(page), f"the committee page after a conflict {where}")


def _decide(page: Any, base: str, axe: Any, reference: str, *, lang: str) -> None:
    from django.utils import timezone

    where = f"({lang}, 1366 px, the member who records the decision)"
    page.goto(f"{base}/fund/staff/committee/{reference}/")
    _reason(page, "committee", axe, where)
    tick(page, "#id_declare-conflicted_0")
    _submit(page, "main form:has(input[value=declare]) button[type=submit]")
    for code, points in (("team", "9"), ("market", "8"), ("technology", "8"), ("traction", "7"), ("policy_fit", "9")):
        page.fill(f"#id_score-points_{code}", points)
    _submit(page, "main form:has(input[value=score]) button[type=submit]")
    assert page.locator("#quorum-state .status-badge--success").count() == 1  # 6 present, 1 conflicted: 5 of 5
    assert page.locator("#waiting").count() == 0
    assert_accessible(axe(page), f"the committee page, scored {where}")
    today = timezone.localdate()
    tick(page, "#id_decide-outcome_0")  # invest
    page.select_option("#id_decide-instrument", "equity")
    page.fill("#id_decide-amount", "300000000")
    page.fill("#id_decide-equity_percent", "10")
    page.fill("#id_decide-tranche_1_amount", "150000000")
    page.fill("#id_decide-tranche_1_milestone", "임상 1상 승인")
    page.fill("#id_decide-tranche_1_due_on", (today + timedelta(days=30)).isoformat())
    page.fill("#id_decide-tranche_2_amount", "150000000")
    page.fill("#id_decide-tranche_2_milestone", "첫 병원 공급 계약")
    page.fill("#id_decide-tranche_2_due_on", (today + timedelta(days=180)).isoformat())
    page.fill("#id_decide-reason", "원격 진료 수요에 부합하고 팀이 우수합니다.")
    _submit(page, "main form:has(input[value=decide]) button[type=submit]")
    assert page.locator("#state .status-badge--success").count() == 1
    assert page.locator("#decision").count() == 1
    assert_accessible(axe(page), f"the committee page, decided {where}")


def _pay(page: Any, base: str, axe: Any, reference: str, *, lang: str) -> None:
    where = f"({lang}, 1366 px)"
    page.goto(f"{base}/fund/staff/")
    with page.expect_navigation():
        page.locator("#to-verify a").first.click()
    assert page.locator("#id_reason_detail").count() == 0  # the reason stated at screening holds for the session
    assert_accessible(axe(page), f"the investee {where}")
    assert page.locator("#verify-1 a[href$='/tranches/1/evidence.pdf']").count() == 1  # the start-up's file
    tick(page, "#id_verify-accepted_0")
    _submit(page, "#verify-1 button[type=submit]")
    assert page.locator("#pay-1").count() == 1
    _submit(page, "#pay-1 button[type=submit]")  # paid today (the date is filled in)
    assert page.locator("#tranches tr[data-number='1'] .status-badge--success").count() == 1
    assert page.locator("#pay-1").count() == 0  # never twice
    assert_accessible(axe(page), f"the investee after payment {where}")
    _fits(page, 1366, f"the investee {where}")


@pytest.mark.browser
@pytest.mark.parametrize(("founder_lang", "staff_lang"), [("ko", "en"), ("en", "ko")], ids=["founder-ko", "founder-en"])
def test_a_start_up_applies_the_committee_decides_and_a_tranche_is_paid(
    founder_lang: str,
    staff_lang: str,
    live_server: Any,
    fund_world: dict[str, Any],
    new_context: Any,
    sign_in: Any,
    axe: Any,
) -> None:
    from seoul.fund import actions
    from seoul.fund.models import Application, Tranche

    base = live_server.url
    locale = {"ko": "ko-KR", "en": "en-US"}
    founder = new_context(locale=locale[founder_lang], **PHONE).new_page()
    sign_in(founder, fund_world["founder"])
    reference = _apply(founder, base, axe, fund_world, lang=founder_lang)

    staff = new_context(locale=locale[staff_lang], **DESK).new_page()
    sign_in(staff, fund_world["staff"])
    _screen(staff, base, axe, fund_world, reference, lang=staff_lang)

    members = fund_world["members"]
    conflicted = new_context(locale=locale[staff_lang], **DESK).new_page()
    sign_in(conflicted, members[5])
    _conflicted(conflicted, base, axe, reference, lang=staff_lang)
    app = Application.objects.get(reference=reference)
    for m in members[1:5]:  # four more members score outside the browser
        actions.declare(app, conflicted=False, actor=m)
        actions.score(app, {"team": 8, "market": 7, "technology": 8, "traction": 7, "policy_fit": 8}, actor=m)
    chair = new_context(locale=locale[staff_lang], **DESK).new_page()
    sign_in(chair, members[0])
    _decide(chair, base, axe, reference, lang=staff_lang)

    founder.goto(f"{base}/fund/me/{reference}/")
    assert WORDS[founder_lang]["invest"] in founder.locator("#state").inner_text()
    assert founder.locator("#tranches tbody tr").count() == 2
    founder.fill("#id_evidence-evidence", "식약처 임상 1상 승인서를 첨부합니다.")
    founder.set_input_files("#id_evidence-evidence_file", str(fund_world["deck"]))  # any PDF will do
    _submit(founder, "main form:has(input[value=evidence]) button[type=submit]")
    assert founder.locator("#tranches tr[data-number='1'] .status-badge--warning").count() == 1
    assert founder.locator("#tranches tr[data-number='1'] [data-testid=evidence-file]").count() == 1
    assert_accessible(axe(founder), f"the evidence sent ({founder_lang}, 390 px)")
    _fits(founder, 390, f"the investee's own page ({founder_lang})")

    _pay(staff, base, axe, reference, lang=staff_lang)
    assert Tranche.objects.get(application__reference=reference, number=1).state == "paid"

    founder.reload()
    row = founder.locator("#tranches tr[data-number='1']")
    assert row.locator(".status-badge--success").count() == 1
    assert WORDS[founder_lang]["paid"] in row.inner_text()
    assert_accessible(axe(founder), f"the tranche paid ({founder_lang}, 390 px)")
