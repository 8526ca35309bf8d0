"""The start-up fund's staff pages on a phone (390 px), in Korean and in English: a fund
administrator goes from the worklist to the calls, publishes a new call (a mistake first, said
at the top and on its field), adds a member to the investment committee with a seat, and
verifies a tranche's milestone attaching the evidence as a PDF, which is then listed with its
SHA-256. Axe-core on every page on the way; nothing wider than the screen."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.people import new_staff
from tests.browser.test_guarantee import tick

ADMIN_PASSWORD = "Euljiro-fund-office-2027"
MEMBER_PASSWORD = "Cheonggye-stream-5-bridges"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
EVIDENCE = b"%PDF-1.4\n% IND approval\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def staff_world(reference_data: None, tmp_path: Path, settings: Any) -> dict[str, Any]:
    """A fund administrator; a committee of five and an approver not on it yet; an investee whose
    first tranche's evidence waits for staff."""
    import io

    from django.utils import timezone

    from seoul.core.models import User
    from seoul.fund import actions
    from seoul.fund.engine.terms import Terms

    settings.SEOUL_FUND_DIR = tmp_path / "fund"
    today = timezone.localdate()
    admin = new_staff("fund.admin", ADMIN_PASSWORD, "SEOULSHINBO", "fund", "admin")
    members = []
    for i in range(1, 6):
        member = new_staff(f"fund.member{i}", MEMBER_PASSWORD, "SEOULSHINBO", "fund", "approver")
        actions.set_member(member, active=True, seat="위원", actor=None)
        members.append(member)
    approver = new_staff("fund.newcomer", MEMBER_PASSWORD, "SEOULSHINBO", "fund", "approver", display_name="최심사")
    call = actions.open_call(
        code="2026-post-corona",
        title_ko="2026 포스트코로나 스타트업 공모",
        title_en="2026 post-corona start-ups",
        sectors=["medical_bio"],
        stages=["seed"],
        opens_on=today - timedelta(days=5),
        closes_on=today + timedelta(days=25),
        budget=5_000_000_000,
        actor=None,
    )
    founder = User.objects.create_user(username="kim.founder", password="Seongsu-loft-88", kind=User.Kind.CITIZEN)
    deck = b"%PDF-1.4\n%%EOF\n"
    proposal = actions.Proposal(
        startup_name="메디브릿지",
        brn="220-81-62517",
        sector="medical_bio",
        stage="seed",
        amount=300_000_000,
        instrument="equity",
        summary="원격 진료 플랫폼",
        team=[("김창업", "대표이사")],
    )
    app = actions.apply(call, proposal, io.BytesIO(deck), len(deck), actor=founder)
    meeting = actions.set_meeting(today + timedelta(days=7), "제1차 투자심의위원회", members, actor=admin)
    checks = dict.fromkeys(("seoul_based", "sector_fit", "deck_complete", "good_standing"), True)
    actions.screen(app, checks=checks, outcome="committee", meeting=meeting, actor=admin)
    for m in members:
        actions.declare(app, conflicted=False, actor=m)
        actions.score(app, {"team": 8, "market": 8, "technology": 8, "traction": 8, "policy_fit": 8}, actor=m)
    actions.decide(
        app,
        outcome="invest",
        terms=Terms("equity", 300_000_000, equity_percent=10),
        tranches=[
            actions.PlannedTranche(150_000_000, "임상 1상 승인", today + timedelta(days=30)),
            actions.PlannedTranche(150_000_000, "첫 공급 계약", today + timedelta(days=120)),
        ],
        reason="",
        actor=members[0],
    )
    actions.send_evidence(app.tranches.get(number=1), "식약처 승인서를 보냈습니다.", actor=founder)
    evidence = tmp_path / "ind-approval.pdf"
    evidence.write_bytes(EVIDENCE)
    return {"admin": admin, "approver": approver, "reference": app.reference, "evidence": evidence}


