"""The guarantee fee, paid through the payment gateway stand-in before the certificate is issued:
paid once whatever arrives (the browser's return, the webhook, its repeat, in any order),
declined and paid again, forged or unknown answers refused, a fee-free product waived, a
gateway that is down or slow leaving the payment pending."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.utils import translation

from seoul.core.adapters import signing
from seoul.core.adapters.http import AdapterError, call
from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent, User
from seoul.guarantee import actions
from seoul.guarantee.adapters import clients
from seoul.guarantee.engine.catalogue import catalogue
from seoul.guarantee.models import Application, Certificate, Notification, Payment, PaymentEvent
from seoul.guarantee.tests.builders import (
    CALLBACK,
    PAYMENTS_WEBHOOK,
    deliver_payment,
    payment_event,
    submitted,
)

pytestmark = pytest.mark.django_db


def signed(citizen: User, docs_service: Any, **kw: Any) -> Application:
    """An approved file whose agreement ``citizen`` signed: the fee (50,000 won) to pay."""
    app = submitted(citizen, docs_service, **kw)
    assert app.state == "approved", app.screening
    payment = actions.sign_agreement(app, agreed=True, actor=citizen, callback_url=CALLBACK)
    assert (payment.status, payment.amount) == ("pending", 50_000)
    app.refresh_from_db()
    return app


def return_url(app: Application) -> str:
    return f"http://testserver/guarantee/apply/{app.reference}/pay/return/"


def checkout(app: Application, citizen: User) -> str:
    """The gateway's payment id of the order ``start_payment`` made (from its checkout URL)."""
    url = actions.start_payment(app, actor=citizen, return_url=return_url(app), webhook_url=PAYMENTS_WEBHOOK)
    return urlsplit(url).path.rsplit("/", 1)[-1]


def back(location: str) -> dict[str, str]:
    """The query the gateway sent the browser back with."""
    return dict(parse_qsl(urlsplit(location).query))


def webhooks(gateway: Any) -> list[tuple[bytes, str]]:
    assert gateway.webhooks.drain()
    return [(body, headers["X-Gateway-Signature"]) for _url, body, headers in gateway.captured]


def receive(body: bytes, signature: str) -> str:
    return actions.receive_payment_webhook(body, signature=signature, callback_url=CALLBACK)


@pytest.mark.parametrize("first", ["return", "webhook"])
def test_a_paid_fee_issues_one_certificate_whatever_arrives_and_in_any_order(
    first: str, citizen: User, docs_service: Any, gateway: Any, bank: Any, django_capture_on_commit_callbacks: Any
) -> None:
    app = signed(citizen, docs_service)
    assert not Certificate.objects.filter(application=app).exists()  # nothing before the fee
    gateway.webhook_repeat = 2  # the gateway sends its webhook twice
    payment_id = checkout(app, citizen)
    assert gateway.orders[payment_id].amount == 50_000
    location = gateway.complete(payment_id, "pay")
    assert location.startswith(return_url(app))
    (body, signature), (body2, signature2) = webhooks(gateway)
    assert body == body2 and json.loads(body)["type"] == "payment.paid"
    with django_capture_on_commit_callbacks(execute=True):
        if first == "return":
            payment = actions.payment_returned(app, back(location), actor=citizen, callback_url=CALLBACK)
            assert payment.status == "paid"
            outcomes = [receive(body, signature), receive(body2, signature2)]
            assert outcomes == ["already_paid", "duplicate"]
        else:
            outcomes = [receive(body, signature), receive(body2, signature2)]
            assert outcomes == ["paid", "duplicate"]
            payment = actions.payment_returned(app, back(location), actor=citizen, callback_url=CALLBACK)
            assert payment.status == "paid"
    # the browser comes back again (a reload): nothing more
    assert actions.payment_returned(app, back(location), actor=citizen, callback_url=CALLBACK).status == "paid"
    app.refresh_from_db()
    assert app.state == "certificate_issued"
    assert Certificate.objects.filter(application=app).count() == 1
    assert len({r["key"] for r in bank.received}) == 1  # sent to the bank once, after commit
    payment = Payment.objects.get(application=app)
    assert (payment.status, payment.provider_reference, payment.attempts) == ("paid", payment_id, 1)
    assert payment.paid_at is not None
    told = Notification.objects.filter(application=app, channel="sms").order_by("pk").last()
    assert told is not None and "50,000" in told.body  # the fee received, once
    assert Notification.objects.filter(application=app, body=told.body).count() == 1
    assert PaymentEvent.objects.count() == 1
    audited = set(AuditEvent.objects.filter(event__startswith="guarantee.fee.").values_list("event", flat=True))
    assert audited == {
        "guarantee.fee.recorded",
        "guarantee.fee.ordered",
        "guarantee.fee.webhook",
        "guarantee.fee.returned",
    }
    with pytest.raises(ValidationError) as exc:  # nothing left to pay
        checkout(app, citizen)
    assert codes_of(exc.value) == ["guarantee.already_paid"]


