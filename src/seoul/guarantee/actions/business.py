"""Who may apply for a business: its representative, and one application at a time.

The business registration certificate is fetched first, with the applicant's consent: it is
the document that names the representative (name and connecting identifier). It is compared
with the applicant's simple-authentication identity — the verified name and the hash of the
CI the provider gave; never a resident registration number. On a mismatch the application
stops there: nothing else is fetched, the certificate is not kept (it describes someone
else's business), and the refusal is audited. On a match the application holds the business
(a database constraint allows one application in progress per confirmed business), and only
then may the tax and credit documents be fetched (``documents.py``).

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
from seoul.core.models import AuditEvent, User
from seoul.guarantee.actions._base import day, own, recheck_documents, record
from seoul.guarantee.adapters import clients
from seoul.guarantee.engine import documents as doc_rules
from seoul.guarantee.engine.states import EDITABLE, OPEN
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.labels import BUSINESS_CONSENT_TEXT
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


def _is_representative(registration: dict[str, Any], identities: list[Identity]) -> bool:
    """The registration names one of these identities as its representative: the same verified
    name and the same connecting identifier (compared as keyed hashes, in constant time)."""
    name = doc_rules.person_name(str(registration.get("representative", "")))
    ci = str(registration.get("representative_ci", ""))
    if not name or not ci:
        return False
    ci_index = blind_index(ci, purpose="guarantee.ci").encode()
    return any(
        doc_rules.person_name(identity.name) == name and hmac.compare_digest(identity.ci_index.encode(), ci_index)
        for identity in identities
        if identity.ci_index and identity.name
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
    # the outside call: no transaction open, no row locked
    try:
        token = clients.consent_token(number, identities[0].subject_index, (doc_rules.REGISTRATION,))
        fetched = clients.fetch_documents(token)
    except AdapterError as exc:
        record(
            GuaranteeEvent.DOCUMENTS_FAILED, app, new={"code": exc.code, "kinds": [doc_rules.REGISTRATION]}, actor=actor
        )
        raise document_error(exc).error() from None
    registration = next((d for d in fetched if isinstance(d, dict) and d.get("kind") == doc_rules.REGISTRATION), None)
    if registration is None:
        record(GuaranteeEvent.DOCUMENTS_FAILED, app, new={"code": "no_registration"}, actor=actor)
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
    registration.pop("representative_ci", None)  # compared; not needed again
    try:
        with transaction.atomic():
            app = own(actor, app, lock=True)
            if app.state not in EDITABLE or app.brn != number:  # changed in another tab meanwhile
                raise GuaranteeError.NOT_EDITABLE.error()
            app.documents.filter(kind=doc_rules.REGISTRATION).delete()
            Document.objects.create(
                application=app,
                kind=doc_rules.REGISTRATION,
                source=Document.Source.FETCHED,
                issued_on=day(registration.get("issued_on")),
                data=registration,
                sha256=hashlib.sha256(
                    json.dumps(registration, sort_keys=True, ensure_ascii=False).encode()
                ).hexdigest(),
            )
            now = timezone.now()
            app.business_consent_at = now
            app.business_consent_text = str(BUSINESS_CONSENT_TEXT)  # as the applicant read it
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
