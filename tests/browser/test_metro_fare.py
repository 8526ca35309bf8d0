"""An anonymous visitor uses the public metro fare calculator, in Korean."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from seoul.core.engine.time import SEOUL
from tests.browser.metro_fixtures import metro_data  # noqa: F401 - fixture

# A weekday afternoon after the 2025-06-28 tariff: no early-bird discount, current base fare.
AFTERNOON = "T14:00"


def _afternoon() -> str:
    """Tomorrow at 14:00 as a datetime-local value (always under the tariff in force)."""
    day = datetime.now(SEOUL).date() + timedelta(days=1)
    return f"{day.isoformat()}{AFTERNOON}"


def _ask(page: Any, origin: str, destination: str, *, at: str = "", sinbundang: bool = False) -> int:
    page.fill("#id_origin", origin)
    page.fill("#id_destination", destination)
    if at:
        page.fill("#id_at", at)
    checkbox = page.locator("#id_sinbundang")
    if sinbundang != checkbox.is_checked():
        checkbox.check() if sinbundang else checkbox.uncheck()
    with page.expect_navigation() as nav:
        page.click("main form button[type=submit]")
    return int(nav.value.status)


def _breakdown(page: Any) -> dict[str, str]:
    rows = page.locator("section.result dl.breakdown > div")
    return {
        rows.nth(i).locator("dt").inner_text().strip(): rows.nth(i).locator("dd").inner_text().strip()
        for i in range(rows.count())
    }


@pytest.mark.browser
def test_anonymous_visitor_computes_fares(live_server: Any, metro_data: None, page: Any) -> None:  # noqa: F811
    response = page.goto(f"{live_server.url}/metro/")
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator("[data-testid=fare]").count() == 0, "no fare before the form is sent"
    assert page.locator(".error-summary").count() == 0, "an empty form is not an error"
    # The station names are offered as suggestions.
    options = page.locator("datalist#stations option")
    assert options.count() > 500
    assert page.locator("datalist#stations option[value='서울역']").count() == 1

    # --- 서울역 → 시청 on line 1, boarded in the afternoon
    status = _ask(page, "서울역", "시청", at=_afternoon())
    assert status == 200, page.inner_text("main")[:800]
    query = parse_qs(urlparse(page.url).query)
    assert query["origin"] == ["서울역"] and query["destination"] == ["시청"], page.url
    assert page.inner_text("[data-testid=fare]").strip() == "1,550원"
    assert re.search(r"서울역\s*→\s*시청", page.inner_text("#result-h")), page.inner_text("#result-h")
    breakdown = _breakdown(page)
    assert "1,550원" in breakdown.values(), breakdown
    assert "2025-06-28 시행 요금" in breakdown.values(), f"the tariff in force should be named: {breakdown}"
    assert not [k for k in breakdown if "Sinbundang" in k or "신분당" in k], breakdown
    # The form keeps what was asked.
    assert page.input_value("#id_origin") == "서울역"
    assert page.input_value("#id_destination") == "시청"

    # --- the same ride boarded at 06:00 gets the early-bird discount (20 % of 1,550 → 310)
    day = datetime.now(SEOUL).date() + timedelta(days=1)
    status = _ask(page, "서울역", "시청", at=f"{day.isoformat()}T06:00")
    assert status == 200, page.inner_text("main")[:800]
    assert page.inner_text("[data-testid=fare]").strip() == "1,240원"
    assert "−310원" in _breakdown(page).values(), _breakdown(page)

    # --- 강남 → 광교 on the Sinbundang line: distance fare plus two Sinbundang sections
    status = _ask(page, "강남", "광교", at=_afternoon(), sinbundang=True)
    assert status == 200, page.inner_text("main")[:800]
    assert page.inner_text("[data-testid=fare]").strip() == "3,550원"
    breakdown = _breakdown(page)
    sections = {k: v for k, v in breakdown.items() if k.startswith("신분당선 ")}
    assert len(sections) == 2, f"expected two Sinbundang sections in the breakdown, got {breakdown}"
    assert sorted(sections.values()) == ["1,000원", "500원"], sections
    # sections named by their end stations, never by their codes (GANGNAM-JEONGJA)
    assert set(sections) == {"신분당선 강남–정자 구간", "신분당선 정자–광교 구간"}, sections
    assert page.locator("#id_sinbundang").is_checked(), "the checkbox keeps its state"


@pytest.mark.browser
def test_unknown_station_names_the_field_and_suggests(live_server: Any, metro_data: None, page: Any) -> None:  # noqa: F811
    page.goto(f"{live_server.url}/metro/")

    # --- unknown origin
    status = _ask(page, "강낭", "역삼", at=_afternoon())
    assert status == 400
    assert page.locator("[data-testid=fare]").count() == 0
    summary = page.locator(".error-summary")
    assert summary.count() == 1 and summary.get_attribute("role") == "alert"
    links = summary.locator("li a")
    assert links.count() == 1, summary.inner_text()
    assert links.first.get_attribute("href") == "#id_origin"
    origin_error = page.locator("#id_origin_error")
    assert origin_error.count() == 1, page.inner_text("main")[:800]
    message = origin_error.inner_text()
    suggested = re.split(r"[,:?]\s*", message)
    assert "강남" in [s.strip() for s in suggested], message
    assert page.locator("#id_destination_error").count() == 0
    assert page.input_value("#id_origin") == "강낭", "the form keeps what was typed"

    # --- unknown destination: the error goes to the destination field
    status = _ask(page, "서울역", "강낭", at=_afternoon())
    assert status == 400
    assert page.locator("#id_origin_error").count() == 0
    dest_error = page.locator("#id_destination_error")
    assert dest_error.count() == 1, page.inner_text("main")[:800]
    assert "강남" in dest_error.inner_text()
    assert page.locator(".error-summary li a").first.get_attribute("href") == "#id_destination"

    # --- a missing station is a plain required-field error, also 400
    status = _ask(page, "", "시청")
    assert status == 400
    assert page.locator("#id_origin_error").count() == 1
    assert page.locator("[data-testid=fare]").count() == 0


@pytest.mark.browser
def test_an_english_visitor_asks_by_english_names(live_server: Any, metro_data: None, new_context: Any) -> None:  # noqa: F811
    """English pages name stations in English, and the calculator finds them however they are
    typed; the answer comes first on the page, above the form (on screen at 390 px)."""
    page = new_context(locale="en-US", viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{live_server.url}/metro/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("datalist#stations option[value='Seoul Station']").count() == 1
    status = _ask(page, "seoul station", "Gangnam Station", at=_afternoon())
    assert status == 200, page.inner_text("main")[:800]
    assert re.search(r"Seoul Station\s*→\s*Gangnam", page.inner_text("#result-h")), page.inner_text("#result-h")
    result = page.locator("#fare-result").bounding_box()
    assert result is not None and result["y"] < 844, "the answer is on the first screen"
    assert not re.search(r"[\uac00-\ud7a3]", page.inner_text("main")), page.inner_text("main")[:800]
