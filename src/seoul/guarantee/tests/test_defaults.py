"""After a default (issue 18): the foundation reviews, pays the bank its share through the bank
adapter, the bank's confirmation discharges the guarantee and opens the claim on the business,
which is recovered by plan or written off — every movement a balanced ledger entry, every bad
request refused with a reason and changing no balance."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from seoul.core.errors import Refused, codes_of
from seoul.core.models import User
from seoul.guarantee import actions
from seoul.guarantee.actions import loans
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.models import Claim, ClaimMovement, LedgerLine, Loan, LoanEvent, Notification, Subrogation
from seoul.guarantee.tests.builders import CALLBACK, certificate, wait_for

pytestmark = pytest.mark.django_db


def _deliver(bank: Any, start: int = 0) -> list[str]:
    return [actions.receive_webhook(body, signature=h["X-Bank-Signature"]) for _u, body, h in bank.captured[start:]]


def _defaulted(citizen: User, docs_service: Any, bank: Any) -> tuple[Loan, dict[str, Any]]:
    """A 10,000,000 won loan (100 % guaranteed), 4,000,000 repaid, then declared in default."""
    cert = certificate(citizen, docs_service)
    assert actions.send_certificate(cert, CALLBACK) == "sent"
    wait_for(lambda: len(bank.captured) == 2)
    _deliver(bank)
    payout = next(json.loads(b) for _u, b, _h in bank.captured if json.loads(b)["type"] == "loan.executed")
    start = len(bank.captured)
    bank.report(CALLBACK, payout, "repaid", principal=4_000_000, interest=60_000)
    bank.report(CALLBACK, payout, "arrears", days_overdue=95)
    bank.report(CALLBACK, payout, "defaulted")
    assert _deliver(bank, start) == ["applied"] * 3
    return Loan.objects.select_related("certificate__application").get(bank_loan_id=payout["loan_id"]), payout


def _balances(loan: Loan) -> dict[str, int]:
    return loans.ledger_balances(loan)


def test_a_default_is_reviewed_paid_confirmed_and_becomes_a_claim(
    citizen: User, docs_service: Any, bank: Any, approver: User, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    loan, _payout = _defaulted(citizen, docs_service, bank)
    sub = Subrogation.objects.get(loan=loan)
    assert (sub.status, sub.amount) == ("to_review", 6_000_000)  # 100 % of the 6,000,000 outstanding
    start = len(bank.captured)
    with pytest.raises(ValidationError):  # a decision says why
        actions.decide_subrogation(sub, approve=True, note="", actor=approver, callback_url=CALLBACK)
    with capture(execute=True):
        actions.decide_subrogation(
            sub, approve=True, note="Default of 95 days confirmed", actor=approver, callback_url=CALLBACK
        )
    sub.refresh_from_db()
    assert sub.status == "approved" and sub.send_attempts == 1 and not sub.last_error
    wait_for(lambda: len(bank.captured) == start + 1)  # the bank confirms the receipt
    assert _deliver(bank, start) == ["applied"]
    loan.refresh_from_db()
    sub.refresh_from_db()
    assert (loan.status, loan.subrogated, loan.outstanding) == ("subrogated", 6_000_000, 0)
    assert sub.status == "paid"
    claim = Claim.objects.get(loan=loan)
    assert (claim.amount, claim.status, claim.remaining) == (6_000_000, "open", 6_000_000)
    balances = _balances(loan)
    assert balances["recourse_claim"] == 6_000_000 == -balances["foundation_funds"]
    assert balances["guarantee_exposure"] == 0 and sum(balances.values()) == 0
    assert loans.reconcile() == []  # the bank's statement says the same
    assert Notification.objects.filter(application=loan.certificate.application, body__contains="6,000,000").exists()
    with pytest.raises(ValidationError):  # decided once
        actions.decide_subrogation(sub, approve=False, note="changed my mind", actor=approver, callback_url=CALLBACK)


def test_only_an_approver_decides_and_a_report_of_an_unapproved_payment_is_refused(
    citizen: User, docs_service: Any, bank: Any, examiner: User, make_user: Any
) -> None:
    loan, payout = _defaulted(citizen, docs_service, bank)
    sub = Subrogation.objects.get(loan=loan)
    with pytest.raises(Refused):
        actions.decide_subrogation(sub, approve=True, note="I am only an examiner", actor=examiner, callback_url="")
    other = make_user(institution="SEOUL_METRO", roles={"guarantee": "approver"}, username="elsewhere")
    with pytest.raises(Refused):
        actions.decide_subrogation(sub, approve=True, note="another institution", actor=other, callback_url="")
    lines = LedgerLine.objects.filter(loan=loan).count()
    start = len(bank.captured)
    bank.report(CALLBACK, payout, "subrogated", principal=6_000_000)  # the bank says it was paid: it was not
    assert _deliver(bank, start) == ["refused"]
    loan.refresh_from_db()
    assert loan.status == "defaulted" and LedgerLine.objects.filter(loan=loan).count() == lines
    assert LoanEvent.objects.get(loan=loan, kind="subrogated").reason == (
        "the foundation has not approved a payment for this loan"
    )


def test_a_payment_the_bank_does_not_take_is_kept_and_sent_again_with_the_same_key(
    citizen: User, docs_service: Any, bank: Any, approver: User, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    loan, _payout = _defaulted(citizen, docs_service, bank)
    sub = Subrogation.objects.get(loan=loan)
    bank.fail_next = 10  # more than the client's own retries
    with capture(execute=True):
        actions.decide_subrogation(sub, approve=True, note="Default confirmed", actor=approver, callback_url=CALLBACK)
    sub.refresh_from_db()
    assert sub.status == "approved" and sub.last_error
    bank.fail_next = 0
    assert actions.resend_subrogations(CALLBACK) == {"sent": 1}
    assert actions.resend_subrogations(CALLBACK) == {"sent": 1}  # the bank answers a repeat; pays once
    wait_for(lambda: any(json.loads(b)["type"] == "loan.subrogated" for _u, b, _h in bank.captured))
    sent = [json.loads(b) for _u, b, _h in bank.captured if json.loads(b)["type"] == "loan.subrogated"]
    assert len(sent) == 1


def _claim(citizen: User, docs_service: Any, bank: Any, approver: User, capture: Any) -> Claim:
    loan, _payout = _defaulted(citizen, docs_service, bank)
    start = len(bank.captured)
    with capture(execute=True):
        actions.decide_subrogation(
            Subrogation.objects.get(loan=loan), approve=True, note="confirmed", actor=approver, callback_url=CALLBACK
        )
    wait_for(lambda: len(bank.captured) == start + 1)
    _deliver(bank, start)
    return Claim.objects.get(loan=loan)


def test_a_recovery_plan_recoveries_and_refusals_that_change_nothing(
    citizen: User, docs_service: Any, bank: Any, approver: User, examiner: User, django_capture_on_commit_callbacks: Any
) -> None:
    claim = _claim(citizen, docs_service, bank, approver, django_capture_on_commit_callbacks)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        actions.set_recovery_plan(claim, months=61, first_due=today, note="", actor=examiner)
    assert codes_of(refused.value) == [GuaranteeError.PLAN_MONTHS]
    actions.set_recovery_plan(claim, months=24, first_due=today + timedelta(days=30), note="agreed", actor=examiner)
    claim.refresh_from_db()
    assert [r.amount for r in claim.plan()][:1] == [250_000] and sum(r.amount for r in claim.plan()) == 6_000_000
    actions.record_recovery(claim, amount=250_000, on=today, note="first instalment", actor=examiner)
    before = (_balances(claim.loan), Claim.objects.values().get(pk=claim.pk))
    for amount, on in ((5_750_001, today), (1_000, today + timedelta(days=1)), (0, today)):
        with pytest.raises(ValidationError):
            actions.record_recovery(claim, amount=amount, on=on, note="", actor=examiner)
    assert (_balances(claim.loan), Claim.objects.values().get(pk=claim.pk)) == before
    claim.refresh_from_db()
    assert (claim.recovered, claim.remaining, claim.last_payment_on) == (250_000, 5_750_000, today)
    balances = _balances(claim.loan)
    assert balances["recourse_claim"] == 5_750_000 and balances["foundation_funds"] == -5_750_000


def test_write_off_needs_an_approver_and_a_lawful_reason(
    citizen: User, docs_service: Any, bank: Any, approver: User, examiner: User, django_capture_on_commit_callbacks: Any
) -> None:
    claim = _claim(citizen, docs_service, bank, approver, django_capture_on_commit_callbacks)
    with pytest.raises(Refused):
        actions.write_off_claim(claim, reason="no_assets", note="investigated", actor=examiner)
    with pytest.raises(ValidationError) as refused:
        actions.write_off_claim(claim, reason="limitation", note="five years?", actor=approver)
    assert codes_of(refused.value) == [GuaranteeError.WRITE_OFF_REFUSED]
    assert claim.book().limitation_ends().isoformat() in str(refused.value)  # the day the period ends is said
    actions.write_off_claim(claim, reason="bankruptcy_discharge", note="discharged by the court", actor=approver)
    claim.refresh_from_db()
    assert (claim.status, claim.written_off, claim.remaining) == ("written_off", 6_000_000, 0)
    balances = _balances(claim.loan)
    assert balances["claim_written_off"] == 6_000_000 and balances["recourse_claim"] == 0
    assert sum(balances.values()) == 0
    assert ClaimMovement.objects.filter(claim=claim, kind="written_off", reason="bankruptcy_discharge").exists()
    with pytest.raises(ValidationError) as refused:
        actions.record_recovery(claim, amount=1, on=timezone.localdate(), note="", actor=examiner)
    assert codes_of(refused.value) == [GuaranteeError.CLAIM_CLOSED]


def test_the_ledger_accounts_are_one_list() -> None:
    from seoul.guarantee.engine.loanbook import ACCOUNTS
    from seoul.guarantee.models import LedgerLine

    assert tuple(LedgerLine.Account.values) == ACCOUNTS


def test_the_defaults_pages_decide_plan_and_show_the_applicant_what_they_owe(
    client: Any,
    citizen: User,
    docs_service: Any,
    bank: Any,
    approver: User,
    make_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.urls import reverse

    from seoul.core.testing import state_reason

    loan, _payout = _defaulted(citizen, docs_service, bank)
    ref = loan.certificate.application.reference
    outsider = make_user(institution="SEOUL_METRO", roles={"guarantee": "approver"}, username="outsider")
    client.force_login(outsider)
    assert ref not in client.get(reverse("guarantee:defaults")).content.decode()
    assert client.get(reverse("guarantee:default", args=[ref])).status_code == 404
    client.force_login(approver)
    listing = client.get(reverse("guarantee:defaults") + "?status=to_review").content.decode()
    assert f'data-reference="{ref}"' in listing
    url = reverse("guarantee:default", args=[ref])
    assert "6,000,000" not in client.get(url).content.decode()  # the reason first
    state_reason(client, url, "guarantee.examination", "reviewing the default")
    r = client.post(url, {"form": "decide", "decide-decision": "approve", "decide-note": ""})
    assert r.status_code == 400 and 'class="error-summary"' in r.content.decode()
    start = len(bank.captured)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url, {"form": "decide", "decide-decision": "approve", "decide-note": "95 days overdue"})
    assert r.status_code == 302
    wait_for(lambda: len(bank.captured) == start + 1)
    _deliver(bank, start)
    first = timezone.localdate() + timedelta(days=10)
    r = client.post(url, {"form": "plan", "plan-months": "12", "plan-first_due": first.isoformat(), "plan-note": ""})
    assert r.status_code == 302
    page = client.get(url).content.decode()
    assert 'data-status="paid"' in page and 'data-status="open"' in page and "500,000" in page
    client.force_login(citizen)
    mine = client.get(reverse("guarantee:status", args=[ref])).content.decode()
    assert 'data-testid="claim"' in mine and "6,000,000" in mine and "500,000" in mine


def test_the_book_by_product_and_year_counts_defaults_payments_and_recoveries(
    citizen: User,
    docs_service: Any,
    bank: Any,
    approver: User,
    examiner: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from seoul.guarantee.engine.reports import Guarantee, by_product_and_year
    from seoul.guarantee.selectors import book_report

    claim = _claim(citizen, docs_service, bank, approver, django_capture_on_commit_callbacks)
    actions.record_recovery(claim, amount=1_500_000, on=timezone.localdate(), note="", actor=examiner)
    (row,) = book_report()
    assert (row.product, row.issued, row.loans, row.defaults) == ("emergency_covid", 1, 1, 1)
    assert (row.guaranteed, row.guarantee_balance, row.subrogation_paid, row.recovered) == (
        10_000_000,
        0,
        6_000_000,
        1_500_000,
    )
    assert row.default_rate == 1.0 and row.recovery_rate == 0.25
    # the arithmetic on its own: two cohorts, one product
    rows = by_product_and_year(
        [
            Guarantee("regular", 2025, 8_500_000, paid_out=True, outstanding=4_000_000, guarantee_balance=3_400_000),
            Guarantee("regular", 2025, 17_000_000, paid_out=True, defaulted=True, subrogated=5_100_000),
            Guarantee("regular", 2025, 4_250_000),
            Guarantee("regular", 2026, 8_500_000, paid_out=True, outstanding=10_000_000, guarantee_balance=8_500_000),
        ]
    )
    assert [(r.year, r.issued, r.loans, r.defaults) for r in rows] == [(2025, 3, 2, 1), (2026, 1, 1, 0)]
    assert rows[0].default_rate == 0.5 and rows[0].recovery_rate == 0.0 and rows[1].recovery_rate is None


def test_the_book_page_and_its_download_are_for_the_guarantee_staff(client: Any, make_user: Any) -> None:
    from django.urls import reverse

    from seoul.core.models import AuditEvent

    client.force_login(make_user(roles={"plan": "viewer"}, username="plan.viewer"))
    assert client.get(reverse("guarantee:report")).status_code == 403
    client.force_login(make_user(institution="SEOULSHINBO", roles={"guarantee": "viewer"}, username="gv"))
    empty = client.get(reverse("guarantee:report")).content.decode()
    assert 'id="book"' in empty and 'data-product="' not in empty  # no rows yet
    download = client.get(reverse("guarantee:report") + "?format=csv")
    assert download["Content-Type"].startswith("text/csv") and b"default_rate" in download.content
    assert AuditEvent.objects.filter(event="guarantee.report.downloaded").count() == 1
