"""Institution staff register a project and report its progress; an auditor sees it in the audit log."""

from __future__ import annotations

import re
from typing import Any

import pytest

NAME_KO = "지하철 역사 공기질 개선 시범사업"
NAME_EN = "Cleaner air in subway stations (pilot)"
KPI_NAME = "미세먼지 농도 저감률"


def _registered_count(page: Any) -> int:
    return int(page.inner_text("[data-testid=registered-projects]").strip().replace(",", ""))


def _project_rows(page: Any, code: str) -> Any:
    return page.locator("#project-table tbody tr").filter(has=page.locator(f"a:text-is('{code}')"))


@pytest.mark.browser
def test_operator_registers_project_reports_progress_and_auditor_sees_it(
    live_server: Any, operator: Any, auditor: Any, new_context: Any, sign_in: Any
) -> None:
    from django.utils import timezone

    from seoul.core.models import AuditEvent
    from seoul.plan.models import Project, Vision

    vision = Vision.objects.get(code=2)
    today = timezone.localdate()
    page = new_context().new_page()

    # --- sign in through the real form, straight to the dashboard
    sign_in(page, operator, next_path="/plan/dashboard/")
    assert page.url == f"{live_server.url}/plan/dashboard/"
    before = _registered_count(page)
    assert before == Project.objects.count()  # the announced projects loaded as reference data
    assert page.locator(f"#project-table :text('{NAME_KO}')").count() == 0

    # --- register a project with a KPI through the form
    with page.expect_navigation():
        page.click("a[href='/plan/projects/new/']")
    assert page.url == f"{live_server.url}/plan/projects/new/"
    institution_options = page.locator("#id_institution option:not([value=''])")
    assert institution_options.count() == 1, "an operator registers for their own institution only"
    assert institution_options.first.get_attribute("value") == operator.institution.code

    page.select_option("#id_vision", str(vision.code))
    page.select_option("#id_institution", operator.institution.code)
    page.fill("#id_name_ko", NAME_KO)
    page.fill("#id_name_en", NAME_EN)
    page.fill("#id_description", "혼잡 역사 10곳에 공기정화 설비를 설치한다.")
    page.fill("#id_budget_krw", "1500000000")
    page.fill("#id_quantity", "10")
    page.fill("#id_unit", "개소")
    page.fill("#id_deadline", "2022-12-31")
    page.fill("#id_kpi_name", KPI_NAME)
    page.fill("#id_kpi_unit", "%")
    page.fill("#id_kpi_target", "20")
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    # --- lands on the project page, showing the project and its KPI
    match = re.fullmatch(re.escape(live_server.url) + r"/plan/projects/(R-SEOUL_METRO-\d{3})/", page.url)
    assert match, f"expected the new project's page, got {page.url}: {page.inner_text('main')[:500]}"
    code = match.group(1)
    project = Project.objects.get(code=code)
    assert (project.name_ko, project.budget_krw, project.vision_id) == (NAME_KO, 1_500_000_000, vision.pk)
    assert project.institution_id == operator.institution_id
    assert code in page.inner_text(".messages")
    assert page.inner_text("h1").strip() == NAME_KO
    kpi_heading = page.locator("section[aria-labelledby=kpi-h] h3")
    assert kpi_heading.count() == 1
    kpi_text = kpi_heading.inner_text()
    assert KPI_NAME in kpi_text and "%" in kpi_text and re.search(r"\b20\b", kpi_text), kpi_text
    assert list(project.kpis.values_list("name", "unit")) == [(KPI_NAME, "%")]
    assert page.inner_text("[data-testid=project-executed]").strip() == "0원"

    # --- report progress on the project page; the executed amount shown changes
    progress = page.locator("form[action$='/progress/']")
    progress.locator("#id_reported_on").fill(today.isoformat())
    progress.locator("#id_status").select_option("in_progress")
    progress.locator("#id_budget_executed_krw").fill("300000000")
    progress.locator("#id_note").fill("1차 설치 완료 (3개 역사)")
    with page.expect_navigation():
        progress.locator("button[type=submit]").click()
    assert page.url == f"{live_server.url}/plan/projects/{code}/", page.inner_text("main")[:500]
    assert page.inner_text("[data-testid=project-executed]").strip() == "3억 원"
    report_rows = page.locator("section[aria-labelledby=rep-h] table tbody tr")
    assert report_rows.count() == 1
    assert "1차 설치 완료 (3개 역사)" in report_rows.first.inner_text()
    assert "3억 원" in report_rows.first.inner_text()
    project.refresh_from_db()
    assert (project.status, project.budget_executed_krw) == ("in_progress", 300_000_000)

    # --- the staff dashboard changes: one more registered project, listed in the table
    page.goto(f"{live_server.url}/plan/dashboard/")
    assert _registered_count(page) == before + 1
    rows = _project_rows(page, code)
    assert rows.count() == 1
    row_text = rows.first.inner_text()
    assert NAME_KO in row_text and "15억 원" in row_text and "3억 원" in row_text, row_text

    # --- the auditor (core admin, another browser context) finds the event in the audit log
    audit_page = new_context().new_page()
    sign_in(audit_page, auditor)
    audit_page.goto(f"{live_server.url}/audit/")
    assert audit_page.locator("#audit-table").count() == 0, "the audit log must ask for a reason first"
    # A person clicks the label (KRDS hides the native radio and draws its own).
    audit_page.locator("label[for=reason-audit]").click()
    assert audit_page.locator("input[name=reason][value='core.audit']").is_checked()
    audit_page.fill("#id_reason_detail", "분기 정기 감사 2026-4")
    with audit_page.expect_navigation():
        audit_page.click("main form button[type=submit]")
    assert audit_page.locator("#audit-table").count() == 1, audit_page.inner_text("main")[:500]

    registered = audit_page.locator("#audit-table tbody tr").filter(
        has=audit_page.locator("code:text-is('plan.project.registered')")
    )
    assert registered.count() == 1, audit_page.inner_text("#audit-table")[:2000]
    event_text = registered.first.inner_text()
    assert operator.username in event_text and code in event_text and NAME_KO in event_text, event_text

    # the search needs no second reason and narrows the log to that event
    audit_page.select_option("#id_event", "plan.project.registered")
    with audit_page.expect_navigation():
        audit_page.click("form.filters button[type=submit]")
    assert "reason" not in audit_page.url  # the reason stays in the session
    all_rows = audit_page.locator("#audit-table tbody tr")
    assert all_rows.count() == 1
    assert code in all_rows.first.inner_text()

    # the database agrees, and the auditor's own searches are logged with the reason
    assert AuditEvent.objects.filter(event="plan.project.registered", target_id=str(project.pk)).count() == 1
    searched = AuditEvent.objects.filter(event="audit.searched", actor=auditor)
    assert searched.exists() and all(e.reason.startswith("core.audit: ") for e in searched)
