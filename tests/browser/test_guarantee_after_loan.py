"""The guarantee after the loan, in the browser at phone width, in Korean and in English (issue 18):
the bank declares a guaranteed loan in default; the foundation's approver reviews it and pays the
bank the guaranteed share (the bank stand-in confirms by its signed webhook); an examiner agrees
a recovery plan with the business and records its first payment; the owner sees what they owe
and pays the next instalment online (the payment gateway stand-in's page);
the business, now in the restart stage, completes a restart programme with the SBA; and the
owner applies for the restart guarantee (재도전), which the platform now offers it.

The loan itself is made by the guarantee's test builders through the real actions and the bank
stand-in (the journey to a loan has its own browser tests); the bank's webhooks are captured and
delivered in order by the test, since the live server's in-memory SQLite refuses two writers at
once."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.people import new_staff
from tests.browser.test_guarantee import apply, send, simple_sign_in, tick

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
APPROVER_PASSWORD = "Seoulshinbo-chief-8-seals"
OFFICER_PASSWORD = "Magok-restart-2-coaches"


def _wait(predicate: Any, seconds: float = 5.0) -> None:
    end = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.fixture
def defaulted(reference_data: None) -> Any:
    """A 10,000,000 won loan of 김서울's business (100 % guaranteed), 1,000,000 repaid, declared
    in default by the bank; the foundation's approver; an SBA officer of the restart programme."""
    from seoul.business import actions as business_actions
    from seoul.business import reference as business_reference
    from seoul.business.models import Programme
    from seoul.guarantee import actions
    from seoul.guarantee.adapters import clients, standins
    from seoul.guarantee.tests import builders

    business_reference.load()
    gateway = clients.standin("payments")  # the owner pays the claim online: its result comes back
    gateway.reset()  # with the browser, its webhooks held (the live server's SQLite takes one writer)
    gateway.webhook_hold = True
    docs = clients.standin("documents")
    docs.reset()
    bank = clients.standin("bank")
    captured: list[tuple[str, bytes, dict[str, str]]] = []
    bank.sent.clear()
    bank.mode, bank.answer_after = "accept", 0.05
    bank.deliver = lambda url, body, headers: captured.append((url, body, headers))

    def deliver() -> list[str]:
        out = [actions.receive_webhook(body, signature=h["X-Bank-Signature"]) for _u, body, h in captured]
        captured.clear()
        return out

    citizen = builders.identify(None)
    cert = builders.certificate(citizen, docs)  # sent to the bank when the fee's webhook commits
    assert actions.send_certificate(cert, builders.CALLBACK) in ("sent", "already")
    _wait(lambda: len(captured) == 2)
    assert deliver() == ["accepted", "loan_recorded"]
    payout = next(e for e in bank.sent if e["type"] == "loan.executed")
    bank.report(builders.CALLBACK, payout, "repaid", principal=1_000_000, interest=20_000)
    bank.report(builders.CALLBACK, payout, "arrears", days_overdue=95)
    bank.report(builders.CALLBACK, payout, "defaulted")
    assert deliver() == ["applied"] * 3
    approver = new_staff("approver.choi", APPROVER_PASSWORD, "SEOULSHINBO", "guarantee", "approver")
    officer = new_staff("sba.restart", OFFICER_PASSWORD, "SBA", "business", "operator")
    business_actions.set_officer(officer, Programme.objects.get(code="restart_education"), officer=True, actor=None)
    yield cert.application.reference, approver, officer, deliver, captured, builders.GOOD_BRN
    bank.deliver = standins._post
    docs.reset()
    gateway.reset()


def _page(new_context: Any, base: str, lang: str) -> Any:
    ctx = new_context(locale="ko-KR" if lang == "ko" else "en-US", **PHONE)
    ctx.add_cookies([{"name": "django_language", "value": lang, "url": base}])
    return ctx.new_page()


