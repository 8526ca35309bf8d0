"""Pages of the care service: the facilities, a new facility from its model, and a facility's
checks, room risks and ranked changes, with its versions (docs/care-facility.md)."""

from __future__ import annotations

import json
import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seoul.care import actions, selectors
from seoul.care.engine import checks as engine_checks
from seoul.care.engine import drawing
from seoul.care.forms import (
    COST_LABELS,
    DirectorForm,
    DistrictOfficerForm,
    FacilityFilterForm,
    FacilityForm,
    MonthForm,
    UnitCostsForm,
    VersionForm,
)
from seoul.care.models import DistrictOfficer, Facility, FacilityDirector, FacilityVersion, UnitCostSet, scope_of
from seoul.core import audit, districts
from seoul.core.access import require_role
from seoul.core.exports import csv_response
from seoul.core.flow import button_action, form_action, form_status
from seoul.core.http import AuthedRequest
from seoul.core.roles import Role, Service


def _facility(request: AuthedRequest, pk: int) -> Facility:
    return get_object_or_404(Facility.objects.visible_to(request.user), pk=pk)


def _read(upload: Any) -> actions.Model:
    return actions.read_model(upload.name, upload.read())


def _korean() -> bool:
    return (get_language() or "ko").startswith("ko")


def _month(request: AuthedRequest) -> tuple[MonthForm, int]:
    form = MonthForm(request.GET or None)
    return form, form.cleaned_data["month"] if form.is_valid() else 1


def _asked_version(request: AuthedRequest, item: Facility) -> FacilityVersion:
    """The version ``?version=N`` asks for, else the latest (404 if there is none)."""
    asked = request.GET.get("version")
    version = selectors.version_of(item, int(asked) if asked and asked.isdigit() else None)
    if version is None:
        raise Http404
    return version


def _svg(plan: Any, risk: dict[str, float], failed: Any, *, bins: Any = None, width_px: int = 900) -> str:
    """The plan as an SVG document: rooms by expected infections a month, failed checks marked
    (drawing.plan_svg escapes every text it is given)."""
    return drawing.plan_svg(
        plan,
        risk=risk,
        failed=[c for c in failed if not c.passed],
        lang="ko" if _korean() else "en",
        risk_label=_("expected infections a month"),
        bins=bins,
        width_px=width_px,
    )


def _drawn(plan: Any, risk: dict[str, float], failed: Any, *, bins: Any = None, width_px: int = 900) -> SafeString:
    """The plan as inline SVG for a page."""
    return mark_safe(_svg(plan, risk, failed, bins=bins, width_px=width_px))  # noqa: S308 - escaped by plan_svg


def _figure_label(check: str) -> str:
    """What a check's key figure (``selectors.FIGURES``) counts, in the page's language."""
    labels = {
        "area_per_child": _("Indoor area per child (m²)"),
        "washbasin_on_entry": _("Classrooms reached without a washbasin"),
        "route_separation": _("Rooms where routes that must stay apart meet, and routes missing"),
        "sick_room_access": _("Rooms whose way to or from the sick room crosses a class"),
        "pressure_cascade": _("Rooms with air flowing the wrong way"),
        "ventilation_rate": _("Lowest outdoor air per person (m³/h)"),
        "co2_steady_state": _("Highest steady-state CO₂ (ppm)"),
        "teacher_ratio": _("Teachers short of the ratio"),
    }
    return labels.get(check, _("Key figure"))


def _figure_text(figure: float | None, check: str) -> str:
    if figure is None:
        return _("no sick room") if check == "sick_room_access" else "—"
    if math.isinf(figure):
        return _("no outdoor-air supply")
    if check in ("area_per_child",):
        return f"{figure:,.2f}"
    if check in ("ventilation_rate", "co2_steady_state"):
        return f"{figure:,.0f}"
    return f"{figure:g}"


