"""The plan's figures are kept per process (plan.figures, core.pagecache, template fragments)
and must never be stale after a write, nor hold anything personal."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.db import transaction
from django.test import Client
from django.utils import timezone

from seoul.core import pagecache
from seoul.core.engine.money import format_krw
from seoul.core.models import User
from seoul.plan import actions, figures
from seoul.plan import reference as plan_reference
from seoul.plan.models import Project, Vision
from seoul.plan.tests import builders
from seoul.plan.tests.builders import metro_project

pytestmark = pytest.mark.django_db

EXECUTED = 1_234_500_000  # 12.3억 원: no vision shows it before the report


def vision_row_executed(page: str, vision: int) -> str:
    """The "Executed" cell of a vision's row in the public page's vision table."""
    row = re.search(rf'<tr data-vision="{vision}">(.*?)</tr>', page, re.S)
    assert row, f"no row for vision {vision}"
    return re.findall(r'<td class="num"[^>]*>(.*?)</td>', row.group(1))[4]


def api_executed(client: Client, vision: int) -> int:
    return next(v for v in client.get("/api/v1/plan/visions").json() if v["code"] == vision)["budget_executed_krw"]


def report(operator: User, project: Project, executed: int = EXECUTED) -> None:
    builders.report(project, operator, executed=executed)


def test_a_progress_report_shows_at_once_on_the_public_page_and_the_api(operator: User) -> None:
    project, anonymous = metro_project(), Client()
    vision = project.vision.code
    before_page = anonymous.get("/plan/").content.decode()
    before_api = api_executed(anonymous, vision)
    assert format_krw(EXECUTED) not in vision_row_executed(before_page, vision)
    kept_before = pagecache.kept_pages()
    assert kept_before, "the anonymous public page is kept"

    report(operator, project)

    # The write clears nothing in this process: every worker process still holds what it kept
    # before. Only the stamp read from the database on the next request can tell them.
    assert pagecache.kept_pages() == kept_before
    page = anonymous.get("/plan/").content.decode()
    assert vision_row_executed(page, vision) == format_krw(EXECUTED)
    assert api_executed(anonymous, vision) == before_api + EXECUTED
    # and from a fresh process (nothing kept)
    figures.forget()
    pagecache.clear()
    cache.clear()
    assert vision_row_executed(Client().get("/plan/").content.decode(), vision) == format_krw(EXECUTED)
    assert api_executed(Client(), vision) == before_api + EXECUTED


def test_every_plan_write_changes_the_stamp(operator: User) -> None:
    project = metro_project()
    seen = {figures.version()}

    def changes(write: Callable[[], object]) -> None:
        write()
        stamp = figures.version()
        assert stamp not in seen
        seen.add(stamp)

    changes(lambda: report(operator, project))
    changes(lambda: builders.registered(operator))
    milestone = builders.milestone(project, operator)
    seen.add(figures.version())
    changes(lambda: actions.complete_milestone(milestone, date(2021, 6, 20), actor=operator))
    kpi = builders.kpi(project, operator)
    seen.add(figures.version())
    changes(lambda: actions.record_kpi_value(kpi, Decimal(3), date(2021, 12, 31), actor=operator))
    changes(plan_reference.load)


def test_a_rolled_back_write_leaves_the_stamp(operator: User) -> None:
    stamp, seen = figures.version(), []

    def failing_write() -> None:
        with transaction.atomic():
            report(operator, metro_project())
            seen.append(figures.version())
            raise RuntimeError("the write fails after the stamp changed")

    with pytest.raises(RuntimeError):
        failing_write()
    assert seen[0] != stamp
    assert figures.version() == stamp


def test_a_registered_project_counts_at_once(operator: User) -> None:
    project, anonymous = metro_project(), Client()
    vision = project.vision.code

    def registered() -> tuple[str, int]:
        page = anonymous.get("/plan/").content.decode()
        total = re.search(r'data-testid="registered-projects">(\d+)<', page)
        api = next(v for v in anonymous.get("/api/v1/plan/visions").json() if v["code"] == vision)
        assert total
        return total.group(1), api["projects_registered"]

    before_total, before_vision = registered()
    builders.registered(operator, vision=project.vision, name_ko="역사 무인 안내")
    assert registered() == (str(int(before_total) + 1), before_vision + 1)


def test_milestones_change_the_dashboards_flags_at_once(operator: User, make_user: Callable[..., User]) -> None:
    viewer = Client()
    viewer.force_login(make_user(roles={"plan": "viewer"}))
    project = metro_project()
    overdue = "사업 착수 보고 (test)"
    assert overdue not in viewer.get("/plan/dashboard/").content.decode()
    milestone = builders.milestone(project, operator, overdue, timezone.localdate() - timedelta(days=3))
    assert overdue in viewer.get("/plan/dashboard/").content.decode()
    actions.complete_milestone(milestone, timezone.localdate(), actor=operator)
    assert overdue not in viewer.get("/plan/dashboard/").content.decode()


def test_the_dashboard_project_table_follows_a_report(operator: User, make_user: Callable[..., User]) -> None:
    viewer = Client()
    viewer.force_login(make_user(roles={"plan": "viewer"}))
    viewer.get("/plan/dashboard/?sort=executed")
    report(operator, metro_project())
    table = viewer.get("/plan/dashboard/?sort=executed", headers={"HX-Request": "true"}).content.decode()
    first_row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", table, re.S)
    assert first_row and format_krw(EXECUTED) in first_row.group(1)


def test_kept_pages_and_figures_differ_by_language(reference: None) -> None:
    korean, english = Client(), Client()
    english.post("/i18n/setlang/", {"language": "en", "next": "/plan/"})
    ko_page = korean.get("/plan/").content.decode()
    en_page = english.get("/plan/").content.decode()
    ko_again = korean.get("/plan/").content.decode()
    assert '<html lang="ko"' in ko_page and '<html lang="en"' in en_page and '<html lang="ko"' in ko_again
    name = Vision.objects.get(code=1)
    assert name.name_en in en_page and name.name_en not in ko_page
    assert "Budget executed" in en_page and "Budget executed" not in ko_again
    assert len(pagecache.kept_pages()) == 2
    # the summary fragment too: one per language
    stamp, today = figures.version(), timezone.localdate()
    ko, en = (cache.get(make_template_fragment_key("plan_summary", [stamp, today, lang])) for lang in ("ko", "en"))
    assert ko and en and ko != en


def test_no_personal_data_in_what_is_kept(operator: User, make_user: Callable[..., User]) -> None:
    staff = make_user(roles={"plan": "operator"}, username="kept.nothing")
    staff_client = Client()
    staff_client.force_login(staff)
    for url in ("/plan/", "/plan/dashboard/", "/plan/dashboard/?sort=budget"):
        body = staff_client.get(url).content.decode()
        assert "kept.nothing" in body  # the page itself names who is signed in
    # a signed-in visit keeps no whole page, and the fragments it kept name nobody
    assert pagecache.kept_pages() == []
    stamp, today = figures.version(), timezone.localdate()
    fragments = [
        cache.get(make_template_fragment_key("plan_summary", [stamp, today, "ko"])),
        cache.get(make_template_fragment_key("plan_flags", [stamp, today, "ko"])),
        cache.get(make_template_fragment_key("plan_projects", [stamp, "ko", None, "", "budget"])),
    ]
    assert all(fragments)
    for fragment in fragments:
        assert "kept.nothing" not in fragment
        assert "csrfmiddlewaretoken" not in fragment
        assert "Register a project" not in fragment and "사업 등록" not in fragment

    # anonymous visitors: each gets a token for their own cookie; the kept page has none
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    token_of = {}
    for visitor in (first, second):
        body = visitor.get("/plan/").content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        assert token
        token_of[visitor] = token.group(1)
    assert token_of[first] != token_of[second]
    (kept,) = pagecache.kept_pages()
    assert pagecache.CSRF_PLACEHOLDER in kept
    assert token_of[first] not in kept and token_of[second] not in kept
    assert "kept.nothing" not in kept and "Sign out" not in kept and "로그아웃" not in kept
    # each token works with its own visitor's cookie (the language switcher posts it)
    for visitor in (first, second):
        switched = visitor.post(
            "/i18n/setlang/", {"language": "en", "next": "/plan/", "csrfmiddlewaretoken": token_of[visitor]}
        )
        assert switched.status_code == 302
    refused = Client(enforce_csrf_checks=True)
    refused.get("/plan/")
    assert refused.post("/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": token_of[first]}).status_code == 403


def test_pending_messages_and_htmx_requests_are_not_answered_from_the_cache(reference: None) -> None:
    Client().get("/plan/")
    assert len(pagecache.kept_pages()) == 1
    with_message = Client()
    with_message.cookies["messages"] = "anything"
    with_message.get("/plan/")
    Client().get("/plan/", headers={"HX-Request": "true"})
    assert len(pagecache.kept_pages()) == 1
    Client().get("/plan/?from=press-release")
    assert len(pagecache.kept_pages()) == 2
