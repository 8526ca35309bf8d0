"""The tax and credit documents: fetched with the applicant's consent once the registration
has shown they represent the business (``business.py``), or uploaded instead. A company's
(법인) shareholder register and financial statements are fetched with them (never uploaded).

The call to the document service is made with no transaction open; what it returns is checked
(``engine/documents.py``: dates, consistency, bounds) and stored afterwards under the row lock.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from seoul.core.adapters.http import AdapterError
from seoul.core.engine import brn as brn_rules
from seoul.core.engine import text as text_rules
from seoul.core.models import User
from seoul.guarantee.actions._base import day, own, recheck_documents, record
from seoul.guarantee.actions.business import document_error
from seoul.guarantee.adapters import clients
from seoul.guarantee.engine import documents as doc_rules
from seoul.guarantee.engine.states import EDITABLE
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.labels import documents_consent_text
from seoul.guarantee.models import Application, Document, Identity

UPLOAD_ERRORS = {
    "too_large": GuaranteeError.UPLOAD_TOO_LARGE,
    "empty": GuaranteeError.UPLOAD_EMPTY,
    "not_pdf_or_image": GuaranteeError.UPLOAD_NOT_PDF_OR_IMAGE,
    "name_does_not_match_content": GuaranteeError.UPLOAD_NAME_MISMATCH,
}


def _editable_confirmed(app: Application) -> None:
    if app.state not in EDITABLE:
        raise GuaranteeError.NOT_EDITABLE.error()
    if app.business_confirmed_at is None:
        raise GuaranteeError.BUSINESS_FIRST.error()


def fetch_documents(app: Application, *, consent: bool, actor: User, today: date | None = None) -> list[dict[str, str]]:
    """Fetch the tax and credit documents with the applicant's consent; returns the problems
    found in the whole set (empty: all good)."""
    today = today or timezone.localdate()
    app = own(actor, app)
    _editable_confirmed(app)
    if not consent:
        raise GuaranteeError.CONSENT_REQUIRED.error("consent")
    identity = Identity.objects.filter(user=actor).first()
    if identity is None:
        raise GuaranteeError.SIMPLE_AUTH_REQUIRED.error()
    number = app.brn
    kinds = doc_rules.after_registration(number)  # a company's shareholder register and statements too
    try:  # the outside call: no transaction open, no row locked
        token = clients.consent_token(number, identity.subject_index, kinds)
        fetched = [d for d in clients.fetch_documents(token) if isinstance(d, dict)]
    except AdapterError as exc:
        record(
            GuaranteeEvent.DOCUMENTS_FAILED,
            app,
            new={"code": exc.code, "kinds": list(kinds)},
            actor=actor,
        )
        raise document_error(exc).error() from None
    docs = [d for d in fetched if d.get("kind") in kinds]
    with transaction.atomic():
        app = own(actor, app, lock=True)
        _editable_confirmed(app)
        if app.brn != number:  # changed in another tab meanwhile: these documents are of another business
            raise GuaranteeError.NOT_EDITABLE.error()
        app.documents.filter(kind__in=kinds).delete()
        for d in docs:
            Document.objects.create(
                application=app,
                kind=str(d["kind"]),
                source=Document.Source.FETCHED,
                issued_on=day(d.get("issued_on")),
                data=d,
                sha256=hashlib.sha256(json.dumps(d, sort_keys=True, ensure_ascii=False).encode()).hexdigest(),
            )
        problems = recheck_documents(app, today)
        app.consent_at = timezone.now()
        # as the applicant read it
        app.consent_text = str(documents_consent_text(company=brn_rules.is_corporation(number)))
        app.documents_fetched = not problems and {d["kind"] for d in docs} >= set(doc_rules.UPLOADABLE)
        app.save()
        record(
            GuaranteeEvent.DOCUMENTS_FETCHED,
            app,
            new={"kinds": [d.get("kind") for d in docs], "problems": [p.as_json() for p in problems]},
            actor=actor,
        )
    return [p.as_json() for p in problems]


def _file_name(name: str) -> str:
    """The uploaded file's name as shown to examiners: no control or direction characters."""
    return "".join(c for c in name if not text_rules.forbidden_characters(c, multiline=False))[-120:]


def upload_document(app: Application, kind: str, name: str, content: bytes, *, actor: User) -> Document:
    """Upload one tax document instead of having it fetched (an examiner then checks the file)."""
    app = own(actor, app)
    if kind not in doc_rules.UPLOADABLE:
        raise GuaranteeError.UPLOAD_KIND.error("kind")
    real, problems = doc_rules.check_upload(content, name)
    if problems:
        raise ValidationError({"file": [UPLOAD_ERRORS[p].error() for p in problems]})
    with transaction.atomic():
        app = own(actor, app, lock=True)
        _editable_confirmed(app)
        app.documents.filter(kind=kind).delete()
        doc = Document.objects.create(
            application=app,
            kind=kind,
            source=Document.Source.UPLOADED,
            content=content,
            content_type=real or "",
            file_name=_file_name(name),
            sha256=hashlib.sha256(content).hexdigest(),
        )
        recheck_documents(app, timezone.localdate())
        app.documents_fetched = False
        app.save(update_fields=["documents_fetched"])
        record(
            GuaranteeEvent.DOCUMENT_UPLOADED,
            app,
            new={"kind": kind, "content_type": real, "bytes": len(content)},
            actor=actor,
        )
        return doc
