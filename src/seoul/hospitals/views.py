"""Pages of the city hospital network: the public summary, the control-tower board (citywide
and per sub-region), and a hospital's daily report (web form and CSV upload)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from seoul.core import audit, districts
from seoul.core.access import public, require_role
from seoul.core.exports import csv_response, xlsx_response
from seoul.core.flow import apply_errors, button_action, form_action, form_status
from seoul.core.http import AuthedRequest
from seoul.core.models import AuditEvent
from seoul.core.personal_data import need_reason
from seoul.core.roles import Role, Service
from seoul.core.validation import PANDEMIC_ERA, today
from seoul.hospitals import actions, selectors, state
from seoul.hospitals.engine import tabular
from seoul.hospitals.engine.network import Need
from seoul.hospitals.engine.report import BED_KINDS, Freshness, Tier, freshness
from seoul.hospitals.events import HospitalsEvent, HospitalsPurpose
from seoul.hospitals.forms import (
    DailyReportForm,
    DecisionForm,
    HospitalForm,
    OfferForm,
    PatientForm,
    ReasonTextForm,
    ReportUploadForm,
    ResourceRequestForm,
)
from seoul.hospitals.labels import reason_words
from seoul.hospitals.models import (
    TIER_CHOICES,
    CapacityReport,
    Hospital,
    Proposal,
    Region,
    ResourceRequest,
    coordinated_regions,
    reporting_hospitals,
)

MAX_UPLOAD = 2 * 1024 * 1024


@public
@require_GET
def summary(request: HttpRequest) -> HttpResponse:
    """What the city publishes daily: beds by tier and region, no patient data."""
    now = timezone.now()
    city = selectors.board(region=None, now=now, current_only=True)
    per_region = [(r, selectors.board(region=r, now=now, current_only=True)) for r in selectors.regions()]
    reported = [row for row in city.rows if row.freshness is not Freshness.STALE]
    as_of = max((row.report.day for row in city.rows if row.report), default=None)
    return render(
        request,
        "hospitals/summary.html",
        {
            "city": city,
            "per_region": per_region,
            "as_of": as_of,
            "reporting": len(reported),
            "hospitals": len(city.rows),
        },
    )


@require_role(Service.HOSPITALS, Role.VIEWER)
@require_GET
def board(request: AuthedRequest, region: str | None = None) -> HttpResponse:
    area: Region | None = None
    if region is not None:
        area = get_object_or_404(Region, code=region)
    now = timezone.now()
    data = selectors.board(region=area, now=now)
    title = _("Occupancy by tier, last %(n)d days") % {"n": selectors.TREND_DAYS}
    points = selectors.trend([row.hospital.pk for row in data.rows], until=today())
    return render(
        request,
        "hospitals/board.html",
        {
            "board": data,
            "regions": selectors.regions(),
            "trend": selectors.trend_spec(points, title),
            "trend_title": title,
            "trend_rows": _trend_table(points),
            "map": selectors.map_spec(data.rows, _("Hospitals on Seoul's districts")),
            "perms_patients": request.user.has_role(Service.HOSPITALS, Role.APPROVER),
            "Freshness": Freshness,
        },
    )


def _trend_table(points: list[dict[str, Any]]) -> list[tuple[Any, list[str]]]:
    """The chart's figures as a table (last 14 days, newest first): day → occupied/beds per kind."""
    by_day: dict[Any, dict[str, str]] = {}
    for p in points:
        by_day.setdefault(p["day"], {})[p["kind"]] = f"{p['occupied']}/{p['total']}"
    return [(day, [cells.get(k, "–") for k in BED_KINDS]) for day, cells in sorted(by_day.items(), reverse=True)[:14]]


@require_role(Service.HOSPITALS, Role.OPERATOR)
@require_GET
def report_home(request: AuthedRequest) -> HttpResponse:
    """The hospitals this person reports for, with today's state of each."""
    mine = list(reporting_hospitals(request.user))
    if len(mine) == 1:
        return redirect("hospitals:report", code=mine[0].code)
    now = timezone.now()
    reports = state.latest_reports([h.pk for h in mine])
    rows = [(h, reports.get(h.pk)) for h in mine]
    return render(
        request,
        "hospitals/report_home.html",
        {"rows": [(h, r, freshness(r.day if r else None, now)) for h, r in rows]},
    )


