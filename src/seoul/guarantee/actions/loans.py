"""The loan's life after the bank pays it out (issue 18): the bank's signed events — repayments,
early repayment, arrears and their cure, default — applied to the loan's book in sequence
(``engine/loanbook.py``), its ledger kept line by line, the applicant told of arrears and a
default, reminded before each instalment, and the book compared with the bank's statement.

Every event is kept (``LoanEvent``) whatever became of it: applied, parked until the events
before it arrive, or refused with the reason — a refused event never changes a figure. The loan
row is locked while an event is applied, so two deliveries never interleave.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from seoul.core.adapters.http import AdapterError
from seoul.guarantee.actions import defaults, renewals
from seoul.guarantee.actions._base import record
from seoul.guarantee.actions.notifications import notify
from seoul.guarantee.adapters import clients
from seoul.guarantee.engine import loanbook
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.models import Application, InstalmentReminder, LedgerLine, Loan, LoanEvent, Subrogation
from seoul.guarantee.schemas import BankEvent

#: Bank event types about a loan's life, and the book's name for each.
KINDS = {
    "loan.repaid": "repaid",
    "loan.prepaid": "prepaid",
    "loan.arrears": "arrears",
    "loan.cured": "cured",
    "loan.defaulted": "defaulted",
    "loan.subrogated": "subrogated",
    "loan.extended": "extended",
}
#: Days before an instalment falls due when the applicant is reminded.
REMIND_DAYS = 3


def _event(loan: Loan, row: LoanEvent) -> loanbook.LoanEvent:
    return loanbook.LoanEvent(
        row.event_id,
        loan.bank_loan_id,
        row.seq,
        row.kind,
        row.on,
        row.principal,
        row.interest,
        row.days_overdue,
        row.maturity,
    )


def book_of(loan: Loan) -> loanbook.LoanBook:
    """The loan's book as stored: its figures and the events waiting for an earlier one."""
    book = loanbook.LoanBook(
        loan.bank_loan_id,
        Decimal(str(loan.certificate.coverage)),
        limit=loan.certificate.amount,
        status=loan.status,
        disbursed=loan.amount,
        principal_repaid=loan.principal_repaid,
        interest_paid=loan.interest_paid,
        subrogated=loan.subrogated,
        days_overdue=loan.days_overdue,
        last_seq=loan.last_seq,
        extensions=loan.extensions,
        extended_to=loan.extended_to,
    )
    for row in loan.events.filter(status=LoanEvent.Status.PARKED):
        book.parked[row.seq] = _event(loan, row)
    return book


def _lines(loan: Loan, entry: loanbook.Entry) -> None:
    LedgerLine.objects.bulk_create(
        LedgerLine(
            loan=loan,
            event_id=entry.event_id,
            seq=entry.seq,
            on=entry.on,
            account=line.account,
            debit=line.debit,
            credit=line.credit,
        )
        for line in entry.lines
    )


def record_payout(loan: Loan, event_id: str) -> None:
    """The payout as the loan's first event (sequence 1): kept, and its ledger entry written.
    Call in the transaction that records the loan."""
    book = loanbook.LoanBook(loan.bank_loan_id, Decimal(str(loan.certificate.coverage)), limit=loan.certificate.amount)
    on = timezone.localdate(loan.executed_at)
    payout = loanbook.LoanEvent(event_id, loan.bank_loan_id, 1, "disbursed", on, loan.amount)
    outcome = book.deliver(payout)
    if outcome.status != "applied":  # the amount is above the certificate's: kept, not booked
        LoanEvent.objects.create(
            loan=loan,
            event_id=event_id,
            seq=1,
            kind="disbursed",
            on=on,
            principal=loan.amount,
            status=LoanEvent.Status.REFUSED,
            reason=outcome.reason[:200],
        )
        return
    LoanEvent.objects.create(
        loan=loan,
        event_id=event_id,
        seq=1,
        kind="disbursed",
        on=on,
        principal=loan.amount,
        status=LoanEvent.Status.APPLIED,
    )
    _lines(loan, book.entries[-1])


