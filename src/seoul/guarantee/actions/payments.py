"""The guarantee fee, paid through the payment gateway before the certificate is issued.

Signing the agreement records the fee as a pending :class:`Payment` (or ``waived`` when it is
0, see ``agreement.py``). :func:`start_payment` makes the gateway's payment order for the
current attempt (its idempotency key is also the order id) with no transaction open, and gives
the checkout page the applicant's browser goes to. The gateway answers twice: it sends the
browser back to the platform with the result signed (:func:`payment_returned`) and posts the
same result as a signed webhook (:func:`receive_payment_webhook`, each event kept once by its
id in :class:`PaymentEvent`). Both settle the payment through one function under the
application's and the payment's row locks, so whichever comes first (and however often) the
fee is recorded once and the certificate issued once; it is sent to the bank after commit.

A declined (or failed) payment may be tried again: the same row starts a new attempt with a new
key, so the gateway makes a new order; an answer about an earlier attempt changes nothing.
A gateway that is down or slow leaves the payment pending with the error recorded: nothing was
charged, and trying again sends the same key, so the gateway never makes a second order.
"""

from __future__ import annotations

from collections.abc import Mapping

import pydantic
from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.adapters import signing
from seoul.core.adapters.http import AdapterError
from seoul.core.models import User
from seoul.guarantee.actions import claim_payments, gateway
from seoul.guarantee.actions._base import own
from seoul.guarantee.actions.agreement import issue_and_send
from seoul.guarantee.actions.notifications import notify
from seoul.guarantee.adapters import clients
from seoul.guarantee.engine.states import State
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.models import Application, Payment
from seoul.guarantee.schemas import GatewayEvent

# What the gateway's order is called on its checkout page, in the page's language.
#: The order's name at the gateway: one text in both languages, so an attempt's order is the same
#: whatever language the applicant's page is in (the gateway refuses a repeated key with another
#: body); the checkout page takes the reader's language from the URL.
ORDER_NAME = "신용보증료 / Guarantee fee {ref}"
OUTCOMES = {"payment.paid": "paid", "payment.declined": "declined", "payment.failed": "failed"}
RETRYABLE = (Payment.Status.DECLINED, Payment.Status.FAILED)
GATEWAY = "payment gateway"  # who acts in a webhook: proven by its signature, no person


def _audit(kind: str, payment: Payment | None, reference: str, *, by: str = "", **new: object) -> None:
    """One audit record about a payment (``by``: the gateway, for its webhooks)."""
    audit.record(
        kind,
        target=payment,
        target_type="" if payment is not None else "guarantee.payment",
        target_label=reference,
        new=dict(new),
        actor_label=by,
        service="guarantee",
    )


def start_payment(app: Application, *, actor: User, return_url: str, webhook_url: str) -> str:
    """The URL of the gateway's checkout page where the applicant pays their own application's
    fee: the current attempt's order, made now (or found again: same key) — after a decline, a
    new attempt's. Refused when there is nothing to pay; a gateway that does not answer is
    refused with the words to show, leaving the payment pending."""
    app = own(actor, app)
    payment = Payment.objects.filter(application=app).first()
    if payment is not None and payment.settled:
        raise GuaranteeError.ALREADY_PAID.error()
    if payment is None or app.state != State.AGREEMENT_SIGNED:
        raise GuaranteeError.NOTHING_TO_PAY.error()
    if payment.status in RETRYABLE:
        payment = _new_attempt(app, actor)

    def failed(exc: AdapterError) -> None:
        Payment.objects.filter(pk=payment.pk).update(last_error=f"{exc.code}: {exc}"[:200], updated_at=timezone.now())
        _audit(GuaranteeEvent.FEE_ORDERED, payment, app.reference, result=exc.code, attempt=payment.attempts)

    order = gateway.checkout(
        order_id=payment.idempotency_key,
        amount=payment.amount,
        name=ORDER_NAME.format(ref=app.reference),
        return_url=return_url,
        webhook_url=webhook_url,
        failed=failed,
    )
    Payment.objects.filter(pk=payment.pk, idempotency_key=payment.idempotency_key).update(
        provider_reference=order.payment_id, checkout_url=order.checkout_url, last_error="", updated_at=timezone.now()
    )
    _audit(GuaranteeEvent.FEE_ORDERED, payment, app.reference, result="ordered", attempt=payment.attempts)
    return gateway.page_url(order)


def _new_attempt(app: Application, actor: User) -> Payment:
    """Start the next attempt of a declined or failed payment (once, however many clicks)."""
    with transaction.atomic():
        own(actor, app, lock=True)
        payment = Payment.objects.select_for_update().get(application=app)
        if payment.status in RETRYABLE:
            declined = payment.decline_code
            payment.attempts += 1
            payment.idempotency_key = Payment.key_for(app.reference, payment.attempts)
            payment.status = Payment.Status.PENDING
            payment.provider_reference = payment.checkout_url = payment.decline_code = payment.last_error = ""
            payment.save()
            _audit(GuaranteeEvent.FEE_RETRIED, payment, app.reference, attempt=payment.attempts, after=declined)
        return payment