def test_a_declined_payment_issues_nothing_and_the_applicant_pays_again(
    citizen: User, docs_service: Any, gateway: Any
) -> None:
    app = signed(citizen, docs_service)
    first = checkout(app, citizen)
    assert checkout(app, citizen) == first  # pressing "pay" twice: the same order (same key)
    location = gateway.complete(first, "decline")
    payment = actions.payment_returned(app, back(location), actor=citizen, callback_url=CALLBACK)
    assert (payment.status, payment.decline_code) == ("declined", "card_declined")
    [(body, signature)] = webhooks(gateway)
    assert receive(body, signature) == "already_declined"
    app.refresh_from_db()
    assert app.state == "agreement_signed" and not Certificate.objects.filter(application=app).exists()

    # pay again: a new attempt, a new key, a new order at the gateway
    gateway.decline_next, gateway.decline_code = 1, "insufficient_funds"  # declined again, whatever is pressed
    second = checkout(app, citizen)
    assert second != first
    payment.refresh_from_db()
    assert (payment.status, payment.attempts, payment.idempotency_key) == (
        "pending",
        2,
        f"fee-{app.reference}-2",
    )
    gateway.complete(second, "pay")
    assert receive(*webhooks(gateway)[1]) == "declined"
    payment.refresh_from_db()
    assert (payment.status, payment.decline_code) == ("declined", "insufficient_funds")

    third = checkout(app, citizen)
    location = gateway.complete(third, "pay")
    # a late answer about an earlier attempt changes nothing
    stale = payment_event(payment, "payment.paid", event_id="evt-late", order_id=f"fee-{app.reference}-1")
    assert deliver_payment(stale) == "other_attempt"
    payment = actions.payment_returned(app, back(location), actor=citizen, callback_url=CALLBACK)
    assert (payment.status, payment.attempts) == ("paid", 3)
    assert Certificate.objects.filter(application=app).count() == 1
    assert [o.status for o in gateway.orders.values()] == ["declined", "declined", "paid"]


def test_a_payment_the_card_company_could_not_complete_may_be_tried_again(
    citizen: User, docs_service: Any, gateway: Any
) -> None:
    app = signed(citizen, docs_service)
    gateway.fail_payments_next = 1
    location = gateway.complete(checkout(app, citizen), "pay")
    payment = actions.payment_returned(app, back(location), actor=citizen, callback_url=CALLBACK)
    assert (payment.status, payment.decline_code) == ("failed", "card_company_unreachable")
    gateway.complete(checkout(app, citizen), "pay")
    assert receive(*webhooks(gateway)[-1]) == "paid"
    assert Certificate.objects.filter(application=app).count() == 1


