"""Reads of the guarantee service for pages and the API.

Every record is found through the reader's scope: an applicant's own applications
(:func:`own_application`), an examiner's institution's files (:func:`institution_files`);
outside it, a 404 that does not say whether the record exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from seoul.core.crypto import blind_index
from seoul.core.engine import brn as brn_rules
from seoul.core.models import User
from seoul.guarantee.adapters.clients import BANKS
from seoul.guarantee.engine import checklist as checklist_rules
from seoul.guarantee.engine import documents as doc_rules
from seoul.guarantee.engine import renewal as renewal_rules
from seoul.guarantee.engine import reports
from seoul.guarantee.engine.catalogue import Product, catalogue
from seoul.guarantee.engine.loanbook import share
from seoul.guarantee.engine.screening import business_reasons, guaranteed_of, limit_of, product_eligibility
from seoul.guarantee.engine.states import OPEN, State
from seoul.guarantee.labels import OTHER_REASON, RENEWAL_REASONS
from seoul.guarantee.models import (
    Application,
    BudgetPool,
    Certificate,
    Document,
    Identity,
    Loan,
    Renewal,
    Review,
    Subrogation,
)

# Service-level target: a referred file is decided within two days of referral.
SLA = timedelta(hours=48)


def own_applications(user: User) -> QuerySet[Application]:
    return Application.objects.filter(applicant=user).order_by("-created_at")


def own_application(user: User, reference: str) -> Application:
    """The applicant's own file; anyone else's is a 404, not a 403 (no hint that it exists)."""
    app = Application.objects.filter(applicant=user, reference=reference).first()
    if app is None:
        raise Http404("no such application")
    return app


def institution_files(user: User) -> QuerySet[Application]:
    """The files an examiner may open: their institution's, once sent (drafts are the
    applicant's own until then)."""
    qs = Application.objects.select_related("institution", "applicant").exclude(state=State.DRAFT)
    if not user.is_platform_admin:
        qs = qs.filter(institution_id=user.institution_id) if user.institution_id else qs.none()
    return qs


def institution_file(user: User, reference: str) -> Application:
    app = institution_files(user).filter(reference=reference).first()
    if app is None:
        raise Http404("no such file in your institution")
    return app


def uploaded_document(user: User, reference: str, pk: int) -> tuple[Application, Document]:
    """An uploaded document of a file of the examiner's institution (a 404 otherwise)."""
    app = institution_file(user, reference)
    doc = app.documents.filter(pk=pk, source=Document.Source.UPLOADED).exclude(content=None).first()
    if doc is None or not doc.content:
        raise Http404("no such uploaded document")
    return app, doc


def checklist(app: Application, today: date) -> list[checklist_rules.Item]:
    """What must change before the applicant can send ``app``."""
    return app.checklist(today, frozenset(BANKS))


def own_open_for_business(user: User, app: Application) -> Application | None:
    """Another application of the applicant's own in progress for the same business, if any."""
    if not app.brn_index:
        return None
    return (
        own_applications(user)
        .filter(brn_index=app.brn_index, business_confirmed_at__isnull=False, state__in=sorted(s.value for s in OPEN))
        .exclude(pk=app.pk)
        .first()
    )


def has_identity(user: User) -> bool:
    """Whether the person signed in by simple authentication at least once (the business's
    representative is checked against that identity)."""
    return Identity.objects.filter(user=user).exists()


def company_of(app: Application, today: date) -> doc_rules.CompanySummary | None:
    """The company's facts (법인: its corporate registration, largest shareholders and last
    statements) of an application for a company, once its corporate registration is fetched."""
    if not brn_rules.is_corporation(app.brn):
        return None
    fetched = app.documents.filter(source=Document.Source.FETCHED, kind__in=doc_rules.CORPORATE)
    return doc_rules.company_summary([d.data for d in fetched if d.data], today)


def latest_decision(app: Application) -> Review | None:
    """The examiner's latest decision the applicant must read (a refusal or a request for more
    information, with its reason), or None."""
    return (
        app.reviews.exclude(decision=Review.Decision.APPROVE).order_by("-at", "-pk").first()
        if app.state in (State.REJECTED, State.MORE_INFO)
        else None
    )


def latest_request_for_more(app: Application) -> Review | None:
    """What the examiner asked for, while the application waits for it."""
    if app.state != State.MORE_INFO:
        return None
    return app.reviews.filter(decision=Review.Decision.REQUEST_MORE).order_by("-at", "-pk").first()


@dataclass(frozen=True)
class ProductChoice:
    product: Product
    limit: int | None  # the most the business may borrow with it (None: not known yet)
    reasons: list[str]  # why the business cannot have it (empty: it can)


