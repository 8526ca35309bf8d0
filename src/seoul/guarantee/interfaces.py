"""What the guarantee service publishes to other services (docs/architecture.md, "Published
interfaces"): what it knows about a business the signed-in person represents.

Used by the ``business`` app (life-cycle programmes, docs/business-lifecycle.md) to build a
business profile with the representative's consent. Read only; plain frozen dataclasses, never
model instances, so the guarantee service may change its models freely.

Who may read what: only the **representative** of a business reads its record, and only through
their own account. A business is theirs when one of their own guarantee applications fetched its
business registration and the guarantee service confirmed them as the representative it names
(``actions/business.confirm_business``: the verified name and the keyed hash of the connecting
identifier against their simple-authentication identity). Asked about any other number, or by
anyone else, the functions answer ``None`` / nothing — the same as for a number the service has
never seen, so they tell nobody whether someone else's business is known here.

No audit event is written here: the subject of the data is the person asking, and the consuming
service records its own consent and audit event for what it copies (``business.profile.built``).

- :func:`businesses_of` → the businesses ``user`` represents: ``[BusinessRef(brn, business_name)]``.
- :func:`business_record` → :class:`BusinessRecord` of one of them, or ``None``:
  the registration's facts (opened on, industry, district, in Seoul, closed, an earlier closure),
  the last two years' sales from the VAT tax-base certificate, tax arrears from the latest tax
  payment certificates, and the guarantee history (each file's reference, state, product, amount,
  decision, loan paid out). Values the documents gave out of bounds are left unknown (None).

A paid-out loan's repayment standing is given as the loan book has it (``loan_status``: being
repaid, in arrears, defaulted, repaid in full); not the amounts or the events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from seoul.core.crypto import blind_index
from seoul.core.engine import brn as brn_rules
from seoul.core.models import User
from seoul.guarantee.engine import documents as doc_rules
from seoul.guarantee.engine.catalogue import catalogue
from seoul.guarantee.engine.states import OPEN, State
from seoul.guarantee.models import Application, Document

TAX_KINDS = ("national_tax_payment", "local_tax_payment")


@dataclass(frozen=True)
class BusinessRef:
    brn: str  # formatted, "123-45-67890"
    business_name: str


@dataclass(frozen=True)
class GuaranteeFile:
    reference: str
    #: ``in_progress``, ``approved`` (approved, agreement signed, certificate sent), ``paid_out``,
    #: ``refused``, ``bank_declined``, ``withdrawn`` or ``draft``.
    status: str
    state: str  # the guarantee service's own state code
    product: str
    amount: int | None  # the amount covered: approved, else asked
    submitted_on: date | None
    decided_on: date | None
    loan_amount: int | None  # paid out by the bank
    loan_paid_on: date | None
    #: How the loan is being repaid as the bank reports it: ``active``, ``arrears``, ``defaulted``,
    #: ``subrogated`` (the foundation paid the bank its share after a default) or ``closed``
    #: (repaid in full); None without a loan.
    loan_status: str | None = None


@dataclass(frozen=True)
class BusinessRecord:
    brn: str
    business_name: str
    opened_on: date | None
    industry: str
    industry_name_ko: str
    industry_name_en: str
    district: str | None  # Korean name of the Seoul district of the site, e.g. "중구"
    in_seoul: bool
    closed: bool
    prior_closure: bool
    registration_issued_on: date | None
    #: Sales by year (whole won), the last two years of the latest VAT tax-base certificate.
    sales_by_year: dict[int, int]
    sales_issued_on: date | None
    #: Arrears on the latest national or local tax payment certificate (None: never fetched).
    tax_arrears: bool | None
    files: tuple[GuaranteeFile, ...]


_STATUS = {
    State.DRAFT: "draft",
    State.APPROVED: "approved",
    State.AGREEMENT_SIGNED: "approved",
    State.CERTIFICATE_ISSUED: "approved",
    State.LOAN_EXECUTED: "paid_out",
    State.REJECTED: "refused",
    State.BANK_DECLINED: "bank_declined",
    State.WITHDRAWN: "withdrawn",
}


def _own(user: User) -> list[Application]:
    """The applications in which ``user`` was confirmed as the business's representative."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        Application.objects.filter(applicant=user, business_confirmed_at__isnull=False)
        .exclude(brn_index="")
        .order_by("-created_at", "-pk")
    )