def apply_event(app: Application, event: BankEvent) -> str:
    """Apply one bank event about the loan of ``app``'s certificate (the caller holds the
    certificate's lock and has kept the webhook once). Returns the outcome: ``applied``,
    ``parked``, ``refused`` (the reason kept with the event) or ``no_loan``."""
    loan = Loan.objects.select_for_update().select_related("certificate").filter(bank_loan_id=event.loan_id).first()
    if loan is None or loan.certificate.application_id != app.pk:
        return "no_loan"
    kind = KINDS[event.type]
    on = event.on or timezone.localdate()
    incoming = loanbook.LoanEvent(
        event.event_id,
        loan.bank_loan_id,
        event.seq or 0,
        kind,
        on,
        event.principal,
        event.interest,
        event.days_overdue,
        event.maturity,
    )
    book = book_of(loan)
    before = len(book.entries)
    paid_by_us = Subrogation.objects.filter(
        loan=loan, status__in=[Subrogation.Status.APPROVED, Subrogation.Status.PAID]
    ).exists()
    not_extended = renewals.extension_problem(loan, event.maturity) if kind == "extended" else ""
    if kind == "subrogated" and not paid_by_us:
        outcome = loanbook.Outcome("refused", "the foundation has not approved a payment for this loan")
    elif not_extended:
        outcome = loanbook.Outcome("refused", not_extended)
    else:
        outcome = book.deliver(incoming)
    fields = {
        "seq": incoming.seq,
        "kind": kind,
        "on": on,
        "principal": event.principal,
        "interest": event.interest,
        "maturity": event.maturity,
    }
    if outcome.status == "refused":
        LoanEvent.objects.create(
            loan=loan,
            event_id=event.event_id,
            days_overdue=event.days_overdue,
            status=LoanEvent.Status.REFUSED,
            reason=outcome.reason[:200],
            **fields,
        )
        record(
            GuaranteeEvent.LOAN_EVENT, app, new={"event": event.event_id, "outcome": "refused"}, reason=outcome.reason
        )
        return "refused"
    status = LoanEvent.Status.PARKED if outcome.status == "parked" else LoanEvent.Status.APPLIED
    LoanEvent.objects.create(
        loan=loan, event_id=event.event_id, days_overdue=event.days_overdue, status=status, reason="", **fields
    )
    applied = set(outcome.applied)
    if outcome.dropped is not None:  # parked, and impossible once the events before it came
        LoanEvent.objects.filter(loan=loan, seq=outcome.dropped, status=LoanEvent.Status.PARKED).update(
            status=LoanEvent.Status.REFUSED, reason=outcome.reason[:200]
        )
    if applied:
        LoanEvent.objects.filter(loan=loan, seq__in=applied, status=LoanEvent.Status.PARKED).update(
            status=LoanEvent.Status.APPLIED
        )
    for entry in book.entries[before:]:
        _lines(loan, entry)
    was, extensions = loan.status, loan.extensions
    loan.status, loan.principal_repaid, loan.interest_paid = book.status, book.principal_repaid, book.interest_paid
    loan.subrogated, loan.days_overdue, loan.last_seq = book.subrogated, book.days_overdue, book.last_seq
    loan.extensions, loan.extended_to = book.extensions, book.extended_to
    loan.save(
        update_fields=[
            "status",
            "principal_repaid",
            "interest_paid",
            "subrogated",
            "days_overdue",
            "last_seq",
            "extensions",
            "extended_to",
        ]
    )
    if loan.extensions > extensions:  # the bank's extension, applied now (perhaps after waiting)
        extension = loan.events.filter(kind="extended", status=LoanEvent.Status.APPLIED).order_by("-seq").first()
        renewals.mark_extended(loan, extension.on if extension else on)
    if loan.status != was and loan.status in (Loan.Status.CLOSED, Loan.Status.DEFAULTED, Loan.Status.SUBROGATED):
        renewals.lapse(loan)
    record(
        GuaranteeEvent.LOAN_EVENT,
        app,
        old={"status": was},
        new={
            "event": event.event_id,
            "outcome": outcome.status,
            "applied": sorted(applied),
            "status": loan.status,
            "outstanding": loan.outstanding,
            "guarantee_balance": book.guarantee_balance,
        },
    )
    if loan.status != was and loan.status == Loan.Status.ARREARS:
        notify(app, "arrears", days=loan.days_overdue, outstanding=f"{loan.outstanding:,}")
    elif loan.status != was and loan.status == Loan.Status.DEFAULTED:
        defaults.open_review(loan, book.guarantee_balance)
        notify(app, "defaulted")
    elif loan.status != was and loan.status == Loan.Status.SUBROGATED:
        defaults.settle(loan, book.entries[-1].on if book.entries else on)
    elif loan.status != was and loan.status == Loan.Status.CLOSED:
        notify(app, "repaid")
    return outcome.status


