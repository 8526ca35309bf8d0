"""Browser tests of the untact credit guarantee on a phone-sized screen.

The applicant signs in through the simple-authentication stand-in, the documents come from the
public-data stand-in, the guarantee fee is paid on the payment gateway stand-in's page (which
sends the browser back and posts its signed webhook to the live server) and the bank stand-in
answers by signed webhooks to the live server — all on loopback, through the same adapters the
service uses in production.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import override_settings

from tests.browser.a11y import assert_accessible
from tests.browser.people import new_staff

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
EXAMINER_PASSWORD = "Seoulshinbo-desk-4-stamps"
APPROVER_PASSWORD = "Seoulshinbo-chief-8-seals"
GOOD = "220-81-62517"  # a company (type code 81): its registration and corporate registration
SOLE = "220-01-62515"  # a sole proprietor (type code 01)


@pytest.fixture
def stand_ins(reference_data: None) -> Any:
    from seoul.core.adapters.standin import post
    from seoul.guarantee.adapters import clients, standins

    docs = clients.standin("documents")
    bank = clients.standin("bank")
    gateway = clients.standin("payments")
    docs.reset()
    gateway.reset()
    gateway.webhooks.deliver = post  # its webhooks go to the live server
    # ... held until the walk is done (the test flushes them): the live server's in-memory SQLite
    # refuses a second writer at the same moment ("table is locked") where PostgreSQL waits for
    # the row lock, so the return and the webhook must not race here (both orders are tested
    # with the database in test_payments.py)
    gateway.webhook_hold = True
    bank.sent.clear()
    bank.mode, bank.answer_after, bank.timeout_sleep, bank.deliver = "accept", 0.05, 1.0, standins._post
    yield docs, bank
    docs.reset()
    gateway.reset()
    bank.mode = "accept"


def tick(page: Any, selector: str) -> None:
    """Choose a radio or tick a box the way a person does: by its label (KRDS draws the control
    on the label and keeps the native input visually hidden)."""
    control = page.locator(selector)
    page.locator(f"label[for='{control.get_attribute('id')}']").click()
    assert control.is_checked()


def register(docs: Any, **changes: Any) -> None:
    from seoul.guarantee.adapters.standins import Profile

    today = date.today()
    fields: dict[str, Any] = {
        "brn": GOOD,
        "business_name": "한강공방",
        "representative": "김서울",
        "representative_phone": "010-3333-4444",  # who signs in below
        "opened_on": today - timedelta(days=9 * 365),
        "industry": "manufacturing",
        "sales_by_year": {str(today.year - 2): 190_000_000, str(today.year - 1): 200_000_000},
        "credit_score": 880,
    }
    fields.update(changes)
    docs.register(Profile(**fields))


def staff(username: str, password: str, role: str) -> Any:
    return new_staff(username, password, "SEOULSHINBO", "guarantee", role)


def simple_sign_in(page: Any, base: str, name: str = "김서울", phone: str = "010-3333-4444") -> None:
    page.goto(f"{base}/guarantee/")
    page.click("main a.button")
    tick(page, "input[name=provider][value=kakao]")
    page.fill("input[name=name]", name)
    page.fill("input[name=phone]", phone)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/guarantee/sign-in/wait/")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/guarantee/apply/")


def submit(page: Any) -> None:
    page.click("main form button[type=submit]")


def apply(page: Any, *, brn: str = GOOD, product: str = "emergency_covid", amount: str = "1000") -> str:
    """From "my applications" to "check your answers": the business number, the business confirmed
    from its registration, the documents fetched, then the rest of the answers."""
    page.click("text=새 신청 시작하기" if page.locator("text=새 신청 시작하기").count() else "main form button")
    page.fill("input[name=brn]", brn)
    submit(page)
    page.wait_for_url("**/business/")
    tick(page, "#id_consent")
    submit(page)
    page.wait_for_url("**/documents/")
    tick(page, "#fetch-form #id_consent")
    page.click("#fetch-form button[type=submit]")
    page.wait_for_url("**/q/product/")
    tick(page, f"input[name=product][value={product}]")
    submit(page)
    page.fill("input[name=amount]", amount)
    submit(page)
    tick(page, "input[name=bank][value=standin]")
    submit(page)
    page.fill("input[name=phone]", "010-3333-4444")
    submit(page)
    submit(page)  # e-mail is optional
    page.wait_for_url("**/check/")
    return str(page.url.split("/")[-3])


def send(page: Any) -> None:
    submit(page)
    page.wait_for_url("**?submitted=1")


def wait_for_state(page: Any, state: str, seconds: float = 10) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if page.get_attribute("[data-testid=state]", "data-state") == state:
            return
        time.sleep(0.2)
        page.reload()
    raise AssertionError(f"state is {page.get_attribute('[data-testid=state]', 'data-state')}, not {state}")


def sign(page: Any, ref: str) -> None:
    """From the status page of an approved file: read and sign the agreement; back on the
    application page at the step that asks for the guarantee fee."""
    page.click("main a.button")
    tick(page, "#id_agree")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/apply/{ref}/#fee")
    assert page.get_attribute("[data-testid=state]", "data-state") == "agreement_signed"
    assert page.get_attribute("[data-testid=fee-status]", "data-status") == "pending"


def pay(page: Any, ref: str, button: str = "pay") -> None:
    """Press "pay" on the application page, then ``button`` on the payment gateway's page, and
    come back to the application page."""
    page.click("[data-testid=pay]")
    page.wait_for_url("**/checkout/**")
    page.click(f"main button[value={button}]")
    page.wait_for_url(f"**/apply/{ref}/**")


def test_phone_journey_from_application_to_loan(new_context: Any, live_server: Any, stand_ins: Any, axe: Any) -> None:
    """A business signs, is declined once by the card company, pays the fee again and gets its
    certificate and then its loan — in Korean on a phone."""
    from seoul.guarantee.models import Application, Certificate, Loan, Payment, PaymentEvent

    docs, _bank = stand_ins
    register(docs)
    page = new_context(**PHONE).new_page()
    simple_sign_in(page, live_server.url)
    ref = apply(page)
    assert page.locator("[data-testid=todo]").count() == 0  # nothing missing: the send button is there
    send(page)
    assert page.inner_text("[data-testid=reference]") == ref
    assert page.get_attribute("[data-testid=state]", "data-state") == "approved"
    assert page.inner_text("[data-testid=fee]") == "50,000원"  # 0.5 % of 10,000,000 at 100 % coverage
    sign(page, ref)
    assert page.inner_text("[data-testid=fee-due]") == "50,000원"
    assert not Certificate.objects.filter(application__reference=ref).exists()  # not before the fee
    assert_accessible(axe(page), "the fee to pay")
    # the gateway's page is in Korean too, at phone width
    page.click("[data-testid=pay]")
    page.wait_for_url("**/checkout/**")
    assert page.get_attribute("html", "lang") == "ko" and "50,000원" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(axe(page), "the payment gateway's page")
    page.click("main button[value=decline]")  # the card company declines
    page.wait_for_url(f"**/apply/{ref}/#fee")
    assert page.locator("[data-testid=fee-declined]").count() == 1  # why, and "pay again"
    assert page.get_attribute("[data-testid=fee-status]", "data-status") == "declined"
    assert_accessible(axe(page), "a declined fee")
    pay(page, ref)  # pay again: a new attempt
    wait_for_state(page, "loan_executed")
    assert "10,000,000원" in page.inner_text("[data-testid=loan]")
    assert page.get_attribute("[data-testid=fee-status]", "data-status") == "paid"
    app = Application.objects.get(reference=ref)
    assert Certificate.objects.filter(application=app).count() == 1
    assert Loan.objects.filter(certificate__application=app).count() == 1
    payment = Payment.objects.get(application=app)
    assert (payment.status, payment.attempts) == ("paid", 2)
    # the webhooks of both attempts come after it all: kept once each, nothing changes
    from seoul.guarantee.adapters import clients

    assert clients.standin("payments").webhooks.flush("sent") == 2
    deadline = time.monotonic() + 5
    while PaymentEvent.objects.count() < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    outcomes = sorted(PaymentEvent.objects.values_list("outcome", flat=True))
    assert outcomes == ["already_paid", "other_attempt"], outcomes  # the decline was the first attempt's
    # no horizontal scrolling on the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_business_pays_the_fee_in_english_and_gets_its_certificate(
    new_context: Any, live_server: Any, stand_ins: Any, axe: Any
) -> None:
    from seoul.guarantee.adapters import clients
    from seoul.guarantee.models import Certificate, PaymentEvent

    docs, _bank = stand_ins
    register(docs)
    gateway = clients.standin("payments")
    gateway.webhook_repeat = 2  # the gateway sends its webhook twice (held until flushed, below)
    ctx = new_context(locale="en-US", viewport={"width": 1366, "height": 900})
    ctx.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = ctx.new_page()
    simple_sign_in(page, live_server.url)
    ref = apply(page)
    send(page)
    assert page.inner_text("[data-testid=fee]") == "KRW 50,000" or "50,000" in page.inner_text("[data-testid=fee]")
    sign(page, ref)
    assert "Pay the guarantee fee" in page.inner_text("[data-testid=pay-fee]")
    page.click("[data-testid=pay]")
    page.wait_for_url("**/checkout/**")
    assert page.get_attribute("html", "lang") == "en" and "KRW 50,000" in page.inner_text("main")
    page.click("main button[value=pay]")
    page.wait_for_url(f"**/apply/{ref}/")
    assert page.get_attribute("[data-testid=fee-status]", "data-status") == "paid"
    assert page.locator("[data-testid=certificate]").count() == 1
    assert_accessible(axe(page), "the fee paid")
    assert gateway.webhooks.flush("sent") == 1
    deadline = time.monotonic() + 5
    while not PaymentEvent.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # let the repeated delivery land too
    assert list(PaymentEvent.objects.values_list("outcome", flat=True)) == ["already_paid"]
    assert Certificate.objects.filter(application__reference=ref).count() == 1


def test_referred_file_through_an_examiner_and_a_second_approver(
    new_context: Any, live_server: Any, stand_ins: Any, sign_in: Any
) -> None:
    docs, _bank = stand_ins
    register(docs)
    examiner = staff("shinbo.examiner", EXAMINER_PASSWORD, "operator")
    approver = staff("shinbo.chief", APPROVER_PASSWORD, "approver")
    applicant = new_context(**PHONE).new_page()
    simple_sign_in(applicant, live_server.url)
    ref = apply(applicant, product="regular", amount="4000")
    send(applicant)
    assert applicant.get_attribute("[data-testid=state]", "data-state") == "referred"

    for user, expected in ((examiner, "referred"), (approver, "approved")):
        page = new_context().new_page()
        sign_in(page, user, "/guarantee/queue/")
        page.click(f"#queue a:text('{ref}')")
        tick(page, "#reason-examination")
        page.fill("#id_reason_detail", "screening the referred file")
        page.click("main form button[type=submit]")
        assert GOOD in page.inner_text("main")
        tick(page, "input[name=decision][value=approve]")
        page.click(
            "main form button:text('결정 기록')"
            if page.locator("main form button:text('결정 기록')").count()
            else "main form:has(textarea) button[type=submit]"
        )
        assert page.locator(".error-summary").count() == 1  # no comment: refused
        tick(page, "input[name=decision][value=approve]")
        page.fill("textarea[name=comment]", f"Checked by {user.username}: documents consistent.")
        if user is examiner:  # approves less than asked; the second approver keeps it
            page.fill("#id_amount", "3000")
        page.click("main form:has(textarea) button[type=submit]")
        page.wait_for_url("**/guarantee/queue/")
        from seoul.guarantee.models import Application

        assert Application.objects.get(reference=ref).state == expected
    applicant.reload()
    assert applicant.get_attribute("[data-testid=state]", "data-state") == "approved"
    assert "30,000,000" in applicant.inner_text("[data-testid=approved-amount]")
    applicant.click("a.button[href$='/agreement/']")
    assert "30,000,000" in applicant.inner_text("[data-testid=loan-amount]")


def test_someone_elses_business_number_stops_at_the_business_step(
    new_context: Any, live_server: Any, stand_ins: Any
) -> None:
    """A person who is not the representative named on the registration is stopped with a
    clear message, sees nothing of the business, and cannot go on to the documents."""
    docs, _bank = stand_ins
    register(docs)  # 김서울's business
    page = new_context(**PHONE).new_page()
    simple_sign_in(page, live_server.url, name="이한강", phone="010-5555-6666")
    page.click("main form button")
    page.fill("input[name=brn]", GOOD)
    submit(page)
    tick(page, "#id_consent")
    submit(page)
    summary = page.locator(".error-summary")
    assert summary.count() == 1 and "대표자" in summary.inner_text()
    assert "한강공방" not in page.inner_text("main")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    ref = page.url.split("/")[-3]
    page.goto(f"{live_server.url}/guarantee/apply/{ref}/check/")
    assert page.locator("[data-testid=todo]").count() == 1
    assert page.locator("main form[method=post] button").count() == 0  # no send button
    assert docs.served == [(GOOD.replace("-", ""), ("business_registration",))]


def test_bad_input_gives_clear_messages(new_context: Any, live_server: Any, stand_ins: Any) -> None:
    from seoul.guarantee.models import Application

    docs, _bank = stand_ins
    register(docs, brn=SOLE, stale_days=45)
    page = new_context(**PHONE).new_page()
    simple_sign_in(page, live_server.url)
    page.click("main form button")
    page.fill("input[name=brn]", "220-81-62518")
    submit(page)
    assert page.locator(".error-summary").count() == 1
    assert page.locator(".error-summary a[href='#id_brn']").count() == 1
    assert "/q/brn/" in page.url
    page.fill("input[name=brn]", SOLE)
    submit(page)
    page.wait_for_url("**/business/")
    tick(page, "#id_consent")
    submit(page)
    # an out-of-date registration is said at once, on the business step
    assert page.locator("[data-problem=stale]").count() == 1 and "/business/" in page.url
    page.goto(page.url.replace("/business/", "/documents/"))
    tick(page, "#fetch-form #id_consent")
    page.click("#fetch-form button[type=submit]")
    assert page.locator("[data-problem=stale]").count() == 5
    # a disguised upload
    page.select_option("select[name=kind]", "vat_tax_base")
    page.set_input_files(
        "input[name=file]",
        {"name": "vat.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00 this is a program"},
    )
    page.click("form[enctype] button[type=submit]")
    assert page.locator(".error-summary").count() == 1
    ref = page.url.split("/")[-4]
    assert not Application.objects.get(reference=ref).documents.filter(source="uploaded").exists()


def test_bank_that_times_out_then_answers_twice(new_context: Any, live_server: Any, stand_ins: Any) -> None:
    from seoul.guarantee.models import Certificate, Loan, WebhookEvent

    docs, bank = stand_ins
    register(docs)
    page = new_context(**PHONE).new_page()
    simple_sign_in(page, live_server.url)
    ref = apply(page)
    send(page)
    bank.mode, bank.timeout_sleep = "timeout", 1.0
    with override_settings(SEOUL_GUARANTEE_BANK_TIMEOUT=0.3):
        sign(page, ref)
        pay(page, ref)  # paid: the certificate goes to the bank, which does not answer in time
        assert page.locator(".message-warning").count() == 1
        wait_for_state(page, "loan_executed")
    deadline = time.monotonic() + 5
    while WebhookEvent.objects.count() < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # let the duplicate deliveries land too
    assert sorted(e["type"] for e in bank.sent) == ["certificate.accepted"] * 2 + ["loan.executed"] * 2
    assert Certificate.objects.filter(application__reference=ref).count() == 1
    assert Loan.objects.filter(certificate__application__reference=ref).count() == 1
    assert WebhookEvent.objects.count() == 2


def test_double_submit_from_two_tabs_screens_once(new_context: Any, live_server: Any, stand_ins: Any) -> None:
    from seoul.core.models import AuditEvent
    from seoul.guarantee.models import Application

    docs, _bank = stand_ins
    register(docs)
    ctx = new_context(**PHONE)
    page = ctx.new_page()
    simple_sign_in(page, live_server.url)
    ref = apply(page)
    second = ctx.new_page()
    second.goto(page.url)  # the same check-your-answers page open twice
    page.click("main form button[type=submit]")
    page.wait_for_url("**?submitted=1")
    second.click("main form button[type=submit]")
    second.wait_for_url(f"**/apply/{ref}/")
    assert second.locator(".message-warning").count() == 1
    app = Application.objects.get(reference=ref)
    assert app.state == "approved"
    submits = AuditEvent.objects.filter(event="guarantee.transition", target_id=str(app.pk), new__state="submitted")
    assert submits.count() == 1
