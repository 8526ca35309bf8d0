"""A small business's life-cycle programme, end to end in the browser: the citizen (signed in by
simple authentication, the representative the guarantee service confirmed) builds their business
profile with consent, sees the programmes the business qualifies for with the reason for each
rule and why not for the others, and applies; the SBA programme officer scores the applicant by
the published criteria, selects by the ranking and records completion. One run with the citizen
in Korean at 390 px and the officer in English at 1366 px, one the other way round; axe-core on
every page on the way."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.people import new_staff
from tests.browser.test_guarantee import register, simple_sign_in, tick

OFFICER_PASSWORD = "Magok-district-R&D-9-labs"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def business_world(reference_data: None) -> Any:
    """The programmes; the citizen's business confirmed by a guarantee application (documents
    fetched from the stand-in); an SBA officer of the smart-store programme."""
    from seoul.business import actions
    from seoul.business import reference as business_reference
    from seoul.business.models import Programme
    from seoul.guarantee.adapters import clients
    from seoul.guarantee.tests import builders

    business_reference.load()
    docs = clients.standin("documents")
    docs.reset()
    register(docs, brn=builders.GOOD_BRN, industry="retail")  # the builders' business, a sole proprietor's
    citizen = builders.identify(None)
    builders.draft(citizen)
    officer = new_staff("sba.officer", OFFICER_PASSWORD, "SBA", "business", "operator")
    actions.set_officer(officer, Programme.objects.get(code="smart_store"), officer=True, actor=None)
    yield citizen, officer
    docs.reset()


def _fits(page: Any, width: int, where: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{where} scrolls sideways"


def _citizen(page: Any, base: str, axe: Any, *, lang: str, width: int) -> str:
    where = f"({lang}, {width} px)"
    simple_sign_in(page, base)
    page.goto(f"{base}/business/me/")
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(axe(page), f"my business support {where}")
    assert page.locator("input[name=brn]").count() == 1
    tick(page, "input[name=brn]")
    page.click("main form.card button[type=submit]")  # without consent: refused, said at the top
    assert page.locator(".error-summary, #id_consent_error").count() >= 1
    assert_accessible(axe(page), f"the profile form with an error {where}")
    tick(page, "#id_consent")
    with page.expect_navigation():
        page.click("main form.card button[type=submit]")
    assert page.locator("#stage").count() == 1
    _fits(page, width, f"the profile {where}")
    assert page.locator("#qualify #offer-smart_store").count() == 1
    assert page.locator("#qualify #offer-rent_support").count() == 0
    assert page.locator("#others #other-rent_support").count() == 1
    assert page.locator("#offer-smart_store .status-badge--success").count() == 4  # each rule met, with its reason
    assert_accessible(axe(page), f"the programmes the business qualifies for {where}")
    with page.expect_navigation():
        page.locator("#offer-smart_store a.button").click()
    assert_accessible(axe(page), f"apply {where}")
    page.fill("#id_note", "사진 촬영과 상세페이지가 어렵습니다.")
    tick(page, "#id_confirm")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    reference = page.locator("#reference strong").inner_text().strip()
    assert reference.startswith("SB-")
    _fits(page, width, f"the application {where}")
    assert_accessible(axe(page), f"the application {where}")
    page.goto(f"{base}/business/me/")
    assert reference in page.locator("#applications").inner_text()
    return reference


def _officer(
    page: Any, base: str, axe: Any, sign_in: Any, officer: Any, reference: str, *, lang: str, width: int
) -> None:
    from django.utils import timezone

    where = f"({lang}, {width} px)"
    sign_in(page, officer)
    page.goto(f"{base}/business/officer/")
    assert_accessible(axe(page), f"the officer's programmes {where}")
    with page.expect_navigation():
        page.locator("#programmes a[href$='/smart_store/']").click()
    row = page.locator(f"#applicants tr[data-reference='{reference}']")
    assert row.count() == 1
    assert_accessible(axe(page), f"the applicants {where}")
    _fits(page, width, f"the applicants {where}")
    with page.expect_navigation():
        row.get_by_role("link", name=reference).click()
    assert_accessible(axe(page), f"the reason form {where}")
    tick(page, "#reason-selection")
    page.fill("#id_reason_detail", "2026 스마트스토어 선정 심사")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("#score").count() == 1
    assert_accessible(axe(page), f"the applicant's file {where}")
    page.fill("#id_assessed_products", "50")
    with page.expect_navigation():
        page.click("main form.card button[type=submit]")
    assert page.locator("#total").inner_text().strip() == "80"  # 20 (sales 230 M won) + 10 (first programme) + 50
    page.goto(f"{base}/business/officer/smart_store/")
    with page.expect_navigation():
        page.click("main form.card button[type=submit]")  # select by the ranking
    assert page.locator("#selected-on").count() == 1
    assert page.locator(f"#applicants tr[data-reference='{reference}'] .status-badge--success").count() == 1
    with page.expect_navigation():
        page.get_by_role("link", name=reference).click()
    tick(page, "#id_completion-completed_0")
    page.fill("#id_completion-on", timezone.localdate().isoformat())
    with page.expect_navigation():
        page.click("main form.card button[type=submit]")
    assert page.locator("#state .status-badge--success").count() == 1
    assert page.locator("#history li").count() == 3
    assert_accessible(axe(page), f"the applicant after completion {where}")


@pytest.mark.browser
@pytest.mark.parametrize(
    ("citizen_lang", "officer_lang"),
    [("ko", "en"), ("en", "ko")],
    ids=["citizen-ko-phone-officer-en-desk", "citizen-en-desk-officer-ko-phone"],
)
def test_a_business_applies_and_an_officer_selects_and_records_completion(
    citizen_lang: str,
    officer_lang: str,
    live_server: Any,
    business_world: Any,
    new_context: Any,
    sign_in: Any,
    axe: Any,
) -> None:
    from seoul.business.models import ProgrammeApplication

    _citizen_user, officer = business_world
    base = live_server.url

    def context(lang: str) -> tuple[Any, int]:
        size = PHONE if lang == "ko" else DESK
        width = size["viewport"]["width"]
        locale = "ko-KR" if lang == "ko" else "en-US"
        return new_context(locale=locale, **size).new_page(), width

    page, width = context(citizen_lang)
    reference = _citizen(page, base, axe, lang=citizen_lang, width=width)
    staff, staff_width = context(officer_lang)
    _officer(staff, base, axe, sign_in, officer, reference, lang=officer_lang, width=staff_width)
    assert ProgrammeApplication.objects.get(reference=reference).state == "completed"
    page.goto(f"{base}/business/me/applications/{reference}/")
    assert page.locator("#state .status-badge--success").count() == 1
