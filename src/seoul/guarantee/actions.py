"""Every write of the guarantee service: one function per use case, atomic, audited.

Every change of an application's state goes through :func:`_move`, which asks the state
machine (``engine/states.py``) and writes the audit event; nothing else assigns ``state``.
Calls to outside services (documents, bank) happen outside database transactions; their
results are stored afterwards under a row lock, so retries and duplicates change nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from seoul.core import audit
from seoul.core.crypto import blind_index
from seoul.core.models import Institution, User
from seoul.core.roles import Role, Service
from seoul.guarantee.adapters import clients, signing
from seoul.guarantee.adapters.http import AdapterError
from seoul.guarantee.engine import brn as brn_rules
from seoul.guarantee.engine import documents as doc_rules
from seoul.guarantee.engine import lifecycle
from seoul.guarantee.engine import screening as screening_rules
from seoul.guarantee.engine.catalogue import catalogue
from seoul.guarantee.engine.screening import Facts, Outcome, screen
from seoul.guarantee.engine.states import EDITABLE, Actor, Event, State, TransitionError, transition
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.models import (
    Agreement,
    Application,
    Certificate,
    Document,
    Identity,
    Loan,
    Notification,
    Review,
    WebhookEvent,
)

log = logging.getLogger("seoul.guarantee")

INSTITUTION = "SEOULSHINBO"
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CONSENT_TEXT = (
    "I consent to the Seoul Credit Guarantee Foundation fetching my business registration certificate, VAT tax-base "
    "certificate, national and local tax payment certificates and my credit report from the issuing public bodies "
    "for this application only."
)
ERRORS = {
    "timeout": gettext_noop("The document service did not answer in time. Try again, or upload the documents."),
    "unavailable": gettext_noop("The document service is busy. Try again in a few minutes, or upload the documents."),
    "certificate_expired": gettext_noop(
        "Your authentication certificate has expired. Renew it with your provider and try again."
    ),
    "refused": gettext_noop("The document service refused the request. Upload the documents instead."),
    "consent_expired": gettext_noop("Your consent has expired. Give it again to fetch the documents."),
}


def _svc(event: str, app: Application, **kw: Any) -> None:
    audit.record(event, target=app, target_label=app.reference, service="guarantee", **kw)


def _move(app: Application, event: Event, actor: Actor, *, examiner: str = "", reason: str = "") -> State:
    """Apply one state machine event to a locked application and audit it."""
    approvals: tuple[str, ...] = ()
    if event is Event.APPROVE:
        approvals = tuple(
            app.reviews.filter(decision=Review.Decision.APPROVE, current=True).values_list(
                "examiner__username", flat=True
            )
        )
    old = app.state
    new = transition(
        old,
        event,
        actor,
        amount=app.amount or 0,
        second_approver_above=int(catalogue().scorecard["second_approver_above"]),
        approvals=approvals,
        examiner=examiner,
    )
    now = timezone.now()
    app.state = new
    app.state_changed_at = now
    if new is State.SUBMITTED:
        app.submitted_at = now
    if new is State.REFERRED and old != State.REFERRED:
        app.referred_at = now
    if new in (State.APPROVED, State.REJECTED):
        app.decided_at = now
    app.save()
    _svc(
        GuaranteeEvent.TRANSITION,
        app,
        old={"state": old},
        new={"state": new.value, "event": event.value},
        reason=reason,
    )
    return new


def _locked(app: Application) -> Application:
    return Application.objects.select_for_update().get(pk=app.pk)


def _own(user: User, app: Application) -> None:
    if app.applicant_id != user.pk:
        raise PermissionDenied("not your application")


def _notify(app: Application, body: str) -> None:
    sender = clients.notifier()
    for channel, to in (("sms", app.phone), ("email", app.email)):
        if not to:
            continue
        provider_id = sender.send(channel, to, body)
        Notification.objects.create(application=app, channel=channel, recipient=to, body=body, provider_id=provider_id)
        _svc(GuaranteeEvent.NOTIFIED, app, new={"channel": channel})


# --- sign-in ---------------------------------------------------------------------------------


def complete_simple_auth(result: clients.AuthResult, provider: str) -> User:
    """The citizen account of the person the provider authenticated (made on first sign-in)."""
    if result.status != "completed" or not result.subject:
        raise ValidationError(_("The sign-in was not completed."))
    index = blind_index(result.subject, purpose="guarantee.subject")
    with transaction.atomic():
        identity = Identity.objects.select_related("user").filter(subject_index=index).first()
        if identity is None:
            user = User.objects.create_user(
                username=f"sa-{index[:12]}", kind=User.Kind.CITIZEN, display_name=result.name[:100], phone=result.phone
            )
            user.set_unusable_password()
            user.save()
            identity = Identity.objects.create(user=user, provider=provider, subject_index=index)
        audit.record(
            GuaranteeEvent.SIGNED_IN,
            actor=identity.user,
            target=identity.user,
            new={"provider": provider},
            service="guarantee",
        )
        return identity.user


# --- the applicant's answers -----------------------------------------------------------------


def start_application(user: User) -> Application:
    with transaction.atomic():
        for _attempt in range(5):
            ref = f"SG-{timezone.localdate():%y%m}-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
            if not Application.objects.filter(reference=ref).exists():
                break
        app = Application.objects.create(
            reference=ref,
            applicant=user,
            institution=Institution.objects.get(code=INSTITUTION),
            phone=user.phone or "",
        )
        _svc(GuaranteeEvent.DRAFT_STARTED, app)
        return app


def clean_answer(field: str, value: str) -> Any:
    """A valid answer, or ValidationError with a message for the person."""
    value = value.strip()
    cat = catalogue()
    if field == "brn":
        try:
            return brn_rules.validate(value)
        except brn_rules.InvalidBRN as exc:
            if exc.code == "check_digit":
                raise ValidationError(
                    _("This business registration number is not valid: check it for a typing error.")
                ) from None
            raise ValidationError(_("Enter the 10-digit business registration number, e.g. 123-45-67890.")) from None
    if field == "product":
        if value not in cat.products:
            raise ValidationError(_("Choose a guarantee."))
        return value
    if field == "amount":
        try:
            amount = int(value.replace(",", "")) * 10_000  # asked in 만 원
        except ValueError:
            raise ValidationError(_("Enter the amount in 10,000 won as a whole number, e.g. 1000.")) from None
        if amount <= 0:
            raise ValidationError(_("Enter an amount greater than zero."))
        return amount
    if field == "bank":
        if value not in clients.BANKS:
            raise ValidationError(_("Choose a bank."))
        return value
    if field == "phone":
        digits = "".join(c for c in value if c.isdigit())
        if not (digits.startswith("01") and len(digits) in (10, 11)):
            raise ValidationError(_("Enter a mobile number, e.g. 010-1234-5678."))
        return digits
    if field == "email":
        if value and ("@" not in value or len(value) > 200):
            raise ValidationError(_("Enter an e-mail address like name@example.com, or leave it empty."))
        return value
    raise ValidationError("unknown question")


def save_answer(user: User, app: Application, field: str, value: str) -> Application:
    cleaned = clean_answer(field, value)
    with transaction.atomic():
        app = _locked(app)
        _own(user, app)
        if app.state not in EDITABLE:
            raise ValidationError(_("This application can no longer be changed."))
        if field == "amount" and app.product:
            product = catalogue().products[app.product]
            if not product.min_amount <= cleaned <= product.max_amount:
                raise ValidationError(
                    _("This guarantee lends between %(lo)s and %(hi)s만 원.")
                    % {"lo": f"{product.min_amount // 10_000:,}", "hi": f"{product.max_amount // 10_000:,}"}
                )
        if field == "brn" and cleaned != app.brn:
            app.documents.all().delete()  # documents of another business no longer apply
            app.documents_fetched = False
            app.business_name = ""
        setattr(app, field, cleaned)
        app.save()
        _svc(GuaranteeEvent.DRAFT_SAVED, app, new={"question": field})
        return app


# --- documents ------------------------------------------------------------------------------


def _subject(user: User) -> str:
    identity = Identity.objects.filter(user=user).first()
    return identity.subject_index if identity is not None else f"user:{user.pk}"


def fetch_documents(user: User, app: Application, *, consent: bool, today: date | None = None) -> list[dict[str, str]]:
    """Fetch the documents with the applicant's consent; returns the problems found (empty: all good)."""
    _own(user, app)
    if not consent:
        raise ValidationError(_("Give your consent to fetch the documents, or upload them instead."))
    if not app.brn:
        raise ValidationError(_("Answer the business registration number first."))
    if app.state not in EDITABLE:
        raise ValidationError(_("This application can no longer be changed."))
    today = today or timezone.localdate()
    try:
        token = clients.consent_token(app.brn, _subject(user))
        docs = clients.fetch_documents(token)
    except AdapterError as exc:
        with transaction.atomic():
            _svc(GuaranteeEvent.DOCUMENTS_FAILED, app, new={"code": exc.code})
        raise ValidationError(_(ERRORS.get(exc.code, ERRORS["refused"]))) from None
    problems = doc_rules.validate(docs, app.brn, today)
    by_kind: dict[str, list[dict[str, str]]] = {}
    for p in problems:
        by_kind.setdefault(p.kind, []).append(p.as_json())
    with transaction.atomic():
        app = _locked(app)
        app.documents.filter(source=Document.Source.FETCHED).delete()
        for d in docs:
            issued = d.get("issued_on")
            Document.objects.create(
                application=app,
                kind=str(d.get("kind")),
                source=Document.Source.FETCHED,
                issued_on=date.fromisoformat(issued) if issued else None,
                data=d,
                problems=by_kind.get(str(d.get("kind")), []) + by_kind.get("*", []),
                sha256=hashlib.sha256(json.dumps(d, sort_keys=True, ensure_ascii=False).encode()).hexdigest(),
            )
        app.consent_at = timezone.now()
        app.consent_text = CONSENT_TEXT
        app.documents_fetched = not problems
        reg = next((d for d in docs if d.get("kind") == "business_registration"), {})
        app.business_name = str(reg.get("business_name", ""))[:100]
        app.save()
        _svc(
            GuaranteeEvent.DOCUMENTS_FETCHED,
            app,
            new={"kinds": [d.get("kind") for d in docs], "problems": [p.as_json() for p in problems]},
        )
    return [p.as_json() for p in problems]


