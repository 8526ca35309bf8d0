"""A citizen who rides sees their journeys and disputes a charge."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.metro_fixtures import (  # noqa: F401 - fixtures
    CITY_HALL_1,
    SEOUL_STATION_1,
    expected_adult_fare,
    ingest,
    journey_events,
    metro_data,
    plain_citizen,
    recent_boarding,
    rider_citizen,
    won,
)

REASON = "시청역에서 내렸는데 두 번 찍힌 것 같습니다."


@pytest.mark.browser
def open_dispute(page: Any, key: str) -> None:
    """Unfold a journey's dispute form (already open when the page came back with its error)."""
    form = page.locator(f"article.journey[data-journey='{key}'] details.dispute")
    if form.get_attribute("open") is None:
        form.locator("summary").click()


def test_rider_sees_journey_and_disputes_the_charge(
    live_server: Any,
    rider_citizen: Any,  # noqa: F811
    new_context: Any,
    sign_in: Any,
) -> None:
    from seoul.core.models import AuditEvent
    from seoul.metro.models import Dispute, Journey
    from seoul.metro.selectors import rider_balance

    boarded = recent_boarding()
    fare = expected_adult_fare(boarded)
    assert fare == 1550
    ingest(journey_events("e1", "phone-1", SEOUL_STATION_1, CITY_HALL_1, boarded))
    journey = Journey.objects.get(rider__account="phone-1")
    assert (journey.status, journey.charge) == ("complete", 1550)
    assert rider_balance("phone-1") == 1550

    page = new_context().new_page()
    sign_in(page, rider_citizen, next_path="/metro/me/")
    assert page.url == f"{live_server.url}/metro/me/", page.url

    # --- the journey, its charge and the balance
    assert page.inner_text("[data-testid=balance]").strip() == won(1550) == "1,550원"
    cards = page.locator("article.journey")
    assert cards.count() == 1, page.inner_text("main")[:800]
    card = page.locator(f"article.journey[data-journey='{journey.key}']")
    assert card.count() == 1
    assert re.search(r"서울역\s*→\s*시청", card.locator("h2").inner_text()), card.locator("h2").inner_text()
    assert boarded.strftime("%Y-%m-%d %H:%M") in card.locator("h2").inner_text()
    assert card.locator("[data-testid=charge]").inner_text().strip() == "1,550원"

    # --- "why this amount": the breakdown opens
    details = card.locator("details.breakdown-details")
    breakdown = details.locator("dl.breakdown")
    assert not breakdown.is_visible(), "the breakdown starts closed"
    details.locator("summary").click()
    assert details.get_attribute("open") is not None
    assert breakdown.is_visible()
    breakdown_text = breakdown.inner_text()
    assert "1,550원" in breakdown_text and "2025-06-28" in breakdown_text, breakdown_text

    # --- dispute the charge: the form is folded under its summary so the list stays short
    textarea = card.locator(f"textarea#dispute-{journey.pk}-reason")
    assert not textarea.is_visible()
    card.locator("details.dispute summary").click()
    assert textarea.count() == 1
    # The label is tied to the textarea (a screen reader names the field).
    assert card.locator(f"label[for='dispute-{journey.pk}-reason']").count() == 1
    textarea.fill(REASON)
    with page.expect_navigation() as nav:
        card.locator("form button[type=submit]").click()
    assert nav.value.status == 200
    assert page.url == f"{live_server.url}/metro/me/", page.url
    assert page.locator(".messages").count() == 1, page.inner_text("main")[:800]

    card = page.locator(f"article.journey[data-journey='{journey.key}']")
    assert card.count() == 1
    dispute_line = card.locator("[data-testid=dispute-open]")
    assert dispute_line.count() == 1, card.inner_text()
    assert re.search(r"이의 신청.*접수", dispute_line.inner_text(), re.S), dispute_line.inner_text()
    assert "결정 내용은 이곳에 표시됩니다" in dispute_line.inner_text()
    assert card.locator("form").count() == 0, "no second dispute form while one is open"
    assert card.locator("textarea").count() == 0
    # Disputing does not change what was charged.
    assert card.locator("[data-testid=charge]").inner_text().strip() == "1,550원"
    assert page.inner_text("[data-testid=balance]").strip() == "1,550원"

    # --- the database agrees
    disputes = list(Dispute.objects.filter(journey=journey))
    assert len(disputes) == 1
    dispute = disputes[0]
    assert (dispute.status, dispute.reason, dispute.rider.account) == ("open", REASON, "phone-1")
    opened = AuditEvent.objects.filter(event="metro.dispute.opened", target_id=str(journey.pk))
    assert opened.count() == 1
    event = opened.get()
    assert event.actor_id == rider_citizen.pk
    assert event.service == "metro"
    assert event.new["dispute"] == dispute.pk and event.new["reason"] == REASON
    # Each view of the rider's own journeys is recorded too.
    assert AuditEvent.objects.filter(event="metro.rider.viewed", actor=rider_citizen, reason="own account").count() == 2