def _overview(request: AuthedRequest) -> dict[str, Any]:
    """The facilities the reader sees, with their latest model's failed checks and expected
    cases a month (January: the season windows stay shut), filtered by district and, if asked,
    to those failing a check; with each district's totals; and, when a check is chosen, each
    centre's result and key figure for it, worst first."""
    form = FacilityFilterForm(request.GET or None)
    wanted = form.cleaned_data if form.is_valid() else {}
    check = wanted.get("check") or ""
    korean = _korean()
    titles = selectors.check_titles()
    rows: list[dict[str, Any]] = []
    for item, version in selectors.facilities(request.user):
        if wanted.get("district") is not None and item.district != wanted["district"]:
            continue
        found = selectors.evaluation(version, 1) if version else None
        row: dict[str, Any] = {
            "facility": item,
            "district": districts.label(districts.district(item.district)),
            "version": version,
            "failed": len(found["failed_before"]) if found else None,
            "failed_titles": [titles[c][1 if korean else 0] for c in found["failed_before"]] if found else [],
            "cases": found["cases_per_month_before"] if found else None,
            "check": None,
        }
        if check and version is not None:
            result = next((r for r in selectors.checks(version, 1) if r.id == check), None)
            if result is not None:
                figure = selectors.check_figure(result)
                row["check"] = {
                    "result": figure,
                    "passed": figure.passed,
                    "figure": figure.figure,
                    "sort": figure.figure if figure.figure is not None and math.isfinite(figure.figure) else "",
                    "text": _figure_text(figure.figure, check),
                    "summary": (figure.summary_ko or figure.summary) if korean else figure.summary,
                }
        rows.append(row)
    if wanted.get("failing"):
        rows = [r for r in rows if r["failed"]]
    if check:
        rows.sort(key=lambda r: selectors.worst_first(check, r["check"]["result"] if r["check"] else None))
    totals: dict[str, dict[str, float]] = {}
    for r in rows:
        t = totals.setdefault(r["district"], {"centres": 0, "failing": 0, "cases": 0.0})
        t["centres"] += 1
        t["failing"] += 1 if r["failed"] else 0
        t["cases"] += r["cases"] or 0.0
    return {
        "form": form,
        "rows": rows,
        "totals": sorted(totals.items()),
        "check": check,
        "check_title": titles[check][1 if korean else 0] if check else "",
        "figure_label": _figure_label(check) if check else "",
    }


@require_role(Service.CARE, Role.VIEWER)
@require_GET
def facilities(request: AuthedRequest) -> HttpResponse:
    """The centres the reader sees (their scope: ``models.scope_of``), to compare them: failed
    checks and expected infections a month, by district, or one check across every centre."""
    context = _overview(request)
    context["may_add"] = request.user.has_role(Service.CARE, Role.OPERATOR) and not scope_of(request.user).empty
    context["may_assign"] = request.user.has_role(Service.CARE, Role.ADMIN)
    context["scope"] = _scope_words(request.user)
    query = request.GET.urlencode()
    context["csv_url"] = reverse("care:facilities_csv") + (f"?{query}" if query else "")
    return render(request, "care/facilities.html", context, status=form_status(context["form"]))


def _scope_words(user: Any) -> str:
    """Which centres this reader sees, in a sentence."""
    scope = scope_of(user)
    if scope.city_wide:
        return _("You see every centre in Seoul.")
    parts = []
    if scope.districts:
        names = ", ".join(districts.label(districts.district(d)) for d in sorted(scope.districts))
        parts.append(_("You see the centres of %(districts)s.") % {"districts": names})
    if scope.facilities:
        parts.append(_("You see the centres you direct."))
    return " ".join(parts) or _("You have not been given any centres yet: ask a care administrator.")


@require_role(Service.CARE, Role.VIEWER)
@require_GET
def facilities_csv(request: AuthedRequest) -> HttpResponse:
    """The overview as a CSV file (UTF-8 with BOM; the header in the page's language): the same
    centres, filters and chosen check as the page. No personal data; the export is logged."""
    found = _overview(request)
    if found["form"].is_bound and found["form"].errors:
        raise Http404
    header = [
        _("Facility"),
        _("Kind of facility"),
        _("District"),
        _("Version"),
        _("Checks failed"),
        _("Failed checks"),
        _("Expected infections a month (January)"),
    ]
    if found["check"]:
        header += [
            _("Check"),
            _("Passed"),
            found["figure_label"],
            _("What the check found"),
        ]
    rows = []
    for r in found["rows"]:
        line: list[Any] = [
            r["facility"].name,
            r["facility"].get_kind_display(),
            r["district"],
            r["version"].number if r["version"] else "",
            "" if r["failed"] is None else r["failed"],
            "; ".join(r["failed_titles"]),
            "" if r["cases"] is None else round(float(r["cases"]), 3),
        ]
        if found["check"]:
            c = r["check"]
            line += (
                [
                    found["check_title"],
                    _("yes") if c["passed"] else _("no"),
                    round(c["sort"], 2) if c["sort"] != "" else c["text"],
                    c["summary"],
                ]
                if c
                else [found["check_title"], "", "", ""]
            )
        rows.append(line)
    audit.record(
        audit.CoreEvent.DATA_EXPORTED,
        request=request,
        service=Service.CARE,
        new={"export": "care.facilities", "rows": len(rows), "check": found["check"], "filters": request.GET.dict()},
    )
    return csv_response(f"care-facilities-{timezone.localdate():%Y%m%d}", header, rows)


