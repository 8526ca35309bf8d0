"""Who may apply for a business: its representative, and one application at a time.

The business registration certificate is fetched first, with the applicant's consent: it is
the document that names the representative (name and connecting identifier). It is compared
with the applicant's simple-authentication identity — the verified name and the hash of the
CI the provider gave; never a resident registration number. On a mismatch the application
stops there: nothing else is fetched, the certificate is not kept (it describes someone
else's business), and the refusal is audited. On a match the application holds the business
(a database constraint allows one application in progress per confirmed business), and only
then may the tax and credit documents be fetched (``documents.py``).

A company (법인: the number's type code says corporation) is represented by its representative
directors (대표이사): once the business registration names the applicant, the corporate
registration is fetched too, and the applicant must be one of the directors it names as
대표이사 — the same name and connecting identifier as the business registration's
representative. If not, the application stops there in the same way (audited as not the
representative; nothing kept, nothing else fetched). The identifiers are compared and dropped:
neither document is stored with them.

Only representatives apply online: the credit report fetched next is the representative's
own credit information, which the law lets the foundation fetch with that person's consent
only; a delegate applies at a branch (docs/guarantee.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from seoul.core.adapters.http import AdapterError
from seoul.core.crypto import blind_index
from seoul.core.engine import brn as brn_rules
from seoul.core.models import AuditEvent, User
from seoul.guarantee.actions._base import day, own, recheck_documents, record
from seoul.guarantee.adapters import clients
from seoul.guarantee.engine import corporate
from seoul.guarantee.engine import documents as doc_rules
from seoul.guarantee.engine.states import EDITABLE, OPEN
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.labels import business_consent_text
from seoul.guarantee.models import Application, Document, Identity

MAX_MISMATCHES_PER_DAY = 5
ADAPTER_ERRORS = {
    "timeout": GuaranteeError.DOCS_TIMEOUT,
    "unavailable": GuaranteeError.DOCS_UNAVAILABLE,
    "certificate_expired": GuaranteeError.DOCS_CERTIFICATE_EXPIRED,
    "consent_expired": GuaranteeError.DOCS_CONSENT_EXPIRED,
}


def document_error(exc: AdapterError) -> GuaranteeError:
    return ADAPTER_ERRORS.get(exc.code, GuaranteeError.DOCS_REFUSED)


def _is_person(name_text: str, ci: str, identities: list[Identity]) -> bool:
    """``name_text`` and ``ci`` are one of these identities: the same verified name and the same
    connecting identifier (compared as keyed hashes, in constant time)."""
    name = doc_rules.person_name(name_text)
    if not name or not ci:
        return False
    ci_index = blind_index(ci, purpose="guarantee.ci").encode()
    return any(
        doc_rules.person_name(identity.name) == name and hmac.compare_digest(identity.ci_index.encode(), ci_index)
        for identity in identities
        if identity.ci_index and identity.name
    )


def _is_representative(registration: dict[str, Any], identities: list[Identity]) -> bool:
    """The registration names one of these identities as its representative."""
    return _is_person(
        str(registration.get("representative", "")), str(registration.get("representative_ci", "")), identities
    )


def _is_chief_executive(corporate_registration: dict[str, Any], registration: dict[str, Any]) -> bool:
    """The corporate registration names the business registration's representative as one of the
    company's representative directors (대표이사): the same name and connecting identifier (the
    business registration's representative has already been matched with the applicant)."""
    name = doc_rules.person_name(str(registration.get("representative", "")))
    ci = str(registration.get("representative_ci", ""))
    directors = corporate_registration.get("directors")
    if not name or not ci or not isinstance(directors, list):
        return False
    return any(
        isinstance(d, dict)
        and d.get("role") == corporate.CHIEF_EXECUTIVE
        and doc_rules.person_name(str(d.get("name", ""))) == name
        and hmac.compare_digest(str(d.get("representative_ci", "")).encode(), ci.encode())
        for d in directors
    )


def confirm_chief_executive(
    app: Application,
    corporate_registration: dict[str, Any] | None,
    registration: dict[str, Any],
    *,
    actor: User,
    why: str,
) -> None:
    """Refuse (auditing ``why`` as a failed representative check) unless the corporate
    registration names the business registration's representative as a 대표이사; then drop
    the directors' identifiers, compared and not needed again."""
    if corporate_registration is None:
        raise GuaranteeError.CORPORATE_REGISTRATION_UNREADABLE.error()
    if not _is_chief_executive(corporate_registration, registration):
        record(GuaranteeEvent.NOT_REPRESENTATIVE, app, reason=why, actor=actor)
        raise GuaranteeError.NOT_CHIEF_EXECUTIVE.error()
    _without_identifiers(corporate_registration)


def _without_identifiers(corporate_registration: dict[str, Any]) -> dict[str, Any]:
    """The corporate registration as it is kept: no director's connecting identifier."""
    directors = corporate_registration.get("directors")
    if isinstance(directors, list):
        corporate_registration["directors"] = [
            {k: v for k, v in d.items() if k != "representative_ci"} if isinstance(d, dict) else d for d in directors
        ]
    return corporate_registration


