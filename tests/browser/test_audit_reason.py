"""The reason asked before the audit log opens: a person must see which reason they chose."""

from __future__ import annotations

from typing import Any

import pytest

# For each reason radio: the size of the native control as drawn, and of a pseudo-element
# indicator on its label (KRDS draws its own radio on ``input ~ label::before``).
INDICATORS = """
() => [...document.querySelectorAll('input[name=reason]')].map((input) => {
  const box = input.getBoundingClientRect();
  const label = input.closest('label') || document.querySelector(`label[for="${input.id}"]`);
  const sizeOf = (el, pseudo) => {
    if (!el) return 0;
    const s = getComputedStyle(el, pseudo);
    if (pseudo && (s.content === 'none' || s.content === 'normal' || s.display === 'none')) return 0;
    return Math.min(parseFloat(s.width) || 0, parseFloat(s.height) || 0);
  };
  return {
    value: input.value,
    native: Math.min(box.width, box.height),
    labelBefore: sizeOf(label, '::before'),
    labelAfter: sizeOf(label, '::after'),
  };
})
"""


@pytest.mark.browser
def test_reason_radios_are_visible(live_server: Any, auditor: Any, new_context: Any, sign_in: Any) -> None:
    page = new_context().new_page()
    sign_in(page, auditor)
    page.goto(f"{live_server.url}/audit/")
    assert page.locator("input[name=reason]").count() == 3
    invisible = [
        r for r in page.evaluate(INDICATORS) if r["native"] < 8 and r["labelBefore"] < 8 and r["labelAfter"] < 8
    ]
    assert not invisible, (
        "reason radios are drawn neither natively nor by a label pseudo-element, so the chosen "
        f"reason cannot be seen: {invisible}"
    )


def _open_reason_form(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/audit/")
    assert page.locator("#audit-table").count() == 0, "the audit log must ask for a reason first"
    assert page.locator("input[name=reason]").count() == 3


def _continue(page: Any) -> int:
    with page.expect_navigation() as nav:
        page.click("main form button[type=submit]")
    return int(nav.value.status)


@pytest.mark.browser
def test_too_short_reason_detail_is_refused(live_server: Any, auditor: Any, new_context: Any, sign_in: Any) -> None:
    page = new_context().new_page()
    sign_in(page, auditor)
    _open_reason_form(page, live_server.url)
    page.locator("label[for=reason-audit]").click()
    page.fill("#id_reason_detail", "abc")
    assert _continue(page) == 400
    assert page.locator("#audit-table").count() == 0
    assert page.locator("#detail-error").is_visible()
    assert page.locator("#reason-error").count() == 0
    assert page.locator("input[name=reason][value='core.audit']").is_checked()
    assert page.input_value("#id_reason_detail") == "abc"


@pytest.mark.browser
def test_missing_reason_choice_is_explained(live_server: Any, auditor: Any, new_context: Any, sign_in: Any) -> None:
    """Continuing without choosing a reason must say so, not silently show the same form again."""
    page = new_context().new_page()
    sign_in(page, auditor)
    _open_reason_form(page, live_server.url)
    page.fill("#id_reason_detail", "민원 2026-1234 처리")
    status = _continue(page)
    assert page.locator("#audit-table").count() == 0
    assert page.locator("#reason-error").count() == 1, (
        f"no error shown after continuing without a reason (status {status}, url {page.url})"
    )
    assert page.locator("#reason-error").is_visible()
    assert status == 400
