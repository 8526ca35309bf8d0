"""Extending a loan's guarantee at its term (기한연장, issue 18).

Near the term of a loan repaid at term the owner is told they may ask for an extension
(:func:`tell_renewal_window`, daily). The owner asks on the platform, consenting to a fresh
fetch of the registration, the tax payment certificates and the credit report
(:func:`request_renewal`); the call to the document service is made with no transaction open,
then the loan is locked and re-screened (``engine/renewal.py``). A refusal is kept with its
reasons and may be asked again once they are gone; an extension is sent to the bank after
commit (:func:`send_renewal`, the same key on every re-send, so the bank extends once). The
bank collects the part to repay first and the extension's fee with it, reports the repayment
and then the extension as the loan's next events (``loan.repaid``, ``loan.extended``); the
extension is applied in sequence like every other event (``loans.apply_event``), which marks
the request extended and moves the loan's term.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from seoul.core.adapters.http import AdapterError
from seoul.core.engine import brn as brn_rules
from seoul.core.models import User
from seoul.guarantee.actions._base import own, record
from seoul.guarantee.actions.business import _is_representative, confirm_chief_executive, document_error
from seoul.guarantee.actions.notifications import notify
from seoul.guarantee.adapters import clients
from seoul.guarantee.engine import corporate
from seoul.guarantee.engine import documents as doc_rules
from seoul.guarantee.engine import renewal as rules_engine
from seoul.guarantee.engine.catalogue import catalogue
from seoul.guarantee.engine.loanbook import add_months
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.labels import renewal_consent_text
from seoul.guarantee.models import Application, Identity, Loan, LoanEvent, Renewal, claim_standing

#: What the re-screening fetches again; a company's corporate registration and last statements too.
KINDS = (doc_rules.REGISTRATION, "national_tax_payment", "local_tax_payment", doc_rules.CREDIT_REPORT)
COMPANY_KINDS = (doc_rules.CORPORATE_REGISTRATION, doc_rules.FINANCIAL_STATEMENTS)


def rules_of(loan: Loan) -> rules_engine.Rules | None:
    """The extension rules of the loan's product (None: its loans are not extended)."""
    product = catalogue().products.get(loan.certificate.application.product)
    return product.renewal if product is not None else None


def yearly_fee_rate(app: Application) -> Decimal:
    """The yearly fee rate the business pays on the guarantee (the rate at agreement; 0 when
    the city pays the product's fee)."""
    product = catalogue().products.get(app.product)
    if product is None:
        return Decimal(0)
    additional = bool((app.screening or {}).get("fee_additional"))
    return Decimal(str(product.fee_rate_for(additional=additional)))


def _facts(fetched: list[dict[str, Any]], kinds: tuple[str, ...], today: date, *, company: bool) -> dict[str, Any]:
    """What the re-screening reads from the documents fetched again (a value out of bounds is
    not a fact: a score that is not a whole number up to 1000 counts as unknown; statements
    that cannot be read are not sound)."""
    by_kind = {str(d.get("kind")): d for d in fetched}
    missing = [k for k in kinds if k not in by_kind]
    if missing:
        raise GuaranteeError.DOCS_REFUSED.error()
    score = by_kind[doc_rules.CREDIT_REPORT].get("score")
    good_score = isinstance(score, int) and not isinstance(score, bool) and 0 <= score <= doc_rules.MAX_CREDIT_SCORE
    facts: dict[str, Any] = {
        "business_active": by_kind[doc_rules.REGISTRATION].get("status") == "active",
        "tax_arrears": bool(by_kind["national_tax_payment"].get("arrears"))
        or bool(by_kind["local_tax_payment"].get("arrears")),
        "credit_score": score if good_score else None,
    }
    if company:
        statements = doc_rules.statements_of(by_kind[doc_rules.FINANCIAL_STATEMENTS], today)
        facts |= {
            "company_in_force": by_kind[doc_rules.CORPORATE_REGISTRATION].get("status") == corporate.IN_FORCE,
            "statements_sound": statements is not None and statements.balances and statements.recent(today),
            "capital_impaired": statements is not None and statements.capital_impaired,
        }
    return facts


def _loan_of(app: Application, *, lock: bool = False) -> Loan:
    qs = Loan.objects.select_for_update(of=("self",)) if lock else Loan.objects
    loan = qs.select_related("certificate__application").filter(certificate__application=app).first()
    if loan is None or rules_of(loan) is None:
        raise GuaranteeError.NOT_RENEWABLE.error()
    return loan