UPLOAD_ERRORS = {
    "too_large": gettext_noop("The file is larger than 1 MB. Scan it at a lower resolution and upload it again."),
    "empty": gettext_noop("The file is empty."),
    "not_pdf_or_image": gettext_noop(
        "The file must be a PDF, JPEG or PNG. This file is something else, whatever its name says."
    ),
    "name_does_not_match_content": gettext_noop(
        "The file's name does not match what it contains. Upload the original file."
    ),
}


def upload_document(user: User, app: Application, kind: str, name: str, content: bytes) -> Document:
    _own(user, app)
    if kind not in doc_rules.REQUIRED:
        raise ValidationError(_("Choose which document this is."))
    real, problems = doc_rules.check_upload(content, name)
    if problems:
        raise ValidationError([_(UPLOAD_ERRORS[p]) for p in problems])
    with transaction.atomic():
        app = _locked(app)
        if app.state not in EDITABLE:
            raise ValidationError(_("This application can no longer be changed."))
        app.documents.filter(kind=kind).delete()
        doc = Document.objects.create(
            application=app,
            kind=kind,
            source=Document.Source.UPLOADED,
            content=content,
            content_type=real or "",
            file_name=name[-120:],
            sha256=hashlib.sha256(content).hexdigest(),
        )
        _svc(GuaranteeEvent.DOCUMENT_UPLOADED, app, new={"kind": kind, "content_type": real, "bytes": len(content)})
        return doc


