"""Test builders of the guarantee service: people, businesses and applications at each stage,
made through the real actions and the loopback stand-ins (never by writing rows directly), so
a test starts where the journey would have brought it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from seoul.core.adapters import signing
from seoul.core.engine import brn
from seoul.core.models import User
from seoul.guarantee import actions
from seoul.guarantee.adapters import clients
from seoul.guarantee.adapters.standins import Corporate, Director, Profile, Shareholder
from seoul.guarantee.models import Application, Certificate, Payment

# A sole proprietor's number (type code 01): the builders' business has a representative, not a
# board. A company's number (81, 86, 87, 88; 85 its branch) has a company's documents too
# (test_corporate.py).
GOOD_BRN = brn.make("220016251")  # 220-01-62515
CALLBACK = "http://testserver/api/v1/guarantee/bank/webhook"
PAYMENTS_WEBHOOK = "http://testserver/api/v1/guarantee/payments/webhook"
PERSON = ("김서울", "010-3333-4444")  # the representative of the businesses below, unless said otherwise
STRANGER = ("이한강", "010-5555-6666")  # someone who represents none of them
DIRECTOR = ("박이사", "010-7777-8888")  # a director (사내이사) of the company below, not its 대표이사


def profile(number: str = GOOD_BRN, *, person: tuple[str, str] = PERSON, **changes: Any) -> Profile:
    """A sound business of ``person`` in Seoul, 9 years old, with growing sales and a good score."""
    today = date.today()
    fields: dict[str, Any] = {
        "brn": number,
        "business_name": "한강공방",
        "representative": person[0],
        "representative_phone": person[1],
        "opened_on": today - timedelta(days=9 * 365),
        "industry": "manufacturing",
        "sales_by_year": {str(today.year - 2): 190_000_000, str(today.year - 1): 200_000_000},
        "credit_score": 880,
    }
    fields.update(changes)
    return Profile(**fields)


def company(**changes: Any) -> dict[str, Any]:
    """The changes that make the builders' business a company: (주)한강공방, 김서울 its 대표이사
    and largest shareholder, last year's statements sound (revenue 210,000,000 won)."""
    board = [
        Director(PERSON[0], "대표이사", PERSON[1]),
        Director(DIRECTOR[0], "사내이사", DIRECTOR[1]),
        Director("최감사", "감사"),
    ]
    fields: dict[str, Any] = {
        "company_name": "주식회사 한강공방",
        "directors": board,
        "shareholders": [Shareholder(PERSON[0], 7_000), Shareholder(DIRECTOR[0], 3_000)],
        "revenue": 210_000_000,
        "total_assets": 150_000_000,
        "total_liabilities": 90_000_000,
    }
    person = changes.pop("person", PERSON)
    return {"business_name": "(주)한강공방", "person": person, "corporate": Corporate(**(fields | changes))}


def identify(user: User | None, person: tuple[str, str] = PERSON, provider: str = "kakao") -> User:
    """``person`` signs in by simple authentication (through the stand-in); with ``user``, the
    identity is linked to that account. Returns the signed-in account."""
    tx = clients.start_auth(provider, person[0], person[1])
    return actions.complete_simple_auth(clients.auth_status(tx), provider, actor=user)


def confirmed(user: User, number: str = GOOD_BRN) -> Application:
    """A draft whose business ``user`` was confirmed to represent (registration fetched)."""
    app = actions.start_application(actor=user)
    app = actions.save_answer(app, "brn", brn.formatted(number), actor=user)
    return actions.confirm_business(app, consent=True, actor=user)


def draft(
    user: User,
    *,
    number: str = GOOD_BRN,
    product: str = "emergency_covid",
    amount_manwon: str = "1000",
    fetch: bool = True,
) -> Application:
    """A complete draft: business confirmed, documents fetched (``fetch``), every answer given."""
    app = confirmed(user, number)
    if fetch:
        assert actions.fetch_documents(app, consent=True, actor=user) == []
    for field, value in [
        ("product", product),
        ("amount", amount_manwon),
        ("bank", "standin"),
        ("phone", "010-1234-5678"),
    ]:
        app = actions.save_answer(app, field, value, actor=user)
    return app


def submitted(user: User, docs_service: Any, *, business: dict[str, Any] | None = None, **kw: Any) -> Application:
    """A sent and screened application of a business registered with ``business`` changes."""
    docs_service.register(profile(kw.get("number", GOOD_BRN), **(business or {})))
    return actions.submit(draft(user, **kw), actor=user)


def referred(user: User, docs_service: Any, *, amount_manwon: str = "4000", **kw: Any) -> Application:
    """A file waiting for an examiner: by default 40,000,000 won of the regular guarantee (above
    the auto-approval limit, and two approvers)."""
    app = submitted(user, docs_service, product="regular", amount_manwon=amount_manwon, **kw)
    assert app.state == "referred", app.screening
    return app


def certificate(user: User, docs_service: Any, number: str = GOOD_BRN) -> Certificate:
    """An approved file signed by its applicant, its fee paid: its certificate, not sent to the
    bank yet (the test transaction never commits, so nothing is sent after commit)."""
    app = submitted(user, docs_service, number=number)
    assert app.state == "approved", app.screening
    return sign_and_pay(app, user)


def sign_and_pay(app: Application, user: User) -> Certificate:
    """``user`` signs the agreement of their approved ``app`` and the gateway reports the fee
    paid (a signed ``payment.paid`` webhook): the certificate that issues."""
    payment = actions.sign_agreement(app, agreed=True, actor=user, callback_url=CALLBACK)
    if not payment.settled:
        assert deliver_payment(payment_event(payment)) == "paid"
    return Certificate.objects.get(application=app)


def payment_event(payment: Payment, kind: str = "payment.paid", **changes: Any) -> dict[str, Any]:
    """An event of the payment gateway about the current attempt of ``payment``."""
    payment.refresh_from_db()
    event = {
        "event_id": f"evt_{payment.idempotency_key}_{kind}",
        "type": kind,
        "payment_id": payment.provider_reference or f"pay_{payment.pk}_{payment.attempts}",
        "order_id": payment.idempotency_key,
        "status": kind.removeprefix("payment."),
        "amount": payment.amount,
        "decline_code": "insufficient_funds" if kind == "payment.declined" else "",
    }
    return event | changes


def deliver_payment(event: dict[str, Any], secret: str | None = None) -> str:
    raw = json.dumps(event).encode()
    signature = signing.sign(secret or clients.payments_secret(), raw)
    return actions.receive_payment_webhook(raw, signature=signature, callback_url=CALLBACK)


def signed_webhook(event: dict[str, Any]) -> tuple[bytes, str]:
    raw = json.dumps(event).encode()
    return raw, signing.sign(clients.bank_secret(), raw)


def deliver(event: dict[str, Any]) -> str:
    raw, signature = signed_webhook(event)
    return actions.receive_webhook(raw, signature=signature)


def wait_for(predicate: Callable[[], bool], seconds: float = 5.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")
