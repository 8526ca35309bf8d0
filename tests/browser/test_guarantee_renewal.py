"""Extending a guaranteed loan at its term (기한연장, issue 18), in the browser at phone width, in
Korean and in English: the owner of a working-capital loan near its term sees the extension on
their application's page, asks for it (refused without consent, said at the top), is answered at
once, and sees the loan extended once the bank reports it — a sole proprietor in both
languages, and a company (법인) whose 대표이사 asks, whose documents are fetched again too.

The loan is made by the guarantee's test builders through the real actions and the bank
stand-in, and its payout day moved back eleven months and ten days so that the window is open;
the bank's webhooks are captured and delivered by the test (the live server's in-memory SQLite
refuses two writers at once)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.test_guarantee import simple_sign_in, tick

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _wait(predicate: Any, seconds: float = 5.0) -> None:
    end = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.fixture
def near_term(reference_data: None, request: pytest.FixtureRequest) -> Any:
    """김서울's 10,000,000 won working-capital loan (repaid at one year), paid out 345 days ago:
    a sole proprietor's, or with ``company`` a company's that 김서울 leads as 대표이사."""
    from django.utils import timezone

    from seoul.core.engine import brn
    from seoul.guarantee import actions
    from seoul.guarantee.adapters import clients, standins
    from seoul.guarantee.models import Loan
    from seoul.guarantee.tests import builders

    docs = clients.standin("documents")
    docs.reset()
    bank = clients.standin("bank")
    captured: list[tuple[str, bytes, dict[str, str]]] = []
    bank.sent.clear()
    bank.mode, bank.answer_after = "accept", 0.05
    bank.deliver = lambda url, body, headers: captured.append((url, body, headers))

    def deliver() -> list[str]:
        out = [actions.receive_webhook(body, signature=h["X-Bank-Signature"]) for _u, body, h in captured]
        captured.clear()
        return out

    citizen = builders.identify(None)
    company = request.node.callspec.params.get("company", False)
    number = brn.make("101816789") if company else brn.make("220116251")  # a company's / a sole proprietor's
    app = builders.submitted(
        citizen,
        docs,
        number=number,
        business=builders.company() if company else None,
        product="working_capital",
        amount_manwon="1000",
    )
    cert = builders.sign_and_pay(app, citizen)
    assert actions.send_certificate(cert, builders.CALLBACK) in ("sent", "already")
    _wait(lambda: len(captured) == 2)
    assert deliver() == ["accepted", "loan_recorded"]
    Loan.objects.filter(certificate=cert).update(executed_at=timezone.now() - timedelta(days=345))
    yield app.reference, deliver, captured
    bank.deliver = standins._post
    docs.reset()


def _check(page: Any, axe: Any, lang: str, where: str) -> None:
    assert page.get_attribute("html", "lang") == lang
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{where} scrolls sideways"
    assert_accessible(axe(page), f"{where} ({lang})")


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "company"), [("ko", False), ("en", False), ("ko", True)], ids=["ko", "en", "company"])
def test_the_owner_extends_the_loan_at_its_term(
    lang: str, company: bool, live_server: Any, near_term: Any, new_context: Any, axe: Any
) -> None:
    from seoul.guarantee.models import Loan

    ref, deliver, captured = near_term
    base = live_server.url
    ctx = new_context(locale="ko-KR" if lang == "ko" else "en-US", **PHONE)
    ctx.add_cookies([{"name": "django_language", "value": lang, "url": base}])
    owner = ctx.new_page()
    simple_sign_in(owner, base)
    owner.goto(f"{base}/guarantee/apply/{ref}/")
    card = owner.locator("[data-testid=renewal]")
    assert card.count() == 1 and owner.locator("[data-testid=renewal-status]").count() == 0
    _check(owner, axe, lang, "the loan near its term")
    with owner.expect_navigation():
        card.locator("a.button").click()
    assert owner.locator("[data-testid=estimated-fee]").count() == 1
    # a company is told its corporate registration and statements are fetched and checked again
    assert ("법인 등기사항전부증명서" in owner.inner_text("main form")) is company
    _check(owner, axe, lang, "the extension page")
    with owner.expect_navigation():
        owner.click("main form button[type=submit]")  # no consent: refused, said at the top
    assert owner.locator(".error-summary").count() == 1
    _check(owner, axe, lang, "the extension page with an error")
    tick(owner, "#id_consent")
    with owner.expect_navigation():
        owner.click("main form button[type=submit]")
    assert owner.get_attribute("[data-testid=renewal-status]", "data-status") == "sent"
    new_term = owner.locator("[data-testid=new-term]").inner_text().strip()
    _check(owner, axe, lang, "the extension granted")
    _wait(lambda: len(captured) == 1)  # the bank extends the loan and says so
    assert json.loads(captured[0][1])["type"] == "loan.extended"
    assert deliver() == ["applied"]
    owner.reload()
    assert owner.get_attribute("[data-testid=renewal-status]", "data-status") == "extended"
    loan = Loan.objects.get(certificate__application__reference=ref)
    assert (loan.extensions, loan.term.isoformat() if loan.term else "") == (1, new_term)
    assert card.locator("a.button").count() == 0  # the next window is a year away
    _check(owner, axe, lang, "the loan extended")
