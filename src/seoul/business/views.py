"""Pages of the business service (docs/business-lifecycle.md): the programmes (public, with their
rules and selection criteria), a citizen's profile with consent, the programmes it qualifies for
and why, applying once, the citizen's applications; officers' applicants with each score broken
down, selection and completion; the city's evaluation of outcomes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seoul.business import actions, labels, selectors
from seoul.business.engine import outcomes
from seoul.business.events import BusinessEvent, BusinessPurpose
from seoul.business.forms import ApplicantFilterForm, ApplyForm, CompletionForm, ProfileForm, ScoreForm
from seoul.business.models import BusinessProfile, Programme, ProgrammeApplication
from seoul.core import audit, personal_data
from seoul.core.access import public, require_role, signed_in
from seoul.core.exports import csv_response
from seoul.core.flow import button_action, form_action, form_status
from seoul.core.http import AuthedRequest
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.guarantee import interfaces as guarantee


def _citizen(request: AuthedRequest) -> None:
    if request.user.kind != User.Kind.CITIZEN:
        raise PermissionDenied(_("These pages are for citizens signed in with their own account."))


def _rules(programme: Programme) -> list[str]:
    names = labels.industry_names()
    return [labels.rule_asks(r, names) for r in programme.entry().eligibility]


def _criteria(programme: Programme) -> list[dict[str, Any]]:
    return [
        {"name": labels.criterion(c), "weight": c["weight"], "rule": labels.criterion_rule(c)}
        for c in programme.entry().scoring
    ]


def _results(found: Any) -> list[dict[str, Any]]:
    names = labels.industry_names()
    return [
        {
            "passed": r["passed"],
            "asks": labels.rule_asks({"rule": r["rule"], **r["params"]}, names),
            "has": labels.rule_has(r, names),
        }
        for r in (found if isinstance(found, list) else found.to_dict()["results"])
    ]


def _facts(profile_facts: dict[str, Any], industry: str) -> list[tuple[str, str]]:
    from seoul.business.engine.facts import Facts

    f = Facts.from_dict(profile_facts)
    today = timezone.localdate()
    sales = ", ".join(f"{y}: {labels.won(v)}" for y, v in sorted(f.sales_by_year.items())) or "—"
    arrears = "—" if f.tax_arrears is None else (_("yes") if f.tax_arrears else _("no"))
    return [
        (_("Opened on"), f.opened_on.isoformat() if f.opened_on else "—"),
        (_("Time in business"), labels.months(f.months(today))),
        (_("Industry"), industry or f.industry),
        (_("District"), labels.district(f.district)),
        (_("Closed now"), _("yes") if f.closed else _("no")),
        (_("Closed a business before"), _("yes") if f.prior_closure else _("no")),
        (_("Sales by year"), sales),
        (_("Sales change from the year before"), labels.percent(f.sales_growth)),
        (_("Tax arrears"), arrears),
        (_("Guarantee applications"), str(f.guarantee_files)),
        (_("Guaranteed loans paid out"), str(f.guarantee_loans)),
        (_("Programmes of this service completed"), str(f.programmes_completed)),
    ]


def _industry(profile: BusinessProfile) -> str:
    return profile.industry_name_ko if labels._lang() == "ko" else profile.industry_name_en


# ---- public ---------------------------------------------------------------------------------


@public
@require_GET
def start(request: AuthedRequest) -> HttpResponse:
    by_stage: dict[str, list[Programme]] = {}
    for p in selectors.programmes():
        by_stage.setdefault(p.stage, []).append(p)
    stages = [(code, labels.stage(code), by_stage.get(code, [])) for code in ("startup", "growth", "restart")]
    return render(request, "business/start.html", {"stages": stages})


@public
@require_GET
def programme(request: AuthedRequest, code: str) -> HttpResponse:
    found = selectors.programme(code)
    context = {
        "programme": found,
        "stage": labels.stage(found.stage),
        "rules": _rules(found),
        "criteria": _criteria(found),
    }
    return render(request, "business/programme.html", context)


# ---- citizens -------------------------------------------------------------------------------


@signed_in
@require_http_methods(["GET", "POST"])
def me(request: AuthedRequest) -> HttpResponse:
    """The citizen's business profiles and applications; a new profile from a business the
    guarantee service knows them to represent, with consent."""
    _citizen(request)
    profiles = selectors.own_profiles(request.user)
    have = {p.brn for p in profiles}
    known = [b for b in guarantee.businesses_of(request.user) if b.brn not in have]
    form = ProfileForm(request.POST or None, businesses=[(b.brn, f"{b.business_name} ({b.brn})") for b in known])
    done = form_action(
        request,
        form,
        lambda d: actions.build_profile(d["brn"], consent=d["consent"], actor=request.user),
        then=lambda p: reverse("business:profile", args=[p.pk]),
        success=_("Your business profile is ready."),
    )
    if done:
        return done
    context = {
        "profiles": [(p, labels.stage(p.stage)) for p in profiles],
        "applications": selectors.own_applications(request.user),
        "form": form if known else None,
    }
    return render(request, "business/me.html", context, status=form_status(form))


@signed_in
@require_GET
def profile(request: AuthedRequest, pk: int) -> HttpResponse:
    _citizen(request)
    found = selectors.own_profile(request.user, pk)
    today = timezone.localdate()
    offers = [
        {
            "programme": o.programme,
            "eligible": o.eligibility.eligible,
            "results": _results(o.eligibility),
            "application": o.application,
            "stage": labels.stage(o.programme.stage),
        }
        for o in selectors.offers(found, today)
    ]
    context = {
        "profile": found,
        "stage": labels.stage(found.stage),
        "stage_reason": labels.placement(found.stage_reason),
        "facts": _facts(found.facts, _industry(found)),
        "qualify": [o for o in offers if o["eligible"]],
        "others": [o for o in offers if not o["eligible"]],
    }
    return render(request, "business/profile.html", context)


@signed_in
@require_POST
def profile_refresh(request: AuthedRequest, pk: int) -> HttpResponse:
    _citizen(request)
    found = selectors.own_profile(request.user, pk)
    back = reverse("business:profile", args=[found.pk])
    return button_action(
        request,
        lambda: actions.refresh_profile(found, actor=request.user),
        then=back,
        success=_("Your profile was read again from the guarantee service."),
    )


@signed_in
@require_POST
def profile_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    _citizen(request)
    found = selectors.own_profile(request.user, pk)
    return button_action(
        request,
        lambda: actions.delete_profile(found, actor=request.user),
        then=reverse("business:me"),
        back=reverse("business:profile", args=[found.pk]),
        success=_("Your business profile was deleted."),
    )


@signed_in
@require_http_methods(["GET", "POST"])
def apply(request: AuthedRequest, pk: int, code: str) -> HttpResponse:
    """Check your answers: the programme, why the business qualifies, the facts sent; apply."""
    _citizen(request)
    found = selectors.own_profile(request.user, pk)
    chosen = selectors.programme(code)
    form = ApplyForm(request.POST or None)
    done = form_action(
        request,
        form,
        lambda d: actions.apply(found, chosen, note=d["note"], actor=request.user),
        then=lambda a: reverse("business:application", args=[a.reference]),
        success=lambda a: _("Application sent. Your reference is %(reference)s.") % {"reference": a.reference},
    )
    if done:
        return done
    offer = next((o for o in selectors.offers(found, timezone.localdate()) if o.programme.pk == chosen.pk), None)
    context = {
        "profile": found,
        "programme": chosen,
        "offer": offer,
        "results": _results(offer.eligibility) if offer else [],
        "facts": _facts(found.facts, _industry(found)),
        "stage": labels.stage(found.stage),
        "form": form,
    }
    return render(request, "business/apply.html", context, status=form_status(form))


@signed_in
@require_GET
def application(request: AuthedRequest, reference: str) -> HttpResponse:
    _citizen(request)
    found = selectors.own_application(request.user, reference)
    context = {
        "application": found,
        "transitions": found.transitions.all(),
        "results": _results(found.eligibility["results"]),
        "stage": labels.stage(found.stage),
    }
    return render(request, "business/application.html", context)


@signed_in
@require_POST
def application_withdraw(request: AuthedRequest, reference: str) -> HttpResponse:
    _citizen(request)
    found = selectors.own_application(request.user, reference)
    return button_action(
        request,
        lambda: actions.withdraw(found, actor=request.user),
        then=reverse("business:application", args=[found.reference]),
        success=_("Your application was withdrawn."),
    )


# ---- programme officers ---------------------------------------------------------------------


@require_role(Service.BUSINESS, Role.OPERATOR)
@require_GET
def officer(request: AuthedRequest) -> HttpResponse:
    """The officer's worklist: their programmes with what waits in each."""
    return render(request, "business/officer.html", {"programmes": selectors.officer_programmes(request.user)})


