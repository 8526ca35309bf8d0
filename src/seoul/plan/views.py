from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seoul.core import audit, pagecache
from seoul.core.access import public, require_role
from seoul.core.exports import csv_response, xlsx_response
from seoul.core.roles import Role, Service
from seoul.plan import actions, charts, figures, selectors
from seoul.plan.events import PlanEvent
from seoul.plan.forms import KpiValueForm, MilestoneForm, ProgressForm, ProjectForm
from seoul.plan.models import Kpi, Milestone, Project


def _today() -> date:
    return timezone.localdate()


def _figures(today: date) -> dict[str, Any]:
    """What the public page and the dashboard show from the register: computed once per
    version of the plan's figures, day and language (``plan.figures``), never per person."""
    board = selectors.dashboard(today)
    vision_list = list(selectors.visions())
    institutions = selectors.institution_names()
    names = {p.code: p for p in selectors.projects()}
    by_vision = {str(v.code): v for v in vision_list}
    flags = []
    for f in board.flags:
        kind, _, key = f.subject.partition(":")
        subject = names.get(key) if kind == "project" else by_vision.get(key)
        flags.append({"flag": f, "subject": subject, "is_project": kind == "project"})
    return {
        "board": board,
        "flags": flags,
        "visions": vision_list,
        "vision_rows": list(zip(vision_list, board.visions, strict=True)),
        "institutions": institutions,
        "institution_rows": [(institutions[s.key], s) for s in board.institutions],
        "charts": charts.dashboard_charts(board, vision_list, selectors.progress_series(today)),
        "today": today,
    }


def _dashboard_context(request: HttpRequest) -> dict[str, Any]:
    today, version = _today(), figures.version()
    kept = figures.kept("dashboard", lambda: _figures(today), version=version, today=today, by_language=True)
    # templates key their cached fragments by the version too (plan/_summary.html, ...)
    return {**kept, "figures_version": version}


def _public_page_key(request: HttpRequest) -> tuple[int, date]:
    return figures.version(), _today()


@public
@require_GET
@pagecache.anonymous_page(_public_page_key)
def public_page(request: HttpRequest) -> HttpResponse:
    """Read-only progress of the plan for citizens: no names of staff, no flags."""
    return render(request, "plan/public.html", _dashboard_context(request))


@require_role(Service.PLAN, Role.VIEWER)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    ctx = _dashboard_context(request)
    vision_filter = request.GET.get("vision") or None
    inst_filter = request.GET.get("institution") or None
    try:
        vision_code = int(vision_filter) if vision_filter else None
    except ValueError:
        vision_code = None
    sort = request.GET.get("sort", "vision")
    order = {
        "vision": ["vision__code", "code"],
        "budget": ["-budget_krw", "code"],
        "executed": ["-budget_executed_krw", "code"],
        "deadline": ["deadline", "code"],
        "institution": ["institution__name_ko", "code"],
    }.get(sort, ["vision__code", "code"])
    ctx.update(
        projects=selectors.projects(vision=vision_code, institution=inst_filter).order_by(*order),
        vision_filter=vision_code,
        inst_filter=inst_filter or "",
        sort=sort,
        sort_options=[
            ("vision", _("Vision")),
            ("institution", _("Institution")),
            ("budget", _("Budget")),
            ("executed", _("Executed")),
            ("deadline", _("Deadline")),
        ],
        can_register=request.user.has_role(Service.PLAN, Role.OPERATOR),  # type: ignore[union-attr]
    )
    template = "plan/_project_table.html" if request.htmx else "plan/dashboard.html"  # type: ignore[attr-defined]
    return render(request, template, ctx)


def _project_or_404(code: str) -> Project:
    try:
        return selectors.project_detail(code)
    except Project.DoesNotExist as exc:
        raise Http404(code) from exc


def _detail(request: HttpRequest, project: Project, status: int = 200, **forms: Any) -> HttpResponse:
    """The project page; ``forms`` replaces a blank form with one that failed validation."""
    user = request.user
    ctx: dict[str, Any] = {
        "project": project,
        "editable": user.is_authenticated and actions.can_edit(user, project.institution_id),
        "progress_form": ProgressForm(
            initial={
                "reported_on": _today(),
                "status": project.status,
                "budget_executed_krw": project.budget_executed_krw,
            }
        ),
        "kpi_form": KpiValueForm(initial={"measured_on": _today()}),
        "milestone_form": MilestoneForm(),
        "today": _today(),
        **forms,
    }
    return render(request, "plan/project_detail.html", ctx, status=status)


@public
@require_GET
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _detail(request, _project_or_404(code))


