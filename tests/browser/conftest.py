"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

One Chromium per test session (per xdist worker), a fresh browser context per test. On a
failing test a full-page screenshot of every open page goes to ``test-artifacts/``.

``axe(page)`` runs axe-core (vendored for the tests only into ``tests/browser/vendor/`` by
``make assets``) on the page and returns its violations; ``a11y.assert_accessible(violations,
where)`` fails on any critical or serious one with a readable list (rule, impact, selectors, help).

Chromium is Debian's package (``make browser-deps``); Playwright's own browser download is
never used. If ``/usr/bin/chromium`` is missing the browser tests are skipped with a message.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Playwright's sync API runs an asyncio loop in this thread; Django's async-safety check would
# then refuse the ORM calls the tests make between browser steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest

from tests.browser.people import new_staff

CHROMIUM = os.environ.get("SEOUL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
TIMEOUT_MS = 15_000

# Passwords of the test users: long, not common, not like the user name.
OPERATOR_PASSWORD = "Hangang-bridge-7-lights"
AUDITOR_PASSWORD = "Namsan-tower-cable-42"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session", autouse=True)
def _static_files_as_in_production() -> Iterator[None]:
    """The live server serves static files as production does: WhiteNoise, from the collected
    files under their hashed names. pytest-django puts Django's StaticFilesHandler in front, which
    looks files up in the apps under their source names and answers 404 to every hashed one."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(StaticFilesHandler, "_should_handle", lambda self, path: False)
        yield


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium fonts-nanum fonts-wqy-microhei)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_context(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A factory of fresh browser contexts (Korean locale, like a Seoul citizen's browser).

    Every context made by the factory is closed at the end of the test, after a screenshot
    of each of its pages if the test failed.
    """
    contexts: list[Any] = []

    def make(**kwargs: Any) -> Any:
        options = {"locale": "ko-KR", "timezone_id": "Asia/Seoul", "viewport": {"width": 1280, "height": 900}}
        options.update(kwargs)
        ctx = browser.new_context(**options)
        ctx.set_default_timeout(TIMEOUT_MS)
        contexts.append(ctx)
        return ctx

    yield make

    reports = [getattr(request.node, f"rep_{when}", None) for when in ("setup", "call")]
    failed = any(r is not None and r.failed for r in reports)
    for i, ctx in enumerate(contexts):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
            for j, page in enumerate(ctx.pages):
                try:
                    page.screenshot(path=str(ARTIFACTS / f"{name}-{i}-{j}.png"), full_page=True)
                except Exception as exc:  # a failed screenshot must not hide the real failure
                    warnings.warn(f"screenshot of {name} failed: {exc}", stacklevel=1)
        ctx.close()


@pytest.fixture
def page(new_context: Any) -> Any:
    """A page in a fresh context."""
    return new_context().new_page()


@pytest.fixture
def reference_data(transactional_db: None) -> None:
    """Institutions, the five visions and the announced projects, committed for the live server."""
    from seoul.core import reference as core_ref
    from seoul.plan import reference as plan_ref

    core_ref.load()
    plan_ref.load()


@pytest.fixture
def operator(reference_data: None) -> Any:
    """Seoul Metro staff holding the plan operator role."""
    return new_staff("metro.planner", OPERATOR_PASSWORD, "SEOUL_METRO", "plan", "operator")


@pytest.fixture
def auditor(reference_data: None) -> Any:
    """City Hall staff holding the core admin role (reads the whole audit log)."""
    return new_staff("cityhall.auditor", AUDITOR_PASSWORD, "CITY_HALL", "core", "admin")


def _sign_in(page: Any, base_url: str, username: str, password: str, next_path: str = "") -> None:
    url = f"{base_url}/accounts/login/"
    if next_path:
        url += f"?next={next_path}"
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/accounts/login/" not in page.url, f"sign-in as {username} failed: {page.inner_text('main')[:500]}"
    assert page.locator("a.account-link").inner_text().strip() == username


@pytest.fixture
def sign_in(live_server: Any) -> Any:
    """``sign_in(page, user)``: sign in through the real login form and check it worked."""

    def go(page: Any, user: Any, next_path: str = "") -> None:
        _sign_in(page, live_server.url, user.get_username(), user.test_password, next_path)

    return go


@pytest.fixture(scope="session")
def axe_script() -> str:
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `make assets` (npm ci, then scripts/vendor_assets.sh)")
    return AXE_SCRIPT.read_text()


@pytest.fixture
def axe(axe_script: str) -> Any:
    """``axe(page, context=None) -> list[violation]``: axe-core's WCAG 2.x A/AA rules and best
    practices on the page (or on the elements matching ``context``), violations only.

    axe is put into the page through the DevTools protocol, which the page's
    Content-Security-Policy (no inline scripts) does not govern; the page itself is unchanged.
    """

    def run(page: Any, context: str | None = None) -> list[dict[str, Any]]:
        if page.evaluate("() => typeof window.axe") != "object":
            page.evaluate(axe_script)
        violations: list[dict[str, Any]] = page.evaluate(
            """async (context) => (await axe.run(context || document, {
                  resultTypes: ["violations"],
                  runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
               })).violations""",
            context,
        )
        return violations

    return run
