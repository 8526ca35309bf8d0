"""A walk through the pages every citizen and staff member meets, at a phone's width (390 px) and a
desktop's (1366 px), in Korean and in English.

On every page: axe-core finds no critical or serious violation, nothing is wider than the screen,
and the page is in the language asked for. Each page is photographed to ``test-artifacts/walk/``
(not kept in git) so a person can look at them. All problems of a walk are reported together.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.a11y import blocking, describe_violations
from tests.browser.conftest import ARTIFACTS
from tests.browser.metro_fixtures import metro_data  # noqa: F401 - fixture

WALK = ARTIFACTS / "walk"
REASON_DETAIL = "점검 2026-1202 화면 확인"

ANONYMOUS = [
    ("home", "/"),
    ("sign-in", "/accounts/login/"),
    ("plan-public", "/plan/"),
    ("metro-fare", "/metro/"),
    ("guarantee-start", "/guarantee/"),
    ("privacy", "/privacy/"),
    ("copyright", "/copyright/"),
    ("error-404", "/no-such-page/"),
    ("error-500", "/fail/"),
]
AUDITOR = [
    ("account", "/accounts/me/"),
    ("error-403", "/plan/dashboard/"),  # the auditor holds no plan role
]


def _check(page: Any, axe: Any, name: str, lang: str, width: int, problems: list[str]) -> None:
    where = f"{name} ({page.url}, {lang}, {width} px)"
    WALK.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(WALK / f"{name}-{lang}-{width}.png"), full_page=True)
    if page.get_attribute("html", "lang") != lang:
        problems.append(f"{where}: the page is in {page.get_attribute('html', 'lang')!r}")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"{where}: {overflow} px wider than the screen")
    found = blocking(axe(page))
    if found:
        problems.append(f"{where}:\n{describe_violations(found)}")


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_walk_is_accessible_and_fits_the_screen(
    live_server: Any,
    metro_data: None,  # noqa: F811
    auditor: Any,
    new_context: Any,
    sign_in: Any,
    axe: Any,
    settings: Any,
    lang: str,
    width: int,
) -> None:
    settings.ROOT_URLCONF = "seoul.core.tests.urls_raise"  # the platform's URLs plus /fail/, which raises
    context = new_context(locale="ko-KR" if lang == "ko" else "en-US", viewport={"width": width, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    statuses: dict[str, int] = {}

    for name, path in ANONYMOUS:
        response = page.goto(f"{live_server.url}{path}")
        statuses[name] = response.status
        _check(page, axe, name, lang, width, problems)

    # A form sent after its CSRF cookie was lost: the "form has expired" page.
    page.goto(f"{live_server.url}/accounts/login/")
    context.clear_cookies()
    with page.expect_navigation() as nav:
        page.click("main form button[type=submit]")
    statuses["error-csrf"] = nav.value.status
    _check(page, axe, "error-csrf", lang, width, problems)

    sign_in(page, auditor)
    # The audit log asks for a reason first (once per session), stated through the form.
    statuses["audit-reason"] = page.goto(f"{live_server.url}/audit/").status
    _check(page, axe, "audit-reason", lang, width, problems)
    assert page.locator("#audit-table").count() == 0, "the audit log asks for a reason first"
    page.locator("label[for=reason-audit]").click()
    page.fill("#id_reason_detail", REASON_DETAIL)
    with page.expect_navigation() as nav:
        page.click("main form button[type=submit]")
    statuses["audit-log"] = nav.value.status
    assert page.url == f"{live_server.url}/audit/", "the reason is kept in the session, not the URL"
    assert page.locator("#audit-table tbody tr").count() >= 1, page.inner_text("main")[:500]
    _check(page, axe, "audit-log", lang, width, problems)
    for name, path in AUDITOR:
        response = page.goto(f"{live_server.url}{path}")
        statuses[name] = response.status
        _check(page, axe, name, lang, width, problems)

    expected = {"error-404": 404, "error-500": 500, "error-csrf": 403, "error-403": 403}
    assert {k: statuses[k] for k in expected} == expected
    assert all(code == 200 for k, code in statuses.items() if k not in expected), statuses
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_menu_button_on_a_phone(live_server: Any, reference_data: None, new_context: Any) -> None:
    page = new_context(viewport={"width": 390, "height": 800}).new_page()
    page.goto(f"{live_server.url}/")
    button = page.locator("button.menu-toggle")
    links = page.locator("#main-nav a")
    assert button.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    assert not links.first.is_visible(), "the menu starts folded on a phone"

    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert links.first.is_visible() and links.count() >= 3

    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false"
    assert not links.first.is_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('menu-toggle')")


@pytest.mark.browser
@pytest.mark.parametrize(("width", "javascript"), [(1366, True), (390, False)])
def test_menu_is_open_without_a_button(
    live_server: Any, reference_data: None, new_context: Any, width: int, javascript: bool
) -> None:
    """On a wide screen the menu is a row; on a phone without JavaScript it is a wrapped list."""
    page = new_context(viewport={"width": width, "height": 800}, java_script_enabled=javascript).new_page()
    page.goto(f"{live_server.url}/")
    assert not page.locator("button.menu-toggle").is_visible()
    links = page.locator("#main-nav a")
    assert all(links.nth(i).is_visible() for i in range(links.count()))
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