def _fetch(app: Application, kind: str, subject: str, actor: User) -> dict[str, Any] | None:
    """One document of the application's business, with the applicant's consent (no transaction
    open, no row locked); None when the service's answer does not have it."""
    try:
        token = clients.consent_token(app.brn, subject, (kind,))
        fetched = clients.fetch_documents(token)
    except AdapterError as exc:
        record(GuaranteeEvent.DOCUMENTS_FAILED, app, new={"code": exc.code, "kinds": [kind]}, actor=actor)
        raise document_error(exc).error() from None
    found = next((d for d in fetched if isinstance(d, dict) and d.get("kind") == kind), None)
    if found is None:
        code = "no_registration" if kind == doc_rules.REGISTRATION else f"no_{kind}"
        record(GuaranteeEvent.DOCUMENTS_FAILED, app, new={"code": code}, actor=actor)
    return found


def _store(app: Application, kind: str, data: dict[str, Any]) -> None:
    app.documents.filter(kind=kind).delete()
    Document.objects.create(
        application=app,
        kind=kind,
        source=Document.Source.FETCHED,
        issued_on=day(data.get("issued_on")),
        data=data,
        sha256=hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest(),
    )


def _mismatches_today(actor: User) -> int:
    since = timezone.now() - timedelta(days=1)
    return AuditEvent.objects.filter(actor=actor, event=GuaranteeEvent.NOT_REPRESENTATIVE, at__gte=since).count()


def confirm_business(app: Application, *, consent: bool, actor: User, today: date | None = None) -> Application:
    """Fetch the registration of the application's business and hold the business for this
    application if the applicant is its representative; refuse (and fetch nothing else) if not."""
    today = today or timezone.localdate()
    app = own(actor, app)
    if app.state not in EDITABLE:
        raise GuaranteeError.NOT_EDITABLE.error()
    if not consent:
        raise GuaranteeError.CONSENT_REQUIRED.error("consent")
    if not app.brn:
        raise GuaranteeError.BRN_FIRST.error()
    identities = list(Identity.objects.filter(user=actor))
    if not identities:
        raise GuaranteeError.SIMPLE_AUTH_REQUIRED.error()
    if _mismatches_today(actor) >= MAX_MISMATCHES_PER_DAY:
        raise GuaranteeError.TOO_MANY_CHECKS.denied()
    number = app.brn
    company = brn_rules.is_corporation(number)
    subject = identities[0].subject_index
    # the outside calls: no transaction open, no row locked
    registration = _fetch(app, doc_rules.REGISTRATION, subject, actor)
    if registration is None:
        raise GuaranteeError.REGISTRATION_UNREADABLE.error()
    if not _is_representative(registration, identities):
        # neither the certificate nor its contents are kept or shown: it is someone else's business
        record(
            GuaranteeEvent.NOT_REPRESENTATIVE,
            app,
            reason="business registration names another representative",
            actor=actor,
        )
        raise GuaranteeError.NOT_REPRESENTATIVE.error()
    corporate_registration = None
    if company:
        # only now, for the person the business registration names: it lists every director
        corporate_registration = _fetch(app, doc_rules.CORPORATE_REGISTRATION, subject, actor)
        confirm_chief_executive(
            app,
            corporate_registration,
            registration,
            actor=actor,
            why="corporate registration names no such representative director",
        )
    registration.pop("representative_ci", None)  # compared; not needed again
    try:
        with transaction.atomic():
            app = own(actor, app, lock=True)
            if app.state not in EDITABLE or app.brn != number:  # changed in another tab meanwhile
                raise GuaranteeError.NOT_EDITABLE.error()
            _store(app, doc_rules.REGISTRATION, registration)
            if corporate_registration is not None:
                _store(app, doc_rules.CORPORATE_REGISTRATION, corporate_registration)
            now = timezone.now()
            app.business_consent_at = now
            app.business_consent_text = str(business_consent_text(company=company))  # as the applicant read it
            app.business_confirmed_at = now
            app.business_name = str(registration.get("business_name", ""))[:100]
            app.save()
            recheck_documents(app, today)
            record(GuaranteeEvent.BUSINESS_CONFIRMED, app, actor=actor)
    except IntegrityError:
        _refuse_second(app, actor)
    return app


def _refuse_second(app: Application, actor: User) -> None:
    """The business already has an application in progress: say whose (the applicant is its
    representative, so this tells them nothing about anyone else's business)."""
    other = (
        Application.objects.filter(brn_index=app.brn_index, business_confirmed_at__isnull=False, state__in=OPEN)
        .exclude(pk=app.pk)
        .first()
    )
    record(
        GuaranteeEvent.BUSINESS_HAS_APPLICATION,
        app,
        new={"held_by": other.reference if other is not None else ""},
        reason="one application in progress per business",
        actor=actor,
    )
    if other is not None and other.applicant_id == actor.pk:
        raise GuaranteeError.BUSINESS_HAS_YOUR_APPLICATION.error(ref=other.reference)
    raise GuaranteeError.BUSINESS_HAS_APPLICATION.error()
