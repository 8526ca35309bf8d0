"""Demo guarantee files, made through the real actions against the loopback stand-ins: the
demo citizen's paid-out emergency loan, a working-capital loan near its term (to extend) and an
approved file waiting for the agreement, a
queue of referred files of other applicants (one waiting for its second approver), and a shop
whose loan the bank declared in default (waiting on the defaults worklist).

Each demo applicant has signed in by simple authentication once (through the stand-in) and is
the representative the document stand-in names for their businesses
(``standins.demo_profiles``, which every process's stand-in knows). The paid-out file's fee was
paid on the payment gateway stand-in's page."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

from django.utils import timezone

from seoul.core.engine import brn
from seoul.core.models import User
from seoul.guarantee import actions
from seoul.guarantee.actions import renewals
from seoul.guarantee.adapters import clients
from seoul.guarantee.adapters.standins import DEMO_CITIZEN, DEMO_SHOPS
from seoul.guarantee.models import Application, Certificate, Loan

CALLBACK = "http://127.0.0.1/api/v1/guarantee/bank/webhook"  # webhooks are fed back directly below
RETURN = "http://127.0.0.1/guarantee/apply/demo/pay/return/"  # the demo comes back by itself


def _signed_in(user: User, person: tuple[str, str]) -> User:
    """``user`` with the simple-authentication identity of ``person`` (as after signing in)."""
    tx = clients.start_auth("kakao", person[0], person[1])
    return actions.complete_simple_auth(clients.auth_status(tx), "kakao", actor=user)


def _file(user: User, number: str, product: str, manwon: str) -> Application:
    app = actions.start_application(actor=user)
    app = actions.save_answer(app, "brn", number, actor=user)
    actions.confirm_business(app, consent=True, actor=user)
    actions.fetch_documents(app, consent=True, actor=user)
    for field, value in [
        ("product", product),
        ("amount", manwon),
        ("bank", "standin"),
        ("phone", "010-0000-" + number[-4:]),
    ]:
        app = actions.save_answer(app, field, value, actor=user)
    return actions.submit(app, actor=user)


def _sign_and_pay(app: Application, user: User) -> Certificate:
    """``user`` signs and pays the fee on the payment stand-in's page, and comes back to the
    platform with the gateway's signed result (the webhook has nowhere to go here)."""
    payment = actions.sign_agreement(app, agreed=True, actor=user, callback_url=CALLBACK)
    if not payment.settled:
        checkout = actions.start_payment(app, actor=user, return_url=RETURN, webhook_url="")
        back = clients.standin("payments").complete(urlsplit(checkout).path.rsplit("/", 1)[-1], "pay")
        params = dict(parse_qsl(urlsplit(back).query))
        actions.payment_returned(app, params, actor=user, callback_url=CALLBACK)
    return Certificate.objects.get(application=app)


def _first_interest(captured: list[tuple[str, bytes, dict[str, str]]], mine: bytes) -> None:
    """The bank reports the demo loan's first month of interest (the loan is in its year of
    grace), so the applicant's page shows the loan being repaid."""
    payout = next((json.loads(body) for _u, body, _h in captured if mine in body and b'"loan.executed"' in body), None)
    if payout is None:
        return
    start = len(captured)
    clients.standin("bank").report(
        CALLBACK, payout, "repaid", principal=0, interest=int(payout["amount"]) * 2 // 100 // 12
    )
    for _url, body, headers in captured[start:]:
        actions.receive_webhook(body, signature=headers["X-Bank-Signature"])


def _paid_out(app: Application, user: User, captured: list[tuple[str, bytes, dict[str, str]]]) -> bytes:
    """An approved file signed and paid, its certificate sent and the bank's payout delivered;
    returns what marks the bank's messages about it (empty if it was not approved)."""
    if app.state != "approved":
        return b""
    cert = _sign_and_pay(app, user)
    # on a busy machine the stand-in may answer after the client's timeout: re-send with the
    # same idempotency key (the bank answers a repeat at once, processing it once)
    for _attempt in range(5):
        if actions.send_certificate(cert, CALLBACK) in ("sent", "already"):
            break
    end = time.monotonic() + 30  # the stand-in answers after a delay; a loaded machine is slow
    # wait for this certificate's loan: threads of earlier callers may deliver too
    mine = f'"certificate_number": "{cert.number}"'.encode()
    while not any(b'"loan.executed"' in body and mine in body for _u, body, _h in captured):
        if time.monotonic() > end:
            break
        time.sleep(0.05)
    for _url, body, headers in list(captured):
        if mine in body:
            actions.receive_webhook(body, signature=headers["X-Bank-Signature"])
    return mine