# --- submission and screening ----------------------------------------------------------------


def missing_answers(app: Application) -> list[str]:
    missing = [f for f in ("brn", "product", "amount", "bank", "phone") if not getattr(app, f)]
    kinds = {d.kind: d for d in app.documents.all()}
    for kind in doc_rules.REQUIRED:
        doc = kinds.get(kind)
        if doc is None or doc.problems:
            missing.append(f"document:{kind}")
    return missing


def facts_of(app: Application) -> Facts | None:
    docs = [d.data for d in app.documents.filter(source=Document.Source.FETCHED) if d.data]
    if not docs:
        return None
    f = doc_rules.facts_from(docs)
    if f["opened_on"] is None:
        return None
    uploaded = app.documents.filter(source=Document.Source.UPLOADED).exists()
    return Facts(**f, documents_fetched=app.documents_fetched and not uploaded)


def submit(user: User, app: Application, today: date | None = None) -> Application:
    """Submit (or resubmit) and screen at once. A second submit is refused by the state machine."""
    today = today or timezone.localdate()
    with transaction.atomic():
        app = _locked(app)
        _own(user, app)
        if app.state not in EDITABLE:
            raise TransitionError("wrong_state", _("This application was already submitted."))
        missing = missing_answers(app)
        if missing:
            raise ValidationError(_("Some answers or documents are missing: %(m)s") % {"m": ", ".join(missing)})
        _move(app, Event.SUBMIT, Actor.APPLICANT)
        _screen(app, today)
        return app


