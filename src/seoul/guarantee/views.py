"""Pages of the guarantee service: the applicant's journey (one question per page, check your
answers, confirmation, status) and the examiners' queue and file."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seoul.core import audit
from seoul.core.access import ask_reason, personal_data_reason, public, require_role, signed_in
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.core.templatetags.seoul import krw
from seoul.guarantee import actions, selectors
from seoul.guarantee.adapters import clients
from seoul.guarantee.adapters.http import AdapterError
from seoul.guarantee.engine import brn as brn_rules
from seoul.guarantee.engine import documents as doc_rules
from seoul.guarantee.engine.catalogue import catalogue
from seoul.guarantee.engine.states import EDITABLE, Actor, State, TransitionError, allowed_events
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.forms import (
    BUSINESS_STATUS,
    DOCUMENT_FIELDS,
    DOCUMENT_KINDS,
    MONEY_FIELDS,
    REASON_LABELS,
    ReviewForm,
    SignInForm,
    UploadForm,
    question_form,
)

QUESTIONS = ["brn", "product", "amount", "bank", "phone", "email"]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@public
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "guarantee/start.html", {"products": catalogue().products.values()})


# --- simple authentication -------------------------------------------------------------------


@public
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            tx = clients.start_auth(d["provider"], d["name"], d["phone"])
        except AdapterError as exc:
            form.add_error(
                None, _("The authentication provider did not accept the request (%(code)s).") % {"code": exc.code}
            )
        else:
            request.session["guarantee_auth"] = {"tx": tx, "provider": d["provider"]}
            return redirect("guarantee:sign_in_wait")
    return render(request, "guarantee/sign_in.html", {"form": form}, status=400 if form.errors else 200)


@public
@require_http_methods(["GET", "POST"])
def sign_in_wait(request: HttpRequest) -> HttpResponse:
    pending = request.session.get("guarantee_auth")
    if not pending:
        return redirect("guarantee:sign_in")
    error = ""
    if request.method == "POST":
        try:
            result = clients.auth_status(pending["tx"])
        except AdapterError:
            result = clients.AuthResult(status="error")
        if result.status == "completed":
            user = actions.complete_simple_auth(result, pending["provider"])
            request.session.pop("guarantee_auth", None)
            login(request, user, backend="seoul.core.backends.UserWithRolesBackend")
            return redirect("guarantee:mine")
        error = {
            "pending": _("You have not approved the request in your app yet."),
            "declined": _("The request was declined in your app. Start again."),
        }.get(result.status, _("The authentication provider is not answering. Try again."))
    return render(request, "guarantee/sign_in_wait.html", {"error": error}, status=400 if error else 200)


# --- the applicant's journey -------------------------------------------------------------------


@signed_in
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    apps = list(selectors.own_applications(_user(request)))
    return render(request, "guarantee/mine.html", {"applications": apps})


@signed_in
@require_POST
def new(request: HttpRequest) -> HttpResponse:
    app = actions.start_application(_user(request))
    return redirect("guarantee:question", reference=app.reference, field=QUESTIONS[0])


def _next_url(app: Any, field: str, changing: bool) -> str:
    if changing:
        return reverse("guarantee:check", args=[app.reference])
    i = QUESTIONS.index(field)
    if i + 1 < len(QUESTIONS):
        return reverse("guarantee:question", args=[app.reference, QUESTIONS[i + 1]])
    return reverse("guarantee:documents", args=[app.reference])


@signed_in
@require_http_methods(["GET", "POST"])
def question(request: HttpRequest, reference: str, field: str) -> HttpResponse:
    app = selectors.own_application(_user(request), reference)
    if field not in QUESTIONS:
        return redirect("guarantee:question", reference=reference, field=QUESTIONS[0])
    if app.state not in EDITABLE:
        return redirect("guarantee:status", reference=reference)
    changing = request.GET.get("change") == "1"
    initial: Any = getattr(app, field)
    if field == "brn" and initial:
        initial = brn_rules.formatted(initial)
    if field == "amount" and initial:
        initial = str(initial // 10_000)
    form = question_form(field, initial=initial, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_answer(_user(request), app, field, str(form.cleaned_data["value"] or ""))
        except ValidationError as exc:
            form.add_error("value", exc.messages)
        else:
            return redirect(_next_url(app, field, changing))
    i = QUESTIONS.index(field)
    back = reverse("guarantee:question", args=[reference, QUESTIONS[i - 1]]) if i else reverse("guarantee:mine")
    return render(
        request,
        "guarantee/question.html",
        {"app": app, "form": form, "field": field, "step": i + 1, "steps": len(QUESTIONS) + 2, "back": back},
        status=400 if form.errors else 200,
    )


@signed_in
@require_http_methods(["GET", "POST"])
def documents(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    app = selectors.own_application(user, reference)
    if app.state not in EDITABLE:
        return redirect("guarantee:status", reference=reference)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            problems = actions.fetch_documents(user, app, consent=request.POST.get("consent") == "yes")
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 400
        else:
            if not problems:
                messages.success(request, _("Your documents were fetched and checked."))
                return redirect("guarantee:check", reference=reference)
            status = 400
        app.refresh_from_db()
    return _documents_page(request, app, error=error, status=status)


def _documents_page(request: HttpRequest, app: Any, *, status: int = 200, **extra: Any) -> HttpResponse:
    docs = [(DOCUMENT_KINDS.get(d.kind, d.kind), d) for d in app.documents.all()]
    context = {"app": app, "docs": docs, "upload": UploadForm(), "consent_text": actions.CONSENT_TEXT, **extra}
    return render(request, "guarantee/documents.html", context, status=status)


@signed_in
@require_POST
def upload(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    app = selectors.own_application(user, reference)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        f = form.cleaned_data["file"]
        # read at most one byte more than allowed: enough to know it is too large
        content = f.read(doc_rules.MAX_UPLOAD_BYTES + 1)
        try:
            actions.upload_document(user, app, form.cleaned_data["kind"], f.name or "", content)
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            messages.success(request, _("The document was uploaded. An examiner will check it."))
            return redirect("guarantee:documents", reference=reference)
    return _documents_page(request, app, upload=form, status=400)


@signed_in
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    app = selectors.own_application(user, reference)
    if app.state not in EDITABLE:
        if request.method == "POST":  # a second click, or the page open in another tab
            messages.warning(request, _("This application was already submitted."))
        return redirect("guarantee:status", reference=reference)
    error = ""
    if request.method == "POST":
        try:
            actions.submit(user, app)
        except TransitionError:
            messages.warning(request, _("This application was already submitted."))
            return redirect("guarantee:status", reference=reference)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect(reverse("guarantee:status", args=[reference]) + "?submitted=1")
    audit.record(
        GuaranteeEvent.FILE_VIEWED,
        request=request,
        target=app,
        target_label=app.reference,
        reason="own application",
        service="guarantee",
    )
    missing = actions.missing_answers(app)
    product = catalogue().products.get(app.product)
    return render(
        request,
        "guarantee/check.html",
        {
            "app": app,
            "brn": brn_rules.formatted(app.brn) if app.brn else "",
            "product": product,
            "missing": missing,
            "docs": [(DOCUMENT_KINDS.get(d.kind, d.kind), d) for d in app.documents.all()],
            "error": error,
        },
        status=400 if error else 200,
    )


@signed_in
@require_GET
def status(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    app = selectors.own_application(user, reference)
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
    return render(
        request,
        "guarantee/status.html",
        {
            "app": app,
            "submitted": request.GET.get("submitted") == "1",
            "can_withdraw": "withdraw" in [e.value for e in allowed_events(app.state, Actor.APPLICANT)],
            "certificate": certificate,
            "loan": getattr(certificate, "loan", None) if certificate else None,
            "stage": stage,
            "programmes": programmes,
            "reviews": [r for r in app.reviews.all() if r.decision != "approve"],
            "reasons": _labels((app.screening or {}).get("reasons", [])),
            "product": catalogue().products.get(app.product),
        },
    )


def _document_rows(data: dict[str, Any] | None) -> list[tuple[Any, str]]:
    """A fetched document's fields as an examiner reads them: labels, words and won, not keys."""
    rows: list[tuple[Any, str]] = []
    industries = catalogue().industries
    for key, value in (data or {}).items():
        if key == "kind":
            continue  # the document's title already says it
        if isinstance(value, bool):
            shown = _("Yes") if value else _("No")
        elif key == "sales_by_year" and isinstance(value, dict):
            shown = " · ".join(f"{year}: {krw(amount)}" for year, amount in sorted(value.items()))
        elif key in MONEY_FIELDS and isinstance(value, int):
            shown = krw(value)
        elif key == "industry":
            names = industries.get(str(value), {})
            shown = names.get("name_ko" if translation.get_language() == "ko" else "name_en", str(value))
        elif key == "status":
            shown = str(BUSINESS_STATUS.get(str(value), value))
        else:
            shown = "—" if value is None else str(value)
        rows.append((DOCUMENT_FIELDS.get(key, key), shown))
    return rows