def _initial_from(report: CapacityReport | None) -> dict[str, Any]:
    """The form's starting values: the hospital's last good report, so only changes are typed."""
    if report is None:
        return {"day": today()}
    row: dict[str, Any] = {}
    for b in report.beds.all():
        for f in tabular.BED_FIELDS:
            row[f"{b.kind}_{f}"] = getattr(b, f)
    for p, s in (report.staff or {}).items():
        row[f"staff_{p}_on_duty"], row[f"staff_{p}_short"] = s.get("on_duty"), s.get("short")
    for k, s in (report.supplies or {}).items():
        row[f"supply_{k}_on_hand"], row[f"supply_{k}_days"] = s.get("on_hand"), s.get("days_of_supply")
    for i, v in enumerate(report.forecast or [], start=1):
        row[f"forecast_{i}"] = v
    row["day"] = today()
    return row


@require_role(Service.HOSPITALS, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def report(request: AuthedRequest, code: str) -> HttpResponse:
    hospital = get_object_or_404(reporting_hospitals(request.user), code=code)
    last = state.latest_reports([hospital.pk]).get(hospital.pk)
    form = DailyReportForm(request.POST or None, initial=_initial_from(last))
    if request.method == "POST" and form.is_valid():
        data, errors = tabular.from_row(form.row(), hospital=hospital.code)
        for field, reason in errors:
            form.add_error(field if field in form.fields else None, reason_words(reason))
        if data is not None and not errors:
            try:
                actions.submit_report(hospital, data, channel=CapacityReport.Channel.WEB, actor=request.user)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Report for %(day)s accepted. The control towers see it now.") % {"day": data.day.isoformat()},
                )
                return redirect("hospitals:report", code=hospital.code)
    history = CapacityReport.objects.filter(hospital=hospital).select_related("submitted_by")[:15]
    return render(
        request,
        "hospitals/report.html",
        {"hospital": hospital, "form": form, "last": last, "history": history},
        status=form_status(form),
    )


