"""The guarantee use cases end to end through actions, with the loopback stand-ins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from seoul.core.adapters import signing
from seoul.core.engine import brn
from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent, User
from seoul.guarantee import actions
from seoul.guarantee.adapters import clients
from seoul.guarantee.models import Application, Certificate, Loan, Notification, WebhookEvent
from seoul.guarantee.tests.builders import (
    CALLBACK,
    GOOD_BRN,
    confirmed,
    deliver,
    draft,
    identify,
    profile,
    referred,
    sign_and_pay,
    submitted,
    wait_for,
)

pytestmark = pytest.mark.django_db


def refused(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return codes_of(exc.value)


def test_auto_approved_file_reaches_a_loan_exactly_once(citizen: User, docs_service: Any, bank: Any) -> None:
    app = submitted(citizen, docs_service)
    assert app.state == "approved", app.screening
    assert app.screening["fee"] == 50_000 and app.screening["coverage"] == 1.0
    payment = actions.sign_agreement(app, agreed=True, actor=citizen, callback_url=CALLBACK)
    again = actions.sign_agreement(app, agreed=True, actor=citizen, callback_url=CALLBACK)
    assert again.pk == payment.pk and payment.status == "pending"  # a double click signs once
    assert not Certificate.objects.filter(application=app).exists()  # the certificate waits for the fee
    cert = sign_and_pay(app, citizen)
    assert actions.send_certificate(cert, CALLBACK) == "sent"
    wait_for(lambda: len(bank.captured) == 2)
    outcomes = [actions.receive_webhook(body, signature=h["X-Bank-Signature"]) for _u, body, h in bank.captured]
    assert outcomes == ["accepted", "loan_recorded"]
    # the bank delivers everything again: nothing changes
    again_outcomes = [actions.receive_webhook(body, signature=h["X-Bank-Signature"]) for _u, body, h in bank.captured]
    assert again_outcomes == ["duplicate", "duplicate"]
    app.refresh_from_db()
    assert app.state == "loan_executed"
    assert Loan.objects.filter(certificate__application=app).count() == 1
    assert Certificate.objects.filter(application=app).count() == 1
    # approved, fee received, paid out
    assert Notification.objects.filter(application=app, channel="sms").count() == 3
    states = list(
        AuditEvent.objects.filter(event="guarantee.transition", target_id=str(app.pk))
        .order_by("at", "id")
        .values_list("new__state", flat=True)
    )
    assert states == ["submitted", "screening", "approved", "agreement_signed", "certificate_issued", "loan_executed"]


def test_bank_that_times_out_then_answers_twice_records_one_loan(citizen: User, docs_service: Any, bank: Any) -> None:
    app = submitted(citizen, docs_service)
    cert = sign_and_pay(app, citizen)
    bank.mode, bank.timeout_sleep = "timeout", 0.6
    with override_settings(SEOUL_GUARANTEE_BANK_TIMEOUT=0.2):
        assert actions.send_certificate(cert, CALLBACK) == "timeout"
        cert.refresh_from_db()
        assert cert.bank_status == "pending" and cert.send_attempts == 1
        # the retry carries the same idempotency key: the bank does not process it again
        assert actions.send_certificate(cert, CALLBACK) in ("sent", "timeout")
    wait_for(lambda: len(bank.captured) == 4)
    assert len({r["key"] for r in bank.received}) == 1
    outcomes = sorted(actions.receive_webhook(body, signature=h["X-Bank-Signature"]) for _u, body, h in bank.captured)
    assert outcomes == ["accepted", "duplicate", "duplicate", "loan_recorded"]
    # a different event id for the same loan (a bank bug) still makes no second loan
    replay = {
        "event_id": "evt-other",
        "type": "loan.executed",
        "certificate_number": cert.number,
        "loan_id": "LN-OTHER",
    }
    assert deliver({**replay, "amount": 1}) == "loan_already_recorded"
    assert Loan.objects.count() == 1 and WebhookEvent.objects.count() == 3


def test_bank_rejection_declines_the_file(citizen: User, docs_service: Any, bank: Any) -> None:
    app = submitted(citizen, docs_service)
    cert = sign_and_pay(app, citizen)
    bank.mode = "reject"
    actions.send_certificate(cert, CALLBACK)
    wait_for(lambda: len(bank.captured) == 1)
    _u, body, headers = bank.captured[0]
    assert actions.receive_webhook(body, signature=headers["X-Bank-Signature"]) == "rejected"
    app.refresh_from_db()
    assert app.state == "bank_declined" and not Loan.objects.exists()


def test_forged_or_malformed_webhooks_are_refused(citizen: User) -> None:
    raw = b'{"event_id": "x", "type": "loan.executed", "certificate_number": "SGC-1"}'
    with pytest.raises(PermissionDenied):
        actions.receive_webhook(raw, signature=signing.sign("not-the-secret", raw))
    for bad in (
        b"[]",
        b'{"event_id": "x"}',
        b'{"event_id": "x", "type": "loan.executed", "certificate_number": "C", "amount": 1e999}',
        b'{"event_id": "x\\u0000", "type": "t", "certificate_number": "C"}',
    ):
        with pytest.raises(ValidationError) as exc:
            actions.receive_webhook(bad, signature=signing.sign(clients.bank_secret(), bad))
        assert refused(exc) == ["guarantee.malformed_webhook"]
    assert not WebhookEvent.objects.exists()


def test_double_submit_is_refused_and_changes_nothing(citizen: User, docs_service: Any) -> None:
    app = submitted(citizen, docs_service)
    stale_tab = Application.objects.get(pk=app.pk)
    with pytest.raises(ValidationError) as exc:
        actions.submit(stale_tab, actor=citizen)
    assert refused(exc) == ["guarantee.already_submitted"]
    assert AuditEvent.objects.filter(event="guarantee.transition", new__state="submitted").count() == 1


def test_invalid_business_number_is_refused_with_a_clear_message(citizen: User) -> None:
    app = actions.start_application(actor=citizen)
    with pytest.raises(ValidationError) as exc:
        actions.save_answer(app, "brn", "220-81-62518", actor=citizen)
    assert "잘못 입력한 숫자" in exc.value.message_dict["brn"][0]  # Korean first: "a typing error"


# --- who may apply for a business (issue 11 §1) ----------------------------------------------


def test_someone_who_is_not_the_representative_is_stopped_and_nothing_else_is_fetched(
    make_user: Callable[..., User], docs_service: Any
) -> None:
    """Before: any signed-in person could enter any business number and ``fetch_documents``
    fetched that business's tax certificates and credit report (the consent carried only the
    number). Now the registration is fetched first and compared with the applicant's identity;
    a stranger gets a refusal, the registration is not kept, and nothing else is fetched."""
    docs_service.register(profile())  # 김서울's business
    stranger = identify(None, ("이한강", "010-5555-6666"))
    app = actions.save_answer(actions.start_application(actor=stranger), "brn", GOOD_BRN, actor=stranger)
    with pytest.raises(ValidationError) as exc:
        actions.confirm_business(app, consent=True, actor=stranger)
    assert refused(exc) == ["guarantee.not_representative"]
    assert docs_service.served == [(GOOD_BRN, ("business_registration",))]
    app.refresh_from_db()
    assert app.business_confirmed_at is None and app.business_name == "" and not app.documents.exists()
    stopped = AuditEvent.objects.get(event="guarantee.business.not_representative")
    assert stopped.actor == stranger and stopped.target_id == str(app.pk)
    with pytest.raises(ValidationError) as exc:
        actions.fetch_documents(app, consent=True, actor=stranger)
    assert refused(exc) == ["guarantee.business_first"]
    with pytest.raises(ValidationError):
        actions.upload_document(app, "vat_tax_base", "vat.pdf", b"%PDF-1.7 mine", actor=stranger)
    with pytest.raises(ValidationError) as exc:
        actions.submit(app, actor=stranger)
    assert refused(exc) == ["guarantee.incomplete"]
    assert docs_service.served == [(GOOD_BRN, ("business_registration",))]


def test_the_same_name_with_another_identity_is_not_the_representative(
    make_user: Callable[..., User], docs_service: Any
) -> None:
    """A namesake (same name, another person: another connecting identifier) is refused too."""
    docs_service.register(profile())
    namesake = identify(None, ("김서울", "010-9999-0000"))
    app = actions.save_answer(actions.start_application(actor=namesake), "brn", GOOD_BRN, actor=namesake)
    with pytest.raises(ValidationError) as exc:
        actions.confirm_business(app, consent=True, actor=namesake)
    assert refused(exc) == ["guarantee.not_representative"]


def test_an_account_without_simple_authentication_cannot_confirm_a_business(
    make_user: Callable[..., User], docs_service: Any
) -> None:
    docs_service.register(profile())
    password_only = make_user(kind=User.Kind.CITIZEN, institution=None)
    app = actions.save_answer(actions.start_application(actor=password_only), "brn", GOOD_BRN, actor=password_only)
    with pytest.raises(ValidationError) as exc:
        actions.confirm_business(app, consent=True, actor=password_only)
    assert refused(exc) == ["guarantee.simple_auth_required"]
    assert docs_service.served == []
    # signing in by simple authentication links the identity to that account: now it may
    assert identify(password_only).pk == password_only.pk
    assert actions.confirm_business(app, consent=True, actor=password_only).business_confirmed_at is not None


def test_the_representative_is_confirmed_and_only_then_the_tax_documents_are_fetched(
    citizen: User, docs_service: Any
) -> None:
    docs_service.register(profile())
    app = confirmed(citizen)
    assert app.business_confirmed_at is not None and app.business_name == "한강공방"
    reg = app.documents.get()
    assert reg.kind == "business_registration" and "representative_ci" not in reg.data  # compared, not kept
    assert actions.fetch_documents(app, consent=True, actor=citizen) == []
    assert docs_service.served == [
        (GOOD_BRN, ("business_registration",)),
        (GOOD_BRN, ("vat_tax_base", "national_tax_payment", "local_tax_payment", "credit_report")),
    ]
    assert AuditEvent.objects.filter(event="guarantee.business.confirmed", actor=citizen).count() == 1


def test_trying_numbers_that_are_not_yours_is_limited(reference: None, docs_service: Any) -> None:
    stranger = identify(None, ("이한강", "010-5555-6666"))
    app = actions.start_application(actor=stranger)
    for i in range(5):
        number = brn.make(f"22081{i + 1:04d}")
        app = actions.save_answer(app, "brn", number, actor=stranger)
        with pytest.raises(ValidationError):
            actions.confirm_business(app, consent=True, actor=stranger)
    served = len(docs_service.served)
    with pytest.raises(PermissionDenied) as denied:
        actions.confirm_business(app, consent=True, actor=stranger)
    assert denied.value.code == "guarantee.too_many_checks"  # type: ignore[attr-defined]
    assert len(docs_service.served) == served  # not even the registration was fetched


def test_a_second_open_application_for_the_business_is_refused_until_the_first_ends(
    citizen: User, docs_service: Any
) -> None:
    """Before: any number of applications for the same business could be opened and sent.
    Now a business confirmed for one application in progress cannot be confirmed for another;
    the applicant is pointed at the one they have. Once it ends, a new one may start."""
    docs_service.register(profile())
    first = confirmed(citizen)
    second = actions.save_answer(actions.start_application(actor=citizen), "brn", GOOD_BRN, actor=citizen)
    with pytest.raises(ValidationError) as exc:
        actions.confirm_business(second, consent=True, actor=citizen)
    assert refused(exc) == ["guarantee.business_has_your_application"]
    assert first.reference in exc.value.messages[0]
    second.refresh_from_db()
    assert second.business_confirmed_at is None and not second.documents.exists()
    assert AuditEvent.objects.filter(event="guarantee.business.has_application", new__held_by=first.reference).exists()
    actions.withdraw(first, actor=citizen)
    assert actions.confirm_business(second, consent=True, actor=citizen).business_confirmed_at is not None


def test_two_confirmations_at_the_same_moment_leave_one_application_for_the_business(
    citizen: User, docs_service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two tabs confirm the same business at once: the second one's claim lands while the
    first is between fetching the registration and storing it. The database keeps one."""
    docs_service.register(profile())
    tab_a = actions.save_answer(actions.start_application(actor=citizen), "brn", GOOD_BRN, actor=citizen)
    tab_b = actions.save_answer(actions.start_application(actor=citizen), "brn", GOOD_BRN, actor=citizen)
    real_fetch = clients.fetch_documents
    outcome: dict[str, Any] = {}

    def fetch_while_the_other_tab_confirms(token: str, **kw: Any) -> Any:
        fetched = real_fetch(token, **kw)
        if not outcome:
            outcome["b"] = None
            outcome["b"] = actions.confirm_business(tab_b, consent=True, actor=citizen)
        return fetched

    monkeypatch.setattr(clients, "fetch_documents", fetch_while_the_other_tab_confirms)
    with pytest.raises(ValidationError) as exc:
        actions.confirm_business(tab_a, consent=True, actor=citizen)
    assert refused(exc) == ["guarantee.business_has_your_application"]
    assert outcome["b"].business_confirmed_at is not None
    holding = Application.objects.filter(brn_index=tab_a.brn_index, business_confirmed_at__isnull=False)
    assert list(holding.values_list("reference", flat=True)) == [tab_b.reference]