def remind_instalments(today: date | None = None) -> dict[str, int]:
    """Remind the applicant of every loan being repaid whose next instalment falls due within
    :data:`REMIND_DAYS` days — once per due day, so an instalment an extension moved is reminded
    again on its new day (``seoul guarantee remind-instalments``, daily)."""
    today = today or timezone.localdate()
    sent = 0
    for loan in Loan.objects.filter(status=Loan.Status.ACTIVE).select_related("certificate__application"):
        upcoming = [i for i in loan.schedule() if today <= i.due <= today + timedelta(days=REMIND_DAYS)]
        for instalment in upcoming:
            with transaction.atomic():
                _reminder, made = InstalmentReminder.objects.get_or_create(
                    loan=loan, due=instalment.due, defaults={"number": instalment.number}
                )
                if made:
                    notify(
                        loan.certificate.application,
                        "instalment_due",
                        due=instalment.due.isoformat(),
                        principal=f"{instalment.principal:,}",
                    )
                    sent += 1
    return {"reminded": sent} if sent else {}


def statement(loan: Loan) -> loanbook.Statement:
    return book_of(loan).statement()


def reconcile() -> list[loanbook.Difference]:
    """Every loan's book against the bank's statement of it (``seoul guarantee reconcile``): the
    differences, each named; an empty list when they agree. A statement the bank cannot give is
    a difference of its own (``statement``)."""
    books: dict[str, loanbook.LoanBook] = {}
    stated: list[loanbook.Statement] = []
    unread: list[loanbook.Difference] = []
    for loan in Loan.objects.select_related("certificate"):
        books[loan.bank_loan_id] = book_of(loan)
        try:
            s = clients.loan_statement(loan.bank_loan_id)
        except AdapterError as exc:
            unread.append(loanbook.Difference(loan.bank_loan_id, "statement", "kept", f"not read: {exc.code}"))
            books.pop(loan.bank_loan_id)
            continue
        stated.append(
            loanbook.Statement(
                s["loan_id"],
                int(s["last_seq"]),
                str(s["status"]),
                int(s["disbursed"]),
                int(s["principal_repaid"]),
                int(s["interest_paid"]),
                int(s["outstanding"]),
                int(s.get("subrogation_received", 0)),
                int(s.get("extensions", 0)),
                date.fromisoformat(str(s["extended_to"])) if s.get("extended_to") else None,
            )
        )
    return unread + loanbook.reconcile(books, stated)


def ledger_balances(loan: Loan) -> dict[str, int]:
    """Each ledger account's balance (debit positive) from the stored lines."""
    out = dict.fromkeys(loanbook.ACCOUNTS, 0)
    for line in loan.ledger.all():
        out[line.account] += line.debit - line.credit
    return out