def _screen(app: Application, today: date) -> None:
    _move(app, Event.START_SCREENING, Actor.SYSTEM)
    facts = facts_of(app)
    if facts is None:
        app.screening = {"outcome": "refer", "refer_reasons": ["documents_uploaded"], "reasons": []}
        app.save()
        _move(app, Event.REFER, Actor.SYSTEM, reason="documents_uploaded")
        _notify(
            app,
            _("Seoul Credit Guarantee Foundation: application %(ref)s received. An examiner will review it.")
            % {"ref": app.reference},
        )
        return
    result = screen(facts, app.product, app.amount or 0, today)
    stage, programmes = lifecycle.recommend(replace(facts), today)
    app.screening = result.as_json()
    app.lifecycle = {"stage": stage, "programmes": [p["code"] for p in programmes]}
    app.save()
    if result.outcome is Outcome.APPROVE:
        _move(app, Event.AUTO_APPROVE, Actor.SYSTEM, reason="within the auto-approval rules")
        _notify(
            app,
            _("Seoul Credit Guarantee Foundation: application %(ref)s is approved. Sign the agreement online.")
            % {"ref": app.reference},
        )
    elif result.outcome is Outcome.REJECT:
        _move(app, Event.AUTO_REJECT, Actor.SYSTEM, reason=", ".join(result.reasons))
        _notify(
            app,
            _("Seoul Credit Guarantee Foundation: application %(ref)s could not be approved. See the reasons online.")
            % {"ref": app.reference},
        )
    else:
        _move(app, Event.REFER, Actor.SYSTEM, reason=", ".join(result.refer_reasons))
        _notify(
            app,
            _("Seoul Credit Guarantee Foundation: application %(ref)s received. An examiner will review it.")
            % {"ref": app.reference},
        )


def withdraw(user: User, app: Application) -> Application:
    with transaction.atomic():
        app = _locked(app)
        _own(user, app)
        _move(app, Event.WITHDRAW, Actor.APPLICANT)
        return app


# --- examiners -------------------------------------------------------------------------------


