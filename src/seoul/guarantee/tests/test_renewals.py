"""Extension at term (기한연장, issue 18): the light re-screening's rules, and the journey — the
owner asks near the term, documents fetched again, the guarantee extended (or refused with its
reasons), the bank told, the bank's repayment and extension applied in sequence, the term moved,
the schedule and the bank's statement agreeing; a report of an extension the foundation never
granted refused and changing nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from seoul.core import retention
from seoul.core.engine import brn
from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent, User
from seoul.guarantee import actions
from seoul.guarantee.actions import loans, renewals
from seoul.guarantee.adapters.standins import Director
from seoul.guarantee.engine import renewal as rules
from seoul.guarantee.engine.catalogue import catalogue
from seoul.guarantee.labels import COMPANY_RENEWAL_CONSENT_TEXT
from seoul.guarantee.models import Application, InstalmentReminder, Loan, LoanEvent, Notification, Renewal
from seoul.guarantee.tests.builders import (
    CALLBACK,
    DIRECTOR,
    PERSON,
    company,
    profile,
    sign_and_pay,
    signed_webhook,
    submitted,
    wait_for,
)

RULES = rules.Rules(
    window_days=30, extension_months=12, max_extensions=4, repayment_ratio=Decimal("0.1"), arrears_lookback_months=12
)
TERM = date(2027, 3, 31)
SOLE = brn.make("220116251")  # a sole proprietor's number (type code 11)
COMPANY = brn.make("101816789")  # a company's head office (type code 81)


def _situation(**changes: Any) -> rules.Situation:
    fields: dict[str, Any] = {
        "today": TERM - timedelta(days=10),
        "term": TERM,
        "loan_status": "active",
        "outstanding": 12_345_678,
        "coverage": Decimal("0.85"),
        "extensions_so_far": 0,
        "recent_arrears": False,
        "business_active": True,
        "tax_arrears": False,
        "credit_score": 800,
        "min_credit_score": 595,
        "yearly_fee_rate": Decimal("0.008"),
    }
    return rules.Situation(**(fields | changes))


# ---- the rules ------------------------------------------------------------------------------


def test_a_sound_loan_is_extended_a_term_on_with_the_fee_on_the_guaranteed_share() -> None:
    a = rules.assess(RULES, _situation())
    assert a.extend and a.refusals == () and a.repayment == 0
    assert a.new_term == date(2028, 3, 31) and a.extended_amount == 12_345_678
    assert a.guaranteed == 10_493_826  # floor(0.85 × 12,345,678)
    assert a.fee == 83_950  # floor(0.008 × 10,493,826 × 12 / 12)


def test_recent_arrears_mean_part_of_the_loan_is_repaid_first() -> None:
    a = rules.assess(RULES, _situation(recent_arrears=True))
    assert a.extend and a.conditions == ("recent_arrears",)
    assert a.repayment == 1_240_000  # 10 % of 12,345,678, rounded up to 10,000 won
    assert a.extended_amount == 12_345_678 - 1_240_000
    assert rules.repayment_for(RULES, 5_000) == 5_000  # never more than the loan


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"today": TERM - timedelta(days=31)}, "window_not_open"),
        ({"today": TERM + timedelta(days=1)}, "past_term"),
        ({"extensions_so_far": 4}, "max_extensions"),
        ({"loan_status": "arrears"}, "loan_not_active"),
        ({"business_active": False}, "business_closed"),
        ({"tax_arrears": True}, "tax_arrears"),
        ({"credit_score": 594}, "credit_score"),
        ({"credit_score": None}, "credit_score"),
        ({"claim_standing": "behind"}, "claim_behind"),
        ({"company_in_force": False}, "company_not_in_force"),
        ({"statements_sound": False}, "statements_unsound"),
        ({"capital_impaired": True}, "capital_impaired"),
    ],
)
def test_each_reason_refuses_the_extension(changes: dict[str, Any], code: str) -> None:
    a = rules.assess(RULES, _situation(**changes))
    assert not a.extend and a.refusals == (code,) and a.fee == 0 and a.new_term is None


def test_the_window_is_open_on_its_first_day_and_on_the_term() -> None:
    assert rules.assess(RULES, _situation(today=TERM - timedelta(days=30))).extend
    assert rules.assess(RULES, _situation(today=TERM)).extend
    assert rules.assess(None, _situation()).refusals == ("not_renewable",)


def test_only_a_loan_repaid_at_term_can_have_renewal_rules() -> None:
    product = catalogue().products["working_capital"]
    assert product.renewal is not None and product.loan is not None and product.loan.method == "bullet"
    assert all(p.renewal is None for p in catalogue().products.values() if p.loan and p.loan.method != "bullet")


# ---- the journey -----------------------------------------------------------------------------


def _deliver(bank: Any, start: int = 0) -> list[str]:
    return [actions.receive_webhook(body, signature=h["X-Bank-Signature"]) for _u, body, h in bank.captured[start:]]


def _paid_out(
    citizen: User, docs_service: Any, bank: Any, number: str = SOLE, business: dict[str, Any] | None = None
) -> tuple[Loan, dict[str, Any]]:
    """A 10,000,000 won working-capital loan (85 % guaranteed), repaid at one year, paid out."""
    app = submitted(
        citizen, docs_service, number=number, business=business, product="working_capital", amount_manwon="1000"
    )
    assert app.state == "approved", app.screening
    cert = sign_and_pay(app, citizen)
    assert actions.send_certificate(cert, CALLBACK) == "sent"
    wait_for(lambda: len(bank.captured) == 2)
    _deliver(bank)
    payout = next(json.loads(b) for _u, b, _h in bank.captured if json.loads(b)["type"] == "loan.executed")
    return Loan.objects.select_related("certificate__application").get(bank_loan_id=payout["loan_id"]), payout


def _ask(loan: Loan, citizen: User, today: date, capture: Any) -> Renewal:
    with capture(execute=True):
        return actions.request_renewal(
            loan.certificate.application, consent=True, actor=citizen, callback_url=CALLBACK, today=today
        )


@pytest.mark.django_db
def test_the_owner_asks_near_the_term_and_the_bank_extends_the_loan(
    citizen: User, docs_service: Any, bank: Any, django_capture_on_commit_callbacks: Any, notifier: Any
) -> None:
    loan, _payout = _paid_out(citizen, docs_service, bank)
    term = loan.term
    assert term is not None and loan.schedule()[-1].due == term and loan.schedule()[-1].principal == 10_000_000
    loans.remind_instalments(term - timedelta(days=2))  # the repayment at term is reminded before the extension
    assert loan.reminders.filter(due=term, number=len(loan.schedule())).exists()
    start = len(bank.captured)
    renewal = _ask(loan, citizen, term - timedelta(days=2), django_capture_on_commit_callbacks)
    assert renewal.status == "sent" and renewal.repayment == 0 and renewal.extended_amount == 10_000_000
    assert renewal.new_term is not None and renewal.new_term > term and renewal.send_attempts == 0
    renewal.refresh_from_db()
    assert renewal.send_attempts == 1 and not renewal.last_error
    wait_for(lambda: len(bank.captured) == start + 1)
    assert _deliver(bank, start) == ["applied"]
    loan.refresh_from_db()
    renewal.refresh_from_db()
    assert renewal.status == "extended" and (loan.extensions, loan.extended_to) == (1, renewal.new_term)
    assert loan.term == renewal.new_term and loan.outstanding == 10_000_000
    schedule = loan.schedule()
    assert schedule[-1].due == renewal.new_term and schedule[-1].principal == 10_000_000
    assert sum(i.principal for i in schedule) == 10_000_000  # the principal is due once, at the new term
    assert loans.reconcile() == []  # the bank's statement counts the extension and its term
    assert Notification.objects.filter(body__contains=renewal.new_term.isoformat()).exists()
    # the extension's first instalment takes the number of the one at the old term, which was
    # reminded: it is reminded before its own day all the same, as is the new term, each once
    after = next(i for i in schedule if i.due > term)
    assert after.number == loan.reminders.get(due=term).number
    assert loans.remind_instalments(after.due - timedelta(days=2)) == {"reminded": 1}
    assert loans.remind_instalments(renewal.new_term - timedelta(days=2)) == {"reminded": 1}
    assert loans.remind_instalments(renewal.new_term - timedelta(days=1)) == {}
    assert InstalmentReminder.objects.filter(loan=loan, due=renewal.new_term).count() == 1
    with pytest.raises(ValidationError) as refused:  # asked again: the window moved on with the term
        actions.request_renewal(
            loan.certificate.application, consent=True, actor=citizen, callback_url=CALLBACK, today=term
        )
    assert codes_of(refused.value) == ["guarantee.renewal_not_now"]
    assert loan.renewals.count() == 1


@pytest.mark.django_db
def test_after_recent_arrears_the_bank_takes_the_repayment_first_and_the_books_agree(
    citizen: User, docs_service: Any, bank: Any, django_capture_on_commit_callbacks: Any
) -> None:
    loan, payout = _paid_out(citizen, docs_service, bank)
    start = len(bank.captured)
    bank.report(CALLBACK, payout, "arrears", days_overdue=12)
    bank.report(CALLBACK, payout, "cured")
    assert _deliver(bank, start) == ["applied", "applied"]
    term = loan.term
    assert term is not None
    start = len(bank.captured)
    renewal = _ask(loan, citizen, term - timedelta(days=1), django_capture_on_commit_callbacks)
    assert renewal.status == "sent" and renewal.repayment == 1_000_000 and renewal.extended_amount == 9_000_000
    assert renewal.assessment["conditions"] == ["recent_arrears"]
    wait_for(lambda: len(bank.captured) == start + 2)
    extended, repaid = bank.captured[start + 1], bank.captured[start]
    # the extension arrives before the repayment it follows: it waits, then both apply in order
    assert [actions.receive_webhook(b, signature=h["X-Bank-Signature"]) for _u, b, h in (extended, repaid)] == [
        "parked",
        "applied",
    ]
    loan.refresh_from_db()
    assert (loan.outstanding, loan.extensions, loan.guarantee_balance) == (9_000_000, 1, 7_650_000)
    assert Renewal.objects.get(pk=renewal.pk).status == "extended"
    balances = loans.ledger_balances(loan)
    assert balances["loan_outstanding"] == 9_000_000 and balances["guarantee_exposure"] == 7_650_000
    assert loans.reconcile() == []


@pytest.mark.django_db
def test_a_refusal_says_why_sends_nothing_and_may_be_asked_again_once_the_reason_is_gone(
    citizen: User, docs_service: Any, bank: Any, django_capture_on_commit_callbacks: Any
) -> None:
    loan, _payout = _paid_out(citizen, docs_service, bank)
    term = loan.term
    assert term is not None
    docs_service.register(profile(SOLE, local_arrears=True, credit_score=500))
    refused = _ask(loan, citizen, term - timedelta(days=3), django_capture_on_commit_callbacks)
    assert refused.status == "refused" and refused.assessment["refusals"] == ["tax_arrears", "credit_score"]
    assert refused.new_term is None and refused.fee == 0
    assert not [k for k in bank.by_key if k.startswith("renewal-")]  # the bank was told nothing
    docs_service.register(profile(SOLE))
    again = _ask(loan, citizen, term - timedelta(days=2), django_capture_on_commit_callbacks)
    assert again.status == "sent" and again.number == 2


@pytest.mark.django_db
def test_asking_is_refused_early_for_a_product_without_renewal_without_consent_or_while_with_the_bank(
    citizen: User, docs_service: Any, bank: Any, django_capture_on_commit_callbacks: Any
) -> None:
    loan, _payout = _paid_out(citizen, docs_service, bank)
    app = loan.certificate.application
    with pytest.raises(ValidationError) as no_consent:
        actions.request_renewal(app, consent=False, actor=citizen, callback_url=CALLBACK)
    assert codes_of(no_consent.value) == ["guarantee.consent_required"]
    term = loan.term
    assert term is not None
    with pytest.raises(ValidationError) as early:  # a month and more before the term: nothing fetched
        actions.request_renewal(app, consent=True, actor=citizen, callback_url=CALLBACK, today=term - timedelta(40))
    assert codes_of(early.value) == ["guarantee.renewal_not_now"]
    # extended by the foundation; the test's transaction never commits, so the bank is not told yet
    actions.request_renewal(app, consent=True, actor=citizen, callback_url=CALLBACK, today=term - timedelta(days=3))
    with pytest.raises(ValidationError) as twice:
        actions.request_renewal(app, consent=True, actor=citizen, callback_url=CALLBACK, today=term)
    assert codes_of(twice.value) == ["guarantee.renewal_with_bank"]
    assert loan.renewals.count() == 1


@pytest.mark.django_db
def test_a_loan_of_a_product_without_renewal_cannot_be_extended(citizen: User, docs_service: Any, bank: Any) -> None:
    app = submitted(citizen, docs_service, number=SOLE)  # the emergency product: repaid in instalments
    cert = sign_and_pay(app, citizen)
    assert actions.send_certificate(cert, CALLBACK) == "sent"
    wait_for(lambda: len(bank.captured) == 2)
    _deliver(bank)
    with pytest.raises(ValidationError) as refused:
        actions.request_renewal(app, consent=True, actor=citizen, callback_url=CALLBACK)
    assert codes_of(refused.value) == ["guarantee.not_renewable"]


@pytest.mark.django_db
def test_an_extension_the_foundation_never_granted_is_refused_and_changes_nothing(
    citizen: User, docs_service: Any, bank: Any, django_capture_on_commit_callbacks: Any
) -> None:
    loan, payout = _paid_out(citizen, docs_service, bank)
    term = loan.term
    assert term is not None
    start = len(bank.captured)
    bank.report(CALLBACK, payout, "extended", maturity=(term + timedelta(days=365)).isoformat())
    assert _deliver(bank, start) == ["refused"]
    loan.refresh_from_db()
    assert (loan.extensions, loan.extended_to, loan.last_seq) == (0, None, 1)
    assert LoanEvent.objects.get(loan=loan, kind="extended").status == "refused"
    # granted to one term (not yet sent: the test's transaction never commits), reported to another
    renewal = actions.request_renewal(
        loan.certificate.application, consent=True, actor=citizen, callback_url=CALLBACK, today=term
    )
    assert renewal.status == "sent" and renewal.new_term is not None
    other = {
        "event_id": "evt-other-term",
        "type": "loan.extended",
        "certificate_number": payout["certificate_number"],
        "loan_id": payout["loan_id"],
        "seq": 2,
        "on": term.isoformat(),
        "maturity": (renewal.new_term + timedelta(days=1)).isoformat(),
    }
    body, signature = signed_webhook(other)
    assert actions.receive_webhook(body, signature=signature) == "refused"
    loan.refresh_from_db()
    assert (loan.extensions, loan.last_seq) == (0, 1) and Renewal.objects.get(pk=renewal.pk).status == "sent"


@pytest.mark.django_db
def test_the_owner_is_told_once_when_the_window_opens(citizen: User, docs_service: Any, bank: Any) -> None:
    loan, _payout = _paid_out(citizen, docs_service, bank)
    term = loan.term
    assert term is not None
    assert renewals.tell_renewal_window(term - timedelta(days=31)) == {}
    assert renewals.tell_renewal_window(term - timedelta(days=30)) == {"renewal_window": 1}
    assert renewals.tell_renewal_window(term - timedelta(days=29)) == {}
    assert Notification.objects.filter(body__contains=term.isoformat()).count() >= 1


@pytest.mark.django_db
def test_the_status_page_offers_the_extension_and_the_renew_page_refuses_without_consent(
    citizen: User, docs_service: Any, bank: Any, client: Client
) -> None:
    loan, _payout = _paid_out(citizen, docs_service, bank)
    ref = loan.certificate.application.reference
    client.force_login(citizen)
    page = client.get(reverse("guarantee:status", args=[ref]))
    assert page.status_code == 200 and b'data-testid="renewal"' in page.content
    assert page.context["renewal"].term == loan.term and not page.context["renewal"].can_ask  # too early today
    form = client.get(reverse("guarantee:renew", args=[ref]))
    assert form.status_code == 200 and b'data-testid="renewal-closed"' in form.content
    posted = client.post(reverse("guarantee:renew", args=[ref]), {})
    assert posted.status_code == 400 and "consent" in posted.context["form"].errors


@pytest.mark.django_db
def test_the_facts_a_re_screening_read_are_erased_with_the_file(
    citizen: User, docs_service: Any, bank: Any, django_capture_on_commit_callbacks: Any
) -> None:
    loan, payout = _paid_out(citizen, docs_service, bank)
    term = loan.term
    assert term is not None
    renewal = _ask(loan, citizen, term - timedelta(days=3), django_capture_on_commit_callbacks)
    assert renewal.assessment["facts"]["credit_score"] == 880
    start = len(bank.captured)
    wait_for(lambda: len(bank.captured) == start + 1)
    bank.report(CALLBACK, payout, "prepaid", principal=10_000_000)  # repaid: the relationship ends
    assert _deliver(bank, start) == ["applied", "applied"]
    long_ago = timezone.now() - timedelta(days=1827)
    Application.objects.filter(pk=loan.certificate.application_id).update(state_changed_at=long_ago)
    LoanEvent.objects.filter(loan=loan).update(received_at=long_ago)
    retention.run(now=timezone.now())
    renewal.refresh_from_db()
    assert "facts" not in renewal.assessment and renewal.assessment["extend"] is True
    assert Application.objects.get(pk=loan.certificate.application_id).brn == ""


@pytest.mark.django_db
def test_a_company_is_extended_only_for_its_representative_director_while_it_stays_sound(
    citizen: User, docs_service: Any, bank: Any, django_capture_on_commit_callbacks: Any
) -> None:
    loan, _payout = _paid_out(citizen, docs_service, bank, number=COMPANY, business=company())
    term = loan.term
    assert term is not None
    fetched_before = len(docs_service.served)
    # the board changed since the loan: the applicant is now a director only
    board = [Director(DIRECTOR[0], "대표이사", DIRECTOR[1]), Director(PERSON[0], "사내이사", PERSON[1])]
    docs_service.register(profile(COMPANY, **company(directors=board)))
    with pytest.raises(ValidationError) as refused:
        _ask(loan, citizen, term - timedelta(days=3), django_capture_on_commit_callbacks)
    assert codes_of(refused.value) == ["guarantee.not_chief_executive"] and not loan.renewals.exists()
    assert docs_service.served[fetched_before:] == [
        (COMPANY, (*renewals.KINDS, "corporate_registration", "financial_statements"))
    ]
    # the applicant leads it again, but the company is in liquidation with its capital impaired
    docs_service.register(
        profile(COMPANY, **company(status="liquidation", total_assets=100_000_000, total_liabilities=130_000_000))
    )
    unsound = _ask(loan, citizen, term - timedelta(days=3), django_capture_on_commit_callbacks)
    assert unsound.status == "refused"
    assert unsound.assessment["refusals"] == ["company_not_in_force", "capital_impaired"]
    assert unsound.consent_text == str(COMPANY_RENEWAL_CONSENT_TEXT)
    docs_service.register(profile(COMPANY, **company(fiscal_year=term.year - 4)))  # old statements
    stale = _ask(loan, citizen, term - timedelta(days=2), django_capture_on_commit_callbacks)
    assert stale.assessment["refusals"] == ["statements_unsound"]
    docs_service.register(profile(COMPANY, **company()))
    sound = _ask(loan, citizen, term - timedelta(days=1), django_capture_on_commit_callbacks)
    assert sound.status == "sent" and sound.number == 3
    assert sound.assessment["facts"] | {"credit_score": 0} == {
        "business_active": True,
        "tax_arrears": False,
        "credit_score": 0,
        "company_in_force": True,
        "statements_sound": True,
        "capital_impaired": False,
    }


@pytest.mark.django_db
def test_an_extension_still_with_the_bank_lapses_when_the_loan_is_repaid_first(
    citizen: User, docs_service: Any, bank: Any
) -> None:
    loan, payout = _paid_out(citizen, docs_service, bank)
    term = loan.term
    assert term is not None
    # extended by the foundation; the test's transaction never commits, so the bank is not told
    renewal = actions.request_renewal(
        loan.certificate.application, consent=True, actor=citizen, callback_url=CALLBACK, today=term
    )
    assert renewal.status == "sent"
    start = len(bank.captured)
    bank.report(CALLBACK, payout, "prepaid", principal=10_000_000)
    assert _deliver(bank, start) == ["applied"]
    loan.refresh_from_db()
    renewal.refresh_from_db()
    assert loan.status == "closed" and renewal.status == "lapsed"
    assert AuditEvent.objects.filter(
        event="guarantee.renewal.lapsed", target_id=str(renewal.loan.certificate.application_id)
    ).exists()
    assert renewals.resend_renewals(CALLBACK) == {}  # nothing is sent again
    assert renewal.new_term is not None
    late = {
        "event_id": "evt-late-extension",
        "type": "loan.extended",
        "certificate_number": payout["certificate_number"],
        "loan_id": payout["loan_id"],
        "seq": 3,
        "on": term.isoformat(),
        "maturity": renewal.new_term.isoformat(),
    }
    body, signature = signed_webhook(late)
    assert actions.receive_webhook(body, signature=signature) == "refused"
    loan.refresh_from_db()
    assert (loan.status, loan.extensions) == ("closed", 0)
