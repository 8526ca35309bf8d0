from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seoul.core import audit, pagecache
from seoul.core.access import public, require_role
from seoul.core.exports import csv_response, xlsx_response
from seoul.core.flow import button_action, form_action, form_status
from seoul.core.http import AuthedRequest
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.core.validation import today
from seoul.plan import actions, charts, figures, selectors, words
from seoul.plan.events import PlanEvent
from seoul.plan.forms import KpiValueForm, MilestoneForm, ProgressForm, ProjectForm
from seoul.plan.models import Project


def _figures(day: date) -> dict[str, Any]:
    """What the public page and the dashboard show from the register: computed once per
    version of the plan's figures, day and language (``plan.figures``), never per person."""
    board = selectors.dashboard(day)
    vision_list = list(selectors.visions())
    institutions = selectors.institution_names()
    names = {p.code: p for p in selectors.projects()}
    by_vision = {str(v.code): v for v in vision_list}
    flags = []
    for f in board.flags:
        kind, _sep, key = f.subject.partition(":")
        subject = names.get(key) if kind == "project" else by_vision.get(key)
        flags.append({"flag": f, "subject": subject, "is_project": kind == "project"})
    series = selectors.progress_series(day)
    drawn = charts.drawn_visions(series)
    return {
        "board": board,
        "flags": flags,
        "visions": vision_list,
        "vision_rows": list(zip(vision_list, board.visions, strict=True)),
        "institutions": institutions,
        "institution_rows": [(institutions[s.key], s) for s in board.institutions],
        "charts": charts.dashboard_charts(board, vision_list, series),
        "undrawn_visions": [v.symbol for v in vision_list if v.code not in drawn],
        "today": day,
    }


def _dashboard_context(request: HttpRequest) -> dict[str, Any]:
    day, version = today(), figures.version()
    kept = figures.kept("dashboard", lambda: _figures(day), version=version, today=day, by_language=True)
    # templates key their cached fragments by the version too (plan/_summary.html, ...)
    ctx = {**kept, "figures_version": version, "vision_total": kept["board"].total, "visions_for": None}
    code = request.GET.get("visions_for") or ""
    if code in kept["institutions"]:
        # the vision table of one institution's projects (announced figures are per vision only)
        board = figures.kept(
            f"visions:{code}", lambda: selectors.dashboard(day, institution=code), version=version, today=day
        )
        ctx.update(
            vision_rows=list(zip(kept["visions"], board.visions, strict=True)),
            vision_total=board.total,
            visions_for=kept["institutions"][code],
        )
    return ctx


def _public_page_key(request: HttpRequest) -> tuple[int, date] | None:
    # A filter naming no institution is answered but not kept (no page per made-up query).
    code = request.GET.get("visions_for")
    if code and code not in selectors.institution_codes():
        return None
    return figures.version(), today()


@public
@require_GET
@pagecache.anonymous_page(_public_page_key)
def public_page(request: HttpRequest) -> HttpResponse:
    """Read-only progress of the plan for citizens: no names of staff, no flags."""
    return render(request, "plan/public.html", _dashboard_context(request))


SORTS = {
    "vision": ["vision__code", "code"],
    "institution": ["institution__name_ko", "code"],
    "budget": ["-budget_krw", "code"],
    "executed": ["-budget_executed_krw", "code"],
    "deadline": ["deadline", "code"],
}


@require_role(Service.PLAN, Role.VIEWER)
@require_GET
def dashboard(request: AuthedRequest) -> HttpResponse:
    ctx = _dashboard_context(request)
    try:
        vision_code = int(request.GET.get("vision") or 0) or None
    except ValueError:
        vision_code = None
    inst_filter = request.GET.get("institution") or None
    sort = request.GET.get("sort", "vision")
    if sort not in SORTS:
        sort = "vision"
    order = SORTS[sort]
    if sort == "institution" and words.english():
        order = ["institution__name_en", "code"]  # the names the English page shows
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
        can_register=request.user.has_role(Service.PLAN, Role.OPERATOR),
    )
    template = "plan/_project_table.html" if getattr(request, "htmx", False) else "plan/dashboard.html"
    return render(request, template, ctx)


def _project_or_404(code: str) -> Project:
    """Any project by its code: projects are public to read."""
    try:
        return selectors.project_detail(code)
    except Project.DoesNotExist as exc:
        raise Http404(code) from exc


def _editable_project(request: AuthedRequest, code: str) -> Project:
    """The project, if the signed-in person may change it; else 403 (audited as authz.denied
    by the refusal middleware). The actions check the same again."""
    project = _project_or_404(code)
    actions.check_edit(request.user, project.institution_id)
    return project


