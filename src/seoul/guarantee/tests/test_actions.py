"""The guarantee use cases end to end through actions, with the loopback stand-ins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from seoul.core.models import AuditEvent, User
from seoul.guarantee import actions
from seoul.guarantee.adapters import clients, signing
from seoul.guarantee.engine import brn
from seoul.guarantee.engine.states import TransitionError
from seoul.guarantee.models import Application, Certificate, Loan, Notification, WebhookEvent
from seoul.guarantee.tests.conftest import CALLBACK, GOOD_BRN, profile, wait_for

pytestmark = pytest.mark.django_db


def draft(user: User, *, amount_manwon: str = "1000", product: str = "emergency_covid") -> Application:
    app = actions.start_application(user)
    for field, value in [
        ("brn", brn.formatted(GOOD_BRN)),
        ("product", product),
        ("amount", amount_manwon),
        ("bank", "standin"),
        ("phone", "010-1234-5678"),
    ]:
        app = actions.save_answer(user, app, field, value)
    return app


def submitted(user: User, docs_service: Any, **kw: Any) -> Application:
    docs_service.register(profile(**kw.pop("profile", {})))
    app = draft(user, **kw)
    assert actions.fetch_documents(user, app, consent=True) == []
    return actions.submit(user, app)


def test_auto_approved_file_reaches_a_loan_exactly_once(citizen: User, docs_service: Any, bank: Any) -> None:
    app = submitted(citizen, docs_service)
    assert app.state == "approved", app.screening
    assert app.screening["fee"] == 50_000 and app.screening["coverage"] == 1.0
    cert = actions.sign_agreement(citizen, app)
    assert actions.sign_agreement(citizen, app).pk == cert.pk  # a double click signs and issues once
    assert actions.send_certificate(cert, CALLBACK) == "sent"
    wait_for(lambda: len(bank.captured) == 2)
    outcomes = [actions.receive_webhook(body, h["X-Bank-Signature"]) for _u, body, h in bank.captured]
    assert outcomes == ["accepted", "loan_recorded"]
    # the bank delivers everything again: nothing changes
    assert [actions.receive_webhook(body, h["X-Bank-Signature"]) for _u, body, h in bank.captured] == [
        "duplicate",
        "duplicate",
    ]
    app.refresh_from_db()
    assert app.state == "loan_executed"
    assert Loan.objects.filter(certificate__application=app).count() == 1
    assert Certificate.objects.filter(application=app).count() == 1
    assert Notification.objects.filter(application=app, channel="sms").count() == 2  # approved, paid out
    states = list(
        AuditEvent.objects.filter(event="guarantee.transition", target_id=str(app.pk))
        .order_by("at", "id")
        .values_list("new__state", flat=True)
    )
    assert states == ["submitted", "screening", "approved", "agreement_signed", "certificate_issued", "loan_executed"]


def test_bank_that_times_out_then_answers_twice_records_one_loan(citizen: User, docs_service: Any, bank: Any) -> None:
    app = submitted(citizen, docs_service)
    cert = actions.sign_agreement(citizen, app)
    bank.mode, bank.timeout_sleep = "timeout", 0.6
    with override_settings(SEOUL_GUARANTEE_BANK_TIMEOUT=0.2):
        assert actions.send_certificate(cert, CALLBACK) == "timeout"
        cert.refresh_from_db()
        assert cert.bank_status == "pending" and cert.send_attempts == 1
        # the retry carries the same idempotency key: the bank does not process it again
        assert actions.send_certificate(cert, CALLBACK) in ("sent", "timeout")
    wait_for(lambda: len(bank.captured) == 4)
    assert len({r["key"] for r in bank.received}) == 1
    outcomes = sorted(actions.receive_webhook(body, h["X-Bank-Signature"]) for _u, body, h in bank.captured)
    assert outcomes == ["accepted", "duplicate", "duplicate", "loan_recorded"]
    # a different event id for the same loan (a bank bug) still makes no second loan
    replay = {
        "event_id": "evt-other",
        "type": "loan.executed",
        "certificate_number": cert.number,
        "loan_id": "LN-OTHER",
        "amount": 1,
    }
    raw = __import__("json").dumps(replay).encode()
    assert actions.receive_webhook(raw, signing.sign(clients.bank_secret(), raw)) == "loan_already_recorded"
    assert Loan.objects.count() == 1 and WebhookEvent.objects.count() == 3


def test_bank_rejection_declines_the_file(citizen: User, docs_service: Any, bank: Any) -> None:
    app = submitted(citizen, docs_service)
    cert = actions.sign_agreement(citizen, app)
    bank.mode = "reject"
    actions.send_certificate(cert, CALLBACK)
    wait_for(lambda: len(bank.captured) == 1)
    _u, body, headers = bank.captured[0]
    assert actions.receive_webhook(body, headers["X-Bank-Signature"]) == "rejected"
    app.refresh_from_db()
    assert app.state == "bank_declined" and not Loan.objects.exists()


def test_forged_webhook_is_refused(citizen: User) -> None:
    raw = b'{"event_id": "x", "type": "loan.executed", "certificate_number": "SGC-1"}'
    with pytest.raises(PermissionDenied):
        actions.receive_webhook(raw, signing.sign("not-the-secret", raw))
    assert not WebhookEvent.objects.exists()


def test_double_submit_is_refused_and_changes_nothing(citizen: User, docs_service: Any) -> None:
    app = submitted(citizen, docs_service)
    with pytest.raises(TransitionError):
        actions.submit(citizen, app)
    assert AuditEvent.objects.filter(event="guarantee.transition", new__state="submitted").count() == 1


def test_invalid_business_number_is_refused_with_a_clear_message(citizen: User) -> None:
    app = actions.start_application(citizen)
    with pytest.raises(ValidationError) as exc:
        actions.save_answer(citizen, app, "brn", "220-81-62518")
    assert "잘못 입력한 숫자" in exc.value.messages[0]  # Korean first: "a typing error"


@pytest.mark.parametrize(
    ("changes", "code"),
    [({"stale_days": 40}, "stale"), ({"vat_name": "다른상호"}, "business_name_mismatch")],
)
def test_stale_or_mismatched_documents_block_submission(
    citizen: User, docs_service: Any, changes: dict[str, Any], code: str
) -> None:
    docs_service.register(profile(**changes))
    app = draft(citizen)
    problems = actions.fetch_documents(citizen, app, consent=True)
    assert code in {p["code"] for p in problems}
    with pytest.raises(ValidationError):
        actions.submit(citizen, app)
    app.refresh_from_db()
    assert app.state == "draft"


def test_document_service_faults(citizen: User, docs_service: Any) -> None:
    docs_service.register(profile(fail_times=2))
    app = draft(citizen)
    assert actions.fetch_documents(citizen, app, consent=True) == []  # two 503s retried
    docs_service.register(profile(certificate_expired=True))
    with pytest.raises(ValidationError) as exc:
        actions.fetch_documents(citizen, app, consent=True)
    assert "만료" in exc.value.messages[0]  # "expired"
    with pytest.raises(ValidationError):
        actions.fetch_documents(citizen, app, consent=False)


def test_disguised_and_oversized_uploads_are_refused(citizen: User) -> None:
    app = draft(citizen)
    with pytest.raises(ValidationError) as exc:
        actions.upload_document(citizen, app, "vat_tax_base", "vat.pdf", b"MZ\x90\x00 not a pdf")
    assert "PDF, JPEG, PNG 파일만" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        actions.upload_document(citizen, app, "vat_tax_base", "vat.pdf", b"%PDF-" + b"0" * (1024 * 1024))
    doc = actions.upload_document(citizen, app, "vat_tax_base", "vat.pdf", b"%PDF-1.7\n...")
    assert doc.content_type == "application/pdf"


def test_referred_file_needs_two_different_approvers_above_the_threshold(
    citizen: User, docs_service: Any, examiner: User, approver: User, make_user: Callable[..., User]
) -> None:
    app = submitted(citizen, docs_service, product="regular", amount_manwon="4000")
    assert app.state == "referred" and "amount_above_auto_limit" in app.screening["refer_reasons"]
    with pytest.raises(ValidationError):
        actions.review(examiner, app, "approve", "")
    app = actions.review(examiner, app, "approve", "Sales documents consistent; ok.")
    assert app.state == "referred"  # waiting for the second approver
    with pytest.raises(ValidationError):  # an operator cannot give the second approval
        actions.review(make_user(institution="SEOULSHINBO", roles={"guarantee": "operator"}), app, "approve", "me too")
    app = actions.review(approver, app, "approve", "Second approval after checking limits.")
    assert app.state == "approved"
    assert list(app.reviews.values_list("examiner__username", flat=True)) == ["examiner.park", "approver.choi"]


def test_the_first_approver_cannot_also_be_the_second(citizen: User, docs_service: Any, approver: User) -> None:
    app = submitted(citizen, docs_service, product="regular", amount_manwon="4000")
    app = actions.review(approver, app, "approve", "First approval, by an approver.")
    with pytest.raises(TransitionError) as exc:
        actions.review(approver, app, "approve", "And again by myself.")
    assert exc.value.code == "same_approver"
    app.refresh_from_db()
    assert app.state == "referred" and app.reviews.count() == 1


def test_examiners_act_only_on_their_institution(
    citizen: User, docs_service: Any, make_user: Callable[..., User]
) -> None:
    app = submitted(citizen, docs_service, product="regular", amount_manwon="4000")
    outsider = make_user(institution="SBA", roles={"guarantee": "approver"}, username="sba.examiner")
    with pytest.raises(PermissionDenied):
        actions.review(outsider, app, "reject", "not mine to decide")
    applicant_as_examiner = citizen
    with pytest.raises(PermissionDenied):
        actions.review(applicant_as_examiner, app, "approve", "approving myself")


def test_request_more_voids_approvals_and_resubmission_screens_again(
    citizen: User, docs_service: Any, examiner: User
) -> None:
    app = submitted(citizen, docs_service, product="regular", amount_manwon="4000")
    actions.review(examiner, app, "approve", "first look fine")
    app = actions.review(examiner, app, "request_more", "Please upload last year's VAT return.")
    assert app.state == "more_info_requested"
    assert not app.reviews.filter(decision="approve", current=True).exists()
    app = actions.submit(citizen, app)
    assert app.state == "referred"


def test_applicants_cannot_touch_other_peoples_files(citizen: User, make_user: Callable[..., User]) -> None:
    other = make_user(kind=User.Kind.CITIZEN, institution=None, username="lee.other")
    app = actions.start_application(citizen)
    with pytest.raises(PermissionDenied):
        actions.save_answer(other, app, "product", "regular")
    with pytest.raises(PermissionDenied):
        actions.withdraw(other, app)


def test_ineligible_file_is_rejected_with_reasons(citizen: User, docs_service: Any) -> None:
    app = submitted(citizen, docs_service, profile={"national_arrears": True})
    assert app.state == "rejected" and "tax_arrears" in app.screening["reasons"]


def test_simple_auth_sign_in_makes_one_account_per_person() -> None:
    tx = clients.start_auth("kakao", "김서울", "010-2222-3333")
    result = clients.auth_status(tx)
    user = actions.complete_simple_auth(result, "kakao")
    again = actions.complete_simple_auth(
        clients.auth_status(clients.start_auth("kakao", "김서울", "01022223333")), "kakao"
    )
    assert user.pk == again.pk and user.phone == "01022223333"
    assert not user.has_usable_password()


def test_resend_pending_reuses_the_key_and_a_loan_after_a_rejection_is_refused(
    citizen: User, docs_service: Any, bank: Any
) -> None:
    app = submitted(citizen, docs_service)
    cert = actions.sign_agreement(citizen, app)
    bank.mode, bank.timeout_sleep = "timeout", 0.5
    with override_settings(SEOUL_GUARANTEE_BANK_TIMEOUT=0.1):
        assert actions.send_certificate(cert, CALLBACK) == "timeout"
    bank.mode = "accept"
    assert actions.resend_pending(CALLBACK) == {"sent": 1}
    assert actions.resend_pending(CALLBACK) == {}
    assert {r["key"] for r in bank.received} == {cert.idempotency_key}
    # the bank rejects, then (wrongly) reports a loan: nothing is recorded
    for kind in ("certificate.rejected", "loan.executed"):
        event = {"event_id": f"evt-{kind}", "type": kind, "certificate_number": cert.number, "loan_id": "LN-X"}
        raw = __import__("json").dumps(event).encode()
        actions.receive_webhook(raw, signing.sign(clients.bank_secret(), raw))
    assert WebhookEvent.objects.get(event_id="evt-loan.executed").outcome == "refused_in_state_bank_declined"
    assert not Loan.objects.exists()


def test_an_approval_for_less_than_asked_flows_to_the_certificate(
    citizen: User, docs_service: Any, examiner: User, approver: User, bank: Any
) -> None:
    app = submitted(citizen, docs_service, product="regular", amount_manwon="4000")  # 40 M: two approvers
    asked_fee = app.screening["fee"]
    # Only an approval sets an amount, never above what is on file nor below the product's minimum.
    for decision, amount, words in (
        ("reject", 30_000_000, "승인할 때만"),  # the platform speaks Korean by default
        ("approve", 45_000_000, "최대 40,000,000원"),
        ("approve", 500_000, "최소 금액은 1,000,000원"),
    ):
        with pytest.raises(ValidationError) as exc:
            actions.review(examiner, app, decision, "trying an amount", amount=amount)
        assert words in exc.value.message_dict["amount"][0]
    app = actions.review(examiner, app, "approve", "Sales support 30 M at most.", amount=30_000_000)
    # Lowering to 30 M does not skip the second approver: the threshold is on the amount asked.
    assert (app.state, app.approved_amount) == ("referred", 30_000_000)
    with pytest.raises(ValidationError):  # the second approver may lower it further, not raise it
        actions.review(approver, app, "approve", "raise it back", amount=35_000_000)
    app = actions.review(approver, app, "approve", "Agreed, and a little lower.", amount=25_000_000)
    assert (app.state, app.amount, app.approved_amount, app.loan_amount) == (
        "approved",
        40_000_000,
        25_000_000,
        25_000_000,
    )
    assert app.screening["guaranteed_amount"] == 21_250_000  # 85 % coverage of 25 M
    assert app.screening["fee"] == 212_500 < asked_fee  # 1 % a year on the guaranteed part
    told = Notification.objects.filter(application=app).order_by("-pk").first()
    assert told is not None and "25,000,000" in told.body and "40,000,000" in told.body
    assert list(app.reviews.values_list("amount", flat=True)) == [30_000_000, 25_000_000]
    cert = actions.sign_agreement(citizen, app)
    assert (cert.amount, cert.guaranteed_amount) == (25_000_000, 21_250_000)
    assert "대출 25,000,000원" in actions.terms_text(app) and "보증금액 21,250,000원" in actions.terms_text(app)
    assert actions.send_certificate(cert, CALLBACK) == "sent"
    wait_for(lambda: len(bank.captured) == 2)
    for _url, body, headers in bank.captured:
        actions.receive_webhook(body, headers["X-Bank-Signature"])
    assert Loan.objects.get(certificate=cert).amount == 25_000_000  # what the bank lent


def test_asking_for_more_clears_a_lower_approved_amount(citizen: User, docs_service: Any, examiner: User) -> None:
    app = submitted(citizen, docs_service, product="regular", amount_manwon="4000")
    app = actions.review(examiner, app, "approve", "lower looks right", amount=20_000_000)
    assert app.approved_amount == 20_000_000
    app = actions.review(examiner, app, "request_more", "Please upload last year's VAT return.")
    assert app.approved_amount is None and app.loan_amount == 40_000_000
    assert app.screening["guaranteed_amount"] == 34_000_000  # back to the amount asked
