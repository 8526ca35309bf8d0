"""A designer uploads a daycare centre's model, sees the washbasin check fail, applies the offered
washbasin at the entrance, and sees the check pass and the ranking change (Korean at 390 px,
English at 1366 px), with axe on every page on the way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.people import new_staff

DESIGNER_PASSWORD = "Seoullo-7017-skygarden"


@pytest.fixture
def designer(reference_data: None) -> Any:
    return new_staff("sdf.designer", DESIGNER_PASSWORD, "SDF", "care", "operator")


def _ranking(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("#changes tbody tr td:nth-child(2)").all_inner_texts()]


def _walk(page: Any, base: str, axe: Any, *, lang: str, width: int, words: dict[str, str]) -> None:
    from seoul.care.engine.facility import example_path

    where = f"({lang}, {width} px)"
    page.goto(f"{base}/care/")
    assert_accessible(axe(page), f"the facilities {where}")
    with page.expect_navigation():
        page.get_by_role("link", name=words["add"]).click()
    page.fill("#id_name", words["name"])
    page.select_option("#id_district", "13")
    page.set_input_files("#id_model", str(Path(example_path())))
    assert_accessible(axe(page), f"a new facility {where}")
    with page.expect_navigation():
        page.get_by_role("button", name=words["submit"]).click()
    assert page.locator("h1").inner_text().strip() == words["name"]
    washbasin_row = page.locator("#check-washbasin_on_entry")
    assert words["failed"] in washbasin_row.inner_text(), washbasin_row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"the facility page scrolls sideways {where}"
    assert_accessible(axe(page), f"a facility with failed checks {where}")
    before = _ranking(page)
    row = page.locator("#changes tbody tr", has_text=words["washbasin"])
    assert row.count() == 1, before
    with page.expect_navigation():
        row.get_by_role("button", name=words["apply"]).click()
    assert words["applied"] in page.inner_text("main")
    fixed = page.locator("#check-washbasin_on_entry").inner_text()
    assert words["passed"] in fixed and words["failed"] not in fixed, fixed  # 합격 is inside 불합격
    after = _ranking(page)
    assert not any(words["washbasin"] in r for r in after) and after != before, (before, after)
    assert page.locator("#versions tbody tr").count() == 2
    assert_accessible(axe(page), f"a facility after a change {where}")


@pytest.mark.browser
def test_a_designer_adds_the_washbasin_in_korean_on_a_phone(
    live_server: Any, designer: Any, new_context: Any, sign_in: Any, axe: Any
) -> None:
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, designer)
    words = {
        "add": "시설 등록",
        "name": "해오름 국공립어린이집",
        "submit": "등록하고 점검하기",
        "failed": "불합격",
        "passed": "합격",
        "washbasin": "현관·인계공간에 세면대 설치",
        "apply": "적용",
        "applied": "개선안을 적용해",
    }
    _walk(page, live_server.url, axe, lang="ko", width=390, words=words)


@pytest.mark.browser
def test_a_designer_adds_the_washbasin_in_english_at_a_desk(
    live_server: Any, designer: Any, new_context: Any, sign_in: Any, axe: Any
) -> None:
    page = new_context(locale="en-US", viewport={"width": 1366, "height": 900}).new_page()
    sign_in(page, designer)
    words = {
        "add": "Add a facility",
        "name": "Haeoreum public daycare centre",
        "submit": "Add and check the facility",
        "failed": "Failed",
        "passed": "Passed",
        "washbasin": "Washbasin in",
        "apply": "Apply",
        "applied": "Change applied",
    }
    _walk(page, live_server.url, axe, lang="en", width=1366, words=words)
