"""A metro approver works through the fare-dispute worklist."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.metro_fixtures import (  # noqa: F401 - fixtures
    CITY_HALL_1,
    SEOUL_STATION_1,
    ingest,
    journey_events,
    metro_approver,
    metro_data,
    plain_citizen,
    recent_boarding,
    rider_citizen,
)

RIDER_REASON = "하차 태그가 두 번 찍혔습니다."
REASON_DETAIL = "민원 2026-1125 처리"
RESOLUTION = "게이트 로그 확인 결과 중복 청구로 전액 환불"


def _open_dispute(rider_user: Any) -> Any:
    """One complete 서울역 → 시청 journey of phone-1 and the rider's dispute of its charge."""
    from seoul.metro import actions
    from seoul.metro.models import Journey

    ingest(journey_events("e1", "phone-1", SEOUL_STATION_1, CITY_HALL_1, recent_boarding()))
    journey = Journey.objects.get(rider__account="phone-1")
    assert journey.charge == 1550
    return actions.open_dispute(journey, actor=rider_user, reason=RIDER_REASON)


def _give_reason(page: Any) -> None:
    assert page.locator("input[name=reason]").count() == 3, page.inner_text("main")[:800]
    assert page.locator("input[name=refund]").count() == 0, "no personal data before a reason is given"
    # A person clicks the label (KRDS hides the native radio and draws its own).
    page.locator("label[for=reason-dispute]").click()
    assert page.locator("input[name=reason][value='metro.dispute']").is_checked()
    page.fill("#id_reason_detail", REASON_DETAIL)
    with page.expect_navigation() as nav:
        page.click("main form button[type=submit]")
    assert nav.value.status == 200, page.inner_text("main")[:800]


@pytest.mark.browser
def test_approver_refunds_a_disputed_charge(
    live_server: Any,
    rider_citizen: Any,  # noqa: F811
    metro_approver: Any,  # noqa: F811
    new_context: Any,
    sign_in: Any,
) -> None:
    from seoul.core.models import AuditEvent
    from seoul.metro.models import Dispute, LedgerTransaction
    from seoul.metro.selectors import rider_balance

    dispute = _open_dispute(rider_citizen)
    assert rider_balance("phone-1") == 1550

    page = new_context().new_page()
    sign_in(page, metro_approver, next_path="/metro/disputes/")
    assert page.url == f"{live_server.url}/metro/disputes/"

    # --- the worklist shows the open dispute
    rows = page.locator("#dispute-table tbody tr")
    assert rows.count() == 1, page.inner_text("main")[:800]
    row_text = rows.first.inner_text()
    assert re.search(r"서울역\s*→\s*시청", row_text), row_text
    assert "1,550원" in row_text and RIDER_REASON in row_text, row_text
    link = rows.first.locator("a")
    assert link.get_attribute("href") == f"/metro/disputes/{dispute.pk}/"

    # --- opening it asks for a reason first
    with page.expect_navigation():
        link.click()
    assert AuditEvent.objects.filter(event="metro.rider.viewed", actor=metro_approver).count() == 0
    _give_reason(page)
    assert page.url == f"{live_server.url}/metro/disputes/{dispute.pk}/", page.url  # no reason in the URL
    main = page.inner_text("main")
    assert "phone-1" in main and RIDER_REASON in main, main[:800]
    assert page.input_value("#id_refund") == "1550", "the refund starts at what was charged"
    viewed = AuditEvent.objects.filter(event="metro.rider.viewed", actor=metro_approver)
    assert viewed.count() == 1
    assert viewed.get().reason == f"metro.dispute: {REASON_DETAIL}"
    assert viewed.get().target_id == str(dispute.rider_id)

    # --- refund 1,550 with a resolution
    page.fill("#id_refund", "1550")
    page.fill("#id_resolution", RESOLUTION)
    with page.expect_navigation() as nav:
        page.click("main form.form button[type=submit]")
    assert nav.value.status == 200
    assert page.url == f"{live_server.url}/metro/disputes/", page.inner_text("main")[:800]
    assert page.locator(".messages").count() == 1

    # --- the worklist is empty
    assert page.locator("#dispute-table tbody tr a").count() == 0
    assert page.locator("#dispute-table tbody tr").count() == 1
    assert page.locator("#dispute-table tbody td[colspan]").count() == 1

    # --- the database agrees: refunded, the rider owes nothing, both events audited
    dispute.refresh_from_db()
    assert (dispute.status, dispute.refund, dispute.resolution) == ("refunded", 1550, RESOLUTION)
    assert dispute.resolved_by_id == metro_approver.pk and dispute.resolved_at is not None
    assert rider_balance("phone-1") == 0
    refunds = LedgerTransaction.objects.filter(kind="refund", journey_key=dispute.journey.key)
    assert list(refunds.values_list("amount", flat=True)) == [-1550]
    resolved = AuditEvent.objects.filter(event="metro.dispute.resolved", actor=metro_approver)
    assert resolved.count() == 1
    assert resolved.get().new == {"status": "refunded", "refund": 1550, "dispute": dispute.pk, "automatic": False}
    assert Dispute.objects.filter(status="open").count() == 0

    # --- the rider sees the refund and a zero balance
    rider_page = new_context().new_page()
    sign_in(rider_page, rider_citizen, next_path="/metro/me/")
    assert rider_page.inner_text("[data-testid=balance]").strip() == "0원"
    card = rider_page.locator(f"article.journey[data-journey='{dispute.journey.key}']")
    outcome = card.locator("[data-testid=dispute-refunded]").inner_text()
    assert "1,550원" in outcome and RESOLUTION in outcome, card.inner_text()


