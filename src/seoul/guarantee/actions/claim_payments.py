"""The business pays its claim online (구상채권 회수, issue 18), through the same payment gateway
as the guarantee fee.

The owner's status page offers what is due (``engine/claims.to_pay``: what the plan made due
and is unpaid, or the next instalment). :func:`start_claim_payment` records the order
(:class:`ClaimPayment`, its id also the idempotency key) and makes it at the gateway with no
transaction open; the owner pays on the gateway's page. The gateway answers twice — the
browser's signed return (:func:`claim_payment_returned`) and a signed webhook (routed here by
``payments.receive_payment_webhook`` from the order id's prefix, each event kept once) — and
both settle under the claim's and the payment's row locks, so the recovery is recorded once:
a :class:`ClaimMovement` by the payer, with its balanced ledger entry, exactly as a recovery
staff record. A payment the claim can no longer take (staff recorded a recovery meanwhile and
less is owed now) is kept as paid with the outcome ``paid_not_applied``, for staff to refund.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.adapters.http import AdapterError
from seoul.core.models import User
from seoul.guarantee.actions import gateway
from seoul.guarantee.actions._base import own, record
from seoul.guarantee.actions.defaults import apply_movement
from seoul.guarantee.actions.notifications import notify
from seoul.guarantee.adapters import clients
from seoul.guarantee.engine import claims as claim_rules
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.models import Application, Claim, ClaimPayment
from seoul.guarantee.schemas import GatewayEvent

PREFIX = "claim-"
ORDER_NAME = "구상채권 상환 / Repayment to the foundation {ref}"
OUTCOMES = {"payment.paid": "paid", "payment.declined": "declined", "payment.failed": "failed"}
GATEWAY = "payment gateway"


def _claim_of(app: Application) -> Claim | None:
    return (
        Claim.objects.select_related("loan__certificate__application")
        .filter(loan__certificate__application=app)
        .first()
    )


def due_online(claim: Claim | None, today: date) -> int:
    """What the owner pays if they pay online today (0: nothing to pay online)."""
    if claim is None:
        return 0
    return claim_rules.to_pay(claim.book(), claim.plan(), today)


def _audit(kind: str, payment: ClaimPayment, *, by: str = "", actor: User | None = None, **new: object) -> None:
    audit.record(
        kind,
        target=payment,
        target_label=payment.order_id,
        new=dict(new),
        actor=actor,
        actor_label=by,
        service="guarantee",
    )


def start_claim_payment(
    app: Application, *, actor: User, return_url: str, webhook_url: str, today: date | None = None
) -> str:
    """The gateway's checkout page where the owner pays what is due on their claim: a new order
    for the amount due now, or the pending one of the same amount (one order however many
    clicks). Refused when nothing is to be paid online; a gateway that does not answer leaves
    the order pending with the error kept, and is refused with the words to show."""
    today = today or timezone.localdate()
    app = own(actor, app)
    with transaction.atomic():
        claim = _claim_of(app)
        if claim is None:
            raise GuaranteeError.CLAIM_NOTHING_TO_PAY.error()
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        amount = due_online(claim, today)
        if amount <= 0:
            raise GuaranteeError.CLAIM_NOTHING_TO_PAY.error()
        payment = claim.payments.filter(status=ClaimPayment.Status.PENDING, amount=amount).first()
        if payment is None:
            number = claim.payments.count() + 1
            payment = ClaimPayment.objects.create(
                claim=claim,
                number=number,
                amount=amount,
                payer=actor,
                order_id=f"{PREFIX}{app.reference}-{number}",
            )

    def failed(exc: AdapterError) -> None:
        ClaimPayment.objects.filter(pk=payment.pk).update(last_error=f"{exc.code}: {exc}"[:200])
        _audit(GuaranteeEvent.CLAIM_PAYMENT_ORDERED, payment, actor=actor, result=exc.code)

    order = gateway.checkout(
        order_id=payment.order_id,
        amount=payment.amount,
        name=ORDER_NAME.format(ref=app.reference),
        return_url=return_url,
        webhook_url=webhook_url,
        failed=failed,
    )
    ClaimPayment.objects.filter(pk=payment.pk).update(
        provider_reference=order.payment_id, checkout_url=order.checkout_url, last_error=""
    )
    _audit(GuaranteeEvent.CLAIM_PAYMENT_ORDERED, payment, actor=actor, result="ordered", amount=payment.amount)
    return gateway.page_url(order)


def _settle(payment: ClaimPayment, *, payment_id: str, outcome: str, amount: int, code: str) -> str:
    """Apply one answer of the gateway about ``payment`` (in a transaction): what it did."""
    claim = Claim.objects.select_for_update().select_related("loan__certificate__application").get(pk=payment.claim_id)
    payment = ClaimPayment.objects.select_for_update().get(pk=payment.pk)
    if amount != payment.amount:
        return "amount_mismatch"
    if outcome in ("declined", "failed"):
        if payment.status != ClaimPayment.Status.PENDING:
            return "already_paid" if payment.status == ClaimPayment.Status.PAID else f"already_{payment.status}"
        payment.status, payment.provider_reference, payment.decline_code = outcome, payment_id[:64], code[:40]
        payment.save(update_fields=["status", "provider_reference", "decline_code"])
        return outcome
    if outcome != "paid":
        return "ignored"
    if payment.status == ClaimPayment.Status.PAID:
        return "already_paid"
    if payment.status != ClaimPayment.Status.PENDING:
        return f"refused_when_{payment.status}"
    payment.status, payment.paid_at, payment.provider_reference = ClaimPayment.Status.PAID, timezone.now(), payment_id
    today = timezone.localdate()
    book = claim.book()
    problem = book.recovery_problem(payment.amount, today, today) if claim.status == Claim.Status.OPEN else "closed"
    payment.outcome = "paid_not_applied" if problem else "recovered"
    payment.save(update_fields=["status", "paid_at", "provider_reference", "outcome"])
    if problem:  # less is owed now than was paid: staff refund it (docs/guarantee.md)
        return "paid_not_applied"
    move = book.recover(payment.amount, today, today)
    apply_movement(claim, book, move, reason="", note=f"online payment {payment.order_id}", actor=payment.payer)
    app = claim.loan.certificate.application
    record(GuaranteeEvent.CLAIM_RECOVERED, app, new={"amount": payment.amount, "online": payment.order_id})
    notify(app, "claim_paid", amount=f"{payment.amount:,}", remaining=f"{claim.remaining:,}")
    return "recovered"


def receive_gateway_event(event: GatewayEvent) -> str:
    """One verified webhook of the gateway about a claim payment (``payments`` checked the
    signature and routed it here): kept once by its id; what it did."""
    payment = ClaimPayment.objects.filter(order_id=event.order_id).first()
    if payment is None:
        raise GuaranteeError.UNKNOWN_PAYMENT.error()
    with transaction.atomic():
        inbox = gateway.keep_once(event)
        if inbox is None:
            _audit(GuaranteeEvent.CLAIM_PAYMENT_WEBHOOK, payment, by=GATEWAY, event=event.event_id, outcome="duplicate")
            return "duplicate"
        outcome = "ignored"
        if event.type in OUTCOMES:
            outcome = _settle(
                payment,
                payment_id=event.payment_id,
                outcome=OUTCOMES[event.type],
                amount=event.amount,
                code=event.decline_code,
            )
        inbox.outcome = outcome
        inbox.save(update_fields=["outcome"])
        _audit(GuaranteeEvent.CLAIM_PAYMENT_WEBHOOK, payment, by=GATEWAY, event=event.event_id, outcome=outcome)
        return outcome


def claim_payment_returned(app: Application, params: Mapping[str, str], *, actor: User) -> ClaimPayment:
    """The owner's browser back from the gateway: the signed result applied like the webhook
    when it is about a payment on this owner's claim; refused with the words to show otherwise."""
    app = own(actor, app)
    result = clients.verify_return(params)
    payment = ClaimPayment.objects.filter(
        order_id=result["order_id"] if result else "", claim__loan__certificate__application=app
    ).first()
    if result is None or payment is None or not result["amount"].isdigit():
        raise GuaranteeError.PAYMENT_RESULT_UNREADABLE.error()
    with transaction.atomic():
        outcome = _settle(
            payment,
            payment_id=result["payment_id"],
            outcome=result["status"],
            amount=int(result["amount"]),
            code=result["code"],
        )
        _audit(GuaranteeEvent.CLAIM_PAYMENT_RETURNED, payment, actor=actor, outcome=outcome)
    payment.refresh_from_db()
    return payment