@require_role(Service.HOSPITALS, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def upload(request: AuthedRequest) -> HttpResponse:
    form = ReportUploadForm(request.POST or None, request.FILES or None)
    results: list[actions.reports.UploadLine] | None = None
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            form.add_error("file", _("The file is larger than 2 MB."))
        else:
            try:
                text = f.read().decode("utf-8")
            except UnicodeDecodeError:
                form.add_error("file", _("The file is not UTF-8 text. Save it as CSV (UTF-8)."))
            else:
                try:
                    rows = list(tabular.read_csv(text))
                except tabular.HeaderError as exc:
                    for column, reason in exc.problems:
                        form.add_error(
                            "file", _("Column %(column)s: %(reason)s") % {"column": column, "reason": reason}
                        )
                else:
                    results = actions.upload_reports(rows, actor=request.user)
    return render(
        request,
        "hospitals/upload.html",
        {
            "form": form,
            "results": results,
            "accepted": sum(1 for r in results or [] if r.accepted),
            "columns": tabular.COLUMNS,
        },
        status=form_status(form),
    )


@require_role(Service.HOSPITALS, Role.OPERATOR)
@require_GET
def template_csv(request: AuthedRequest) -> HttpResponse:
    """An empty CSV with every column, one row per hospital the person reports for."""
    rows = [
        [h.code, today().isoformat()] + [""] * (len(tabular.COLUMNS) - 2) for h in reporting_hospitals(request.user)
    ]
    return csv_response("daily-capacity-template.csv", tabular.COLUMNS, rows)


# ---- patients and placement ------------------------------------------------------------------


def _tier_choices() -> list[tuple[str, Any]]:
    return [(value, label) for value, label in TIER_CHOICES]


@require_role(Service.HOSPITALS, Role.APPROVER)
@require_http_methods(["GET", "POST"])
def patients(request: AuthedRequest) -> HttpResponse:
    """The waiting list of the coordinator's regions, and the button that asks the solver."""
    regions = coordinated_regions(request.user)
    choices = list(selectors.regions()) if regions is None else list(regions)
    region_code = request.GET.get("region", "")
    region = next((r for r in choices if r.code == region_code), None)
    if request.method == "POST":
        chosen = next((r for r in choices if r.code == request.POST.get("region", "")), None)
        if regions is not None and chosen is None and len(choices) == 1:
            chosen = choices[0]
        return button_action(
            request,
            lambda: actions.propose(region=chosen, actor=request.user),
            then=lambda made: reverse("hospitals:proposal", args=[made.pk]),
            back=reverse("hospitals:patients"),
        )
    tier = request.GET.get("tier", "") if request.GET.get("tier", "") in dict(TIER_CHOICES) else ""
    rows = selectors.waiting_patients(request.user, region=region, tier=tier)
    now = timezone.now()
    return render(
        request,
        "hospitals/patients.html",
        {
            "rows": [(p, (now - p.requested_at).total_seconds() / 3600) for p in rows],
            "regions": choices,
            "region": region,
            "all_regions": regions is None,
            "tier": tier,
            "tiers": _tier_choices(),
        },
    )


@require_role(Service.HOSPITALS, Role.APPROVER)
@require_http_methods(["GET", "POST"])
def new_patient(request: AuthedRequest) -> HttpResponse:
    form = PatientForm(request.POST or None, districts=districts.choices(), tiers=_tier_choices())

    def register(d: dict[str, Any]) -> Any:
        data = actions.NewPatient(
            name=d["name"],
            district=d["district"],
            tier=Tier(d["tier"]),
            needs=frozenset(Need(n) for n in d["needs"]),
            phone=d["phone"],
            birth_year=d["birth_year"],
            note=d["note"] or "",
        )
        return actions.register_patient(data, actor=request.user)

    done = form_action(
        request,
        form,
        register,
        success=lambda p: _("Patient %(ref)s is on the waiting list.") % {"ref": p.reference},
        then=lambda p: reverse("hospitals:patients"),
    )
    if done:
        return done
    return render(request, "hospitals/new_patient.html", {"form": form}, status=form_status(form))


@require_role(Service.HOSPITALS, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def patient(request: AuthedRequest, reference: str) -> HttpResponse:
    """One patient's request and placement, with their name and phone: personal data, so the
    reader states why first and the view is audited with that reason."""
    found = selectors.patient(request.user, reference)
    reason = need_reason(
        request,
        found,
        purposes=HospitalsPurpose,
        title=_("Patient %(ref)s") % {"ref": found.reference},
        back=reverse("hospitals:patient", args=[found.reference]),
    )
    form = ReasonTextForm(request.POST or None)
    if request.user.has_role(Service.HOSPITALS, Role.APPROVER):
        done = form_action(
            request,
            form,
            lambda d: actions.cancel(found, reason=d["reason"], actor=request.user),
            success=_("The bed request was withdrawn."),
            then=reverse("hospitals:patients"),
        )
        if done:
            return done
    audit.record(
        HospitalsEvent.PATIENT_VIEWED,
        request=request,
        target=found,
        target_label=found.reference,
        reason=str(reason),
        service="hospitals",
    )
    history = AuditEvent.objects.filter(target_type="hospitals.patient", target_id=str(found.pk)).order_by("at")
    return render(
        request,
        "hospitals/patient.html",
        {
            "patient": found,
            "form": form,
            "history": history,
            "can_cancel": request.user.has_role(Service.HOSPITALS, Role.APPROVER),
        },
        status=form_status(form),
    )


@require_role(Service.HOSPITALS, Role.APPROVER)
@require_http_methods(["GET", "POST"])
def proposal(request: AuthedRequest, pk: int) -> HttpResponse:
    found = selectors.proposal(request.user, pk)
    lines = selectors.proposal_lines(found)
    form = DecisionForm(request.POST or None, lines=lines, hospitals=selectors.bed_choices(timezone.now()))
    if found.status == Proposal.Status.OPEN:
        done = form_action(
            request,
            form,
            lambda d: actions.decide(found, form.decisions(), actor=request.user),
            success=_("Decided. The receiving hospitals see their offers now."),
            then=reverse("hospitals:patients"),
        )
        if done:
            return done
    return render(
        request,
        "hospitals/proposal.html",
        {
            "proposal": found,
            "form": form,
            "left_out": selectors.left_out(found),
            "rows": [(line, field, selectors.line_reasons(line)) for line, field in form.rows()],
        },
        status=form_status(form),
    )


@require_role(Service.HOSPITALS, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def incoming(request: AuthedRequest) -> HttpResponse:
    """A hospital's answers: bed offers and transfers to accept or decline, patients to discharge."""
    if request.method == "POST":
        what, ref, answer = request.POST.get("what", ""), request.POST.get("ref", ""), request.POST.get("answer", "")
        then = reverse("hospitals:incoming")
        if what == "transfer":
            transfer = get_object_or_404(
                selectors.offers_for(request.user)["transfers"], pk=ref if ref.isdigit() else 0
            )
            return button_action(
                request,
                lambda: actions.answer_transfer(transfer, accept=answer == "accept", actor=request.user),
                then=then,
                success=_("Answer recorded."),
            )
        found = selectors.patient(request.user, ref)
        if what == "discharge":
            return button_action(
                request,
                lambda: actions.discharge(found, actor=request.user),
                then=then,
                success=_("Discharge recorded."),
            )
        return button_action(
            request,
            lambda: actions.answer_offer(
                found, accept=answer == "accept", reason=request.POST.get("reason", ""), actor=request.user
            ),
            then=then,
            success=_("Answer recorded."),
        )
    return render(request, "hospitals/incoming.html", selectors.offers_for(request.user))


# ---- sharing --------------------------------------------------------------------------------


@require_role(Service.HOSPITALS, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def sharing(request: AuthedRequest) -> HttpResponse:
    data = selectors.sharing(request.user)
    mine = data["mine"]
    form = ResourceRequestForm(request.POST or None, kinds=list(ResourceRequest.Kind.choices))
    if request.method == "POST":
        action = request.POST.get("do", "")
        then = reverse("hospitals:sharing")
        if action == "request" and mine:
            hospital = next((h for h in mine if h.code == request.POST.get("hospital")), mine[0])
            done = form_action(
                request,
                form,
                lambda d: actions.request_resource(
                    hospital,
                    actions.sharing.Need(d["kind"], d["item"], d["quantity"], d["start"], d["end"], d["note"] or ""),
                    actor=request.user,
                ),
                success=_("Request sent to the network."),
                then=then,
            )
            if done:
                return done
        elif action == "offer" and mine:
            wanted = get_object_or_404(data["open"], pk=_int(request.POST.get("request")))
            lender = next((h for h in mine if h.code == request.POST.get("hospital")), mine[0])
            offer = OfferForm(request.POST)
            if offer.is_valid():
                return button_action(
                    request,
                    lambda: actions.offer(
                        wanted,
                        lender,
                        offer.cleaned_data["quantity"],
                        note=offer.cleaned_data["note"] or "",
                        actor=request.user,
                    ),
                    then=then,
                    success=_("Offer sent; the control tower decides."),
                )
            messages.error(request, _("Give how many you can lend (1 to 10,000)."))
            return redirect(then)
        elif action in ("approve", "decline"):
            loan = get_object_or_404(data["to_decide"], pk=_int(request.POST.get("loan")))
            return button_action(
                request,
                lambda: actions.decide_loan(loan, approve=action == "approve", actor=request.user),
                then=then,
                success=_("Decision recorded."),
            )
        elif action in ("returned", "consumed"):
            loan = get_object_or_404(data["on_loan"], pk=_int(request.POST.get("loan")))
            return button_action(
                request,
                lambda: actions.close_loan(loan, consumed=action == "consumed", actor=request.user),
                then=then,
                success=_("The loan is closed."),
            )
    return render(
        request,
        "hospitals/sharing.html",
        # a person posted at one hospital is not offered to lend to its own requests
        {**data, "form": form, "own_only": [mine[0].pk] if len(mine) == 1 else []},
        status=form_status(form),
    )


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


@require_role(Service.HOSPITALS, Role.VIEWER)
@require_GET
def ledger(request: AuthedRequest, code: str) -> HttpResponse:
    hospital = get_object_or_404(Hospital, code=code)
    return render(request, "hospitals/ledger.html", {"hospital": hospital, **selectors.ledger(hospital)})


# ---- performance ----------------------------------------------------------------------------

PERFORMANCE_HEADER = [
    "hospital",
    "month",
    "occupancy_percent",
    "admitted_through_network",
    "mean_stay_days",
    "mean_hours_request_to_bed",
    "transfers_in",
    "transfers_out",
    "loans_lent",
    "loans_borrowed",
]


@require_role(Service.HOSPITALS, Role.VIEWER)
@require_GET
def performance(request: AuthedRequest) -> HttpResponse:
    try:
        month = date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        month = today().replace(day=1)
    if not PANDEMIC_ERA.contains(month):
        month = today().replace(day=1)
    rows = selectors.performance(month)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        table = [
            [
                r.hospital.code,
                f"{month:%Y-%m}",
                r.occupancy,
                r.admitted,
                r.mean_stay_days,
                r.mean_hours_to_bed,
                r.transfers_in,
                r.transfers_out,
                r.loans_lent,
                r.loans_borrowed,
            ]
            for r in rows
        ]
        audit.record(
            HospitalsEvent.EXPORTED,
            request=request,
            new={"month": f"{month:%Y-%m}", "format": fmt},
            service="hospitals",
        )
        name = f"hospital-performance-{month:%Y-%m}"
        if fmt == "csv":
            return csv_response(f"{name}.csv", PERFORMANCE_HEADER, table)
        return xlsx_response(f"{name}.xlsx", f"{month:%Y-%m}", PERFORMANCE_HEADER, table)
    return render(request, "hospitals/performance.html", {"rows": rows, "month": month})


# ---- the register ----------------------------------------------------------------------------


@require_role(Service.HOSPITALS, Role.ADMIN)
@require_http_methods(["GET", "POST"])
def register(request: AuthedRequest) -> HttpResponse:
    """Partner hospitals and community treatment centres, and district → sub-region."""
    kinds = [(k.value, k.label) for k in (Hospital.Kind.PARTNER, Hospital.Kind.TREATMENT_CENTRE)]
    form = HospitalForm(request.POST or None, districts=districts.choices(), kinds=kinds)
    if request.method == "POST" and request.POST.get("do") == "district":
        region = get_object_or_404(Region, code=request.POST.get("region", ""))
        index = _int(request.POST.get("district"))
        return button_action(
            request,
            lambda: actions.move_district(
                index, region, verified=request.POST.get("verified") == "yes", actor=request.user
            ),
            then=reverse("hospitals:register"),
            success=_("The district's sub-region is saved."),
        )
    done = form_action(
        request,
        form,
        lambda d: actions.register_hospital(
            actions.NewHospital(
                code=d["code"],
                name_ko=d["name_ko"],
                name_en=d["name_en"],
                kind=d["kind"],
                district=d["district"],
                address=d["address"] or "",
                lat=d["lat"],
                lon=d["lon"],
                licensed_beds=d["licensed_beds"],
                capabilities=frozenset(Need(n) for n in d["capabilities"]),
            ),
            actor=request.user,
        ),
        success=lambda h: (
            _("%(name)s is registered. Its bed managers report once they are posted there (seoul hospitals post).")
            % {"name": h.name}
        ),
        then=reverse("hospitals:register"),
    )
    if done:
        return done
    return render(
        request,
        "hospitals/register.html",
        {
            "form": form,
            "hospitals": Hospital.objects.order_by("kind", "code"),
            "district_regions": selectors.district_regions(),
            "regions": selectors.regions(),
        },
        status=form_status(form),
    )
