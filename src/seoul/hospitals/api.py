"""The hospital network's machine interface: a hospital's daily capacity report as an HL7 FHIR
R4 ``MeasureReport`` (docs/hospitals-fhir.md). Answers about the resource itself are FHIR
``OperationOutcome``s, as a FHIR client expects; access refusals keep the platform's shape."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Query, Router, Schema

from seoul.core.access import RoleAuth, TokenRoleAuth
from seoul.core.http import ApiRequest
from seoul.core.roles import Role, Service
from seoul.core.schemas import errors
from seoul.hospitals import actions, selectors
from seoul.hospitals.engine import fhir
from seoul.hospitals.models import CapacityReport, Hospital

router = Router(tags=["hospitals"])
FHIR_JSON = "application/fhir+json"


class Issue(Schema):
    severity: str
    code: str
    diagnostics: str
    expression: list[str] = []


class OperationOutcome(Schema):
    resourceType: str = Field("OperationOutcome", pattern="^OperationOutcome$")
    issue: list[Issue]


def _outcome(status: int, issues: list[tuple[str, str]], code: str = "invalid") -> HttpResponse:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": code, "diagnostics": why, "expression": [where] if where else []}
            for where, why in issues
        ],
    }
    return JsonResponse(body, status=status, content_type=FHIR_JSON)


class DayQuery(Schema):
    subject: str = Field(
        ..., pattern=r"^Organization/[A-Za-z0-9\-.]{1,64}$", description="Organization/<hospital code>"
    )
    date: date


reporters = [TokenRoleAuth(Service.HOSPITALS, Role.OPERATOR), RoleAuth(Service.HOSPITALS, Role.OPERATOR)]
readers = [TokenRoleAuth(Service.HOSPITALS, Role.VIEWER), RoleAuth(Service.HOSPITALS, Role.VIEWER)]


@router.post(
    "/fhir/MeasureReport",
    response={201: dict[str, Any], 400: OperationOutcome, 422: OperationOutcome, **errors(401, 403)},
    auth=reporters,
    summary="A hospital's daily capacity report as a FHIR MeasureReport",
    description="The body is one FHIR R4 MeasureReport (JSON) in the platform's SANER-style daily-capacity shape "
    "(docs/hospitals-fhir.md). 201 with the stored report; 400 when the body is not JSON; 422 with an "
    "OperationOutcome naming each problem (path, reason) when the resource is not valid FHIR, not this measure, "
    "or an impossible report (e.g. more beds occupied than there are): the refused report is kept in the "
    "hospital's history and its last good report stays in force.",
    openapi_extra={"requestBody": {"content": {FHIR_JSON: {"schema": {"type": "object"}}}, "required": True}},
)
def post_measure_report(request: ApiRequest) -> HttpResponse:
    try:
        data = json.loads(request.body or b"")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _outcome(400, [("", f"the body is not JSON: {exc}")], code="structure")
    try:
        report = fhir.from_measure_report(data)
    except fhir.FhirError as exc:
        return _outcome(422, exc.problems)
    hospital = Hospital.objects.filter(code=report.hospital, active=True).first()
    if hospital is None:
        return _outcome(422, [("subject", f"no hospital {report.hospital} in the register")], code="not-found")
    try:
        stored = actions.submit_report(hospital, report, channel=CapacityReport.Channel.FHIR, actor=request.auth)
    except ValidationError as exc:
        return _outcome(
            422, [(field, m) for field, messages in exc.message_dict.items() for m in messages], code="business-rule"
        )
    body = {
        "id": str(stored.pk),
        **fhir.to_measure_report(selectors.as_daily_report(stored), generated=stored.submitted_at),
    }
    response = JsonResponse(body, status=201, content_type=FHIR_JSON)
    response["Location"] = f"{request.path}?subject=Organization/{hospital.code}&date={stored.day.isoformat()}"
    return response


@router.get(
    "/fhir/MeasureReport",
    response={200: dict[str, Any], 404: OperationOutcome, **errors(401, 403)},
    auth=readers,
    summary="A hospital's accepted capacity report for one day, as a FHIR MeasureReport",
)
def get_measure_report(request: HttpRequest, q: Query[DayQuery]) -> HttpResponse:
    code = q.subject.removeprefix("Organization/")
    stored = selectors.accepted_report(code, q.date)
    if stored is None:
        return _outcome(404, [("subject", f"no accepted report of {code} for {q.date.isoformat()}")], code="not-found")
    body = {
        "id": str(stored.pk),
        **fhir.to_measure_report(selectors.as_daily_report(stored), generated=stored.submitted_at),
    }
    return JsonResponse(body, content_type=FHIR_JSON)