def test_changing_the_business_number_releases_the_business(citizen: User, docs_service: Any) -> None:
    docs_service.register(profile())
    other = brn.make("124810099")
    docs_service.register(profile(other))
    app = confirmed(citizen)
    app = actions.save_answer(app, "brn", other, actor=citizen)
    assert app.business_confirmed_at is None and not app.documents.exists()
    assert confirmed(citizen).business_confirmed_at is not None  # the first business is free again


# --- documents ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code"),
    [({"stale_days": 40}, "stale"), ({"vat_name": "다른상호"}, "business_name_mismatch")],
)
def test_stale_or_mismatched_documents_block_submission(
    citizen: User, docs_service: Any, changes: dict[str, Any], code: str
) -> None:
    docs_service.register(profile(**changes))
    app = confirmed(citizen)
    problems = actions.fetch_documents(app, consent=True, actor=citizen)
    assert code in {p["code"] for p in problems}
    for field, value in [("product", "emergency_covid"), ("amount", "1000"), ("bank", "standin")]:
        app = actions.save_answer(app, field, value, actor=citizen)
    assert code in {i.code for i in actions.checklist(app)}
    with pytest.raises(ValidationError):
        actions.submit(app, actor=citizen)
    app.refresh_from_db()
    assert app.state == "draft"


