"""After a default (issue 18): the foundation's review, its payment of the guaranteed share to
the bank (대위변제), and the claim on the business that follows (구상채권) — a recovery plan,
recoveries and, at the end, a write-off.

* The bank's ``loan.defaulted`` event opens a review (:func:`open_review`) for the guaranteed
  share at default, ``floor(coverage × outstanding)``.
* An approver of the file's institution decides (:func:`decide_subrogation`): approved, the payment is sent
  to the bank after commit (:func:`send_payment`, idempotent by key, retried from the page or
  ``seoul guarantee resend``); refused (면책: the bank breached the guarantee's terms), the bank
  bears the loss.
* The bank confirms the receipt as the loan's next event (``loan.subrogated``); the loan book
  discharges the guarantee and :func:`settle` opens the claim on the business.
* Operators agree a recovery plan and record recoveries; approvers write a claim off when the
  limitation period has run or for a documented reason (``engine/claims.py``).

Every money movement is a balanced entry of the loan's ledger.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from seoul.core.adapters.http import AdapterError
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.core.validation import check_text
from seoul.guarantee.actions._base import examined, record
from seoul.guarantee.actions.notifications import notify
from seoul.guarantee.adapters import clients
from seoul.guarantee.engine import claims as claim_rules
from seoul.guarantee.engine.loanbook import Line
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.models import Application, Claim, ClaimMovement, LedgerLine, Loan, Subrogation

NOTE_MAX = 500


def _optional(note: str) -> str:
    note = note.strip()
    return check_text(note, "note", max_length=NOTE_MAX, multiline=True) if note else ""


def open_review(loan: Loan, share: int) -> Subrogation:
    """The review of a loan the bank declared in default (inside the webhook's transaction)."""
    sub, _made = Subrogation.objects.get_or_create(
        loan=loan, defaults={"amount": share, "idempotency_key": f"sub-{uuid.uuid4().hex}"}
    )
    return sub


def _approver(actor: User, app: Application) -> Application:
    app = examined(actor, app)
    if not actor.has_role(Service.GUARANTEE, Role.APPROVER):
        raise GuaranteeError.APPROVERS_ONLY.denied()
    return app


def decide_subrogation(sub: Subrogation, *, approve: bool, note: str, actor: User, callback_url: str) -> Subrogation:
    """Approve (the payment goes to the bank after commit) or refuse the subrogation of a
    defaulted loan, with a note the file keeps."""
    app = _approver(actor, sub.loan.certificate.application)
    note = check_text(note.strip(), "note", max_length=NOTE_MAX, min_length=5, multiline=True)
    with transaction.atomic():
        sub = Subrogation.objects.select_for_update().get(pk=sub.pk)
        if sub.status != Subrogation.Status.TO_REVIEW:
            raise GuaranteeError.NOT_TO_REVIEW.error()
        sub.status = Subrogation.Status.APPROVED if approve else Subrogation.Status.REFUSED
        sub.decided_at, sub.decided_by, sub.note = timezone.now(), actor, note
        sub.save(update_fields=["status", "decided_at", "decided_by", "note"])
        record(
            GuaranteeEvent.SUBROGATION_DECIDED,
            app,
            new={"status": sub.status, "amount": sub.amount, "loan": sub.loan.bank_loan_id},
            reason=note,
            actor=actor,
        )
        if approve:
            transaction.on_commit(partial(send_payment, sub.pk, callback_url), robust=True)
    return sub


def send_payment(pk: int, callback_url: str) -> str:
    """Send an approved payment to the bank (never inside a transaction): ``sent``, ``failed``
    (the error kept; sent again later with the same key) or ``skipped``."""
    sub = Subrogation.objects.select_related("loan__certificate__application").get(pk=pk)
    if sub.status != Subrogation.Status.APPROVED:
        return "skipped"
    Subrogation.objects.filter(pk=pk).update(send_attempts=F("send_attempts") + 1)
    payload = {
        "certificate_number": sub.loan.certificate.number,
        "amount": sub.amount,
        "callback_url": callback_url,
    }
    try:
        clients.pay_subrogation(sub.loan.bank_loan_id, payload, sub.idempotency_key)
    except AdapterError as exc:
        Subrogation.objects.filter(pk=pk).update(last_error=f"{exc.code}: {exc}"[:200])
        return "failed"
    Subrogation.objects.filter(pk=pk).update(last_error="")
    record(
        GuaranteeEvent.SUBROGATION_SENT,
        sub.loan.certificate.application,
        new={"amount": sub.amount, "loan": sub.loan.bank_loan_id},
        actor_label="system",
    )
    return "sent"


def resend_subrogation(sub: Subrogation, *, actor: User, callback_url: str) -> str:
    """An approver sends an approved payment again (the bank answers a repeat with what it did)."""
    _approver(actor, sub.loan.certificate.application)
    if sub.status != Subrogation.Status.APPROVED:
        raise GuaranteeError.NOT_SENT.error()
    return send_payment(sub.pk, callback_url)


def resend_subrogations(callback_url: str) -> dict[str, int]:
    """Send again every approved payment the bank has not confirmed (the scheduled re-send job,
    acting for the foundation; the same keys, so nothing is paid twice)."""
    counts: dict[str, int] = {}
    for pk in Subrogation.objects.filter(status=Subrogation.Status.APPROVED).values_list("pk", flat=True):
        result = send_payment(pk, callback_url)
        counts[result] = counts.get(result, 0) + 1
    return counts


def _ledger(loan: Loan, tag: str, on: date, lines: tuple[Line, ...]) -> None:
    LedgerLine.objects.bulk_create(
        LedgerLine(loan=loan, event_id=tag, seq=loan.last_seq, on=on, account=x.account, debit=x.debit, credit=x.credit)
        for x in lines
    )


def settle(loan: Loan, on: date) -> Claim:
    """The bank confirmed the foundation's payment (the loan is ``subrogated``, its ledger entry
    written by the loan book): the review is paid and the claim on the business opens."""
    Subrogation.objects.filter(loan=loan).update(status=Subrogation.Status.PAID, paid_on=on, last_error="")
    claim, made = Claim.objects.get_or_create(loan=loan, defaults={"amount": loan.subrogated, "opened_on": on})
    if made:
        notify(loan.certificate.application, "subrogated", amount=f"{loan.subrogated:,}")
    return claim


def _claim(actor: User, claim: Claim, *, approver: bool = False) -> Claim:
    app = claim.loan.certificate.application
    if approver:
        _approver(actor, app)
    else:
        examined(actor, app)
    found = Claim.objects.select_for_update().select_related("loan__certificate__application").get(pk=claim.pk)
    if found.status != Claim.Status.OPEN:
        raise GuaranteeError.CLAIM_CLOSED.error()
    return found


def set_recovery_plan(claim: Claim, *, months: int, first_due: date, note: str, actor: User) -> Claim:
    """Agree a recovery plan with the business: monthly instalments of the whole claim."""
    today = timezone.localdate()
    if not 1 <= months <= claim_rules.MAX_PLAN_MONTHS:
        raise GuaranteeError.PLAN_MONTHS.error("months", most=claim_rules.MAX_PLAN_MONTHS)
    if not today <= first_due <= today + timedelta(days=366):
        raise GuaranteeError.PLAN_START.error("first_due")
    note = _optional(note)
    with transaction.atomic():
        claim = _claim(actor, claim)
        claim.plan_months, claim.plan_first_due = months, first_due
        claim.save(update_fields=["plan_months", "plan_first_due"])
        ClaimMovement.objects.create(
            claim=claim, kind=ClaimMovement.Kind.PLAN, on=today, note=note, recorded_by=actor, amount=0
        )
        app = claim.loan.certificate.application
        record(GuaranteeEvent.CLAIM_PLAN, app, new={"months": months, "first_due": first_due.isoformat()}, actor=actor)
        rows = claim.plan()
        notify(app, "claim_plan", months=len(rows), each=f"{rows[0].amount:,}", first=first_due.isoformat())
    return claim


def record_recovery(claim: Claim, *, amount: int, on: date, note: str, actor: User) -> Claim:
    """A payment the business made on its claim: never more than it owes, never twice-counted."""
    note = _optional(note)
    with transaction.atomic():
        claim = _claim(actor, claim)
        book = claim.book()
        problem = book.recovery_problem(amount, on, timezone.localdate())
        if problem:
            raise GuaranteeError.RECOVERY_REFUSED.error("amount", reason=problem)
        move = book.recover(amount, on, timezone.localdate())
        apply_movement(claim, book, move, reason="", note=note, actor=actor)
        record(GuaranteeEvent.CLAIM_RECOVERED, claim.loan.certificate.application, new={"amount": amount}, actor=actor)
    return claim


def write_off_claim(claim: Claim, *, reason: str, note: str, actor: User) -> Claim:
    """Write the rest of a claim off: after the limitation period, or earlier for a documented
    reason (:data:`engine.claims.EARLY_WRITE_OFF`) — an approver's decision."""
    note = check_text(note.strip(), "note", max_length=NOTE_MAX, min_length=5, multiline=True)
    with transaction.atomic():
        claim = _claim(actor, claim, approver=True)
        book = claim.book()
        today = timezone.localdate()
        problem = book.write_off_problem(today, reason)
        if problem:
            raise GuaranteeError.WRITE_OFF_REFUSED.error("reason", reason=problem)
        move = book.write_off(today, reason)
        apply_movement(claim, book, move, reason=reason, note=note, actor=actor)
        record(
            GuaranteeEvent.CLAIM_WRITTEN_OFF,
            claim.loan.certificate.application,
            new={"amount": move.amount, "reason": reason},
            reason=note,
            actor=actor,
        )
    return claim


def apply_movement(
    claim: Claim, book: claim_rules.Claim, move: claim_rules.Movement, *, reason: str, note: str, actor: User
) -> None:
    row = ClaimMovement.objects.create(
        claim=claim, kind=move.kind, on=move.on, amount=move.amount, reason=reason, note=note, recorded_by=actor
    )
    _ledger(claim.loan, f"claim-{row.pk}", move.on, move.lines)
    claim.recovered, claim.written_off, claim.status = book.recovered, book.written_off, book.status
    claim.last_payment_on = book.last_payment
    claim.save(update_fields=["recovered", "written_off", "status", "last_payment_on"])
