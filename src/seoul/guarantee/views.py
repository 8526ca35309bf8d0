"""Pages of the guarantee service: the applicant's journey (one question per page, the business
confirmed and documents fetched first, check your answers, confirmation, status) and the
examiners' queue and file.

Every page that runs an action does it through ``core.flow`` (refusals land on the form's
fields); every application is found through the reader's scope (``selectors``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seoul.core import audit
from seoul.core.access import public, require_role, signed_in
from seoul.core.engine import brn as brn_rules
from seoul.core.exports import csv_response
from seoul.core.flow import button_action, form_action, form_status
from seoul.core.http import AuthedRequest
from seoul.core.models import User
from seoul.core.personal_data import Reason, need_reason
from seoul.core.roles import Role, Service
from seoul.core.templatetags.seoul import krw
from seoul.guarantee import actions, selectors
from seoul.guarantee.actions import claim_payments
from seoul.guarantee.adapters.clients import BANKS
from seoul.guarantee.engine import documents as doc_rules
from seoul.guarantee.engine.catalogue import catalogue
from seoul.guarantee.engine.checklist import STEPS, Item
from seoul.guarantee.engine.states import EDITABLE, Actor, Event, State, allowed_events
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.events import GuaranteeEvent, GuaranteePurpose
from seoul.guarantee.forms import (
    AgreementForm,
    BusinessConsentForm,
    DocumentsConsentForm,
    RecoveryForm,
    RecoveryPlanForm,
    RenewalForm,
    ReviewForm,
    SendForm,
    SignInForm,
    SubrogationForm,
    UploadForm,
    WriteOffForm,
    question_form,
)
from seoul.guarantee.labels import (
    BUSINESS_STATUS,
    DOCUMENT_FIELDS,
    DOCUMENT_KINDS,
    MONEY_FIELDS,
    PROBLEM_LABELS,
    STEP_LABELS,
    decline_words,
    item_words,
    reason_words,
)
from seoul.guarantee.models import Application, Certificate, Claim, Subrogation

QUESTIONS = list(actions.QUESTIONS)
# The journey, step by step: the business number, the business confirmed from its registration
# (the applicant is its representative), the tax and credit documents, then the rest — so what
# decides eligibility is known before the applicant answers anything else.
FLOW = [*STEPS, "check"]


def _posted(request: HttpRequest) -> Any:
    """The form data of a POST (even an empty one: a button or an unticked box), else None."""
    return request.POST if request.method == "POST" else None


def step_url(app: Application, step: str) -> str:
    if step in QUESTIONS:
        return reverse("guarantee:question", args=[app.reference, step])
    return reverse(f"guarantee:{step}", args=[app.reference])


def _next(app: Application, step: str, changing: bool) -> str:
    """Where the applicant goes after ``step``: the next step, or back to "check your answers"
    after a change (a new business number must first be confirmed)."""
    if step == "brn" and app.business_confirmed_at is None:
        return step_url(app, "business") + ("?change=1" if changing else "")
    if changing:
        return step_url(app, "check")
    return step_url(app, FLOW[FLOW.index(step) + 1])


def _back(app: Application, step: str) -> str:
    i = FLOW.index(step)
    return step_url(app, FLOW[i - 1]) if i else reverse("guarantee:mine")


def _steps(step: str) -> dict[str, int]:
    return {"step": FLOW.index(step) + 1, "steps": len(FLOW)}


def _items(app: Application, items: list[Item]) -> list[dict[str, str]]:
    """Checklist items as the page lists them: words, and a link to where each is fixed."""
    return [
        {"words": item_words(i.step, i.code, i.kind), "url": step_url(app, i.step), "step": i.step, "code": i.code}
        for i in items
    ]


KIND_ORDER = {kind: i for i, kind in enumerate((*doc_rules.REQUIRED, doc_rules.CREDIT_REPORT))}


def _documents(app: Application) -> list[Any]:
    """The application's documents in the order the journey fetches them."""
    return sorted(app.documents.all(), key=lambda d: (KIND_ORDER.get(d.kind, 99), d.pk))


def _blockers(app: Application, steps: tuple[str, ...]) -> list[Item]:
    """What at these steps rules the application out (not what is merely still missing)."""
    return [
        i
        for i in selectors.checklist(app, timezone.localdate())
        if i.step in steps and i.code not in ("missing", "not_confirmed")
    ]


def _own_editable(request: AuthedRequest, reference: str) -> Application | HttpResponse:
    app = selectors.own_application(request.user, reference)
    if app.state not in EDITABLE:
        return redirect("guarantee:status", reference=reference)
    return app