def _find(order_id: str) -> Payment | None:
    """The payment an order id names: the current attempt's, or an earlier attempt's."""
    found = Payment.objects.filter(idempotency_key=order_id).first()
    if found is None and order_id.startswith("fee-"):
        reference, _, attempt = order_id.removeprefix("fee-").rpartition("-")
        if attempt.isdigit():
            found = Payment.objects.filter(application__reference=reference, attempts__gt=int(attempt)).first()
    return found


def _settle(
    payment: Payment, *, order_id: str, payment_id: str, outcome: str, amount: int, code: str, callback_url: str
) -> str:
    """Apply one answer of the gateway about ``payment`` (in a transaction): what it did.

    Paid: the payment is paid, and for a file still waiting for it the certificate is issued
    and goes to the bank after commit, and the applicant is told. Declined or failed: the
    applicant may try again. Anything about another attempt, another amount or a payment
    already settled changes nothing."""
    app = Application.objects.select_for_update().get(pk=payment.application_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.idempotency_key != order_id:
        return "other_attempt"
    if amount != payment.amount:
        return "amount_mismatch"
    if outcome == "paid":
        if payment.status == Payment.Status.PAID:
            return "already_paid"
        if payment.status != Payment.Status.PENDING:
            return f"refused_when_{payment.status}"
        payment.status, payment.paid_at = Payment.Status.PAID, timezone.now()
        payment.provider_reference, payment.decline_code, payment.last_error = payment_id[:64], "", ""
        payment.save()
        if app.state != State.AGREEMENT_SIGNED:
            # e.g. withdrawn while the applicant was paying: staff refund it (docs/guarantee.md)
            return f"paid_in_state_{app.state}"
        issue_and_send(app, callback_url)
        notify(app, "fee_received", amount=f"{payment.amount:,}")
        return "paid"
    if outcome in ("declined", "failed"):
        if payment.status != Payment.Status.PENDING:
            return "already_paid" if payment.status == Payment.Status.PAID else f"already_{payment.status}"
        payment.status = outcome
        payment.provider_reference, payment.decline_code = payment_id[:64], code[:40]
        payment.save()
        return outcome
    return "ignored"


def receive_payment_webhook(body: bytes, *, signature: str, callback_url: str) -> str:
    """Record one signed webhook of the payment gateway; returns what happened (``duplicate``
    for a repeat). ``callback_url``: where the bank answers about a certificate it issues."""
    if not signing.verify(clients.payments_secret(), body, signature):
        raise GuaranteeError.BAD_SIGNATURE.denied()
    try:
        event = GatewayEvent.model_validate_json(body)
    except pydantic.ValidationError:
        raise GuaranteeError.MALFORMED_PAYMENT_EVENT.error() from None
    if event.order_id.startswith(claim_payments.PREFIX):  # a payment on a claim, not a fee
        return claim_payments.receive_gateway_event(event)
    payment = _find(event.order_id)
    if payment is None:
        _audit(
            GuaranteeEvent.FEE_WEBHOOK,
            None,
            event.order_id,
            by=GATEWAY,
            event=event.event_id,
            outcome="unknown_payment",
        )
        raise GuaranteeError.UNKNOWN_PAYMENT.error()
    reference = payment.application.reference
    with transaction.atomic():
        inbox = gateway.keep_once(event)
        if inbox is None:
            _audit(
                GuaranteeEvent.FEE_WEBHOOK, payment, reference, by=GATEWAY, event=event.event_id, outcome="duplicate"
            )
            return "duplicate"
        outcome = "ignored"
        if event.type in OUTCOMES:
            outcome = _settle(
                payment,
                order_id=event.order_id,
                payment_id=event.payment_id,
                outcome=OUTCOMES[event.type],
                amount=event.amount,
                code=event.decline_code,
                callback_url=callback_url,
            )
        inbox.outcome = outcome
        inbox.save(update_fields=["outcome"])
        _audit(
            GuaranteeEvent.FEE_WEBHOOK,
            payment,
            reference,
            by=GATEWAY,
            event=event.event_id,
            type=event.type,
            outcome=outcome,
        )
        return outcome


def payment_returned(app: Application, params: Mapping[str, str], *, actor: User, callback_url: str) -> Payment:
    """The applicant's browser back from the gateway with the result (``params``: the query):
    applied like the webhook when the gateway's signature holds and it is about this
    application's payment; refused with the words to show otherwise (nothing changes, and the
    webhook settles the payment anyway)."""
    app = own(actor, app)
    payment = Payment.objects.filter(application=app).first()
    if payment is None:
        raise GuaranteeError.NOTHING_TO_PAY.error()
    result = clients.verify_return(params)
    found = _find(result["order_id"]) if result is not None else None
    if result is None or found is None or found.pk != payment.pk or not result["amount"].isdigit():
        _audit(GuaranteeEvent.FEE_RETURNED, payment, app.reference, outcome="unreadable")
        raise GuaranteeError.PAYMENT_RESULT_UNREADABLE.error()
    with transaction.atomic():
        outcome = _settle(
            payment,
            order_id=result["order_id"],
            payment_id=result["payment_id"],
            outcome=result["status"],
            amount=int(result["amount"]),
            code=result["code"],
            callback_url=callback_url,
        )
        _audit(GuaranteeEvent.FEE_RETURNED, payment, app.reference, outcome=outcome)
    payment.refresh_from_db()
    return payment
