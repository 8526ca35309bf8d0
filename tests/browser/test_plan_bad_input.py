"""Bad input typed into the register form is refused, explained, and never saved."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.browser
def test_negative_budget_and_empty_name_are_refused(
    live_server: Any, operator: Any, new_context: Any, sign_in: Any
) -> None:
    from django.utils import translation

    from seoul.core.models import AuditEvent
    from seoul.plan.forms import ProjectForm
    from seoul.plan.models import Kpi, Project

    with translation.override("ko"):
        labels = {f: str(ProjectForm.base_fields[f].label) for f in ("name_ko", "budget_krw")}
    projects_before = Project.objects.count()
    kpis_before = Kpi.objects.count()

    page = new_context().new_page()
    sign_in(page, operator, next_path="/plan/projects/new/")
    assert page.url == f"{live_server.url}/plan/projects/new/"

    page.fill("#id_name_ko", "")
    page.fill("#id_name_en", "Project without a Korean name")
    page.fill("#id_budget_krw", "-5000000")
    page.fill("#id_kpi_name", "참여 인원")
    page.fill("#id_kpi_unit", "명")
    page.fill("#id_kpi_target", "100")
    with page.expect_navigation() as nav:
        page.click("main form button[type=submit]")
    assert nav.value.status == 400
    assert page.url == f"{live_server.url}/plan/projects/new/", "the form must be shown again, not a project page"

    # An error summary at the top names both fields and links to them.
    summary = page.locator(".error-summary[role=alert]")
    assert summary.count() == 1 and summary.is_visible()
    hrefs = sorted(a.get_attribute("href") for a in summary.locator("li a").all())
    assert hrefs == ["#id_budget_krw", "#id_name_ko"], summary.inner_text()
    text = summary.inner_text()
    assert labels["name_ko"] in text and labels["budget_krw"] in text, text

    # The summary link moves focus to the field.
    summary.locator("a[href='#id_name_ko']").click()
    assert page.evaluate("document.activeElement.id") == "id_name_ko"

    # Each field shows its own message; what was typed is kept for correction.
    assert page.locator(".field.has-error").count() == 2
    assert page.locator("#id_name_ko_error").is_visible()
    assert page.locator("#id_budget_krw_error").is_visible()
    assert page.input_value("#id_budget_krw") == "-5000000"
    assert page.input_value("#id_name_en") == "Project without a Korean name"
    assert page.input_value("#id_kpi_name") == "참여 인원"

    # Nothing was saved, nothing was logged as registered.
    assert Project.objects.count() == projects_before
    assert Kpi.objects.count() == kpis_before
    assert not Project.objects.filter(name_en="Project without a Korean name").exists()
    assert not AuditEvent.objects.filter(event="plan.project.registered").exists()
