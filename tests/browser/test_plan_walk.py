"""A walk through every page of the plan service at a phone's width (390 px) and a desktop's
(1366 px), in Korean and in English: the public page (and its vision table for one
institution), the dashboard as a viewer reads it, a project page with the operator's forms,
the register form, the register form with errors and a project form with errors.

On every page: axe-core finds no critical or serious violation, nothing is wider than the
screen, the page is in the language asked for and, in English, no Korean text is left outside
what is marked ``lang="ko"`` (the language button, and names people typed only in Korean).
The charts are drawn. Each page is photographed to ``test-artifacts/walk/plan-*.png`` (not kept
in git) for a person to look at. All problems of a walk are reported together.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.browser.a11y import blocking, describe_violations
from tests.browser.conftest import ARTIFACTS

WALK = ARTIFACTS / "walk"
VIEWER_PASSWORD = "Gyeongbokgung-palace-9-gates"

# Text outside elements marked lang="ko": on an English page it must hold no Hangul.
UNMARKED_KOREAN = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('[lang="ko"], script, style, template').forEach((e) => e.remove());
  const found = body.textContent.match(/[\\u1100-\\u11ff\\u3130-\\u318f\\uac00-\\ud7a3]+/g) || [];
  const options = Array.from(document.querySelectorAll('option:not([lang="ko"])'))
    .map((o) => o.textContent).filter((t) => /[\\uac00-\\ud7a3]/.test(t));
  return found.concat(options);
}"""


def _check(page: Any, axe: Any, name: str, lang: str, width: int, problems: list[str]) -> None:
    where = f"plan {name} ({page.url}, {lang}, {width} px)"
    page.wait_for_load_state("networkidle")
    for chart in page.locator("div.chart[data-chart]").all():
        chart.locator("svg").first.wait_for(state="attached", timeout=10_000)
    WALK.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(WALK / f"plan-{name}-{lang}-{width}.png"), full_page=True)
    if page.get_attribute("html", "lang") != lang:
        problems.append(f"{where}: the page is in {page.get_attribute('html', 'lang')!r}")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"{where}: {overflow} px wider than the screen")
    if lang == "en":
        korean = page.evaluate(UNMARKED_KOREAN)
        if korean:
            problems.append(f"{where}: Korean text on the English page: {korean[:10]}")
    failed = page.locator("[data-chart-state=error]").count()
    if failed:
        problems.append(f"{where}: {failed} chart(s) could not be drawn")
    found = blocking(axe(page))
    if found:
        problems.append(f"{where}:\n{describe_violations(found)}")


