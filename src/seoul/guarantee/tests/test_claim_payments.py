"""The business pays its claim online through the payment gateway stand-in (issue 18): what is
due is offered, the payment is recorded as a recovery once whatever arrives (the browser's return,
the webhook, its repeat), with its ledger entry; a declined payment is paid again; a payment the
claim can no longer take, a wrong amount or a forged answer changes nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from seoul.core.adapters import signing
from seoul.core.errors import codes_of
from seoul.core.models import User
from seoul.guarantee import actions
from seoul.guarantee.actions import loans
from seoul.guarantee.adapters import clients
from seoul.guarantee.engine import claims as claim_rules
from seoul.guarantee.models import Claim, ClaimMovement, ClaimPayment, Notification, Subrogation
from seoul.guarantee.tests.builders import CALLBACK, PAYMENTS_WEBHOOK, identify, wait_for
from seoul.guarantee.tests.test_defaults import _defaulted, _deliver

pytestmark = pytest.mark.django_db
RETURN = "http://testserver/guarantee/apply/x/claim/pay/return/"


def test_what_is_offered_is_what_the_plan_made_due_or_the_next_instalment() -> None:
    start = date(2027, 1, 10)
    rows = claim_rules.plan(1_000_000, 4, start)  # 250,000 a month
    claim = claim_rules.Claim(1_000_000, date(2026, 12, 1))
    assert claim_rules.to_pay(claim, rows, start - timedelta(days=5)) == 250_000  # the next instalment
    assert claim_rules.to_pay(claim, rows, start + timedelta(days=40)) == 500_000  # two made due, none paid
    claim.recovered = 300_000
    assert claim_rules.to_pay(claim, rows, start + timedelta(days=40)) == 200_000
    claim.recovered = 600_000  # ahead of the plan: up to the end of the next instalment
    assert claim_rules.to_pay(claim, rows, start + timedelta(days=40)) == 150_000
    assert claim_rules.to_pay(claim, [], start) == 0  # no plan: nothing online
    claim.status = "written_off"
    assert claim_rules.to_pay(claim, rows, start) == 0


def _claim_with_plan(
    citizen: User, docs_service: Any, bank: Any, approver: User, examiner: User, capture: Any
) -> Claim:
    """The 6,000,000 won claim after the foundation paid the bank, with a plan of 12 × 500,000."""
    loan, _payout = _defaulted(citizen, docs_service, bank)
    sub = Subrogation.objects.get(loan=loan)
    start = len(bank.captured)
    with capture(execute=True):
        actions.decide_subrogation(sub, approve=True, note="Default confirmed", actor=approver, callback_url=CALLBACK)
    wait_for(lambda: len(bank.captured) == start + 1)
    assert _deliver(bank, start) == ["applied"]
    claim = Claim.objects.get(loan=loan)
    return actions.set_recovery_plan(
        claim, months=12, first_due=timezone.localdate() + timedelta(days=10), note="", actor=examiner
    )


def _order(claim: Claim, citizen: User) -> str:
    """The gateway's payment id of the order the owner starts now."""
    app = claim.loan.certificate.application
    url = actions.start_claim_payment(app, actor=citizen, return_url=RETURN, webhook_url=PAYMENTS_WEBHOOK)
    return urlsplit(url).path.rsplit("/", 1)[-1]


def _webhooks(gateway: Any) -> list[tuple[bytes, str]]:
    assert gateway.webhooks.drain()
    out = [(body, headers["X-Gateway-Signature"]) for _url, body, headers in gateway.captured]
    gateway.captured.clear()
    return out


def _receive(body: bytes, signature: str) -> str:
    return actions.receive_payment_webhook(body, signature=signature, callback_url=CALLBACK)