def _apply_errors(form: Any, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_role(Service.PLAN, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def register_project(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProjectForm(request.POST or None, user=user)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        kpis = [actions.KpiInput(d["kpi_name"], d["kpi_unit"], d["kpi_target"])] if d.get("kpi_name") else []
        try:
            project = actions.register_project(
                user,  # type: ignore[arg-type]
                actions.ProjectInput(
                    vision=d["vision"],
                    institution=d["institution"],
                    name_ko=d["name_ko"],
                    name_en=d["name_en"],
                    description=d["description"],
                    budget_krw=d["budget_krw"],
                    quantity=d["quantity"],
                    unit=d["unit"],
                    deadline=d["deadline"],
                ),
                kpis,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Project %(code)s registered.") % {"code": project.code})
            return redirect("plan:project", code=project.code)
    return render(request, "plan/register.html", {"form": form}, status=400 if form.errors else 200)


def _editable_project(request: HttpRequest, code: str) -> Project:
    project = _project_or_404(code)
    if not actions.can_edit(request.user, project.institution_id):  # type: ignore[arg-type]
        raise PermissionDenied
    return project


@require_role(Service.PLAN, Role.OPERATOR)
@require_POST
def report_progress(request: HttpRequest, code: str) -> HttpResponse:
    project = _editable_project(request, code)
    form = ProgressForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        actions.report_progress(
            request.user,  # type: ignore[arg-type]
            project,
            reported_on=d["reported_on"],
            status=d["status"],
            budget_executed_krw=d["budget_executed_krw"],
            note=d["note"],
        )
        messages.success(request, _("Progress recorded."))
        return redirect("plan:project", code=code)
    return _detail(request, project, status=400, progress_form=form)


@require_role(Service.PLAN, Role.OPERATOR)
@require_POST
def record_kpi_value(request: HttpRequest, code: str) -> HttpResponse:
    project = _editable_project(request, code)
    form = KpiValueForm(request.POST)
    if form.is_valid():
        try:
            kpi = project.kpis.get(pk=form.cleaned_data["kpi"])
        except Kpi.DoesNotExist:
            form.add_error("kpi", _("This project has no such KPI."))
        else:
            actions.record_kpi_value(request.user, kpi, form.cleaned_data["value"], form.cleaned_data["measured_on"])  # type: ignore[arg-type]
            messages.success(request, _("KPI value recorded."))
            return redirect("plan:project", code=code)
    return _detail(request, project, status=400, kpi_form=form)


@require_role(Service.PLAN, Role.OPERATOR)
@require_POST
def add_milestone(request: HttpRequest, code: str) -> HttpResponse:
    project = _editable_project(request, code)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        actions.add_milestone(request.user, project, form.cleaned_data["title"], form.cleaned_data["due"])  # type: ignore[arg-type]
        messages.success(request, _("Milestone added."))
        return redirect("plan:project", code=code)
    return _detail(request, project, status=400, milestone_form=form)


@require_role(Service.PLAN, Role.OPERATOR)
@require_POST
def complete_milestone(request: HttpRequest, code: str, milestone_id: int) -> HttpResponse:
    project = _editable_project(request, code)
    try:
        milestone = project.milestones.get(pk=milestone_id)
    except Milestone.DoesNotExist as exc:
        raise Http404 from exc
    actions.complete_milestone(request.user, milestone, _today())  # type: ignore[arg-type]
    messages.success(request, _("Milestone marked done."))
    return redirect("plan:project", code=code)


EXPORT_HEADER = [
    "code",
    "vision",
    "institution_code",
    "institution",
    "name_ko",
    "name_en",
    "origin",
    "status",
    "budget_krw",
    "budget_executed_krw",
    "quantity",
    "unit",
    "deadline",
]


def _export_rows() -> list[list[Any]]:
    return [
        [
            p.code,
            p.vision.code,
            p.institution.code,
            p.institution.name_ko,
            p.name_ko,
            p.name_en,
            p.origin,
            p.status,
            p.budget_krw,
            p.budget_executed_krw,
            p.quantity,
            p.unit,
            p.deadline.isoformat() if p.deadline else "",
        ]
        for p in selectors.projects()
    ]


@public
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The project register as CSV or XLSX. It holds no personal data; exports are still logged."""
    rows = _export_rows()
    audit.record(PlanEvent.EXPORTED, request=request, new={"format": fmt, "rows": len(rows)}, service="plan")
    name = f"seoul-plan-projects-{_today():%Y%m%d}"
    if fmt == "csv":
        return csv_response(name, EXPORT_HEADER, rows)
    if fmt == "xlsx":
        return xlsx_response(name, "projects", EXPORT_HEADER, rows)
    raise Http404(fmt)