@public
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    cat = catalogue()
    name = "name_en" if (translation.get_language() or "ko").startswith("en") else "name_ko"
    return render(
        request,
        "guarantee/start.html",
        {
            "products": cat.products.values(),
            "min_credit_score": cat.min_credit_score,
            "excluded": ", ".join(cat.industries[code][name] for code in sorted(cat.excluded_industries)),
            "max_balance": cat.max_total_guarantee_balance,
        },
    )


# --- simple authentication -------------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next") or request.session.get("guarantee_next", "")
    ok = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return str(target) if target and ok else reverse("guarantee:mine")


@public
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(_posted(request))

    def begin(d: dict[str, Any]) -> None:
        tx = actions.start_simple_auth(d["provider"], d["name"], d["phone"])
        request.session["guarantee_auth"] = {"tx": tx, "provider": d["provider"]}
        request.session["guarantee_next"] = _safe_next(request)

    done = form_action(request, form, begin, then=reverse("guarantee:sign_in_wait"))
    return done or render(request, "guarantee/sign_in.html", {"form": form}, status=form_status(form))


@public
@require_http_methods(["GET", "POST"])
def sign_in_wait(request: HttpRequest) -> HttpResponse:
    pending = request.session.get("guarantee_auth")
    if not pending:
        return redirect("guarantee:sign_in")
    form = SendForm(_posted(request))

    def finish(_d: dict[str, Any]) -> Any:
        signed = request.user if isinstance(request.user, User) else None
        user = actions.finish_simple_auth(pending["tx"], pending["provider"], actor=signed)
        request.session.pop("guarantee_auth", None)
        target = request.session.pop("guarantee_next", "") or reverse("guarantee:mine")
        login(request, user, backend="seoul.core.backends.UserWithRolesBackend")
        return target

    done = form_action(request, form, finish, then=lambda target: str(target))
    return done or render(request, "guarantee/sign_in_wait.html", {"form": form}, status=form_status(form))


# --- the applicant's journey -------------------------------------------------------------------


@signed_in
@require_GET
def mine(request: AuthedRequest) -> HttpResponse:
    apps = list(selectors.own_applications(request.user))
    return render(request, "guarantee/mine.html", {"applications": apps})


@signed_in
@require_POST
def new(request: AuthedRequest) -> HttpResponse:
    app = actions.start_application(actor=request.user)
    return redirect("guarantee:question", reference=app.reference, field=QUESTIONS[0])