def _fits(page: Any, where: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{where} scrolls sideways"


def _check(page: Any, axe: Any, lang: str, where: str) -> None:
    assert page.get_attribute("html", "lang") == lang
    _fits(page, where)
    assert_accessible(axe(page), f"{where} ({lang})")


def _submit(page: Any, form: str) -> None:
    with page.expect_navigation():
        page.click(f"main form:has(input[name=form][value={form}]) button[type=submit]")


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_default_is_paid_recovered_by_plan_and_the_owner_restarts(
    lang: str, live_server: Any, defaulted: Any, new_context: Any, sign_in: Any, axe: Any
) -> None:
    from django.utils import timezone

    from seoul.guarantee.models import Application, Claim

    ref, approver, officer, deliver, captured, number = defaulted
    base = live_server.url

    # -- the foundation's approver: the defaults worklist, the file behind a reason, the decision
    staff = _page(new_context, base, lang)
    sign_in(staff, approver)
    staff.goto(f"{base}/guarantee/defaults/")
    row = staff.locator(f"#defaults tr[data-reference='{ref}']")
    assert row.count() == 1 and row.locator("td[data-sort='9000000']").count() == 1  # 100 % of what is owed
    _check(staff, axe, lang, "the defaults worklist")
    with staff.expect_navigation():
        row.get_by_role("link", name=ref).click()
    tick(staff, "#reason-examination")
    staff.fill("#id_reason_detail", "대위변제 심사" if lang == "ko" else "reviewing the default")
    with staff.expect_navigation():
        staff.click("main form button[type=submit]")
    assert staff.get_attribute("[data-testid=review-status]", "data-status") == "to_review"
    _check(staff, axe, lang, "the default to review")
    tick(staff, "#id_decide-decision_0")
    _submit(staff, "decide")  # no reason given: refused, said at the top
    assert staff.locator(".error-summary").count() == 1
    _check(staff, axe, lang, "the decision with an error")
    staff.fill("#id_decide-note", "95일 연체, 보증 조건 위반 없음" if lang == "ko" else "95 days overdue, no breach")
    _submit(staff, "decide")
    assert staff.get_attribute("[data-testid=review-status]", "data-status") == "approved"
    _wait(lambda: len(captured) == 1)  # the bank confirms it received the payment
    assert json.loads(captured[0][1])["type"] == "loan.subrogated"
    assert deliver() == ["applied"]
    staff.reload()
    assert staff.get_attribute("[data-testid=review-status]", "data-status") == "paid"
    assert staff.get_attribute("[data-testid=claim-status]", "data-status") == "open"
    # -- the recovery plan agreed with the business, and its first payment
    first = timezone.localdate() + timezone.timedelta(days=10)
    staff.fill("#id_plan-months", "36")
    staff.fill("#id_plan-first_due", first.isoformat())
    _submit(staff, "plan")
    assert staff.locator("[data-testid=plan-summary]").count() == 1
    assert staff.get_attribute("[data-testid=plan-summary]", "data-each") == "250000"  # 9,000,000 over 36 months
    staff.fill("#id_recover-amount", "9000001")  # more than is owed: refused, nothing changes
    staff.fill("#id_recover-on", timezone.localdate().isoformat())
    _submit(staff, "recover")
    assert staff.locator(".error-summary").count() == 1
    assert staff.get_attribute("[data-testid=recovered]", "data-won") == "0"
    staff.fill("#id_recover-amount", "250000")
    _submit(staff, "recover")
    assert staff.get_attribute("[data-testid=remaining]", "data-won") == "8750000"
    _check(staff, axe, lang, "the claim with its plan")
    claim = Claim.objects.get(loan__certificate__application__reference=ref)
    assert (claim.recovered, claim.remaining) == (250_000, 8_750_000)

    # -- the owner: what they owe the foundation, then the restart programme
    owner = _page(new_context, base, lang)
    simple_sign_in(owner, base)
    owner.goto(f"{base}/guarantee/apply/{ref}/")
    assert owner.get_attribute("[data-testid=claim-remaining]", "data-won") == "8750000"
    assert owner.locator("[data-testid=claim-plan]").count() == 1
    assert owner.get_attribute("[data-testid=claim-pay]", "data-won") == "250000"  # the next instalment
    _check(owner, axe, lang, "what the owner owes")
    owner.click("[data-testid=claim-pay]")  # paid online on the gateway's page
    owner.wait_for_url("**/checkout/**")
    owner.click("main button[value=pay]")
    owner.wait_for_url(f"**/apply/{ref}/**")
    assert owner.get_attribute("[data-testid=claim-remaining]", "data-won") == "8500000"
    _check(owner, axe, lang, "the claim paid online")
    owner.goto(f"{base}/business/me/")
    tick(owner, "input[name=brn]")
    tick(owner, "#id_consent")
    with owner.expect_navigation():
        owner.click("main form.card button[type=submit]")
    assert owner.locator("#stage").count() == 1
    assert owner.locator("#qualify #offer-restart_education").count() == 1  # a default: the restart stage
    _check(owner, axe, lang, "the restart programmes")
    with owner.expect_navigation():
        owner.locator("#offer-restart_education a.button").click()
    owner.fill("#id_note", "업종 전환을 준비합니다." if lang == "ko" else "I am preparing a change of trade.")
    tick(owner, "#id_confirm")
    with owner.expect_navigation():
        owner.click("main form button[type=submit]")
    programme_ref = owner.locator("#reference strong").inner_text().strip()

    # -- the SBA officer scores, selects and records completion
    sba = _page(new_context, base, lang)
    sign_in(sba, officer)
    sba.goto(f"{base}/business/officer/restart_education/")
    with sba.expect_navigation():
        sba.get_by_role("link", name=programme_ref).click()
    tick(sba, "#reason-selection")
    sba.fill("#id_reason_detail", "재도전 교육 선정" if lang == "ko" else "restart programme selection")
    with sba.expect_navigation():
        sba.click("main form button[type=submit]")
    sba.fill("#id_assessed_plan", "70")
    with sba.expect_navigation():
        sba.click("main form.card button[type=submit]")
    sba.goto(f"{base}/business/officer/restart_education/")
    with sba.expect_navigation():
        sba.click("main form.card button[type=submit]")  # select by the ranking
    with sba.expect_navigation():
        sba.get_by_role("link", name=programme_ref).click()
    tick(sba, "#id_completion-completed_0")
    sba.fill("#id_completion-on", timezone.localdate().isoformat())
    with sba.expect_navigation():
        sba.click("main form.card button[type=submit]")
    assert sba.locator("#state .status-badge--success").count() == 1
    _check(sba, axe, lang, "the restart programme completed")

    # -- the owner applies for the restart guarantee, which is now open to the business
    owner.goto(f"{base}/guarantee/apply/")
    new_ref = apply(owner, brn=f"{number[:3]}-{number[3:5]}-{number[5:]}", product="rechallenge", amount="1000")
    _check(owner, axe, lang, "check your answers for the restart guarantee")
    send(owner)
    restarted = Application.objects.get(reference=new_ref)
    assert restarted.product == "rechallenge" and restarted.state in ("approved", "referred"), restarted.screening
    assert not restarted.screening.get("reasons")
    _check(owner, axe, lang, "the restart guarantee sent")