def _defaulted(captured: list[tuple[str, bytes, dict[str, str]]], mine: bytes) -> None:
    """The bank reports a repayment, 95 days of arrears and then the default: the file waits
    for the foundation's approver on the defaults worklist."""
    payout = next((json.loads(body) for _u, body, _h in captured if mine in body and b'"loan.executed"' in body), None)
    if payout is None:
        return
    start = len(captured)
    bank = clients.standin("bank")
    bank.report(CALLBACK, payout, "repaid", principal=500_000, interest=15_000)
    bank.report(CALLBACK, payout, "arrears", days_overdue=95)
    bank.report(CALLBACK, payout, "defaulted")
    for _url, body, headers in captured[start:]:
        actions.receive_webhook(body, signature=headers["X-Bank-Signature"])


def _near_its_term(citizen: User, captured: list[tuple[str, bytes, dict[str, str]]]) -> int:
    """A second guarantee of the citizen's first shop: a working-capital loan repaid at one
    year, paid out eleven months and ten days ago (its payout day moved back for the demo), so
    the extension at term (기한연장) can be asked for now; the owner was told the window opened."""
    app = _file(citizen, brn.make("120014567"), "working_capital", "1000")
    if not _paid_out(app, citizen, captured):
        return 0
    Loan.objects.filter(certificate__application=app).update(executed_at=timezone.now() - timedelta(days=365 - 20))
    renewals.tell_renewal_window()
    return 1


def load() -> dict[str, int]:
    if Application.objects.filter(applicant__username__startswith="demo.shop").exists():
        return {"applications": Application.objects.count()}
    bank = clients.standin("bank")
    captured: list[tuple[str, bytes, dict[str, str]]] = []
    # the stand-in is shared by the process: set what the demo needs and put it back after
    saved = (bank.deliver, bank.mode)
    bank.deliver = lambda url, body, headers: captured.append((url, body, headers))
    bank.mode = "accept"
    try:
        return _load(captured)
    finally:
        bank.deliver, bank.mode = saved


def _load(captured: list[tuple[str, bytes, dict[str, str]]]) -> dict[str, int]:
    citizen = User.objects.filter(username="citizen").first()
    shops = [
        ("101014321", DEMO_SHOPS[0], "regular", "4000"),
        ("105775432", DEMO_SHOPS[1], "regular", "2500"),
        ("211022345", DEMO_SHOPS[2], "emergency_covid", "2000"),
    ]
    made = 0
    if citizen is not None:
        citizen = _signed_in(citizen, DEMO_CITIZEN)
        paid = _file(citizen, brn.make("120014567"), "emergency_covid", "1500")
        mine = _paid_out(paid, citizen, captured)
        if mine:
            _first_interest(captured, mine)
        _file(citizen, brn.make("120015678"), "emergency_covid", "1000")
        made += 2 + _near_its_term(citizen, captured)
    now = timezone.now()
    for i, (nine, person, product, manwon) in enumerate(shops):
        user, _ = User.objects.get_or_create(
            username=f"demo.shop{i + 1}", defaults={"kind": User.Kind.CITIZEN, "display_name": person[0]}
        )
        user = _signed_in(user, person)
        app = _file(user, brn.make(nine), product, manwon)
        # spread the queue over the last three days so the service-level target shows
        Application.objects.filter(pk=app.pk).update(referred_at=now - timedelta(hours=20 * (len(shops) - i)))
        made += 1
    # a fourth shop whose emergency loan went into default: a review on the defaults worklist
    user, _ = User.objects.get_or_create(
        username="demo.shop4", defaults={"kind": User.Kind.CITIZEN, "display_name": DEMO_SHOPS[3][0]}
    )
    user = _signed_in(user, DEMO_SHOPS[3])
    mine = _paid_out(_file(user, brn.make("215034567"), "emergency_covid", "1000"), user, captured)
    if mine:
        _defaulted(captured, mine)
        made += 1
    examiner = User.objects.filter(username="guarantee.examiner").first()
    first = Application.objects.filter(applicant__username="demo.shop1", state="referred").first()
    if examiner is not None and first is not None:
        actions.review(first, "approve", "서류 일치, 매출 안정적. 2차 승인 요청. (demo)", actor=examiner)
    return {"applications": made}