def product_choices(app: Application, today: date) -> list[ProductChoice]:
    """Every product with what the business's documents say about it."""
    business = app.business(today)
    facts = app.facts(today)
    out = []
    for product in catalogue().products.values():
        reasons = (
            (business_reasons(business) + product_eligibility(business, facts, product, today)) if business else []
        )
        if not product.in_effect(today) and "product_not_in_effect" not in reasons:
            reasons.append("product_not_in_effect")
        left = BudgetPool.remaining_for(product.code)
        if left is not None and left < guaranteed_of(product.min_amount, product):
            reasons.append("pool_used_up")
        limit = limit_of(facts, product) if facts is not None and facts.sales_last_year is not None else None
        out.append(ProductChoice(product, limit, reasons))
    return out


@dataclass(frozen=True)
class QueueItem:
    app: Application
    age: timedelta
    remaining: timedelta
    overdue: bool
    approvals: int

    @property
    def product(self) -> Product | None:
        return catalogue().products.get(self.app.product)

    @property
    def age_hours(self) -> int:
        return int(self.age.total_seconds() // 3600)


# What the queue can show (by state) and how it can be ordered.
QUEUE_STATES = (State.REFERRED, State.MORE_INFO, State.APPROVED, State.REJECTED)
QUEUE_SORTS = ("age", "-age", "amount", "-amount", "reference")


@dataclass(frozen=True)
class QueueFilter:
    state: str = State.REFERRED  # one of QUEUE_STATES, or "" for all of them
    product: str = ""
    overdue: bool = False
    sort: str = "-age"  # oldest first

    @classmethod
    def of(cls, params: Any) -> QueueFilter:
        """From a request's query string; anything unknown falls back to the default."""
        state = params.get("state", State.REFERRED)
        product = params.get("product", "")
        sort = params.get("sort", "-age")
        return cls(
            state=state if state in QUEUE_STATES or state == "" else State.REFERRED,
            product=product if product in catalogue().products else "",
            overdue=params.get("overdue") == "1",
            sort=sort if sort in QUEUE_SORTS else "-age",
        )


QUEUE_FIELDS = (
    "reference",
    "state",
    "product",
    "amount",
    "institution",
    "referred_at",
    "submitted_at",
    "created_at",
    "state_changed_at",
)


def queue(user: User, now: datetime, filters: QueueFilter | None = None) -> list[QueueItem]:
    """Files of the examiner's institution against the decision target (referred files must be
    decided within ``SLA`` of referral): referred ones, oldest first, unless filtered otherwise."""
    f = filters or QueueFilter()
    qs = institution_files(user).filter(state__in=[f.state] if f.state else list(QUEUE_STATES))
    if f.product:
        qs = qs.filter(product=f.product)
    qs = qs.annotate(approvals=Count("reviews", filter=Q(reviews__decision="approve", reviews__current=True)))
    # what the queue shows: no decryption of identifiers, no documents or screening to parse
    qs = qs.select_related(None).only(*QUEUE_FIELDS)
    items = []
    for app in qs.order_by("referred_at", "pk"):
        since = (
            (app.referred_at or app.submitted_at or app.created_at)
            if app.state == State.REFERRED
            else app.state_changed_at
        )
        age = now - since
        overdue = app.state == State.REFERRED and age > SLA
        items.append(QueueItem(app, age, SLA - age, overdue, int(app.approvals)))
    if f.overdue:
        items = [i for i in items if i.overdue]
    key = f.sort.lstrip("-")
    if key == "amount":
        items.sort(key=lambda i: (i.app.amount or 0, i.app.reference), reverse=f.sort.startswith("-"))
    elif key == "reference":
        items.sort(key=lambda i: i.app.reference)
    else:
        items.sort(key=lambda i: (i.age, i.app.reference), reverse=f.sort.startswith("-"))
    return items


def find_by_brn(user: User, number: str) -> list[Application]:
    """Files of the examiner's institution for one business (exact match via the blind index)."""
    qs = institution_files(user).filter(brn_index=blind_index(number, purpose="guarantee.brn"))
    return list(qs.order_by("-created_at")[:50])


def products() -> list[dict[str, Any]]:
    return [
        {
            "code": p.code,
            "name_ko": p.name_ko,
            "name_en": p.name_en,
            "coverage": p.coverage,
            "fee_rate": p.fee_rate,
            "max_amount": p.max_amount,
            "min_amount": p.min_amount,
            "min_months": p.min_months,
            "max_months": p.max_months,
        }
        for p in catalogue().products.values()
    ]


def programmes_of(app: Application) -> tuple[SimpleNamespace | None, list[SimpleNamespace]]:
    """The recommended life-cycle stage and programmes (objects, for the ``loc`` filter)."""
    if not app.lifecycle:
        return None, []
    cat = catalogue()
    codes = set(app.lifecycle.get("programmes", []))
    stage = cat.stages.get(app.lifecycle.get("stage", ""))
    return (
        SimpleNamespace(**stage) if stage else None,
        [SimpleNamespace(**p) for p in cat.programmes if p["code"] in codes],
    )


#: How the defaults worklist may be sorted (oldest default first by default).
DEFAULT_SORTS = ("-opened", "opened", "-amount", "amount")


def defaults(user: User, *, status: str = "", sort: str = "opened") -> QuerySet[Subrogation]:
    """Defaulted loans of the reader's institution, with their review and claim."""
    qs = Subrogation.objects.select_related("loan__certificate__application", "loan__claim", "decided_by").filter(
        loan__certificate__application__in=institution_files(user)
    )
    if status in Subrogation.Status.values:
        qs = qs.filter(status=status)
    elif status in ("claim_open", "claim_closed"):
        open_ = status == "claim_open"
        qs = qs.filter(loan__claim__isnull=False)
        qs = qs.filter(loan__claim__status="open") if open_ else qs.exclude(loan__claim__status="open")
    key = sort if sort in DEFAULT_SORTS else "opened"
    field = {"opened": "opened_at", "amount": "amount"}[key.lstrip("-")]
    return qs.order_by(("-" if key.startswith("-") else "") + field, "pk")


def default_file(user: User, reference: str) -> Subrogation:
    """The default review of a file of the reader's institution (a 404 otherwise)."""
    found = defaults(user).filter(loan__certificate__application__reference=reference).first()
    if found is None:
        raise Http404("no such default in your institution")
    return found


def book_report() -> list[reports.Row]:
    """The guarantee book by product and year of issue (``engine/reports.py``): figures only,
    no personal data, for the foundation's staff and the city."""
    items = []
    for cert in Certificate.objects.select_related("application", "loan", "loan__claim"):
        loan = getattr(cert, "loan", None)
        claim = getattr(loan, "claim", None) if loan else None
        items.append(
            reports.Guarantee(
                product=cert.application.product,
                year=timezone.localtime(cert.issued_at).year,
                guaranteed=cert.guaranteed_amount,
                paid_out=loan is not None,
                outstanding=loan.outstanding if loan else 0,
                guarantee_balance=loan.guarantee_balance if loan else 0,
                defaulted=bool(loan and loan.status in ("defaulted", "subrogated")),
                subrogated=loan.subrogated if loan else 0,
                recovered=claim.recovered if claim else 0,
                written_off=claim.written_off if claim else 0,
            )
        )
    return reports.by_product_and_year(items)


@dataclass(frozen=True)
class RenewalView:
    """What the owner's status page says about extending the loan at its term."""

    term: date
    extensions: int
    max_extensions: int
    opens: date
    can_ask: bool
    latest: Renewal | None
    reasons: list[tuple[str, str]]
    estimated_fee: int


def renewal_of(loan: Loan | None, today: date) -> RenewalView | None:
    """The loan's extension at term as its owner sees it (None: its product does not extend
    loans). ``can_ask``: the window is open, the loan is being repaid normally, extensions are
    left and none is waiting for the bank."""
    if loan is None:
        return None
    product = catalogue().products.get(loan.certificate.application.product)
    rules, term = (product.renewal if product else None), loan.term
    if rules is None or term is None:
        return None
    opens, closes = renewal_rules.window(rules, term)
    latest = loan.renewals.order_by("-number").first()
    with_bank = latest is not None and latest.status == Renewal.Status.SENT
    codes = [] if latest is None else [*latest.assessment.get("refusals", []), *latest.assessment.get("conditions", [])]
    params = {"opens": opens.isoformat(), "days": rules.window_days, "months": rules.arrears_lookback_months}
    additional = bool((loan.certificate.application.screening or {}).get("fee_additional"))
    rate = Decimal(str(product.fee_rate_for(additional=additional))) if product else Decimal(0)
    return RenewalView(
        term=term,
        extensions=loan.extensions,
        max_extensions=rules.max_extensions,
        opens=opens,
        can_ask=opens <= today <= closes
        and loan.status == "active"
        and loan.extensions < rules.max_extensions
        and not with_bank,
        latest=latest,
        reasons=[(code, str(RENEWAL_REASONS.get(code, OTHER_REASON)) % params) for code in codes],
        estimated_fee=renewal_rules.fee_for(
            rate, share(Decimal(str(loan.certificate.coverage)), loan.outstanding), rules.extension_months
        ),
    )
