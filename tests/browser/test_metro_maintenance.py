"""A maintenance engineer takes a sensor alert to a closed work order (Korean at 390 px, English
at 1366 px), with the signal chart drawn and axe on every page on the way."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.metro_fixtures import metro_data  # noqa: F401 - fixture

ENGINEER_PASSWORD = "Ttukseom-depot-8-bogies"
VEGA_EMBED = Path(__file__).resolve().parents[2] / "src/seoul/core/static/vendor/vega/vega-embed.min.js"


@pytest.fixture
def hot_bearing(metro_data: None, settings: Any, tmp_path: Path) -> Any:  # noqa: F811
    """A line-2 train whose axle bearing ran hot an hour ago: one open work order."""
    from django.utils import timezone

    from seoul.metro import actions
    from seoul.metro.models import WorkOrder
    from seoul.metro.tests import builders

    settings.SEOUL_METRO_READINGS_DIR = tmp_path / "readings"
    fleet = builders.train()
    now = timezone.now()
    rng = np.random.default_rng(7)
    values = np.r_[45 + 4 * np.sin(np.arange(1000) / 40) + rng.normal(0, 0.3, 1000), np.full(5, 160.0)]
    start = now - timedelta(seconds=1005 * 2)
    actions.ingest_readings(
        builders.readings(fleet["temperature"].code, start, values, step=2.0), device=fleet["device"], now=now
    )
    return WorkOrder.objects.get(kind="anomaly")


@pytest.fixture
def engineer(metro_data: None) -> Any:  # noqa: F811
    from seoul.metro.tests import builders

    return builders.staff("metro.engineer", "operator", password=ENGINEER_PASSWORD)


def _walk(page: Any, base: str, order: Any, axe: Any, *, lang: str, width: int, words: dict[str, str]) -> None:
    where = f"({lang}, {width} px)"
    assert page.url == f"{base}/metro/maintenance/", page.url  # staff land on their worklist after signing in
    assert page.locator("h1").inner_text().strip() == words["worklist"]
    row = page.locator("#order-table tbody tr").first
    assert words["high"] in row.inner_text() and words["bearing"] in row.inner_text(), row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"the worklist scrolls sideways {where}"
    assert_accessible(axe(page), f"the maintenance worklist {where}")

    with page.expect_navigation():
        row.locator("a").first.click()
    assert page.url == f"{base}/metro/maintenance/orders/{order.pk}/"
    if VEGA_EMBED.exists():
        page.locator("div.chart[data-chart=chart-signal]").locator("svg, canvas").first.wait_for(state="attached")
    assert_accessible(axe(page), f"a new work order {where}")

    with page.expect_navigation():
        page.get_by_role("button", name=words["acknowledge"], exact=True).click()
    assert words["acknowledged"] in page.inner_text("main")
    with page.expect_navigation():
        page.get_by_role("button", name=words["inspect"], exact=True).click()

    # the finding form: sending it without a note points at the note
    page.locator("label[for=id_finding_0]").click()
    with page.expect_navigation():
        page.get_by_role("button", name=words["close"]).click()
    summary = page.locator(".error-summary")
    assert summary.is_visible() and page.locator("#id_note_error").is_visible()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')"), "the summary takes focus"
    assert_accessible(axe(page), f"the finding form with an error {where}")
    page.locator("label[for=id_finding_0]").click()
    page.fill("#id_note", words["note"])
    with page.expect_navigation():
        page.get_by_role("button", name=words["close"]).click()
    main = page.inner_text("main")
    assert words["closed"] in main and words["real_fault"] in main and words["note"] in main, main[:1500]
    history = page.locator("#order-history tbody tr")
    assert history.count() == 4, history.all_inner_texts()
    assert_accessible(axe(page), f"a closed work order {where}")

    # the asset's history keeps it, with its chart
    with page.expect_navigation():
        page.locator("main dl.summary-list a", has_text="2-51").first.click()
    assert words["note"] in page.inner_text("main")
    if VEGA_EMBED.exists():
        page.locator(f"div.chart[data-chart=chart-order-{order.pk}]").locator("svg, canvas").first.wait_for(
            state="attached"
        )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"the asset page scrolls sideways {where}"
    assert_accessible(axe(page), f"an asset's history {where}")


@pytest.mark.browser
def test_an_engineer_closes_a_hot_bearing_alert_in_korean_on_a_phone(
    live_server: Any, hot_bearing: Any, engineer: Any, new_context: Any, sign_in: Any, axe: Any
) -> None:
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, engineer)
    words = {
        "worklist": "차량·선로 정비",
        "high": "높음",
        "bearing": "차축 베어링 온도",
        "acknowledge": "접수",
        "acknowledged": "접수했습니다",
        "inspect": "점검 시작",
        "close": "점검 결과 기록 후 완료",
        "closed": "완료",
        "real_fault": "실제 고장",
        "note": "차축 베어링 마모 확인, 대차 교체",
    }
    _walk(page, live_server.url, hot_bearing, axe, lang="ko", width=390, words=words)
    hot_bearing.refresh_from_db()
    assert (hot_bearing.status, hot_bearing.finding) == ("closed", "real_fault")


@pytest.mark.browser
def test_an_engineer_closes_a_hot_bearing_alert_in_english_at_a_desk(
    live_server: Any, hot_bearing: Any, engineer: Any, new_context: Any, sign_in: Any, axe: Any
) -> None:
    page = new_context(locale="en-US", viewport={"width": 1366, "height": 900}).new_page()
    sign_in(page, engineer)
    words = {
        "worklist": "Train maintenance",
        "high": "High",
        "bearing": "Bearing temperature",
        "acknowledge": "Acknowledge",
        "acknowledged": "Acknowledged: the order is yours",
        "inspect": "Start inspection",
        "close": "Record the finding and close",
        "closed": "Closed",
        "real_fault": "Real fault",
        "note": "Axle bearing worn; bogie exchanged at the depot",
    }
    _walk(page, live_server.url, hot_bearing, axe, lang="en", width=1366, words=words)
    hot_bearing.refresh_from_db()
    assert (hot_bearing.status, hot_bearing.closed_by.username) == ("closed", "metro.engineer")
