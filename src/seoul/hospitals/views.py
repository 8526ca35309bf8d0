"""Pages of the city hospital network: the public summary, the control-tower board (citywide
and per sub-region), and a hospital's daily report (web form and CSV upload)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from seoul.core.access import public, require_role
from seoul.core.exports import csv_response
from seoul.core.flow import apply_errors, form_status
from seoul.core.http import AuthedRequest
from seoul.core.roles import Role, Service
from seoul.core.validation import today
from seoul.hospitals import actions, selectors
from seoul.hospitals.engine import tabular
from seoul.hospitals.engine.report import BED_KINDS, Freshness, freshness
from seoul.hospitals.forms import DailyReportForm, ReportUploadForm
from seoul.hospitals.models import CapacityReport, Region, reporting_hospitals

MAX_UPLOAD = 2 * 1024 * 1024


@public
@require_GET
def summary(request: HttpRequest) -> HttpResponse:
    """What the city publishes daily: beds by tier and region, no patient data."""
    now = timezone.now()
    city = selectors.board(region=None, now=now)
    per_region = [(r, selectors.board(region=r, now=now)) for r in selectors.regions()]
    reported = [row for row in city.rows if row.report is not None]
    as_of = max((row.report.day for row in reported if row.report), default=None)
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
    reports = selectors.latest_reports([h.pk for h in mine])
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
    last = selectors.latest_reports([hospital.pk]).get(hospital.pk)
    form = DailyReportForm(request.POST or None, initial=_initial_from(last))
    if request.method == "POST" and form.is_valid():
        data, errors = tabular.from_row(form.row(), hospital=hospital.code)
        for field, reason in errors:
            form.add_error(field if field in form.fields else None, reason)
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