def test_out_of_range_values_from_the_document_service_are_problems_not_crashes(
    citizen: User, docs_service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: a credit score that is not a number or an issue date that is not a date from the
    document service raised inside the action (a 500). Now each is a problem of its document."""
    docs_service.register(profile())
    app = confirmed(citizen)
    real = docs_service.documents

    def garbled(p: Any) -> list[dict[str, Any]]:
        docs = real(p)
        for d in docs:
            if d["kind"] == "credit_report":
                d["score"] = "abc"
            if d["kind"] == "vat_tax_base":
                d["sales_by_year"] = {"0001": 10**30}
            if d["kind"] == "national_tax_payment":
                d["issued_on"] = "2025-13-45"
        return docs

    monkeypatch.setattr(docs_service, "documents", garbled)
    problems = {(p["kind"], p["code"]) for p in actions.fetch_documents(app, consent=True, actor=citizen)}
    assert {
        ("credit_report", "invalid_value"),
        ("vat_tax_base", "invalid_value"),
        ("national_tax_payment", "no_issue_date"),
    } <= problems
    assert app.facts(__import__("datetime").date.today()).credit_score is None  # never trusted


def test_document_service_faults(citizen: User, docs_service: Any) -> None:
    docs_service.register(profile(fail_times=2))
    app = confirmed(citizen)  # two 503s retried
    assert actions.fetch_documents(app, consent=True, actor=citizen) == []
    docs_service.register(profile(certificate_expired=True))
    with pytest.raises(ValidationError) as exc:
        actions.fetch_documents(app, consent=True, actor=citizen)
    assert "만료" in exc.value.messages[0]  # "expired"
    with pytest.raises(ValidationError) as exc:
        actions.fetch_documents(app, consent=False, actor=citizen)
    assert exc.value.message_dict["consent"]


def test_disguised_and_oversized_uploads_are_refused(citizen: User, docs_service: Any) -> None:
    docs_service.register(profile())
    app = confirmed(citizen)
    with pytest.raises(ValidationError) as exc:
        actions.upload_document(app, "vat_tax_base", "vat.pdf", b"MZ\x90\x00 not a pdf", actor=citizen)
    assert "PDF, JPEG, PNG 파일만" in exc.value.message_dict["file"][0]
    with pytest.raises(ValidationError):
        actions.upload_document(app, "vat_tax_base", "vat.pdf", b"%PDF-" + b"0" * (1024 * 1024), actor=citizen)
    with pytest.raises(ValidationError) as exc:  # the registration is always fetched: it names the representative
        actions.upload_document(app, "business_registration", "br.pdf", b"%PDF-1.7", actor=citizen)
    assert refused(exc) == ["guarantee.upload_kind"]
    doc = actions.upload_document(app, "vat_tax_base", "v\x00a\u202et.pdf", b"%PDF-1.7\n...", actor=citizen)
    assert doc.content_type == "application/pdf" and doc.file_name == "vat.pdf"


# --- answers ---------------------------------------------------------------------------------


def test_answers_refuse_control_characters_and_out_of_range_values(citizen: User, docs_service: Any) -> None:
    docs_service.register(profile())
    app = draft(citizen)
    with pytest.raises(ValidationError) as exc:
        actions.save_answer(app, "email", "kim\x00@example.com", actor=citizen)
    assert "제어 문자" in exc.value.message_dict["email"][0]
    for field, value, code in [
        ("email", "not an address", "guarantee.email_invalid"),
        ("amount", "1" * 12, "guarantee.amount_format"),
        ("amount", "-5", "guarantee.amount_format"),
        ("amount", "1e3", "guarantee.amount_format"),
        ("amount", "２０００", "guarantee.amount_format"),  # full-width digits
        ("amount", "3000", "guarantee.amount_range"),  # above the emergency guarantee's 20,000,000
        ("phone", "02-123-4567", "guarantee.phone_mobile"),
        ("product", "startup", "guarantee.product_not_for_business"),  # the business is 9 years old
    ]:
        with pytest.raises(ValidationError) as exc:
            actions.save_answer(app, field, value, actor=citizen)
        assert refused(exc) == [code], (field, value)


def test_an_amount_above_the_limit_the_documents_allow_is_refused_when_answered(
    citizen: User, docs_service: Any
) -> None:
    today = __import__("datetime").date.today()
    small = {str(today.year - 2): 40_000_000, str(today.year - 1): 40_000_000}  # 25 %: 10,000,000 won
    docs_service.register(profile(sales_by_year=small))
    app = draft(citizen, amount_manwon="1000")
    with pytest.raises(ValidationError) as exc:
        actions.save_answer(app, "amount", "1500", actor=citizen)
    assert refused(exc) == ["guarantee.amount_above_limit"] and "10,000,000" in exc.value.messages[0]


def test_ineligible_business_is_told_before_sending_and_cannot_send(citizen: User, docs_service: Any) -> None:
    """Before: tax arrears were found by the screening after "send" (rejected at once). Now
    they are an item of the checklist as soon as the tax documents are fetched, and sending is
    refused while it stands."""
    docs_service.register(profile(national_arrears=True))
    app = draft(citizen)
    assert [(i.step, i.code) for i in actions.checklist(app)] == [("documents", "tax_arrears")]
    with pytest.raises(ValidationError) as exc:
        actions.submit(app, actor=citizen)
    assert refused(exc) == ["guarantee.incomplete"]
    app.refresh_from_db()
    assert app.state == "draft"


def test_a_business_outside_seoul_is_told_at_the_registration(citizen: User, docs_service: Any) -> None:
    docs_service.register(profile(address="부산광역시 중구 중앙대로 120", industry="gambling"))
    app = confirmed(citizen)
    business = [(i.step, i.code) for i in actions.checklist(app) if i.step == "business"]
    assert business == [("business", "site_not_in_seoul"), ("business", "excluded_industry")]


# --- examiners -------------------------------------------------------------------------------


def test_referred_file_needs_two_different_approvers_above_the_threshold(
    citizen: User, docs_service: Any, examiner: User, approver: User, make_user: Callable[..., User]
) -> None:
    app = referred(citizen, docs_service)
    assert "amount_above_auto_limit" in app.screening["refer_reasons"]
    with pytest.raises(ValidationError):
        actions.review(app, "approve", "", actor=examiner)
    app = actions.review(app, "approve", "Sales documents consistent; ok.", actor=examiner)
    assert app.state == "referred"  # waiting for the second approver
    operator = make_user(institution="SEOULSHINBO", roles={"guarantee": "operator"})
    with pytest.raises(ValidationError) as exc:  # an operator cannot give the second approval
        actions.review(app, "approve", "me too", actor=operator)
    assert refused(exc) == ["guarantee.second_approval_needs_approver"]
    app = actions.review(app, "approve", "Second approval after checking limits.", actor=approver)
    assert app.state == "approved"
    assert list(app.reviews.values_list("examiner__username", flat=True)) == ["examiner.park", "approver.choi"]


def test_the_first_approver_cannot_also_be_the_second(citizen: User, docs_service: Any, approver: User) -> None:
    app = referred(citizen, docs_service)
    app = actions.review(app, "approve", "First approval, by an approver.", actor=approver)
    with pytest.raises(ValidationError) as exc:
        actions.review(app, "approve", "And again by myself.", actor=approver)
    assert refused(exc) == ["guarantee.same_approver"]
    app.refresh_from_db()
    assert app.state == "referred" and app.reviews.count() == 1


def test_examiners_act_only_on_their_institution(
    citizen: User, docs_service: Any, make_user: Callable[..., User]
) -> None:
    app = referred(citizen, docs_service)
    outsider = make_user(institution="SBA", roles={"guarantee": "approver"}, username="sba.examiner")
    with pytest.raises(PermissionDenied):
        actions.review(app, "reject", "not mine to decide", actor=outsider)
    with pytest.raises(PermissionDenied):  # the applicant is no examiner, whatever the input
        actions.review(app, "approve", "", actor=citizen)
    app.refresh_from_db()
    assert app.state == "referred" and not app.reviews.exists()


def test_decision_comments_refuse_control_characters(citizen: User, docs_service: Any, examiner: User) -> None:
    app = referred(citizen, docs_service)
    with pytest.raises(ValidationError) as exc:
        actions.review(app, "reject", "Sales fell\x00 sharply.", actor=examiner)
    assert exc.value.message_dict["comment"]
    assert not app.reviews.exists()


def test_request_more_voids_approvals_and_resubmission_screens_again(
    citizen: User, docs_service: Any, examiner: User
) -> None:
    app = referred(citizen, docs_service)
    actions.review(app, "approve", "first look fine", actor=examiner)
    app = actions.review(app, "request_more", "Please upload last year's VAT return.", actor=examiner)
    assert app.state == "more_info_requested"
    assert not app.reviews.filter(decision="approve", current=True).exists()
    app = actions.submit(app, actor=citizen)
    assert app.state == "referred"


def test_applicants_cannot_touch_other_peoples_files(citizen: User, docs_service: Any) -> None:
    docs_service.register(profile())
    app = draft(citizen)
    other = identify(None, ("이한강", "010-5555-6666"))
    for act in (
        lambda: actions.save_answer(app, "product", "regular", actor=other),
        lambda: actions.confirm_business(app, consent=True, actor=other),
        lambda: actions.fetch_documents(app, consent=True, actor=other),
        lambda: actions.upload_document(app, "vat_tax_base", "v.pdf", b"%PDF-1", actor=other),
        lambda: actions.submit(app, actor=other),
        lambda: actions.withdraw(app, actor=other),
        lambda: actions.sign_agreement(app, agreed=True, actor=other, callback_url=CALLBACK),
        lambda: actions.resend_certificate(app, actor=other, callback_url=CALLBACK),
    ):
        with pytest.raises(PermissionDenied):
            act()
    app.refresh_from_db()
    assert app.state == "draft" and app.product == "emergency_covid"


def test_simple_auth_sign_in_makes_one_account_per_person() -> None:
    user = identify(None, ("김서울", "010-2222-3333"))
    again = identify(None, ("김서울", "01022223333"))
    other_provider = identify(None, ("김서울", "010-2222-3333"), provider="naver")
    assert user.pk == again.pk == other_provider.pk and user.phone == "01022223333"
    assert not user.has_usable_password()
    assert set(user.guarantee_identities.values_list("name", flat=True)) == {"김서울"}


def test_a_number_another_citizen_account_holds_is_not_taken_over_by_simple_auth() -> None:
    """A metro rider signed up with this number (and signs in with it); the same person's first
    simple-auth sign-in makes its own account without the number instead of failing or moving it."""
    rider = User.objects.create_user(username="rider-x", kind=User.Kind.CITIZEN, phone="010-2222-4444")
    user = identify(None, ("김서울", "010-2222-4444"))
    assert user.pk != rider.pk and user.phone == ""
    again = identify(None, ("김서울", "010-2222-4444"))  # later sign-ins do not move it either
    assert again.pk == user.pk and again.phone == ""
    rider.refresh_from_db()
    assert rider.phone == "010-2222-4444"
    linked = identify(rider, ("박한강", "010-2222-4444"))  # signed in to that account: linked there
    assert linked.pk == rider.pk


def test_resend_pending_reuses_the_key_and_a_loan_after_a_rejection_is_refused(
    citizen: User, docs_service: Any, bank: Any
) -> None:
    app = submitted(citizen, docs_service)
    cert = sign_and_pay(app, citizen)
    bank.mode, bank.timeout_sleep = "timeout", 0.5
    with override_settings(SEOUL_GUARANTEE_BANK_TIMEOUT=0.1):
        assert actions.send_certificate(cert, CALLBACK) == "timeout"
    bank.mode = "accept"
    assert actions.resend_pending(CALLBACK) == {"sent": 1}
    assert actions.resend_pending(CALLBACK) == {}
    assert {r["key"] for r in bank.received} == {cert.idempotency_key}
    # the bank rejects, then (wrongly) reports a loan: nothing is recorded
    for kind in ("certificate.rejected", "loan.executed"):
        deliver({"event_id": f"evt-{kind}", "type": kind, "certificate_number": cert.number, "loan_id": "LN-X"})
    assert WebhookEvent.objects.get(event_id="evt-loan.executed").outcome == "refused_in_state_bank_declined"
    assert not Loan.objects.exists()


def test_an_approval_for_less_than_asked_flows_to_the_certificate(
    citizen: User, docs_service: Any, examiner: User, approver: User, bank: Any
) -> None:
    app = referred(citizen, docs_service)  # 40 M: two approvers
    asked_fee = app.screening["fee"]
    # Only an approval sets an amount, never above what is on file nor below the product's minimum.
    for decision, amount, words in (
        ("reject", 30_000_000, "승인할 때만"),  # the platform speaks Korean by default
        ("approve", 45_000_000, "최대 40,000,000원"),
        ("approve", 500_000, "최소 금액은 1,000,000원"),
    ):
        with pytest.raises(ValidationError) as exc:
            actions.review(app, decision, "trying an amount", amount=amount, actor=examiner)
        assert words in exc.value.message_dict["amount"][0]
    app = actions.review(app, "approve", "Sales support 30 M at most.", amount=30_000_000, actor=examiner)
    # Lowering to 30 M does not skip the second approver: the threshold is on the amount asked.
    assert (app.state, app.approved_amount) == ("referred", 30_000_000)
    with pytest.raises(ValidationError):  # the second approver may lower it further, not raise it
        actions.review(app, "approve", "raise it back", amount=35_000_000, actor=approver)
    app = actions.review(app, "approve", "Agreed, and a little lower.", amount=25_000_000, actor=approver)
    assert (app.state, app.amount, app.approved_amount, app.loan_amount) == (
        "approved",
        40_000_000,
        25_000_000,
        25_000_000,
    )
    assert app.screening["guaranteed_amount"] == 21_250_000  # 85 % coverage of 25 M
    assert app.screening["fee"] == 170_000 < asked_fee  # 0.8 % a year (a new guarantee, 2024) on the guaranteed part
    told = Notification.objects.filter(application=app).order_by("-pk").first()
    assert told is not None and "25,000,000" in told.body and "40,000,000" in told.body
    assert list(app.reviews.values_list("amount", flat=True)) == [30_000_000, 25_000_000]
    cert = sign_and_pay(app, citizen)
    assert (cert.amount, cert.guaranteed_amount) == (25_000_000, 21_250_000)
    assert "대출 25,000,000원" in actions.terms_text(app) and "보증금액 21,250,000원" in actions.terms_text(app)
    assert "loan of KRW 25,000,000" in actions.terms_in_english(app)
    assert "대출조건:" in actions.terms_text(app) and "대위변제" in actions.terms_text(app)  # the product's terms
    assert "Loan terms:" in actions.terms_in_english(app)
    assert actions.send_certificate(cert, CALLBACK) == "sent"
    wait_for(lambda: len(bank.captured) == 2)
    for _url, body, headers in bank.captured:
        actions.receive_webhook(body, signature=headers["X-Bank-Signature"])
    assert Loan.objects.get(certificate=cert).amount == 25_000_000  # what the bank lent


def test_asking_for_more_clears_a_lower_approved_amount(citizen: User, docs_service: Any, examiner: User) -> None:
    app = referred(citizen, docs_service)
    app = actions.review(app, "approve", "lower looks right", amount=20_000_000, actor=examiner)
    assert app.approved_amount == 20_000_000
    app = actions.review(app, "request_more", "Please upload last year's VAT return.", actor=examiner)
    assert app.approved_amount is None and app.loan_amount == 40_000_000
    assert app.screening["guaranteed_amount"] == 34_000_000  # back to the amount asked


def test_signing_needs_the_tick_and_an_approved_file(citizen: User, docs_service: Any) -> None:
    docs_service.register(profile())
    app = draft(citizen)
    with pytest.raises(ValidationError) as exc:
        actions.sign_agreement(app, agreed=False, actor=citizen, callback_url=CALLBACK)
    assert exc.value.message_dict["agree"]
    with pytest.raises(ValidationError) as exc:
        actions.sign_agreement(app, agreed=True, actor=citizen, callback_url=CALLBACK)
    assert refused(exc) == ["guarantee.not_approved"]
    assert not Certificate.objects.exists()