def _score_rows(found: Programme, rows: list[Any]) -> list[dict[str, Any]]:
    criteria = found.entry().scoring
    return [
        {
            "application": a,
            "stage": labels.stage(a.stage),
            "district": labels.district(a.district),
            "lines": [
                {
                    "name": labels.criterion(c),
                    "weight": line.weight,
                    "value": labels.value_text(line.to_dict()),
                    "points": line.points,
                }
                for c, line in zip(criteria, s.lines, strict=True)
            ],
            "total": s.total,
            "complete": s.complete,
        }
        for a, s in rows
    ]


@require_role(Service.BUSINESS, Role.OPERATOR)
@require_GET
def officer_programme(request: AuthedRequest, code: str) -> HttpResponse:
    found = selectors.officer_programme(request.user, code)
    filters = ApplicantFilterForm(request.GET or None)
    state = filters.cleaned_data["state"] if filters.is_valid() else ""
    rows = _score_rows(found, selectors.applicants(found, timezone.localdate(), state))
    context = {
        "programme": found,
        "rows": rows,
        "criteria": _criteria(found),
        "filters": filters,
        "waiting": sum(1 for r in rows if r["application"].state == ProgrammeApplication.States.APPLIED),
    }
    return render(request, "business/officer_programme.html", context)


@require_role(Service.BUSINESS, Role.OPERATOR)
@require_POST
def officer_select(request: AuthedRequest, code: str) -> HttpResponse:
    found = selectors.officer_programme(request.user, code)
    back = reverse("business:officer_programme", args=[found.code])
    return button_action(
        request,
        lambda: actions.select(found, actor=request.user),
        then=back,
        success=lambda s: (
            _("Selection made: %(selected)s selected, %(other)s not selected.")
            % {"selected": len(s.selected), "other": len(s.not_selected)}
        ),
    )


