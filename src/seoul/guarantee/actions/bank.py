"""The partner bank's webhooks: accepted, rejected, loan paid out.

The bank is the actor, proven by its signature over the raw body (``adapters/signing.py``),
which the action checks itself whatever the caller checked. Each event is kept once by its
event id; a loan is recorded once per certificate and per bank loan id, under the
certificate's row lock. The applicant is told after the transaction commits.
"""

from __future__ import annotations

from datetime import datetime

import pydantic
from django.db import IntegrityError, transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.adapters import signing
from seoul.guarantee.actions import loans, pools
from seoul.guarantee.actions._base import move
from seoul.guarantee.actions.notifications import notify
from seoul.guarantee.adapters import clients
from seoul.guarantee.engine.states import Actor, Event, State
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.models import Application, Certificate, Loan, WebhookEvent
from seoul.guarantee.schemas import BankEvent


def _audit(event_id: str, kind: str, outcome: str) -> None:
    audit.record(
        GuaranteeEvent.WEBHOOK,
        target_type="guarantee.webhook",
        target_id=event_id,
        new={"type": kind, "outcome": outcome},
        actor_label="bank",
        service="guarantee",
    )


def receive_webhook(body: bytes, *, signature: str) -> str:
    """Record one signed bank webhook; returns what happened (``duplicate`` for a repeat)."""
    if not signing.verify(clients.bank_secret(), body, signature):
        raise GuaranteeError.BAD_SIGNATURE.denied()
    try:
        event = BankEvent.model_validate_json(body)
    except pydantic.ValidationError:
        raise GuaranteeError.MALFORMED_WEBHOOK.error() from None
    payload = event.model_dump(mode="json")
    with transaction.atomic():
        try:
            with transaction.atomic():
                inbox = WebhookEvent.objects.create(event_id=event.event_id, kind=event.type, payload=payload)
        except IntegrityError:
            _audit(event.event_id, event.type, "duplicate")
            return "duplicate"
        cert = Certificate.objects.select_for_update().filter(number=event.certificate_number).first()
        outcome = "unknown_certificate" if cert is None else _apply(cert, event)
        inbox.outcome = outcome
        inbox.save(update_fields=["outcome"])
        _audit(event.event_id, event.type, outcome)
        return outcome


def _apply(cert: Certificate, event: BankEvent) -> str:
    app = Application.objects.select_for_update().get(pk=cert.application_id)
    if event.type == "certificate.accepted":
        if cert.bank_status in (Certificate.BankStatus.PENDING, Certificate.BankStatus.SENT):
            cert.bank_status = Certificate.BankStatus.ACCEPTED
            cert.bank_reference = event.bank_reference or cert.bank_reference
            cert.save()
        return "accepted"
    if event.type == "certificate.rejected":
        cert.bank_status = Certificate.BankStatus.REJECTED
        cert.save()
        if app.state == State.CERTIFICATE_ISSUED:
            move(app, Event.BANK_DECLINE, Actor.BANK, reason=event.reason)
            pools.release(app)
        return "rejected"
    if event.type == "loan.executed":
        return _loan(cert, app, event)
    if event.type in loans.KINDS:
        return loans.apply_event(app, event)
    return "ignored"


def _loan(cert: Certificate, app: Application, event: BankEvent) -> str:
    loan_id = event.loan_id
    if Loan.objects.filter(certificate=cert).exists() or Loan.objects.filter(bank_loan_id=loan_id).exists():
        return "loan_already_recorded"
    if app.state != State.CERTIFICATE_ISSUED:
        # e.g. a loan after the bank's own rejection: kept in the inbox for staff, never applied
        return f"refused_in_state_{app.state}"
    executed: datetime = event.executed_at or timezone.now()
    loan = Loan.objects.create(
        certificate=cert, bank_loan_id=loan_id, amount=event.amount or cert.amount, executed_at=executed
    )
    if cert.bank_status != Certificate.BankStatus.ACCEPTED:
        cert.bank_status = Certificate.BankStatus.ACCEPTED
        cert.save()
    loans.record_payout(loan, event.event_id)
    move(app, Event.EXECUTE_LOAN, Actor.BANK)
    audit.record(GuaranteeEvent.LOAN_RECORDED, target=loan, new={"amount": loan.amount}, service="guarantee")
    notify(app, "paid_out")
    return "loan_recorded"