def _lower_amount(app: Application, amount: int | None, decision: str) -> int | None:
    """A valid lower approved amount, or None (approve what is on file); ValidationError names
    the field. Only an approval may set one; it never exceeds what the file currently carries
    (a second approver may lower the first approver's amount further, not raise it)."""
    if amount is None or amount == app.loan_amount:
        return None
    if decision != Review.Decision.APPROVE:
        raise ValidationError({"amount": _("Only an approval can set a lower amount.")})
    product = catalogue().products[app.product]
    if amount > app.loan_amount:
        raise ValidationError({"amount": _("Approve at most %(amount)s won.") % {"amount": f"{app.loan_amount:,}"}})
    if amount < product.min_amount:
        raise ValidationError(
            {"amount": _("This guarantee starts at %(amount)s won.") % {"amount": f"{product.min_amount:,}"}}
        )
    return amount


def review(examiner: User, app: Application, decision: str, comment: str, *, amount: int | None = None) -> Application:
    """Approve / reject / ask for more on a referred file of the examiner's own institution.

    ``amount`` (won) approves less than was asked: the guaranteed part and the fee follow it,
    and the applicant accepts it by signing the agreement. The second-approver threshold stays
    that of the amount asked, so lowering it cannot skip the second approval."""
    comment = comment.strip()
    if len(comment) < 5:
        raise ValidationError({"comment": _("Write a comment of at least 5 characters: it is kept with the decision.")})
    if decision not in Review.Decision.values:
        raise ValidationError({"decision": _("Choose a decision.")})
    if not examiner.has_role(Service.GUARANTEE, Role.OPERATOR):
        raise PermissionDenied("examiners only")
    with transaction.atomic():
        app = _locked(app)
        if app.institution_id != examiner.institution_id and not examiner.is_platform_admin:
            raise PermissionDenied("another institution's file")
        lower = _lower_amount(app, amount, decision)
        if decision == Review.Decision.APPROVE:
            earlier = app.reviews.filter(decision=Review.Decision.APPROVE, current=True).exists()
            if earlier and not examiner.has_role(Service.GUARANTEE, Role.APPROVER):
                raise ValidationError({"decision": _("The second approval needs an approver.")})
            new = _move(app, Event.APPROVE, Actor.EXAMINER, examiner=examiner.get_username(), reason=comment)
            if lower is not None:
                _set_approved_amount(app, lower)
        elif decision == Review.Decision.REJECT:
            new = _move(app, Event.REJECT, Actor.EXAMINER, reason=comment)
        else:
            new = _move(app, Event.REQUEST_MORE, Actor.EXAMINER, reason=comment)
            app.reviews.filter(current=True).update(current=False)
            if app.approved_amount is not None:  # the voided approvals' amount goes with them
                _set_approved_amount(app, None)
        Review.objects.create(application=app, examiner=examiner, decision=decision, comment=comment, amount=lower)
        change = {"decision": decision, "state": new.value} | ({"approved_amount": lower} if lower else {})
        _svc(GuaranteeEvent.REVIEWED, app, new=change, reason=comment)
        if new is State.APPROVED and app.approved_amount is not None:
            _notify(
                app,
                _(
                    "Seoul Credit Guarantee Foundation: application %(ref)s is approved for %(amount)s won "
                    "(you asked for %(asked)s won). Sign the agreement online to accept it."
                )
                % {"ref": app.reference, "amount": f"{app.approved_amount:,}", "asked": f"{app.amount or 0:,}"},
            )
        elif new is State.APPROVED:
            _notify(
                app,
                _("Seoul Credit Guarantee Foundation: application %(ref)s is approved. Sign the agreement online.")
                % {"ref": app.reference},
            )
        elif new is State.REJECTED:
            _notify(
                app,
                _(
                    "Seoul Credit Guarantee Foundation: application %(ref)s could not be approved. See the reasons online."
                )
                % {"ref": app.reference},
            )
        elif new is State.MORE_INFO:
            _notify(
                app,
                _(
                    "Seoul Credit Guarantee Foundation: application %(ref)s needs more information. See the request online."
                )
                % {"ref": app.reference},
            )
        return app


