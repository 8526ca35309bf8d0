"""What an anonymous citizen sees of the plan, in a real browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

VEGA_EMBED = Path(__file__).resolve().parents[2] / "src/seoul/core/static/vendor/vega/vega-embed.min.js"

# Collects Content Security Policy violations reported by the page itself (the init script is
# injected by the browser driver, so the page's own policy does not block it).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


def _watch(page: Any) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {"console_errors": [], "page_errors": [], "failed_requests": []}
    page.on("console", lambda m: seen["console_errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["page_errors"].append(str(e)))
    page.on("response", lambda r: seen["failed_requests"].append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.add_init_script(CSP_LISTENER)
    return seen


def _csp_problems(page: Any, seen: dict[str, list[str]]) -> list[str]:
    from_console = [t for t in seen["console_errors"] if re.search(r"content security policy", t, re.I)]
    from_events = page.evaluate("window.__cspViolations || []")
    return from_console + [f"securitypolicyviolation: {v}" for v in from_events]


@pytest.mark.browser
def test_citizen_sees_the_plan_in_korean_and_switches_to_english(
    live_server: Any, reference_data: None, page: Any
) -> None:
    from seoul.plan.models import Vision

    visions = list(Vision.objects.order_by("code"))
    assert len(visions) == 5, "reference data should hold the five visions"
    seen = _watch(page)

    response = page.goto(f"{live_server.url}/plan/")
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    problems = _csp_problems(page, seen)
    assert not problems, f"Content Security Policy violations on the public page (ko): {problems}"

    # Korean is the default language for a browser asking for ko-KR.
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator("button[name=language][value=ko]").get_attribute("aria-current") == "true"
    assert page.locator("button[name=language][value=en]").get_attribute("aria-current") is None

    # The plan as announced on 2 July 2020: 5 visions, 128 projects, 611.6 billion won.
    assert page.inner_text("[data-testid=total-visions]").strip() == "5"
    assert page.inner_text("[data-testid=total-projects]").strip() == "128"
    assert page.inner_text("[data-testid=total-budget]").strip() == "6,116억 원"

    rows = page.locator("#vision-table tbody tr")
    assert rows.count() == 5
    assert [rows.nth(i).get_attribute("data-vision") for i in range(5)] == [str(v.code) for v in visions]
    first_row_ko = rows.nth(0).locator("th").inner_text()
    assert visions[0].name_ko in first_row_ko
    # Per-vision announced counts in the table add up to the total shown above.
    announced = [int(rows.nth(i).locator("td").nth(0).inner_text().replace(",", "")) for i in range(5)]
    assert announced == [v.projects_announced for v in visions]
    assert sum(announced) == 128

    # A citizen sees no staff tools.
    assert page.locator("[data-testid=flag-count]").count() == 0
    assert page.get_by_role("link", name=re.compile("Sign in|로그인")).count() == 1

    # Switch the language with the header form.
    with page.expect_navigation():
        page.click("header form.lang-switch button[name=language][value=en]")
    assert page.url.rstrip("/").endswith("/plan"), f"language switch should come back to the page, got {page.url}"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("button[name=language][value=en]").get_attribute("aria-current") == "true"
    assert page.inner_text("h1").strip() == "Post-Corona public innovation plan"
    assert page.inner_text("[data-testid=total-budget]").strip() == "KRW 611.6 billion"
    assert page.inner_text("[data-testid=total-projects]").strip() == "128"
    en_rows = page.locator("#vision-table tbody tr")
    assert en_rows.count() == 5
    if visions[0].name_en:
        assert visions[0].name_en in en_rows.nth(0).locator("th").inner_text()
    assert "Projects announced" in page.inner_text("#vision-table thead")

    # The choice sticks for the next page.
    page.goto(f"{live_server.url}/plan/")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"

    problems = _csp_problems(page, seen)
    assert not problems, f"Content Security Policy violations on the public page: {problems}"
    assert not seen["page_errors"], f"JavaScript errors on the public page: {seen['page_errors']}"


@pytest.mark.browser
def test_staff_dashboard_sends_anonymous_visitor_to_sign_in(live_server: Any, reference_data: None, page: Any) -> None:
    response = page.goto(f"{live_server.url}/plan/dashboard/")
    assert response is not None and response.status == 200  # after the redirect
    assert re.search(r"/accounts/login/\?next=(/|%2F)plan(/|%2F)dashboard(/|%2F)$", page.url), page.url
    assert page.locator("input[name=username]").is_visible()
    assert page.locator("input[name=password]").is_visible()
    assert page.locator("[data-testid=registered-projects]").count() == 0
    assert page.locator("#project-table").count() == 0


@pytest.mark.browser
def test_charts_render(live_server: Any, operator: Any, page: Any) -> None:
    if not VEGA_EMBED.exists():
        pytest.skip(f"charts not checked: vendored Vega assets are missing ({VEGA_EMBED.name}); run `make assets`")
    from datetime import date

    from seoul.plan import actions
    from seoul.plan.models import Project

    # some budget executed, so that the execution chart has a line to draw
    project = Project.objects.filter(institution=operator.institution).first()
    actions.report_progress(
        project, reported_on=date(2021, 6, 30), status="in_progress", budget_executed_krw=10**9, actor=operator
    )
    seen = _watch(page)
    page.goto(f"{live_server.url}/plan/")
    charts = page.locator("div.chart")
    assert charts.count() == 3
    for i in range(charts.count()):
        chart = charts.nth(i)
        name = chart.get_attribute("data-chart")
        try:
            chart.locator("svg, canvas").first.wait_for(state="attached", timeout=10_000)
        except Exception as exc:
            raise AssertionError(
                f"chart {name} did not render (failed requests: {seen['failed_requests']}, "
                f"console errors: {seen['console_errors']}, page errors: {seen['page_errors']})"
            ) from exc
    problems = _csp_problems(page, seen)
    assert not problems, f"Content Security Policy violations while drawing charts: {problems}"