def situation(loan: Loan, facts: dict[str, Any], today: date) -> rules_engine.Situation:
    """The loan's situation as the re-screening sees it today."""
    rules = rules_of(loan)
    app = loan.certificate.application
    term = loan.term
    if rules is None or term is None:
        raise GuaranteeError.NOT_RENEWABLE.error()
    since = add_months(today, -rules.arrears_lookback_months)
    product = catalogue().products.get(app.product)
    minimum = catalogue().min_credit_score
    if product is not None and product.min_credit_score is not None:
        minimum = product.min_credit_score
    return rules_engine.Situation(
        today=today,
        term=term,
        loan_status=loan.status,
        outstanding=loan.outstanding,
        coverage=Decimal(str(loan.certificate.coverage)),
        extensions_so_far=loan.extensions,
        recent_arrears=loan.events.filter(kind="arrears", status=LoanEvent.Status.APPLIED, on__gte=since).exists(),
        business_active=bool(facts.get("business_active")),
        tax_arrears=bool(facts.get("tax_arrears")),
        credit_score=facts.get("credit_score"),
        min_credit_score=minimum,
        claim_standing=claim_standing(app.brn_index, today),
        yearly_fee_rate=yearly_fee_rate(app),
        company_in_force=facts.get("company_in_force", True),
        statements_sound=facts.get("statements_sound", True),
        capital_impaired=facts.get("capital_impaired", False),
    )


def request_renewal(
    app: Application, *, consent: bool, actor: User, callback_url: str, today: date | None = None
) -> Renewal:
    """The owner asks to extend their loan's guarantee: documents fetched again with their
    consent, the loan re-screened, the outcome kept (and, when extended, sent to the bank
    after commit). Refused before anything is fetched when the product does not extend its
    loans, consent is missing, or an extension is already with the bank; refused with nothing
    kept when the registration no longer names the asker as the representative (a company:
    as a representative director on its corporate registration)."""
    today = today or timezone.localdate()
    app = own(actor, app)
    loan = _loan_of(app)
    if not consent:
        raise GuaranteeError.CONSENT_REQUIRED.error("consent")
    if loan.renewals.filter(status=Renewal.Status.SENT).exists():
        raise GuaranteeError.RENEWAL_WITH_BANK.error()
    term = loan.term
    if term is None or rules_engine.timing(
        rules_of(loan), today=today, term=term, loan_status=loan.status, extensions_so_far=loan.extensions
    ):  # nothing to fetch documents for
        raise GuaranteeError.RENEWAL_NOT_NOW.error()
    identities = list(Identity.objects.filter(user=actor))
    if not identities:
        raise GuaranteeError.SIMPLE_AUTH_REQUIRED.error()
    company = brn_rules.is_corporation(app.brn)
    kinds = KINDS + COMPANY_KINDS if company else KINDS
    try:  # the outside call: no transaction open, no row locked
        token = clients.consent_token(app.brn, identities[0].subject_index, kinds)
        fetched = [d for d in clients.fetch_documents(token) if isinstance(d, dict)]
    except AdapterError as exc:
        record(GuaranteeEvent.DOCUMENTS_FAILED, app, new={"code": exc.code, "kinds": list(kinds)}, actor=actor)
        raise document_error(exc).error() from None
    by_kind = {str(d.get("kind")): d for d in fetched}
    registration = by_kind.get(doc_rules.REGISTRATION)
    if registration is None or not _is_representative(registration, identities):
        record(
            GuaranteeEvent.NOT_REPRESENTATIVE,
            app,
            reason="extension asked by someone not the representative",
            actor=actor,
        )
        raise GuaranteeError.NOT_REPRESENTATIVE.error()
    if company:
        confirm_chief_executive(
            app,
            by_kind.get(doc_rules.CORPORATE_REGISTRATION),
            registration,
            actor=actor,
            why="extension asked by someone no longer a representative director",
        )
    facts = _facts(fetched, kinds, today, company=company)
    with transaction.atomic():
        app = own(actor, app, lock=True)
        loan = _loan_of(app, lock=True)
        if loan.renewals.filter(status=Renewal.Status.SENT).exists():  # asked twice at once
            raise GuaranteeError.RENEWAL_WITH_BANK.error()
        rules = rules_of(loan)
        s = situation(loan, facts, today)
        outcome = rules_engine.assess(rules, s)
        number = loan.renewals.count() + 1
        renewal = Renewal.objects.create(
            loan=loan,
            number=number,
            status=Renewal.Status.SENT if outcome.extend else Renewal.Status.REFUSED,
            requested_by=actor,
            consent_text=str(renewal_consent_text(company=company)),
            term=s.term,
            months=rules.extension_months if rules is not None and outcome.extend else 0,
            assessment={**outcome.as_json(), "facts": facts, "recent_arrears": s.recent_arrears},
            repayment=outcome.repayment,
            extended_amount=outcome.extended_amount,
            guaranteed=outcome.guaranteed,
            fee=outcome.fee,
            new_term=outcome.new_term,
            idempotency_key=f"renewal-{loan.bank_loan_id}-{number}",
        )
        record(
            GuaranteeEvent.RENEWAL_ASSESSED,
            app,
            new={"renewal": number, **outcome.as_json()},
            actor=actor,
        )
        if outcome.extend:
            transaction.on_commit(partial(send_renewal, renewal.pk, callback_url), robust=True)
    return renewal