def businesses_of(user: User) -> list[BusinessRef]:
    """The businesses ``user`` is the confirmed representative of, newest first, each once."""
    seen: dict[str, BusinessRef] = {}
    for app in _own(user):
        if app.brn_index not in seen and app.brn:
            seen[app.brn_index] = BusinessRef(brn_rules.formatted(app.brn), app.business_name)
    return list(seen.values())


def _latest(documents: list[Document], kind: str) -> Document | None:
    found = [d for d in documents if d.kind == kind and d.source == Document.Source.FETCHED and d.data]
    return max(found, key=lambda d: (d.issued_on or date.min, d.received_at), default=None)


def _day(value: datetime | None) -> date | None:
    return timezone.localdate(value) if value is not None else None


def _file(app: Application) -> GuaranteeFile:
    certificate = getattr(app, "certificate", None) if app.state == State.LOAN_EXECUTED else None
    loan = getattr(certificate, "loan", None) if certificate is not None else None
    status = _STATUS.get(State(app.state), "in_progress" if app.state in OPEN else app.state)
    return GuaranteeFile(
        reference=app.reference,
        status=status,
        state=app.state,
        product=app.product,
        amount=app.loan_amount or None,
        submitted_on=_day(app.submitted_at),
        decided_on=_day(app.decided_at),
        loan_amount=loan.amount if loan is not None else None,
        loan_paid_on=_day(loan.executed_at) if loan is not None else None,
        loan_status=loan.status if loan is not None else None,
    )


def business_record(user: User, brn: str, *, today: date | None = None) -> BusinessRecord | None:
    """What the guarantee service knows about business ``brn`` (any spelling of the number),
    if ``user`` is its confirmed representative; else None."""
    today = today or timezone.localdate()
    try:
        number = brn_rules.validate(brn)
    except brn_rules.InvalidBRN:
        return None
    index = blind_index(number, purpose="guarantee.brn")
    apps = [a for a in _own(user) if a.brn_index == index]
    if not apps:
        return None
    documents = list(
        Document.objects.filter(application__in=apps, source=Document.Source.FETCHED).order_by("-received_at")
    )
    registration = _latest(documents, doc_rules.REGISTRATION)
    reg = registration.data if registration is not None else {}
    facts = doc_rules.facts_from([reg] if reg else [], today)
    vat = _latest(documents, "vat_tax_base")
    sales: dict[int, int] = {}
    if vat is not None:
        # the years themselves, bounded by the same checks as screening's facts (out of bounds: none)
        raw = doc_rules._sales(vat.data or {}, today) or {}
        sales = {y: raw[y] for y in sorted(raw)[-2:]}
    taxes = [d for d in (_latest(documents, k) for k in TAX_KINDS) if d is not None]
    arrears = any((d.data or {}).get("arrears") is True for d in taxes) if taxes else None
    industry = str(facts.get("industry") or "")
    names = catalogue().industries.get(industry, {})
    files = tuple(
        _file(a)
        for a in Application.objects.filter(pk__in=[a.pk for a in apps])
        .select_related("certificate__loan")
        .order_by("-created_at", "-pk")
    )
    return BusinessRecord(
        brn=brn_rules.formatted(number),
        business_name=next((a.business_name for a in apps if a.business_name), ""),
        opened_on=facts.get("opened_on"),
        industry=industry,
        industry_name_ko=names.get("name_ko", industry),
        industry_name_en=names.get("name_en", industry),
        district=facts.get("district"),
        in_seoul=bool(facts.get("in_seoul")),
        closed=bool(facts.get("closed")),
        prior_closure=bool(facts.get("prior_closure")),
        registration_issued_on=registration.issued_on if registration is not None else None,
        sales_by_year=sales,
        sales_issued_on=vat.issued_on if vat is not None else None,
        tax_arrears=arrears,
        files=files,
    )
