"""The loan's life after the payout (issue 18), through the bank's signed webhooks: repayments
applied in sequence whatever order they arrive in, repeats and impossible reports changing
nothing, the ledger and the guarantee balance, notices of arrears and default, reminders before
an instalment, and the books reconciled with the bank's statement."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from seoul.core.models import User
from seoul.guarantee import actions
from seoul.guarantee.actions import loans
from seoul.guarantee.models import InstalmentReminder, LedgerLine, Loan, LoanEvent, Notification, WebhookEvent
from seoul.guarantee.tests.builders import CALLBACK, certificate, wait_for

pytestmark = pytest.mark.django_db


def _deliver(bank: Any, start: int = 0) -> list[str]:
    """Deliver the bank's captured webhooks from index ``start`` (signed, as posted)."""
    return [actions.receive_webhook(body, signature=h["X-Bank-Signature"]) for _u, body, h in bank.captured[start:]]


def _paid_out(citizen: User, docs_service: Any, bank: Any) -> tuple[Loan, dict[str, Any]]:
    cert = certificate(citizen, docs_service)
    assert actions.send_certificate(cert, CALLBACK) == "sent"
    wait_for(lambda: len(bank.captured) == 2)
    assert _deliver(bank) == ["accepted", "loan_recorded"]
    payout = next(json.loads(body) for _u, body, _h in bank.captured if json.loads(body)["type"] == "loan.executed")
    return Loan.objects.select_related("certificate").get(bank_loan_id=payout["loan_id"]), payout


def _balances(loan: Loan) -> dict[str, int]:
    return loans.ledger_balances(loan)


def test_the_payout_opens_the_ledger_and_repayments_follow_in_any_order(
    citizen: User, docs_service: Any, bank: Any
) -> None:
    loan, payout = _paid_out(citizen, docs_service, bank)
    assert (loan.status, loan.last_seq, loan.outstanding) == ("active", 1, 10_000_000)
    assert _balances(loan)["loan_outstanding"] == 10_000_000
    assert _balances(loan)["guarantee_exposure"] == 10_000_000  # fully covered (the emergency guarantee)
    start = len(bank.captured)
    bank.report(CALLBACK, payout, "repaid", principal=1_000_000, interest=20_000)  # seq 2
    bank.report(CALLBACK, payout, "repaid", principal=2_000_000, interest=18_000)  # seq 3
    later, earlier = bank.captured[start + 1], bank.captured[start]
    assert actions.receive_webhook(later[1], signature=later[2]["X-Bank-Signature"]) == "parked"
    loan.refresh_from_db()
    assert loan.last_seq == 1 and loan.outstanding == 10_000_000  # the later one waits
    assert actions.receive_webhook(earlier[1], signature=earlier[2]["X-Bank-Signature"]) == "applied"
    loan.refresh_from_db()
    assert (loan.last_seq, loan.outstanding, loan.interest_paid) == (3, 7_000_000, 38_000)
    assert set(LoanEvent.objects.filter(loan=loan).values_list("status", flat=True)) == {"applied"}
    assert _deliver(bank, start) == ["duplicate", "duplicate"]  # the bank sends them again
    balances = _balances(loan)
    assert balances["loan_outstanding"] == 7_000_000 == balances["guarantee_exposure"]
    assert sum(balances.values()) == 0
    assert loans.reconcile() == []  # the bank's statement says the same


def test_an_impossible_report_is_refused_and_changes_nothing(citizen: User, docs_service: Any, bank: Any) -> None:
    loan, payout = _paid_out(citizen, docs_service, bank)
    lines = LedgerLine.objects.filter(loan=loan).count()
    start = len(bank.captured)
    bank.report(CALLBACK, payout, "repaid", principal=10_000_001, interest=0)
    assert _deliver(bank, start) == ["refused"]
    loan.refresh_from_db()
    assert (loan.outstanding, loan.last_seq) == (10_000_000, 1) and LedgerLine.objects.filter(
        loan=loan
    ).count() == lines
    refused = LoanEvent.objects.get(loan=loan, status="refused")
    assert "more than the 10,000,000 won outstanding" in refused.reason
    assert WebhookEvent.objects.filter(outcome="refused").count() == 1
    found = {(d.field, d.ours, d.bank) for d in loans.reconcile()}  # the bank believes it, so they differ
    assert ("outstanding", 10_000_000, -1) in found and ("last_seq", 1, 2) in found
    other = dict(payout, loan_id="LN-NOT-OURS")
    start = len(bank.captured)
    bank.report(CALLBACK, other, "repaid", principal=1_000)
    assert _deliver(bank, start) == ["no_loan"]