def _labels(codes: list[str]) -> list[tuple[str, Any]]:
    return [(code, REASON_LABELS.get(code, code)) for code in codes]


def _callback(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("api:guarantee_bank_webhook"))


@signed_in
@require_http_methods(["GET", "POST"])
def agreement(request: HttpRequest, reference: str) -> HttpResponse:
    user = _user(request)
    app = selectors.own_application(user, reference)
    if app.state != State.APPROVED:
        return redirect("guarantee:status", reference=reference)
    error = ""
    if request.method == "POST":
        if request.POST.get("agree") != "yes":
            error = _("Tick the box to confirm you agree to the terms.")
        else:
            cert = actions.sign_agreement(user, app)
            result = actions.send_certificate(cert, _callback(request))
            if result in ("sent", "already"):
                messages.success(request, _("Signed. The guarantee certificate was sent to the bank."))
            else:
                messages.warning(
                    request, _("Signed. The bank has not confirmed the certificate yet; we will keep trying.")
                )
            return redirect("guarantee:status", reference=reference)
    return render(
        request,
        "guarantee/agreement.html",
        {
            "app": app,
            "terms": actions.terms_text(app),
            "product": catalogue().products.get(app.product),
            "error": error,
        },
        status=400 if error else 200,
    )


@signed_in
@require_POST
def resend(request: HttpRequest, reference: str) -> HttpResponse:
    app = selectors.own_application(_user(request), reference)
    cert = getattr(app, "certificate", None)
    if cert is not None:
        result = actions.send_certificate(cert, _callback(request))
        if result in ("sent", "already"):
            messages.success(request, _("The bank has received the certificate."))
        else:
            messages.warning(request, _("The bank is still not answering. Try again later."))
    return redirect("guarantee:status", reference=reference)