def send_renewal(pk: int, callback_url: str) -> str:
    """Send an extension to the bank (never inside a transaction): ``sent``, ``failed`` (the
    error kept; sent again with the same key) or ``skipped``."""
    renewal = Renewal.objects.select_related("loan__certificate__application").get(pk=pk)
    if renewal.status != Renewal.Status.SENT or renewal.new_term is None:
        return "skipped"
    Renewal.objects.filter(pk=pk).update(send_attempts=F("send_attempts") + 1)
    payload = {
        "certificate_number": renewal.loan.certificate.number,
        "term": renewal.term.isoformat(),
        "new_term": renewal.new_term.isoformat(),
        "repayment": renewal.repayment,
        "extended_amount": renewal.extended_amount,
        "guaranteed_amount": renewal.guaranteed,
        "fee": renewal.fee,
        "callback_url": callback_url,
    }
    try:
        clients.extend_loan(renewal.loan.bank_loan_id, payload, renewal.idempotency_key)
    except AdapterError as exc:
        Renewal.objects.filter(pk=pk).update(last_error=f"{exc.code}: {exc}"[:200])
        return "failed"
    Renewal.objects.filter(pk=pk).update(last_error="")
    record(
        GuaranteeEvent.RENEWAL_SENT,
        renewal.loan.certificate.application,
        new={"renewal": renewal.number, "new_term": renewal.new_term.isoformat(), "loan": renewal.loan.bank_loan_id},
        actor_label="system",
    )
    return "sent"


def resend_renewals(callback_url: str) -> dict[str, int]:
    """Send again every extension the bank has not confirmed (the scheduled re-send job; the
    same keys, so the bank extends each loan once)."""
    counts: dict[str, int] = {}
    for pk in Renewal.objects.filter(status=Renewal.Status.SENT).values_list("pk", flat=True):
        result = send_renewal(pk, callback_url)
        counts[result] = counts.get(result, 0) + 1
    return counts


def extension_problem(loan: Loan, maturity: date | None) -> str:
    """Why the bank's report of an extension cannot be true (empty: it can): the foundation
    must have extended the guarantee to that very term."""
    renewal = loan.renewals.filter(status=Renewal.Status.SENT).first()
    if renewal is None:
        return "the foundation has not extended the guarantee of this loan"
    if maturity != renewal.new_term:
        extended_to = renewal.new_term.isoformat() if renewal.new_term else "?"
        return f"the foundation extended the guarantee to {extended_to}, not {maturity}"
    return ""


def mark_extended(loan: Loan, on: date) -> None:
    """The bank confirmed the extension (applied in sequence): the request is done and the
    owner told. Call in the transaction that applied the event, the loan locked."""
    renewal = loan.renewals.filter(status=Renewal.Status.SENT).first()
    if renewal is None:
        return
    renewal.status, renewal.extended_on = Renewal.Status.EXTENDED, on
    renewal.save(update_fields=["status", "extended_on"])
    notify(
        loan.certificate.application,
        "extended",
        term=renewal.new_term.isoformat() if renewal.new_term else "",
        amount=f"{renewal.extended_amount:,}",
    )


def lapse(loan: Loan) -> None:
    """The loan ended — repaid, defaulted or paid by the foundation — with an extension still
    with the bank: the request lapses (no longer sent again, and the bank's late report of it
    is refused). Call in the transaction that applied the event, the loan locked."""
    for renewal in loan.renewals.filter(status=Renewal.Status.SENT):
        renewal.status = Renewal.Status.LAPSED
        renewal.save(update_fields=["status"])
        record(
            GuaranteeEvent.RENEWAL_LAPSED,
            loan.certificate.application,
            new={"renewal": renewal.number, "loan_status": loan.status},
            actor_label="system",
        )


def tell_renewal_window(today: date | None = None) -> dict[str, int]:
    """Tell the owner of each loan being repaid whose extension window opened that they may ask
    for an extension — once per term (``seoul guarantee remind-instalments``, daily)."""
    today = today or timezone.localdate()
    told = 0
    for loan in Loan.objects.filter(status=Loan.Status.ACTIVE).select_related("certificate__application"):
        rules, term = rules_of(loan), loan.term
        if rules is None or term is None or loan.extensions >= rules.max_extensions:
            continue
        opens, closes = rules_engine.window(rules, term)
        if not opens <= today <= closes or loan.renewal_notice_term == term:
            continue
        with transaction.atomic():
            if Loan.objects.filter(pk=loan.pk).exclude(renewal_notice_term=term).update(renewal_notice_term=term):
                notify(loan.certificate.application, "renewal_window", term=term.isoformat())
                told += 1
    return {"renewal_window": told} if told else {}