@signed_in
@require_http_methods(["GET", "POST"])
def question(request: AuthedRequest, reference: str, field: str) -> HttpResponse:
    found = _own_editable(request, reference)
    if isinstance(found, HttpResponse):
        return found
    app = found
    if field not in QUESTIONS:
        return redirect("guarantee:question", reference=reference, field=QUESTIONS[0])
    changing = request.GET.get("change") == "1"
    today = timezone.localdate()
    initial: Any = getattr(app, field)
    if field == "brn" and initial:
        initial = brn_rules.formatted(initial)
    if field == "amount" and initial:
        initial = str(initial // 10_000)
    choices = selectors.product_choices(app, today) if field in ("product", "amount") else []
    offered = [(c.product.code, c) for c in choices if not c.reasons]
    form = question_form(
        field,
        initial=initial,
        data=request.POST if request.method == "POST" else None,
        products=[(code, code) for code, _c in offered],
    )
    done = form_action(
        request,
        form,
        lambda d: actions.save_answer(app, field, str(d[field] or ""), actor=request.user),
        then=lambda saved: _next(saved, field, changing),
    )
    if done:
        return done
    product = catalogue().products.get(app.product)
    limit = next((c.limit for c in choices if c.product.code == app.product), None)
    return render(
        request,
        "guarantee/question.html",
        {
            "app": app,
            "form": form,
            "field": field,
            "bound": form[field],
            "offered": dict(offered),
            "unavailable": [c for c in choices if c.reasons],
            "reasons": {c.product.code: reason_words(c.reasons) for c in choices},
            "product": product,
            "limit": limit,
            "back": _back(app, field),
            **_steps(field),
        },
        status=form_status(form),
    )


@signed_in
@require_http_methods(["GET", "POST"])
def business(request: AuthedRequest, reference: str) -> HttpResponse:
    """The business registration, fetched first: is the applicant its representative?"""
    found = _own_editable(request, reference)
    if isinstance(found, HttpResponse):
        return found
    app = found
    if not app.brn:
        return redirect("guarantee:question", reference=reference, field="brn")
    changing = request.GET.get("change") == "1"
    form = BusinessConsentForm(_posted(request), company=brn_rules.is_corporation(app.brn))
    done = form_action(
        request,
        form,
        lambda d: actions.confirm_business(app, consent=d["consent"], actor=request.user),
        # a business no guarantee can cover is told so here, before anything else is fetched
        then=lambda confirmed: (
            step_url(confirmed, "business")
            if _blockers(confirmed, ("business",))
            else _next(confirmed, "business", changing)
        ),
        success=_("We fetched your business registration certificate: you are its representative."),
    )
    if done:
        return done
    app.refresh_from_db()
    registration = app.documents.filter(kind=doc_rules.REGISTRATION).first()
    blockers = [i for i in _blockers(app, ("business",)) if not i.kind]
    return render(
        request,
        "guarantee/business.html",
        {
            "app": app,
            "form": form,
            "brn": brn_rules.formatted(app.brn),
            "has_identity": selectors.has_identity(request.user),
            "existing": selectors.own_open_for_business(request.user, app),
            "registration": registration,
            "rows": _document_rows(registration.data if registration else None, keys=BUSINESS_FIELDS),
            "problems": _problems(registration.problems) if registration else [],
            "blockers": _items(app, blockers),
            "sign_in_url": reverse("guarantee:sign_in") + "?next=" + request.path,
            "back": _back(app, "business"),
            **_steps("business"),
        },
        status=form_status(form),
    )


BUSINESS_FIELDS = ("business_name", "representative", "opened_on", "address", "industry", "status")


@signed_in
@require_http_methods(["GET", "POST"])
def documents(request: AuthedRequest, reference: str) -> HttpResponse:
    found = _own_editable(request, reference)
    if isinstance(found, HttpResponse):
        return found
    app = found
    if app.business_confirmed_at is None:
        return redirect("guarantee:business", reference=reference)
    changing = request.GET.get("change") == "1"
    form = DocumentsConsentForm(_posted(request), company=brn_rules.is_corporation(app.brn))

    def fetched(problems: list[dict[str, str]]) -> str:
        if problems or _blockers(app, ("business", "documents")):  # the page says what and why, first
            return step_url(app, "documents") + ("?change=1" if changing else "")
        messages.success(request, _("Your documents were fetched and checked."))
        return _next(app, "documents", changing)

    done = form_action(
        request, form, lambda d: actions.fetch_documents(app, consent=d["consent"], actor=request.user), then=fetched
    )
    if done:
        return done
    app.refresh_from_db()
    return _documents_page(request, app, consent=form, upload=UploadForm(), status=form_status(form))


def _documents_page(
    request: AuthedRequest, app: Application, *, consent: DocumentsConsentForm, upload: UploadForm, status: int
) -> HttpResponse:
    today = timezone.localdate()
    docs = [(DOCUMENT_KINDS.get(d.kind, d.kind), d, _problems(d.problems)) for d in _documents(app)]
    return render(
        request,
        "guarantee/documents.html",
        {
            "app": app,
            "docs": docs,
            "consent": consent,
            "upload": upload,
            "blockers": _items(app, _blockers(app, ("business", "documents"))),
            "choices": [c for c in selectors.product_choices(app, today) if not c.reasons],
            "next_url": _next(app, "documents", request.GET.get("change") == "1"),
            "back": _back(app, "documents"),
            **_steps("documents"),
        },
        status=status,
    )


def _problems(problems: list[dict[str, str]] | None) -> list[tuple[str, Any]]:
    """A document's problems as (code, words), each once."""
    codes = dict.fromkeys(str(p.get("code", "")) for p in problems or [])
    return [(code, PROBLEM_LABELS.get(code, PROBLEM_LABELS["invalid_value"])) for code in codes]


@signed_in
@require_POST
def upload(request: AuthedRequest, reference: str) -> HttpResponse:
    found = _own_editable(request, reference)
    if isinstance(found, HttpResponse):
        return found
    app = found
    form = UploadForm(request.POST, request.FILES)

    def store(d: dict[str, Any]) -> Any:
        f = d["file"]
        # read at most one byte more than allowed: enough to know it is too large
        content = f.read(doc_rules.MAX_UPLOAD_BYTES + 1)
        return actions.upload_document(app, d["kind"], f.name or "", content, actor=request.user)

    done = form_action(
        request,
        form,
        store,
        then=step_url(app, "documents"),
        success=_("The document was uploaded. An examiner will check it."),
    )
    if done:
        return done
    return _documents_page(
        request, app, consent=DocumentsConsentForm(company=brn_rules.is_corporation(app.brn)), upload=form, status=400
    )


@signed_in
@require_http_methods(["GET", "POST"])
def check(request: AuthedRequest, reference: str) -> HttpResponse:
    app = selectors.own_application(request.user, reference)
    if app.state not in EDITABLE:
        if request.method == "POST":  # a second click, or the page open in another tab
            messages.warning(request, _("This application was already submitted."))
        return redirect("guarantee:status", reference=reference)
    form = SendForm(_posted(request))
    done = form_action(
        request,
        form,
        lambda _d: actions.submit(app, actor=request.user),
        then=reverse("guarantee:status", args=[reference]) + "?submitted=1",
    )
    if done:
        return done
    app.refresh_from_db()
    if app.state not in EDITABLE:  # sent meanwhile from another tab
        messages.warning(request, _("This application was already submitted."))
        return redirect("guarantee:status", reference=reference)
    audit.record(
        GuaranteeEvent.FILE_VIEWED,
        request=request,
        target=app,
        target_label=app.reference,
        reason="own application",
        service="guarantee",
    )
    items = selectors.checklist(app, timezone.localdate())
    return render(
        request,
        "guarantee/check.html",
        {
            "app": app,
            "form": form,
            "brn": brn_rules.formatted(app.brn) if app.brn else "",
            "product": catalogue().products.get(app.product),
            "bank": BANKS.get(app.bank),
            "items": _items(app, items),
            "docs": [(DOCUMENT_KINDS.get(d.kind, d.kind), d) for d in _documents(app)],
            "change": {step: step_url(app, step) + "?change=1" for step in FLOW if step != "check"},
            "step_labels": STEP_LABELS,
            "request_for_more": selectors.latest_request_for_more(app),
            **_steps("check"),
        },
        status=form_status(form),
    )


@signed_in
@require_GET
def status(request: AuthedRequest, reference: str) -> HttpResponse:
    app = selectors.own_application(request.user, reference)
    audit.record(
        GuaranteeEvent.FILE_VIEWED,
        request=request,
        target=app,
        target_label=app.reference,
        reason="own application",
        service="guarantee",
    )
    stage, programmes = selectors.programmes_of(app)
    certificate = getattr(app, "certificate", None)
    payment = getattr(app, "payment", None)
    loan = getattr(certificate, "loan", None) if certificate else None
    claim = getattr(loan, "claim", None) if loan else None
    return render(
        request,
        "guarantee/status.html",
        {
            "app": app,
            "submitted": request.GET.get("submitted") == "1",
            "can_withdraw": Event.WITHDRAW in allowed_events(app.state, Actor.APPLICANT),
            "certificate": certificate,
            "payment": payment,
            "to_pay": payment is not None and not payment.settled and app.state == State.AGREEMENT_SIGNED,
            "declined_words": decline_words(payment.decline_code) if payment is not None else "",
            "loan": loan,
            "claim": claim,
            "claim_plan": claim.plan() if claim else [],
            "claim_due": claim_payments.due_online(claim, timezone.localdate()),
            "claim_payment": claim.payments.order_by("-number").first() if claim else None,
            "next_instalment": next((i for i in loan.schedule() if i.due >= timezone.localdate()), None)
            if loan is not None and loan.status in ("active", "arrears")
            else None,
            "stage": stage,
            "programmes": programmes,
            "decision": selectors.latest_decision(app),
            "reasons": reason_words((app.screening or {}).get("reasons", [])),
            "product": catalogue().products.get(app.product),
            "renewal": selectors.renewal_of(loan, timezone.localdate()),
        },
    )


@signed_in
@require_http_methods(["GET", "POST"])
def renew(request: AuthedRequest, reference: str) -> HttpResponse:
    """The owner asks to extend their loan's guarantee at its term: what is checked and what it
    costs, their consent to fetch the documents again, and the outcome on the status page."""
    app = selectors.own_application(request.user, reference)
    loan = getattr(getattr(app, "certificate", None), "loan", None)
    view = selectors.renewal_of(loan, timezone.localdate())
    if view is None:
        return redirect("guarantee:status", reference=reference)
    company = brn_rules.is_corporation(app.brn)
    form = RenewalForm(_posted(request), company=company)

    def said(renewal: Any) -> str:
        if renewal.status == "sent":
            messages.success(request, _("The foundation extended your guarantee. The bank will now extend the loan."))
        else:
            messages.warning(request, _("The guarantee could not be extended. The reasons are below."))
        return reverse("guarantee:status", args=[reference]) + "#renewal"

    done = form_action(
        request,
        form,
        lambda d: actions.request_renewal(
            app, consent=d["consent"], actor=request.user, callback_url=_callback(request)
        ),
        then=said,
    )
    if done:
        return done
    return render(
        request,
        "guarantee/renew.html",
        {"app": app, "form": form, "renewal": view, "loan": loan, "company": company},
        status=form_status(form),
    )


def _document_rows(data: dict[str, Any] | None, *, keys: tuple[str, ...] | None = None) -> list[tuple[Any, str]]:
    """A fetched document's fields as a person reads them: labels, words and won, not keys."""
    rows: list[tuple[Any, str]] = []
    industries = catalogue().industries
    english = (translation.get_language() or "ko").startswith("en")
    for key, value in (data or {}).items():
        if key == "kind" or key not in DOCUMENT_FIELDS or (keys is not None and key not in keys):
            continue  # the document's title already says its kind; unknown keys are not shown raw
        if isinstance(value, bool):
            shown = _("Yes") if value else _("No")
        elif key == "sales_by_year" and isinstance(value, dict):
            shown = " · ".join(f"{year}: {krw(amount)}" for year, amount in sorted(value.items()))
        elif key in MONEY_FIELDS and isinstance(value, int):
            shown = krw(value)
        elif key == "industry":
            names = industries.get(str(value), {})
            shown = names.get("name_en" if english else "name_ko", _("Other industry"))
        elif key == "status":
            shown = str(BUSINESS_STATUS.get(str(value), _("Unknown")))
        else:
            shown = "—" if value is None else str(value)
        rows.append((DOCUMENT_FIELDS[key], shown))
    return rows


def _callback(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("api:guarantee_bank_webhook"))


@signed_in
@require_http_methods(["GET", "POST"])
def agreement(request: AuthedRequest, reference: str) -> HttpResponse:
    app = selectors.own_application(request.user, reference)
    if app.state != State.APPROVED:
        return redirect("guarantee:status", reference=reference)
    form = AgreementForm(_posted(request))

    def signed(payment: Any) -> str:
        if not payment.settled:  # the certificate waits for the fee: the status page asks for it
            messages.success(
                request, _("Signed. Now pay the guarantee fee: the certificate is issued once it is paid.")
            )
            return reverse("guarantee:status", args=[reference]) + "#fee"
        cert = Certificate.objects.get(application_id=payment.application_id)  # sent when the signature committed
        if cert.bank_status == "pending":
            messages.warning(request, _("Signed. The bank has not confirmed the certificate yet; we will keep trying."))
        else:
            messages.success(request, _("Signed. The guarantee certificate was sent to the bank."))
        return reverse("guarantee:status", args=[reference])

    done = form_action(
        request,
        form,
        lambda d: actions.sign_agreement(app, agreed=d["agree"], actor=request.user, callback_url=_callback(request)),
        then=signed,
    )
    if done:
        return done
    english = (translation.get_language() or "ko").startswith("en")
    return render(
        request,
        "guarantee/agreement.html",
        {
            "app": app,
            "form": form,
            "terms": actions.terms_text(app),
            "translation": actions.terms_in_english(app) if english else "",
            "fee_to_pay": 0
            if (app.screening or {}).get("fee_paid_by_city")
            else int((app.screening or {}).get("fee", 0)),
            "product": catalogue().products.get(app.product),
        },
        status=form_status(form),
    )


def _webhook_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("api:guarantee_payments_webhook"))


