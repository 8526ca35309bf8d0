"""JSON API of the plan service (mounted at /api/v1/plan/).

Payloads are checked by the schemas in ``schemas.py``; the actions' refusals become 422 (with
the field and the error code) or 403 (audited) in ``seoul/api.py``. Projects are public to
read; writes need a plan operator of the project's institution or a plan admin, which the
actions check.
"""

from __future__ import annotations

import json
from datetime import date

from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from seoul.core.access import RoleAuth
from seoul.core.http import ApiRequest
from seoul.core.roles import Role, Service
from seoul.core.schemas import errors
from seoul.core.validation import today
from seoul.plan import actions, figures, selectors
from seoul.plan.errors import PlanError
from seoul.plan.models import Project
from seoul.plan.schemas import CODE_PATTERN, INSTITUTION_PATTERN, ProgressIn, ProjectIn, ProjectOut, VisionOut

router = Router(tags=["plan"])
operator = RoleAuth(Service.PLAN, Role.OPERATOR)


def _project_out(p: Project) -> ProjectOut:
    return ProjectOut(
        code=p.code,
        vision=p.vision.code,
        institution=p.institution.code,
        name_ko=p.name_ko,
        name_en=p.name_en,
        origin=p.origin,
        status=p.status,
        budget_krw=p.budget_krw,
        budget_executed_krw=p.budget_executed_krw,
        quantity=p.quantity,
        unit=p.unit,
        deadline=p.deadline,
    )


def _project(code: str) -> Project:
    """Any project (projects are public to read); 404 naming the code."""
    try:
        return selectors.project_detail(code)
    except Project.DoesNotExist:
        raise HttpError(404, PlanError.NO_PROJECT.message(code=code)) from None


@router.get(
    "/visions", response=list[VisionOut], auth=None, summary="The five visions with announced and registered figures"
)
def list_visions(request: HttpRequest) -> HttpResponse:
    day = today()
    # kept as the JSON body itself: a citizen-facing read that a press release sends crowds to
    body = figures.kept("api.visions", lambda: _visions_json(day), version=figures.version(), today=day)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


def _visions_json(day: date) -> bytes:
    return json.dumps([v.model_dump(mode="json") for v in _visions(day)], ensure_ascii=False).encode()


def _visions(day: date) -> list[VisionOut]:
    board = selectors.dashboard(day)
    by_code = {int(s.key): s for s in board.visions}
    return [
        VisionOut(
            code=v.code,
            symbol=v.symbol,
            name_ko=v.name_ko,
            name_en=v.name_en,
            projects_announced=v.projects_announced,
            budget_announced_krw=v.budget_announced_krw,
            projects_registered=by_code[v.code].projects_registered,
            budget_registered_krw=by_code[v.code].budget_registered_krw,
            budget_executed_krw=by_code[v.code].budget_executed_krw,
            period_start=v.period_start,
            period_end=v.period_end,
        )
        for v in selectors.visions()
    ]


@router.get("/projects", response={200: list[ProjectOut], **errors(422)}, auth=None, summary="Registered projects")
def list_projects(
    request: HttpRequest,
    vision: int | None = Query(None, ge=1, le=5, description="only this vision's projects"),  # type: ignore[type-arg]
    institution: str | None = Query(  # type: ignore[type-arg]
        None, max_length=32, pattern=INSTITUTION_PATTERN, description="only this institution's projects"
    ),
) -> list[ProjectOut]:
    return [_project_out(p) for p in selectors.projects(vision=vision, institution=institution)]


@router.get(
    "/projects/{code}", response={200: ProjectOut, **errors(404, 422)}, auth=None, summary="One project by its code"
)
def get_project(request: HttpRequest, code: str = Path(..., pattern=CODE_PATTERN)) -> ProjectOut:  # type: ignore[type-arg]
    return _project_out(_project(code))


@router.post(
    "/projects",
    response={201: ProjectOut, **errors(401, 403, 422)},
    auth=operator,
    summary="Register a project of your institution",
)
def create_project(request: ApiRequest, payload: ProjectIn) -> Status[ProjectOut]:
    data = payload.dict(exclude={"vision", "institution", "kpis"})
    project = actions.register_project(
        actions.ProjectInput(
            vision=selectors.vision(payload.vision), institution=selectors.institution(payload.institution), **data
        ),
        [actions.KpiInput(k.name, k.unit, k.target) for k in payload.kpis],
        actor=request.auth,
    )
    return Status(201, _project_out(selectors.project_detail(project.code)))


@router.post(
    "/projects/{code}/progress",
    response={201: ProjectOut, **errors(401, 403, 404, 422)},
    auth=operator,
    summary="Report a project's progress",
)
def create_progress(
    request: ApiRequest,
    payload: ProgressIn,
    code: str = Path(..., pattern=CODE_PATTERN),  # type: ignore[type-arg]
) -> Status[ProjectOut]:
    actions.report_progress(
        _project(code),
        reported_on=payload.reported_on,
        status=payload.status.value,
        budget_executed_krw=payload.budget_executed_krw,
        note=payload.note,
        actor=request.auth,
    )
    return Status(201, _project_out(selectors.project_detail(code)))
