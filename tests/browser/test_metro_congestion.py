"""The platform display in a kiosk-size window: bars per car, refreshed in place (Korean and
English), and the rider page at phone width, with axe."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.a11y import assert_accessible

QUERY = "station=사당&direction=내선&line=2&refresh=5"


@pytest.fixture(autouse=True)
def morning_rush(monkeypatch: pytest.MonkeyPatch) -> None:
    """A weekday at 08:10 in Seoul for the live server (same process): trains run whenever CI does."""
    from datetime import datetime

    from seoul.core.engine.time import SEOUL

    monkeypatch.setattr("django.utils.timezone.now", lambda: datetime(2026, 3, 4, 8, 10, tzinfo=SEOUL))


def _watch_refresh(page: Any, base: str, axe: Any, where: str) -> None:
    page.goto(f"{base}/metro/congestion/display/?{QUERY}")
    board = page.locator("#display-board")
    assert board.count() == 1
    cars = page.locator("#display-board .train-cars li")
    assert cars.count() == 20, cars.all_inner_texts()  # two 10-car trains
    for i in range(cars.count()):  # each bar is as tall as its car is full (200 % fills it)
        car = cars.nth(i)
        pct = float(car.locator(".car-pct").inner_text().rstrip("%"))
        height = float(car.locator("svg.bar-v rect.bar").get_attribute("height") or "nan")
        assert abs(height - min(pct, 200) / 2) <= 0.6, (i, pct, height)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], where
    assert_accessible(axe(page), f"the platform display {where}")
    page.evaluate("document.getElementById('display-board').dataset.old = 'yes'")
    with page.expect_response(
        lambda r: "/metro/congestion/display/" in r.url and r.request.headers.get("hx-request") == "true",
        timeout=15_000,
    ) as refreshed:
        pass
    assert refreshed.value.status == 200
    page.wait_for_function("!document.getElementById('display-board').dataset.old", timeout=5_000)
    assert page.locator("#display-board .train-cars li").count() == 20
    assert page.url.endswith(QUERY) or "display" in page.url  # the page itself was not reloaded
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1


@pytest.mark.browser
def test_the_platform_display_refreshes_its_bars_in_korean(live_server: Any, new_context: Any, axe: Any) -> None:
    page = new_context(viewport={"width": 1280, "height": 720}).new_page()
    _watch_refresh(page, live_server.url, axe, "(ko, 1280×720)")
    text = page.inner_text("#display-board")
    assert "내선순환" in text and "1호차" in text and any(w in text for w in ("여유", "보통", "주의", "혼잡"))


@pytest.mark.browser
def test_the_platform_display_refreshes_its_bars_in_english(live_server: Any, new_context: Any, axe: Any) -> None:
    page = new_context(locale="en-US", viewport={"width": 1280, "height": 720}).new_page()
    _watch_refresh(page, live_server.url, axe, "(en, 1280×720)")
    text = page.inner_text("#display-board")
    assert (
        "Inner circle" in text
        and "Car 1" in text
        and any(w in text for w in ("Relaxed", "Normal", "Caution", "Crowded"))
    )


@pytest.mark.browser
def test_a_rider_picks_a_platform_on_a_phone(live_server: Any, new_context: Any, axe: Any) -> None:
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{live_server.url}/metro/congestion/")
    page.fill("#id_station", "군자")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert_accessible(axe(page), "the platform choice (ko, 390 px)")
    with page.expect_navigation():
        page.get_by_role("link", name="5호선 · 하남검단산 방면").click()
    assert page.locator("article.train-card").count() == 3
    assert page.locator("article.train-card").first.locator(".train-cars li").count() == 8
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(axe(page), "the next trains (ko, 390 px)")