def test_forged_answers_are_refused_and_change_nothing(
    citizen: User, docs_service: Any, gateway: Any, client: Client
) -> None:
    app = signed(citizen, docs_service)
    payment_id = checkout(app, citizen)
    event = payment_event(Payment.objects.get(application=app))
    raw = json.dumps(event).encode()
    with pytest.raises(PermissionDenied):  # signed with another secret: the bank's
        actions.receive_payment_webhook(raw, signature=signing.sign(clients.bank_secret(), raw), callback_url=CALLBACK)
    with pytest.raises(PermissionDenied):
        actions.receive_payment_webhook(raw, signature="t=1,v1=" + "0" * 64, callback_url=CALLBACK)
    r = client.post(
        "/api/v1/guarantee/payments/webhook",
        raw,
        content_type="application/json",
        HTTP_X_GATEWAY_SIGNATURE=signing.sign("not-the-secret", raw),
    )
    assert r.status_code == 401
    # the browser comes back with a result changed on the way: refused with words to show
    location = gateway.complete(payment_id, "decline")
    forged = back(location) | {"status": "paid"}
    with pytest.raises(ValidationError) as exc:
        actions.payment_returned(app, forged, actor=citizen, callback_url=CALLBACK)
    assert codes_of(exc.value) == ["guarantee.payment_result_unreadable"]
    assert "charged twice" in exc.value.messages[0] or "두 번" in exc.value.messages[0]
    payment = Payment.objects.get(application=app)
    assert payment.status == "pending" and not PaymentEvent.objects.exists()
    assert not Certificate.objects.filter(application=app).exists()
    # someone else's browser cannot apply the applicant's result
    stranger = User.objects.create_user(username="stranger", kind=User.Kind.CITIZEN)
    with pytest.raises(PermissionDenied):
        actions.payment_returned(app, back(location), actor=stranger, callback_url=CALLBACK)


def test_an_unknown_payment_is_refused_with_a_reason_and_nothing_changes(
    citizen: User, docs_service: Any, client: Client
) -> None:
    app = signed(citizen, docs_service)
    before = list(Payment.objects.values())
    for order_id in ("fee-SG-0000-NOBODY-1", "another-shops-order"):
        event = payment_event(Payment.objects.get(application=app), order_id=order_id, event_id=f"evt-{order_id}")
        with pytest.raises(ValidationError) as exc:
            deliver_payment(event)
        assert codes_of(exc.value) == ["guarantee.unknown_payment"]
    raw = json.dumps(event).encode()
    r = client.post(
        "/api/v1/guarantee/payments/webhook",
        raw,
        content_type="application/json",
        HTTP_X_GATEWAY_SIGNATURE=signing.sign(clients.payments_secret(), raw),
    )
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "guarantee.unknown_payment"
    assert list(Payment.objects.values()) == before
    assert not PaymentEvent.objects.exists() and not Certificate.objects.exists()
    assert AuditEvent.objects.filter(event="guarantee.fee.webhook", new__outcome="unknown_payment").count() == 3
    # a known payment but another amount: kept for staff, nothing applied
    wrong = payment_event(Payment.objects.get(application=app), amount=5_000)
    assert deliver_payment(wrong) == "amount_mismatch"
    assert Payment.objects.get(application=app).status == "pending"


