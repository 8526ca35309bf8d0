"""The agreement, the certificate and sending it to the bank.

Signing records the guarantee fee to pay (one :class:`Payment` per application). The
electronic guarantee certificate is issued once the fee is settled — at once when the product
charges none (``waived``), else when the payment gateway confirms the payment
(``actions/payments.py``) — once per application, whatever is retried, and it is sent to the
bank after the issuing transaction commits: the bank is never called with a transaction open or
a row locked. A bank that does not answer leaves the certificate pending; the applicant's "send
again" and ``seoul guarantee resend-pending`` send it with the same idempotency key, so the bank
processes it once.
"""

from __future__ import annotations

import hashlib
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from seoul.core import audit
from seoul.core.adapters.http import AdapterError
from seoul.core.models import User
from seoul.guarantee.actions._base import move, own
from seoul.guarantee.adapters import clients
from seoul.guarantee.engine.catalogue import catalogue
from seoul.guarantee.engine.states import Actor, Event, State
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.models import Agreement, Application, Certificate, Payment

SIGNED = frozenset({State.AGREEMENT_SIGNED, State.CERTIFICATE_ISSUED, State.LOAN_EXECUTED, State.BANK_DECLINED})


def _bank_name(app: Application, lang: str) -> str:
    with translation.override(lang):
        return str(clients.BANKS.get(app.bank, app.bank))


METHODS_KO = {"equal_principal": "원금균등분할상환", "annuity": "원리금균등분할상환", "bullet": "만기일시상환"}
METHODS_EN = {"equal_principal": "equal principal", "annuity": "level instalments", "bullet": "all at the end"}


def _loan_terms(app: Application, lang: str) -> str:
    """The loan's terms as the product states them (rate, term, grace, repayment method)."""
    product = catalogue().products.get(app.product)
    loan = product.loan if product else None
    if loan is None:
        return ""
    if lang == "ko":
        spread = f" + {loan.spread:.2%}" if loan.spread else ""
        rate = f"연 {loan.rate:.2%}" if loan.rate is not None else f"은행 기준금리{spread}"
        grace = f", 거치 {loan.grace_months}개월" if loan.grace_months else ""
        return f" 대출조건: 금리 {rate}, 기간 {loan.term_months}개월{grace}, {METHODS_KO[loan.method]}."
    spread = f" + {loan.spread:.2%}" if loan.spread else ""
    rate = f"{loan.rate:.2%} a year" if loan.rate is not None else f"the bank's reference rate{spread}"
    grace = f", {loan.grace_months} months' grace" if loan.grace_months else ""
    return f" Loan terms: interest {rate}, {loan.term_months} months{grace}, repaid by {METHODS_EN[loan.method]}."


def terms_text(app: Application) -> str:
    """The agreement the applicant signs, hashed into ``Agreement.terms_sha256``. Korean in
    every interface language: it is the binding text, so it must not depend on the reader's
    language setting (an English page shows :func:`terms_in_english` beside it). It states the
    loan's terms and what follows a default (the foundation pays the bank, and the business then
    owes the foundation)."""
    s = app.screening or {}
    product = catalogue().products.get(app.product)
    return (
        f"신용보증약정 {app.reference}: 대출 {app.loan_amount:,}원(대출 은행 {_bank_name(app, 'ko')}), "
        f"보증상품 {product.name_ko if product else app.product}, 보증비율 {float(s.get('coverage', 0)):.0%}, "
        f"보증금액 {int(s.get('guaranteed_amount', 0)):,}원, 연 보증료 {int(s.get('fee', 0)):,}원."
        + _loan_terms(app, "ko")
        + " 대출이 부실이 되면 재단이 보증금액 한도에서 은행에 대위변제하고, 그 금액은 재단에 갚을 구상채무가 됩니다."
    )


def terms_in_english(app: Application) -> str:
    """An English translation of :func:`terms_text`, for the reader's information only."""
    s = app.screening or {}
    product = catalogue().products.get(app.product)
    return (
        f"Credit guarantee agreement {app.reference}: loan of KRW {app.loan_amount:,} "
        f"(lending bank: {_bank_name(app, 'en')}), guarantee product {product.name_en if product else app.product}, "
        f"coverage {float(s.get('coverage', 0)):.0%}, guaranteed amount KRW {int(s.get('guaranteed_amount', 0)):,}, "
        f"yearly guarantee fee KRW {int(s.get('fee', 0)):,}."
        + _loan_terms(app, "en")
        + " If the loan defaults, the foundation pays the bank up to the guaranteed amount, and the business then "
        "owes that payment to the foundation."
    )


def sign_agreement(app: Application, *, agreed: bool, actor: User, callback_url: str) -> Payment:
    """Sign electronically (``agreed``: the applicant ticked that they agree to the terms) and
    record the guarantee fee (once, whatever is retried). A fee of 0 is waived and the
    certificate issued at once, going to the bank when the signature is committed; otherwise
    the payment is pending and the certificate waits for it (``payments.start_payment`` sends
    the applicant to pay)."""
    if not agreed:
        raise GuaranteeError.AGREE_REQUIRED.error("agree")
    with transaction.atomic():
        app = own(actor, app, lock=True)
        if app.state == State.APPROVED:
            move(app, Event.SIGN_AGREEMENT, Actor.APPLICANT, person=actor)
            agreement = Agreement.objects.create(
                application=app,
                signed_by=actor,
                signed_at=timezone.now(),
                fee=int((app.screening or {}).get("fee", 0)),
                terms_sha256=hashlib.sha256(terms_text(app).encode()).hexdigest(),
            )
            _record_fee(app, agreement.fee, city_pays=bool((app.screening or {}).get("fee_paid_by_city")))
        elif app.state not in SIGNED:
            raise GuaranteeError.NOT_APPROVED.error()
        payment = Payment.objects.filter(application=app).first()
        if payment is None:  # signed before the fee was collected online: nothing to do here
            raise GuaranteeError.WRONG_STATE.error()
        if payment.settled and app.state in (State.AGREEMENT_SIGNED, State.CERTIFICATE_ISSUED):
            issue_and_send(app, callback_url)
        return payment