def _set_approved_amount(app: Application, amount: int | None) -> None:
    """Approve ``amount`` (None: the amount asked); the guaranteed part and fee follow it."""
    app.approved_amount = amount
    product = catalogue().products[app.product]
    app.screening = screening_rules.with_amount(app.screening or {}, product, app.loan_amount)
    app.save(update_fields=["approved_amount", "screening"])


# --- agreement, certificate, bank --------------------------------------------------------------


def terms_text(app: Application) -> str:
    """The agreement the applicant signs, hashed into ``Agreement.terms_sha256``. Korean in
    every interface language: it is the binding text, so it must not depend on the reader's
    language setting (the page around it is translated)."""
    s = app.screening or {}
    product = catalogue().products.get(app.product)
    with translation.override("ko"):
        bank = str(clients.BANKS.get(app.bank, app.bank))
    return (
        f"신용보증약정 {app.reference}: 대출 {app.loan_amount:,}원(대출 은행 {bank}), "
        f"보증상품 {product.name_ko if product else app.product}, 보증비율 {float(s.get('coverage', 0)):.0%}, "
        f"보증금액 {int(s.get('guaranteed_amount', 0)):,}원, 연 보증료 {int(s.get('fee', 0)):,}원."
    )


def sign_agreement(user: User, app: Application) -> Certificate:
    """Sign electronically and issue the certificate (once, whatever is retried)."""
    with transaction.atomic():
        app = _locked(app)
        _own(user, app)
        if app.state == State.APPROVED:
            _move(app, Event.SIGN_AGREEMENT, Actor.APPLICANT)
            Agreement.objects.create(
                application=app,
                signed_by=user,
                signed_at=timezone.now(),
                fee=int((app.screening or {}).get("fee", 0)),
                terms_sha256=hashlib.sha256(terms_text(app).encode()).hexdigest(),
            )
        return issue_certificate(app)


def issue_certificate(app: Application) -> Certificate:
    with transaction.atomic():
        app = _locked(app)
        existing = Certificate.objects.filter(application=app).first()
        if existing is not None:
            return existing
        if app.state != State.AGREEMENT_SIGNED:
            raise TransitionError("wrong_state", _("The agreement must be signed before the certificate is issued."))
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
        _move(app, Event.ISSUE_CERTIFICATE, Actor.SYSTEM)
        audit.record(GuaranteeEvent.CERTIFICATE_ISSUED, target=cert, service="guarantee")
        return cert


def send_certificate(cert: Certificate, callback_url: str) -> str:
    """Send (or re-send, with the same idempotency key) the certificate to the bank.

    Returns ``sent``, ``already`` (the bank has answered) or the adapter's error code; an error
    leaves the certificate pending for a retry and loses nothing.
    """
    cert.refresh_from_db()
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
        with transaction.atomic():
            Certificate.objects.filter(pk=cert.pk).update(
                send_attempts=F("send_attempts") + 1, last_error=f"{exc.code}: {exc}"[:200]
            )
            audit.record(GuaranteeEvent.CERTIFICATE_SENT, target=cert, new={"result": exc.code}, service="guarantee")
        return exc.code
    with transaction.atomic():
        Certificate.objects.filter(pk=cert.pk, bank_status=Certificate.BankStatus.PENDING).update(
            bank_status=Certificate.BankStatus.SENT,
            bank_reference=str(answer.get("bank_reference", ""))[:40],
            send_attempts=F("send_attempts") + 1,
            last_error="",
        )
        audit.record(GuaranteeEvent.CERTIFICATE_SENT, target=cert, new={"result": "sent"}, service="guarantee")
    return "sent"


