"""Metro staff read revenue and gate health; others cannot."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from seoul.core.engine.time import SEOUL
from tests.browser.metro_fixtures import (  # noqa: F401 - fixtures
    CITY_HALL_1,
    GANGNAM_2,
    SEOUL_STATION_1,
    YEOKSAM_2,
    expected_adult_fare,
    flagged_events,
    ingest,
    journey_events,
    metro_data,
    metro_viewer,
    plain_citizen,
    won,
)

VEGA_EMBED = Path(__file__).resolve().parents[2] / "src/seoul/core/static/vendor/vega/vega-embed.min.js"


def _today_boarding(now: datetime) -> datetime:
    """A boarding time today (SEOUL), at least 30 minutes ago and never in the future, with room
    for a second boarding 10 minutes earlier on the same day."""
    at = (now - timedelta(minutes=45)).replace(second=0, microsecond=0)
    if (at - timedelta(minutes=10)).date() != now.date():
        pytest.skip("too close to midnight in Seoul for a journey 'today' that ended in the past")
    return at


def _cells(row: Any) -> list[str]:
    cells = row.locator("td")
    return [cells.nth(i).inner_text().strip() for i in range(cells.count())]


def _row(page: Any, table: str, first_cell: str) -> list[str]:
    rows = page.locator(f"#{table} tbody tr").filter(has=page.locator(f"td:first-child:text-is('{first_cell}')"))
    assert rows.count() == 1, f"{table}: expected one row for {first_cell!r}: {page.inner_text('#' + table)}"
    return _cells(rows.first)


def _setup_traffic(now: datetime) -> dict[str, Any]:
    """Two riders today on line 1 from 서울역, one older line-2 ride, one outside the 7 days, flags."""
    from seoul.metro.models import Rider

    Rider.objects.create(account="phone-1")
    Rider.objects.create(account="phone-2")
    today_1 = _today_boarding(now)
    today_2 = today_1 - timedelta(minutes=10)
    two_days_ago = datetime.combine(now.date() - timedelta(days=2), time(14, 0), tzinfo=SEOUL)
    ten_days_ago = datetime.combine(now.date() - timedelta(days=10), time(14, 0), tzinfo=SEOUL)
    ingest(
        journey_events("t1", "phone-1", SEOUL_STATION_1, CITY_HALL_1, today_1)
        + journey_events("t2", "phone-2", SEOUL_STATION_1, CITY_HALL_1, today_2)
        + journey_events("old", "phone-2", GANGNAM_2, YEOKSAM_2, two_days_ago)
        + journey_events("older", "phone-2", GANGNAM_2, YEOKSAM_2, ten_days_ago)
        # 시청 (line 1): 2 exits and 2 flagged passages in the last day; 강남 (line 2): 1 flag.
        + flagged_events("f-cityhall", CITY_HALL_1, 2, now - timedelta(hours=2))
        + flagged_events("f-gangnam", GANGNAM_2, 1, now - timedelta(hours=3))
    )
    today_won = expected_adult_fare(today_1) + expected_adult_fare(today_2)
    return {"today_won": today_won, "old_won": expected_adult_fare(two_days_ago)}


@pytest.mark.browser
def test_viewer_sees_revenue_and_gate_health(
    live_server: Any,
    metro_viewer: Any,  # noqa: F811
    new_context: Any,
    sign_in: Any,
) -> None:
    from seoul.metro.models import Journey

    now = datetime.now(SEOUL)
    expected = _setup_traffic(now)
    assert expected["old_won"] == 1550
    assert Journey.objects.filter(status="complete").count() == 4

    page = new_context().new_page()
    seen: dict[str, list[str]] = {"console_errors": [], "page_errors": [], "failed_requests": []}
    page.on("console", lambda m: seen["console_errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["page_errors"].append(str(e)))
    page.on("response", lambda r: seen["failed_requests"].append(f"{r.status} {r.url}") if r.status >= 400 else None)
    sign_in(page, metro_viewer, next_path="/metro/operations/")
    assert page.url == f"{live_server.url}/metro/operations/"

    # --- revenue per day: today and two days ago; ten days ago is outside the default 7 days
    day_rows = page.locator("#revenue-day tbody tr")
    assert day_rows.count() == 2, page.inner_text("#revenue-day")
    by_day = [_cells(day_rows.nth(i)) for i in range(2)]
    today, old = by_day[1], by_day[0]  # oldest first
    assert _day_matches(today[0], now.date()), by_day
    assert today[1:] == ["2", won(expected["today_won"]), "지금 (실시간 집계)"], by_day
    assert _day_matches(old[0], now.date() - timedelta(days=2)), by_day
    assert old[1:] == ["1", "1,550원", "지금 (실시간 집계)"], by_day

    # --- per line and per entry station
    assert _row(page, "revenue-line", "1호선")[1:] == ["2", won(expected["today_won"])]
    assert _row(page, "revenue-line", "2호선")[1:] == ["1", "1,550원"]
    assert page.locator("#revenue-line tbody tr").count() == 2
    assert _row(page, "revenue-station", "서울역")[1:] == ["2", won(expected["today_won"])]
    assert _row(page, "revenue-station", "강남")[1:] == ["1", "1,550원"]
    assert page.locator("#revenue-station tbody tr").count() == 2

    # --- gate health: the gates with flagged passages come first
    gate_rows = page.locator("#gate-health tbody tr")
    assert gate_rows.count() == 3, page.inner_text("#gate-health")
    gates = [_cells(gate_rows.nth(i)) for i in range(3)]
    # gates named as people read them (station and line), never by their codes
    assert gates == [
        ["시청 1호선", "2", "2", "50.0%"],
        ["강남 2호선", "0", "1", "100.0%"],
        ["서울역 1호선", "2", "0", "0.0%"],
    ], gates
    assert not re.search(r"G-\d", page.inner_text("main"))

    # --- a narrower period: only today
    page.fill("input[name=days]", "1")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert "days=1" in page.url
    assert page.locator("#revenue-day tbody tr").count() == 1
    assert _cells(page.locator("#revenue-day tbody tr").first)[1:3] == ["2", won(expected["today_won"])]
    assert page.locator("#revenue-line tbody tr").count() == 1

    # --- closed days rolled up (the nightly job): the same figures, and when they were summed
    from seoul.metro import actions

    actions.roll_up_revenue(actor=None, days=[now.date() - timedelta(days=i) for i in range(1, 8)])
    page.goto(f"{live_server.url}/metro/operations/")
    rolled = [_cells(day_rows.nth(i)) for i in range(day_rows.count())]
    assert [r[:3] for r in rolled] == [r[:3] for r in by_day], rolled
    assert rolled[1][3] == by_day[1][3] and rolled[0][3] != by_day[0][3], rolled  # today still live
    summed = page.locator("#revenue-day tbody tr").first.locator("td:nth-child(4) time")
    assert datetime.fromisoformat(summed.get_attribute("datetime") or "") >= now - timedelta(minutes=1)
    assert _row(page, "revenue-line", "2호선")[1:] == ["1", "1,550원"]

    # --- the chart draws (vendored Vega assets)
    if not VEGA_EMBED.exists():
        pytest.skip(f"chart not checked: vendored Vega assets are missing ({VEGA_EMBED.name}); run `make assets`")
    page.goto(f"{live_server.url}/metro/operations/")
    chart = page.locator("div.chart[data-chart=chart-revenue]")
    assert chart.count() == 1
    try:
        chart.locator("svg, canvas").first.wait_for(state="attached", timeout=10_000)
    except Exception as exc:
        raise AssertionError(
            f"the revenue chart did not render (failed requests: {seen['failed_requests']}, "
            f"console errors: {seen['console_errors']}, page errors: {seen['page_errors']})"
        ) from exc
    assert not seen["page_errors"], seen["page_errors"]


def _day_matches(text: str, day: Any) -> bool:
    """The day cell as Django writes a date in Korean or ISO form."""
    return text in {day.isoformat(), f"{day.year}년 {day.month}월 {day.day}일", f"{day:%Y.%m.%d.}", f"{day:%Y-%m-%d}"}


@pytest.mark.browser
def test_operations_sends_anonymous_visitor_to_sign_in(live_server: Any, metro_data: None, page: Any) -> None:  # noqa: F811
    response = page.goto(f"{live_server.url}/metro/operations/")
    assert response is not None and response.status == 200
    assert re.search(r"/accounts/login/\?next=(/|%2F)metro(/|%2F)operations(/|%2F)$", page.url), page.url
    assert page.locator("#revenue-day").count() == 0
    assert page.locator("input[name=username]").is_visible()


@pytest.mark.browser
def test_operations_refuse_a_citizen(
    live_server: Any,
    plain_citizen: Any,  # noqa: F811
    new_context: Any,
    sign_in: Any,
) -> None:
    from seoul.core.models import AuditEvent

    page = new_context().new_page()
    sign_in(page, plain_citizen)
    response = page.goto(f"{live_server.url}/metro/operations/")
    assert response is not None and response.status == 403
    assert page.locator("#revenue-day").count() == 0
    assert page.locator("#gate-health").count() == 0
    denied = AuditEvent.objects.filter(event="authz.denied", actor=plain_citizen)
    assert denied.count() == 1 and denied.get().new == {"needs": "metro:viewer"}
