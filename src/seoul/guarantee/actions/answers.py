"""The applicant's answers: one question per page, each saved at once so they can stop and
come back. An answer that the business's documents already rule out (a guarantee its age does
not allow, an amount above its limit) is refused when it is given, not after sending."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from seoul.core.engine import brn as brn_rules
from seoul.core.engine.phone import digits, is_mobile
from seoul.core.models import Institution, User
from seoul.core.validation import check_text
from seoul.guarantee.actions._base import INSTITUTION, own, record, won
from seoul.guarantee.adapters import clients
from seoul.guarantee.engine.catalogue import catalogue
from seoul.guarantee.engine.screening import business_reasons, limit_of, product_eligibility
from seoul.guarantee.engine.states import EDITABLE
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.models import Application

QUESTIONS = ("brn", "product", "amount", "bank", "phone", "email")
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_MANWON = 10_000_000  # 1,000억 원 in units of 10,000 won: far above any product, below any overflow


def start_application(*, actor: User) -> Application:
    """A new draft of the signed-in person's own."""
    if not actor.is_authenticated:
        raise GuaranteeError.NOT_YOURS.denied()
    with transaction.atomic():
        for _attempt in range(5):
            ref = f"SG-{timezone.localdate():%y%m}-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
            if not Application.objects.filter(reference=ref).exists():
                break
        app = Application.objects.create(
            reference=ref,
            applicant=actor,
            institution=Institution.objects.get(code=INSTITUTION),
            phone=actor.phone or "",
        )
        record(GuaranteeEvent.DRAFT_STARTED, app, actor=actor)
        return app


def clean_answer(field: str, value: str) -> Any:
    """A valid answer, or a ValidationError on ``field`` with a message for the person."""
    if field not in QUESTIONS:
        raise GuaranteeError.UNKNOWN_QUESTION.error()
    value = check_text(value, field, max_length=200, min_length=0)
    if field == "brn":
        try:
            return brn_rules.validate(value)
        except brn_rules.InvalidBRN as exc:
            code = GuaranteeError.BRN_CHECK_DIGIT if exc.code == "check_digit" else GuaranteeError.BRN_FORMAT
            raise code.error(field) from None
    if field == "product":
        if value not in catalogue().products:
            raise GuaranteeError.PRODUCT_REQUIRED.error(field)
        return value
    if field == "amount":
        manwon = value.replace(",", "").replace(" ", "")
        if not (manwon.isascii() and manwon.isdigit()) or not 0 < int(manwon) <= MAX_MANWON:
            raise GuaranteeError.AMOUNT_FORMAT.error(field)
        return int(manwon) * 10_000  # asked in units of 10,000 won (만 원)
    if field == "bank":
        if value not in clients.BANKS:
            raise GuaranteeError.BANK_REQUIRED.error(field)
        return value
    if field == "phone":
        if not is_mobile(value):
            raise GuaranteeError.PHONE_MOBILE.error(field)
        return digits(value)
    # e-mail, optional
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise GuaranteeError.EMAIL_INVALID.error(field) from None
    return value


def _check_against_documents(app: Application, field: str, cleaned: Any, today: date) -> None:
    """Refuse a guarantee or an amount the business's documents already rule out."""
    product = catalogue().products.get(cleaned if field == "product" else app.product)
    if product is None:
        return
    business = app.business(today)
    if (
        field == "product"
        and business is not None
        and (business_reasons(business) or product_eligibility(business, app.facts(today), product, today))
    ):
        raise GuaranteeError.PRODUCT_NOT_FOR_BUSINESS.error(field)
    if field == "amount":
        if not product.min_amount <= cleaned <= product.max_amount:
            raise GuaranteeError.AMOUNT_RANGE.error(field, lo=won(product.min_amount), hi=won(product.max_amount))
        facts = app.facts(today)
        if facts is not None and facts.sales_last_year is not None:
            limit = limit_of(facts, product)
            if cleaned > limit:
                raise GuaranteeError.AMOUNT_ABOVE_LIMIT.error(field, limit=won(limit))


def save_answer(app: Application, field: str, value: str, *, actor: User, today: date | None = None) -> Application:
    """Save one answer of the applicant's own editable application."""
    cleaned = clean_answer(field, value)
    today = today or timezone.localdate()
    with transaction.atomic():
        app = own(actor, app, lock=True)
        if app.state not in EDITABLE:
            raise GuaranteeError.NOT_EDITABLE.error()
        _check_against_documents(app, field, cleaned, today)
        if field == "brn" and cleaned != app.brn:
            # another business: its documents, its confirmation and the consents no longer apply
            app.documents.all().delete()
            app.documents_fetched = False
            app.business_name = ""
            app.business_confirmed_at = app.business_consent_at = app.consent_at = None
            app.business_consent_text = app.consent_text = ""
        setattr(app, field, cleaned)
        app.save()
        record(GuaranteeEvent.DRAFT_SAVED, app, new={"question": field}, actor=actor)
        return app