@signed_in
@require_POST
def withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    app = selectors.own_application(_user(request), reference)
    try:
        actions.withdraw(_user(request), app)
    except TransitionError:
        messages.error(request, _("This application can no longer be withdrawn."))
    else:
        messages.success(request, _("Your application was withdrawn."))
    return redirect("guarantee:status", reference=reference)


# --- examiners -------------------------------------------------------------------------------------


@require_role(Service.GUARANTEE, Role.OPERATOR)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    items = selectors.queue(user, timezone.now())
    query = request.GET.get("brn", "").strip()
    found: list[Any] | None = None
    error = ""
    if query:
        try:
            number = brn_rules.validate(query)
        except brn_rules.InvalidBRN:
            error = _("This business registration number is not valid: check it for a typing error.")
        else:
            found = selectors.find_by_brn(user, number)
            # the number itself is not written to the log, only that a search was made and its hits
            audit.record(
                GuaranteeEvent.FILE_SEARCHED,
                request=request,
                new={"hits": [a.reference for a in found]},
                reason="search by business registration number",
                service="guarantee",
            )
    return render(
        request,
        "guarantee/queue.html",
        {
            "items": items,
            "sla_hours": int(selectors.SLA.total_seconds() // 3600),
            "found": found,
            "query": query,
            "error": error,
        },
        status=400 if error else 200,
    )


@require_role(Service.GUARANTEE, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def file(request: HttpRequest, reference: str) -> HttpResponse:
    """A file with its documents: personal data, so each render needs a stated reason."""
    user = _user(request)
    app = selectors.institution_file(user, reference)
    reason = personal_data_reason(request)
    if reason is None:
        return ask_reason(request, _("Guarantee file %(ref)s") % {"ref": reference})
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                lower = form.cleaned_data.get("amount")
                actions.review(
                    user,
                    app,
                    form.cleaned_data["decision"],
                    form.cleaned_data["comment"],
                    amount=lower * 10_000 if lower else None,
                )
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            except (TransitionError, PermissionDenied) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Decision recorded for %(ref)s.") % {"ref": reference})
                return redirect("guarantee:queue")
        status = 400
        app.refresh_from_db()
    audit.record(
        GuaranteeEvent.FILE_VIEWED,
        request=request,
        target=app,
        target_label=app.reference,
        reason=reason,
        service="guarantee",
    )
    stage, programmes = selectors.programmes_of(app)
    return render(
        request,
        "guarantee/file.html",
        {
            "app": app,
            "brn": brn_rules.formatted(app.brn) if app.brn else "",
            "docs": [(DOCUMENT_KINDS.get(d.kind, d.kind), d, _document_rows(d.data)) for d in app.documents.all()],
            "reviews": app.reviews.select_related("examiner"),
            "form": form,
            "stage": stage,
            "programmes": programmes,
            "product": catalogue().products.get(app.product),
            "can_decide": app.state == State.REFERRED,
            "refer_reasons": _labels((app.screening or {}).get("refer_reasons", [])),
            "reasons": _labels((app.screening or {}).get("reasons", [])),
        },
        status=status,
    )


@require_role(Service.GUARANTEE, Role.OPERATOR)
@require_GET
def document(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """An uploaded document of a file, as an attachment; needs a stated reason like the file."""
    app = selectors.institution_file(_user(request), reference)
    doc = app.documents.filter(pk=pk, source="uploaded").first()
    if doc is None or not doc.content:
        raise Http404("no such uploaded document")
    reason = personal_data_reason(request)
    if reason is None:
        return ask_reason(request, _("Guarantee file %(ref)s") % {"ref": reference})
    audit.record(
        GuaranteeEvent.FILE_VIEWED,
        request=request,
        target=app,
        target_label=app.reference,
        reason=reason,
        new={"document": doc.kind},
        service="guarantee",
    )
    response = HttpResponse(bytes(doc.content), content_type=doc.content_type or "application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{app.reference}-{doc.kind}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