def _fits(page: Any, where: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{where} scrolls sideways"


def _checked(page: Any, axe: Any, where: str) -> None:
    assert_accessible(axe(page), where)
    _fits(page, where)


def _submit(page: Any, selector: str = "main form.form button[type=submit]") -> None:
    with page.expect_navigation():
        page.locator(selector).click()


def _publish_a_call(page: Any, base: str, axe: Any, where: str) -> None:
    from django.utils import timezone

    page.goto(f"{base}/fund/staff/")
    _checked(page, axe, f"the fund worklist {where}")
    with page.expect_navigation():
        page.locator("#calls-now a").click()
    assert page.locator("#staff-calls tr[data-code='2026-post-corona']").count() == 1
    _checked(page, axe, f"the calls {where}")
    with page.expect_navigation():
        page.click("#new-call")
    _checked(page, axe, f"the new call form {where}")
    today = timezone.localdate()
    page.fill("#id_code", "2027-green")
    page.fill("#id_title_ko", "2027 그린 스타트업 공모")
    page.fill("#id_title_en", "2027 green start-ups")
    tick(page, "#id_sectors_2")  # green
    tick(page, "#id_stages_0")  # seed
    assert page.locator("input[name=instruments]:checked").count() == 3  # every instrument to start with
    page.locator("label[for='id_instruments_1']").click()  # not the convertible note
    assert not page.locator("#id_instruments_1").is_checked()
    page.fill("#id_budget", "2000000000")
    page.fill("#id_opens_on", (today + timedelta(days=10)).isoformat())
    page.fill("#id_closes_on", (today + timedelta(days=5)).isoformat())  # before it opens
    page.fill("#id_summary_ko", "탄소 감축 기술을 가진 초기 기업을 찾습니다.")
    _submit(page)
    summary = page.locator(".error-summary")
    assert summary.count() == 1 and summary.locator("a[href='#id_closes_on']").count() == 1
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.input_value("#id_title_en") == "2027 green start-ups"  # nothing typed is lost
    _checked(page, axe, f"the new call form with an error {where}")
    page.fill("#id_closes_on", (today + timedelta(days=40)).isoformat())
    _submit(page)
    assert page.locator("#call-state .status-badge--info").count() == 1  # opens later
    assert page.locator("#change-call").count() == 1 and page.locator("#close-call").count() == 1
    _checked(page, axe, f"the new call's page {where}")


def _add_a_member(page: Any, base: str, axe: Any, world: dict[str, Any], where: str) -> None:
    page.goto(f"{base}/fund/staff/members/")
    assert page.locator("#members tbody tr").count() == 5
    _checked(page, axe, f"the committee's members {where}")
    page.select_option("#id_add-user", str(world["approver"].pk))
    page.fill("#id_add-seat", "외부 전문위원 (회계)")
    _submit(page, "#add-member button[type=submit]")
    row = page.locator("#members tr[data-username='fund.newcomer']")
    assert row.count() == 1 and "외부 전문위원 (회계)" in row.inner_text()
    assert row.locator(".status-badge--success").count() == 1
    _checked(page, axe, f"the committee's members after adding one {where}")


def _attach_evidence(page: Any, base: str, axe: Any, world: dict[str, Any], where: str) -> None:
    page.goto(f"{base}/fund/staff/investees/{world['reference']}/")
    _checked(page, axe, f"the reason form {where}")
    tick(page, "#reason-monitoring")
    page.fill("#id_reason_detail", "1차 트랜치 마일스톤 확인")
    _submit(page, "main form button[type=submit]")
    _checked(page, axe, f"the investee {where}")
    tick(page, "#id_verify-accepted_0")
    page.set_input_files("#id_verify-evidence_file", str(world["evidence"]))
    _submit(page, "#verify-1 button[type=submit]")
    item = page.locator("#evidence-files li[data-number='1']")
    assert item.count() == 1 and hashlib.sha256(EVIDENCE).hexdigest() in item.inner_text()
    assert page.locator("#pay-1").count() == 1  # verified: now it may be paid
    _checked(page, axe, f"the investee with the evidence file {where}")


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_fund_staff_publish_a_call_add_a_member_and_attach_evidence_on_a_phone(
    lang: str, live_server: Any, staff_world: dict[str, Any], new_context: Any, sign_in: Any, axe: Any
) -> None:
    from seoul.fund.models import Call, CommitteeMember, Tranche

    base = live_server.url
    where = f"({lang}, 390 px)"
    page = new_context(locale={"ko": "ko-KR", "en": "en-US"}[lang], **PHONE).new_page()
    sign_in(page, staff_world["admin"])
    assert page.locator("html").get_attribute("lang") == lang
    _publish_a_call(page, base, axe, where)
    made = Call.objects.get(code="2027-green")
    assert made.sectors == ["green"] and made.instruments == ["equity", "loan"]
    _add_a_member(page, base, axe, staff_world, where)
    assert CommitteeMember.objects.get(user=staff_world["approver"]).seat == "외부 전문위원 (회계)"
    _attach_evidence(page, base, axe, staff_world, where)
    first = Tranche.objects.get(application__reference=staff_world["reference"], number=1)
    assert first.state == "verified" and first.evidence_sha256 == hashlib.sha256(EVIDENCE).hexdigest()
