"""Pages of the overseas-sales service (docs/overseas-sales.md): the programme (public, who may
apply said first), applying, a business's application with its products, listings (problems per
field), export documents, subsidy claims with the remaining cap and monthly sales uploads; the
officer's worklist (applications to select with scores, listings to review, claims to decide);
the KPI dashboard with its CSV."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seoul.core import audit, personal_data
from seoul.core.access import public, require_role, signed_in
from seoul.core.exports import csv_response
from seoul.core.flow import button_action, form_action, form_status
from seoul.core.http import AuthedRequest
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.overseas import actions, labels, selectors
from seoul.overseas.actions.applications import ProductData
from seoul.overseas.actions.claims import paid_to, remaining_cap
from seoul.overseas.engine import reference as ref
from seoul.overseas.events import OverseasEvent, OverseasPurpose
from seoul.overseas.forms import (
    ApplyForm,
    ClaimDecisionForm,
    ClaimForm,
    DecideForm,
    DocumentForm,
    LiveForm,
    ProductForm,
    ReturnListingForm,
    SalesForm,
    ScoreForm,
    WorklistFilterForm,
    listing_form_class,
)
from seoul.overseas.models import Application, ExportDocument, Listing, Round, SalesUpload, SubsidyClaim


def _citizen(request: AuthedRequest) -> None:
    if request.user.kind != User.Kind.CITIZEN:
        raise PermissionDenied(_("These pages are for citizens signed in with their own account."))


def _product_data(d: dict[str, Any]) -> ProductData:
    return ProductData(
        name=d["name"],
        description=d["description"],
        category=d["category"],
        price_won=d["price_won"],
        weight_g=d["weight_g"],
        hs_code=d.get("hs_code") or "",
        length_cm=d.get("length_cm"),
        width_cm=d.get("width_cm"),
        height_cm=d.get("height_cm"),
    )


def _marketplaces() -> list[dict[str, Any]]:
    return [
        {
            "code": m.code,
            "name": labels.loc(m),
            "countries": ", ".join(labels.country(c) for c in m.countries),
            "language": labels.language(m.language),
            "fields": [
                {"name": labels.loc(f), "required": f.required, "max_length": f.max_length, "max_items": f.max_items}
                for f in m.fields
            ],
        }
        for m in ref.programme().marketplaces
    ]


def _terms(round: Round) -> dict[str, Any]:
    s = round.subsidy
    return {
        "rate": s["rate_percent"],
        "cap": s["cap_won"],
        "days": s["claim_days"],
        "carriers": ", ".join(labels.loc(c) for c in ref.programme().subsidy.carriers),
    }


# ---- public ---------------------------------------------------------------------------------


@public
@require_GET
def programme(request: AuthedRequest) -> HttpResponse:
    found = selectors.current_round()
    today = timezone.localdate()
    context = {
        "round": found,
        "open": found.taking_applications(today),
        "eligibility": found.definition.get(f"eligibility_{labels.lang()}")
        or found.definition.get("eligibility_ko", []),
        "criteria": [{"name": labels.loc(_Obj(c)), "weight": c["weight"]} for c in found.criteria],
        "marketplaces": _marketplaces(),
        "terms": _terms(found),
    }
    return render(request, "overseas/programme.html", context)


class _Obj:
    def __init__(self, d: dict[str, Any]) -> None:
        self.__dict__.update(d)


# ---- citizens -------------------------------------------------------------------------------


@signed_in
@require_http_methods(["GET", "POST"])
def apply(request: AuthedRequest) -> HttpResponse:
    _citizen(request)
    found = selectors.current_round()
    form = ApplyForm(request.POST or None)
    done = form_action(
        request,
        form,
        lambda d: actions.apply(
            found,
            business_name=d["business_name"],
            brn=d["brn"],
            marketplaces=d["marketplaces"],
            countries=d["countries"],
            plan=d["plan"],
            product=_product_data(d),
            actor=request.user,
        ),
        then=lambda a: reverse("overseas:application", args=[a.reference]),
        success=lambda a: _("Application sent. Your reference is %(reference)s.") % {"reference": a.reference},
    )
    if done:
        return done
    context = {
        "round": found,
        "open": found.taking_applications(timezone.localdate()),
        "eligibility": found.definition.get(f"eligibility_{labels.lang()}") or [],
        "form": form,
    }
    return render(request, "overseas/apply.html", context, status=form_status(form))


@signed_in
@require_GET
def me(request: AuthedRequest) -> HttpResponse:
    _citizen(request)
    return render(request, "overseas/me.html", {"applications": selectors.own_applications(request.user)})


def _listing_rows(application: Application) -> list[dict[str, Any]]:
    return [
        {
            "listing": li,
            "marketplace": labels.marketplace(li.marketplace),
            "problems": labels.problem_rows(li.problems, li.marketplace),
            "documents": {d.kind for d in li.documents.all()},
        }
        for li in selectors.listings_of(application)
    ]


def _claim_rows(application: Application) -> list[dict[str, Any]]:
    return [
        {"claim": c, "carrier": labels.carrier(c.carrier), "destination": labels.country(c.destination)}
        for c in application.claims.all()
    ]


def _sales_rows(application: Application) -> list[dict[str, Any]]:
    return [
        {"line": s, "marketplace": labels.marketplace(s.marketplace), "country": labels.country(s.country)}
        for s in selectors.current_sales(application)
    ]


def _application_context(application: Application) -> dict[str, Any]:
    cap = int(application.round.subsidy["cap_won"])
    return {
        "application": application,
        "transitions": application.transitions.all(),
        "products": [(p, labels.category(p.category)) for p in application.products.all()],
        "marketplaces": [labels.marketplace(m) for m in application.marketplaces],
        "countries": [labels.country(c) for c in application.countries],
        "listings": _listing_rows(application),
        "claims": _claim_rows(application),
        "cap": cap,
        "paid": paid_to(application),
        "remaining": remaining_cap(application),
        "terms": _terms(application.round),
        "uploads": selectors.uploads_of(application),
        "sales": _sales_rows(application),
        "selected": application.state == Application.States.SELECTED,
    }


@signed_in
@require_GET
def application(request: AuthedRequest, reference: str) -> HttpResponse:
    _citizen(request)
    found = selectors.own_application(request.user, reference)
    return render(request, "overseas/application.html", _application_context(found))


@signed_in
@require_POST
def withdraw(request: AuthedRequest, reference: str) -> HttpResponse:
    _citizen(request)
    found = selectors.own_application(request.user, reference)
    return button_action(
        request,
        lambda: actions.withdraw(found, actor=request.user),
        then=reverse("overseas:application", args=[found.reference]),
        success=_("Your application was withdrawn."),
    )


@signed_in
@require_http_methods(["GET", "POST"])
def product_new(request: AuthedRequest, reference: str) -> HttpResponse:
    _citizen(request)
    found = selectors.own_application(request.user, reference)
    form = ProductForm(request.POST or None)
    back = reverse("overseas:application", args=[found.reference])
    done = form_action(
        request,
        form,
        lambda d: actions.add_product(found, _product_data(d), actor=request.user),
        then=back,
        success=_("Product added."),
    )
    if done:
        return done
    return render(request, "overseas/product.html", {"application": found, "form": form}, status=form_status(form))


def _listing_form(listing: Listing, market: ref.Marketplace, data: Any = None) -> Any:
    cls = listing_form_class(market)
    if data is not None:
        return cls(data)
    stored = {**listing.values, "translated_by": listing.translated_by}
    form = cls(stored)
    form.is_valid()
    for p in labels.problem_rows(listing.problems, listing.marketplace):
        if p["field"] in form.fields and p["reason"] not in form.errors.get(p["field"], []):
            form.add_error(p["field"], p["reason"])
    if not listing.translated_by and "translated_by" in form.errors:
        del form.errors["translated_by"]
    return form


@signed_in
@require_http_methods(["GET", "POST"])
def listing(request: AuthedRequest, reference: str, pk: int) -> HttpResponse:
    _citizen(request)
    app = selectors.own_application(request.user, reference)
    found = selectors.own_listing(request.user, app, pk)
    market = ref.programme().marketplace(found.marketplace)
    if market is None:
        raise Http404("marketplace no longer in the programme")
    back = reverse("overseas:listing", args=[app.reference, found.pk])
    which = request.POST.get("form") if request.method == "POST" else None
    if which == "ready":
        return button_action(
            request,
            lambda: actions.mark_ready(found, actor=request.user),
            then=back,
            success=_("Sent to the programme officer for review."),
        )
    doc_form = DocumentForm(
        request.POST if which == "document" else None, request.FILES if which == "document" else None, prefix="doc"
    )
    done = form_action(
        request,
        doc_form,
        lambda d: actions.upload_document(
            found, kind=d["kind"], content=d["file"].read(), file_name=d["file"].name, actor=request.user
        ),
        then=back,
        success=_("Document uploaded."),
    )
    if done:
        return done
    if which == "values":
        form = _listing_form(found, market, request.POST)
        if form.is_valid():
            values = {k: v for k, v in form.cleaned_data.items() if k != "translated_by" and v}
            saved = form_action(
                request,
                form,
                lambda d: actions.save_listing(found, values, translated_by=d["translated_by"], actor=request.user),
                then=back,
                success=lambda li: (
                    _("Saved. %(count)s problems to fix before it can be sent for review.")
                    % {"count": len(li.problems)}
                    if li.problems
                    else _("Saved. Nothing to fix: you can send it for review.")
                ),
            )
            if saved:
                return saved
    else:
        form = _listing_form(found, market)
    context = {
        "application": app,
        "listing": found,
        "product": found.product,
        "marketplace": labels.loc(market),
        "language": labels.language(market.language),
        "form": form,
        "doc_form": doc_form,
        "documents": found.documents.all(),
        "revisions": found.revisions.all(),
        "may_edit": found.state == Listing.States.DRAFT,
        "may_send": found.state == Listing.States.DRAFT and not found.problems and found.translated_by,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "overseas/listing.html", context, status=status)


@signed_in
@require_http_methods(["GET", "POST"])
def claim_new(request: AuthedRequest, reference: str) -> HttpResponse:
    _citizen(request)
    app = selectors.own_application(request.user, reference)
    form = ClaimForm(request.POST or None, request.FILES or None, countries=app.countries)
    back = reverse("overseas:application", args=[app.reference])
    done = form_action(
        request,
        form,
        lambda d: actions.claim(
            app,
            carrier=d["carrier"],
            tracking_number=d["tracking_number"],
            ship_date=d["ship_date"],
            destination=d["destination"],
            cost_won=d["cost_won"],
            content=d["receipt"].read(),
            file_name=d["receipt"].name,
            actor=request.user,
        ),
        then=back + "#claims-h",
        success=lambda c: _("Claim %(reference)s sent to the programme officer.") % {"reference": c.reference},
    )
    if done:
        return done
    context = {
        "application": app,
        "form": form,
        "remaining": remaining_cap(app),
        "terms": _terms(app.round),
        "selected": app.state == Application.States.SELECTED,
    }
    return render(request, "overseas/claim.html", context, status=form_status(form))


def _sales_page(
    request: AuthedRequest, app: Application, template: str, back: str, extra: dict[str, Any], *, bound: bool = True
) -> HttpResponse:
    """The sales upload (``bound``: this POST is the upload) and the result of the upload asked for."""
    form = SalesForm(request.POST or None, request.FILES or None) if bound else SalesForm()
    done = form_action(
        request,
        form,
        lambda d: actions.import_sales(app, content=d["file"].read(), file_name=d["file"].name, actor=request.user),
        then=lambda u: f"{back}?upload={u.pk}#result-h",
        success=lambda u: (
            _("%(accepted)s lines accepted, %(refused)s refused.")
            % {"accepted": u.lines_accepted, "refused": len({p.get("line") for p in u.problems})}
        ),
    )
    if done:
        return done
    uploads = selectors.uploads_of(app)
    shown: SalesUpload | None = None
    wanted = request.GET.get("upload", "")
    if wanted.isdigit():
        shown = next((u for u in uploads if u.pk == int(wanted)), None)
    context = {
        "application": app,
        "uploads": uploads,
        "shown": shown,
        "shown_problems": labels.problem_rows(shown.problems) if shown else [],
        "sales": _sales_rows(app),
        "selected": app.state == Application.States.SELECTED,
        **extra,
        "form": form,
    }
    status = form_status(form) if bound else int(extra.get("status", 200))
    return render(request, template, context, status=status)


@signed_in
@require_http_methods(["GET", "POST"])
def sales(request: AuthedRequest, reference: str) -> HttpResponse:
    _citizen(request)
    app = selectors.own_application(request.user, reference)
    return _sales_page(request, app, "overseas/sales.html", reverse("overseas:sales", args=[app.reference]), {})


@signed_in
@require_GET
def download(request: AuthedRequest, kind: str, pk: int) -> HttpResponse:
    """A file of an application the reader may see (own, or as the programme's officer after a
    reason); every download audited."""
    user = request.user
    subject: Any
    if kind == "document":
        doc = (
            ExportDocument.objects.filter(pk=pk, listing__in=Listing.objects.visible_to(user))
            .select_related("listing__product__application")
            .first()
        )
        if doc is None:
            raise Http404("no such file")
        app, content, name, ctype, subject = (
            doc.listing.product.application,
            bytes(doc.content),
            doc.file_name,
            doc.content_type,
            doc,
        )
    elif kind == "receipt":
        c = SubsidyClaim.objects.visible_to(user).filter(pk=pk).select_related("application").first()
        if c is None:
            raise Http404("no such file")
        app, content, name, ctype, subject = c.application, bytes(c.content), c.file_name, c.content_type, c
    elif kind == "sales":
        u = (
            SalesUpload.objects.filter(pk=pk, application__in=Application.objects.visible_to(user))
            .select_related("application")
            .first()
        )
        if u is None:
            raise Http404("no such file")
        app, content, name, ctype, subject = u.application, bytes(u.content), u.file_name, "text/csv", u
    else:
        raise Http404("no such kind of file")
    reason = "own application"
    if app.applicant_id != user.pk:
        reason = str(
            personal_data.need_reason(
                request,
                app,
                purposes=OverseasPurpose,
                title=_("Applicant %(reference)s") % {"reference": app.reference},
            )
        )
    audit.record(OverseasEvent.FILE_DOWNLOADED, target=subject, request=request, reason=reason, new={"kind": kind})
    response = HttpResponse(content, content_type=ctype or "application/octet-stream")
    safe = "".join(ch for ch in name if ch.isascii() and (ch.isalnum() or ch in "._-")) or "file"
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---- the programme's officers ---------------------------------------------------------------


@require_role(Service.OVERSEAS, Role.OPERATOR)
@require_GET
def officer(request: AuthedRequest) -> HttpResponse:
    """The worklist: applications to select (with their scores), listings to review, claims to decide."""
    filters = WorklistFilterForm(request.GET or None)
    d = filters.cleaned_data if filters.is_valid() else {}
    claims_state = d.get("claims", "submitted") if request.GET else "submitted"
    round = selectors.current_round()
    context = {
        "filters": filters,
        "round": round,
        "selected_count": Application.objects.filter(round=round, state=Application.States.SELECTED).count(),
        "applications": selectors.to_select(d.get("state", ""), d.get("order", "score") or "score"),
        "listings": [
            (li, labels.marketplace(li.marketplace)) for li in selectors.listings_to_review(d.get("marketplace", ""))
        ],
        "claims": [(c, labels.carrier(c.carrier)) for c in selectors.claims_to_decide(claims_state)],
    }
    return render(request, "overseas/officer.html", context)


def _officer_reason(request: AuthedRequest, app: Application, back: str) -> personal_data.Reason:
    return personal_data.need_reason(
        request,
        app,
        purposes=OverseasPurpose,
        title=_("Applicant %(reference)s") % {"reference": app.reference},
        back=back,
    )


@require_role(Service.OVERSEAS, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def officer_application(request: AuthedRequest, reference: str) -> HttpResponse:
    found = selectors.officer_application(request.user, reference)
    back = reverse("overseas:officer_application", args=[found.reference])
    reason = _officer_reason(request, found, back)
    which = request.POST.get("form") if request.method == "POST" else None
    criteria = found.round.criteria
    initial = {f"assessed_{k}": v for k, v in (found.assessed or {}).items()}
    score_form = ScoreForm(request.POST if which == "score" else None, criteria=criteria, initial=initial)
    decide_form = DecideForm(request.POST if which == "decide" else None, prefix="decide")
    done = form_action(
        request,
        score_form,
        lambda d: actions.score(found, score_form.assessed(), actor=request.user),
        then=back,
        success=_("Score saved."),
    ) or form_action(
        request,
        decide_form,
        lambda d: actions.decide(found, select=d["decision"] == "select", reason=d["reason"], actor=request.user),
        then=back,
        success=_("Decision recorded."),
    )
    if done:
        return done
    if request.method == "GET":
        audit.record(OverseasEvent.APPLICATION_VIEWED, target=found, request=request, reason=str(reason))
    bound = score_form if which == "score" else decide_form
    extra = _officer_context(found, score_form, decide_form) | {"status": form_status(bound)}
    return _sales_page(request, found, "overseas/officer_application.html", back, extra, bound=which == "sales")


def _officer_context(found: Application, score_form: Any, decide_form: Any) -> dict[str, Any]:
    return _application_context(found) | {
        "score_form": score_form,
        "decide_form": decide_form,
        "may_score": found.state == Application.States.SUBMITTED,
        "criteria": [
            {"name": labels.loc(_Obj(c)), "weight": c["weight"], "points": (found.assessed or {}).get(c["code"])}
            for c in found.round.criteria
        ],
    }


@require_role(Service.OVERSEAS, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def officer_listing(request: AuthedRequest, pk: int) -> HttpResponse:
    found = selectors.listing(request.user, pk)
    app = found.product.application
    back = reverse("overseas:officer_listing", args=[found.pk])
    _officer_reason(request, app, back)
    market = ref.programme().marketplace(found.marketplace)
    which = request.POST.get("form") if request.method == "POST" else None
    live_form = LiveForm(request.POST if which == "live" else None, prefix="live")
    return_form = ReturnListingForm(request.POST if which == "return" else None, prefix="return")
    done = form_action(
        request,
        live_form,
        lambda d: actions.listing_live(found, listing_id=d["listing_id"], actor=request.user),
        then=back,
        success=_("Recorded as live on the marketplace."),
    ) or form_action(
        request,
        return_form,
        lambda d: actions.return_listing(found, reason=d["reason"], actor=request.user),
        then=back,
        success=_("Returned to the business."),
    )
    if done:
        return done
    fields = []
    if market is not None:
        fields = [{"name": labels.loc(f), "value": found.values.get(f.code, "")} for f in market.fields]
    context = {
        "listing": found,
        "application": app,
        "marketplace": labels.marketplace(found.marketplace),
        "listing_id_name": labels.loc(
            _Obj({"name_ko": market.listing_id_name_ko, "name_en": market.listing_id_name_en})
        )
        if market
        else "",
        "example": market.listing_id_example if market else "",
        "fields": fields,
        "problems": labels.problem_rows(found.problems, found.marketplace),
        "documents": found.documents.all(),
        "revisions": found.revisions.select_related("by"),
        "live_form": live_form,
        "return_form": return_form,
    }
    bound = live_form if which == "live" else return_form
    return render(request, "overseas/officer_listing.html", context, status=form_status(bound))


@require_role(Service.OVERSEAS, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def officer_claim(request: AuthedRequest, reference: str) -> HttpResponse:
    found = selectors.claim(request.user, reference)
    app = found.application
    back = reverse("overseas:officer_claim", args=[found.reference])
    _officer_reason(request, app, back)
    form = ClaimDecisionForm(request.POST or None)
    done = form_action(
        request,
        form,
        lambda d: actions.decide_claim(
            found, approve=d["decision"] == "approve", reason=d["reason"], actor=request.user
        ),
        then=back,
        success=_("Decision recorded."),
    )
    if done:
        return done
    from seoul.overseas.engine import subsidy

    terms = app.round.subsidy
    preview = subsidy.calculate(
        found.cost_won,
        rate_percent=int(terms["rate_percent"]),
        cap_won=int(terms["cap_won"]),
        paid_before_won=paid_to(app),
    )
    context = {
        "claim": found,
        "application": app,
        "carrier": labels.carrier(found.carrier),
        "destination": labels.country(found.destination),
        "preview": preview,
        "remaining": remaining_cap(app),
        "cap": int(terms["cap_won"]),
        "form": form,
        "may_decide": found.state == SubsidyClaim.States.SUBMITTED
        and request.user.has_role(Service.OVERSEAS, Role.APPROVER),
    }
    return render(request, "overseas/officer_claim.html", context, status=form_status(form))


# ---- KPIs -----------------------------------------------------------------------------------


@require_role(Service.OVERSEAS, Role.VIEWER)
@require_GET
def kpis(request: AuthedRequest) -> HttpResponse:
    found = selectors.current_round()
    k = selectors.kpis(found)
    context = {
        "round": found,
        "k": k,
        "live": [(labels.marketplace(code), n) for code, n in k.live_by_marketplace.items()],
        "sales": [
            {"month": m, "marketplace": labels.marketplace(mk), "country": labels.country(c), "orders": o, "net": w}
            for m, mk, c, o, w in k.sales
        ],
        "used": k.budget_used,
    }
    return render(request, "overseas/kpis.html", context)


@require_role(Service.OVERSEAS, Role.VIEWER)
@require_GET
def kpis_csv(request: AuthedRequest) -> HttpResponse:
    found = selectors.current_round()
    k = selectors.kpis(found)
    header = [_("Month"), _("Marketplace"), _("Country"), _("Orders"), _("Net export sales (won)")]
    lines = [[m, labels.marketplace(mk), labels.country(c), o, w] for m, mk, c, o, w in k.sales]
    audit.record(
        audit.CoreEvent.DATA_EXPORTED,
        request=request,
        service=Service.OVERSEAS,
        new={"export": "overseas.kpis", "rows": len(lines)},
    )
    return csv_response(f"overseas-sales-{timezone.localdate():%Y%m%d}", header, lines)