@require_role(Service.CARE, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def facility_new(request: AuthedRequest) -> HttpResponse:
    form = FacilityForm(request.POST or None, request.FILES or None)

    def add(d: dict[str, Any]) -> Facility:
        model = actions.example_model() if d["example"] else _read(d["model"])
        return actions.add_facility(d["name"], d["kind"], d["district"], model, actor=request.user)

    done = form_action(
        request, form, add, then=lambda f: reverse("care:facility", args=[f.pk]), success=_("Facility added.")
    )
    return done or render(request, "care/facility_new.html", {"form": form}, status=form_status(form))


@require_role(Service.CARE, Role.VIEWER)
@require_http_methods(["GET", "POST"])
def facility(request: AuthedRequest, pk: int) -> HttpResponse:
    """A facility's model as it is now (or an earlier version): the design checks, each room's
    risk and the changes ranked; operators apply a change or upload a new model."""
    item = _facility(request, pk)
    month_form, month = _month(request)
    version = _asked_version(request, item)
    upload = VersionForm(request.POST or None, request.FILES or None)

    def add(d: dict[str, Any]) -> Any:
        return actions.add_version(item, _read(d["model"]), note=d["note"], actor=request.user)

    done = form_action(
        request, upload, add, then=reverse("care:facility", args=[item.pk]), success=_("New version saved.")
    )
    if done:
        return done
    latest = selectors.version_of(item)
    found = selectors.evaluation(version, month)
    risk = {r["room"]: float(r["expected_cases_per_month"]) for r in found["rooms_before"]}
    context = {
        "facility": item,
        "district": districts.label(districts.district(item.district)),
        "version": version,
        "latest": latest,
        "versions": list(item.versions.select_related("made_by").order_by("-number")),
        "month_form": month_form,
        "month": month,
        "result": found,
        "korean": _korean(),
        "plan_svg": _drawn(selectors.plan(version), risk, selectors.checks(version, month)),
        "upload": upload,
        "may_change": request.user.has_role(Service.CARE, Role.OPERATOR) and version == latest,
    }
    return render(request, "care/facility.html", context, status=form_status(upload))


@require_role(Service.CARE, Role.VIEWER)
@require_GET
def facility_change(request: AuthedRequest, pk: int, change: str) -> HttpResponse:
    """One offered change side by side: the plan, the checks and each room's risk before and
    after (drawn on the same colour scale)."""
    item = _facility(request, pk)
    _form, month = _month(request)
    version = selectors.version_of(item)
    if version is None:
        raise Http404
    compared = selectors.side_by_side(version, month, change)
    if compared is None:
        raise Http404
    before = {r["room"]: float(r["before"]["expected_cases_per_month"]) for r in compared["rooms"] if r["before"]}
    after = {r["room"]: float(r["after"]["expected_cases_per_month"]) for r in compared["rooms"] if r["after"]}
    bins = drawing.default_bins([*before.values(), *after.values()])
    context = {
        "facility": item,
        "version": version,
        "month": month,
        "compared": compared,
        "korean": _korean(),
        "plan_before": _drawn(
            compared["plan_before"], before, selectors.checks(version, month), bins=bins, width_px=640
        ),
        "plan_after": _drawn(
            compared["plan_after"], after, engine_checks.run_checks(compared["plan_after"]), bins=bins, width_px=640
        ),
        "may_change": request.user.has_role(Service.CARE, Role.OPERATOR),
    }
    return render(request, "care/facility_change.html", context)


@require_role(Service.CARE, Role.OPERATOR)
@require_POST
def facility_apply(request: AuthedRequest, pk: int) -> HttpResponse:
    """Apply one offered change to the latest model: a new version."""
    item = _facility(request, pk)
    back = reverse("care:facility", args=[item.pk])
    try:
        number = int(request.POST.get("version", ""))
    except ValueError:
        return redirect(back)
    change = request.POST.get("change", "")
    return button_action(
        request,
        lambda: actions.apply_change(item, number=number, change=change, actor=request.user),
        then=back,
        success=_("Change applied: a new version of the model was saved."),
    )


@require_role(Service.CARE, Role.VIEWER)
@require_GET
def facility_report(request: AuthedRequest, pk: int) -> HttpResponse:
    """The facility's report as a PDF in the page's language (the version and month asked)."""
    from seoul.care import reports

    item = _facility(request, pk)
    _form, month = _month(request)
    version = _asked_version(request, item)
    pdf = reports.facility_pdf(
        selectors.plan(version),
        selectors.evaluation(version, month),
        selectors.checks(version, month),
        name=item.name,
        kind=item.get_kind_display(),
        district=districts.label(districts.district(item.district)),
        version=version.number,
        month=month,
        lang=get_language() or "ko",
        made_at=timezone.localtime(),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="care-{item.pk}-v{version.number}-m{month}.pdf"'
    return response


@require_role(Service.CARE, Role.VIEWER)
@require_GET
def facility_model(request: AuthedRequest, pk: int, number: int) -> HttpResponse:
    """A version's model as the JSON file the platform reads (to edit and upload again)."""
    item = _facility(request, pk)
    version = selectors.version_of(item, number)
    if version is None:
        raise Http404
    response = HttpResponse(
        json.dumps(version.document, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="facility-{item.pk}-v{version.number}.json"'
    return response


@require_role(Service.CARE, Role.VIEWER)
@require_GET
def facility_plan(request: AuthedRequest, pk: int) -> HttpResponse:
    """The plan of a version and month as a large SVG image of its own, to open and zoom on a
    phone where the page's drawing is small."""
    item = _facility(request, pk)
    _form, month = _month(request)
    version = _asked_version(request, item)
    found = selectors.evaluation(version, month)
    risk = {r["room"]: float(r["expected_cases_per_month"]) for r in found["rooms_before"]}
    svg = _svg(selectors.plan(version), risk, selectors.checks(version, month), width_px=1800)
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


@require_role(Service.CARE, Role.VIEWER)
@require_http_methods(["GET", "POST"])
def costs(request: AuthedRequest) -> HttpResponse:
    """The unit costs every ranking uses, what each covers, and their history; care
    administrators set new ones (kept as a new set, audited)."""
    korean = _korean()
    current = UnitCostSet.current()
    may_set = request.user.has_role(Service.CARE, Role.ADMIN)
    form = UnitCostsForm(request.POST or None, current=current, korean=korean)
    if request.method == "POST" and not may_set:
        raise PermissionDenied
    done = form_action(
        request,
        form,
        lambda d: actions.set_costs(form.costs(), note=d["note"], actor=request.user),
        then=reverse("care:costs"),
        success=_("Unit costs saved: every facility's ranking now uses them."),
    )
    if done:
        return done
    rows = [
        (COST_LABELS.get(k, k), v["value"], v["basis_ko"] if korean else v["basis"])
        for k, v in current.to_dict().items()
    ]
    history = UnitCostSet.objects.select_related("set_by")[:20]
    context = {"form": form, "rows": rows, "history": history, "may_set": may_set}
    return render(request, "care/costs.html", context, status=form_status(form))


def _staff_label(user: Any) -> str:
    if user.institution_id is None:
        institution = _("no institution")
    else:
        institution = user.institution.name_ko if _korean() else user.institution.name_en
    return f"{user} ({user.username}, {institution})"


@require_role(Service.CARE, Role.ADMIN)
@require_http_methods(["GET", "POST"])
def readers(request: AuthedRequest) -> HttpResponse:
    """Care administrators give district childcare officers their districts and daycare
    directors their centres; everyone else with a care role sees every centre when they work
    for the city or the Seoul Design Foundation (``models.scope_of``). Each change is audited."""
    staff_users = list(selectors.care_staff())
    staff = [(u.pk, _staff_label(u)) for u in staff_users]
    by_pk = {u.pk: u for u in staff_users}
    centres = list(Facility.objects.visible_to(request.user))
    by_centre = {f.pk: f for f in centres}
    which = request.POST.get("form") if request.method == "POST" else None
    officer = DistrictOfficerForm(request.POST if which == "officer" else None, staff=staff)
    director = DirectorForm(
        request.POST if which == "director" else None,
        staff=staff,
        centres=[(f.pk, f"{f.name} ({districts.label(districts.district(f.district))})") for f in centres],
    )
    done = form_action(
        request,
        officer,
        lambda d: actions.set_districts(by_pk[d["user"]], d["districts"], actor=request.user),
        then=reverse("care:readers"),
        success=_("Districts saved."),
    ) or form_action(
        request,
        director,
        lambda d: actions.set_director(
            by_pk[d["user"]], by_centre[d["facility"]], directs=d["directs"], actor=request.user
        ),
        then=reverse("care:readers"),
        success=_("Director saved."),
    )
    if done:
        return done
    officers: dict[Any, list[str]] = {}
    for row in DistrictOfficer.objects.select_related("user"):
        officers.setdefault(row.user, []).append(districts.label(districts.district(row.district)))
    context = {
        "officers": sorted(officers.items(), key=lambda kv: kv[0].username),
        "directors": FacilityDirector.objects.select_related("user", "facility").order_by(
            "facility__name", "user__username"
        ),
        "officer_form": officer,
        "director_form": director,
    }
    bound = officer if which == "officer" else director
    return render(request, "care/readers.html", context, status=form_status(bound))