@pytest.fixture
def plan_history(operator: Any) -> dict[str, Any]:
    """Progress, a KPI and a milestone on Seoul Metro's tagless project and on another
    institution's project (by the plan office), so that every chart and form has something
    to show; a viewer of the dashboard."""
    from seoul.core.models import Institution, ServiceRole, User
    from seoul.plan import actions
    from seoul.plan.models import Project

    office = User.objects.create_user(username="plan.office", kind=User.Kind.STAFF)
    ServiceRole.objects.create(user=office, service="plan", role="admin")
    viewer = User.objects.create_user(
        username="plan.reader",
        password=VIEWER_PASSWORD,
        kind=User.Kind.STAFF,
        institution=Institution.objects.get(code="SDT"),
    )
    ServiceRole.objects.create(user=viewer, service="plan", role="viewer")
    viewer.test_password = VIEWER_PASSWORD
    tagless = Project.objects.get(code="V3-TAGLESS")
    fund = Project.objects.get(code="V4-STARTUP-FUND")
    for day, executed in ((date(2020, 12, 31), 9_000_000_000), (date(2021, 6, 30), 21_000_000_000)):
        actions.report_progress(fund, reported_on=day, status="in_progress", budget_executed_krw=executed, actor=office)
    actions.report_progress(
        tagless, reported_on=date(2021, 6, 30), status="in_progress", budget_executed_krw=0, actor=operator
    )
    kpi = actions.add_kpi(tagless, actions.KpiInput("태그리스 게이트", "대"), actor=operator)
    actions.record_kpi_value(kpi, Decimal(556), date(2022, 12, 31), actor=operator)
    actions.add_milestone(tagless, "1~8호선 설치", date(2022, 12, 31), actor=operator)
    return {"viewer": viewer}


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_plan_walk_is_accessible_in_one_language_and_fits_the_screen(
    live_server: Any,
    operator: Any,
    plan_history: dict[str, Any],
    new_context: Any,
    sign_in: Any,
    axe: Any,
    lang: str,
    width: int,
) -> None:
    problems: list[str] = []
    statuses: dict[str, int] = {}

    def context() -> Any:
        ctx = new_context(locale="ko-KR" if lang == "ko" else "en-US", viewport={"width": width, "height": 900})
        ctx.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
        return ctx

    def visit(page: Any, name: str, path: str) -> None:
        response = page.goto(f"{live_server.url}{path}")
        statuses[name] = response.status
        _check(page, axe, name, lang, width, problems)

    citizen = context().new_page()
    visit(citizen, "public", "/plan/")
    visit(citizen, "public-one-institution", "/plan/?visions_for=SBA#visions-h")
    visit(citizen, "project-public", "/plan/projects/V4-STARTUP-FUND/")

    reader = context().new_page()
    sign_in(reader, plan_history["viewer"])
    visit(reader, "dashboard", "/plan/dashboard/")

    staff = context().new_page()
    sign_in(staff, operator)
    visit(staff, "dashboard-operator", "/plan/dashboard/?sort=budget")
    visit(staff, "project-operator", "/plan/projects/V3-TAGLESS/")
    visit(staff, "register", "/plan/projects/new/")

    # the register form sent with mistakes: its error summary and fields
    staff.fill("#id_name_en", "Cleaner air\u0007 in stations")
    staff.fill("#id_budget_krw", "-1")
    staff.fill("#id_deadline", "2019-12-31")
    with staff.expect_navigation() as nav:
        staff.click("main form button[type=submit]")
    statuses["register-errors"] = nav.value.status
    _check(staff, axe, "register-errors", lang, width, problems)

    # a progress report for a day before the plan: the project page again, with the error
    staff.goto(f"{live_server.url}/plan/projects/V3-TAGLESS/")
    form = staff.locator("form[action$='/progress/']")
    form.locator("#id_reported_on").fill("2019-12-31")
    with staff.expect_navigation() as nav:
        form.locator("button[type=submit]").click()
    statuses["progress-errors"] = nav.value.status
    _check(staff, axe, "progress-errors", lang, width, problems)

    assert {k: v for k, v in statuses.items() if k.endswith("errors")} == {
        "register-errors": 400,
        "progress-errors": 400,
    }
    assert all(code == 200 for k, code in statuses.items() if not k.endswith("errors")), statuses
    assert staff.locator(".error-summary a[href='#id_reported_on']").count() == 1
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_vision_table_sorts_and_the_project_table_filters_with_htmx(
    live_server: Any, plan_history: dict[str, Any], new_context: Any, sign_in: Any
) -> None:
    page = new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.goto(f"{live_server.url}/plan/")
    rows = page.locator("#vision-table tbody tr")
    assert [rows.nth(i).get_attribute("data-vision") for i in range(5)] == ["1", "2", "3", "4", "5"]
    # sort by executed budget (a button in the column header), largest first on the second click
    header = page.locator("#vision-table thead th").filter(has_text="집행").first
    header.locator("button.sort-button").click()
    header.locator("button.sort-button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert rows.nth(0).get_attribute("data-vision") == "4"  # the start-up fund's vision
    assert page.locator("#vision-table tfoot th").inner_text().strip() == "합계"  # the total stays last

    # the table of one institution's projects
    page.select_option("#visions-for", "SBA")
    with page.expect_navigation():
        page.click("#vision-filter button[type=submit]")
    assert "visions_for=SBA" in page.url
    assert page.locator("#vision-table thead th").count() == 5  # no announced columns
    assert "서울산업진흥원" in page.inner_text("#vision-table-note")

    # the dashboard's project table: filtered in place by htmx, one table, still sortable
    sign_in(page, plan_history["viewer"], next_path="/plan/dashboard/")
    before = page.locator("#project-table tbody tr").count()
    page.select_option("#project-filter select[name=institution]", "SBA")
    page.wait_for_function(f"() => document.querySelectorAll('#project-table tbody tr').length < {before}")
    assert page.locator("#project-table").count() == 1
    assert "institution=SBA" in page.url
    codes = page.locator("#project-table tbody tr td:first-child").all_inner_texts()
    assert codes and all(c.startswith("V4-") for c in codes), codes
    # the new table is made sortable once htmx has settled it, a moment after the swap
    page.wait_for_selector("#project-table table[data-sortable-ready]")
    assert page.locator("#project-table table[data-sortable-ready]").count() == 1