def _record_fee(app: Application, fee: int, *, city_pays: bool) -> Payment:
    """The fee of a just-signed agreement (the application locked): pending, or waived when the
    product charges the business none (a fee of 0, or a "fee-free" product whose fee the city
    pays)."""
    payment = Payment.objects.create(
        application=app,
        amount=fee,
        status=Payment.Status.WAIVED if fee == 0 or city_pays else Payment.Status.PENDING,
        idempotency_key=Payment.key_for(app.reference, 1),
    )
    audit.record(
        GuaranteeEvent.FEE_RECORDED,
        target=payment,
        target_label=app.reference,
        new={"amount": fee, "status": payment.status},
        service="guarantee",
    )
    return payment


def issue_and_send(app: Application, callback_url: str) -> Certificate:
    """Issue the certificate of a locked application whose fee is settled (once) and send it to
    the bank after the transaction commits, unless the bank has it already."""
    cert = _issue_certificate(app)
    if cert.bank_status == Certificate.BankStatus.PENDING:
        transaction.on_commit(partial(send_certificate, cert, callback_url), robust=True)
    return cert


def _issue_certificate(app: Application) -> Certificate:
    """The application's certificate, issued now if it has none (the application locked, its
    fee paid or waived)."""
    existing = Certificate.objects.filter(application=app).first()
    if existing is not None:
        return existing
    if app.state != State.AGREEMENT_SIGNED:
        raise GuaranteeError.NOT_APPROVED.error()
    if not Payment.objects.filter(application=app, status__in=[Payment.Status.PAID, Payment.Status.WAIVED]).exists():
        raise GuaranteeError.FEE_NOT_PAID.error()
    s = app.screening or {}
    cert = Certificate.objects.create(
        application=app,
        number=f"SGC-{app.reference[3:]}",
        idempotency_key=f"cert-{app.reference}",
        amount=app.loan_amount,
        guaranteed_amount=int(s.get("guaranteed_amount", 0)),
        coverage=s.get("coverage", 0),
        bank=app.bank,
        issued_at=timezone.now(),
    )
    move(app, Event.ISSUE_CERTIFICATE, Actor.SYSTEM)
    audit.record(GuaranteeEvent.CERTIFICATE_ISSUED, target=cert, service="guarantee")
    return cert


def send_certificate(cert: Certificate, callback_url: str) -> str:
    """Send (or re-send, with the same idempotency key) the certificate to the bank. Called
    after commit, never with a transaction open.

    Returns ``sent``, ``already`` (the bank has answered) or the adapter's error code; an error
    leaves the certificate pending for a retry and loses nothing.
    """
    cert = Certificate.objects.select_related("application").get(pk=cert.pk)
    if cert.bank_status != Certificate.BankStatus.PENDING:
        return "already"
    payload = {
        "certificate_number": cert.number,
        "application_reference": cert.application.reference,
        "loan_amount": cert.amount,
        "guaranteed_amount": cert.guaranteed_amount,
        "coverage": str(cert.coverage),
        "callback_url": callback_url,
    }
    try:
        answer = clients.send_certificate(payload, cert.idempotency_key)
    except AdapterError as exc:
        Certificate.objects.filter(pk=cert.pk).update(
            send_attempts=F("send_attempts") + 1, last_error=f"{exc.code}: {exc}"[:200]
        )
        audit.record(GuaranteeEvent.CERTIFICATE_SENT, target=cert, new={"result": exc.code}, service="guarantee")
        return exc.code
    Certificate.objects.filter(pk=cert.pk, bank_status=Certificate.BankStatus.PENDING).update(
        bank_status=Certificate.BankStatus.SENT,
        bank_reference=str(answer.get("bank_reference", ""))[:40],
        send_attempts=F("send_attempts") + 1,
        last_error="",
    )
    audit.record(GuaranteeEvent.CERTIFICATE_SENT, target=cert, new={"result": "sent"}, service="guarantee")
    return "sent"


def resend_certificate(app: Application, *, actor: User, callback_url: str) -> str:
    """The applicant's "send again" for their own certificate the bank has not confirmed."""
    app = own(actor, app)
    cert = Certificate.objects.filter(application=app).first()
    if cert is None:
        raise GuaranteeError.NO_CERTIFICATE.error()
    return send_certificate(cert, callback_url)


def resend_pending(callback_url: str) -> dict[str, int]:
    """Re-send every certificate the bank has not confirmed (same idempotency keys); the
    scheduled job, acting for the foundation."""
    counts: dict[str, int] = {}
    for cert in Certificate.objects.filter(bank_status=Certificate.BankStatus.PENDING):
        result = send_certificate(cert, callback_url)
        counts[result] = counts.get(result, 0) + 1
    return counts