@pytest.mark.parametrize("how", ["fee_rate_0", "city_pays"])
def test_a_fee_free_product_is_waived_and_the_certificate_issued_at_once(
    how: str,
    citizen: User,
    docs_service: Any,
    gateway: Any,
    bank: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    products = catalogue().products
    product = products["emergency_covid"]
    if how == "fee_rate_0":
        free = replace(product, fee_rate=0.0, fee_rate_additional=0.0)
    else:
        free = replace(product, fee_paid_by_city=True)
    monkeypatch.setitem(products, "emergency_covid", free)
    app = submitted(citizen, docs_service)
    assert app.state == "approved"
    with django_capture_on_commit_callbacks(execute=True):
        payment = actions.sign_agreement(app, agreed=True, actor=citizen, callback_url=CALLBACK)
    assert payment.status == "waived" and payment.settled
    app.refresh_from_db()
    assert app.state == "certificate_issued"
    assert Certificate.objects.get(application=app).bank_status == "sent"  # sent on commit, as before
    assert gateway.requests == []  # the gateway is never asked
    with pytest.raises(ValidationError) as exc:
        checkout(app, citizen)
    assert codes_of(exc.value) == ["guarantee.already_paid"]


def test_a_gateway_that_is_down_leaves_the_payment_pending_and_the_page_says_so(
    citizen: User, docs_service: Any, gateway: Any, client: Client
) -> None:
    app = signed(citizen, docs_service)
    gateway.fail_next = 10  # every request answered 503
    client.force_login(citizen)
    base = f"/guarantee/apply/{app.reference}"
    r = client.get(f"{base}/pay/")
    assert r.status_code == 302 and r["Location"] == f"{base}/#fee"  # back to the application, not to the gateway
    page = client.get(r["Location"]).content.decode()
    assert 'data-testid="fee-unreachable"' in page and 'data-testid="pay"' in page
    assert 'data-status="pending"' in page
    payment = Payment.objects.get(application=app)
    assert payment.status == "pending" and payment.last_error.startswith("unavailable")
    assert payment.provider_reference == "" and not Certificate.objects.exists()
    assert AuditEvent.objects.filter(event="guarantee.fee.ordered", new__result="unavailable").exists()
    gateway.fail_next = 0
    r = client.get(f"{base}/pay/")
    assert r["Location"].startswith(gateway.url + "/checkout/")  # back up: off to pay
    payment.refresh_from_db()
    assert payment.last_error == "" and payment.provider_reference


def test_a_gateway_that_answers_too_late_makes_one_order_for_the_retries(
    citizen: User, docs_service: Any, gateway: Any
) -> None:
    app = signed(citizen, docs_service)
    gateway.late_next, gateway.late_by = 1, 0.6  # the order is made, the answer comes after the time-out
    with override_settings(SEOUL_GUARANTEE_PAYMENTS_TIMEOUT=0.2, SEOUL_GUARANTEE_PAYMENTS_ATTEMPTS=1):
        with pytest.raises(ValidationError) as exc:
            checkout(app, citizen)
        assert codes_of(exc.value) == ["guarantee.payments_timeout"]
        assert Payment.objects.get(application=app).status == "pending"
        again = checkout(app, citizen)  # the same key: the order made meanwhile
    assert list(gateway.orders) == [again]
    assert {r["key"] for r in gateway.requests} == {f"fee-{app.reference}-1"}


def test_the_gateway_stand_in_pages_and_its_idempotency() -> None:
    from seoul.guarantee.adapters.standins import PaymentStandIn

    pg = PaymentStandIn("k")
    try:
        body = {
            "order_id": "fee-SG-1-1",
            "amount": 50_000,
            "order_name": "Guarantee fee SG-1",
            "return_url": "http://testserver/back/",
            "webhook_url": "",
            "lang": "en",
        }
        with pytest.raises(AdapterError) as refused:
            call("POST", pg.url + "/v1/payments", body)
        assert refused.value.code == "idempotency_key_required"
        _s, first = call("POST", pg.url + "/v1/payments", body, headers={"Idempotency-Key": "fee-SG-1-1"})
        _s, again = call("POST", pg.url + "/v1/payments", body, headers={"Idempotency-Key": "fee-SG-1-1"})
        assert first == again and first["checkout_url"].endswith("?lang=en")
        with pytest.raises(AdapterError) as refused:
            call("POST", pg.url + "/v1/payments", body | {"amount": 1}, headers={"Idempotency-Key": "fee-SG-1-1"})
        assert refused.value.status == 422
        import urllib.request

        def page(url: str, language: str = "") -> str:
            req = urllib.request.Request(url, headers={"Accept-Language": language} if language else {})  # noqa: S310
            with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310
                return str(resp.read().decode())

        english = page(first["checkout_url"])
        assert '<html lang="en">' in english and "KRW 50,000" in english and 'value="decline"' in english
        korean = page(first["checkout_url"].split("?")[0], "ko-KR,ko;q=0.9")
        assert '<html lang="ko">' in korean and "50,000원" in korean and "결제하기" in korean
        assert '<html lang="en">' in page(first["checkout_url"].split("?")[0], "en-GB")
        location = pg.complete(first["payment_id"], "pay")
        assert pg.complete(first["payment_id"], "decline") == location  # settled once
        result = dict(parse_qsl(urlsplit(location).query))
        assert result["status"] == "paid" and result["amount"] == "50000"
    finally:
        pg.stop()


def test_paying_again_from_a_page_in_another_language_finds_the_same_order(
    citizen: User, docs_service: Any, gateway: Any
) -> None:
    app = signed(citizen, docs_service)
    with translation.override("ko"):
        korean = actions.start_payment(app, actor=citizen, return_url=return_url(app), webhook_url=PAYMENTS_WEBHOOK)
    with translation.override("en"):
        english = actions.start_payment(app, actor=citizen, return_url=return_url(app), webhook_url=PAYMENTS_WEBHOOK)
    assert urlsplit(english).path == urlsplit(korean).path  # one order for the attempt
    assert "lang=en" in urlsplit(english).query and "lang=en" not in urlsplit(korean).query
    assert Payment.objects.get(application=app).last_error == ""