@pytest.mark.browser
def test_refund_above_the_charge_is_refused(
    live_server: Any,
    rider_citizen: Any,  # noqa: F811
    metro_approver: Any,  # noqa: F811
    new_context: Any,
    sign_in: Any,
) -> None:
    from seoul.core.models import AuditEvent
    from seoul.metro.models import LedgerTransaction
    from seoul.metro.selectors import rider_balance

    dispute = _open_dispute(rider_citizen)
    page = new_context().new_page()
    sign_in(page, metro_approver, next_path=f"/metro/disputes/{dispute.pk}/")
    _give_reason(page)

    page.fill("#id_refund", "2000")
    page.fill("#id_resolution", RESOLUTION)
    with page.expect_navigation() as nav:
        page.click("main form.form button[type=submit]")
    assert nav.value.status == 400

    refund_error = page.locator("#id_refund_error")
    assert refund_error.count() == 1, page.inner_text("main")[:800]
    assert "1550" in refund_error.inner_text() or "1,550" in refund_error.inner_text(), refund_error.inner_text()
    assert page.locator("#id_resolution_error").count() == 0
    assert page.locator(".error-summary a[href='#id_refund']").count() == 1
    assert page.input_value("#id_resolution") == RESOLUTION, "what was typed is kept"

    # Nothing changed.
    dispute.refresh_from_db()
    assert (dispute.status, dispute.refund, dispute.resolved_by_id) == ("open", 0, None)
    assert rider_balance("phone-1") == 1550
    assert not LedgerTransaction.objects.filter(kind="refund").exists()
    assert not AuditEvent.objects.filter(event="metro.dispute.resolved").exists()
    page.goto(f"{live_server.url}/metro/disputes/")
    assert page.locator("#dispute-table tbody tr a").count() == 1


@pytest.mark.browser
def test_dispute_pages_need_the_approver_role(
    live_server: Any,
    rider_citizen: Any,  # noqa: F811
    plain_citizen: Any,  # noqa: F811
    new_context: Any,
    sign_in: Any,
) -> None:
    dispute = _open_dispute(rider_citizen)

    anonymous = new_context().new_page()
    anonymous.goto(f"{live_server.url}/metro/disputes/")
    assert "/accounts/login/" in anonymous.url, anonymous.url

    page = new_context().new_page()
    sign_in(page, plain_citizen)
    for path in ("/metro/disputes/", f"/metro/disputes/{dispute.pk}/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 403, path
        assert page.locator("#dispute-table").count() == 0
        assert RIDER_REASON not in page.inner_text("main")


@pytest.mark.browser
def test_invalid_resolve_post_does_not_show_personal_data_without_a_reason(
    live_server: Any,
    rider_citizen: Any,  # noqa: F811
    metro_approver: Any,  # noqa: F811
    new_context: Any,
    sign_in: Any,
) -> None:
    from seoul.core.models import AuditEvent

    dispute = _open_dispute(rider_citizen)
    ctx = new_context()
    page = ctx.new_page()
    sign_in(page, metro_approver)
    token = next(c["value"] for c in ctx.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{live_server.url}/metro/disputes/{dispute.pk}/",
        form={"csrfmiddlewaretoken": token, "refund": "not a number", "resolution": ""},
        headers={"Referer": f"{live_server.url}/metro/disputes/"},
    )
    body = response.text()
    assert response.status in (400, 403), body[:500]
    shown = "phone-1" in body or RIDER_REASON in body
    audited = AuditEvent.objects.filter(event="metro.rider.viewed", actor=metro_approver).exists()
    assert not shown or audited, "personal data shown with no stated reason and no audit record"


@pytest.mark.browser
def test_a_rejected_dispute_tells_the_rider_why(
    live_server: Any,
    rider_citizen: Any,  # noqa: F811
    metro_approver: Any,  # noqa: F811
    new_context: Any,
    sign_in: Any,
) -> None:
    dispute = _open_dispute(rider_citizen)
    page = new_context().new_page()
    sign_in(page, metro_approver, next_path=f"/metro/disputes/{dispute.pk}/")
    _give_reason(page)
    page.fill("#id_refund", "0")
    page.fill("#id_resolution", "게이트 기록상 하차는 한 번만 기록되었습니다.")
    with page.expect_navigation() as nav:
        page.click("main form.form button[type=submit]")
    assert nav.value.status == 200
    rider_page = new_context().new_page()
    sign_in(rider_page, rider_citizen, next_path="/metro/me/")
    outcome = rider_page.locator("[data-testid=dispute-rejected]").inner_text()
    assert "기각 사유" in outcome and "하차는 한 번만 기록되었습니다" in outcome, outcome
    assert "다음에 할 수 있는 일" in outcome
    # the rider may dispute again with what staff did not know
    assert rider_page.locator(f"article.journey[data-journey='{dispute.journey.key}'] details.dispute").count() == 1