def resend_pending(callback_url: str) -> dict[str, int]:
    """Re-send every certificate the bank has not confirmed (same idempotency keys)."""
    counts: dict[str, int] = {}
    for cert in Certificate.objects.filter(bank_status=Certificate.BankStatus.PENDING).select_related("application"):
        result = send_certificate(cert, callback_url)
        counts[result] = counts.get(result, 0) + 1
    return counts


def receive_webhook(body: bytes, signature: str) -> str:
    """Record one signed bank webhook; returns what happened (``duplicate`` for a repeat)."""
    if not signing.verify(clients.bank_secret(), body, signature):
        raise PermissionDenied("bad signature")
    try:
        event = json.loads(body)
        event_id, kind, number = str(event["event_id"]), str(event["type"]), str(event["certificate_number"])
    except (ValueError, KeyError, TypeError):
        raise ValidationError("malformed webhook") from None
    with transaction.atomic():
        try:
            with transaction.atomic():
                inbox = WebhookEvent.objects.create(event_id=event_id[:64], kind=kind[:40], payload=event)
        except IntegrityError:
            audit.record(
                GuaranteeEvent.WEBHOOK,
                target_type="guarantee.webhook",
                target_id=event_id[:64],
                new={"type": kind, "outcome": "duplicate"},
                actor_label="bank",
                service="guarantee",
            )
            return "duplicate"
        cert = Certificate.objects.select_for_update().filter(number=number).first()
        outcome = "unknown_certificate" if cert is None else _apply_bank_event(cert, kind, event)
        inbox.outcome = outcome
        inbox.save(update_fields=["outcome"])
        audit.record(
            GuaranteeEvent.WEBHOOK,
            target_type="guarantee.webhook",
            target_id=event_id[:64],
            new={"type": kind, "outcome": outcome},
            actor_label="bank",
            service="guarantee",
        )
        return outcome


def _apply_bank_event(cert: Certificate, kind: str, event: dict[str, Any]) -> str:
    app = _locked(cert.application)
    if kind == "certificate.accepted":
        if cert.bank_status in (Certificate.BankStatus.PENDING, Certificate.BankStatus.SENT):
            cert.bank_status = Certificate.BankStatus.ACCEPTED
            cert.bank_reference = str(event.get("bank_reference", cert.bank_reference))[:40]
            cert.save()
        return "accepted"
    if kind == "certificate.rejected":
        cert.bank_status = Certificate.BankStatus.REJECTED
        cert.save()
        if app.state == State.CERTIFICATE_ISSUED:
            _move(app, Event.BANK_DECLINE, Actor.BANK, reason=str(event.get("reason", ""))[:200])
        return "rejected"
    if kind == "loan.executed":
        loan_id = str(event.get("loan_id", ""))[:40]
        if Loan.objects.filter(certificate=cert).exists() or Loan.objects.filter(bank_loan_id=loan_id).exists():
            return "loan_already_recorded"
        if app.state != State.CERTIFICATE_ISSUED:
            # e.g. a loan after the bank's own rejection: kept in the inbox for staff, never applied
            return f"refused_in_state_{app.state}"
        try:
            executed = datetime.fromisoformat(str(event.get("executed_at")).replace("Z", "+00:00"))
        except ValueError:
            executed = timezone.now()
        loan = Loan.objects.create(
            certificate=cert, bank_loan_id=loan_id, amount=int(event.get("amount", cert.amount)), executed_at=executed
        )
        if cert.bank_status != Certificate.BankStatus.ACCEPTED:
            cert.bank_status = Certificate.BankStatus.ACCEPTED
            cert.save()
        _move(app, Event.EXECUTE_LOAN, Actor.BANK)
        audit.record(GuaranteeEvent.LOAN_RECORDED, target=loan, new={"amount": loan.amount}, service="guarantee")
        _notify(
            app,
            _("Seoul Credit Guarantee Foundation: the loan for %(ref)s has been paid out by the bank.")
            % {"ref": app.reference},
        )
        return "loan_recorded"
    return "ignored"