@require_role(Service.BUSINESS, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def officer_applicant(request: AuthedRequest, code: str, reference: str) -> HttpResponse:
    """One applicant's business file: a reason first (audited), then the facts at application,
    each eligibility rule, the score broken down with the officer's assessment, completion."""
    found = selectors.officer_application(request.user, code, reference)
    back = reverse("business:officer_applicant", args=[code, reference])
    reason = personal_data.need_reason(
        request,
        found,
        purposes=BusinessPurpose,
        title=_("Applicant %(reference)s") % {"reference": found.reference},
        back=back,
    )
    criteria = [c for c in found.programme.entry().scoring if c["criterion"] == "assessed"]
    names = {c["code"]: labels.criterion(c) for c in criteria}
    which = request.POST.get("form") if request.method == "POST" else None
    initial = {f"assessed_{k}": v for k, v in (found.assessed or {}).items()}
    score_form = ScoreForm(request.POST if which == "score" else None, criteria=criteria, names=names, initial=initial)
    completion = CompletionForm(request.POST if which == "completion" else None, prefix="completion")
    done = form_action(
        request,
        score_form,
        lambda d: actions.score(found, score_form.assessed(), actor=request.user),
        then=back,
        success=_("Score saved."),
    ) or form_action(
        request,
        completion,
        lambda d: actions.record_completion(
            found, completed=d["completed"], on=d["on"], reason=d["reason"], actor=request.user
        ),
        then=back,
        success=_("Completion recorded."),
    )
    if done:
        return done
    if request.method == "GET":
        audit.record(BusinessEvent.APPLICANT_VIEWED, target=found, request=request, reason=str(reason))
    breakdown = selectors.breakdown(found, timezone.localdate())
    industry = found.profile and _industry(found.profile)
    context = {
        "application": found,
        "business_name": found.profile.business_name if found.profile else _("(profile deleted by the business)"),
        "stage": labels.stage(found.stage),
        "facts": _facts(found.facts, industry or ""),
        "results": _results(found.eligibility["results"]),
        "rows": _score_rows(found.programme, [(found, breakdown)])[0],
        "score_form": score_form,
        "completion": completion,
        "may_score": found.state == ProgrammeApplication.States.APPLIED and found.programme.selection_made_at is None,
        "may_complete": found.state == ProgrammeApplication.States.SELECTED,
        "transitions": found.transitions.select_related("by"),
    }
    bound = score_form if which == "score" else completion
    return render(request, "business/officer_applicant.html", context, status=form_status(bound))


# ---- the city's evaluation ------------------------------------------------------------------


def _evaluation_rows() -> list[dict[str, Any]]:
    names = {p.code: labels.programme_name(p) for p in selectors.programmes()}
    rows = []
    for s in selectors.evaluation(timezone.localdate()):
        rows.append(
            {
                "programme": names.get(s.programme, s.programme),
                "stage": labels.stage(s.stage),
                "completed": s.completed,
                "survival": [{"years": y, "counts": s.survival[y], "rate": s.rate(y)} for y in outcomes.HORIZONS],
                "growth_known": s.growth_known,
                "growth_median": s.growth_median,
                "growth_mean": s.growth_mean,
            }
        )
    return rows


@require_role(Service.BUSINESS, Role.VIEWER)
@require_GET
def evaluation(request: AuthedRequest) -> HttpResponse:
    """Outcomes by programme and stage: survival 1 and 3 years after completion, sales growth."""
    return render(request, "business/evaluation.html", {"rows": _evaluation_rows()})


@require_role(Service.BUSINESS, Role.VIEWER)
@require_GET
def evaluation_csv(request: AuthedRequest) -> HttpResponse:
    rows = _evaluation_rows()
    header = [
        _("Programme"),
        _("Stage"),
        _("Completed"),
        _("Open after 1 year"),
        _("Closed within 1 year"),
        _("1 year not due yet"),
        _("1 year not known"),
        _("Survival rate after 1 year"),
        _("Open after 3 years"),
        _("Closed within 3 years"),
        _("3 years not due yet"),
        _("3 years not known"),
        _("Survival rate after 3 years"),
        _("Businesses with known sales growth"),
        _("Median sales growth"),
        _("Mean sales growth"),
    ]
    lines = []
    for r in rows:
        line: list[Any] = [r["programme"], r["stage"], r["completed"]]
        for s in r["survival"]:
            line += [*s["counts"], "" if s["rate"] is None else round(s["rate"], 4)]
        line += [
            r["growth_known"],
            r["growth_median"] if r["growth_median"] is not None else "",
            r["growth_mean"] if r["growth_mean"] is not None else "",
        ]
        lines.append(line)
    audit.record(
        audit.CoreEvent.DATA_EXPORTED,
        request=request,
        service=Service.BUSINESS,
        new={"export": "business.evaluation", "rows": len(lines)},
    )
    return csv_response(f"business-outcomes-{timezone.localdate():%Y%m%d}", header, lines)