@pytest.mark.parametrize("first", ["return", "webhook"])
def test_a_payment_is_recovered_once_whatever_arrives_first(
    first: str,
    citizen: User,
    docs_service: Any,
    bank: Any,
    gateway: Any,
    approver: User,
    examiner: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    claim = _claim_with_plan(citizen, docs_service, bank, approver, examiner, django_capture_on_commit_callbacks)
    app = claim.loan.certificate.application
    gateway.webhook_repeat = 2
    payment_id = _order(claim, citizen)
    assert gateway.orders[payment_id].amount == 500_000  # the first instalment
    assert _order(claim, citizen) == payment_id  # clicked twice: one order
    location = gateway.complete(payment_id, "pay")
    (body, signature), (body2, signature2) = _webhooks(gateway)
    params = dict(parse_qsl(urlsplit(location).query))
    if first == "return":
        assert actions.claim_payment_returned(app, params, actor=citizen).outcome == "recovered"
        assert [_receive(body, signature), _receive(body2, signature2)] == ["already_paid", "duplicate"]
    else:
        assert [_receive(body, signature), _receive(body2, signature2)] == ["recovered", "duplicate"]
        assert actions.claim_payment_returned(app, params, actor=citizen).status == "paid"
    claim.refresh_from_db()
    assert (claim.recovered, claim.remaining) == (500_000, 5_500_000)
    movement = ClaimMovement.objects.get(claim=claim, kind="recovered")
    assert movement.amount == 500_000 and movement.recorded_by == citizen
    balances = loans.ledger_balances(claim.loan)
    assert balances["recourse_claim"] == 5_500_000 and sum(balances.values()) == 0
    assert Notification.objects.filter(application=app, body__contains="5,500,000").exists()
    assert claim.payments.get().number == 1
    _order(claim, citizen)  # the next order: the second instalment
    latest = claim.payments.order_by("-number").first()
    assert latest is not None and (latest.number, latest.amount, latest.status) == (2, 500_000, "pending")


def test_declined_then_paid_again_and_wrong_or_forged_answers_change_nothing(
    citizen: User,
    docs_service: Any,
    bank: Any,
    gateway: Any,
    approver: User,
    examiner: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    claim = _claim_with_plan(citizen, docs_service, bank, approver, examiner, django_capture_on_commit_callbacks)
    declined = _order(claim, citizen)
    gateway.complete(declined, "decline")
    [(body, signature)] = _webhooks(gateway)
    assert _receive(body, signature) == "declined"
    again = _order(claim, citizen)
    assert again != declined and claim.payments.count() == 2
    event = {
        "event_id": "evt-wrong-amount",
        "type": "payment.paid",
        "payment_id": again,
        "order_id": claim.payments.get(number=2).order_id,
        "status": "paid",
        "amount": 1,
    }
    raw = json.dumps(event).encode()
    assert _receive(raw, signing.sign(clients.payments_secret(), raw)) == "amount_mismatch"
    with pytest.raises(PermissionDenied):  # not the gateway's signature
        _receive(raw, signing.sign("someone-else", raw))
    claim.refresh_from_db()
    assert claim.recovered == 0 and not ClaimMovement.objects.filter(claim=claim, kind="recovered").exists()


def test_a_payment_the_claim_can_no_longer_take_is_kept_for_a_refund(
    citizen: User,
    docs_service: Any,
    bank: Any,
    gateway: Any,
    approver: User,
    examiner: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    claim = _claim_with_plan(citizen, docs_service, bank, approver, examiner, django_capture_on_commit_callbacks)
    payment_id = _order(claim, citizen)
    actions.record_recovery(claim, amount=5_800_000, on=timezone.localdate(), note="by transfer", actor=examiner)
    gateway.complete(payment_id, "pay")  # 500,000 paid; only 200,000 is owed now
    [(body, signature)] = _webhooks(gateway)
    assert _receive(body, signature) == "paid_not_applied"
    claim.refresh_from_db()
    assert (claim.recovered, claim.remaining) == (5_800_000, 200_000)
    assert ClaimPayment.objects.get(claim=claim).outcome == "paid_not_applied"


def test_nothing_to_pay_without_a_plan_and_only_the_owner_pays(
    citizen: User, docs_service: Any, bank: Any, approver: User, django_capture_on_commit_callbacks: Any, make_user: Any
) -> None:
    loan, _payout = _defaulted(citizen, docs_service, bank)
    app = loan.certificate.application
    with pytest.raises(ValidationError) as none:  # no claim yet (the default is under review)
        actions.start_claim_payment(app, actor=citizen, return_url=RETURN, webhook_url=PAYMENTS_WEBHOOK)
    assert codes_of(none.value) == ["guarantee.claim_nothing_to_pay"]
    stranger = identify(
        make_user(kind=User.Kind.CITIZEN, institution=None, username="lee"), ("이한강", "010-5555-6666")
    )
    with pytest.raises((PermissionDenied, ValidationError)):
        actions.start_claim_payment(app, actor=stranger, return_url=RETURN, webhook_url=PAYMENTS_WEBHOOK)
    assert not ClaimPayment.objects.exists()