def _detail(request: HttpRequest, project: Project, **failed: Any) -> HttpResponse:
    """The project page; ``failed`` replaces a blank form with one that failed (status 400)."""
    user = request.user
    day = today()
    ctx: dict[str, Any] = {
        "project": project,
        "editable": isinstance(user, User) and actions.can_edit(user, project.institution_id),
        "progress_form": ProgressForm(
            initial={"reported_on": day, "status": project.status, "budget_executed_krw": project.budget_executed_krw}
        ),
        "kpi_form": KpiValueForm(project=project, initial={"measured_on": day}),
        "milestone_form": MilestoneForm(),
        "today": day,
        **failed,
    }
    return render(request, "plan/project_detail.html", ctx, status=400 if failed else 200)


@public
@require_GET
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _detail(request, _project_or_404(code))


@require_role(Service.PLAN, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def register_project(request: AuthedRequest) -> HttpResponse:
    form = ProjectForm(request.POST or None, user=request.user)

    def register(d: dict[str, Any]) -> Project:
        kpis = [actions.KpiInput(d["kpi_name"], d["kpi_unit"], d["kpi_target"])] if d.get("kpi_name") else []
        data = actions.ProjectInput(
            **{f: d[f] for f in ("vision", "institution", "name_ko", "name_en", "description", "description_en")},
            **{f: d[f] for f in ("budget_krw", "quantity", "unit", "deadline")},
        )
        return actions.register_project(data, kpis, actor=request.user)

    done = form_action(
        request,
        form,
        register,
        then=lambda project: reverse("plan:project", args=[project.code]),
        success=lambda project: _("Project %(code)s registered.") % {"code": project.code},
    )
    return done or render(request, "plan/register.html", {"form": form}, status=form_status(form))


@require_role(Service.PLAN, Role.OPERATOR)
@require_POST
def report_progress(request: AuthedRequest, code: str) -> HttpResponse:
    project = _editable_project(request, code)
    form = ProgressForm(request.POST)
    done = form_action(
        request,
        form,
        lambda d: actions.report_progress(project, **d, actor=request.user),
        then=reverse("plan:project", args=[code]),
        success=_("Progress recorded."),
    )
    return done or _detail(request, project, progress_form=form)


def _measured(result: actions.Measured) -> str:
    if result.replaced is None:
        return _("KPI value recorded.")
    return _("The KPI value of %(day)s was corrected from %(old)s to %(new)s.") % {
        "day": result.value.measured_on.isoformat(),
        "old": f"{result.replaced.normalize():f}",
        "new": f"{result.value.value.normalize():f}",
    }


@require_role(Service.PLAN, Role.OPERATOR)
@require_POST
def record_kpi_value(request: AuthedRequest, code: str) -> HttpResponse:
    project = _editable_project(request, code)
    form = KpiValueForm(request.POST, project=project)  # the project's own KPIs only
    done = form_action(
        request,
        form,
        lambda d: actions.record_kpi_value(d["kpi"], d["value"], d["measured_on"], actor=request.user),
        then=reverse("plan:project", args=[code]),
        success=_measured,
    )
    return done or _detail(request, project, kpi_form=form)


@require_role(Service.PLAN, Role.OPERATOR)
@require_POST
def add_milestone(request: AuthedRequest, code: str) -> HttpResponse:
    project = _editable_project(request, code)
    form = MilestoneForm(request.POST)
    done = form_action(
        request,
        form,
        lambda d: actions.add_milestone(project, d["title"], d["due"], actor=request.user),
        then=reverse("plan:project", args=[code]),
        success=_("Milestone added."),
    )
    return done or _detail(request, project, milestone_form=form)


@require_role(Service.PLAN, Role.OPERATOR)
@require_POST
def complete_milestone(request: AuthedRequest, code: str, milestone_id: int) -> HttpResponse:
    project = _editable_project(request, code)
    milestone = get_object_or_404(project.milestones.all(), pk=milestone_id)  # the project's own only
    return button_action(
        request,
        lambda: actions.complete_milestone(milestone, today(), actor=request.user),
        then=reverse("plan:project", args=[code]),
        success=_("Milestone marked done."),
    )


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
    name = f"seoul-plan-projects-{today():%Y%m%d}"
    if fmt == "csv":
        return csv_response(name, EXPORT_HEADER, rows)
    if fmt == "xlsx":
        return xlsx_response(name, "projects", EXPORT_HEADER, rows)
    raise Http404(fmt)
