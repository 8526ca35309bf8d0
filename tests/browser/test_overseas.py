"""Overseas online sales, end to end in the browser: a shop owner (a citizen) reads who may apply
and applies with a product (a wrong business number refused first, with the reason on the field);
the SBA programme officer states a reason, scores and selects the shop; the shop fills its Amazon
listing, fixes the title the page says is too long and sends it for review; it claims a shipping
subsidy with a receipt, and the same receipt a second time is refused with the reason and changes
nothing; the officer approves the claim and the cap left drops. The shop on a phone (390 px), the
officer at a desk (1366 px); one run with the shop in Korean and the officer in English, one the
other way round; axe-core on every page on the way."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.people import new_staff
from tests.browser.test_guarantee import tick

OFFICER_PASSWORD = "Magok-district-export-7-docks"
SHOP_PASSWORD = "Hanji-lamp-warm-light-42"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1366, "height": 900}}
RECEIPT = b"%PDF-1.4\n% EMS receipt EG123456789KR 48,000 won\n%%EOF\n"

# What the pages say, in each language (the Korean comes from /tmp/overseas_ko.json once merged).
SAYS = {
    "en": {"already": "already claimed", "brn": "not valid", "too_long": "At most 200 characters (now 230)"},
    "ko": {
        "already": "이미 청구",
        "brn": "올바른 사업자등록번호가 아닙니다",
        "too_long": "최대 200자까지 입력할 수 있습니다(현재 230자)",
    },
}


@pytest.fixture
def overseas_world(reference_data: None) -> Any:
    """The programme's round (taking applications today), a shop owner, an SBA officer."""
    from django.utils import timezone

    from seoul.core.models import User
    from seoul.overseas import reference as overseas_reference
    from seoul.overseas.models import Round

    overseas_reference.load()
    today = timezone.localdate()
    Round.objects.update(intake_opens=today - timedelta(days=1), intake_closes=today + timedelta(days=30))
    shop = User.objects.create_user(username="hangang.craft", password=SHOP_PASSWORD, kind=User.Kind.CITIZEN)
    shop.test_password = SHOP_PASSWORD
    officer = new_staff("sba.overseas", OFFICER_PASSWORD, "SBA", "overseas", "approver")
    return shop, officer