@signed_in
@require_GET
def pay(request: AuthedRequest, reference: str) -> HttpResponse:
    """Pay the guarantee fee: off to the payment gateway's checkout page (the applicant comes
    back to :func:`payment_return`); a gateway that does not answer is said on the status page.

    A GET, reached by a link, as metro's card page: the platform's CSP has ``form-action
    'self'``, which blocks a form POST redirected to another origin. Repeating it is harmless:
    the attempt's order is made once (its idempotency key), and a declined payment moves to its
    next attempt once."""
    app = selectors.own_application(request.user, reference)
    status_url = reverse("guarantee:status", args=[reference]) + "#fee"
    return button_action(
        request,
        lambda: actions.start_payment(
            app,
            actor=request.user,
            return_url=request.build_absolute_uri(reverse("guarantee:payment_return", args=[reference])),
            webhook_url=_webhook_url(request),
        ),
        then=lambda checkout_url: HttpResponseRedirect(str(checkout_url)),
        back=status_url,
    )


@signed_in
@require_GET
def payment_return(request: AuthedRequest, reference: str) -> HttpResponse:
    """Back from the payment gateway: the result it signed is applied (the webhook may have
    been first; either way the fee is recorded once), and the status page says what happened."""
    app = selectors.own_application(request.user, reference)

    def said(payment: Any) -> str:
        if payment.settled:
            cert = Certificate.objects.filter(application_id=payment.application_id).first()  # sent on commit
            if cert is not None and cert.bank_status == "pending":
                messages.warning(
                    request,
                    _(
                        "The guarantee fee was paid. The bank has not confirmed the certificate yet; we will keep trying."
                    ),
                )
            else:
                messages.success(
                    request, _("The guarantee fee was paid. The guarantee certificate was sent to the bank.")
                )
            return reverse("guarantee:status", args=[reference])
        if payment.status in ("declined", "failed"):
            messages.error(
                request,
                _("The guarantee fee was not paid: %(why)s You were not charged; you can pay again.")
                % {"why": decline_words(payment.decline_code)},
            )
        return reverse("guarantee:status", args=[reference]) + "#fee"

    return button_action(
        request,
        lambda: actions.payment_returned(app, request.GET.dict(), actor=request.user, callback_url=_callback(request)),
        then=said,
        back=reverse("guarantee:status", args=[reference]) + "#fee",
    )


