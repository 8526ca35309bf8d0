"""Seoul Metro staff read the operator reports (incomplete journeys and refunds per station and
line, settlement, deny list, reconciliation); staff of another institution cannot. Photographs
the page at a phone's and a desktop's width in Korean and English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.a11y import blocking, describe_violations
from tests.browser.conftest import ARTIFACTS
from tests.browser.metro_fixtures import metro_data, metro_viewer  # noqa: F401 - fixtures

VEGA_EMBED = Path(__file__).resolve().parents[2] / "src/seoul/core/static/vendor/vega/vega-embed.min.js"
SHOTS = ARTIFACTS / "metro-reports"


def _cells(page: Any, table: str, first: str) -> list[str]:
    rows = page.locator(f"#{table} tbody tr").filter(has=page.locator(f"td:first-child:text-is('{first}')"))
    assert rows.count() == 1, page.inner_text(f"#{table}")
    cells = rows.first.locator("td")
    return [cells.nth(i).inner_text().strip() for i in range(cells.count())]


@pytest.mark.browser
def test_viewer_reads_the_reports_in_both_languages_and_widths(
    live_server: Any,
    metro_viewer: Any,  # noqa: F811
    new_context: Any,
    sign_in: Any,
    axe: Any,
    settings: Any,
) -> None:
    from seoul.metro.adapters import gateway
    from seoul.metro.tests.test_reports import make_incomplete, make_money

    made = make_incomplete()
    settings.SEOUL_METRO_GATEWAY_ATTEMPTS = 1
    settings.SEOUL_METRO_GATEWAY_TIMEOUT = 0.5
    gw = gateway.standin()
    gw.reset()
    gw.callback_url = ""
    money = make_money(gw)
    top_up = money["top_up"]
    j = made["journeys"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    for lang in ("ko", "en"):
        for width in (390, 1366):
            ctx = new_context(locale="ko-KR" if lang == "ko" else "en-US", viewport={"width": width, "height": 900})
            ctx.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
            page = ctx.new_page()
            errors.clear()
            page.on("pageerror", lambda e: errors.append(str(e)))
            sign_in(page, metro_viewer, next_path="/metro/reports/")
            assert page.url == f"{live_server.url}/metro/reports/"
            assert page.get_attribute("html", "lang") == lang
            assert page.inner_text("[data-total=incomplete]") == "5"
            seoul = "서울역" if lang == "ko" else "Seoul Station"
            row = _cells(page, "incomplete-stations", seoul)
            # line, no exit, no entry, pattern, maximum, later tap, correction, ...
            assert row[2:8] == ["1", "0", "0", "1", "0", "0"], row
            if VEGA_EMBED.exists():
                page.locator(
                    "div.chart[data-chart=chart-incomplete] svg, div.chart[data-chart=chart-incomplete] canvas"
                ).first.wait_for(state="attached", timeout=10_000)
            # the difference is named by the gateway's id, never by our key (it holds the account id)
            assert page.locator("#differences tbody tr").count() == 1
            assert top_up.gateway_id in page.inner_text("#differences")
            main = page.inner_text("main")
            assert top_up.key not in main and not any(r.account in main for r in money["riders"])
            assert page.inner_text("#deny-list tbody tr:last-child td:last-child") == "1"
            assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (lang, width)
            found = blocking(axe(page))
            assert not found, describe_violations(found)
            assert not errors, errors
            page.screenshot(path=str(SHOTS / f"reports-{lang}-{width}.png"), full_page=True)
            sections = page.locator("main section")
            for i in range(sections.count()):  # closer looks, one per section
                sections.nth(i).screenshot(path=str(SHOTS / f"reports-{lang}-{width}-section{i + 1}.png"))
            if lang == "ko" and width == 1366:
                # sort the station table by "no exit", most first, then fewest first
                header = page.locator("#incomplete-stations thead th").nth(2).locator("button")
                header.click()
                header.click()
                first = page.locator("#incomplete-stations tbody tr").first.locator("td").nth(2).inner_text()
                assert first == "1"
                # one line: only its stations
                page.select_option("#id_line", "2")
                with page.expect_navigation():
                    page.click("form.filters button[type=submit]")
                stations = page.locator("#incomplete-stations tbody tr td:first-child").all_inner_texts()
                assert sorted(stations) == ["강남", "역삼"], stations
                with page.expect_download() as got:
                    page.click("a[href*='export=incomplete-stations']")
                text = Path(got.value.path()).read_text(encoding="utf-8-sig")
                assert text.splitlines()[0].startswith("노선,역,") and len(text.splitlines()) == 3, text
            ctx.close()
    gw.reset()
    assert j["max-in"].charge > 0


@pytest.mark.browser
def test_reports_refuse_staff_of_another_institution(
    live_server: Any,
    metro_data: None,  # noqa: F811
    new_context: Any,
    sign_in: Any,
) -> None:
    from seoul.core.models import AuditEvent
    from seoul.metro.tests import builders

    other = builders.staff("sh.metro", "viewer", institution="SH")
    page = new_context().new_page()
    sign_in(page, other)
    response = page.goto(f"{live_server.url}/metro/reports/")
    assert response is not None and response.status == 403
    assert page.locator("#incomplete-stations").count() == 0
    assert AuditEvent.objects.filter(event="authz.denied", actor=other).count() == 1