def _fits(page: Any, width: int, where: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{where} scrolls sideways"


def _check(page: Any, axe: Any, width: int, where: str) -> None:
    assert_accessible(axe(page), where)
    _fits(page, width, where)


def _submit(page: Any, selector: str = "main form button[type=submit]") -> None:
    with page.expect_navigation():
        page.click(selector)


def _apply(page: Any, base: str, axe: Any, *, lang: str, width: int) -> str:
    where = f"({lang}, {width} px)"
    page.goto(f"{base}/overseas/")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("#eligibility li").count() == 3  # who may apply, before anything else
    _check(page, axe, width, f"the programme page {where}")
    with page.expect_navigation():
        page.locator("main a.button[href$='/overseas/apply/']").click()
    _check(page, axe, width, f"apply {where}")
    page.fill("#id_business_name", "한강공방")
    page.fill("#id_brn", "220-81-62518")  # a wrong check digit
    tick(page, "input[name=marketplaces][value=amazon]")
    tick(page, "input[name=countries][value=US]")
    page.fill("#id_name", "한지 조명")
    page.fill("#id_description", "손으로 만든 한지 조명입니다.")
    page.select_option("#id_category", "craft")
    page.fill("#id_price_won", "45000")
    page.fill("#id_weight_g", "800")
    page.fill("#id_hs_code", "9405.49")
    tick(page, "#id_confirm")
    _submit(page)
    summary = page.locator(".error-summary")
    assert summary.count() == 1 and SAYS[lang]["brn"] in summary.inner_text()
    assert summary.locator("a[href='#id_brn']").count() == 1
    _check(page, axe, width, f"apply with an error {where}")
    page.fill("#id_brn", "220-81-62517")
    if not page.locator("#id_confirm").is_checked():
        tick(page, "#id_confirm")
    _submit(page)
    reference = page.locator("#reference strong").inner_text().strip()
    assert reference.startswith("OS-")
    _check(page, axe, width, f"my application {where}")
    return reference


def _select(page: Any, base: str, axe: Any, reference: str, *, lang: str, width: int) -> None:
    where = f"({lang}, {width} px)"
    page.goto(f"{base}/overseas/officer/")
    assert page.locator("html").get_attribute("lang") == lang
    _check(page, axe, width, f"the officer's worklist {where}")
    with page.expect_navigation():
        page.locator(f"#applications tr[data-reference='{reference}'] a").click()
    _check(page, axe, width, f"the reason form {where}")
    tick(page, "#reason-selection")
    page.fill("#id_reason_detail", "2026 하반기 해외 판로 선정 심사")
    _submit(page)
    _check(page, axe, width, f"the applicant's file {where}")
    page.fill("#id_assessed_product", "36")
    page.fill("#id_assessed_readiness", "25")
    page.fill("#id_assessed_plan", "27")
    _submit(page, "#score-form button[type=submit]")
    assert "88" in page.locator("#score").inner_text()
    tick(page, "#id_decide-decision_0")
    _submit(page, "#decide-form button[type=submit]")
    assert page.locator("#state .status-badge--success").count() == 1


def _listing_and_claims(page: Any, base: str, axe: Any, reference: str, *, lang: str, width: int) -> None:
    where = f"({lang}, {width} px)"
    page.goto(f"{base}/overseas/me/{reference}/")
    assert page.locator("#state .status-badge--success").count() == 1
    assert page.locator("#remaining").get_attribute("data-won") == "3000000"
    with page.expect_navigation():
        page.locator("#listings a").first.click()
    _check(page, axe, width, f"the listing {where}")
    page.fill("#id_title", "Hanji Paper Table Lamp " + "x" * 207)  # 230 characters: over Amazon's 200
    page.fill("#id_brand", "Hangang Craft")
    page.fill("#id_bullet_points", "Handmade Korean hanji paper\nWarm, soft light")
    page.fill("#id_price", "59.00")
    page.select_option("#id_currency", "USD")
    tick(page, "#id_translated_by_1")  # the programme's translator wrote it
    _submit(page, "form#values button[type=submit]")
    summary = page.locator(".error-summary")
    assert SAYS[lang]["too_long"] in summary.inner_text()
    assert summary.locator("a[href='#id_title']").count() == 1
    assert page.locator("form#ready").count() == 0  # nothing is sent with a problem left
    _check(page, axe, width, f"the listing with a problem {where}")
    page.fill("#id_title", "Hanji Paper Table Lamp, Handmade in Seoul")
    _submit(page, "form#values button[type=submit]")
    assert page.locator(".error-summary").count() == 0
    _submit(page, "form#ready button[type=submit]")
    assert page.locator("#listing-state .status-badge--info").count() == 1

    def claim() -> None:
        page.goto(f"{base}/overseas/me/{reference}/claims/new/")
        tick(page, "input[name=carrier][value=kpost_ems]")
        page.fill("#id_tracking_number", "EG123456789KR")
        from django.utils import timezone

        page.fill("#id_ship_date", (timezone.localdate() - timedelta(days=3)).isoformat())
        page.select_option("#id_destination", "US")
        page.fill("#id_cost_won", "48000")
        page.set_input_files(
            "#id_receipt", files=[{"name": "ems.pdf", "mimeType": "application/pdf", "buffer": RECEIPT}]
        )
        _submit(page)

    page.goto(f"{base}/overseas/me/{reference}/claims/new/")
    _check(page, axe, width, f"the claim form {where}")
    claim()
    assert page.locator("#claims tbody tr").count() == 1
    _check(page, axe, width, f"the application with a claim {where}")
    claim()  # the same receipt again
    summary = page.locator(".error-summary")
    assert summary.count() == 1 and SAYS[lang]["already"] in summary.inner_text()
    _check(page, axe, width, f"the claim refused {where}")
    page.goto(f"{base}/overseas/me/{reference}/")
    assert page.locator("#claims tbody tr").count() == 1
    assert page.locator("#remaining").get_attribute("data-won") == "3000000"  # nothing changed


def _approve(page: Any, base: str, axe: Any, *, lang: str, width: int) -> None:
    where = f"({lang}, {width} px)"
    page.goto(f"{base}/overseas/officer/")
    assert page.locator("#review tbody a").count() == 1  # the listing waits for review
    with page.expect_navigation():
        page.locator("#claims tbody a").first.click()
    _check(page, axe, width, f"the claim {where}")
    assert page.locator("#remaining").get_attribute("data-won") == "3000000"
    tick(page, "#id_decision_0")
    _submit(page)
    assert page.locator("#claim-state .status-badge--success").count() == 1
    assert page.locator("#remaining").get_attribute("data-won") == str(3_000_000 - 33_600)  # 70 % of 48,000
    _check(page, axe, width, f"the claim paid {where}")


@pytest.mark.browser
@pytest.mark.parametrize(
    ("shop_lang", "officer_lang"), [("ko", "en"), ("en", "ko")], ids=["shop-ko-officer-en", "shop-en-officer-ko"]
)
def test_a_shop_applies_and_claims_a_shipping_subsidy_once(
    shop_lang: str,
    officer_lang: str,
    live_server: Any,
    overseas_world: Any,
    new_context: Any,
    sign_in: Any,
    axe: Any,
) -> None:
    from seoul.overseas.models import SubsidyClaim

    shop, officer = overseas_world
    base = live_server.url

    def context(lang: str, size: dict[str, Any]) -> Any:
        return new_context(locale="ko-KR" if lang == "ko" else "en-US", **size).new_page()

    page = context(shop_lang, PHONE)
    sign_in(page, shop)
    reference = _apply(page, base, axe, lang=shop_lang, width=390)
    staff = context(officer_lang, DESK)
    sign_in(staff, officer)
    _select(staff, base, axe, reference, lang=officer_lang, width=1366)
    _listing_and_claims(page, base, axe, reference, lang=shop_lang, width=390)
    _approve(staff, base, axe, lang=officer_lang, width=1366)
    assert SubsidyClaim.objects.get().paid_won == 33_600
    page.goto(f"{base}/overseas/me/{reference}/")
    assert page.locator("#remaining").get_attribute("data-won") == "2966400"
    assert page.locator("#claims .status-badge--success").count() == 1
