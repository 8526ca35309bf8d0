"""JSON API of the plan service (mounted at /api/v1/plan/)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import field_validator

from seoul.core.access import RoleAuth
from seoul.core.models import Institution
from seoul.core.roles import Role, Service
from seoul.plan import actions, figures, selectors
from seoul.plan.models import Project, ProjectStatus, Vision

router = Router(tags=["plan"])
operator = RoleAuth(Service.PLAN, Role.OPERATOR)


class VisionOut(Schema):
    code: int
    symbol: str
    name_ko: str
    name_en: str
    projects_announced: int
    budget_announced_krw: int
    projects_registered: int
    budget_registered_krw: int
    budget_executed_krw: int
    period_start: int
    period_end: int


class ProjectOut(Schema):
    code: str
    vision: int
    institution: str
    name_ko: str
    name_en: str
    origin: str
    status: str
    budget_krw: int | None
    budget_executed_krw: int
    quantity: int | None
    unit: str
    deadline: date | None


class KpiIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field(min_length=1, max_length=30)
    target: Decimal | None = Field(default=None, max_digits=18, decimal_places=4)


class ProjectIn(Schema):
    vision: int = Field(ge=1, le=5)
    institution: str = Field(min_length=1, max_length=32)
    name_ko: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=5000)
    budget_krw: int | None = Field(default=None, ge=0, le=10**15)
    quantity: int | None = Field(default=None, ge=0, le=10**9)
    unit: str = Field(default="", max_length=20)
    deadline: date | None = None
    kpis: list[KpiIn] = Field(default_factory=list, max_length=20)


class ProgressIn(Schema):
    reported_on: date
    status: ProjectStatus
    budget_executed_krw: int = Field(ge=0, le=10**15)
    note: str = Field(default="", max_length=2000)

    @field_validator("reported_on")
    @classmethod
    def not_future(cls, v: date) -> date:
        if v > timezone.localdate():
            raise ValueError("progress cannot be reported for a future date")
        return v


class ErrorOut(Schema):
    detail: str | list[dict[str, object]]


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


def _field_error(field: str, msg: str, status: int = 422) -> HttpError:
    err = HttpError(status, msg)
    err.field = field  # type: ignore[attr-defined]
    return err


@router.get(
    "/visions", response=list[VisionOut], auth=None, summary="The five visions with announced and registered figures"
)
def list_visions(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    # kept as the JSON body itself: a citizen-facing read that a press release sends crowds to
    body = figures.kept("api.visions", lambda: _visions_json(today), version=figures.version(), today=today)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


def _visions_json(today: date) -> bytes:
    return json.dumps([v.model_dump(mode="json") for v in _visions(today)], ensure_ascii=False).encode()


def _visions(today: date) -> list[VisionOut]:
    board = selectors.dashboard(today)
    by_code = {int(s.key): s for s in board.visions}
    out = []
    for v in selectors.visions():
        s = by_code[v.code]
        out.append(
            VisionOut(
                code=v.code,
                symbol=v.symbol,
                name_ko=v.name_ko,
                name_en=v.name_en,
                projects_announced=v.projects_announced,
                budget_announced_krw=v.budget_announced_krw,
                projects_registered=s.projects_registered,
                budget_registered_krw=s.budget_registered_krw,
                budget_executed_krw=s.budget_executed_krw,
                period_start=v.period_start,
                period_end=v.period_end,
            )
        )
    return out


@router.get("/projects", response=list[ProjectOut], auth=None, summary="Registered projects")
def list_projects(request: HttpRequest, vision: int | None = None, institution: str | None = None) -> list[ProjectOut]:
    return [_project_out(p) for p in selectors.projects(vision=vision, institution=institution)]


@router.get("/projects/{code}", response={200: ProjectOut, 404: ErrorOut}, auth=None)
def get_project(request: HttpRequest, code: str) -> ProjectOut:
    try:
        return _project_out(selectors.project_detail(code))
    except Project.DoesNotExist as exc:
        raise HttpError(404, f"no project with code '{code}'") from exc


@router.post("/projects", response={201: ProjectOut, 403: ErrorOut, 422: ErrorOut}, auth=operator)
def create_project(request: HttpRequest, payload: ProjectIn) -> Status[ProjectOut]:
    try:
        vision = Vision.objects.get(code=payload.vision)
    except Vision.DoesNotExist as exc:
        raise _field_error("vision", f"vision: no vision {payload.vision}") from exc
    try:
        institution = Institution.objects.get(code=payload.institution)
    except Institution.DoesNotExist as exc:
        raise _field_error("institution", f"institution: unknown institution code '{payload.institution}'") from exc
    data = payload.dict(exclude={"vision", "institution", "kpis"})
    try:
        project = actions.register_project(
            request.auth,  # type: ignore[attr-defined]
            actions.ProjectInput(vision=vision, institution=institution, **data),
            [actions.KpiInput(k.name, k.unit, k.target) for k in payload.kpis],
        )
    except PermissionDenied as exc:
        raise HttpError(403, f"institution: you may register projects only for your own institution ({exc})") from exc
    except ValidationError as exc:
        raise HttpError(422, "; ".join(f"{f}: {' '.join(m)}" for f, m in exc.message_dict.items())) from exc
    return Status(201, _project_out(selectors.project_detail(project.code)))


@router.post("/projects/{code}/progress", response={201: ProjectOut, 403: ErrorOut, 404: ErrorOut}, auth=operator)
def create_progress(request: HttpRequest, code: str, payload: ProgressIn) -> Status[ProjectOut]:
    try:
        project = selectors.project_detail(code)
    except Project.DoesNotExist as exc:
        raise HttpError(404, f"no project with code '{code}'") from exc
    try:
        actions.report_progress(
            request.auth,  # type: ignore[attr-defined]
            project,
            reported_on=payload.reported_on,
            status=payload.status.value,
            budget_executed_krw=payload.budget_executed_krw,
            note=payload.note,
        )
    except PermissionDenied as exc:
        raise HttpError(403, "project: you may report only on your own institution's projects") from exc
    return Status(201, _project_out(selectors.project_detail(code)))