def test_arrears_and_default_are_told_to_the_applicant(citizen: User, docs_service: Any, bank: Any) -> None:
    loan, payout = _paid_out(citizen, docs_service, bank)
    app = loan.certificate.application
    start = len(bank.captured)
    bank.report(CALLBACK, payout, "arrears", days_overdue=35)
    bank.report(CALLBACK, payout, "cured")
    bank.report(CALLBACK, payout, "arrears", days_overdue=95)
    bank.report(CALLBACK, payout, "defaulted")
    assert _deliver(bank, start) == ["applied"] * 4
    loan.refresh_from_db()
    assert loan.status == "defaulted" and loan.outstanding == 10_000_000
    bodies = list(Notification.objects.filter(application=app, channel="sms").values_list("body", flat=True))
    # bodies carry random references and amounts, so the day count is matched as written
    told = [sum(f"{d}일" in b or f"{d} days" in b for b in bodies) for d in (35, 95)]
    assert told == [1, 1]
    assert any("기한이익" in b or "in default" in b for b in bodies)
    start = len(bank.captured)
    bank.report(CALLBACK, payout, "repaid", principal=1_000)
    assert _deliver(bank, start) == ["refused"]  # after the default the claim is the foundation's


def test_a_reminder_before_each_instalment_once(citizen: User, docs_service: Any, bank: Any) -> None:
    loan, _payout = _paid_out(citizen, docs_service, bank)
    first = loan.schedule()[0]
    assert first.due > timezone.localdate(loan.executed_at) and first.principal == 0  # a year of grace
    assert loans.remind_instalments(first.due - timedelta(days=4)) == {}
    assert loans.remind_instalments(first.due - timedelta(days=2)) == {"reminded": 1}
    assert loans.remind_instalments(first.due - timedelta(days=1)) == {}
    assert InstalmentReminder.objects.get(loan=loan).number == 1
    note = Notification.objects.filter(application=loan.certificate.application).order_by("-pk").first()
    assert note is not None and first.due.isoformat() in note.body


def test_the_applicant_sees_the_loan_as_the_bank_reports_it(
    client: Any, citizen: User, docs_service: Any, bank: Any
) -> None:
    loan, payout = _paid_out(citizen, docs_service, bank)
    start = len(bank.captured)
    bank.report(CALLBACK, payout, "repaid", principal=1_500_000, interest=30_000)
    bank.report(CALLBACK, payout, "arrears", days_overdue=12)
    assert _deliver(bank, start) == ["applied", "applied"]
    client.force_login(citizen)
    page = client.get(f"/guarantee/apply/{loan.certificate.application.reference}/").content.decode()
    life = page.split('data-testid="loan-life"', 1)[1].split("</section>", 1)[0]
    assert "8,500,000" in life and "1,500,000" in life and "30,000" in life
    assert ("12 days overdue" in life or "12일 연체" in life) and "next-instalment" in life


def test_a_parked_report_that_cannot_follow_becomes_refused(citizen: User, docs_service: Any, bank: Any) -> None:
    loan, payout = _paid_out(citizen, docs_service, bank)
    start = len(bank.captured)
    bank.report(CALLBACK, payout, "prepaid", principal=10_000_000)  # seq 2: repaid in full
    bank.report(CALLBACK, payout, "repaid", principal=1_000)  # seq 3: impossible after that
    third, second = bank.captured[start + 1], bank.captured[start]
    assert actions.receive_webhook(third[1], signature=third[2]["X-Bank-Signature"]) == "parked"
    assert actions.receive_webhook(second[1], signature=second[2]["X-Bank-Signature"]) == "applied"
    dropped = LoanEvent.objects.get(loan=loan, seq=3)
    assert dropped.status == "refused" and "closed" in dropped.reason
    loan.refresh_from_db()
    assert (loan.status, loan.outstanding, loan.last_seq) == ("closed", 0, 2)