@pytest.mark.browser
def test_second_dispute_on_same_journey_is_refused(
    live_server: Any,
    rider_citizen: Any,  # noqa: F811
    new_context: Any,
    sign_in: Any,
) -> None:
    """A too-short reason is refused; then, with two tabs open, the second dispute is refused."""
    from seoul.metro.models import Dispute, Journey

    ingest(journey_events("e1", "phone-1", SEOUL_STATION_1, CITY_HALL_1, recent_boarding()))
    journey = Journey.objects.get(rider__account="phone-1")
    card_selector = f"article.journey[data-journey='{journey.key}']"

    ctx = new_context()
    first = ctx.new_page()
    sign_in(first, rider_citizen, next_path="/metro/me/")

    # --- a reason under 5 characters: 400, the error is shown on that journey, nothing stored
    open_dispute(first, journey.key)
    first.fill(f"#dispute-{journey.pk}-reason", "짧음")
    with first.expect_navigation() as nav:
        first.click(f"{card_selector} form button[type=submit]")
    assert nav.value.status == 400
    assert first.locator("main .error-summary").count() == 1, first.inner_text("main")[:800]
    assert first.locator(f"{card_selector} form").count() == 1, "the form is offered again"
    assert not Dispute.objects.filter(journey=journey).exists()

    # --- two tabs show the form; the first dispute goes through, the second is refused
    second = ctx.new_page()
    second.goto(f"{live_server.url}/metro/me/")
    first.goto(f"{live_server.url}/metro/me/")
    open_dispute(first, journey.key)
    first.fill(f"#dispute-{journey.pk}-reason", "첫 번째 이의 신청입니다.")
    with first.expect_navigation() as nav:
        first.click(f"{card_selector} form button[type=submit]")
    assert nav.value.status == 200
    assert Dispute.objects.filter(journey=journey).count() == 1

    open_dispute(second, journey.key)

    second.fill(f"#dispute-{journey.pk}-reason", "두 번째 이의 신청입니다.")
    with second.expect_navigation() as nav:
        second.click(f"{card_selector} form button[type=submit]")
    assert nav.value.status == 400
    assert Dispute.objects.filter(journey=journey).count() == 1
    assert Dispute.objects.get(journey=journey).reason == "첫 번째 이의 신청입니다."
    assert second.locator(f"{card_selector} form").count() == 0, "still no second form after the refusal"


@pytest.mark.browser
def test_refused_second_dispute_is_explained(
    live_server: Any,
    rider_citizen: Any,  # noqa: F811
    new_context: Any,
    sign_in: Any,
) -> None:
    from seoul.metro.models import Journey

    ingest(journey_events("e1", "phone-1", SEOUL_STATION_1, CITY_HALL_1, recent_boarding()))
    journey = Journey.objects.get(rider__account="phone-1")
    card_selector = f"article.journey[data-journey='{journey.key}']"
    ctx = new_context()
    first = ctx.new_page()
    sign_in(first, rider_citizen, next_path="/metro/me/")
    second = ctx.new_page()
    second.goto(f"{live_server.url}/metro/me/")
    open_dispute(first, journey.key)
    first.fill(f"#dispute-{journey.pk}-reason", "첫 번째 이의 신청입니다.")
    with first.expect_navigation():
        first.click(f"{card_selector} form button[type=submit]")

    open_dispute(second, journey.key)

    second.fill(f"#dispute-{journey.pk}-reason", "두 번째 이의 신청입니다.")
    with second.expect_navigation() as nav:
        second.click(f"{card_selector} form button[type=submit]")
    assert nav.value.status == 400
    # The person must be told why nothing happened (an error summary, as on every refused form).
    assert second.locator(".error-summary").count() == 1, second.inner_text("main")[:800]


@pytest.mark.browser
def test_citizen_without_rider_profile_gets_404(
    live_server: Any,
    plain_citizen: Any,  # noqa: F811
    new_context: Any,
    sign_in: Any,
) -> None:
    page = new_context().new_page()
    sign_in(page, plain_citizen)
    response = page.goto(f"{live_server.url}/metro/me/")
    assert response is not None and response.status == 404
    assert page.locator("article.journey").count() == 0
    assert page.locator("[data-testid=balance]").count() == 0


@pytest.mark.browser
def test_my_journeys_sends_anonymous_visitor_to_sign_in(live_server: Any, metro_data: None, page: Any) -> None:  # noqa: F811
    response = page.goto(f"{live_server.url}/metro/me/")
    assert response is not None and response.status == 200
    assert re.search(r"/accounts/login/\?next=(/|%2F)metro(/|%2F)me(/|%2F)$", page.url), page.url
    assert page.locator("[data-testid=balance]").count() == 0