@signed_in
@require_GET
def claim_pay(request: AuthedRequest, reference: str) -> HttpResponse:
    """Pay what is due on the claim online: off to the gateway's checkout page (a GET reached by
    a link, as the fee's: the CSP's ``form-action 'self'`` blocks a form POST redirected away)."""
    app = selectors.own_application(request.user, reference)
    return button_action(
        request,
        lambda: actions.start_claim_payment(
            app,
            actor=request.user,
            return_url=request.build_absolute_uri(reverse("guarantee:claim_pay_return", args=[reference])),
            webhook_url=_webhook_url(request),
        ),
        then=lambda checkout_url: HttpResponseRedirect(str(checkout_url)),
        back=reverse("guarantee:status", args=[reference]) + "#claim",
    )


@signed_in
@require_GET
def claim_pay_return(request: AuthedRequest, reference: str) -> HttpResponse:
    """Back from paying the claim online: the signed result applied, the status page says it."""
    app = selectors.own_application(request.user, reference)

    def said(payment: Any) -> str:
        if payment.status == "paid" and payment.outcome == "recovered":
            messages.success(request, _("Your payment was received. Thank you."))
        elif payment.status == "paid":
            messages.warning(
                request, _("Your payment was received, but you owed less by then: the foundation will refund it.")
            )
        elif payment.status in ("declined", "failed"):
            messages.error(
                request,
                _("The payment was not made: %(why)s You were not charged; you can pay again.")
                % {"why": decline_words(payment.decline_code)},
            )
        return reverse("guarantee:status", args=[reference]) + "#claim"

    return button_action(
        request,
        lambda: actions.claim_payment_returned(app, request.GET.dict(), actor=request.user),
        then=said,
        back=reverse("guarantee:status", args=[reference]) + "#claim",
    )


@signed_in
@require_POST
def resend(request: AuthedRequest, reference: str) -> HttpResponse:
    app = selectors.own_application(request.user, reference)
    return button_action(
        request,
        lambda: actions.resend_certificate(app, actor=request.user, callback_url=_callback(request)),
        then=reverse("guarantee:status", args=[reference]),
        success=_("The bank has received the certificate."),
    )


@signed_in
@require_POST
def withdraw(request: AuthedRequest, reference: str) -> HttpResponse:
    app = selectors.own_application(request.user, reference)
    return button_action(
        request,
        lambda: actions.withdraw(app, actor=request.user),
        then=reverse("guarantee:status", args=[reference]),
        success=_("Your application was withdrawn."),
    )


# --- examiners -------------------------------------------------------------------------------------


def _file_reason(request: HttpRequest, app: Application) -> Reason:
    """Why the examiner opens this file (asked once per file per session)."""
    return need_reason(
        request,
        app,
        purposes=GuaranteePurpose,
        title=_("Guarantee file %(ref)s") % {"ref": app.reference},
        back=reverse("guarantee:file", args=[app.reference]),
    )


@require_role(Service.GUARANTEE, Role.OPERATOR)
@require_GET
def queue(request: AuthedRequest) -> HttpResponse:
    filters = selectors.QueueFilter.of(request.GET)
    items = selectors.queue(request.user, timezone.now(), filters)
    query = request.GET.get("brn", "").strip()[:20]
    found: list[Any] | None = None
    error = ""
    if query:
        try:
            number = brn_rules.validate(query)
        except brn_rules.InvalidBRN:
            error = _("This business registration number is not valid: check it for a typing error.")
        else:
            found = selectors.find_by_brn(request.user, number)
            # the number itself is not written to the log, only that a search was made and its hits
            audit.record(
                GuaranteeEvent.FILE_SEARCHED,
                request=request,
                new={"hits": [a.reference for a in found]},
                reason="search by business registration number",
                service="guarantee",
            )
    cat = catalogue()
    context = {
        "items": items,
        "filters": filters,
        "states": [(s.value, Application.States(s.value).label) for s in selectors.QUEUE_STATES],
        "products": list(cat.products.values()),
        "sorts": [
            ("-age", _("Waiting longest first")),
            ("age", _("Waiting shortest first")),
            ("-amount", _("Largest amount first")),
            ("amount", _("Smallest amount first")),
            ("reference", _("Reference")),
        ],
        "sla_hours": int(selectors.SLA.total_seconds() // 3600),
        "found": found,
        "query": query,
        "error": error,
    }
    template = "guarantee/_queue_table.html" if request.headers.get("HX-Request") else "guarantee/queue.html"
    return render(request, template, context, status=400 if error else 200)


@require_role(Service.GUARANTEE, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def file(request: AuthedRequest, reference: str) -> HttpResponse:
    """A file with its documents: personal data, so it needs a stated reason."""
    app = selectors.institution_file(request.user, reference)
    reason = _file_reason(request, app)
    form = ReviewForm(_posted(request))
    done = form_action(
        request,
        form,
        lambda d: actions.review(
            app,
            d["decision"],
            d["comment"],
            amount=d["amount"] * 10_000 if d.get("amount") else None,
            actor=request.user,
        ),
        then=reverse("guarantee:queue"),
        success=_("Decision recorded for %(ref)s.") % {"ref": reference},
    )
    if done:
        return done
    app.refresh_from_db()
    audit.record(
        GuaranteeEvent.FILE_VIEWED,
        request=request,
        target=app,
        target_label=app.reference,
        reason=str(reason),
        service="guarantee",
    )
    stage, programmes = selectors.programmes_of(app)
    return render(
        request,
        "guarantee/file.html",
        {
            "app": app,
            "brn": brn_rules.formatted(app.brn) if app.brn else "",
            "docs": [
                (DOCUMENT_KINDS.get(d.kind, d.kind), d, _document_rows(d.data), _problems(d.problems))
                for d in _documents(app)
            ],
            "reviews": app.reviews.select_related("examiner"),
            "form": form,
            "stage": stage,
            "programmes": programmes,
            "product": catalogue().products.get(app.product),
            "bank": BANKS.get(app.bank),
            "can_decide": app.state == State.REFERRED,
            "refer_reasons": reason_words((app.screening or {}).get("refer_reasons", [])),
            "reasons": reason_words((app.screening or {}).get("reasons", [])),
        },
        status=form_status(form),
    )


@require_role(Service.GUARANTEE, Role.OPERATOR)
@require_GET
def document(request: AuthedRequest, reference: str, pk: int) -> HttpResponse:
    """An uploaded document of a file, as an attachment; needs a stated reason like the file."""
    app, doc = selectors.uploaded_document(request.user, reference, pk)
    reason = _file_reason(request, app)
    audit.record(
        GuaranteeEvent.FILE_VIEWED,
        request=request,
        target=app,
        target_label=app.reference,
        reason=str(reason),
        new={"document": doc.kind},
        service="guarantee",
    )
    response = HttpResponse(bytes(doc.content or b""), content_type=doc.content_type or "application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{app.reference}-{doc.kind}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---- after a default: the foundation's review, its payment and the claim ---------------------


@require_role(Service.GUARANTEE, Role.OPERATOR)
@require_GET
def defaults(request: AuthedRequest) -> HttpResponse:
    """Defaulted loans of the reader's institution: the reviews to decide first, then the claims."""
    status = request.GET.get("status", "")
    sort = request.GET.get("sort", "opened")
    items = list(selectors.defaults(request.user, status=status, sort=sort))
    statuses = [
        *Subrogation.Status.choices,
        ("claim_open", _("Claim being recovered")),
        ("claim_closed", _("Claim closed")),
    ]
    return render(
        request,
        "guarantee/defaults.html",
        {
            "items": items,
            "status": status,
            "sort": sort,
            "statuses": statuses,
            "sorts": [
                ("opened", _("Oldest default first")),
                ("-opened", _("Newest default first")),
                ("-amount", _("Largest amount first")),
                ("amount", _("Smallest amount first")),
            ],
        },
    )


DEFAULT_FORMS = {
    "decide": SubrogationForm,
    "plan": RecoveryPlanForm,
    "recover": RecoveryForm,
    "write_off": WriteOffForm,
}


@require_role(Service.GUARANTEE, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def default(request: AuthedRequest, reference: str) -> HttpResponse:
    """One defaulted loan: the figures, the approver's decision, the payment to the bank, the
    claim with its plan, recoveries and write-off, and the loan's ledger. Personal data: it
    needs a stated reason like the file."""
    sub = selectors.default_file(request.user, reference)
    loan = sub.loan
    app = loan.certificate.application
    reason = _file_reason(request, app)
    claim = Claim.objects.filter(loan=loan).first()
    which = request.POST.get("form", "") if request.method == "POST" else ""
    forms_ = {name: cls(request.POST if name == which else None, prefix=name) for name, cls in DEFAULT_FORMS.items()}
    here = reverse("guarantee:default", args=[reference])
    callback = _callback(request)

    def on_claim(act: Callable[[Claim], Any]) -> Any:
        if claim is None:
            raise GuaranteeError.CLAIM_CLOSED.error()
        return act(claim)

    runs: dict[str, Any] = {
        "decide": lambda d: actions.decide_subrogation(
            sub, approve=d["decision"] == "approve", note=d["note"], actor=request.user, callback_url=callback
        ),
        "plan": lambda d: on_claim(
            lambda c: actions.set_recovery_plan(
                c, months=d["months"], first_due=d["first_due"], note=d["note"], actor=request.user
            )
        ),
        "recover": lambda d: on_claim(
            lambda c: actions.record_recovery(c, amount=d["amount"], on=d["on"], note=d["note"], actor=request.user)
        ),
        "write_off": lambda d: on_claim(
            lambda c: actions.write_off_claim(c, reason=d["reason"], note=d["note"], actor=request.user)
        ),
    }
    if which == "resend":
        return button_action(
            request,
            lambda: actions.resend_subrogation(sub, actor=request.user, callback_url=callback),
            then=here,
            success=_("The payment was sent to the bank again."),
        )
    if which in runs:
        done = form_action(request, forms_[which], runs[which], then=here, success=_("Recorded."))
        if done:
            return done
    audit.record(
        GuaranteeEvent.FILE_VIEWED,
        request=request,
        target=app,
        target_label=app.reference,
        reason=str(reason),
        new={"page": "default"},
        service="guarantee",
    )
    approver = request.user.has_role(Service.GUARANTEE, Role.APPROVER)
    ledger = list(loan.ledger.all())
    return render(
        request,
        "guarantee/default.html",
        {
            "sub": sub,
            "loan": loan,
            "app": app,
            "claim": claim,
            "plan": claim.plan() if claim else [],
            "movements": claim.movements.select_related("recorded_by") if claim else [],
            "limitation_ends": claim.book().limitation_ends() if claim else None,
            "ledger": ledger,
            "forms": forms_,
            "approver": approver,
            "product": catalogue().products.get(app.product),
        },
        status=400 if which and any(f.errors for f in forms_.values()) else 200,
    )


REPORT_COLUMNS = (
    "product",
    "year",
    "issued",
    "guaranteed",
    "loans",
    "outstanding",
    "guarantee_balance",
    "defaults",
    "default_rate",
    "subrogation_paid",
    "recovered",
    "written_off",
    "recovery_rate",
)


@require_role(Service.GUARANTEE, Role.VIEWER)
@require_GET
def report(request: AuthedRequest) -> HttpResponse:
    """The guarantee book by product and year of issue (figures only); ``?format=csv`` downloads it."""
    rows = selectors.book_report()
    if request.GET.get("format") == "csv":
        audit.record(GuaranteeEvent.REPORT_DOWNLOADED, request=request, new={"rows": len(rows)}, service="guarantee")
        return csv_response(
            "guarantee-book.csv", REPORT_COLUMNS, ([r.as_dict()[c] for c in REPORT_COLUMNS] for r in rows)
        )
    products = catalogue().products
    return render(
        request,
        "guarantee/report.html",
        {"rows": [(r, products.get(r.product)) for r in rows]},
    )
